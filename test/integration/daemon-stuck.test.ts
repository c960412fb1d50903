import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startDaemon, waitFor, type RunningDaemon } from '../support/daemon.ts';
import { fullExampleDoc, writeDoc } from '../support/harness.ts';

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
