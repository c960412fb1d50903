import { describe, expect, it } from 'vitest';
import { convergedObserved, desiredFrom, svc } from '../../test/unit/builders.ts';
import { plan } from '../plan/planner.ts';
import { checkGuards, DEFAULT_GUARDS } from './guards.ts';

const all = desiredFrom([svc('a', { priority: 1, api: {} }), svc('b', { priority: 2, api: {} }), svc('c', { priority: 3, api: {} })]);
const live = convergedObserved(all, {});

describe('mass-delete guard', () => {
  it('allows deleting up to the share, refuses beyond it', () => {
    // 9 owned (3 rules, 3 target groups, 3 APIs); dropping one service deletes 3 = 33%.
    expect(checkGuards(plan(desiredFrom([svc('a', { priority: 1, api: {} }), svc('b', { priority: 2, api: {} })]), live), DEFAULT_GUARDS)).toBeUndefined();
    const refusal = checkGuards(plan(desiredFrom([svc('a', { priority: 1, api: {} })]), live), DEFAULT_GUARDS);
    expect(refusal?.code).toBe('SafetyGuard');
    expect(refusal?.message).toContain('delete 6 of 9 owned resources (67%)');
  });

  it('counts APIs removed because their api blocks were dropped', () => {
    const p = plan(desiredFrom([svc('a', { priority: 1 }), svc('b', { priority: 2 }), svc('c', { priority: 3 })]), live);
    expect(p.deleteCount).toBe(3);
    expect(checkGuards(p, { maxDeleteShare: 0.3, allowMassDelete: false })?.code).toBe('SafetyGuard');
    expect(checkGuards(p, { maxDeleteShare: 0.3, allowMassDelete: true })).toBeUndefined();
  });

  it('does not count a target group replaced by a new one', () => {
    // The old group has no healthy target, so the switch (and the old group's delete) is at once.
    const a = live.targetGroups.find((g) => g.tags?.['routeyard:service'] === 'a')!;
    a.health = { readable: true, healthy: 0, registered: 0, states: {} };
    const p = plan(desiredFrom([svc('a', { priority: 1, api: {}, targetGroup: { port: 9000, protocol: 'HTTP', targetType: 'ip' } }), svc('b', { priority: 2, api: {} }), svc('c', { priority: 3, api: {} })]), live);
    expect(p.actions.some((a) => a.op === 'delete' && a.kind === 'targetGroup')).toBe(true);
    expect(p.deleteCount).toBe(0);
  });
});
