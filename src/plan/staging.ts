import type { ObservedRule } from '../model/observed.ts';
import type { Action } from './types.ts';

/** Highest rule priority AWS allows; staging priorities are taken from the top down. */
const MAX_PRIORITY = 50000;

/**
 * Rule priority moves that exchange or chain priorities (A 2->3 while B 3->2) need care:
 * AWS applies one SetRulePriorities call atomically, but a listener never holds two rules
 * at one priority, and some implementations check each target against the current
 * state. So a rule whose current priority another rule moves onto is first parked on a
 * free priority from the top of the range, then every rule moves to its final priority.
 * The applier makes that two calls instead of one, only when this is needed.
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
