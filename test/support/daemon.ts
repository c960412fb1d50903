import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { DriftResponse } from '../../src/model/report-contract.ts';
import { repoRoot } from './harness.ts';
import { freePort } from './moto.ts';

/**
 * The real controller as a separate process (bin/routeyard.js with no mode flag), pointed
 * at the emulator through the environment the harness set. Its logs are kept for the
 * failure message.
 */
export interface RunningDaemon {
  url: string;
  proc: ChildProcess;
  logs: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  drift: () => Promise<DriftResponse | undefined>;
  metrics: () => Promise<string>;
  stop: (signal?: NodeJS.Signals) => Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

export async function startDaemon(args: string[], env: Record<string, string> = {}): Promise<RunningDaemon> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  let output = '';
  const proc = spawn(process.execPath, [join(repoRoot, 'bin', 'routeyard.js'), '--port', String(port), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ROUTEYARD_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-200_000)));
  proc.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-200_000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const daemon: RunningDaemon = {
    url,
    proc,
    logs: () => output,
    exited,
    drift: async () => {
      try {
        const res = await fetch(`${url}drift`);
        return res.ok ? ((await res.json()) as DriftResponse) : undefined;
      } catch {
        return undefined;
      }
    },
    metrics: async () => (await fetch(`${url}metrics`)).text(),
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
  await waitFor('the controller to listen', 30, async () => {
    if (proc.exitCode !== null) throw new Error(`routeyard exited early (${proc.exitCode}):\n${output}`);
    try {
      return (await fetch(`${url}healthz`)).ok ? true : undefined;
    } catch {
      return undefined;
    }
  });
  return daemon;
}

export async function waitFor<T>(what: string, seconds: number, probe: () => Promise<T | undefined>, everyMs = 200): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Sum of a Prometheus counter's samples whose labels pass `keep`. */
export function sumCounter(metricsText: string, name: string, keep: (labels: Record<string, string>) => boolean = () => true): number {
  let sum = 0;
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^[^{ ]+(?:\{([^}]*)\})? ([^ ]+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const pair of (m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[pair[1]!] = pair[2]!;
    if (keep(labels)) sum += Number(m[2]);
  }
  return sum;
}

/** Calls that change AWS resources (DynamoDB lease writes and the event queue's receive and delete excluded). */
export function resourceWrites(metricsText: string): number {
  return sumCounter(metricsText, 'routeyard_aws_api_calls_total', (l) => l.service !== 'DynamoDB' && l.service !== 'SQS' && !/^(Describe|Get|List|Head)/.test(l.operation ?? ''));
}
