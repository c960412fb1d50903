import type { DesiredService } from '../model/desired.ts';

export interface PriorityInputs {
  services: readonly DesiredService[];
  band: { from: number; to: number };
  /** Live priority of each desired service's own (owned) production rule; these rules stay on the listener. */
  livePriorityByService: ReadonlyMap<string, number>;
  /** Live priority of each desired service's ECS test rule, if it has one. */
  liveTestPriorityByService?: ReadonlyMap<string, number>;
  /** Priorities of rules routeyard does not own: never taken, never moved (every shard's: no new priority collides anywhere). */
  foreignPriorities: ReadonlySet<number>;
  /**
   * Several load balancers: the foreign priorities on the listener each service's rules are
   * planned on. A declared or kept priority conflicts only with those (a rule on another ALB
   * is no collision); a kept one a foreign rule holds there (a move) is assigned anew.
   */
  foreignPrioritiesOf?: (service: string) => ReadonlySet<number>;
}

export type PriorityDecision =
  | {
      priority: number;
      source: 'declared' | 'kept' | 'assigned';
      /** The ECS test rule's priority (deployment.testTraffic): always priority - 1, evaluated just before. */
      testPriority?: number;
    }
  | { conflict: string }
  | { exhausted: true };

/** A service whose rules take two adjacent priorities: the test rule, then the production rule. */
const wantsTestRule = (s: DesiredService) => Boolean(s.deployment?.testTraffic);

/**
 * Decide each service's rule priority. Declared priorities are honoured. A service without
 * one keeps the priority its live rule already has (assigned once, then stable) unless a
 * declared priority now claims it or it lies outside the band; otherwise it gets the lowest
 * free number in the band.
 *
 * A service with an ECS test rule takes a pair: the test rule at priority - 1, so it is
 * evaluated just before the production rule and catches the requests that carry the test
 * header too. A kept pair stays; a production rule whose priority - 1 is not free moves,
 * with its test rule, to the lowest free pair in the band.
 * Services are visited by name, so the result does not depend on document order.
 */
export function decidePriorities(inputs: PriorityInputs): Map<string, PriorityDecision> {
  const out = new Map<string, PriorityDecision>();
  const declared = new Map<number, string>();
  for (const s of inputs.services) {
    if (s.priority === undefined) continue;
    declared.set(s.priority, s.name);
    if (wantsTestRule(s)) declared.set(s.priority - 1, s.name);
  }
  const liveTest = inputs.liveTestPriorityByService ?? new Map<string, number>();

  const taken = new Set<number>([...inputs.foreignPriorities, ...declared.keys(), ...inputs.livePriorityByService.values(), ...liveTest.values()]);
  // Who holds a live priority now (production or test rule), to tell "free for me" from "taken".
  const liveHolder = new Map<number, string>();
  for (const [svc, p] of inputs.livePriorityByService) liveHolder.set(p, svc);
  for (const [svc, p] of liveTest) liveHolder.set(p, svc);
  const needAssignment: DesiredService[] = [];
  for (const s of [...inputs.services].sort((a, b) => a.name.localeCompare(b.name))) {
    const foreignHere = inputs.foreignPrioritiesOf?.(s.name) ?? inputs.foreignPriorities;
    if (s.priority !== undefined) {
      if (foreignHere.has(s.priority)) out.set(s.name, { conflict: `priority ${s.priority} is held by a listener rule routeyard does not own` });
      else if (wantsTestRule(s) && foreignHere.has(s.priority - 1)) {
        out.set(s.name, {
          conflict: `priority ${s.priority - 1}, which the test rule takes (priority - 1), is held by a listener rule routeyard does not own: declare another priority, or remove deployment.testTraffic`,
        });
      } else out.set(s.name, { priority: s.priority, source: 'declared', ...(wantsTestRule(s) ? { testPriority: s.priority - 1 } : {}) });
      continue;
    }
    const live = inputs.livePriorityByService.get(s.name);
    const claimedBy = live !== undefined ? declared.get(live) : undefined;
    // A live priority outside the band (a rule left parked by an interrupted pass, or a
    // priority the document no longer declares) is not kept: the rule moves into the band.
    const inBand = (p: number) => p >= inputs.band.from && p <= inputs.band.to;
    let keep = live !== undefined && inBand(live) && (claimedBy === undefined || claimedBy === s.name) && !foreignHere.has(live);
    if (keep && wantsTestRule(s)) {
      const t = live! - 1;
      const holder = liveHolder.get(t);
      keep = inBand(t) && !foreignHere.has(t) && (declared.get(t) ?? s.name) === s.name && (holder === undefined || holder === s.name);
    }
    if (keep) {
      out.set(s.name, { priority: live!, source: 'kept', ...(wantsTestRule(s) ? { testPriority: live! - 1 } : {}) });
      taken.add(live!);
      if (wantsTestRule(s)) taken.add(live! - 1);
    } else {
      needAssignment.push(s);
    }
  }
  let next = inputs.band.from;
  for (const s of needAssignment) {
    while (next <= inputs.band.to && taken.has(next)) next++;
    if (!wantsTestRule(s)) {
      if (next > inputs.band.to) {
        out.set(s.name, { exhausted: true });
        continue;
      }
      out.set(s.name, { priority: next, source: 'assigned' });
      taken.add(next);
      continue;
    }
    // The lowest free pair (n, n + 1): n for the test rule, n + 1 for the production rule.
    let n = next;
    while (n + 1 <= inputs.band.to && (taken.has(n) || taken.has(n + 1))) n++;
    if (n + 1 > inputs.band.to) {
      out.set(s.name, { exhausted: true });
      continue;
    }
    out.set(s.name, { priority: n + 1, source: 'assigned', testPriority: n });
    taken.add(n);
    taken.add(n + 1);
  }
  return out;
}
