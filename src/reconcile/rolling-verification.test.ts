import { describe, expect, it } from 'vitest';
import type { DeepReadCandidate } from '../model/observed.ts';
import { ApiBudget, RollingVerifier } from './rolling-verification.ts';

const apis = (n: number): DeepReadCandidate[] => Array.from({ length: n }, (_, i) => ({ id: `api${String(i).padStart(3, '0')}`, service: `svc-${i}` }));

/** Run passes every `intervalMs` for `forMs`; returns, per API, the longest gap between two reads. */
function simulate(v: RollingVerifier, candidates: DeepReadCandidate[], intervalMs: number, forMs: number) {
  const reads: { at: number; id: string; priority: string }[] = [];
  for (let t = 0; t <= forMs; t += intervalMs) {
    for (const [id, priority] of v.selector(t)(candidates)) reads.push({ at: t, id, priority });
  }
  const worstGap = Math.max(
    ...candidates.map((c) => {
      const times = reads.filter((r) => r.id === c.id).map((r) => r.at);
      return Math.max(...times.slice(1).map((t, i) => t - times[i]!), forMs - times.at(-1)!);
    }),
  );
  return { reads, worstGap };
}

describe('RollingVerifier', () => {
  it('reads everything at the first pass (never verified), at check priority', () => {
    const v = new RollingVerifier({ windowMs: 60_000, budgetRps: 2, callsPerResource: 3 });
    const chosen = v.selector(0)(apis(40));
    expect(chosen.size).toBe(40);
    expect(new Set(chosen.values())).toEqual(new Set(['check']));
  });

  it('40 APIs, 3 calls each, a 60 s window and 2 background calls/s: each read every 60 s, within the budget', () => {
    const v = new RollingVerifier({ windowMs: 60_000, budgetRps: 2, callsPerResource: 3, intervalMs: 5_000 });
    const { reads, worstGap } = simulate(v, apis(40), 5_000, 600_000);
    expect(worstGap).toBeLessThanOrEqual(65_000); // the window, plus at most one pass interval
    // Background calls in any 60 s of steady state (after the first pass) stay within 2/s.
    const background = reads.filter((r) => r.priority === 'background');
    for (let w = 60_000; w + 60_000 <= 600_000; w += 5_000) {
      expect(background.filter((r) => r.at >= w && r.at < w + 60_000).length * 3).toBeLessThanOrEqual(120 + 3);
    }
    // Honest: a full cycle at the budget is 60 s, plus one 5 s pass interval: 65 s, just over the window.
    expect(v.status()).toMatchObject({ resources: 40, achievableWindowSeconds: 65, sufficient: false });
    expect(new RollingVerifier({ windowMs: 70_000, budgetRps: 2, callsPerResource: 3, intervalMs: 5_000 }).status()).toMatchObject({ sufficient: true });
  });

  it('few APIs spend far less than the budget: only what the window needs', () => {
    const v = new RollingVerifier({ windowMs: 600_000, budgetRps: 2, callsPerResource: 3 });
    const { reads, worstGap } = simulate(v, apis(5), 60_000, 3_600_000);
    expect(worstGap).toBeLessThanOrEqual(600_000);
    const perHour = reads.filter((r) => r.priority === 'background').length;
    expect(perHour).toBeLessThan(5 * 8); // about 5 APIs x 6 windows x 1.25, not 2 calls/s
  });

  it('says when the budget cannot cover the window, and which window it can keep', () => {
    const v = new RollingVerifier({ windowMs: 60_000, budgetRps: 2, callsPerResource: 3, intervalMs: 5_000 });
    v.selector(0)(apis(100));
    expect(v.status()).toMatchObject({ resources: 100, sufficient: false, achievableWindowSeconds: 155 });
    const { worstGap } = simulate(v, apis(100), 5_000, 900_000);
    expect(worstGap).toBeLessThanOrEqual(155_000);
  });

  it('reads urgent APIs at once at check priority: a hinted API, a changed service', () => {
    const v = new RollingVerifier({ windowMs: 600_000, budgetRps: 2, callsPerResource: 3 });
    const list = apis(10);
    v.selector(0)(list);
    const chosen = v.selector(1_000, { apiIds: new Set(['api003']), services: new Set(['svc-7']) })(list);
    expect(chosen).toEqual(new Map([['api003', 'check'], ['api007', 'check']]));
  });

  it('an API gone from the listing is forgotten; a new one is read at once', () => {
    const v = new RollingVerifier({ windowMs: 600_000, budgetRps: 2, callsPerResource: 3 });
    v.selector(0)(apis(3));
    const chosen = v.selector(1_000)([...apis(2), { id: 'new', service: 'x' }]);
    expect(chosen.get('new')).toBe('check');
    expect(v.status().resources).toBe(3);
    expect(v.verifiedAt('api002')).toBeUndefined();
  });

  it('a chosen API whose read was cancelled keeps its turn and its share of the budget', () => {
    const v = new RollingVerifier({ windowMs: 60_000, budgetRps: 2, callsPerResource: 3, intervalMs: 5_000 });
    const list = apis(40);
    v.selector(0)(list);
    const first = [...v.selector(5_000)(list)].filter(([, p]) => p === 'background').map(([id]) => id);
    expect(first.length).toBeGreaterThan(0);
    v.notRead(first);
    for (const id of first) expect(v.verifiedAt(id)).toBe(0);
    const again = [...v.selector(5_100)(list)].filter(([, p]) => p === 'background').map(([id]) => id);
    expect(again.slice(0, first.length)).toEqual(first);
  });
});

describe('ApiBudget: the listings come out of the verify budget first', () => {
  it('subtracts the listings of each scheduled pass and gives the deep reads the rest, shared by need', () => {
    const b = new ApiBudget({ budgetRps: 2, intervalMs: 5_000 });
    expect(b.deepRps()).toBe(2); // nothing measured yet
    b.listed(2); // GetApis and GetDomainNames every 5 s: 0.4 calls/s
    expect(b.listingRps()).toBeCloseTo(0.4);
    expect(b.deepRps()).toBeCloseTo(1.6);
    expect(b.spaced()).toBe(false);
    const apisV = new RollingVerifier({ windowMs: 60_000, budgetRps: 2, callsPerResource: 3, intervalMs: 5_000 });
    const mappings = new RollingVerifier({ windowMs: 60_000, budgetRps: 2, callsPerResource: 1, intervalMs: 5_000 });
    apisV.selector(0)(apis(40)); // needs 40 x 3 / 60 x 1.25 = 2.5 calls/s
    mappings.selector(0)(apis(10)); // needs 10 / 60 x 1.25 = 0.21 calls/s
    b.distribute([apisV, mappings]);
    const a = apisV.status().budgetRps;
    const m = mappings.status().budgetRps;
    expect(a + m).toBeCloseTo(1.6);
    expect(a / m).toBeCloseTo(2.5 / (10 / 60 * 1.25));
  });

  it('40 APIs at --interval 5s: listings and background reads together stay within 2 calls/s in every minute', () => {
    const b = new ApiBudget({ budgetRps: 2, intervalMs: 5_000 });
    const v = new RollingVerifier({ windowMs: 60_000, budgetRps: 2, callsPerResource: 3, intervalMs: 5_000 });
    const calls: number[] = [];
    for (let t = 0, k = 0; t <= 900_000; t += 5_000 * (k % 2 ? 0.9 : 1.1), k++) {
      if (k > 0) b.listed(2);
      b.distribute([v]);
      calls.push(t, t); // the listings
      for (const [, p] of v.selector(t, k === 0 ? { all: true } : {})(apis(40))) if (p === 'background') calls.push(t, t, t);
    }
    for (let w = 60_000; w + 60_000 <= 900_000; w += 5_000) expect(calls.filter((c) => c >= w && c < w + 60_000).length).toBeLessThanOrEqual(120 + 3);
    // A cycle at 1.6 calls/s is 75 s, plus a pass interval.
    expect(v.status()).toMatchObject({ achievableWindowSeconds: 80, sufficient: false });
  });

  it('listings alone over half the budget: scheduled passes are spaced out so they take half, the deep reads the other half', () => {
    const b = new ApiBudget({ budgetRps: 0.5, intervalMs: 2_000 });
    b.listed(2); // 1 call/s at --interval 2s, twice the budget
    expect(b.spaced()).toBe(true);
    expect(b.intervalMs()).toBe(8_000);
    expect(b.listingRps()).toBeCloseTo(0.25);
    expect(b.deepRps()).toBeCloseTo(0.25);
    b.listed(0);
    expect(b.spaced()).toBe(false);
    expect(b.intervalMs()).toBe(2_000);
  });

  it('a verifier given no budget reads nothing in the background (urgent reads still happen)', () => {
    const v = new RollingVerifier({ windowMs: 60_000, budgetRps: 2, callsPerResource: 3, intervalMs: 5_000 });
    v.selector(0)(apis(10));
    v.setPace(0, 5_000);
    expect([...v.selector(60_000)(apis(10)).values()]).toEqual([]);
    expect([...v.selector(65_000, { apiIds: new Set(['api001']) })(apis(10))]).toEqual([['api001', 'check']]);
  });

  it('a pass a hint or a document change started reads nothing in the background; the budget waits for the next', () => {
    const v = new RollingVerifier({ windowMs: 60_000, budgetRps: 2, callsPerResource: 3, intervalMs: 5_000 });
    v.selector(0)(apis(40));
    const hinted = v.selector(5_000, { apiIds: new Set(['api007']), background: false })(apis(40));
    expect([...hinted]).toEqual([['api007', 'check']]);
    const next = [...v.selector(10_000)(apis(40)).values()].filter((p) => p === 'background');
    expect(next.length).toBeGreaterThan(0);
  });

  it('an abandoned selection gives every chosen API its turn back', () => {
    const v = new RollingVerifier({ windowMs: 60_000, budgetRps: 2, callsPerResource: 3, intervalMs: 5_000 });
    v.selector(0)(apis(40));
    const chosen = [...v.selector(5_000)(apis(40)).keys()];
    expect(v.backgroundChosen()).toBe(chosen.length);
    v.abandon();
    for (const id of chosen) expect(v.verifiedAt(id)).toBe(0);
  });
});
