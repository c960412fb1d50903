import { DeleteRuleCommand, DescribeRulesCommand, DescribeTagsCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetApisCommand, ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SharedPlatform } from '../support/bootstrap.ts';
import { startDaemon, sumCounter, waitFor, type RunningDaemon } from '../support/daemon.ts';
import { albOnlyDoc, freshEmulator, type Doc } from '../support/harness.ts';

/**
 * The controller as its users run it: a separate process, reconciling on its own, serving
 * /drift, /metrics, /readyz and the dashboard. Against moto.
 */
const PARAM = '/acmecorp/routeyard/desired-state';
const elbv2 = () => new ElasticLoadBalancingV2Client({});
const ssm = () => new SSMClient({});

let platform: SharedPlatform;
const running: RunningDaemon[] = [];

async function putDoc(doc: Doc | string): Promise<number> {
  // Documents beyond 4 KB need the Advanced tier on AWS (moto does not check the size).
  const out = await ssm().send(new PutParameterCommand({ Name: PARAM, Value: typeof doc === 'string' ? doc : JSON.stringify(doc), Type: 'String', Tier: 'Advanced', Overwrite: true }));
  return out.Version!;
}

async function daemon(args: string[] = []): Promise<RunningDaemon> {
  const d = await startDaemon(['--source', `ssm:${PARAM}`, ...args]);
  running.push(d);
  return d;
}

async function ruleArnOf(service: string): Promise<string | undefined> {
  const rules = ((await elbv2().send(new DescribeRulesCommand({ ListenerArn: platform.listenerArn }))).Rules ?? []).filter((r) => !r.IsDefault);
  if (rules.length === 0) return undefined;
  const tags = (await elbv2().send(new DescribeTagsCommand({ ResourceArns: rules.map((r) => r.RuleArn!) }))).TagDescriptions ?? [];
  return tags.find((t) => t.Tags?.some((x) => x.Key === 'routeyard:service' && x.Value === service))?.ResourceArn;
}

/** Everything routeyard manages, as AWS holds it: to show a pass changed nothing. */
async function awsSnapshot(): Promise<string> {
  const rules = (await elbv2().send(new DescribeRulesCommand({ ListenerArn: platform.listenerArn }))).Rules ?? [];
  const groups = (await elbv2().send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
  const apis = (await new ApiGatewayV2Client({}).send(new GetApisCommand({}))).Items ?? [];
  return JSON.stringify({
    rules: rules.map((r) => [r.RuleArn, r.Priority, r.Conditions, r.Actions]).sort(),
    groups: groups.map((g) => [g.TargetGroupArn, g.Port, g.HealthCheckPath]).sort(),
    apis: apis.map((a) => [a.ApiId, a.Name]).sort(),
  });
}

async function settled(d: RunningDaemon, what = 'an InSync pass'): Promise<void> {
  await waitFor(what, 30, async () => ((await d.drift())?.outcome === 'InSync' ? true : undefined));
}

describe('the controller (daemon) against moto', () => {
  beforeEach(async () => {
    platform = await freshEmulator();
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((d) => d.stop('SIGKILL')));
  });

  it('converges a changed desired document in SSM within 10 s (source polled every 5 s, no waiting for the interval)', async () => {
    const doc = albOnlyDoc();
    await putDoc(doc);
    const d = await daemon(['--interval', '5m']);
    await settled(d, 'the first convergence');
    doc.spec.services.push({ name: 'billing', headerValue: 'billing', priority: 40, targetGroup: { port: 9000, protocol: 'HTTP', targetType: 'ip' } });
    const version = await putDoc(doc);
    const changedAt = Date.now();
    await waitFor('the new rule', 10, async () => ((await ruleArnOf('billing')) ? true : undefined));
    const elapsed = (Date.now() - changedAt) / 1000;
    expect(elapsed).toBeLessThan(10);
    const drift = await waitFor('the report of the new version', 10, async () => {
      const r = await d.drift();
      return r?.source.version === `${PARAM}@${version}` ? r : undefined;
    });
    expect(drift.recentPasses?.some((p) => p.trigger === 'source-change')).toBe(true);
  });

  it('repairs a listener rule deleted out of band within one interval', async () => {
    await putDoc(albOnlyDoc());
    const d = await daemon(['--interval', '5s']);
    await settled(d);
    await elbv2().send(new DeleteRuleCommand({ RuleArn: (await ruleArnOf('loopback-app'))! }));
    const deletedAt = Date.now();
    await waitFor('the repair', 15, async () => ((await ruleArnOf('loopback-app')) ? true : undefined), 100);
    // One interval (5 s, +-10% jitter) plus the pass itself.
    expect((Date.now() - deletedAt) / 1000).toBeLessThan(5 * 1.1 + 2);
    const drift = (await d.drift())!;
    expect(drift.recentPasses!.some((p) => p.actionsApplied === 1 && p.trigger === 'interval')).toBe(true);
  });

  it('an invalid document leaves AWS exactly as it was, shows the error at /drift, on the dashboard and in /metrics, and fixing it resumes convergence', async () => {
    const doc = albOnlyDoc();
    await putDoc(doc);
    const d = await daemon(['--interval', '2s', '--source-poll', '1s']);
    await settled(d);
    expect((await fetch(`${d.url}readyz`)).status).toBe(200);

    // An operator mid-edit: a priority out of range and an unknown field.
    const broken = structuredClone(doc);
    broken.spec.services[1].priority = 0;
    broken.spec.services[2].weight = 3;
    await putDoc(broken);
    const before = await awsSnapshot();
    // Drift made while the source is broken is reported against the last good document, not repaired.
    await elbv2().send(new DeleteRuleCommand({ RuleArn: (await ruleArnOf('zeropoint-app'))! }));
    const afterDelete = await awsSnapshot();
    const drift = await waitFor('the source error and the drift in /drift', 15, async () => {
      const r = await d.drift();
      return r?.sourceError && r.services.find((s) => s.name === 'zeropoint-app')?.status === 'Drifted' ? r : undefined;
    });
    expect(drift.sourceError!.code).toBe('InvalidDesiredState');
    expect(drift.sourceError!.fieldErrors).toEqual(
      expect.arrayContaining([
        { path: 'spec.services[1].priority', message: 'must be between 1 and 50000' },
        { path: 'spec.services[2].weight', message: 'is not a known field' },
      ]),
    );
    expect(drift.mode).toBe('dry-run');
    // Several passes later, still nothing written.
    await new Promise((r) => setTimeout(r, 5000));
    expect(await awsSnapshot()).toBe(afterDelete);
    expect(afterDelete).not.toBe(before);
    const passesWhileBroken = (await d.drift())!.recentPasses!.filter((p) => Date.parse(p.at) > Date.now() - 5000);
    expect(passesWhileBroken.length).toBeGreaterThan(0);
    expect(passesWhileBroken.every((p) => p.mutatingCalls === 0 && p.mode === 'dry-run')).toBe(true);

    const html = await (await fetch(d.url)).text();
    expect(html).toContain('The desired-state source is broken');
    expect(html).toContain('spec.services[1].priority');
    const metrics = await d.metrics();
    expect(sumCounter(metrics, 'routeyard_source_error', (l) => l.code === 'InvalidDesiredState')).toBe(1);
    expect(sumCounter(metrics, 'routeyard_source_errors_total')).toBeGreaterThan(0);
    expect((await fetch(`${d.url}readyz`)).status).toBe(503);

    await putDoc(doc);
    await waitFor('the repair after the fix', 15, async () => ((await ruleArnOf('zeropoint-app')) ? true : undefined));
    await waitFor('the source error to clear', 10, async () => {
      const r = await d.drift();
      return r && !r.sourceError && r.outcome === 'InSync' ? true : undefined;
    });
    expect(sumCounter(await d.metrics(), 'routeyard_source_error')).toBe(0);
    expect((await fetch(`${d.url}readyz`)).status).toBe(200);
  });

  it('serves read-only JSON endpoints: /drift?service=NAME, 404 for unknown paths and services, 405 for writes', async () => {
    await putDoc(albOnlyDoc());
    const d = await daemon();
    await settled(d);
    const one = (await (await fetch(`${d.url}drift?service=loopback-app`)).json()) as { services: { name: string }[]; ageSeconds: number; lease: { enabled: boolean } };
    expect(one.services.map((s) => s.name)).toEqual(['loopback-app']);
    expect(one.ageSeconds).toBeGreaterThanOrEqual(0);
    expect(one.lease.enabled).toBe(false);
    const unknownService = await fetch(`${d.url}drift?service=nope`);
    expect(unknownService.status).toBe(404);
    expect(await unknownService.json()).toMatchObject({ error: { code: 'UnknownService' } });
    const unknownPath = await fetch(`${d.url}nope`);
    expect(unknownPath.status).toBe(404);
    expect(await unknownPath.json()).toMatchObject({ error: { code: 'NotFound' } });
    const post = await fetch(`${d.url}drift`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${d.url}healthz`, { method: 'HEAD' })).status).toBe(200);
  });

  it('SIGTERM: exits 0 well within 30 s', async () => {
    await putDoc(albOnlyDoc());
    const d = await daemon();
    await settled(d);
    const sent = Date.now();
    const { code, at } = await d.stop('SIGTERM');
    expect(code).toBe(0);
    expect((at - sent) / 1000).toBeLessThan(30);
  });
});
