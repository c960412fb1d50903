import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftResponse } from '../model/report-contract.ts';
import { createControllerServer } from './http-server.ts';

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
