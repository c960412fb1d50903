import {
  CreateTargetGroupCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SharedPlatform } from '../support/bootstrap.ts';
import { exampleDoc, freshEmulator, reconcile, service, type Doc } from '../support/harness.ts';

/**
 * ECS blue/green, linear and canary deployments against moto: routeyard keeps two target
 * groups and the production (and test) rule forwarding to both; the test then does what
 * ECS does, a ModifyRule moving the weights, and routeyard must neither report nor undo it.
 */
const elbv2 = () => new ElasticLoadBalancingV2Client({});

interface LiveRule {
  arn: string;
  priority: number;
  headers: Record<string, string[]>;
  weights: Record<string, number>;
  actionTypes: string[];
  tags: Record<string, string>;
}

async function liveRules(listenerArn: string): Promise<LiveRule[]> {
  const rules = ((await elbv2().send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules ?? []).filter((r) => !r.IsDefault);
  const tags = (await elbv2().send(new DescribeTagsCommand({ ResourceArns: rules.map((r) => r.RuleArn!) }))).TagDescriptions ?? [];
  return rules.map((r: Rule) => ({
    arn: r.RuleArn!,
    priority: Number(r.Priority),
    headers: Object.fromEntries((r.Conditions ?? []).filter((c) => c.Field === 'http-header').map((c) => [c.HttpHeaderConfig!.HttpHeaderName!, c.HttpHeaderConfig!.Values ?? []])),
    weights: Object.fromEntries(
      (r.Actions ?? []).flatMap((a) => (a.ForwardConfig?.TargetGroups?.length ? a.ForwardConfig.TargetGroups.map((t) => [t.TargetGroupArn!, t.Weight ?? 1]) : a.TargetGroupArn ? [[a.TargetGroupArn, 1]] : [])),
    ),
    actionTypes: (r.Actions ?? []).map((a) => a.Type!),
    tags: Object.fromEntries((tags.find((t) => t.ResourceArn === r.RuleArn)?.Tags ?? []).map((t) => [t.Key!, t.Value!])),
  }));
}

async function rulesOf(listenerArn: string, svc: string) {
  const rules = (await liveRules(listenerArn)).filter((r) => r.tags['routeyard:service'] === svc);
  return { production: rules.find((r) => r.tags['routeyard:role'] !== 'test'), test: rules.find((r) => r.tags['routeyard:role'] === 'test'), all: rules };
}

async function groupsOf(svc: string) {
  const groups = (await elbv2().send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
  const tags = groups.length ? ((await elbv2().send(new DescribeTagsCommand({ ResourceArns: groups.map((g) => g.TargetGroupArn!) }))).TagDescriptions ?? []) : [];
  return groups
    .map((g) => ({ ...g, tags: Object.fromEntries((tags.find((t) => t.ResourceArn === g.TargetGroupArn)?.Tags ?? []).map((t) => [t.Key!, t.Value!])) }))
    .filter((g) => g.tags['routeyard:service'] === svc);
}

/** What ECS does during a deployment: rewrite the forward action's weights, nothing else. */
async function shiftWeights(ruleArn: string, weights: Record<string, number>) {
  await elbv2().send(
    new ModifyRuleCommand({
      RuleArn: ruleArn,
      Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: Object.entries(weights).map(([arn, w]) => ({ TargetGroupArn: arn, Weight: w })) } }],
    }),
  );
}

const SVC = 'fastapi-app';
let platform: SharedPlatform;

function ecsDoc(opts: { test?: boolean } = {}): Doc {
  const doc = exampleDoc();
  const svc = doc.spec.services.find((s: Doc) => s.name === SVC);
  svc.deployment = { strategy: 'ecs', ...(opts.test ? { testTraffic: { header: 'X-Canary', value: '1' } } : {}) };
  return doc;
}

describe('ECS-driven deployments against moto', () => {
  beforeAll(async () => {
    platform = await freshEmulator();
  });

  it('keeps two tagged target groups, a production rule and a test rule forwarding to both (100/0), then converges to zero writes', async () => {
    const first = await reconcile(ecsDoc({ test: true }));
    expect(first.exitCode).toBe(0);
    const groups = await groupsOf(SVC);
    expect(groups.map((g) => g.tags['routeyard:role']).sort()).toEqual(['alternate', 'primary']);
    const [a, b] = groups;
    for (const k of ['Port', 'Protocol', 'TargetType', 'VpcId', 'HealthCheckPath', 'Matcher'] as const) expect(a![k]).toEqual(b![k]);
    const primary = groups.find((g) => g.tags['routeyard:role'] === 'primary')!.TargetGroupArn!;
    const alternate = groups.find((g) => g.tags['routeyard:role'] === 'alternate')!.TargetGroupArn!;
    const { production, test } = await rulesOf(platform.listenerArn, SVC);
    expect(production).toMatchObject({ priority: 2, headers: { 'X-Target-Service': [SVC] }, weights: { [primary]: 100, [alternate]: 0 }, actionTypes: ['forward'] });
    expect(production!.tags['routeyard:role']).toBe('production');
    // The test rule is evaluated just before the production rule and needs both headers.
    expect(test).toMatchObject({ priority: 1, headers: { 'X-Target-Service': [SVC], 'X-Canary': ['1'] }, weights: { [primary]: 100, [alternate]: 0 }, actionTypes: ['forward'] });

    const second = await reconcile(ecsDoc({ test: true }));
    expect(second.report.outcome).toBe('InSync');
    expect(second.report.stats.awsCalls.mutating).toBe(0);
  });

  it('after each weight move ECS makes (0/100, 50/50, back to 100/0) a pass reports InSync and writes nothing', async () => {
    const doc = ecsDoc({ test: true });
    await reconcile(doc);
    const groups = await groupsOf(SVC);
    const primary = groups.find((g) => g.tags['routeyard:role'] === 'primary')!.TargetGroupArn!;
    const alternate = groups.find((g) => g.tags['routeyard:role'] === 'alternate')!.TargetGroupArn!;
    const { production, test } = await rulesOf(platform.listenerArn, SVC);
    for (const [p, alt] of [
      [0, 100],
      [50, 50],
      [100, 0],
    ] as const) {
      await shiftWeights(production!.arn, { [primary]: p, [alt === 100 ? alternate : alternate]: alt });
      await shiftWeights(test!.arn, { [primary]: 0, [alternate]: 100 });
      const pass = await reconcile(doc);
      expect(pass.exitCode).toBe(0);
      expect(service(pass.report, SVC).status).toBe('InSync');
      expect(pass.report.actions).toEqual([]);
      expect(pass.report.stats.awsCalls.mutating).toBe(0);
      const after = await rulesOf(platform.listenerArn, SVC);
      expect(after.production!.weights).toEqual({ [primary]: p, [alternate]: alt });
      expect(after.test!.weights).toEqual({ [primary]: 0, [alternate]: 100 });
    }
  });

  it('repairs a header changed out of band while the weights stay as ECS left them', async () => {
    const doc = ecsDoc({ test: true });
    await reconcile(doc);
    const groups = await groupsOf(SVC);
    const primary = groups.find((g) => g.tags['routeyard:role'] === 'primary')!.TargetGroupArn!;
    const alternate = groups.find((g) => g.tags['routeyard:role'] === 'alternate')!.TargetGroupArn!;
    const { production, test } = await rulesOf(platform.listenerArn, SVC);
    await shiftWeights(production!.arn, { [primary]: 0, [alternate]: 100 });
    await shiftWeights(test!.arn, { [primary]: 20, [alternate]: 80 });
    await elbv2().send(new ModifyRuleCommand({ RuleArn: production!.arn, Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Target-Service', Values: ['hijacked'] } }] }));
    await elbv2().send(new ModifyRuleCommand({ RuleArn: test!.arn, Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Target-Service', Values: [SVC] } }] }));

    const drift = await reconcile(doc);
    expect(drift.exitCode).toBe(0);
    const paths = drift.report.actions.flatMap((a) => a.diffs.map((d) => d.path));
    expect(paths).toContain('listenerRule.condition.httpHeader.values');
    expect(paths).toContain('listenerRule.condition.testHeader');
    expect(paths.some((p) => p.includes('weights'))).toBe(false);
    const after = await rulesOf(platform.listenerArn, SVC);
    expect(after.production!.headers).toEqual({ 'X-Target-Service': [SVC] });
    expect(after.test!.headers).toEqual({ 'X-Target-Service': [SVC], 'X-Canary': ['1'] });
    expect(after.production!.weights).toEqual({ [primary]: 0, [alternate]: 100 });
    expect(after.test!.weights).toEqual({ [primary]: 20, [alternate]: 80 });
    const again = await reconcile(doc);
    expect(again.report.stats.awsCalls.mutating).toBe(0);
  });

  it('puts back the set of two groups (and forward-only) when it is changed, keeping the weights ECS set', async () => {
    const doc = ecsDoc({ test: true });
    await reconcile(doc);
    const groups = await groupsOf(SVC);
    const primary = groups.find((g) => g.tags['routeyard:role'] === 'primary')!.TargetGroupArn!;
    const alternate = groups.find((g) => g.tags['routeyard:role'] === 'alternate')!.TargetGroupArn!;
    const { production } = await rulesOf(platform.listenerArn, SVC);
    // Someone drops the primary from the rule while the alternate carries the traffic.
    await shiftWeights(production!.arn, { [alternate]: 100 });
    const repair = await reconcile(doc);
    expect(repair.exitCode).toBe(0);
    expect(repair.report.actions.flatMap((a) => a.diffs.map((d) => d.path))).toContain('listenerRule.action.forward.targetGroups');
    const after = await rulesOf(platform.listenerArn, SVC);
    expect(after.production!.weights).toEqual({ [primary]: 0, [alternate]: 100 });
  });

  it('on a service without the strategy the same weight change is drift and is repaired', async () => {
    const doc = exampleDoc();
    await reconcile(doc);
    const other = 'loopback-app';
    const own = (await groupsOf(other))[0]!.TargetGroupArn!;
    const extra = (await elbv2().send(new CreateTargetGroupCommand({ Name: 'someone-elses', Port: 80, Protocol: 'HTTP', TargetType: 'ip', VpcId: platform.vpcId }))).TargetGroups![0]!.TargetGroupArn!;
    const { production } = await rulesOf(platform.listenerArn, other);
    await shiftWeights(production!.arn, { [own]: 0, [extra]: 100 });
    const drift = await reconcile(doc);
    expect(service(drift.report, other).status).toBe('Drifted');
    const after = await rulesOf(platform.listenerArn, other);
    expect(after.production!.weights).toEqual({ [own]: 1 });
  });

  it('refuses a port change while the service uses ECS deployments, says why and the way out, and writes nothing', async () => {
    const doc = ecsDoc({ test: true });
    await reconcile(doc);
    const before = await rulesOf(platform.listenerArn, SVC);
    const changed = ecsDoc({ test: true });
    changed.spec.services.find((s: Doc) => s.name === SVC).targetGroup.port = 8001;
    const refused = await reconcile(changed);
    expect(refused.exitCode).not.toBe(0);
    const svc = service(refused.report, SVC);
    expect(svc.status).toBe('Error');
    const message = svc.resources.find((r) => r.kind === 'targetGroup' && r.status === 'Error')?.message ?? '';
    expect(message).toMatch(/port 8000 -> 8001/);
    expect(message).toMatch(/ECS deployments/);
    expect(message).toMatch(/remove "deployment"/);
    expect(refused.report.actions.filter((a) => a.service === SVC)).toEqual([]);
    expect(await groupsOf(SVC)).toHaveLength(2);
    expect((await rulesOf(platform.listenerArn, SVC)).all.map((r) => r.arn).sort()).toEqual(before.all.map((r) => r.arn).sort());
  });

  it('deletes the test rule when testTraffic goes, and the alternate group when the strategy goes', async () => {
    await reconcile(ecsDoc({ test: true }));
    const noTest = await reconcile(ecsDoc());
    expect(noTest.exitCode).toBe(0);
    const rules = await rulesOf(platform.listenerArn, SVC);
    expect(rules.test).toBeUndefined();
    expect(rules.production).toBeDefined();
    expect(await groupsOf(SVC)).toHaveLength(2);

    const plain = await reconcile(exampleDoc());
    expect(plain.exitCode).toBe(0);
    const groups = await groupsOf(SVC);
    expect(groups).toHaveLength(1);
    const after = await rulesOf(platform.listenerArn, SVC);
    expect(after.production!.weights).toEqual({ [groups[0]!.TargetGroupArn!]: 1 });
    expect((await reconcile(exampleDoc())).report.stats.awsCalls.mutating).toBe(0);
  });
});
