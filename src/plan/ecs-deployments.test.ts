import { describe, expect, it } from 'vitest';
import { OWNER, desiredFrom, emptyObserved, rule, svc, targetGroup, withLoadBalancerCounts } from '../../test/unit/builders.ts';
import type { DesiredState } from '../model/desired.ts';
import type { ObservedParameter, ObservedRule, ObservedState } from '../model/observed.ts';
import { ownershipTags } from '../model/tags.ts';
import { plan } from './planner.ts';
import type { Action } from './types.ts';

/**
 * ECS-driven deployments through the whole planner: the forward weights are ECS's, the
 * rest of the rules (conditions, priority, the set of groups) and the groups stay routeyard's.
 */
const PREFIX = '/acmecorp/routeyard';
const canary = { deployment: { strategy: 'ecs', testTraffic: { header: 'X-Canary', value: '1' } } };
const ecsOnly = { deployment: { strategy: 'ecs' } };

function groupsOf(desired: DesiredState, name: string) {
  const s = desired.services.find((x) => x.name === name)!;
  if (s.targetGroup.kind !== 'managed') throw new Error('managed group expected');
  return { primary: `arn:tg/${s.targetGroup.name}`, alternate: s.targetGroup.alternateName ? `arn:tg/${s.targetGroup.alternateName}` : undefined };
}

function weighted(r: ObservedRule, weights: [string, number][]): ObservedRule {
  const forward = weights.map(([arn, weight]) => ({ arn, weight })).sort((x, y) => x.arn.localeCompare(y.arn));
  return { ...r, forward, targetGroupArns: forward.map((t) => t.arn) };
}

/** What a converged account holds for this document: ECS services with both groups and their rules at 100/0. */
function converged(desired: DesiredState, priorities: Record<string, number>, opts: { outputs?: boolean } = {}): ObservedState {
  const observed = emptyObserved();
  const params: ObservedParameter[] = [];
  const publish = (service: string, key: string, value: string) => params.push({ name: `${PREFIX}/services/${service}/${key}`, value, type: 'String', owned: true });
  for (const s of desired.services) {
    if (s.targetGroup.kind !== 'managed') throw new Error('managed group expected');
    const p = s.priority ?? priorities[s.name]!;
    const { primary, alternate } = groupsOf(desired, s.name);
    const health = { ...s.targetGroup.healthCheck };
    if (s.deployment?.strategy === 'ecs') {
      observed.targetGroups.push(
        targetGroup(s.targetGroup.name, ownershipTags(OWNER, s.name, 'primary'), { port: s.targetGroup.port, healthCheck: health }),
        targetGroup(s.targetGroup.alternateName!, ownershipTags(OWNER, s.name, 'alternate'), { port: s.targetGroup.port, healthCheck: health }),
      );
      const production = weighted(rule(`arn:rule/${s.name}`, p, s.headerValue, primary, ownershipTags(OWNER, s.name, 'production')), [
        [primary, 100],
        [alternate!, 0],
      ]);
      observed.rules.push(production);
      publish(s.name, 'target-group-arn', primary);
      publish(s.name, 'alternate-target-group-arn', alternate!);
      publish(s.name, 'production-rule-arn', production.arn);
      const test = s.deployment.testTraffic;
      if (test) {
        const base = rule(`arn:rule/${s.name}-test`, p - 1, s.headerValue, primary, ownershipTags(OWNER, s.name, 'test'));
        base.headerConditions.push({ name: test.header, values: [test.value] });
        observed.rules.push(
          weighted(base, [
            [primary, 100],
            [alternate!, 0],
          ]),
        );
        publish(s.name, 'test-rule-arn', base.arn);
      }
    } else {
      observed.targetGroups.push(targetGroup(s.targetGroup.name, ownershipTags(OWNER, s.name), { port: s.targetGroup.port, healthCheck: health }));
      observed.rules.push(rule(`arn:rule/${s.name}`, p, s.headerValue, primary, ownershipTags(OWNER, s.name)));
      publish(s.name, 'target-group-arn', primary);
      publish(s.name, 'production-rule-arn', `arn:rule/${s.name}`);
    }
  }
  if (opts.outputs) observed.outputs = { prefix: PREFIX, parameters: params, region: 'eu-west-1' };
  return withLoadBalancerCounts(observed);
}

function setRule(observed: ObservedState, arn: string, change: (r: ObservedRule) => ObservedRule): void {
  const i = observed.rules.findIndex((r) => r.arn === arn);
  if (i < 0) throw new Error(`no rule ${arn}`);
  observed.rules[i] = change(observed.rules[i]!);
}

const statusOf = (p: ReturnType<typeof plan>, name: string) => p.services.find((s) => s.name === name)!.status;
const shown = (a: Action) => `${a.op} ${a.kind} ${a.payload.type}`;

describe('planner: ECS deployments', () => {
  const desired = desiredFrom([svc('blue', { priority: 10, ...canary }), svc('green', { priority: 20, ...ecsOnly }), svc('plain', { priority: 30 })], { outputsPrefix: PREFIX });

  it('a converged account needs nothing (the fixture is sound)', () => {
    const p = plan(desired, converged(desired, {}, { outputs: true }));
    expect(p.actions).toEqual([]);
    expect(p.services.map((s) => [s.name, s.status])).toEqual([
      ['blue', 'InSync'],
      ['green', 'InSync'],
      ['plain', 'InSync'],
    ]);
  });

  for (const [label, primaryWeight, alternateWeight] of [
    ['0/100', 0, 100],
    ['50/50', 50, 50],
    ['100/0 (back)', 100, 0],
    ['1/999', 1, 999],
  ] as const) {
    it(`weights moved by ECS to ${label} on the production and test rules: no action, InSync`, () => {
      const observed = converged(desired, {}, { outputs: true });
      const blue = groupsOf(desired, 'blue');
      const green = groupsOf(desired, 'green');
      const move = (arn: string, g: { primary: string; alternate?: string }) => setRule(observed, arn, (r) => weighted(r, [[g.primary, primaryWeight], [g.alternate!, alternateWeight]]));
      move('arn:rule/blue', blue);
      move('arn:rule/blue-test', blue);
      move('arn:rule/green', green);
      const p = plan(desired, observed);
      expect(p.actions).toEqual([]);
      expect(p.services.map((s) => s.status)).toEqual(['InSync', 'InSync', 'InSync']);
      for (const s of p.services) for (const r of s.resources) expect(r.diffs.filter((d) => d.path.includes('weights'))).toEqual([]);
    });
  }

  it('the same weight move on a service without the strategy is drift and is repaired', () => {
    const observed = converged(desired, {});
    const other = 'arn:tg/someone-elses';
    const { primary } = groupsOf(desired, 'plain');
    setRule(observed, 'arn:rule/plain', (r) => weighted(r, [[primary, 0], [other, 100]]));
    const p = plan(desired, observed);
    expect(statusOf(p, 'plain')).toBe('Drifted');
    expect(p.actions.map(shown)).toEqual(['update listenerRule modifyRule']);
    expect(p.actions[0]!.payload).toMatchObject({ type: 'modifyRule', arn: 'arn:rule/plain', targetGroupArn: { value: primary } });
    expect(p.actions[0]!.payload).not.toHaveProperty('weighted');
    expect(p.actions[0]!.payload).not.toHaveProperty('conditionsOnly');
    // And the weights alone, on the plain service's own single group set, are no drift at all (AWS echoes one group as weight 1).
    const same = converged(desired, {});
    setRule(same, 'arn:rule/plain', (r) => weighted(r, [[primary, 1]]));
    expect(plan(desired, same).actions).toEqual([]);
  });

  it('a header changed out of band: modifyRule with conditionsOnly (the forward action, weights and all, is not sent)', () => {
    const observed = converged(desired, {});
    const blue = groupsOf(desired, 'blue');
    setRule(observed, 'arn:rule/blue', (r) => ({ ...weighted(r, [[blue.primary, 0], [blue.alternate!, 100]]), headerConditions: [{ name: 'X-Target-Service', values: ['hijacked'] }] }));
    const p = plan(desired, observed);
    expect(statusOf(p, 'blue')).toBe('Drifted');
    expect(p.actions).toHaveLength(1);
    const a = p.actions[0]!;
    expect(a.payload).toMatchObject({ type: 'modifyRule', arn: 'arn:rule/blue', headerName: 'X-Target-Service', headerValue: 'blue', conditionsOnly: true });
    expect(a.payload).not.toHaveProperty('weighted');
    expect(a.payload).not.toHaveProperty('testHeader');
    expect(a.diffs.map((d) => d.path)).toEqual(['listenerRule.condition.httpHeader.values']);
    const resource = p.services.find((s) => s.name === 'blue')!.resources.find((r) => r.id === 'arn:rule/blue')!;
    expect(resource.diffs.map((d) => d.path)).toEqual(['listenerRule.condition.httpHeader.values']);
  });

  it('the test header changed out of band: conditionsOnly with both conditions', () => {
    const observed = converged(desired, {});
    setRule(observed, 'arn:rule/blue-test', (r) => ({ ...r, headerConditions: [r.headerConditions[0]!, { name: 'X-Canary', values: ['0'] }] }));
    const p = plan(desired, observed);
    expect(p.actions).toHaveLength(1);
    expect(p.actions[0]!.payload).toMatchObject({ type: 'modifyRule', arn: 'arn:rule/blue-test', conditionsOnly: true, testHeader: { name: 'X-Canary', value: '1' } });
  });

  it('a change to the set of groups: weighted "live" (the weights stay as ECS left them), also when one group is left alone', () => {
    const blue = groupsOf(desired, 'blue');
    const stranger = 'arn:tg/stranger';
    for (const forward of [
      [
        [blue.primary, 50],
        [stranger, 50],
      ],
      [[blue.alternate!, 100]],
      [
        [blue.primary, 0],
        [blue.alternate!, 90],
        [stranger, 10],
      ],
    ] as [string, number][][]) {
      const observed = converged(desired, {});
      setRule(observed, 'arn:rule/blue', (r) => weighted(r, forward));
      const p = plan(desired, observed);
      expect(p.actions, JSON.stringify(forward)).toHaveLength(1);
      const a = p.actions[0]!;
      expect(a.payload).toMatchObject({ type: 'modifyRule', arn: 'arn:rule/blue', weighted: { targets: [{ value: blue.primary }, { value: blue.alternate }], weights: 'live' } });
      expect(a.payload).not.toHaveProperty('conditionsOnly');
      expect(a.diffs.map((d) => d.path)).toEqual(['listenerRule.action.forward.targetGroups']);
      expect(a.reason).toContain('the weights stay as ECS left them');
    }
  });

  it('another action type on the rule is put back to forward-only, with the live weights', () => {
    const observed = converged(desired, {});
    setRule(observed, 'arn:rule/green', (r) => ({ ...r, actionTypes: ['authenticate-oidc', 'forward'] }));
    const p = plan(desired, observed);
    expect(p.actions).toHaveLength(1);
    expect(p.actions[0]!.payload).toMatchObject({ type: 'modifyRule', weighted: { weights: 'live' } });
    expect(p.actions[0]!.diffs.map((d) => d.path)).toEqual(['listenerRule.action']);
  });

  it('a port change under ECS is an Error naming the way out, and nothing is planned for the service', () => {
    const before = desiredFrom([svc('blue', { priority: 10, ...canary }), svc('plain', { priority: 30 })], { outputsPrefix: PREFIX });
    const observed = converged(before, {}, { outputs: true });
    const after = desiredFrom(
      [svc('blue', { priority: 10, ...canary, targetGroup: { port: 9000, protocol: 'HTTP', targetType: 'ip', healthCheck: { path: '/healthz' } } }), svc('plain', { priority: 30 })],
      { outputsPrefix: PREFIX },
    );
    // The rule is changed out of band too: still nothing, the service is held as it is.
    setRule(observed, 'arn:rule/blue', (r) => ({ ...r, headerConditions: [{ name: 'X-Target-Service', values: ['hijacked'] }] }));
    const p = plan(after, observed);
    expect(p.actions.filter((a) => a.service === 'blue')).toEqual([]);
    expect(statusOf(p, 'blue')).toBe('Error');
    const errors = p.services.find((s) => s.name === 'blue')!.resources.filter((r) => r.status === 'Error');
    const tgError = errors.find((r) => r.kind === 'targetGroup')!;
    expect(tgError.message).toMatch(/port 8000 -> 9000/);
    expect(tgError.message).toMatch(/remove "deployment" from the service/);
    expect(tgError.message).toMatch(/put the old value back/);
    expect(errors.filter((r) => r.kind === 'listenerRule').map((r) => r.id).sort()).toEqual(['arn:rule/blue', 'arn:rule/blue-test']);
    // Nothing is deleted: both groups are kept, as are the published outputs.
    expect(p.deleteCount).toBe(0);
    expect(statusOf(p, 'plain')).toBe('InSync');
  });

  it('a health check change applies to both groups, in place', () => {
    const before = desiredFrom([svc('blue', { priority: 10, ...ecsOnly })]);
    const after = desiredFrom([svc('blue', { priority: 10, ...ecsOnly, targetGroup: { port: 8000, protocol: 'HTTP', targetType: 'ip', healthCheck: { path: '/ready' } } })]);
    const { primary, alternate } = groupsOf(after, 'blue');
    expect(groupsOf(before, 'blue')).toEqual({ primary, alternate });
    const p = plan(after, converged(before, {}));
    expect(p.actions.map((a) => a.payload)).toEqual([
      { type: 'modifyTargetGroup', arn: primary, healthCheck: { path: '/ready' } },
      { type: 'modifyTargetGroup', arn: alternate, healthCheck: { path: '/ready' } },
    ]);
  });

  it('removing testTraffic deletes the test rule (and its output) and leaves the production rule alone', () => {
    const observed = converged(desired, {}, { outputs: true });
    const without = desiredFrom([svc('blue', { priority: 10, ...ecsOnly }), svc('green', { priority: 20, ...ecsOnly }), svc('plain', { priority: 30 })], { outputsPrefix: PREFIX });
    const p = plan(without, observed);
    expect(p.actions.map((a) => `${shown(a)} ${a.resourceId}`)).toEqual([
      `delete parameter deleteParameter ${PREFIX}/services/blue/test-rule-arn`,
      'delete listenerRule deleteRule arn:rule/blue-test',
    ]);
    expect(p.actions[1]!.reason).toContain('testTraffic is no longer declared');
  });

  it('adding testTraffic to a service keeps its production rule and creates the test rule just before it', () => {
    const before = desiredFrom([svc('blue', { priority: 10, ...ecsOnly })]);
    const after = desiredFrom([svc('blue', { priority: 10, ...canary })]);
    const p = plan(after, converged(before, {}));
    const { primary, alternate } = groupsOf(after, 'blue');
    expect(p.actions.map(shown)).toEqual(['create listenerRule createRule']);
    expect(p.actions[0]!.payload).toMatchObject({
      priority: 9,
      testHeader: { name: 'X-Canary', value: '1' },
      weighted: { targets: [{ value: primary }, { value: alternate }], weights: [100, 0] },
      tags: ownershipTags(OWNER, 'blue', 'test'),
    });
  });

  it('adding the strategy to a running service: the alternate is created and attached with the live weights (the primary keeps the traffic)', () => {
    const before = desiredFrom([svc('blue', { priority: 10 })]);
    const after = desiredFrom([svc('blue', { priority: 10, ...ecsOnly })]);
    const { primary, alternate } = groupsOf(after, 'blue');
    // The primary group keeps the name it had: the service's traffic never moves to a new group.
    expect(groupsOf(before, 'blue').primary).toBe(primary);
    const p = plan(after, converged(before, {}));
    expect(p.actions.map((a) => `${shown(a)} ${a.resourceId}`)).toEqual([
      `create targetGroup createTargetGroup ${alternate!.slice('arn:tg/'.length)}`,
      'update listenerRule modifyRule arn:rule/blue',
    ]);
    expect(p.actions[0]!.payload).toMatchObject({ tags: ownershipTags(OWNER, 'blue', 'alternate') });
    expect(p.actions[1]!.payload).toMatchObject({ weighted: { targets: [{ value: primary }, { fromAction: 'create:targetGroup:blue:alternate' }], weights: 'live' } });
  });

  it('a created ECS service: both groups and both rules are created, and its outputs are fromAction refs of those creates', () => {
    const fresh = desiredFrom([svc('blue', { ...canary })], { outputsPrefix: PREFIX, priorityBand: { from: 100, to: 200 } });
    const observed = emptyObserved();
    observed.outputs = { prefix: PREFIX, parameters: [], region: 'eu-west-1' };
    const p = plan(fresh, observed);
    const ids = new Set(p.actions.map((a) => a.id));
    const outputs = p.services[0]!.outputs!;
    expect(outputs).toEqual({
      'target-group-arn': { fromAction: 'create:targetGroup:blue' },
      'alternate-target-group-arn': { fromAction: 'create:targetGroup:blue:alternate' },
      'production-rule-arn': { fromAction: 'create:listenerRule:blue' },
      'test-rule-arn': { fromAction: 'create:listenerRule:blue:test' },
    });
    for (const ref of Object.values(outputs)) expect(ids.has((ref as { fromAction: string }).fromAction)).toBe(true);
    const createRule = p.actions.find((a) => a.id === 'create:listenerRule:blue')!;
    const createTest = p.actions.find((a) => a.id === 'create:listenerRule:blue:test')!;
    expect(createRule.payload).toMatchObject({ priority: 101, weighted: { targets: [{ fromAction: 'create:targetGroup:blue' }, { fromAction: 'create:targetGroup:blue:alternate' }], weights: [100, 0] } });
    expect(createTest.payload).toMatchObject({ priority: 100 });
    // Every parameter is written after the action that produces its value.
    const order = p.actions.map((a) => a.id);
    for (const a of p.actions) {
      if (a.payload.type !== 'putParameter') continue;
      const from = (a.payload.value as { fromAction: string }).fromAction;
      expect(order.indexOf(from), a.id).toBeLessThan(order.indexOf(a.id));
    }
    expect(p.actions.filter((a) => a.payload.type === 'putParameter')).toHaveLength(4);
  });

  it('weights are ECS\'s only while the strategy is declared: once it goes, the rule is handed back to the primary group alone', () => {
    const ecs = desiredFrom([svc('blue', { priority: 10, ...ecsOnly })]);
    const observed = converged(ecs, {});
    const { primary, alternate } = groupsOf(ecs, 'blue');
    setRule(observed, 'arn:rule/blue', (r) => weighted(r, [[primary, 0], [alternate!, 100]]));
    expect(plan(ecs, observed).actions).toEqual([]);
    // Without the strategy the alternate is a superseded group that carries the traffic: the
    // usual hand-over applies (health read), and the forward is routeyard's again.
    for (const g of observed.targetGroups) g.health = { readable: true, healthy: 2, registered: 2, states: { healthy: 2 } };
    const plainAgain = plan(desiredFrom([svc('blue', { priority: 10 })]), observed);
    expect(plainAgain.actions.map((a) => `${shown(a)} ${a.resourceId}`)).toEqual(['update listenerRule modifyRule arn:rule/blue', `delete targetGroup deleteTargetGroup ${alternate}`]);
    const modify = plainAgain.actions[0]!;
    expect(modify.payload).toMatchObject({ targetGroupArn: { value: primary } });
    expect(modify.payload).not.toHaveProperty('weighted');
    expect(modify.payload).not.toHaveProperty('conditionsOnly');
  });

  it('a test rule whose routeyard:role tag was removed out of band: the production rule ECS references is kept, not deleted for the test rule', () => {
    const observed = converged(desired, {}, { outputs: true });
    const blue = groupsOf(desired, 'blue');
    setRule(observed, 'arn:rule/blue', (r) => weighted(r, [[blue.primary, 0], [blue.alternate!, 100]]));
    // Someone strips the role tag from the test rule (owner and service tags stay).
    setRule(observed, 'arn:rule/blue-test', (r) => ({ ...weighted(r, [[blue.primary, 0], [blue.alternate!, 100]]), tags: ownershipTags(OWNER, 'blue') }));
    const p = plan(desired, observed);
    const touched = p.actions.filter((a) => a.service === 'blue').map((a) => `${a.payload.type} ${a.resourceId}`);
    // The production rule is what ECS holds as productionListenerRule (and what production-rule-arn publishes).
    expect(touched).not.toContain('deleteRule arn:rule/blue');
    expect(p.services.find((s) => s.name === 'blue')!.outputs!['production-rule-arn']).toEqual({ value: 'arn:rule/blue' });
    // The test rule is not promoted to production (moved to priority 10 with its test header dropped).
    expect(p.actions.filter((a) => a.payload.type === 'setRulePriority' && a.payload.arn === 'arn:rule/blue-test')).toEqual([]);
  });

  it('a rule or group whose routeyard:service tag was removed out of band is recognised by its header or name: nothing is deleted or recreated, the weights stay', () => {
    const observed = converged(desired, {}, { outputs: true });
    const blue = groupsOf(desired, 'blue');
    const ownerOnly = { 'routeyard:owner': OWNER };
    setRule(observed, 'arn:rule/blue', (r) => ({ ...weighted(r, [[blue.primary, 0], [blue.alternate!, 100]]), tags: ownerOnly }));
    const alt = observed.targetGroups.find((g) => g.arn === blue.alternate)!;
    alt.tags = ownerOnly;
    const p = plan(desired, observed);
    expect(p.actions.filter((a) => a.service === 'blue' || a.service === '(untagged)')).toEqual([]);
    expect(statusOf(p, 'blue')).toBe('InSync');
    expect(p.services.find((s) => s.name === 'blue')!.outputs!['production-rule-arn']).toEqual({ value: 'arn:rule/blue' });
  });
});
