/**
 * `make bench-scale`: the controller at 100, 500 and 1,000 services (issue 18, part 5).
 * Figures, not assertions. For each size, against a fresh moto with the services spread over
 * several load balancers (`spec.shared.loadBalancers`, one ALB and listener per 90 services),
 * the controller runs as the container starts it (`node` with the Dockerfile's ENTRYPOINT
 * flags, no mode flag, --events-queue) and this prints:
 *  - cold convergence: from the process start to the first pass that ends InSync, and the
 *    least it would take at AWS's API Gateway pace (its API Gateway calls / 10 per second);
 *  - resident memory after an hour-equivalent of steady passes (60 passes of --interval
 *    60s), the peak during that hour, every ten passes (growth shows), and what it is made of;
 *  - CPU per steady pass (user + system from /proc, the hour's scrapes included) and the
 *    garbage collector's share;
 *  - AWS calls per steady pass, and API Gateway calls per minute of steady state, listings
 *    included, by operation;
 *  - the size of /drift, the dashboard and /metrics, in steady state and after the first pass
 *    (every service still to create: the largest report);
 *  - seconds from an EventBridge-shaped event on the queue to the repaired integration.
 *
 * Time is compressed (`--compress K`, default 10): every duration the controller schedules by
 * is K times shorter and every pace K times higher (--interval 60s/K, --verify-within 10m/K,
 * --apigw-rps 10*K, --route53-rps 5*K, --source-poll 5s/K), so an hour of steady state takes
 * 60/K minutes, and the calls per real minute are the calls per compressed minute / K. The
 * scrapes follow the same clock: /healthz and /metrics every 15 s, /drift and the dashboard
 * once a minute. A compressed hour is the harder case for memory: the same allocations come K
 * times faster, V8's memory reducer (which waits for a quiet heap) hardly runs, and the
 * controller's own collection after passes is at most once per 10 s, so after every other
 * pass here (after every pass at 60 s).
 *
 * Where moto differs from AWS: it answers in about a millisecond (AWS in tens) but one call
 * at a time and over a new connection each (AWS keeps them alive): at 1,000 services a steady
 * pass takes moto about 6.5 s, longer than the compressed interval, so passes run back to
 * back, fewer than one per real minute (printed), and the calls per minute come out lower than
 * at AWS; the per-pass figures hold. It has no pace (the controller's own pacing is the only
 * one). Custom domains are left out: AWS allows one CreateDomainName per 30 s per account, so
 * 1,000 of them take over 8 hours (bench/domains.ts measures them); every service has a
 * private name.
 *
 * Options: --sizes 100,500,1000  --compress 10  --passes 60  --shards N (default: one per 90
 * services)  --node-flags=... (default: the Dockerfile's)  --bin PATH (another checkout's
 * bin/routeyard.js, for before and after)  --events 3  --rule-quota N.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiGatewayV2Client, GetApisCommand } from '@aws-sdk/client-apigatewayv2';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { validateObject } from '../src/desired/validate.ts';
import { addLoadBalancer, bootstrapSharedPlatform, type SharedPlatform } from '../test/support/bootstrap.ts';
import { sumCounter, waitFor } from '../test/support/daemon.ts';
import { breakIntegrationAndTimeRepair } from '../test/support/events.ts';
import { exampleDoc, repoRoot, type Doc } from '../test/support/harness.ts';
import { freePort, motoEnv, startMoto } from '../test/support/moto.ts';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,500,1000' },
    compress: { type: 'string', default: '10' },
    passes: { type: 'string', default: '60' },
    shards: { type: 'string' },
    'node-flags': { type: 'string' },
    bin: { type: 'string', default: join(repoRoot, 'bin', 'routeyard.js') },
    events: { type: 'string', default: '3' },
    'rule-quota': { type: 'string' },
  },
});
const K = Number(args.compress);
const STEADY_PASSES = Number(args.passes);
const HEADER = 'X-Target-Service';
/** The real-time settings the compressed ones stand for: the controller's defaults. */
const REAL = { intervalS: 60, verifyWithinS: 600, apigwRps: 10, route53Rps: 5, sourcePollS: 5, scrapeS: 15 };

/** The node flags the container runs the controller with (the Dockerfile's ENTRYPOINT). */
function dockerfileNodeFlags(): string[] {
  const line = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('ENTRYPOINT'));
  const argv = line ? (JSON.parse(line.slice('ENTRYPOINT'.length).trim()) as string[]) : [];
  return argv.slice(1).filter((a) => a.startsWith('--'));
}
const NODE_FLAGS = args['node-flags'] !== undefined ? args['node-flags'].split(' ').filter(Boolean) : dockerfileNodeFlags();

function seconds(s: number): string {
  return `${Math.max(s, 0.001).toFixed(3).replace(/\.?0+$/, '')}s`;
}

interface Shard {
  name: string;
  listenerArn: string;
  albDnsName: string;
  albHostedZoneId: string;
}

/** The first shard is the bootstrap's ALB; each further one its own internal ALB with an HTTP listener (default: fixed 404), as the CDK stack makes them. */
async function bootstrapShards(platform: SharedPlatform, count: number): Promise<Shard[]> {
  const shards: Shard[] = [{ name: 'alb-01', listenerArn: platform.listenerArn, albDnsName: platform.albDnsName, albHostedZoneId: platform.albHostedZoneId }];
  for (let i = 2; i <= count; i++) {
    const name = `alb-${String(i).padStart(2, '0')}`;
    const { listenerArn, albDnsName, albHostedZoneId } = await addLoadBalancer(platform, `shared-qa-services-${name}`);
    shards.push({ name, listenerArn, albDnsName, albHostedZoneId });
  }
  return shards;
}

/**
 * n services like the example's first (rule, target group, HTTP API with CORS, stage with
 * access logs), each with a private name; no custom domain (see the header). One shard: the
 * single-listener shorthand; several: spec.shared.loadBalancers, placement left to routeyard.
 */
function documentWith(n: number, shards: Shard[]): Doc {
  const doc = exampleDoc();
  const template = doc.spec.services[0];
  doc.spec.services = Array.from({ length: n }, (_, i) => {
    const s = structuredClone(template);
    s.name = `svc-${String(i).padStart(4, '0')}`;
    s.headerValue = s.name;
    s.priority = i + 1;
    s.privateDns = { name: `${s.name}.internal.acmecorp.com` };
    s.api.stage.accessLog.destinationArn = `arn:aws:logs:eu-west-1:123456789012:log-group:/acmecorp/apigw/${s.name}`;
    return s;
  });
  if (shards.length > 1) {
    delete doc.spec.shared.listenerArn;
    delete doc.spec.shared.albDnsName;
    delete doc.spec.shared.albHostedZoneId;
    doc.spec.shared.loadBalancers = shards;
  }
  return doc;
}

interface Proc {
  cpuSeconds(): number;
  memory(): { rssMiB: number; anonMiB: number; fileMiB: number; peakMiB: number };
  brkHeapMiB(): number;
}

function procOf(pid: number): Proc {
  return {
    cpuSeconds: () => {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 10 ms
    },
    memory: () => {
      const st = readFileSync(`/proc/${pid}/status`, 'utf8');
      const mib = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)?.[1] ?? 0) / 1024;
      return { rssMiB: mib('VmRSS'), anonMiB: mib('RssAnon'), fileMiB: mib('RssFile'), peakMiB: mib('VmHWM') };
    },
    brkHeapMiB: () => {
      // The C heap that grows by brk (glibc malloc's main arena): one mapping named [heap].
      const smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8');
      const at = smaps.indexOf('[heap]');
      if (at < 0) return 0;
      return Number(/Rss:\s+(\d+)/.exec(smaps.slice(at))?.[1] ?? 0) / 1024;
    },
  };
}

interface Controller {
  url: string;
  proc: ChildProcess;
  /** Passes finished so far, from the controller's own log lines ("pass finished"). */
  passes: () => number;
  /** The outcome of each finished pass, in order. */
  outcomes: string[];
  logs: () => string;
  stop: () => Promise<void>;
}

async function startController(flags: string[], routeyardArgs: string[], env: Record<string, string>): Promise<Controller> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const proc = spawn(process.execPath, [...flags, args.bin!, '--port', String(port), ...routeyardArgs], {
    cwd: repoRoot,
    env: { ...process.env, ROUTEYARD_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const outcomes: string[] = [];
  let tail = '';
  let partial = '';
  proc.stderr!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const lines = text.split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (line.includes('"pass finished"')) outcomes.push((JSON.parse(line) as { outcome: string }).outcome);
      else if (!line.includes('"level":30')) tail = (tail + line + '\n').slice(-20_000);
    }
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await waitFor('the controller to listen', 60, async () => {
    if (proc.exitCode !== null) throw new Error(`routeyard exited early (${proc.exitCode}):\n${tail}`);
    try {
      return (await fetch(`${url}healthz`)).ok ? true : undefined;
    } catch {
      return undefined;
    }
  });
  return {
    url,
    proc,
    outcomes,
    passes: () => outcomes.length,
    logs: () => tail,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

async function text(url: string): Promise<string> {
  const res = await fetch(url);
  return res.text();
}

/** AWS calls from the controller's counter, by operation of one service or (no service) by service. */
function awsCalls(metrics: string, service?: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    const m = /^routeyard_aws_api_calls_total\{([^}]*)\} ([^ ]+)/.exec(line);
    if (!m) continue;
    const label = (name: string) => new RegExp(`${name}="([^"]+)"`).exec(m[1]!)![1]!;
    if (service !== undefined && label('service') !== service) continue;
    const key = service === undefined ? label('service') : label('operation');
    out.set(key, (out.get(key) ?? 0) + Number(m[2]));
  }
  return out;
}
const apigwCalls = (metrics: string) => awsCalls(metrics, 'APIGateway');

async function measure(n: number): Promise<void> {
  const shardCount = args.shards !== undefined ? Number(args.shards) : Math.ceil(n / 90);
  const moto = await startMoto();
  Object.assign(process.env, motoEnv(moto.endpoint));
  const dir = mkdtempSync(join(tmpdir(), 'routeyard-scale-'));
  let controller: Controller | undefined;
  let scraper: NodeJS.Timeout | undefined;
  try {
    const platform = await bootstrapSharedPlatform();
    const shards = await bootstrapShards(platform, shardCount);
    const doc = documentWith(n, shards);
    try {
      validateObject(doc, { ruleQuota: Number(args['rule-quota'] ?? 100) });
    } catch (err) {
      console.log(`  ${String(n).padStart(5)} services over ${shardCount} load balancer(s): not measured, this routeyard does not take the document: ${(err as Error).message.split('\n')[0]}`);
      return;
    }
    const path = join(dir, 'routeset.json');
    writeFileSync(path, JSON.stringify(doc));
    const sqs = new SQSClient({});
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'routeyard-hints' }))).QueueUrl!;

    const started = Date.now();
    controller = await startController(
      NODE_FLAGS,
      [
        '--source', `file:${path}`,
        '--interval', seconds(REAL.intervalS / K),
        '--verify-within', seconds(REAL.verifyWithinS / K),
        '--apigw-rps', String(REAL.apigwRps * K),
        '--route53-rps', String(REAL.route53Rps * K),
        '--source-poll', seconds(Math.max(0.2, REAL.sourcePollS / K)),
        '--events-queue', queueUrl,
        ...(args['rule-quota'] ? ['--rule-quota', args['rule-quota']] : []),
      ],
      {},
    );
    const c = controller;
    const proc = procOf(c.proc.pid!);
    // The largest report: after the first pass, every service Missing with its creates planned.
    await waitFor('the first pass', 3600, async () => (c.passes() >= 1 ? true : undefined), 100);
    const firstDrift = await text(`${c.url}drift`);
    const firstPage = await text(c.url);
    await waitFor('cold convergence', 3600, async () => {
      if (c.proc.exitCode !== null) throw new Error(`routeyard exited (${c.proc.exitCode}):\n${c.logs()}`);
      return c.outcomes.includes('InSync') ? true : undefined;
    }, 100);
    const coldS = (Date.now() - started) / 1000;
    const coldPasses = c.passes();
    const coldMetrics = await text(`${c.url}metrics`);
    const coldApigw = [...apigwCalls(coldMetrics).values()].reduce((a, b) => a + b, 0);
    const coldMemory = proc.memory();

    // An hour of steady state, with its scrapes: /healthz and /metrics every 15 s, /drift and
    // the dashboard once a minute (a poller, a person with the page open).
    let ticks = 0;
    const everyMs = (REAL.scrapeS * 1000) / K;
    scraper = setInterval(() => {
      ticks++;
      void text(`${c.url}healthz`).catch(() => undefined);
      void text(`${c.url}metrics`).catch(() => undefined);
      if (ticks % (REAL.intervalS / REAL.scrapeS) === 0) {
        void text(`${c.url}drift`).catch(() => undefined);
        void text(c.url).catch(() => undefined);
      }
    }, everyMs);
    const p0 = c.passes();
    const cpu0 = proc.cpuSeconds();
    const m0 = await text(`${c.url}metrics`);
    const calls0 = apigwCalls(m0);
    const byService0 = awsCalls(m0);
    // prom-client's GC metric by kind: minor (the young generation), the rest the old one (major, incremental marking steps, weak callbacks).
    const gcSeconds = (m: string, kind: 'young' | 'old') => sumCounter(m, 'nodejs_gc_duration_seconds_sum', (l) => (l.kind === 'minor') === (kind === 'young'));
    const gc0 = { young: gcSeconds(m0, 'young'), old: gcSeconds(m0, 'old') };
    const t0 = Date.now();
    let peak = 0;
    const marks: string[] = [];
    await waitFor('an hour of steady passes', 3 * 3600, async () => {
      if (c.proc.exitCode !== null) throw new Error(`routeyard exited (${c.proc.exitCode}):\n${c.logs()}`);
      const m = proc.memory();
      peak = Math.max(peak, m.rssMiB);
      const done = c.passes() - p0;
      if (done >= (marks.length + 1) * 10 && marks.length < STEADY_PASSES / 10) marks.push(m.rssMiB.toFixed(0));
      return done >= STEADY_PASSES ? true : undefined;
    }, 100);
    const wallS = (Date.now() - t0) / 1000;
    const passes = c.passes() - p0;
    const cpuPerPassMs = ((proc.cpuSeconds() - cpu0) / passes) * 1000;
    const end = proc.memory();
    const metrics = await text(`${c.url}metrics`);
    clearInterval(scraper);
    scraper = undefined;
    const calls1 = apigwCalls(metrics);
    const realMinutes = (wallS * K) / 60;
    const byOp = [...calls1].map(([op, v]) => [op, (v - (calls0.get(op) ?? 0)) / realMinutes] as const).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
    const perMinute = byOp.reduce((a, [, v]) => a + v, 0);
    const gcMs = (kind: 'young' | 'old') => ((gcSeconds(metrics, kind) - gc0[kind]) / passes) * 1000;
    const perPass = [...awsCalls(metrics)].map(([svc, v]) => [svc, (v - (byService0.get(svc) ?? 0)) / passes] as const).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
    const notInSync = c.outcomes.slice(p0).filter((o) => o !== 'InSync').length;
    const drift = await text(`${c.url}drift`);
    const page = await text(c.url);
    const heapUsed = sumCounter(metrics, 'nodejs_heap_size_used_bytes') / 2 ** 20;
    const heapTotal = sumCounter(metrics, 'nodejs_heap_size_total_bytes') / 2 ** 20;
    const external = sumCounter(metrics, 'nodejs_external_memory_bytes') / 2 ** 20;
    const brk = proc.brkHeapMiB();

    // Event to repair: an integration switched to append: out of band, then its CloudTrail
    // event put on the queue; the time until the integration is back (read every 100 ms).
    const apigw = new ApiGatewayV2Client({});
    const apis = new Map<string, string>();
    for (let token: string | undefined, first = true; first || token; first = false) {
      const page = await apigw.send(new GetApisCommand({ ...(token ? { NextToken: token } : {}) }));
      for (const a of page.Items ?? []) if (a.Tags?.['routeyard:service']) apis.set(a.Tags['routeyard:service'], a.ApiId!);
      token = page.NextToken;
    }
    const repairs: number[] = [];
    for (let e = 0; e < Number(args.events); e++) {
      const service = doc.spec.services[Math.floor(((e + 0.5) * n) / Number(args.events))].name as string;
      const apiId = apis.get(service)!;
      repairs.push((await breakIntegrationAndTimeRepair({ apigw, sqs }, queueUrl, { apiId, service, header: HEADER }, { seconds: 600, everyMs: 100 })) / 1000);
      // Let the verifying pass after the repair finish, so the next event finds a quiet controller.
      await new Promise((r) => setTimeout(r, 3_000 + (REAL.intervalS * 1000) / K));
    }
    apigw.destroy();
    sqs.destroy();

    const passesPerRealMinute = passes / realMinutes;
    const kib = (s: string) => `${(Buffer.byteLength(s) / 1024).toFixed(0)} KiB`;
    console.log(`\n  ${n} services over ${shardCount} load balancer(s)`);
    console.log(`    cold convergence: ${coldS.toFixed(1)} s against moto (${coldPasses} passes, ${coldApigw} API Gateway calls: at least ${(coldApigw / REAL.apigwRps).toFixed(0)} s at AWS's 10 per second); RSS then ${coldMemory.rssMiB.toFixed(0)} MiB`);
    console.log(
      `    resident memory after ${passes} steady passes (${passes} minutes at --interval 60s, ${wallS.toFixed(0)} s here): ${end.rssMiB.toFixed(0)} MiB (${end.anonMiB.toFixed(0)} anonymous, ${end.fileMiB.toFixed(0)} node's code and files); peak ${Math.max(peak, end.rssMiB).toFixed(0)} MiB; every 10 passes: ${marks.join(', ')} MiB; V8 heap ${heapUsed.toFixed(0)} MiB used of ${heapTotal.toFixed(0)}, external ${external.toFixed(0)}, C heap (brk) ${brk.toFixed(0)}`,
    );
    console.log(`    CPU per steady pass: ${cpuPerPassMs.toFixed(0)} ms (user + system, the hour's scrapes included; garbage collection ${gcMs('old').toFixed(0)} ms old generation, ${gcMs('young').toFixed(0)} ms young)${notInSync ? `; ${notInSync} of the passes did not end InSync` : ''}`);
    console.log(`    AWS calls per steady pass: ${perPass.reduce((a, [, v]) => a + v, 0).toFixed(0)} (${perPass.map(([svc, v]) => `${svc} ${v.toFixed(1)}`).join(', ')}); ${(wallS / passes).toFixed(1)} s of wall time per pass against moto`);
    console.log(`    sizes: /drift ${kib(drift)}, dashboard ${kib(page)}, /metrics ${kib(metrics)}; after the first pass (every service to create): /drift ${kib(firstDrift)}, dashboard ${kib(firstPage)}`);
    console.log(
      `    API Gateway calls per minute of steady state: ${perMinute.toFixed(0)} (${((perMinute / (REAL.apigwRps * 60)) * 100).toFixed(1)}% of the account's 600): ${byOp.map(([op, v]) => `${op} ${v.toFixed(1)}`).join(', ')}; ${passesPerRealMinute.toFixed(2)} passes per minute${passesPerRealMinute < 0.95 ? ' (moto could not keep the compressed pace: fewer listings per minute than at AWS)' : ''}`,
    );
    console.log(`    event to repair: ${repairs.map((s) => `${s.toFixed(2)} s`).join(', ')} (against moto; the scheduled pass every ${seconds(REAL.intervalS / K)} stands for 60 s)`);
  } finally {
    if (scraper) clearInterval(scraper);
    await controller?.stop();
    await moto.stop();
  }
}

const sizes = args.sizes!.split(',').map(Number);
console.log(
  `The controller at scale against moto, time compressed ${K}x (--interval ${seconds(REAL.intervalS / K)} stands for 60 s); node ${process.version}, flags ${NODE_FLAGS.join(' ') || '(none)'}; ${args.bin}`,
);
for (const n of sizes) await measure(n);
