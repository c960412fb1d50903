import type { ObservedRule } from '../model/observed.ts';
import type { Action } from './types.ts';

/** Highest rule priority AWS allows; staging priorities are taken from the top down. */
const MAX_PRIORITY = 50000;

/**
 * Rule priority moves that exchange or chain priorities (A 2->3 while B 3->2): AWS applies
 * one SetRulePriorities call as a whole and accepts them, but some implementations (moto)
 * check each target against the current state and answer PriorityInUse. For that case the
 * planner gives each rule whose current priority another rule moves onto a parking
 * priority, free and from the top of the range. The applier sends one call first and uses
 * the parking priorities only when that call is refused with PriorityInUse.
 */
export function assignStagingPriorities(actions: Action[], liveRules: readonly ObservedRule[]): Action[] {
  const moves = actions.flatMap((a) => (a.payload.type === 'setRulePriority' ? [a.payload] : []));
  const targets = new Set(moves.map((m) => m.priority));
  const used = new Set<number>([...liveRules.map((r) => r.priority), ...targets]);
  for (const a of actions) if (a.payload.type === 'createRule') used.add(a.payload.priority);
  let next = MAX_PRIORITY;
  return actions.map((a) => {
    if (a.payload.type !== 'setRulePriority' || !targets.has(a.payload.from)) return a;
    while (used.has(next)) next--;
    used.add(next);
    return { ...a, payload: { ...a.payload, stagingPriority: next } };
  });
}
