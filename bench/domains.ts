/**
 * `make bench-domains` (also run by `make bench`): the example with its four custom domains
 * and one private name, against moto, with API Gateway's real pacing (one CreateDomainName
 * per 30 s, the default --domain-pace). Prints the time a cold convergence takes with
 * `--reconcile-once --wait`, its passes, and the AWS calls of the steady-state pass after it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { bootstrapSharedPlatform } from '../test/support/bootstrap.ts';
import { repoRoot } from '../test/support/harness.ts';
import { motoEnv, startMoto } from '../test/support/moto.ts';

const moto = await startMoto();
try {
  Object.assign(process.env, motoEnv(moto.endpoint));
  await bootstrapSharedPlatform();
  const run = (args: string[]) =>
    spawnSync(process.execPath, [join(repoRoot, 'bin', 'routeyard.js'), '--source', 'file:desired-state.example.json', ...args], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, ROUTEYARD_LOG_LEVEL: 'error' },
    });
  console.log(`\nCustom domains (example: 4 domains, 1 private name), moto, default --domain-pace 30s`);
  const started = Date.now();
  // Streamed, so the progress of a two-minute run shows as it goes.
  const cold = spawn(process.execPath, [join(repoRoot, 'bin', 'routeyard.js'), '--source', 'file:desired-state.example.json', '--reconcile-once', '--wait', '10m'], {
    cwd: repoRoot,
    env: { ...process.env, ROUTEYARD_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let passes = 0;
  cold.stderr.on('data', (d: Buffer) => {
    for (const line of String(d).split('\n')) {
      if (!line.startsWith('routeyard: pass')) continue;
      passes++;
      console.log(`    ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s  ${line.slice('routeyard: '.length, 110)}`);
    }
  });
  const code = await new Promise<number | null>((resolve) => cold.on('exit', (c) => resolve(c)));
  console.log(`  cold convergence with --reconcile-once --wait: ${((Date.now() - started) / 1000).toFixed(0)} s, ${passes} passes, exit ${code}`);
  const steady = JSON.parse(run(['--reconcile-once', '--output', 'json']).stdout) as { outcome: string; stats: { awsCalls: { total: number; mutating: number; byService: Record<string, number>; byOperation: Record<string, number> } } };
  const c = steady.stats.awsCalls;
  console.log(`  steady state: outcome ${steady.outcome}, ${c.total} calls (${c.mutating} mutating): ${Object.entries(c.byService).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`    by operation: ${Object.entries(c.byOperation).map(([k, v]) => `${k} ${v}`).join(', ')}`);
} finally {
  await moto.stop();
}
