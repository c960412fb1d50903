import { createServer, type Server, type Socket } from 'node:net';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDaemon, waitFor, type RunningDaemon } from '../support/daemon.ts';
import { fullExampleDoc, repoRoot, writeDoc } from '../support/harness.ts';

/**
 * Issue 14, bounded time: against an AWS endpoint that accepts connections and never
 * answers, every pass is abandoned at its deadline, and the controller says it is stuck on
 * /healthz (503), so ECS replaces the task instead of keeping a copy that does nothing.
 */
let silent: Server | undefined;
const sockets: Socket[] = [];
let daemon: RunningDaemon | undefined;

afterEach(async () => {
  await daemon?.stop('SIGKILL');
  daemon = undefined;
  for (const s of sockets) s.destroy();
  await new Promise((r) => (silent ? silent.close(r) : r(undefined)));
});

async function blackHole(): Promise<string> {
  silent = createServer((socket) => void sockets.push(socket)); // accepts, reads, never answers
  await new Promise<void>((r) => silent!.listen(0, '127.0.0.1', r));
  const address = silent.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

describe('a controller whose AWS calls hang', () => {
  it('abandons each pass at --pass-timeout and turns /healthz unhealthy', async () => {
    const endpoint = await blackHole();
    const started = Date.now();
    daemon = await startDaemon(['--source', `file:${writeDoc(fullExampleDoc())}`, '--interval', '1s', '--pass-timeout', '2s', '--request-timeout', '5s'], {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
    });
    const first = await fetch(`${daemon.url}healthz`);
    expect(first.status).toBe(200);
    const unhealthy = await waitFor('/healthz to turn 503', 30, async () => {
      const res = await fetch(`${daemon!.url}healthz`);
      return res.status === 503 ? ((await res.json()) as { error: { code: string; message: string } }).error : undefined;
    });
    console.log(`/healthz turned 503 ${((Date.now() - started) / 1000).toFixed(1)} s after start: ${unhealthy.message}`);
    expect(unhealthy.code).toBe('Stuck');
    const drift = await daemon.drift();
    expect(drift?.error?.code).toBe('PassTimedOut');
    expect(daemon.logs()).toContain('pass abandoned at its deadline');
  });
});

const hungEnv = (endpoint: string) => ({ AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });

describe('signals that say what is wrong', () => {
  it('AWS not answering the SSM references is not a broken document: /readyz says Stuck, not SourceBroken, once no pass reads the live state', async () => {
    const endpoint = await blackHole();
    daemon = await startDaemon(['--source', `file:${writeDoc(fullExampleDoc())}`, '--interval', '1s', '--pass-timeout', '3s', '--request-timeout', '500ms'], hungEnv(endpoint));
    const ready = await waitFor('/readyz to name the cause', 30, async () => {
      const res = await fetch(`${daemon!.url}readyz`);
      const body = (await res.json()) as { error?: { code: string } };
      return res.status === 503 && body.error?.code === 'Stuck' ? body.error : undefined;
    });
    expect(ready.code).toBe('Stuck');
    expect(daemon.logs()).not.toContain('the desired-state source is broken');
  });

  it('a source that does not exist is the document\'s problem: /readyz 503 SourceBroken, /healthz stays 200 (a restart would not fix it)', async () => {
    daemon = await startDaemon(['--source', `file:${join(repoRoot, 'no-such-document.json')}`, '--interval', '1s', '--pass-timeout', '2s']);
    await waitFor('/readyz 503 SourceBroken', 20, async () => {
      const res = await fetch(`${daemon!.url}readyz`);
      return res.status === 503 && ((await res.json()) as { error?: { code: string } }).error?.code === 'SourceBroken' ? true : undefined;
    });
    // Well past the liveness bound (1.2 s + 2 s + 2 s).
    await new Promise((r) => setTimeout(r, 8_000));
    expect((await fetch(`${daemon.url}healthz`)).status).toBe(200);
  });
});

describe('--reconcile-once --lease-table against a lease table that never answers', () => {
  it('ends within --lease-wait plus one --request-timeout with exit 1 (LeaseFailed), not 5 (another leader)', async () => {
    const endpoint = await blackHole();
    const started = Date.now();
    const run = spawnSync(
      process.execPath,
      [join(repoRoot, 'bin', 'routeyard.js'), '--reconcile-once', '--source', `file:${writeDoc(fullExampleDoc())}`, '--lease-table', 't', '--lease-wait', '2s', '--request-timeout', '1s', '--output', 'json'],
      { cwd: repoRoot, env: { ...process.env, ...hungEnv(endpoint), ROUTEYARD_LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 },
    );
    console.log(`--reconcile-once with a silent lease table ended after ${((Date.now() - started) / 1000).toFixed(1)} s, exit ${run.status}`);
    expect(run.status).toBe(1);
    const error = JSON.parse(run.stdout).error;
    expect(error.code).toBe('LeaseFailed');
    expect(error.message).toMatch(/no answer from t within 3s \(--lease-wait plus one --request-timeout\)/);
  });
});
