import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.ts';
import type { Report } from '../model/report-contract.ts';
import { ControllerMemory, exposedGc, GC_SPACING_MS, PASS_RING_SIZE } from './memory.ts';

function report(at: string, statuses: Record<string, 'InSync' | 'Drifted' | 'Error'>, actions: Report['actions'] = [], mode: Report['mode'] = 'reconcile'): Report {
  return {
    generatedAt: at,
    passId: `p-${at}`,
    mode,
    outcome: 'InSync',
    source: { uri: 'file:x', version: 'v' },
    summary: { services: 0, inSync: 0, drifted: 0, missing: 0, orphaned: 0, pending: 0, conflicts: 0, errors: 0, actions: actions.length, applied: actions.filter((a) => a.result === 'applied').length, failed: 0, skipped: 0 },
    services: Object.entries(statuses).map(([name, status]) => ({
      name,
      status,
      resources: [{ kind: 'listenerRule', id: `rule-${name}`, status, diffs: [], since: null, lastVerifiedAt: at }],
      since: null,
      lastVerifiedAt: at,
    })),
    actions,
    stats: { durationMs: 10, awsCalls: { total: 3, mutating: actions.length, throttled: 0, retries: 0, lostAnswers: 0, byService: {}, byOperation: {} } },
  };
}

const failedAction = (service: string): Report['actions'][number] => ({ op: 'create', kind: 'listenerRule', service, id: 'x', reason: 'r', diffs: [], result: 'failed', error: 'boom' });
const appliedAction = (service: string): Report['actions'][number] => ({ ...failedAction(service), result: 'applied' });

describe('ControllerMemory', () => {
  it('keeps `since` while a status holds and moves it when the status changes', () => {
    const m = new ControllerMemory(silentLogger());
    const r1 = m.record(report('2026-11-25T10:00:00.000Z', { a: 'InSync', b: 'InSync' }), 'start', 0);
    expect(r1.services.map((s) => s.since)).toEqual(['2026-11-25T10:00:00.000Z', '2026-11-25T10:00:00.000Z']);
    const r2 = m.record(report('2026-11-25T10:01:00.000Z', { a: 'InSync', b: 'Drifted' }), 'interval', 0);
    expect(r2.services.find((s) => s.name === 'a')!.since).toBe('2026-11-25T10:00:00.000Z');
    expect(r2.services.find((s) => s.name === 'b')!.since).toBe('2026-11-25T10:01:00.000Z');
    expect(r2.services.find((s) => s.name === 'b')!.resources[0]!.since).toBe('2026-11-25T10:01:00.000Z');
    expect(r2.services.find((s) => s.name === 'a')!.lastVerifiedAt).toBe('2026-11-25T10:01:00.000Z');
  });

  it('keeps the last 50 passes, newest first, with their trigger', () => {
    const m = new ControllerMemory(silentLogger());
    let last: Report | undefined;
    for (let i = 0; i < PASS_RING_SIZE + 7; i++) last = m.record(report(new Date(Date.UTC(2026, 10, 25, 10, 0, i)).toISOString(), { a: 'InSync' }), i === 0 ? 'start' : 'interval', 0);
    expect(last!.recentPasses).toHaveLength(PASS_RING_SIZE);
    expect(last!.recentPasses![0]!.at).toBe(new Date(Date.UTC(2026, 10, 25, 10, 0, PASS_RING_SIZE + 6)).toISOString());
    expect(last!.recentPasses![0]).toMatchObject({ trigger: 'interval', awsCalls: 3, durationMs: 10 });
  });

  it('backs a failing service off exponentially (capped), holds only that service, and forgives it after a success', () => {
    const m = new ControllerMemory(silentLogger(), { baseMs: 1000, maxMs: 3000 });
    const t0 = 1_000_000;
    m.record(report('2026-11-25T10:00:00.000Z', { a: 'Error', b: 'InSync' }, [failedAction('a')]), 'interval', t0);
    expect([...m.heldServices(t0 + 999).keys()]).toEqual(['a']);
    expect(m.heldServices(t0 + 1000).size).toBe(0);
    const r2 = m.record(report('2026-11-25T10:00:02.000Z', { a: 'Error' }, [failedAction('a')]), 'interval', t0 + 2000);
    expect(r2.services[0]!.backoff).toEqual({ failures: 2, nextRetryAt: new Date(t0 + 2000 + 2000).toISOString() });
    m.record(report('2026-11-25T10:00:05.000Z', { a: 'Error' }, [failedAction('a')]), 'interval', t0 + 5000);
    expect(m.heldServices(t0 + 5000 + 2999).get('a')).toMatch(/backing off after 3 failed passes/); // capped at 3 s, not 4
    expect(m.heldServices(t0 + 5000 + 3000).size).toBe(0);
    m.record(report('2026-11-25T10:00:09.000Z', { a: 'InSync' }, [appliedAction('a')]), 'interval', t0 + 9000);
    expect(m.heldServices(t0 + 9000).size).toBe(0);
    m.record(report('2026-11-25T10:00:10.000Z', { a: 'Error' }, [failedAction('a')]), 'interval', t0 + 10_000);
    expect(m.heldServices(t0 + 10_000).get('a')).toMatch(/after 1 failed pass:/);
  });

  it('forgets everything of a service that left the report: a service added again later starts afresh (and memory does not grow as services come and go)', () => {
    const m = new ControllerMemory(silentLogger());
    m.record(report('2026-11-25T10:00:00.000Z', { a: 'InSync', b: 'InSync' }), 'start', 0);
    m.record(report('2026-11-25T10:01:00.000Z', { a: 'InSync' }), 'interval', 0);
    const back = m.record(report('2026-11-25T10:02:00.000Z', { a: 'InSync', b: 'InSync' }), 'interval', 0);
    const b = back.services.find((s) => s.name === 'b')!;
    expect(b.since).toBe('2026-11-25T10:02:00.000Z');
    expect(b.resources[0]!.since).toBe('2026-11-25T10:02:00.000Z');
    expect(back.services.find((s) => s.name === 'a')!.resources[0]!.since).toBe('2026-11-25T10:00:00.000Z');
  });

  it('after passes, a memory-reducing full collection, at most one per 10 s', () => {
    const calls: unknown[] = [];
    const m = new ControllerMemory(silentLogger(), undefined, (options) => calls.push(options));
    m.releaseGarbage(1_000);
    m.releaseGarbage(1_000 + GC_SPACING_MS - 1); // a hint's pass right after: no second collection
    m.releaseGarbage(1_000 + GC_SPACING_MS);
    expect(calls).toEqual([
      { type: 'major', execution: 'sync', flavor: 'last-resort' },
      { type: 'major', execution: 'sync', flavor: 'last-resort' },
    ]);
  });

  it("V8's gc() is reachable without --expose-gc on the command line", () => {
    const gc = exposedGc();
    expect(typeof gc).toBe('function');
    gc!({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  });
});
