/**
 * `node bench/event-repair.ts`: seconds from an EventBridge-shaped CloudTrail event on the SQS
 * queue to the repaired integration, measured as a new user would run the controller: the
 * daemon as the container starts it (bin/routeyard.js), against moto, `--interval 5s`, the
 * default API Gateway pace (10 requests per second) and verify budget (0.2), and
 * `--events-queue`. Each service has a rule, a target group and an HTTP API (no custom
 * domains: one per service would wait 30 s each for API Gateway's pacing).
 *
 * For each size: a cold convergence, 15 s of steady state (scheduled passes reading in the
 * background), then one minute of steady state counted (API Gateway calls per minute, the
 * listings included, against the account's 600), then REPEATS out-of-band changes (an
 * integration switched from overwrite: to append:) each announced by its event at a random
 * point of the pass cycle, timed from the message being put on the queue to the integration
 * read back repaired from moto (polled every 25 ms).
 *
 * Usage: node bench/event-repair.ts [SERVICES...]   (default 30 90). Above 95 services the
 * document lists one load balancer per 90 services (spec.shared.loadBalancers), the first
 * the platform's, the others made in moto. BENCH_LOGS=1 keeps the controller's info logs in
 * bench/output/; BENCH_VERIFY_WITHIN sets --verify-within (default 10m).
 */
import { ApiGatewayV2Client, GetApisCommand, type Api } from '@aws-sdk/client-apigatewayv2';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addLoadBalancer, bootstrapSharedPlatform, type SharedPlatform } from '../test/support/bootstrap.ts';
import { startDaemon, sumCounter, waitFor } from '../test/support/daemon.ts';
import { breakIntegrationAndTimeRepair } from '../test/support/events.ts';
import { exampleDoc } from '../test/support/harness.ts';
import { motoEnv, resetMoto, startMoto } from '../test/support/moto.ts';

const HEADER = 'X-Target-Service';
const REPEATS = Number(process.env.BENCH_REPEATS ?? 8);
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
/** --verify-within: the default (10m), or BENCH_VERIFY_WITHIN (60s makes the verify budget the binding limit). */
const VERIFY_WITHIN = process.env.BENCH_VERIFY_WITHIN ?? '10m';

/** Services per load balancer when there are several (an ALB takes 100 target groups). */
const PER_ALB = 90;

async function documentWith(n: number, platform: SharedPlatform) {
  const doc = exampleDoc();
  const template = doc.spec.services[0];
  delete template.api.stage.accessLog;
  doc.spec.services = Array.from({ length: n }, (_, i) => {
    const name = `svc-${String(i).padStart(3, '0')}`;
    return { ...structuredClone(template), name, headerValue: name, priority: i + 1 };
  });
  if (n > 95) {
    const shared = doc.spec.shared;
    const shards = [{ name: 'alb-1', listenerArn: shared.listenerArn, albDnsName: shared.albDnsName, albHostedZoneId: shared.albHostedZoneId }];
    for (let k = 2; k <= Math.ceil(n / PER_ALB); k++) {
      const lb = await addLoadBalancer(platform, `shared-qa-services-alb-${k}`);
      shards.push({ name: `alb-${k}`, listenerArn: lb.listenerArn, albDnsName: lb.albDnsName, albHostedZoneId: lb.albHostedZoneId });
    }
    delete shared.listenerArn;
    delete shared.albDnsName;
    delete shared.albHostedZoneId;
    shared.loadBalancers = shards;
  }
  return doc;
}

const moto = await startMoto();
Object.assign(process.env, motoEnv(moto.endpoint));
const apigw = new ApiGatewayV2Client({});
const sqs = new SQSClient({});
const dir = mkdtempSync(join(tmpdir(), 'routeyard-bench-'));

async function apisByService(): Promise<Map<string, Api>> {
  const out = new Map<string, Api>();
  let token: string | undefined;
  do {
    const page = await apigw.send(new GetApisCommand({ NextToken: token, MaxResults: '500' }));
    for (const a of page.Items ?? []) if (a.Tags?.['routeyard:service']) out.set(a.Tags['routeyard:service'], a);
    token = page.NextToken;
  } while (token);
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`\nEvent to repair against moto (--interval 5s --verify-within ${VERIFY_WITHIN}, default pace and budget, ${REPEATS} events per size)`);
try {
  for (const n of sizes.length > 0 ? sizes : [30, 90]) {
    await resetMoto(moto.endpoint);
    const platform = await bootstrapSharedPlatform();
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `routeyard-hints-${n}` }))).QueueUrl!;
    const path = join(dir, `doc-${n}.json`);
    writeFileSync(path, JSON.stringify(await documentWith(n, platform)));
    const started = Date.now();
    const d = await startDaemon(['--source', `file:${path}`, '--interval', '5s', '--verify-within', VERIFY_WITHIN, '--events-queue', queueUrl], { ROUTEYARD_LOG_LEVEL: process.env.BENCH_LOGS ? 'info' : 'warn' });
    try {
      await waitFor('convergence', 900, async () => ((await d.drift())?.outcome === 'InSync' ? true : undefined), 500);
      const coldS = (Date.now() - started) / 1000;
      await new Promise((r) => setTimeout(r, 15_000));
      const apigwCalls = (m: string, keep: (op: string) => boolean = () => true) =>
        sumCounter(m, 'routeyard_aws_api_calls_total', (l) => l.service === 'APIGateway' && keep(l.operation ?? ''));
      const m0 = await d.metrics();
      const t0 = Date.now();
      await new Promise((r) => setTimeout(r, 60_000));
      const m1 = await d.metrics();
      const perMinute = ((apigwCalls(m1) - apigwCalls(m0)) / (Date.now() - t0)) * 60_000;
      const deep = (op: string) => /^Get(Integrations|Routes|Stages)$/.test(op);
      const deepPerMinute = ((apigwCalls(m1, deep) - apigwCalls(m0, deep)) / (Date.now() - t0)) * 60_000;

      const apis = await apisByService();
      const times: number[] = [];
      for (let k = 0; k < REPEATS; k++) {
        // A random point of the pass cycle.
        await new Promise((r) => setTimeout(r, 3_000 + Math.random() * 5_000));
        const service = `svc-${String(Math.floor(Math.random() * n)).padStart(3, '0')}`;
        const apiId = apis.get(service)!.ApiId!;
        const after = await breakIntegrationAndTimeRepair({ apigw, sqs }, queueUrl, { apiId, service, header: HEADER }, { seconds: 60, everyMs: 25 });
        times.push(after / 1000);
      }
      console.log(
        `  ${String(n).padStart(4)} services: event to repair ${times.map((t) => t.toFixed(2)).join(' ')} s (median ${median(times).toFixed(2)}, max ${Math.max(...times).toFixed(2)}); ` +
          `API Gateway ${perMinute.toFixed(0)} calls/min in steady state (${((perMinute / 600) * 100).toFixed(1)}% of the account's 600; deep reads ${deepPerMinute.toFixed(0)}); cold convergence ${coldS.toFixed(0)} s`,
      );
    } finally {
      await d.stop('SIGTERM');
      if (process.env.BENCH_LOGS) {
        mkdirSync('bench/output', { recursive: true });
        writeFileSync(`bench/output/event-repair-${n}.log`, d.logs());
      }
    }
  }
} finally {
  await moto.stop();
}
