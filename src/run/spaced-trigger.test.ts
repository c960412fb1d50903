import { afterEach, describe, expect, it, vi } from 'vitest';
import { SpacedTrigger } from './spaced-trigger.ts';

describe('hint-triggered passes have a minimum spacing', () => {
  afterEach(() => vi.useRealTimers());

  it('a burst of 1,000 requests over 10 s fires at most once per spacing', () => {
    vi.useFakeTimers();
    let fired = 0;
    const t = new SpacedTrigger(2_000, () => fired++);
    for (let i = 0; i < 1_000; i++) {
      t.request();
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(2_000);
    // 10 s of requests: the first at once, then one per 2 s.
    expect(fired).toBeGreaterThanOrEqual(5);
    expect(fired).toBeLessThanOrEqual(6);
  });

  it('a single request after a quiet spell fires at once', () => {
    vi.useFakeTimers();
    let fired = 0;
    const t = new SpacedTrigger(2_000, () => fired++);
    t.request();
    expect(fired).toBe(1);
    vi.advanceTimersByTime(5_000);
    t.request();
    expect(fired).toBe(2);
  });
});
