import { describe, expect, it } from 'vitest';
import { ApiScheduler, currentPriority, withDeadline, withPriority, withSteadyState, type CallPriority } from './api-scheduler.ts';

/** A clock that moves only when the scheduler sleeps. */
function fakeClock() {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
      await Promise.resolve();
    },
    get t() {
      return t;
    },
  };
}

async function timesOf(s: ApiScheduler, clock: ReturnType<typeof fakeClock>, priorities: CallPriority[]): Promise<number[]> {
  const at: number[] = [];
  await Promise.all(priorities.map((p, i) => s.acquire(p).then(() => (at[i] = clock.t))));
  return at;
}

describe('ApiScheduler', () => {
  it('background calls use at most their share of the pace', async () => {
    const clock = fakeClock();
    const s = new ApiScheduler({ ratePerSecond: 10, burst: 10, backgroundShare: 0.2, now: clock.now, sleep: clock.sleep });
    const at = await timesOf(s, clock, Array<CallPriority>(22).fill('background'));
    // 2 at once (one second's worth of the share), then 2 per second: 20 more take 10 s.
    expect(Math.max(...at)).toBeGreaterThanOrEqual(9_900);
    expect(Math.max(...at)).toBeLessThan(10_600);
    // Over any 5 s window, at most 2/s plus the burst.
    for (let w = 0; w < 10_000; w += 500) expect(at.filter((x) => x >= w && x < w + 5_000).length).toBeLessThanOrEqual(12);
  });

  it('checks and applies are not held to the background share', async () => {
    const clock = fakeClock();
    const s = new ApiScheduler({ ratePerSecond: 10, burst: 10, backgroundShare: 0.2, now: clock.now, sleep: clock.sleep });
    const at = await timesOf(s, clock, Array<CallPriority>(30).fill('check'));
    expect(Math.max(...at)).toBeGreaterThanOrEqual(1_900);
    expect(Math.max(...at)).toBeLessThan(2_200); // 10 at once, then 10/s
  });

  it('serves applying changes first, then checks, then background verification', async () => {
    const clock = fakeClock();
    const s = new ApiScheduler({ ratePerSecond: 10, burst: 1, backgroundShare: 1, now: clock.now, sleep: clock.sleep });
    await s.acquire('check'); // spend the burst: everything below queues
    const order: string[] = [];
    await Promise.all([
      s.acquire('background').then(() => order.push('background-1')),
      s.acquire('background').then(() => order.push('background-2')),
      s.acquire('check').then(() => order.push('check')),
      s.acquire('apply').then(() => order.push('apply')),
    ]);
    expect(order).toEqual(['apply', 'check', 'background-1', 'background-2']);
  });

  it('a throttling answer halves the pace, which recovers step by step', async () => {
    const clock = fakeClock();
    const s = new ApiScheduler({ ratePerSecond: 10, burst: 10, recoverAfterMs: 30_000, now: clock.now, sleep: clock.sleep });
    expect(s.pace()).toBe(10);
    s.onThrottle();
    expect(s.pace()).toBe(5);
    s.onThrottle(); // the same burst: halved once
    expect(s.pace()).toBe(5);
    await clock.sleep(1_000);
    s.onThrottle();
    expect(s.pace()).toBe(2.5);
    await clock.sleep(29_000);
    await clock.sleep(30_000);
    expect(s.pace()).toBe(5);
    await clock.sleep(30_000);
    expect(s.pace()).toBe(10);
    await clock.sleep(30_000);
    expect(s.pace()).toBe(10);
    expect(s.stats().throttles).toBe(3);
  });

  it('after throttling, calls really go slower', async () => {
    const clock = fakeClock();
    const s = new ApiScheduler({ ratePerSecond: 10, burst: 1, now: clock.now, sleep: clock.sleep });
    s.onThrottle();
    await clock.sleep(1_000);
    const at = await timesOf(s, clock, Array<CallPriority>(11).fill('apply'));
    expect(Math.max(...at)).toBeGreaterThanOrEqual(1_900); // 5/s instead of 10/s
  });

  it('an unpaced service never waits', async () => {
    const s = new ApiScheduler({});
    await Promise.all(Array.from({ length: 100 }, () => s.acquire('background')));
    expect(s.pace()).toBeUndefined();
  });

  it('the priority follows the async context of the calls', async () => {
    expect(currentPriority()).toBe('check');
    await withPriority('background', async () => {
      await Promise.resolve();
      expect(currentPriority()).toBe('background');
      await withPriority('apply', async () => expect(currentPriority()).toBe('apply'));
    });
  });
});

describe('steady state within the background share', () => {
  it('checks made in steady state (a scheduled pass\'s listings) go at once but draw from the background share: listings and background calls together stay within it', async () => {
    const clock = fakeClock();
    const s = new ApiScheduler({ ratePerSecond: 10, burst: 10, backgroundShare: 0.2, now: clock.now, sleep: clock.sleep });
    const at: { t: number; p: string }[] = [];
    // Every 5 s for a minute: 2 listing calls in steady state, then 10 background reads (more than the share leaves).
    for (let pass = 0; pass < 12; pass++) {
      const start = pass * 5_000;
      if (clock.t < start) await clock.sleep(start - clock.t);
      const asked = clock.t;
      const listings = await withSteadyState(() => Promise.all([s.acquire('check'), s.acquire('check')]).then(() => clock.t));
      expect(listings - asked).toBeLessThan(10); // never delayed by the share
      at.push({ t: listings, p: 'check' }, { t: listings, p: 'check' });
      for (let i = 0; i < 10; i++) at.push({ t: await s.acquire('background').then(() => clock.t), p: 'background' });
    }
    // 2 per second in all (plus the burst), not 2 per second of background on top of the listings.
    for (let w = 0; w + 30_000 <= clock.t; w += 1_000) expect(at.filter((x) => x.t >= w && x.t < w + 30_000).length).toBeLessThanOrEqual(60 + 2);
    // Checks outside steady state (a hint's) do not draw from it.
    const before = s.stats();
    await s.acquire('check');
    expect(s.stats().queued.background).toBe(before.queued.background);
  });

  it('the steady flag carries through priorities and deadlines', async () => {
    const clock = fakeClock();
    const s = new ApiScheduler({ ratePerSecond: 10, burst: 10, backgroundShare: 0.1, now: clock.now, sleep: clock.sleep });
    // One background token a second; a steady check takes it, so the next background call waits a second.
    await withSteadyState(() => withDeadline(new AbortController().signal, () => withPriority('check', () => s.acquire('check'))));
    const t0 = clock.t;
    await s.acquire('background');
    expect(clock.t - t0).toBeGreaterThanOrEqual(900);
  });
});
