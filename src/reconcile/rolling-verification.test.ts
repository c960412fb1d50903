import { describe, expect, it } from 'vitest';
import type { DeepReadCandidate } from '../model/observed.ts';
import { RollingVerifier } from './rolling-verification.ts';

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
