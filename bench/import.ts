/**
 * `make bench-import` (also run by `make bench`): `routeyard --import` of the article's pattern
 * for 50 services built in moto as their stacks would (untagged; every second one with a custom
 * domain, its certificate, mapping and alias records; every fifth with a private name; five
 * with CloudFormation's tags). Prints the AWS calls and the seconds the import takes, at the
 * default pace (API Gateway 10 requests per second, Route 53 5: what an account allows) and
 * unpaced (the emulator's own speed); then the calls of a dry run of the imported document,
 * of the pass that adopts it (its stacks released) and of the pass after.
 * Figures, not assertions.
 */
import type { CallStats } from '../src/aws/call-counter.ts';
import { createAwsClients, type AwsClients } from '../src/aws/clients.ts';
import { silentLogger } from '../src/log.ts';
import type { Report } from '../src/plan/report.ts';
import { runCli } from '../src/run/cli.ts';
import { wire } from '../src/run/wire.ts';
import { buildArticlePattern, type ArticleService } from '../test/support/article-pattern.ts';
import { bootstrapSharedPlatform } from '../test/support/bootstrap.ts';
import { writeDoc } from '../test/support/harness.ts';
import { motoEnv, startMoto } from '../test/support/moto.ts';

const N = Number(process.env.ROUTEYARD_BENCH_SERVICES ?? 50);

async function cli(args: string[]) {
  let clients: AwsClients | undefined;
  let stdout = '';
  let stderr = '';
  const started = performance.now();
  const res = await runCli(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: { ROUTEYARD_LOG_LEVEL: 'silent' } }, (_log, settings) => wire(silentLogger(), settings, (clients = createAwsClients(settings))));
  return { ...res, stdout, stderr, seconds: (performance.now() - started) / 1000, calls: clients!.counter.snapshot() };
}

function printCalls(calls: CallStats): void {
  console.log(`    by service: ${Object.entries(calls.byService).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`    by operation: ${Object.entries(calls.byOperation).map(([k, v]) => `${k} ${v}`).join(', ')}`);
}

const moto = await startMoto();
try {
  Object.assign(process.env, motoEnv(moto.endpoint));
  const platform = await bootstrapSharedPlatform();
  const services: ArticleService[] = Array.from({ length: N }, (_, i) => ({
    name: `svc-${String(i).padStart(3, '0')}`,
    priority: i + 1,
    ...(i % 2 === 0 ? { domain: { name: `svc-${i}.api.acmecorp.com`, ...(i % 4 === 0 ? { ipAddressType: 'dualstack' as const } : {}) } } : {}),
    ...(i % 5 === 0 ? { privateName: `svc-${String(i).padStart(3, '0')}` } : {}),
    ...(i % 10 === 3 ? { stack: `PrivateSvc${i}Stack` } : {}),
  }));
  const t0 = performance.now();
  await buildArticlePattern(platform, services, { concurrency: 8 });
  console.log(`\nImport: the article's pattern for ${N} services in moto (${services.filter((s) => s.domain).length} custom domains, ${services.filter((s) => s.privateName).length} private names, ${services.filter((s) => s.stack).length} in CloudFormation stacks); built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const base = ['--import', '--listener', platform.listenerArn, '--private-zone', 'internal.acmecorp.com'];
  let doc = '';
  for (const [label, extra] of [
    ['default pace (API Gateway 10/s, Route 53 5/s, ACM 10/s)', []],
    ['unpaced (--apigw-rps 1000 --route53-rps 1000)', ['--apigw-rps', '1000', '--route53-rps', '1000']],
  ] as const) {
    const r = await cli([...base, ...extra]);
    doc = r.stdout;
    console.log(`\n  routeyard --import, ${label}: exit ${r.exitCode}, ${r.imported?.services.length ?? 0} services described, ${r.imported?.leftOut.length ?? 0} left out, ${r.imported?.stacks.length ?? 0} stacks named`);
    console.log(`    ${r.calls.total} calls (${r.calls.mutating} mutating), ${r.seconds.toFixed(2)} s; document ${(Buffer.byteLength(r.stdout) / 1024).toFixed(1)} KiB`);
    printCalls(r.calls);
  }
  const dry = await cli(['--dry-run', '--source', `file:${writeDoc(doc)}`, '--output', 'json', '--apigw-rps', '1000', '--route53-rps', '1000']);
  const report = JSON.parse(dry.stdout) as Report;
  console.log(`\n  routeyard --dry-run of the imported document (unpaced): outcome ${report.outcome}, ${report.actions.length} planned actions, ${dry.calls.total} calls (${dry.calls.mutating} mutating), ${dry.seconds.toFixed(2)} s`);
  const byStatus: Record<string, number> = {};
  for (const s of report.services) byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
  console.log(`    services by status: ${Object.entries(byStatus).map(([k, v]) => `${k} ${v}`).join(', ')}`);

  // Adoption: the stacks released (as the migration guide's step 4 leaves them), one pass at
  // the default pace, then the pass after it.
  const released = JSON.parse(doc) as { spec: { adopt?: unknown } };
  released.spec.adopt = { fromStacks: services.flatMap((x) => (x.stack ? [x.stack] : [])) };
  const source = `file:${writeDoc(JSON.stringify(released))}`;
  for (const label of ['adoption pass', 'the pass after']) {
    const r = await cli(['--reconcile-once', '--source', source, '--output', 'json']);
    const rep = JSON.parse(r.stdout) as Report;
    const createsOrDeletes = Object.entries(r.calls.byOperation).filter(([op]) => /\.(Create|Delete)/.test(op));
    const statuses: Record<string, number> = {};
    for (const x of rep.services) statuses[x.status] = (statuses[x.status] ?? 0) + 1;
    console.log(`\n  routeyard --reconcile-once, ${label} (default pace): outcome ${rep.outcome}, ${rep.summary.applied} actions applied, ${rep.summary.failed} failed; ${r.calls.total} calls (${r.calls.mutating} mutating), ${r.seconds.toFixed(2)} s; Create/Delete calls: ${createsOrDeletes.length === 0 ? 'none' : createsOrDeletes.map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log(`    services by status: ${Object.entries(statuses).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    printCalls(r.calls);
  }
} finally {
  await moto.stop();
}
