import { describe, expect, it } from 'vitest';
import { ListingReuse, type ReusableRead } from './listing-reuse.ts';
import type { Observer } from './ports.ts';

/** An observer whose reusable reads answer a fresh object each time and count their calls. */
function observer() {
  const calls: string[] = [];
  const o = {
    loadBalancing: async (arns: readonly string[]) => (calls.push(`lb ${arns.join(',')}`), { rules: [{ arn: 'r1', n: calls.length }], targetGroups: [], listeners: arns.map((listenerArn) => ({ listenerArn, loadBalancer: { arn: `lb-of-${listenerArn}` } })) }),
    zone: async (ref: string) => (calls.push(`zone ${ref}`), { id: 'Z1', name: ref, private: false, records: [] }),
    outputs: async (prefix: string) => (calls.push(`outputs ${prefix}`), { parameters: [] }),
    region: async () => 'eu-west-1',
  } as unknown as Observer;
  return { o, calls };
}

const all = new Set<ReusableRead>(['loadBalancing', 'zone', 'outputs']);

describe('ListingReuse', () => {
  it('a hint pass reuses the whole answers of the last sound pass (same document, recent enough), and reads what it was not allowed to reuse', async () => {
    let t = 0;
    const reuse = new ListingReuse({ now: () => t });
    const { o, calls } = observer();
    const full = reuse.forPass(o);
    const first = await full.observer.loadBalancing(['L']);
    await full.observer.zone('example.com', false);
    full.commit('v1', new Set());
    expect(reuse.available('v1')).toBe(true);
    expect(reuse.available('v2')).toBe(false);

    t = 4_000;
    const hint = reuse.forPass(o, { reads: new Set<ReusableRead>(['loadBalancing']), version: 'v1', maxAgeMs: 10_000 });
    expect(await hint.observer.loadBalancing(['L'])).toEqual(first);
    await hint.observer.zone('example.com', false); // not allowed: read afresh
    expect(calls).toEqual(['lb L', 'zone example.com', 'zone example.com']);
    expect(hint.reused()).toEqual([{ read: 'loadBalancing', readAt: 0 }]);
    // Other arguments are another read.
    await hint.observer.loadBalancing(['M']);
    expect(calls.at(-1)).toBe('lb M');
    hint.commit('v1', new Set());

    // The reused answer keeps its first read time and ages out.
    t = 12_000;
    const late = reuse.forPass(o, { reads: all, version: 'v1', maxAgeMs: 10_000 });
    await late.observer.loadBalancing(['L']);
    expect(calls.at(-1)).toBe('lb L');
  });

  it('never reuses across a document change, a write to the service read, a failed pass, or for a pass not asking', async () => {
    const reuse = new ListingReuse();
    const { o, calls } = observer();
    const p = reuse.forPass(o);
    await p.observer.outputs('/p', 'owner');
    p.commit('v1', new Set());
    await reuse.forPass(o, { reads: all, version: 'v2', maxAgeMs: 60_000 }).observer.outputs('/p', 'owner');
    await reuse.forPass(o).observer.outputs('/p', 'owner');
    expect(calls).toHaveLength(3);
    const wrote = reuse.forPass(o, { reads: all, version: 'v1', maxAgeMs: 60_000 });
    await wrote.observer.outputs('/p', 'owner');
    expect(calls).toHaveLength(3); // reused
    wrote.commit('v1', new Set<ReusableRead>(['outputs'])); // it wrote parameters: their read is forgotten
    await reuse.forPass(o, { reads: all, version: 'v1', maxAgeMs: 60_000 }).observer.outputs('/p', 'owner');
    expect(calls).toHaveLength(4);
    const failed = reuse.forPass(o);
    await failed.observer.outputs('/p', 'owner');
    failed.commit('v1', 'all'); // it failed: the base is gone
    expect(reuse.available('v1')).toBe(false);
  });

  it('a reused answer is a copy: what a pass does with it (observe sets target health) does not leak into the next', async () => {
    const reuse = new ListingReuse();
    const { o } = observer();
    const p = reuse.forPass(o);
    const mine = await p.observer.loadBalancing(['L']);
    p.commit('v1', new Set());
    (mine.rules[0] as unknown as { n: number }).n = 99;
    const again = await reuse.forPass(o, { reads: all, version: 'v1', maxAgeMs: 60_000 }).observer.loadBalancing(['L']);
    expect((again.rules[0] as unknown as { n: number }).n).toBe(1);
  });

  it('a pass abandoned while reading adds what it finished reading to the base, keeping the rest', async () => {
    let t = 0;
    const reuse = new ListingReuse({ now: () => t });
    const { o, calls } = observer();
    const full = reuse.forPass(o);
    await full.observer.loadBalancing(['L']);
    await full.observer.zone('example.com', false);
    full.commit('v1', new Set());
    t = 20_000;
    const preempted = reuse.forPass(o);
    await preempted.observer.loadBalancing(['L']); // read; the zone was not reached
    preempted.keepPartial('v1');
    t = 25_000;
    const hint = reuse.forPass(o, { reads: all, version: 'v1', maxAgeMs: 10_000 });
    await hint.observer.loadBalancing(['L']);
    await hint.observer.zone('example.com', false); // the first pass's, now too old: read
    expect(hint.reused()).toEqual([{ read: 'loadBalancing', readAt: 20_000 }]);
    expect(calls).toEqual(['lb L', 'zone example.com', 'lb L', 'zone example.com']);
  });
});
