import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.ts';
import { silentLogger } from '../../src/log.ts';
import type { Report } from '../../src/plan/report.ts';
import { runCli } from '../../src/run/cli.ts';
import { wire } from '../../src/run/wire.ts';
import { bootstrapSharedPlatform, type SharedPlatform } from './bootstrap.ts';
import { motoEnv, resetMoto } from './moto.ts';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Point this test file's SDK clients at the shared emulator, wipe it, bootstrap the platform. */
export async function freshEmulator(): Promise<SharedPlatform> {
  const endpoint = inject('motoEndpoint');
  Object.assign(process.env, motoEnv(endpoint));
  await resetMoto(endpoint);
  return bootstrapSharedPlatform();
}

export function motoEndpoint(): string {
  return inject('motoEndpoint');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = Record<string, any>;

/** desired-state.example.json as it is: rules, target groups, HTTP APIs, custom domains and DNS. */
export function fullExampleDoc(): Doc {
  return JSON.parse(readFileSync(join(repoRoot, 'desired-state.example.json'), 'utf8')) as Doc;
}

/** The example without custom domains and private DNS: rules, target groups and HTTP APIs. */
export function exampleDoc(): Doc {
  const doc = fullExampleDoc();
  for (const s of doc.spec.services) {
    delete s.domain;
    delete s.privateDns;
  }
  return doc;
}

/** The example without API blocks (nor names): only the shared-ALB half (rules and target groups). */
export function albOnlyDoc(): Doc {
  const doc = exampleDoc();
  for (const s of doc.spec.services) delete s.api;
  return doc;
}

const tmp = mkdtempSync(join(tmpdir(), 'routeyard-test-'));
let counter = 0;

export function writeDoc(doc: Doc | string): string {
  const path = join(tmp, `doc-${++counter}.json`);
  writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
  return path;
}

export interface RunResult {
  exitCode: number;
  report: Report;
  stdout: string;
  stderr: string;
}

/**
 * Run the real CLI in-process with fresh clients pointed at the emulator. `source` is a
 * document (written to a temp file) or a source URI.
 */
export async function routeyard(args: string[], source?: Doc | string, clients?: AwsClients): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const sourceArgs = source === undefined ? [] : ['--source', typeof source === 'string' ? source : `file:${writeDoc(source)}`];
  const hasOutput = args.includes('--output');
  const result = await runCli(
    [...args, ...sourceArgs, ...(hasOutput ? [] : ['--output', 'json'])],
    { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: { ROUTEYARD_LOG_LEVEL: 'silent' } },
    (_log, settings) => wire(silentLogger(), settings, clients ?? createAwsClients(settings)),
  );
  return { exitCode: result.exitCode, report: result.report as Report, stdout, stderr };
}

export const reconcile = (doc: Doc | string, ...extra: string[]) => routeyard(['--reconcile-once', ...extra], doc);
export const dryRun = (doc: Doc | string, ...extra: string[]) => routeyard(['--dry-run', ...extra], doc);

export function service(report: Report, name: string) {
  const s = report.services.find((x) => x.name === name);
  if (!s) throw new Error(`no service ${name} in report: ${report.services.map((x) => x.name).join(', ')}`);
  return s;
}

export function allDiffs(report: Report, name: string) {
  return service(report, name).resources.flatMap((r) => r.diffs);
}
