import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.ts';
import { LeaseManager, type LeaseRecord, type LeaseStore } from './lease.ts';

/**
 * The lease's own rules on a simulated clock. The store is the LeaseStore port kept in a
 * variable (its DynamoDB implementation is exercised against moto in lease.test.ts).
 */
function memoryStore(): LeaseStore & { item?: LeaseRecord; renewals: number } {
  const s: LeaseStore & { item?: LeaseRecord; renewals: number } = {
    renewals: 0,
    async acquire({ holder, now, durationMs }) {
      if (s.item && s.item.expiresAt > now && s.item.holder !== holder) return undefined;
      s.item = { holder, expiresAt: now + durationMs, fencingToken: (s.item?.fencingToken ?? 0) + 1 };
      return s.item;
    },
    async renew({ holder, token, now, durationMs }) {
      if (!s.item || s.item.holder !== holder || s.item.fencingToken !== token) return false;
      s.renewals++;
      s.item = { ...s.item, expiresAt: now + durationMs };
      return true;
    },
    async fence({ holder, token }) {
      return !!s.item && s.item.holder === holder && s.item.fencingToken === token;
    },
    async release() {
      s.item = undefined;
    },
    async read() {
      return s.item;
    },
  };
  return s;
}

describe('a stuck copy gives the lease up', () => {
  it('stops renewing while it makes no progress, so the lease expires and it stops leading', async () => {
    let now = 1_000_000;
    const store = memoryStore();
    const lease = new LeaseManager(store, { table: 't', id: 'routeyard', holder: 'me', durationMs: 15_000, renewEveryMs: 5_000, now: () => now }, silentLogger());
    let progressing = true;
    lease.renewOnlyWhile(() => progressing);
    expect(await lease.acquireWithin(0)).toBe(true);
    // Healthy: each tick renews.
    await (lease as unknown as { tryOnce(): Promise<void> }).tryOnce();
    expect(store.renewals).toBe(1);
    // Stuck: ticks no longer renew; once the local deadline passes, it no longer leads.
    progressing = false;
    for (let t = 0; t < 4; t++) {
      now += 5_000;
      await (lease as unknown as { tryOnce(): Promise<void> }).tryOnce();
    }
    expect(store.renewals).toBe(1);
    expect(lease.isLeader()).toBe(false);
    expect(lease.state().lastError).toMatch(/stuck/);
    // Another copy takes the lease once it has expired.
    expect(await store.acquire({ id: 'routeyard', holder: 'other', now, durationMs: 15_000 })).toMatchObject({ holder: 'other' });
    lease.stop();
  });
});
