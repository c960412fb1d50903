import {
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteRuleCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  ModifyTargetGroupCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SharedPlatform } from '../support/bootstrap.ts';
import { albOnlyDoc, allDiffs, dryRun, freshEmulator, reconcile, service, type Doc } from '../support/harness.ts';

const elbv2 = () => new ElasticLoadBalancingV2Client({});

async function ownedRules(listenerArn: string) {
  const rules = (await elbv2().send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules ?? [];
  const nonDefault = rules.filter((r) => !r.IsDefault);
  const tags = nonDefault.length
    ? ((await elbv2().send(new DescribeTagsCommand({ ResourceArns: nonDefault.map((r) => r.RuleArn!) }))).TagDescriptions ?? [])
    : [];
  return nonDefault.map((r) => ({
    arn: r.RuleArn!,
    priority: Number(r.Priority),
    header: r.Conditions?.find((c) => c.Field === 'http-header')?.HttpHeaderConfig?.Values?.[0],
    service: tags.find((t) => t.ResourceArn === r.RuleArn)?.Tags?.find((t) => t.Key === 'routeyard:service')?.Value,
    targetGroupArn: r.Actions?.[0]?.TargetGroupArn,
  }));
}

async function ruleOf(listenerArn: string, svc: string) {
  const r = (await ownedRules(listenerArn)).find((x) => x.service === svc);
  if (!r) throw new Error(`no rule for ${svc}`);
  return r;
}

async function targetGroupNamed(prefix: string) {
  const groups = (await elbv2().send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
  return groups.filter((g) => g.TargetGroupName!.startsWith(prefix));
}

let platform: SharedPlatform;
let doc: Doc;

describe('shared-ALB listener rules and target groups against moto', () => {
  beforeAll(async () => {
    platform = await freshEmulator();
  });

  beforeEach(() => {
    doc = albOnlyDoc();
  });

  it('converges the five example services from empty, then the next pass makes zero mutating calls', async () => {
    const first = await reconcile(doc);
    expect(first.exitCode).toBe(0);
    expect(first.report.outcome).toBe('Converged');
    expect(first.report.summary).toMatchObject({ services: 5, missing: 5, applied: 10, failed: 0 });
    const rules = await ownedRules(platform.listenerArn);
    expect(rules.map((r) => [r.service, r.priority, r.header]).sort()).toEqual(
      [
        ['fastapi-app', 2, 'fastapi-app'],
        ['fastapi-prerelease', 11, 'fastapi-prerelease'],
        ['gantt-autoscheduler-qa', 15, 'gantt-autoscheduler-qa'],
        ['loopback-app', 3, 'loopback-app'],
        ['zeropoint-app', 4, 'zeropoint-app'],
      ].sort(),
    );
    const second = await reconcile(doc);
    expect(second.exitCode).toBe(0);
    expect(second.report.outcome).toBe('InSync');
    expect(second.report.summary.inSync).toBe(5);
    expect(second.report.stats.awsCalls.mutating).toBe(0);
    expect(second.report.actions).toEqual([]);
    // Steady state: DescribeRules + DescribeTargetGroups + one DescribeTags for all 10 ARNs,
    // + one DescribeListeners for the load balancer's other listeners (AWS counts quotas per load balancer),
    // + one DescribeLoadBalancers for its DNS name (the private aliases' target, checked against the document).
    expect(second.report.stats.awsCalls.byService.ELBv2).toBe(5);
    expect(second.report.stats.awsCalls.byOperation['ELBv2.DescribeListeners']).toBe(1);
    expect(second.report.stats.awsCalls.byOperation['ELBv2.DescribeLoadBalancers']).toBe(1);
  });

  it('reports out-of-band drift under --dry-run (exit 2, path/desired/live) and repairs it', async () => {
    await reconcile(doc);
    const fastapi = await ruleOf(platform.listenerArn, 'fastapi-app');
    const loopback = await ruleOf(platform.listenerArn, 'loopback-app');
    // 1. a rule deleted out of band
    await elbv2().send(new DeleteRuleCommand({ RuleArn: fastapi.arn }));
    // 2. a rule's header value changed
    await elbv2().send(
      new ModifyRuleCommand({ RuleArn: loopback.arn, Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Target-Service', Values: ['hijacked'] } }] }),
    );
    // 3. a target group's health check path changed
    const [zeropointTg] = await targetGroupNamed('ry-zeropoint-app-');
    await elbv2().send(new ModifyTargetGroupCommand({ TargetGroupArn: zeropointTg!.TargetGroupArn!, HealthCheckPath: '/other' }));

    const dry = await dryRun(doc);
    expect(dry.exitCode).toBe(2);
    expect(dry.report.outcome).toBe('DriftFound');
    expect(dry.report.stats.awsCalls.mutating).toBe(0);
    expect(service(dry.report, 'fastapi-app').status).toBe('Drifted');
    expect(service(dry.report, 'fastapi-app').resources.find((r) => r.kind === 'listenerRule')?.status).toBe('Missing');
    expect(allDiffs(dry.report, 'loopback-app')).toContainEqual({ path: 'listenerRule.condition.httpHeader.values', desired: ['loopback-app'], live: ['hijacked'] });
    expect(allDiffs(dry.report, 'zeropoint-app')).toContainEqual({ path: 'targetGroup.healthCheck.path', desired: '/healthz', live: '/other' });
    expect(service(dry.report, 'fastapi-prerelease').status).toBe('InSync');

    const fix = await reconcile(doc);
    expect(fix.exitCode).toBe(0);
    expect(fix.report.outcome).toBe('Converged');
    expect(fix.report.actions.map((a) => `${a.op} ${a.kind} ${a.service}`).sort()).toEqual(
      ['create listenerRule fastapi-app', 'update listenerRule loopback-app', 'update targetGroup zeropoint-app'].sort(),
    );
    expect((await ruleOf(platform.listenerArn, 'loopback-app')).header).toBe('loopback-app');
    expect((await ruleOf(platform.listenerArn, 'fastapi-app')).priority).toBe(2);

    const after = await reconcile(doc);
    expect(after.report.outcome).toBe('InSync');
    expect(after.report.stats.awsCalls.mutating).toBe(0);
  });

  it('never touches a foreign rule; collisions with it are Conflicts and exit 1', async () => {
    await reconcile(doc);
    const [someTg] = await targetGroupNamed('ry-fastapi-app-');
    // A rule someone else made by hand: no routeyard tags, at a priority and header we want.
    const foreign = await elbv2().send(
      new CreateRuleCommand({
        ListenerArn: platform.listenerArn,
        Priority: 30,
        Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Target-Service', Values: ['billing-*'] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: someTg!.TargetGroupArn! }],
      }),
    );
    const foreignArn = foreign.Rules![0]!.RuleArn!;
    const unchanged = await reconcile(doc);
    expect(unchanged.exitCode).toBe(0);
    expect(unchanged.report.stats.awsCalls.mutating).toBe(0);

    doc.spec.services.push(
      { name: 'billing-api', headerValue: 'billing-api', priority: 31, targetGroup: { port: 8000, protocol: 'HTTP', targetType: 'ip' } },
      { name: 'ledger', headerValue: 'ledger', priority: 30, targetGroup: { port: 8000, protocol: 'HTTP', targetType: 'ip' } },
    );
    const clash = await reconcile(doc);
    expect(clash.exitCode).toBe(1);
    expect(service(clash.report, 'billing-api').status).toBe('Conflict');
    expect(service(clash.report, 'billing-api').resources[0]!.message).toContain(foreignArn);
    expect(service(clash.report, 'ledger').status).toBe('Conflict');
    expect(service(clash.report, 'ledger').resources[0]!.message).toContain('priority 30');
    expect(clash.report.summary.conflicts).toBe(2);

    // Even a pass that removes every other service leaves the foreign rule alone.
    doc.spec.services = doc.spec.services.slice(0, 1);
    await reconcile(doc, '--allow-mass-delete');
    const rules = (await elbv2().send(new DescribeRulesCommand({ ListenerArn: platform.listenerArn }))).Rules!;
    const survivor = rules.find((r) => r.RuleArn === foreignArn);
    expect(survivor?.Priority).toBe('30');
    expect(survivor?.Conditions?.[0]?.HttpHeaderConfig?.Values).toEqual(['billing-*']);
    await elbv2().send(new DeleteRuleCommand({ RuleArn: foreignArn }));
  });
});

describe('priorities, replacement and removal', () => {
  beforeEach(async () => {
    platform = await freshEmulator();
  });

  it('assigns an omitted priority once from the band and keeps it stable', async () => {
    const d = albOnlyDoc();
    d.spec.shared.priorityBand = { from: 100, to: 199 };
    d.spec.services.push({ name: 'reports', headerValue: 'reports', targetGroup: { port: 9000, protocol: 'HTTP', targetType: 'ip' } });
    const first = await reconcile(d);
    expect(first.exitCode).toBe(0);
    expect((await ruleOf(platform.listenerArn, 'reports')).priority).toBe(100);
    // A new service that sorts before it must not move it.
    d.spec.services.push({ name: 'audit', headerValue: 'audit', targetGroup: { port: 9000, protocol: 'HTTP', targetType: 'ip' } });
    const second = await reconcile(d);
    expect(second.exitCode).toBe(0);
    expect((await ruleOf(platform.listenerArn, 'reports')).priority).toBe(100);
    expect((await ruleOf(platform.listenerArn, 'audit')).priority).toBe(101);
    expect((await reconcile(d)).report.stats.awsCalls.mutating).toBe(0);
  });

  it('re-prioritises with SetRulePriorities, never delete-and-recreate', async () => {
    const d = albOnlyDoc();
    d.spec.shared.priorityBand = { from: 100, to: 199 };
    d.spec.services.push(
      { name: 'reports', headerValue: 'reports', targetGroup: { port: 9000, protocol: 'HTTP', targetType: 'ip' } },
      { name: 'audit', headerValue: 'audit', targetGroup: { port: 9000, protocol: 'HTTP', targetType: 'ip' } },
    );
    await reconcile(d);
    const before = await ruleOf(platform.listenerArn, 'fastapi-app');
    d.spec.services[0].priority = 7;
    const dry = await dryRun(d);
    expect(dry.exitCode).toBe(2);
    expect(allDiffs(dry.report, 'fastapi-app')).toContainEqual({ path: 'listenerRule.priority', desired: 7, live: 2 });
    const moved = await reconcile(d);
    expect(moved.exitCode).toBe(0);
    expect(moved.report.stats.awsCalls.byOperation).toMatchObject({ 'ELBv2.SetRulePriorities': 1 });
    expect(moved.report.stats.awsCalls.byOperation['ELBv2.DeleteRule']).toBeUndefined();
    expect(moved.report.stats.awsCalls.byOperation['ELBv2.CreateRule']).toBeUndefined();
    const after = await ruleOf(platform.listenerArn, 'fastapi-app');
    expect(after.arn).toBe(before.arn);
    expect(after.priority).toBe(7);
  });

  it('exchanges two rules\' priorities: one SetRulePriorities, as AWS accepts; moto answers PriorityInUse, so the displaced rule is parked, then both move', async () => {
    const d = albOnlyDoc();
    await reconcile(d);
    const fastapi = await ruleOf(platform.listenerArn, 'fastapi-app');
    d.spec.services[0].priority = 3; // fastapi-app 2 -> 3
    d.spec.services[1].priority = 2; // loopback-app 3 -> 2
    const swapped = await reconcile(d);
    expect(swapped.exitCode).toBe(0);
    expect(swapped.report.summary.failed).toBe(0);
    // 1 refused by moto (PriorityInUse) + park + move. On AWS the first call succeeds alone.
    expect(swapped.report.stats.awsCalls.byOperation['ELBv2.SetRulePriorities']).toBe(3);
    expect((await ruleOf(platform.listenerArn, 'fastapi-app')).priority).toBe(3);
    expect((await ruleOf(platform.listenerArn, 'fastapi-app')).arn).toBe(fastapi.arn);
    expect((await ruleOf(platform.listenerArn, 'loopback-app')).priority).toBe(2);
    expect((await reconcile(d)).report.stats.awsCalls.mutating).toBe(0);
  });

  it('replaces a target group whose port changed: new group, rule moved, old group deleted', async () => {
    const d = albOnlyDoc();
    await reconcile(d);
    const [oldTg] = await targetGroupNamed('ry-loopback-app-');
    d.spec.services[1].targetGroup.port = 3001;
    const dry = await dryRun(d);
    const replace = dry.report.actions.find((a) => a.service === 'loopback-app' && a.kind === 'targetGroup' && a.op === 'replace');
    expect(replace?.diffs).toContainEqual({ path: 'targetGroup.port', desired: 3001, live: 3000 });
    expect(replace?.reason).toContain('cannot be changed in place');
    const fix = await reconcile(d);
    expect(fix.exitCode).toBe(0);
    const groups = await targetGroupNamed('ry-loopback-app-');
    expect(groups).toHaveLength(1);
    expect(groups[0]!.Port).toBe(3001);
    expect(groups[0]!.TargetGroupArn).not.toBe(oldTg!.TargetGroupArn);
    expect((await ruleOf(platform.listenerArn, 'loopback-app')).targetGroupArn).toBe(groups[0]!.TargetGroupArn);
    expect((await reconcile(d)).report.stats.awsCalls.mutating).toBe(0);
  });

  it('references an existing target group by ARN without ever modifying it', async () => {
    const d = albOnlyDoc();
    const ext = await elbv2().send(new CreateTargetGroupCommand({ Name: 'legacy-billing', Port: 8443, Protocol: 'HTTP', VpcId: platform.vpcId, TargetType: 'ip', HealthCheckPath: '/legacy' }));
    const arn = ext.TargetGroups![0]!.TargetGroupArn!;
    d.spec.services.push({ name: 'legacy-billing', headerValue: 'legacy-billing', priority: 40, targetGroup: { arn } });
    const res = await reconcile(d);
    expect(res.exitCode).toBe(0);
    expect((await ruleOf(platform.listenerArn, 'legacy-billing')).targetGroupArn).toBe(arn);
    expect(res.report.actions.some((a) => a.kind === 'targetGroup' && a.service === 'legacy-billing')).toBe(false);
    // Removing the service removes its rule but never the group routeyard does not own.
    d.spec.services.pop();
    const removed = await reconcile(d);
    expect(removed.exitCode).toBe(0);
    expect(removed.report.actions.map((a) => `${a.op} ${a.kind}`)).toEqual(['delete listenerRule']);
    const still = (await elbv2().send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] }))).TargetGroups!;
    expect(still[0]!.HealthCheckPath).toBe('/legacy');
  });

  it('a pointed-at missing target group ARN is an Error for that service only', async () => {
    const d = albOnlyDoc();
    await reconcile(d);
    d.spec.services.push({
      name: 'ghost',
      headerValue: 'ghost',
      priority: 41,
      targetGroup: { arn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/ghost/0123456789abcdef' },
    });
    const res = await reconcile(d);
    expect(res.exitCode).toBe(1);
    expect(service(res.report, 'ghost').status).toBe('Error');
    expect(service(res.report, 'fastapi-app').status).toBe('InSync');
  });

  it('removing services deletes their rule then target group; more than half is refused with exit 4', async () => {
    const d = albOnlyDoc();
    await reconcile(d);
    const keepOne = { ...d, spec: { ...d.spec, services: d.spec.services.slice(0, 1) } };
    const refused = await reconcile(keepOne);
    expect(refused.exitCode).toBe(4);
    expect(refused.report.outcome).toBe('Refused');
    expect(refused.report.error?.message).toContain('--allow-mass-delete');
    expect(refused.report.stats.awsCalls.mutating).toBe(0);
    expect(await ownedRules(platform.listenerArn)).toHaveLength(5);

    const dropTwo = { ...d, spec: { ...d.spec, services: d.spec.services.slice(0, 3) } };
    const removed = await reconcile(dropTwo);
    expect(removed.exitCode).toBe(0);
    const ops = removed.report.actions.map((a) => `${a.op} ${a.kind} ${a.service}`);
    expect(ops).toEqual([
      'delete listenerRule fastapi-prerelease',
      'delete listenerRule gantt-autoscheduler-qa',
      'delete targetGroup fastapi-prerelease',
      'delete targetGroup gantt-autoscheduler-qa',
    ]);
    expect(service(removed.report, 'gantt-autoscheduler-qa').status).toBe('Orphaned');
    expect((await ownedRules(platform.listenerArn)).map((r) => r.service).sort()).toEqual(['fastapi-app', 'loopback-app', 'zeropoint-app']);
  });
});
