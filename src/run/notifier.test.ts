import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import type { Report, Status } from '../model/report-contract.ts';
import { Notifier } from './notifier.ts';

function report(statuses: Record<string, Status>, diffs: string[] = []): Report {
  return {
    generatedAt: '2026-11-25T10:00:00.000Z',
    passId: 'p',
    mode: 'reconcile',
    outcome: 'Converged',
    source: { uri: 'file:x', version: null },
    summary: { services: 0, inSync: 0, drifted: 0, missing: 0, orphaned: 0, pending: 0, conflicts: 0, errors: 0, actions: 0, applied: 0, failed: 0, skipped: 0 },
    services: Object.entries(statuses).map(([name, status]) => ({
      name,
      status,
      resources: [{ kind: 'integration', id: `${name}-i`, status, diffs: status === 'Drifted' ? diffs.map((path) => ({ path, desired: 1, live: 2 })) : [] }],
    })),
    actions: [],
    stats: { durationMs: 1, awsCalls: { total: 0, mutating: 0, byService: {}, byOperation: {}, retries: 0, throttled: 0 } },
  } as unknown as Report;
}

function notifier(repeatMs = 3_600_000, status = 200) {
  const posts: { url: string; body: Record<string, unknown> }[] = [];
  const results: string[] = [];
  const n = new Notifier(
    { webhookUrl: 'https://hooks.example/x', repeatMs, reportBase: 'http://routeyard:8080/', post: async (url, body) => (posts.push({ url, body: JSON.parse(body) }), status) },
    { notification: (r) => results.push(r) },
    createLogger('silent'),
  );
  return { n, posts, results };
}

describe('Notifier', () => {
  it('one message when drift is found, one when it is repaired, none while nothing changes', async () => {
    const { n, posts } = notifier();
    n.observe(report({ a: 'InSync', b: 'InSync' }), 0);
    n.observe(report({ a: 'Drifted', b: 'InSync' }, ['integration.requestParameters["append:header.X-Target-Service"]']), 1_000);
    n.observe(report({ a: 'InSync', b: 'InSync' }), 3_000);
    n.observe(report({ a: 'InSync', b: 'InSync' }), 60_000);
    await n.flush();
    expect(posts.map((p) => [p.body.service, p.body.event])).toEqual([
      ['a', 'drift'],
      ['a', 'repaired'],
    ]);
    expect(posts[0]!.body).toMatchObject({
      status: 'Drifted',
      previousStatus: 'InSync',
      diffPaths: ['integration.requestParameters["append:header.X-Target-Service"]'],
      reportUrl: 'http://routeyard:8080/drift?service=a',
      resources: [{ kind: 'integration', id: 'a-i', status: 'Drifted' }],
    });
    expect(String(posts[0]!.body.text)).toContain('a drift found');
    expect(String(posts[0]!.body.text)).toContain('http://routeyard:8080/drift?service=a');
  });

  it('a drift still open is announced again at most every --notify-repeat', async () => {
    const { n, posts } = notifier(3_600_000);
    n.observe(report({ a: 'InSync' }), 0);
    for (let t = 60_000; t <= 7_300_000; t += 60_000) n.observe(report({ a: 'Conflict' }), t);
    await n.flush();
    expect(posts.map((p) => p.body.event)).toEqual(['conflict', 'still-open', 'still-open']);
  });

  it('errors and cleared pending work are announced; a new service being created is not drift', async () => {
    const { n, posts } = notifier();
    n.observe(report({ a: 'Pending', b: 'InSync' }), 0);
    n.observe(report({ a: 'InSync', b: 'Error', c: 'Missing' }), 1_000);
    await n.flush();
    expect(posts.map((p) => [p.body.service, p.body.event])).toEqual([
      ['a', 'pending-cleared'],
      ['b', 'error'],
    ]);
  });

  it('a webhook that fails is counted and never throws', async () => {
    const { n, results } = notifier(3_600_000, 500);
    n.observe(report({ a: 'InSync' }), 0);
    n.observe(report({ a: 'Drifted' }), 1);
    await n.flush();
    expect(results).toEqual(['failed']);
  });

  it('creating a service is not news, a document edit is not drift, and a standby copy or a dry run says nothing', async () => {
    const { n, posts } = notifier();
    n.observe(report({ a: 'InSync' }), 0);
    n.observe(report({ a: 'InSync', b: 'Missing' }), 1_000); // b added to the document
    n.observe(report({ a: 'InSync', b: 'InSync' }), 2_000); // b created: not "repaired"
    n.observe(report({ a: 'Drifted', b: 'InSync' }), 3_000, new Set(['a'])); // a edited in the document
    n.observe(report({ a: 'InSync', b: 'InSync' }), 4_000);
    const dry = { ...report({ a: 'InSync', b: 'Drifted' }), mode: 'dry-run' } as Report;
    n.observe(dry, 5_000);
    await n.flush();
    expect(posts).toEqual([]);
  });

  it('a service flapping between Error and Drifted is announced once per --notify-repeat', async () => {
    const { n, posts } = notifier(3_600_000);
    n.observe(report({ a: 'InSync' }), 0);
    for (let i = 1; i <= 10; i++) n.observe(report({ a: i % 2 ? 'Error' : 'Drifted' }), i * 60_000);
    await n.flush();
    expect(posts.map((p) => p.body.event)).toEqual(['error']);
  });
});
