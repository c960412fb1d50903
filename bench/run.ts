/**
 * `make bench`: figures, not assertions.
 *  1. AWS calls per pass for the example's five services against moto: cold (from empty)
 *     and steady state (nothing to do), by service and operation, with wall time.
 *  2. Planner cost for large RouteSets (pure: no AWS), time and heap.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDesiredState } from '../src/desired/resolve.ts';
import { validateObject } from '../src/desired/validate.ts';
import { silentLogger } from '../src/log.ts';
import { plan } from '../src/plan/planner.ts';
import { DEFAULT_GUARDS } from '../src/reconcile/guards.ts';
import { runPass } from '../src/reconcile/pass.ts';
import { wireDependencies } from '../src/run/wire.ts';
import { bootstrapSharedPlatform } from '../test/support/bootstrap.ts';
import { motoEnv, startMoto } from '../test/support/moto.ts';
import { convergedObserved } from '../test/unit/builders.ts';

async function awsCallsPerPass(title: string, sourceUri: string): Promise<void> {
  const moto = await startMoto();
  try {
    Object.assign(process.env, motoEnv(moto.endpoint));
    await bootstrapSharedPlatform();
    const deps = wireDependencies(silentLogger());
    const opts = { sourceUri, guards: DEFAULT_GUARDS };
    console.log(`\nAWS calls per pass, ${title}, moto 5.2.5`);
    for (const [label, mode] of [
      ['cold (from empty, --reconcile-once)', 'reconcile'],
      ['steady state (--reconcile-once, nothing to do)', 'reconcile'],
      ['steady state (--dry-run)', 'dry-run'],
    ] as const) {
      const r = await runPass({ ...opts, mode }, deps);
      const c = r.stats.awsCalls;
      const apigwShare = ((c.byService.APIGateway ?? 0) / Math.max(c.total, 1)) * 100;
      console.log(`\n  ${label}: outcome ${r.outcome}, ${c.total} calls (${c.mutating} mutating), ${r.stats.durationMs} ms`);
      console.log(`    by service: ${Object.entries(c.byService).map(([k, v]) => `${k} ${v}`).join(', ')}; API Gateway share ${apigwShare.toFixed(0)}%`);
      console.log(`    by operation: ${Object.entries(c.byOperation).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    }
  } finally {
    await moto.stop();
  }
}

function plannerCost(): void {
  console.log('\nPlanner (pure), converged account: plan() time and heap growth');
  for (const n of [100, 1000, 5000]) {
    const doc = validateObject(
      {
        apiVersion: 'routeyard/v1',
        kind: 'RouteSet',
        metadata: { name: 'bench' },
        spec: {
          shared: { listenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/x/1/2', vpcLinkId: 'vl-1', vpcId: 'vpc-1' },
          services: Array.from({ length: n }, (_, i) => ({
            name: `svc-${i}`,
            headerValue: `svc-${i}`,
            priority: i + 1,
            targetGroup: { port: 8000, protocol: 'HTTP', targetType: 'ip', healthCheck: { path: '/healthz' } },
            api: { routes: ['$default', 'GET /items'], stage: { throttling: { rateLimit: 100, burstLimit: 50 } } },
          })),
        },
      },
      { ruleQuota: n },
    );
    const desired = buildDesiredState(doc, { listenerArn: doc.spec.shared.listenerArn, vpcLinkId: 'vl-1', vpcId: 'vpc-1' }, n);
    const observed = convergedObserved(desired, {});
    plan(desired, observed); // warm-up
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let peak = heapBefore;
    const runs = n >= 5000 ? 3 : 10;
    const t0 = performance.now();
    let actions = 0;
    for (let i = 0; i < runs; i++) {
      actions += plan(desired, observed).actions.length;
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    const ms = (performance.now() - t0) / runs;
    globalThis.gc?.();
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
    const peakMb = (peak - heapBefore) / 1024 / 1024;
    const rssMb = process.memoryUsage().rss / 1024 / 1024;
    console.log(
      `  ${String(n).padStart(5)} services: ${ms.toFixed(1)} ms per plan, ${actions} actions, heap peak +${peakMb.toFixed(1)} MiB, retained ${heapMb >= 0 ? '+' : ''}${heapMb.toFixed(1)} MiB${globalThis.gc ? '' : ' (run with --expose-gc for clean figures)'}, process RSS ${rssMb.toFixed(0)} MiB`,
    );
  }
}

// The example's names (custom domains, private DNS) are measured by bench/domains.ts, with
// API Gateway's pacing; here the rules, target groups and HTTP APIs alone.
type ExampleDoc = { spec: { services: { api?: unknown; domain?: unknown; privateDns?: unknown }[] } };
const dir = mkdtempSync(join(tmpdir(), 'routeyard-bench-'));
const withApis = JSON.parse(readFileSync('desired-state.example.json', 'utf8')) as ExampleDoc;
for (const s of withApis.spec.services) {
  delete s.domain;
  delete s.privateDns;
}
const albOnly = structuredClone(withApis);
for (const s of albOnly.spec.services) delete s.api;
writeFileSync(join(dir, 'alb-only.json'), JSON.stringify(albOnly));
writeFileSync(join(dir, 'with-apis.json'), JSON.stringify(withApis));
await awsCallsPerPass('example RouteSet without api blocks (5 services: rule + target group each)', `file:${join(dir, 'alb-only.json')}`);
await awsCallsPerPass('example RouteSet without names (5 services: rule, target group and HTTP API each)', `file:${join(dir, 'with-apis.json')}`);
plannerCost();
