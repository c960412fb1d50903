import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftResponse } from '../model/report-contract.ts';
import { secretValues } from '../secrets.ts';
import { createControllerServer, SERVER_LIMITS, type ServerLimits } from './http-server.ts';

const drift: DriftResponse = {
  generatedAt: new Date().toISOString(),
  passId: 'p1',
  mode: 'reconcile',
  outcome: 'DriftFound',
  source: { uri: 'file:x', version: 'v1' },
  summary: { services: 2, inSync: 1, drifted: 1, missing: 0, orphaned: 0, pending: 0, conflicts: 0, errors: 0, actions: 1, applied: 0, failed: 0, skipped: 0 },
  services: [
    { name: 'a', status: 'InSync', resources: [], since: null, lastVerifiedAt: null },
    { name: 'b<script>', status: 'Drifted', resources: [{ kind: 'listenerRule', id: 'r', status: 'Drifted', diffs: [{ path: 'x', desired: '<b>', live: null }] }], since: null, lastVerifiedAt: null },
  ],
  actions: [{ op: 'update', kind: 'listenerRule', service: 'b<script>', id: 'r', reason: 'rule differs from the document (condition.httpHeader.values)', diffs: [], result: 'failed', error: 'ValidationError: nope' }],
  stats: { durationMs: 1, awsCalls: { total: 1, mutating: 0, throttled: 0, retries: 0, lostAnswers: 0, byService: {}, byOperation: {} } },
  ageSeconds: 1,
};

let base = '';
let current: DriftResponse | undefined;
const server = createControllerServer({
  drift: () => current,
  readiness: () => (current ? { ready: true } : { ready: false, code: 'NoPassYet', message: 'no pass yet' }),
  metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'x 1\n' }),
  refreshSeconds: 10,
});

describe('the controller HTTP server (read-only)', () => {
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('before the first pass: /healthz 200, /readyz and /drift 503 with a JSON error', async () => {
    current = undefined;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ error: { code: 'NoPassYet', message: 'no pass yet' } });
    expect((await fetch(`${base}/drift`)).status).toBe(503);
  });

  it('serves the report, narrows it to one service, escapes names in the dashboard', async () => {
    current = drift;
    expect(await (await fetch(`${base}/drift`)).json()).toEqual(drift);
    const one = (await (await fetch(`${base}/drift?service=${encodeURIComponent('b<script>')}`)).json()) as DriftResponse;
    expect(one.services.map((s) => s.name)).toEqual(['b<script>']);
    expect(one.actions).toHaveLength(1);
    expect(one.summary).toMatchObject({ services: 1, inSync: 0, drifted: 1, actions: 1, failed: 1 });
    const html = await (await fetch(`${base}/`)).text();
    expect(html).toContain('b&lt;script&gt;');
    expect(html).not.toContain('b<script>');
    expect(html).toContain('<meta http-equiv="refresh" content="10">');
    // The reason and the error of the service's action are one click away, in its cell.
    expect(html).toContain('rule differs from the document (condition.httpHeader.values)');
    expect(html).toContain('ValidationError: nope');
    expect(html).not.toMatch(/<script/i);
  });

  it('renders /drift and the dashboard once per pass; the age and the lease are of the request', async () => {
    const lease = { enabled: true, table: 't', held: true, holder: 'me', self: 'me', fencingToken: 3, expiresAt: '2026-11-25T10:00:15.000Z' };
    current = { ...drift, passId: 'cache-1', ageSeconds: 2, lease };
    expect(await (await fetch(`${base}/drift`)).json()).toEqual(current);
    expect(await (await fetch(`${base}/`)).text()).toContain('(2 s ago)');
    // The same pass a little later, the lease renewed: the same report, the new age and lease.
    current = { ...current, ageSeconds: 7.5, lease: { ...lease, expiresAt: '2026-11-25T10:00:20.000Z' } };
    expect(await (await fetch(`${base}/drift`)).json()).toEqual(current);
    expect(await (await fetch(`${base}/`)).text()).toContain('(8 s ago)');
    // A new pass: a new report.
    current = { ...current, passId: 'cache-2', outcome: 'InSync', services: [drift.services[0]!], actions: [] };
    expect(await (await fetch(`${base}/drift`)).json()).toEqual(current);
    expect(await (await fetch(`${base}/`)).text()).not.toContain('b&lt;script&gt;');
    // Another copy took the lease: the dashboard's leader line follows at once.
    current = { ...current, lease: { ...lease, held: false, holder: 'other' } };
    expect(await (await fetch(`${base}/`)).text()).toContain('other; this copy (me) observes only');
  });

  it('only GET and HEAD; unknown paths 404; HEAD has no body', async () => {
    current = drift;
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(`${base}/drift`, { method });
      expect(res.status).toBe(405);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('MethodNotAllowed');
    }
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    const head = await fetch(`${base}/drift`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${base}/metrics`)).headers.get('content-type')).toContain('text/plain');
  });
});

describe('HTTP server hygiene (issue 14)', () => {
  const view = {
    drift: () => drift,
    readiness: () => ({ ready: true as const }),
    metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'x 1\n' }),
    refreshSeconds: 10,
  };

  async function start(limits: Partial<ServerLimits> = {}): Promise<{ server: Server; port: number; url: string }> {
    const server = createControllerServer(view, limits);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    return { server, port, url: `http://127.0.0.1:${port}` };
  }
  const stop = (server: Server) => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())));

  /** A raw connection: what it receives until the server closes it, and when. */
  function raw(port: number, send?: string): { socket: Socket; received: Promise<{ text: string; closedAfterMs: number }> } {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    socket.on('error', () => {});
    if (send !== undefined) socket.write(send);
    return { socket, received: new Promise((resolve) => socket.on('close', () => resolve({ text, closedAfterMs: Date.now() - started }))) };
  }

  it('every response says nosniff and carries a Content-Security-Policy', async () => {
    const { server, url } = await start();
    try {
      for (const [path, method, status] of [
        ['/', 'GET', 200],
        ['/drift', 'GET', 200],
        ['/drift', 'HEAD', 200],
        ['/drift?service=none', 'GET', 404],
        ['/healthz', 'GET', 200],
        ['/readyz', 'GET', 200],
        ['/metrics', 'GET', 200],
        ['/openapi.json', 'GET', 200],
        ['/nope', 'GET', 404],
        ['/drift', 'POST', 405],
      ] as const) {
        const res = await fetch(`${url}${path}`, { method });
        expect(res.status, `${method} ${path}`).toBe(status);
        expect(res.headers.get('x-content-type-options'), `${method} ${path}`).toBe('nosniff');
        expect(res.headers.get('content-security-policy'), `${method} ${path}`).toContain("default-src 'none'");
        await res.arrayBuffer();
      }
    } finally {
      await stop(server);
    }
  });

  it("the dashboard's CSP allows its one style sheet by hash: no script, no 'unsafe-inline'", async () => {
    const { server, url } = await start();
    try {
      const res = await fetch(`${url}/`);
      const csp = res.headers.get('content-security-policy')!;
      const html = await res.text();
      const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
      expect(styles).toHaveLength(1);
      const hash = createHash('sha256').update(styles[0]!, 'utf8').digest('base64');
      expect(csp.split('; ')).toEqual([
        "default-src 'none'",
        `style-src 'sha256-${hash}'`,
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
      ]);
      expect(csp).not.toContain('unsafe');
      expect(html).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i);
    } finally {
      await stop(server);
    }
  });

  it('is configured with header and request timeouts and a connection cap', async () => {
    const { server } = await start();
    try {
      expect(server.headersTimeout).toBe(SERVER_LIMITS.headersTimeoutMs);
      expect(server.requestTimeout).toBe(SERVER_LIMITS.requestTimeoutMs);
      expect(server.maxConnections).toBe(SERVER_LIMITS.maxConnections);
      expect(server.timeout).toBe(SERVER_LIMITS.idleTimeoutMs);
      expect(SERVER_LIMITS.headersTimeoutMs).toBeLessThan(60_000); // below Node's defaults
      expect(SERVER_LIMITS.requestTimeoutMs).toBeLessThan(300_000);
    } finally {
      await stop(server);
    }
  });

  it('a client that never finishes its headers gets 408 (with nosniff) and is disconnected', async () => {
    const { server, port } = await start({ headersTimeoutMs: 300, requestTimeoutMs: 600, checkIntervalMs: 50 });
    try {
      const slow = raw(port, 'GET /drift HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      const { text, closedAfterMs } = await slow.received;
      expect(text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      expect(text).toContain('X-Content-Type-Options: nosniff');
      expect(closedAfterMs).toBeGreaterThanOrEqual(250);
      expect(closedAfterMs).toBeLessThan(3_000);
    } finally {
      await stop(server);
    }
  });

  it('a malformed request gets 400 with nosniff', async () => {
    const { server, port } = await start();
    try {
      const { text } = await raw(port, 'NOT HTTP AT ALL\r\n\r\n').received;
      expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(text).toContain('X-Content-Type-Options: nosniff');
    } finally {
      await stop(server);
    }
  });

  it('connections beyond the cap are closed at once; the ones within it are served', async () => {
    const { server, port, url } = await start({ maxConnections: 2 });
    try {
      const held = [raw(port), raw(port)];
      await new Promise((r) => setTimeout(r, 100));
      const third = raw(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      const { text, closedAfterMs } = await third.received;
      expect(text).toBe('');
      expect(closedAfterMs).toBeLessThan(1_000);
      for (const h of held) h.socket.destroy();
      await Promise.all(held.map((h) => h.received));
      await new Promise((r) => setTimeout(r, 50));
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      await stop(server);
    }
  });

  it('no body carries a value resolved from a SecureString parameter', async () => {
    const secret = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/secret-lb/0123456789abcdef/fedcba9876543210';
    secretValues.add(secret);
    const leaky: DriftResponse = {
      ...drift,
      error: { code: 'ObserveFailed', message: `ListenerNotFound: One or more listeners not found: '${secret}'`, fieldErrors: [] },
      actions: [{ ...drift.actions[0]!, error: `Listener '${secret}' not found` }],
    };
    const server = createControllerServer({ ...view, drift: () => leaky, metrics: async () => ({ contentType: 'text/plain', body: `x{listener="${secret}"} 1\n` }) });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const path of ['/', '/drift', '/metrics']) {
        const body = await (await fetch(`${url}${path}`)).text();
        expect(body, path).not.toContain(secret);
        expect(body, path).not.toContain('secret-lb');
        expect(body, path).toContain('(secret)');
      }
    } finally {
      await stop(server);
    }
  });
});

