import { describe, expect, it } from 'vitest';
import { TokenBucket } from './rate-limiter.ts';

describe('TokenBucket', () => {
  it('lets a burst through, then paces at the rate', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const bucket = new TokenBucket(10, 2, () => now, async (ms) => {
      sleeps.push(ms);
      now += ms;
    });
    for (let i = 0; i < 5; i++) await bucket.take();
    // Two from the burst, then one every 100 ms at 10 per second.
    expect(now).toBeCloseTo(300, 5);
    expect(sleeps.every((ms) => ms > 0 && ms <= 100 + 1e-9)).toBe(true);
  });

  it('serves callers in arrival order', async () => {
    let now = 0;
    const bucket = new TokenBucket(1, 1, () => now, async (ms) => {
      now += ms;
    });
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((i) => bucket.take().then(() => order.push(i))));
    expect(order).toEqual([1, 2, 3]);
    expect(now).toBeCloseTo(2000, 5);
  });
});
