import type { DesiredService } from '../model/desired.ts';

export interface PriorityInputs {
  services: readonly DesiredService[];
  band: { from: number; to: number };
  /** Live priority of each desired service's own (owned) rule; these rules stay on the listener. */
  livePriorityByService: ReadonlyMap<string, number>;
  /** Priorities of rules routeyard does not own: never taken, never moved. */
  foreignPriorities: ReadonlySet<number>;
}

export type PriorityDecision =
  | { priority: number; source: 'declared' | 'kept' | 'assigned' }
  | { conflict: string }
  | { exhausted: true };

/**
 * Decide each service's rule priority. Declared priorities are honoured. A service without
 * one keeps the priority its live rule already has (assigned once, then stable) unless a
 * declared priority now claims it or it lies outside the band; otherwise it gets the lowest
 * free number in the band.
 * Services are visited by name, so the result does not depend on document order.
 */
export function decidePriorities(inputs: PriorityInputs): Map<string, PriorityDecision> {
  const out = new Map<string, PriorityDecision>();
  const declared = new Map<number, string>();
  for (const s of inputs.services) if (s.priority !== undefined) declared.set(s.priority, s.name);

  const taken = new Set<number>([...inputs.foreignPriorities, ...declared.keys(), ...inputs.livePriorityByService.values()]);
  const needAssignment: DesiredService[] = [];
  for (const s of [...inputs.services].sort((a, b) => a.name.localeCompare(b.name))) {
    if (s.priority !== undefined) {
      out.set(s.name, inputs.foreignPriorities.has(s.priority) ? { conflict: `priority ${s.priority} is held by a listener rule routeyard does not own` } : { priority: s.priority, source: 'declared' });
      continue;
    }
    const live = inputs.livePriorityByService.get(s.name);
    const claimedBy = live !== undefined ? declared.get(live) : undefined;
    // A live priority outside the band (a rule left parked by an interrupted pass, or a
    // priority the document no longer declares) is not kept: the rule moves into the band.
    const inBand = live !== undefined && live >= inputs.band.from && live <= inputs.band.to;
    if (live !== undefined && inBand && (claimedBy === undefined || claimedBy === s.name)) {
      out.set(s.name, { priority: live, source: 'kept' });
      taken.add(live);
    } else {
      needAssignment.push(s);
    }
  }
  let next = inputs.band.from;
  for (const s of needAssignment) {
    while (next <= inputs.band.to && taken.has(next)) next++;
    if (next > inputs.band.to) {
      out.set(s.name, { exhausted: true });
      continue;
    }
    out.set(s.name, { priority: next, source: 'assigned' });
    taken.add(next);
  }
  return out;
}
