import { DescribeRulesCommand, DescribeTagsCommand, ElasticLoadBalancingV2Client, ModifyRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SharedPlatform } from '../support/bootstrap.ts';
import { resourceWrites, startDaemon, sumCounter, waitFor, type RunningDaemon } from '../support/daemon.ts';
import { albOnlyDoc, freshEmulator, writeDoc, type Doc } from '../support/harness.ts';

/**
 * The controller as a separate process, with a service whose deployments ECS drives and
 * published outputs. ECS moves the production rule's weights between two passes (as it
 * does during a blue/green, linear or canary deployment): no write, no notification. A
 * header changed out of band, as a control, is a write and a notification.
 */
const SVC = 'fastapi-app';
const PREFIX = '/acmecorp/routeyard';
const HEADER = 'X-Target-Service';
const elbv2 = () => new ElasticLoadBalancingV2Client({});

interface Webhook {
  url: string;
  messages: { event: string; service: string; status: string; diffPaths: string[] }[];
  close: () => Promise<void>;
}

/** A webhook receiver, as a Slack incoming webhook would be: it records each JSON body. */
async function startWebhook(): Promise<Webhook> {
  const messages: Webhook['messages'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      messages.push(JSON.parse(body) as Webhook['messages'][number]);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, messages, close: () => new Promise((r) => server.close(() => r())) };
}

interface LiveRule {
  arn: string;
  role: string | undefined;
  service: string | undefined;
  headers: Record<string, string[]>;
  weights: Record<string, number>;
}

async function rulesOf(listenerArn: string, service: string): Promise<LiveRule[]> {
  const rules = ((await elbv2().send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules ?? []).filter((r) => !r.IsDefault);
  const tags = (await elbv2().send(new DescribeTagsCommand({ ResourceArns: rules.map((r) => r.RuleArn!) }))).TagDescriptions ?? [];
  return rules
    .map((r) => {
      const t = Object.fromEntries((tags.find((x) => x.ResourceArn === r.RuleArn)?.Tags ?? []).map((x) => [x.Key!, x.Value!]));
      return {
        arn: r.RuleArn!,
        role: t['routeyard:role'],
        service: t['routeyard:service'],
        headers: Object.fromEntries((r.Conditions ?? []).filter((c) => c.Field === 'http-header').map((c) => [c.HttpHeaderConfig!.HttpHeaderName!, c.HttpHeaderConfig!.Values ?? []])),
        weights: Object.fromEntries(
          (r.Actions ?? []).flatMap((a) => (a.ForwardConfig?.TargetGroups?.length ? a.ForwardConfig.TargetGroups.map((g) => [g.TargetGroupArn!, g.Weight ?? 1]) : a.TargetGroupArn ? [[a.TargetGroupArn, 1]] : [])),
        ),
      };
    })
    .filter((r) => r.service === service);
}

async function published(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let token: string | undefined;
  do {
    const page = await new SSMClient({}).send(new GetParametersByPathCommand({ Path: `${PREFIX}/services`, Recursive: true, MaxResults: 10, ...(token ? { NextToken: token } : {}) }));
    for (const p of page.Parameters ?? []) out[p.Name!.slice(`${PREFIX}/services/`.length)] = p.Value!;
    token = page.NextToken;
  } while (token);
  return out;
}

function ecsDoc(): Doc {
  const doc = albOnlyDoc();
  doc.spec.shared.outputsPrefix = PREFIX;
  doc.spec.services.find((s: Doc) => s.name === SVC).deployment = { strategy: 'ecs', testTraffic: { header: 'X-Canary', value: '1' } };
  return doc;
}

const passes = async (d: RunningDaemon) => sumCounter(await d.metrics(), 'routeyard_reconcile_passes_total');
const sent = async (d: RunningDaemon) => sumCounter(await d.metrics(), 'routeyard_notifications_total', (l) => l.result === 'sent');

let platform: SharedPlatform;
let daemon: RunningDaemon;
let webhook: Webhook;

describe('the controller (daemon) with ECS deployments against moto', () => {
  beforeAll(async () => {
    platform = await freshEmulator();
    webhook = await startWebhook();
    daemon = await startDaemon([
      '--source', `file:${writeDoc(ecsDoc())}`, '--interval', '1s',
      '--notify-webhook', webhook.url, '--notify-repeat', '1h', '--report-url', 'https://routeyard.internal.acmecorp.com/',
    ]);
    await waitFor('the first convergence', 60, async () => ((await daemon.drift())?.outcome === 'InSync' ? true : undefined));
  }, 120_000);

  afterAll(async () => {
    await daemon?.stop();
    await webhook?.close();
  });

  it('weights moved by ECS between two passes: further passes write nothing, the service stays InSync, no notification', async () => {
    const rules = await rulesOf(platform.listenerArn, SVC);
    const production = rules.find((r) => r.role === 'production')!;
    const test = rules.find((r) => r.role === 'test')!;
    expect(production).toBeDefined();
    expect(test).toBeDefined();
    const outputs = await published();
    const primary = outputs[`${SVC}/target-group-arn`]!;
    const alternate = outputs[`${SVC}/alternate-target-group-arn`]!;
    expect(production.weights).toEqual({ [primary]: 100, [alternate]: 0 });
    expect(outputs[`${SVC}/production-rule-arn`]).toBe(production.arn);
    expect(outputs[`${SVC}/test-rule-arn`]).toBe(test.arn);

    // Steady state: two passes in a row that write nothing, so nothing of the convergence is in flight.
    await waitFor('two quiet passes', 30, async () => {
      const recent = (await daemon.drift())?.recentPasses ?? [];
      return recent.length >= 2 && recent.slice(0, 2).every((p) => p.mutatingCalls === 0 && p.outcome === 'InSync') ? true : undefined;
    });
    await daemon.drift();
    const writesBefore = resourceWrites(await daemon.metrics());
    const messagesBefore = webhook.messages.length;
    const sentBefore = await sent(daemon);

    // What ECS does during a deployment: rewrite the forward action's weights, nothing else.
    for (const [p, a] of [
      [0, 100],
      [50, 50],
    ] as const) {
      for (const r of [production, test]) {
        await elbv2().send(
          new ModifyRuleCommand({
            RuleArn: r.arn,
            Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: primary, Weight: p }, { TargetGroupArn: alternate, Weight: a }] } }],
          }),
        );
      }
      const movedAt = Date.now();
      const passesAtMove = await passes(daemon);
      // At least two full passes that began after the move.
      await waitFor('two passes after the weight move', 30, async () => {
        const after = ((await daemon.drift())?.recentPasses ?? []).filter((x) => Date.parse(x.at) - x.durationMs > movedAt);
        return after.length >= 2 ? after : undefined;
      });
      expect(await passes(daemon)).toBeGreaterThanOrEqual(passesAtMove + 2);
      const drift = (await daemon.drift())!;
      const since = drift.recentPasses!.filter((x) => Date.parse(x.at) > movedAt);
      expect(since.every((x) => x.mutatingCalls === 0 && x.actionsApplied === 0 && x.outcome === 'InSync'), JSON.stringify(since)).toBe(true);
      expect(drift.services.find((s) => s.name === SVC)!.status).toBe('InSync');
      expect(drift.actions).toEqual([]);
      expect(resourceWrites(await daemon.metrics())).toBe(writesBefore);
      // The weights stay as ECS left them.
      const now = await rulesOf(platform.listenerArn, SVC);
      for (const r of now) expect(r.weights, r.role).toEqual({ [primary]: p, [alternate]: a });
    }
    // Let any message a pass may have queued go out before counting.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(webhook.messages.slice(messagesBefore)).toEqual([]);
    expect(await sent(daemon)).toBe(sentBefore);
  }, 90_000);

  it('control: a header changed out of band is a write, a notification, and repaired with the weights kept', async () => {
    const rules = await rulesOf(platform.listenerArn, SVC);
    const production = rules.find((r) => r.role === 'production')!;
    const weights = production.weights;
    const writesBefore = resourceWrites(await daemon.metrics());
    const messagesBefore = webhook.messages.length;
    await elbv2().send(new ModifyRuleCommand({ RuleArn: production.arn, Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: HEADER, Values: ['hijacked'] } }] }));
    await waitFor('the repair', 30, async () => {
      const r = (await rulesOf(platform.listenerArn, SVC)).find((x) => x.arn === production.arn)!;
      return r.headers[HEADER]?.[0] === SVC ? true : undefined;
    });
    expect(resourceWrites(await daemon.metrics())).toBeGreaterThan(writesBefore);
    const drift = await waitFor('a notification about the drift', 15, async () => {
      const m = webhook.messages.slice(messagesBefore).find((x) => x.event === 'drift' && x.service === SVC);
      return m;
    });
    expect(drift.diffPaths).toContain('listenerRule.condition.httpHeader.values');
    expect(drift.diffPaths.some((p) => p.includes('weights'))).toBe(false);
    const after = (await rulesOf(platform.listenerArn, SVC)).find((x) => x.arn === production.arn)!;
    expect(after.weights).toEqual(weights);
  }, 60_000);
});
