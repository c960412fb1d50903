/**
 * `make bench-daemon` (also run by `make bench`): the controller as a separate process
 * against moto, for 5 and 100 services (rule, target group and HTTP API each). Prints, not
 * asserts:
 *  - resident memory after several steady passes;
 *  - CPU time per steady pass (process_cpu_seconds_total over routeyard_reconcile_passes_total);
 *  - seconds from a document change (a file source, polled every 5 s by default) to the
 *    pass that converged it.
 * API Gateway pacing is raised to 100 rps here (moto has no account-wide limit), so the
 * figures are routeyard's own cost, not the pacing wait.
 */
import { writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, sumCounter, waitFor } from '../test/support/daemon.ts';
import { bootstrapSharedPlatform } from '../test/support/bootstrap.ts';
import { motoEnv, resetMoto, startMoto } from '../test/support/moto.ts';
import { exampleDoc } from '../test/support/harness.ts';

function documentWith(n: number) {
  const doc = exampleDoc();
  const template = doc.spec.services[0];
  doc.spec.services = Array.from({ length: n }, (_, i) => {
    const s = structuredClone(template);
    delete s.domain; // one domain per service would wait 30 s each for API Gateway's pacing
    delete s.privateDns;
    s.name = `svc-${String(i).padStart(3, '0')}`;
    s.headerValue = s.name;
    s.priority = i + 1;
    s.api.stage.accessLog.destinationArn = `arn:aws:logs:eu-west-1:123456789012:log-group:/acmecorp/apigw/${s.name}`;
    return s;
  });
  return doc;
}

const moto = await startMoto();
Object.assign(process.env, motoEnv(moto.endpoint));
const dir = mkdtempSync(join(tmpdir(), 'routeyard-bench-'));
console.log('\nThe controller (daemon) against moto: memory, CPU per pass, document change to converged');
try {
  for (const n of [5, 100]) {
    await resetMoto(moto.endpoint);
    await bootstrapSharedPlatform();
    const path = join(dir, `doc-${n}.json`);
    const doc = documentWith(n);
    writeFileSync(path, JSON.stringify(doc));
    const d = await startDaemon(['--source', `file:${path}`, '--interval', '5s', '--apigw-rps', '100'], { ROUTEYARD_LOG_LEVEL: 'warn' });
    try {
      await waitFor('convergence', 300, async () => ((await d.drift())?.outcome === 'InSync' ? true : undefined), 500);
      const m0 = await d.metrics();
      const cpu0 = sumCounter(m0, 'process_cpu_seconds_total');
      const passes0 = sumCounter(m0, 'routeyard_reconcile_passes_total');
      const t0 = Date.now();
      await waitFor('steady passes', 600, async () => (sumCounter(await d.metrics(), 'routeyard_reconcile_passes_total') >= passes0 + 5 ? true : undefined), 500);
      const m1 = await d.metrics();
      const passes = sumCounter(m1, 'routeyard_reconcile_passes_total') - passes0;
      const cpuPerPass = (sumCounter(m1, 'process_cpu_seconds_total') - cpu0) / passes;
      const rss = sumCounter(m1, 'process_resident_memory_bytes') / 2 ** 20;
      const drift = (await d.drift())!;
      const steadyCalls = drift.stats.awsCalls.total;

      // A document change: one service moves to another priority.
      doc.spec.services[0].priority = 4000;
      writeFileSync(path, JSON.stringify(doc));
      const changed = Date.now();
      const converged = await waitFor('the change', 120, async () => {
        const r = await d.drift();
        return r?.recentPasses?.find((p) => Date.parse(p.at) > changed && p.actionsApplied > 0) ? Date.now() : undefined;
      }, 100);
      console.log(
        `  ${String(n).padStart(3)} services: RSS ${rss.toFixed(0)} MiB; CPU ${(cpuPerPass * 1000).toFixed(0)} ms per steady pass (${passes} passes in ${((Date.now() - t0) / 1000).toFixed(0)} s, ${steadyCalls} AWS calls each); document change to converged ${((converged - changed) / 1000).toFixed(1)} s (source polled every 5 s)`,
      );
    } finally {
      await d.stop('SIGTERM');
    }
  }
} finally {
  await moto.stop();
}
