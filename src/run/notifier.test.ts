import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import type { Report, Status } from '../model/report-contract.ts';
import { ControllerMetrics } from '../report/metrics.ts';
import { secretValues } from '../secrets.ts';
import { escapeMentions, NOTIFY_QUEUE_LIMIT, Notifier } from './notifier.ts';

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

describe('Notifier limits (issue 14)', () => {
  /** A webhook that answers only when told to: the receiver is down or slow. */
  function stalledNotifier(maxQueue?: number) {
    const posts: Record<string, unknown>[] = [];
    const results: string[] = [];
    const queueLengths: number[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const n = new Notifier(
      {
        webhookUrl: 'https://hooks.example/x',
        repeatMs: 3_600_000,
        reportBase: 'http://routeyard:8080/',
        ...(maxQueue !== undefined ? { maxQueue } : {}),
        post: async (_url, body) => {
          await gate;
          posts.push(JSON.parse(body));
          return 200;
        },
      },
      { notification: (r) => results.push(r), notificationQueue: (l) => queueLengths.push(l) },
      createLogger('silent'),
    );
    return { n, posts, results, queueLengths, release: () => release() };
  }

  it('the queue is bounded: beyond it the oldest waiting message is dropped and counted', async () => {
    const { n, posts, results, queueLengths, release } = stalledNotifier(3);
    n.observe(report({ a: 'InSync', b: 'InSync', c: 'InSync', d: 'InSync', e: 'InSync', f: 'InSync' }), 0);
    // Six services drift at once: one message is being sent (stalled), three wait, two are dropped.
    n.observe(report({ a: 'Error', b: 'Error', c: 'Error', d: 'Error', e: 'Error', f: 'Error' }), 1_000);
    await new Promise((r) => setTimeout(r, 10));
    expect(n.queued).toBe(3);
    expect(n.dropped).toBe(2);
    expect(results).toEqual(['dropped', 'dropped']);
    expect(Math.max(...queueLengths)).toBe(3);
    release();
    await n.flush();
    // The first (already being sent) and the three newest went out; b and c, the oldest waiting, were dropped.
    expect(posts.map((p) => p.service)).toEqual(['a', 'd', 'e', 'f']);
    expect(results.filter((r) => r === 'sent')).toHaveLength(4);
    expect(n.queued).toBe(0);
    expect(queueLengths.at(-1)).toBe(0);
  });

  it('the default bound is NOTIFY_QUEUE_LIMIT', async () => {
    const { n, release } = stalledNotifier();
    const names = Array.from({ length: NOTIFY_QUEUE_LIMIT + 11 }, (_, i) => `s${i}`);
    n.observe(report(Object.fromEntries(names.map((x) => [x, 'InSync' as Status]))), 0);
    n.observe(report(Object.fromEntries(names.map((x) => [x, 'Conflict' as Status]))), 1);
    expect(n.queued).toBe(NOTIFY_QUEUE_LIMIT);
    expect(n.dropped).toBe(10);
    release();
    await n.flush();
  });

  it('the dropped count is exposed as routeyard_notifications_total{result="dropped"}', async () => {
    const metrics = new ControllerMetrics();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const n = new Notifier({ webhookUrl: 'https://hooks.example/x', repeatMs: 1, reportBase: 'http://r/', maxQueue: 1, post: async () => (await gate, 200) }, metrics, createLogger('silent'));
    n.observe(report({ a: 'InSync', b: 'InSync', c: 'InSync' }), 0);
    n.observe(report({ a: 'Error', b: 'Error', c: 'Error' }), 1);
    const before = (await metrics.render()).body;
    expect(before).toMatch(/^routeyard_notifications_total\{result="dropped"\} 1$/m);
    expect(before).toMatch(/^routeyard_notifications_queued 1$/m);
    release();
    await n.flush();
    const after = (await metrics.render()).body;
    expect(after).toMatch(/^routeyard_notifications_total\{result="sent"\} 2$/m);
    expect(after).toMatch(/^routeyard_notifications_queued 0$/m);
  });

  it('a redirect is not followed and counts as a failure', async () => {
    let followed = 0;
    const target = createServer((req, res) => {
      followed++;
      res.end('ok');
    });
    const hook = createServer((req, res) => {
      req.resume();
      res.writeHead(307, { Location: `http://127.0.0.1:${port(target)}/elsewhere` }).end();
    });
    const port = (s: Server) => (s.address() as AddressInfo).port;
    await Promise.all([target, hook].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))));
    try {
      for (const status of [301, 302, 307, 308]) {
        hook.removeAllListeners('request');
        hook.on('request', (req, res) => (req.resume(), res.writeHead(status, { Location: `http://127.0.0.1:${port(target)}/elsewhere` }).end()));
        const results: string[] = [];
        const n = new Notifier({ webhookUrl: `http://127.0.0.1:${port(hook)}/hook`, repeatMs: 1, reportBase: 'http://r/' }, { notification: (r) => results.push(r) }, createLogger('silent'));
        n.observe(report({ a: 'InSync' }), 0);
        n.observe(report({ a: 'Error' }), 1);
        await n.flush();
        expect(results, String(status)).toEqual(['failed']);
      }
      expect(followed).toBe(0);
    } finally {
      await Promise.all([target, hook].map((s) => new Promise<void>((r) => s.close(() => r()))));
    }
  });

  it('Slack and Teams mention syntax from names and messages is escaped in the text', async () => {
    const { n, posts } = notifier();
    const hostile = report({ a: 'InSync' });
    n.observe(hostile, 0);
    const conflict = report({ a: 'Conflict' });
    conflict.services[0]!.resources[0]!.message = 'rule <!channel> owned by <@U123> @here, see <https://evil.example|the fix> & @everyone @Channel <at>Ops</at> <!here>';
    n.observe(conflict, 1_000);
    await n.flush();
    const text = String(posts[0]!.body.text);
    expect(text).not.toMatch(/<!channel>|<!here>|<@U123>|<https:|<at>/);
    expect(text).not.toMatch(/@(here|everyone|channel)\b/i);
    expect(text).toContain('&lt;!channel&gt; owned by &lt;@U123&gt; @\u200bhere');
    expect(text).toContain('&amp; @\u200beveryone @\u200bChannel &lt;at&gt;Ops&lt;/at&gt; &lt;!here&gt;');
    expect(text).toContain('http://routeyard:8080/drift?service=a'); // the link stays a link
  });

  it('a value resolved from a SecureString parameter never reaches the webhook', async () => {
    const secret = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/webhook-secret/0123/4567';
    secretValues.add(secret);
    const { n, posts } = notifier();
    n.observe(report({ a: 'InSync' }), 0);
    const failed = report({ a: 'Error' });
    failed.services[0]!.resources[0]!.message = `ListenerNotFound: '${secret}'`;
    failed.services[0]!.resources[0]!.id = secret;
    n.observe(failed, 1_000);
    await n.flush();
    expect(JSON.stringify(posts)).not.toContain('webhook-secret');
    expect(posts[0]!.body.text).toContain("ListenerNotFound: '(secret)'");
    expect(posts[0]!.body.resources).toEqual([{ kind: 'integration', id: '(secret)', status: 'Error' }]);
  });

  it('escapeMentions leaves ordinary text alone', () => {
    expect(escapeMentions('drift found: Drifted (listenerRule.priority); repairing')).toBe('drift found: Drifted (listenerRule.priority); repairing');
    expect(escapeMentions('mail ops@here.example and @hereafter')).toBe('mail ops@here.example and @hereafter');
  });
});

