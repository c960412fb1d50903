import { describe, expect, it } from 'vitest';
import { OWNER, convergedObserved, desiredFrom, emptyObserved, rule, svc, targetGroup, withLoadBalancerCounts } from '../../test/unit/builders.ts';
import type { DesiredState } from '../model/desired.ts';
import type { ObservedState } from '../model/observed.ts';
import { OWNER_TAG, ownershipTags } from '../model/tags.ts';
import { CFN_STACK_TAG } from './adoption.ts';
import { plan } from './planner.ts';

/**
 * Adoption through the whole planner: taking over what the article's stacks (or hands) made,
 * by tagging only. Nothing is created, deleted or recreated to take a resource over.
 */
const CFN = { [CFN_STACK_TAG]: 'PrivateFastApiStack', 'aws:cloudformation:logical-id': 'Rule' };

/** The service as a hand-written stack left it: an untagged rule at priority 7 forwarding to an untagged group "blue-tg". */
function handMade(extraTags: Record<string, string> = {}, groupExtra: Parameters<typeof targetGroup>[2] = {}): ObservedState {
  const observed = emptyObserved();
  const g = targetGroup('blue-tg', { ...extraTags }, groupExtra);
  observed.targetGroups.push(g);
  observed.rules.push(rule('arn:rule/blue', 7, 'blue', g.arn, { ...extraTags }));
  return withLoadBalancerCounts(observed);
}

/** What the account holds once the plan's tagging actions were applied. */
function afterTagging(observed: ObservedState, desired: DesiredState, service: string): ObservedState {
  const tags = ownershipTags(desired.owner, service);
  return {
    ...observed,
    rules: observed.rules.map((r) => (r.arn === 'arn:rule/blue' ? { ...r, tags: { ...r.tags, ...tags } } : r)),
    targetGroups: observed.targetGroups.map((g) => (g.name === 'blue-tg' ? { ...g, tags: { ...g.tags, ...tags } } : g)),
  };
}

const kinds = (p: ReturnType<typeof plan>) => p.actions.map((a) => `${a.op} ${a.kind} ${a.payload.type} ${a.resourceId}`);

describe('adoption (adopt: true)', () => {
  // Priorities are declared, as `routeyard import` writes them: an undeclared live priority
  // outside the band would be moved into it (plan/priorities.ts).
  const desired = desiredFrom([svc('blue', { adopt: true, priority: 7 })]);

  it('tags the rule and the group it forwards to; nothing is created, deleted or moved; the next plan is empty', () => {
    const observed = handMade();
    const p = plan(desired, observed);
    expect(kinds(p)).toEqual(['update listenerRule tagLoadBalancerResource arn:rule/blue', 'update targetGroup tagLoadBalancerResource arn:tg/blue-tg']);
    expect(p.actions.every((a) => a.payload.type === 'tagLoadBalancerResource' && a.payload.tags[OWNER_TAG] === OWNER)).toBe(true);
    // The undeclared priority is the live one: kept, not moved into the band.
    expect(p.actions.some((a) => a.payload.type === 'setRulePriority')).toBe(false);
    expect(p.services[0]!.status).toBe('Drifted');
    expect(plan(desired, afterTagging(observed, desired, 'blue')).actions).toEqual([]);
  });

  it('without adopt the same rule is a Conflict and nothing is written', () => {
    const p = plan(desiredFrom([svc('blue', { priority: 7 })]), handMade());
    expect(p.actions.filter((a) => a.kind === 'listenerRule' || a.payload.type === 'tagLoadBalancerResource')).toEqual([]);
    expect(p.services[0]!.status).toBe('Conflict');
  });

  it('a rule and group a CloudFormation stack still carries are Conflicts naming the stack; fromStacks releases them', () => {
    const held = plan(desired, handMade(CFN, {}));
    expect(held.actions).toEqual([]);
    const message = held.services[0]!.resources.find((r) => r.kind === 'listenerRule' && r.status === 'Conflict')?.message ?? '';
    expect(message).toContain('PrivateFastApiStack');
    expect(message).toContain('adopt.fromStacks');
    const released = plan(desiredFrom([svc('blue', { priority: 7, adopt: { fromStacks: ['PrivateFastApiStack'] } })]), handMade(CFN));
    expect(kinds(released)).toEqual(['update listenerRule tagLoadBalancerResource arn:rule/blue', 'update targetGroup tagLoadBalancerResource arn:tg/blue-tg']);
    // The stack's own tags stay: adoption adds, never replaces.
    expect(released.actions[0]!.payload).toMatchObject({ tags: ownershipTags(OWNER, 'blue') });
  });

  it('spec.adopt adopts for every service; a service may opt out', () => {
    const viaDoc = desiredFrom([svc('blue', { priority: 7 })]);
    viaDoc.services[0]!.adopt = true; // what spec.adopt resolves to
    expect(kinds(plan(viaDoc, handMade()))).toHaveLength(2);
  });

  it('two rules matching the header, or a rule with other conditions, are Conflicts that say why', () => {
    const two = handMade();
    two.rules.push(rule('arn:rule/blue-2', 8, 'blue', 'arn:tg/blue-tg'));
    const p = plan(desired, withLoadBalancerCounts(two));
    expect(p.actions).toEqual([]);
    expect(p.services[0]!.resources.find((r) => r.status === 'Conflict')?.message).toMatch(/2 listener rules .* exactly one/);

    const extra = handMade();
    extra.rules[0] = { ...extra.rules[0]!, otherConditions: ['path-pattern'] };
    const q = plan(desired, extra);
    expect(q.actions).toEqual([]);
    expect(q.services[0]!.resources.find((r) => r.status === 'Conflict')?.message).toMatch(/other conditions/);
  });

  it('a rule another RouteSet owns is never adopted', () => {
    const observed = handMade({ [OWNER_TAG]: 'someone-else' });
    const p = plan(desired, observed);
    expect(p.actions.filter((a) => a.payload.type === 'tagLoadBalancerResource')).toEqual([]);
    expect(p.services[0]!.status).toBe('Conflict');
  });

  it('a group whose settings differ from the document is not adopted: a new one is made beside it and the hand-over keeps the old serving; the old is never deleted', () => {
    const observed = handMade({}, { port: 9000 });
    const p = plan(desired, observed);
    expect(kinds(p)).toContain('update listenerRule tagLoadBalancerResource arn:rule/blue');
    expect(p.actions.some((a) => a.payload.type === 'tagLoadBalancerResource' && a.payload.arn === 'arn:tg/blue-tg')).toBe(false);
    expect(p.actions.some((a) => a.payload.type === 'createTargetGroup')).toBe(true);
    expect(p.actions.some((a) => a.payload.type === 'deleteTargetGroup' || a.payload.type === 'deleteRule')).toBe(false);
  });

  it('an already converged, owned service is untouched by adopt', () => {
    const d = desiredFrom([svc('blue', { adopt: true, priority: 3 })]);
    expect(plan(d, convergedObserved(d, {})).actions).toEqual([]);
  });

  it('manage: observe plans what adoption would do and applies none of it', () => {
    const d = desiredFrom([svc('blue', { adopt: true, priority: 7, manage: 'observe' })]);
    const p = plan(d, handMade());
    expect(p.actions).toEqual([]);
    expect((p.observed ?? []).map((a) => a.payload.type)).toEqual(['tagLoadBalancerResource', 'tagLoadBalancerResource']);
    expect(p.services[0]!.manage).toBe('observe');
  });

  it('adoption is all or nothing per service: while its API is a Conflict (two of the wanted name), its rule and group are not tagged either', () => {
    const d = desiredFrom([svc('blue', { adopt: true, priority: 7, api: {} })]);
    const observed = handMade();
    for (const id of ['api-1', 'api-2']) observed.apis.push({ id, name: 'blue-http-api', protocolType: 'HTTP', tags: {}, children: { readable: true, integrations: [], routes: [], stages: [] } });
    const p = plan(d, observed);
    expect(p.actions).toEqual([]);
    expect(p.services[0]!.status).toBe('Conflict');
    expect(p.services[0]!.resources.find((r) => r.kind === 'listenerRule')?.message).toMatch(/all or nothing/);
  });

  it('manage: observe compares a stack\'s resources as if adopted (no Conflict), and says which stack must let go', () => {
    const d = desiredFrom([svc('blue', { adopt: true, priority: 7, manage: 'observe', targetGroup: { port: 8000, protocol: 'HTTP', targetType: 'ip', healthCheck: { path: '/ready' } } })]);
    const p = plan(d, handMade(CFN));
    expect(p.actions).toEqual([]);
    expect(p.services[0]!.status).toBe('Drifted');
    const observed = (p.observed ?? []).map((a) => a.payload.type);
    expect(observed).toContain('tagLoadBalancerResource');
    expect(observed).toContain('modifyTargetGroup');
    expect((p.observed ?? []).find((a) => a.payload.type === 'tagLoadBalancerResource')?.reason).toContain('PrivateFastApiStack');
  });
});
