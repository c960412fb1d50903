import { describe, expect, it } from 'vitest';
import { LOAD_BALANCER, OWNER, convergedObserved, desiredFrom, emptyObserved, ownedRule, rule, svc, targetGroup, withLoadBalancerCounts } from '../../test/unit/builders.ts';
import type { ObservedApi, ObservedState, TargetHealthSummary } from '../model/observed.ts';
import { ownershipTags } from '../model/tags.ts';
import { plan } from './planner.ts';
import { targetGroupsNeedingHealth } from './target-groups.ts';

/**
 * Planner rules that follow what AWS does where the emulator is lenient (issue 6). Each
 * describe names the AWS behaviour it encodes.
 */
const healthy = (n: number): TargetHealthSummary => ({ readable: true, healthy: n, registered: n, states: n ? { healthy: n } : {} });
const unused = (n: number): TargetHealthSummary => ({ readable: true, healthy: 0, registered: n, states: n ? { unused: n } : {} });

function apiChildren(observed: ObservedState) {
  const c = observed.apis[0]!.children!;
  if (!c.readable) throw new Error('unreadable');
  return c;
}

describe('AWS: a rule moved to an empty target group answers 503, so a replacement waits for a healthy target', () => {
  const desired = desiredFrom([svc('a', { priority: 5, targetGroup: { port: 9000, protocol: 'HTTP', targetType: 'ip', healthCheck: { path: '/healthz' } } })]);
  const before = desiredFrom([svc('a', { priority: 5 })]);
  const setup = (oldHealth: TargetHealthSummary | undefined, fresh?: TargetHealthSummary, freshAttached = false) => {
    const observed = convergedObserved(before, {});
    const old = observed.targetGroups[0]!;
    if (oldHealth) old.health = oldHealth;
    if (fresh) {
      const tg = desired.services[0]!.targetGroup;
      if (tg.kind !== 'managed') throw new Error('managed expected');
      const g = targetGroup(tg.name, ownershipTags(OWNER, 'a'), { port: 9000, health: fresh });
      observed.targetGroups.push(g);
      if (freshAttached) observed.rules[0]!.forward = [{ arn: old.arn, weight: 1 }, { arn: g.arn, weight: 0 }];
    }
    return { observed: withLoadBalancerCounts(observed), old };
  };

  it('reads target health only while a service has a group that is not the one the document wants', () => {
    const { observed } = setup(undefined);
    expect(targetGroupsNeedingHealth(desired, observed.targetGroups)).toEqual([observed.targetGroups[0]!.arn]);
    expect(targetGroupsNeedingHealth(before, observed.targetGroups)).toEqual([]);
  });

  it('old group healthy, new group absent: create it, attach it with weight 0, keep all traffic on the old one, Pending', () => {
    const { observed, old } = setup(healthy(2));
    const p = plan(desired, observed);
    expect(p.services[0]!.status).toBe('Pending');
    expect(p.actions.map((a) => `${a.op} ${a.kind}`)).toEqual(['replace targetGroup', 'update listenerRule']);
    expect(p.actions[1]!.payload).toMatchObject({ type: 'modifyRule', targetGroupArn: { value: old.arn }, standbyTargetGroupArn: { fromAction: p.actions[0]!.id } });
    const pending = p.services[0]!.resources.find((r) => r.status === 'Pending')!;
    expect(pending.message).toMatch(/^waiting for healthy targets in ry-a-[0-9a-f]{8}; point the service's ECS load balancer at it/);
    expect(p.actions.some((a) => a.payload.type === 'deleteTargetGroup')).toBe(false);
  });

  it('new group attached but without a healthy target (AWS says unused or initial): nothing to do, still Pending', () => {
    const { observed } = setup(healthy(1), unused(1), true);
    const p = plan(desired, observed);
    expect(p.actions).toEqual([]);
    expect(p.services[0]!.status).toBe('Pending');
  });

  it('new group exists but is not attached yet (an interrupted pass): attach it with weight 0', () => {
    const { observed, old } = setup(healthy(1), unused(1), false);
    const p = plan(desired, observed);
    expect(p.actions.map((a) => a.payload)).toEqual([expect.objectContaining({ type: 'modifyRule', targetGroupArn: { value: old.arn }, standbyTargetGroupArn: { value: observed.targetGroups[1]!.arn } })]);
    expect(p.services[0]!.status).toBe('Pending');
  });

  it('new group has a healthy target: the rule moves to it, then the old group is deleted', () => {
    const { observed, old } = setup(healthy(1), healthy(1), true);
    const p = plan(desired, observed);
    expect(p.actions.map((a) => a.payload.type)).toEqual(['modifyRule', 'deleteTargetGroup']);
    expect(p.actions[0]!.payload).toMatchObject({ targetGroupArn: { value: observed.targetGroups[1]!.arn } });
    expect(p.actions[0]!.payload).not.toHaveProperty('standbyTargetGroupArn');
    expect(p.actions[1]!.payload).toEqual({ type: 'deleteTargetGroup', arn: old.arn });
    expect(p.services[0]!.status).toBe('Drifted');
  });

  it('old group has no healthy target: nothing can be disrupted, so the switch is at once', () => {
    const { observed } = setup(unused(0));
    const p = plan(desired, observed);
    expect(p.actions.map((a) => a.payload.type)).toEqual(['createTargetGroup', 'modifyRule', 'deleteTargetGroup']);
    expect(p.actions[1]!.payload).toMatchObject({ targetGroupArn: { fromAction: p.actions[0]!.id } });
  });

  it('health that could not be read holds the service (Error), never moves its traffic', () => {
    const { observed } = setup({ readable: false, error: 'AccessDenied: no' });
    const p = plan(desired, observed);
    expect(p.actions).toEqual([]);
    expect(p.services[0]!.status).toBe('Error');
    expect(p.services[0]!.resources.find((r) => r.kind === 'targetGroup')!.message).toContain('AccessDenied');
  });
});

describe('AWS: the rule quota (100) counts every listener of the load balancer; 100 target groups per load balancer', () => {
  it('counts rules on other listeners toward the quota', () => {
    const desired = { ...desiredFrom([svc('a', { priority: 1 }), svc('b', { priority: 2 })]), ruleQuota: 4 };
    const p = plan(desired, withLoadBalancerCounts(emptyObserved(), 3));
    expect(p.actions.filter((a) => a.kind === 'listenerRule').map((a) => a.service)).toEqual(['a']);
    const b = p.services.find((s) => s.name === 'b')!;
    expect(b.status).toBe('Error');
    expect(b.resources.find((r) => r.kind === 'listenerRule')!.message).toContain('quota of 4 rules (3 there now');
    expect(p.actions.some((a) => a.service === 'b')).toBe(false);
  });

  it('refuses to attach a 101st target group to the load balancer, naming the quota and the count', () => {
    const desired = desiredFrom([svc('a', { priority: 1 }), svc('b', { priority: 2 })]);
    const attached = Array.from({ length: 99 }, (_, i) => `arn:tg/other-${i}`);
    const p = plan(desired, withLoadBalancerCounts(emptyObserved(), 0, attached));
    expect(p.actions.filter((a) => a.payload.type === 'createRule').map((a) => a.service)).toEqual(['a']);
    expect(p.actions.some((a) => a.service === 'b')).toBe(false);
    const b = p.services.find((s) => s.name === 'b')!;
    expect(b.status).toBe('Error');
    expect(b.resources.find((r) => r.kind === 'targetGroup')!.message).toContain('quota of 100 target groups attached (99 attached now');
  });

  it('a target group referenced by ARN that serves another load balancer is an Error', () => {
    const desired = desiredFrom([svc('a', { priority: 1, targetGroup: { arn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/legacy/0123abcd' } })]);
    const observed = emptyObserved();
    observed.targetGroups.push({
      ...targetGroup('legacy'),
      arn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/legacy/0123abcd',
      loadBalancerArns: ['arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/other/1'],
    });
    const p = plan(desired, observed);
    expect(p.actions).toEqual([]);
    expect(p.services[0]!.resources.find((r) => r.kind === 'targetGroup')!.message).toContain('attached to another load balancer');
    observed.targetGroups[0]!.loadBalancerArns = [LOAD_BALANCER];
    expect(plan(desired, observed).services[0]!.resources.find((r) => r.kind === 'targetGroup')!.status).toBe('InSync');
  });
});

describe('AWS: rule conditions may carry RegexValues, rules may carry Transforms', () => {
  const desired = desiredFrom([svc('fastapi-app', { priority: 20 })]);
  const foreignRegex = (priority: number, regex: string) => ({ ...rule(`arn:foreign/${priority}`, priority, 'unused', 'arn:tg/f'), headerConditions: [{ name: 'x-target-service', values: [], regexValues: [regex] }] });

  it('a foreign header regex that can match our value and is evaluated first is a Conflict', () => {
    const observed = emptyObserved();
    observed.rules.push(foreignRegex(10, '^fast.*$'));
    const p = plan(desired, observed);
    expect(p.services[0]!.status).toBe('Conflict');
    expect(p.services[0]!.resources[0]!.message).toContain('"^fast.*$"');
    expect(p.actions.some((a) => a.kind === 'listenerRule')).toBe(false);
  });

  it('the same regex evaluated after our rule, or one that cannot match, is no conflict', () => {
    const observed = emptyObserved();
    observed.rules.push(foreignRegex(30, '^fast.*$'), foreignRegex(5, '^billing-[0-9]+$'));
    expect(plan(desired, observed).services[0]!.status).toBe('Missing');
  });

  it('a transform on one of our rules is drift, repaired with ResetTransforms', () => {
    const observed = convergedObserved(desired, {});
    observed.rules[0]!.transforms = ['url-rewrite'];
    const p = plan(desired, observed);
    expect(p.services[0]!.status).toBe('Drifted');
    expect(p.actions[0]!.diffs).toContainEqual({ path: 'listenerRule.transforms', desired: [], live: ['url-rewrite'] });
    expect(p.actions[0]!.payload).toMatchObject({ type: 'modifyRule', resetTransforms: true });
  });
});

describe('AWS: quick-create APIs have ApiGatewayManaged parts that cannot be updated or deleted on their own', () => {
  const desired = desiredFrom([svc('a', { priority: 1, api: {}, adopt: true })]);

  it('never plans an update on a managed integration, route or stage; reports each as a Conflict that says why', () => {
    const observed = convergedObserved(desired, {});
    const c = apiChildren(observed);
    c.integrations[0]!.managed = true;
    c.integrations[0]!.integrationUri = 'https://example.com';
    c.integrations[0]!.connectionType = 'INTERNET';
    c.stages[0]!.managed = true;
    c.stages[0]!.detailedMetricsEnabled = true;
    c.routes.push({ id: 'r-managed', routeKey: 'ANY /legacy', target: 'integrations/x', managed: true });
    const p = plan(desired, observed);
    expect(p.actions).toEqual([]);
    const byKind = Object.fromEntries(p.services[0]!.resources.filter((r) => r.status === 'Conflict').map((r) => [`${r.kind}:${r.id}`, r.message]));
    expect(Object.keys(byKind).sort()).toEqual(['integration:int-a', 'route:ANY /legacy', 'stage:$default']);
    for (const m of Object.values(byKind)) expect(m).toContain('quick create (ApiGatewayManaged)');
    expect(p.services[0]!.status).toBe('Conflict');
  });

  it('deletes an API that has managed parts with DeleteApi alone', () => {
    const observed = convergedObserved(desired, {});
    apiChildren(observed).stages[0]!.managed = true;
    const p = plan(desiredFrom([svc('a', { priority: 1 })]), observed);
    expect(p.actions.filter((a) => a.kind !== 'listenerRule' && a.kind !== 'targetGroup').map((a) => a.payload.type)).toEqual(['deleteApi']);
  });

  it('deletes an API without managed parts child by child', () => {
    const p = plan(desiredFrom([svc('a', { priority: 1 })]), convergedObserved(desired, {}));
    expect(p.actions.map((a) => a.payload.type)).toEqual(['deleteRoute', 'deleteIntegration', 'deleteStage', 'deleteApi']);
  });
});

describe('AWS: a live rule priority outside the band (parked by an interrupted pass) goes back into the band', () => {
  it('moves a rule without a declared priority from a parking priority into the band', () => {
    const desired = desiredFrom([svc('a'), svc('b')], { priorityBand: { from: 100, to: 199 } });
    const observed = convergedObserved(desired, { a: 50000, b: 100 });
    const p = plan(desired, observed);
    expect(p.actions.map((a) => a.payload)).toEqual([expect.objectContaining({ type: 'setRulePriority', arn: 'arn:rule/a', from: 50000, priority: 101 })]);
  });
});

describe('AWS: request parameter header names are case-insensitive', () => {
  const desired = desiredFrom([svc('a', { priority: 1, api: {} })]);
  const lowercaseLive = () => {
    const observed = convergedObserved(desired, {});
    apiChildren(observed).integrations[0]!.requestParameters = { 'overwrite:header.x-target-service': 'a' };
    return observed;
  };

  it('a case-only difference in the header name is not drift', () => {
    expect(plan(desired, lowercaseLive()).actions).toEqual([]);
  });

  it('an update for other drift keeps the live spelling, so no two keys differ only by case', () => {
    const observed = lowercaseLive();
    apiChildren(observed).integrations[0]!.connectionId = 'vl-other';
    const [update] = plan(desired, observed).actions;
    if (update?.payload.type !== 'updateIntegration') throw new Error('expected an integration update');
    const keys = [...Object.keys(update.payload.spec.requestParameters), ...update.payload.removeParameters];
    expect(keys).toEqual(['overwrite:header.x-target-service']);
  });
});

describe('observed builders stay true to the snapshot', () => {
  it('count the owned rules and their groups on the load balancer', () => {
    const d = desiredFrom([svc('a', { priority: 1 })]);
    const o = convergedObserved(d, {});
    expect(o.loadBalancer.ruleCount).toBe(1);
    expect(o.loadBalancer.attachedTargetGroupArns).toEqual([o.targetGroups[0]!.arn]);
    const api: ObservedApi | undefined = o.apis[0];
    expect(api).toBeUndefined();
    expect(ownedRule('a', 1, 'x').forward).toEqual([{ arn: 'x', weight: 1 }]);
  });
});
