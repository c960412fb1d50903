import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { ACMClient, ListCertificatesCommand } from '@aws-sdk/client-acm';
import { ApiGatewayV2Client, CreateApiCommand, DeleteApiCommand, GetApisCommand, GetTagsCommand, TagResourceCommand, UpdateApiCommand } from '@aws-sdk/client-apigatewayv2';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client, ModifyRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ChangeResourceRecordSetsCommand, ListHostedZonesByNameCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, GetParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isThrottle } from '../../src/aws/clients.ts';
import type { SharedPlatform } from '../support/bootstrap.ts';
import { seededRandom, startFaultProxy, type FaultKind, type FaultProxy, type FaultRule, type FaultSchedule } from '../support/fault-proxy.ts';
import { freshEmulator, fullExampleDoc, motoEndpoint, repoRoot, routeyard, writeDoc, type Doc, type RunResult } from '../support/harness.ts';
import {
  checkInvariants,
  countOwned,
  declaredServices,
  liveReader,
  ownedIds,
  ServedTracker,
  servingApis,
  type Declared,
  type ForeignParameter,
  type LiveReader,
  type LiveState,
} from '../support/live-state.ts';
import { motoEnv } from '../support/moto.ts';

/**
 * Fault injection (issue 14): the real SDK talks to moto through test/support/fault-proxy.ts,
 * which injects throttles in each protocol's own error format, 5xx, connection resets and
 * "the write happened, the answer was lost". After the faults stop and one clean run, the
 * live state read straight from moto must hold the invariants of live-state.ts, no API
 * seen serving may have been deleted while its service stayed declared, and the next pass
 * must make zero mutating calls. The same holds after `--reconcile-once` is SIGKILLed at
 * random moments. Figures (faults by kind, passes) are printed, not asserted.
 *
 * The document publishes outputs (SSM parameters under PREFIX, written through the proxy
 * too: SSM's awsJson1.1 calls are told apart by X-Amz-Target) and two services use ECS
 * deployments (two groups, a production rule to both, one also a test rule). Between the
 * faulted runs the test does what ECS does to the rules (moves the weights); at the end those
 * weights are still as ECS left them, every parameter says what is live, and a foreign
 * parameter at one of the wanted names (a Conflict) is exactly as it was made.
 *
 * Seeds: ROUTEYARD_FAULT_SEEDS (comma-separated) overrides the default three.
 */
const OWNER = 'acmecorp-qa';
const SEEDS = (process.env.ROUTEYARD_FAULT_SEEDS ?? '1401,1402,1403').split(',').map(Number);
const FAULTED_RUNS = 5;
/** The first runs also declare this service; later runs drop it (its resources must go). */
const RETIRED = 'retired-app';
/** spec.shared.outputsPrefix: every service publishes its ARNs and ids as SSM parameters under it. */
const PREFIX = '/acmecorp/routeyard';
/** ECS deployments with a test rule (no custom domain; test rule at priority 14). */
const ECS_CANARY = 'gantt-autoscheduler-qa';
/** ECS deployments without test traffic (custom domain and private name). */
const ECS_PLAIN = 'zeropoint-app';
/**
 * Someone else's parameter, untagged, where ECS_CANARY would publish its endpoint (made
 * before the first run): never written, the key a Conflict, the rest of the service converges.
 */
const FOREIGN = { name: `${PREFIX}/services/${ECS_CANARY}/api-endpoint`, value: 'https://canary.acmecorp.example' };
/** moto has no pacing: lift routeyard's own so a pass takes well under a second without faults. */
const FAST = ['--domain-pace', '0s', '--apigw-rps', '100', '--route53-rps', '100'];

/**
 * The example's five services: two keep their custom domain (one also its private name),
 * three have none (their APIs serve as soon as they have the $default stage and route), one
 * has extra routes; two use ECS deployments (one with a test rule, one without); every
 * service publishes its outputs under PREFIX. Plus, for the first runs, a service to retire
 * (with ECS deployments and a test rule: its two groups, two rules and six parameters go).
 */
function faultDoc(withRetired: boolean): Doc {
  const doc = fullExampleDoc();
  doc.spec.shared.outputsPrefix = PREFIX;
  for (const s of doc.spec.services) if (s.name === 'loopback-app' || s.name === 'gantt-autoscheduler-qa') delete s.domain;
  const pre = doc.spec.services.find((s: Doc) => s.name === 'fastapi-prerelease');
  pre.api.routes = ['$default', 'GET /items', 'POST /items'];
  doc.spec.services.find((s: Doc) => s.name === ECS_CANARY).deployment = { strategy: 'ecs', testTraffic: { header: 'X-Canary', value: '1' } };
  doc.spec.services.find((s: Doc) => s.name === ECS_PLAIN).deployment = { strategy: 'ecs' };
  if (withRetired) {
    const retired = structuredClone(pre);
    retired.name = RETIRED;
    retired.headerValue = RETIRED;
    retired.priority = 30;
    retired.api.routes = ['$default'];
    retired.api.stage.accessLog.destinationArn = 'arn:aws:logs:eu-west-1:123456789012:log-group:/acmecorp/apigw/retired-app';
    retired.deployment = { strategy: 'ecs', testTraffic: { header: 'X-Canary', value: 'retired' } };
    doc.spec.services.push(retired);
  }
  return doc;
}

/** The parameter FOREIGN, made straight in moto; returns it with the version moto gave it. */
async function makeForeignParameter(): Promise<ForeignParameter> {
  const env = motoEnv(motoEndpoint());
  const ssm = new SSMClient({ endpoint: motoEndpoint(), region: env.AWS_REGION, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY!, sessionToken: env.AWS_SESSION_TOKEN! } });
  try {
    const put = await ssm.send(new PutParameterCommand({ Name: FOREIGN.name, Value: FOREIGN.value, Type: 'String' }));
    return { ...FOREIGN, version: put.Version ?? 1 };
  } finally {
    ssm.destroy();
  }
}

/**
 * ECS's hand on the rules between two runs, made straight in moto: a linear deployment
 * moving the production rule's weights step by step to the alternate group (the last steps
 * leave primary 0 / alternate 100), and the test rule sending all test traffic to the
 * alternate. Only a rule that already forwards to exactly the service's primary and
 * alternate groups is moved (as ECS would refuse anything else). What was set is remembered:
 * routeyard must leave it so.
 */
const ECS_STEPS: [number, number][] = [
  [90, 10],
  [50, 50],
  [20, 80],
  [0, 100],
  [0, 100],
];

class EcsActor {
  /** rule ARN -> what ECS last set on it. */
  readonly moved = new Map<string, { service: string; role: string; weights: Record<string, number> }>();
  readonly log: string[] = [];
  private readonly elbv2: ElasticLoadBalancingV2Client;

  constructor() {
    const env = motoEnv(motoEndpoint());
    this.elbv2 = new ElasticLoadBalancingV2Client({
      endpoint: motoEndpoint(),
      region: env.AWS_REGION,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY!, sessionToken: env.AWS_SESSION_TOKEN! },
      maxAttempts: 1,
    });
  }

  async step(live: LiveState, declared: Declared[], step: number, when: string): Promise<void> {
    const [p, a] = ECS_STEPS[Math.min(step, ECS_STEPS.length - 1)]!;
    for (const s of declared.filter((x) => x.ecs)) {
      const groups = live.targetGroups.filter((g) => g.service === s.name);
      const primary = groups.filter((g) => g.role === 'primary');
      const alternate = groups.filter((g) => g.role === 'alternate');
      if (groups.length !== 2 || primary.length !== 1 || alternate.length !== 1) continue;
      const pair = [primary[0]!.arn, alternate[0]!.arn];
      const rules = live.rules.filter((r) => r.service === s.name);
      const production = rules.filter((r) => r.role !== 'test');
      const tests = rules.filter((r) => r.role === 'test');
      const wanted: [string, (typeof rules)[number][], [number, number]][] = [['production', production, [p, a]]];
      if (s.ecs?.testTraffic) wanted.push(['test', tests, [0, 100]]);
      for (const [role, found, [wp, wa]] of wanted) {
        if (found.length !== 1) continue;
        const rule = found[0]!;
        if (rule.targetGroups.length !== 2 || !pair.every((g) => rule.targetGroups.includes(g))) continue;
        const weights = { [pair[0]!]: wp, [pair[1]!]: wa };
        await this.elbv2.send(
          new ModifyRuleCommand({ RuleArn: rule.arn, Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: Object.entries(weights).map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })) } }] }),
        );
        this.moved.set(rule.arn, { service: s.name, role, weights });
        this.log.push(`${when}: ${s.name} ${role} rule ${wp}/${wa}`);
      }
    }
  }

  /** Each rule ECS moved: still there, with the weights ECS last set (routeyard never rewrites them). */
  violations(live: LiveState, declared: Declared[]): string[] {
    const bad: string[] = [];
    for (const [arn, m] of this.moved) {
      if (!declared.some((s) => s.name === m.service && s.ecs)) continue;
      const rule = live.rules.find((r) => r.arn === arn);
      if (!rule) bad.push(`${m.service}: the ${m.role} rule ECS shifted (${arn}) was deleted while the service stayed declared`);
      else if (JSON.stringify(Object.entries(rule.weights).sort()) !== JSON.stringify(Object.entries(m.weights).sort())) {
        bad.push(`${m.service}: the ${m.role} rule's weights are ${JSON.stringify(rule.weights)}, not what ECS set (${JSON.stringify(m.weights)})`);
      }
    }
    return bad;
  }

  destroy(): void {
    this.elbv2.destroy();
  }
}

function schedule(seed: number): FaultSchedule {
  return {
    seed,
    readRate: 0.08,
    writeRate: 0.3,
    readKinds: { throttle: 5, error500: 1, error503: 1, reset: 2 },
    writeKinds: { throttle: 3, error503: 1, reset: 1, lost: 4, lost503: 1 },
  };
}

/**
 * Besides the random schedule, every create that is not idempotent on AWS loses its answer
 * at least once per seed: a first attempt (not the SDK's retry of it), which one and whether
 * the connection drops or a 503 comes back drawn from the seed.
 */
const NON_IDEMPOTENT_CREATES: [string, string, number][] = [
  ['APIGateway', 'CreateApi', 3],
  ['APIGateway', 'CreateIntegration', 1],
  ['APIGateway', 'CreateRoute', 1],
  ['APIGateway', 'CreateStage', 1],
  ['APIGateway', 'CreateDomainName', 1],
  ['APIGateway', 'CreateApiMapping', 1],
  ['ELBv2', 'CreateRule', 2],
  ['Route53', 'ChangeResourceRecordSets', 1],
  // Not in routeyard's never-resend list: the SDK sends it again and meets ParameterAlreadyExists
  // (src/aws/ssm/outputs.ts then checks the parameter is its own).
  ['SSM', 'PutParameter', 2],
];

function lostCreateRules(seed: number): FaultRule[] {
  const rnd = seededRandom(seed * 7919);
  return NON_IDEMPOTENT_CREATES.map(([service, operation, times]) => ({
    kind: rnd() < 0.25 ? 'lost503' : 'lost',
    service,
    operation,
    skip: Math.floor(rnd() * 3),
    times,
    attempt: 1,
  }));
}

const pending = (r: RunResult) => r.report.services.filter((s) => s.status === 'Pending').length;

/** A short line per run for the printed figures. */
function brief(r: RunResult): string {
  const c = r.report.stats.awsCalls;
  const failed = r.report.actions.filter((a) => a.result === 'failed').length;
  return `exit ${r.exitCode} ${r.report.outcome} calls ${c.total} mutating ${c.mutating} throttled ${c.throttled} retries ${c.retries} lost answers (not sent again) ${c.lostAnswers} failed actions ${failed}${r.report.error ? ` error ${r.report.error.code}` : ''}`;
}

let platform: SharedPlatform;
let proxy: FaultProxy;

function throughProxy(): void {
  process.env.AWS_ENDPOINT_URL = proxy.url;
}

/**
 * The clean run after the faults: passes with no fault until nothing is Pending (what
 * `--reconcile-once --wait` does, without its 5 s sleeps), then the verifying pass.
 */
async function cleanRunThenVerify(
  doc: Doc,
  reader: LiveReader,
): Promise<{ cleanPasses: number; clean: RunResult; live: LiveState; verify: RunResult; extraToConverge: number | undefined }> {
  proxy.enabled = false;
  let clean: RunResult;
  let cleanPasses = 0;
  do {
    clean = await routeyard(['--reconcile-once', ...FAST], doc);
    cleanPasses++;
  } while (pending(clean) > 0 && cleanPasses < 6);
  // The invariants are about the state the clean run left, before any further pass.
  const live = await reader.read();
  const verify = await routeyard(['--reconcile-once', ...FAST], doc);
  // For the figures only: how many more passes it would take to stop writing.
  let extraToConverge: number | undefined = verify.report.stats.awsCalls.mutating === 0 ? 0 : undefined;
  for (let i = 1; extraToConverge === undefined && i <= 4; i++) {
    if ((await routeyard(['--reconcile-once', ...FAST], doc)).report.stats.awsCalls.mutating === 0) extraToConverge = i;
  }
  return { cleanPasses, clean, live, verify, extraToConverge };
}

describe('fault injection: the real SDK through a faulty proxy to moto', () => {
  beforeAll(async () => {
    platform = await freshEmulator();
    proxy = await startFaultProxy(motoEndpoint());
  });

  afterAll(async () => {
    process.env.AWS_ENDPOINT_URL = motoEndpoint();
    await proxy?.close();
  });

  it("the SDK classifies each injected fault as intended, protocol by protocol (the SDK's own retry classification, and routeyard's throttle count)", async () => {
    const env = motoEnv(motoEndpoint());
    const seen: { op: string; kind: FaultKind; errorType: string; name: string; code?: string; status?: number; routeyardThrottle: boolean }[] = [];
    let current = { op: '', kind: 'throttle' as FaultKind };
    // A retry strategy that records how the SDK's retry middleware classified each failed
    // attempt (getRetryErrorType: THROTTLING, TRANSIENT, SERVER_ERROR, CLIENT_ERROR) and
    // retries at once, up to three attempts.
    const token = (n: number): RetryToken => ({ getRetryCount: () => n, getRetryDelay: () => 0 });
    const recorder: RetryStrategyV2 = {
      acquireInitialRetryToken: async () => token(0),
      refreshRetryTokenForRetry: async (t: RetryToken, info: RetryErrorInfo) => {
        const e = info.error as unknown as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
        seen.push({ ...current, errorType: info.errorType, name: e?.name ?? '', code: e?.code, status: e?.$metadata?.httpStatusCode, routeyardThrottle: isThrottle(e) });
        if (t.getRetryCount() >= 2) throw info.error;
        return token(t.getRetryCount() + 1);
      },
      recordSuccess: () => undefined,
    };
    const cfg = {
      endpoint: proxy.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY!, sessionToken: env.AWS_SESSION_TOKEN! },
      retryStrategy: recorder,
    };
    const elbv2 = new ElasticLoadBalancingV2Client(cfg);
    const apigw = new ApiGatewayV2Client(cfg);
    const r53 = new Route53Client({ ...cfg, region: 'us-east-1' });
    const acm = new ACMClient(cfg);
    const ssm = new SSMClient(cfg);
    const ddb = new DynamoDBClient(cfg);
    const sqs = new SQSClient(cfg);
    const s3 = new S3Client({ ...cfg, forcePathStyle: true });
    await new S3Client({ endpoint: motoEndpoint(), region: 'eu-west-1', credentials: cfg.credentials, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: 'fault-probe', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    const apiArn = `arn:aws:apigateway:eu-west-1::/vpclinks/${platform.vpcLinkId}`;
    const txt = (v: string) => ({
      HostedZoneId: platform.publicZoneId,
      ChangeBatch: { Changes: [{ Action: 'UPSERT' as const, ResourceRecordSet: { Name: `probe.acmecorp.com`, Type: 'TXT' as const, TTL: 60, ResourceRecords: [{ Value: `"${v}"` }] } }] },
    });
    // [service, operation, call, expected throttle error name]
    const reads: [string, string, () => Promise<unknown>, string][] = [
      ['ELBv2', 'DescribeLoadBalancers', () => elbv2.send(new DescribeLoadBalancersCommand({})), 'Throttling'],
      ['APIGateway', 'GetApis', () => apigw.send(new GetApisCommand({})), 'TooManyRequestsException'],
      ['APIGateway', 'GetTags', () => apigw.send(new GetTagsCommand({ ResourceArn: apiArn })), 'TooManyRequestsException'],
      ['Route53', 'ListHostedZonesByName', () => r53.send(new ListHostedZonesByNameCommand({})), 'Throttling'],
      ['Route53', 'ListResourceRecordSets', () => r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: platform.publicZoneId })), 'Throttling'],
      ['ACM', 'ListCertificates', () => acm.send(new ListCertificatesCommand({})), 'ThrottlingException'],
      ['SSM', 'GetParameters', () => ssm.send(new GetParametersCommand({ Names: [platform.parameters.listenerArn] })), 'ThrottlingException'],
      ['DynamoDB', 'ListTables', () => ddb.send(new ListTablesCommand({})), 'ThrottlingException'],
      ['SQS', 'ListQueues', () => sqs.send(new ListQueuesCommand({})), 'ThrottlingException'],
      ['S3', 'ListBuckets', () => s3.send(new ListBucketsCommand({})), 'SlowDown'],
    ];
    const writes: [string, string, (i: number) => Promise<unknown>, string][] = [
      ['Route53', 'ChangeResourceRecordSets', (i) => r53.send(new ChangeResourceRecordSetsCommand(txt(`probe-${i}`))), 'PriorRequestNotComplete'],
      ['SSM', 'PutParameter', (i) => ssm.send(new PutParameterCommand({ Name: '/fault/probe', Value: `v${i}`, Type: 'String', Overwrite: true })), 'ThrottlingException'],
    ];
    const expectations: { op: string; kind: FaultKind; errorType: string; name?: string; status?: number; code?: string; routeyardThrottle: boolean }[] = [];
    const probe = async (service: string, operation: string, call: () => Promise<unknown>, kind: FaultKind, throttleName: string) => {
      current = { op: `${service}.${operation}`, kind };
      proxy.addRule({ kind, service, operation, times: 1 });
      const from = proxy.calls.length;
      await call();
      proxy.clearRules();
      // The proxy tells the SDK's attempts apart (amz-sdk-request): the faulted first try, then the retry.
      expect(proxy.calls.slice(from).map((c) => [`${c.service}.${c.operation}`, c.attempt, c.fault ?? null])).toEqual([
        [`${service}.${operation}`, 1, kind],
        [`${service}.${operation}`, 2, null],
      ]);
      const routeyardThrottle = kind === 'throttle';
      if (kind === 'throttle') expectations.push({ ...current, errorType: 'THROTTLING', name: throttleName, routeyardThrottle });
      else if (kind === 'error500') expectations.push({ ...current, errorType: 'TRANSIENT', status: 500, routeyardThrottle });
      else if (kind === 'error503' || kind === 'lost503') expectations.push({ ...current, errorType: 'TRANSIENT', status: 503, routeyardThrottle });
      else expectations.push({ ...current, errorType: 'TRANSIENT', code: 'ECONNRESET', routeyardThrottle });
    };
    const before = proxy.injected.length;
    for (const [service, operation, call, name] of reads) {
      for (const kind of ['throttle', 'error500', 'error503', 'reset'] as const) await probe(service, operation, call, kind, name);
    }
    let n = 0;
    for (const [service, operation, call, name] of writes) {
      for (const kind of ['throttle', 'error503', 'reset', 'lost', 'lost503'] as const) await probe(service, operation, () => call(++n), kind, name);
    }
    // The lost answers were writes that happened: moto has the last value.
    const direct = new SSMClient({ endpoint: motoEndpoint(), region: 'eu-west-1', credentials: cfg.credentials });
    expect((await direct.send(new GetParameterCommand({ Name: '/fault/probe' }))).Parameter?.Value).toBe(`v${n}`);

    const got = seen.map((s) => ({
      op: s.op,
      kind: s.kind,
      errorType: s.errorType,
      ...(s.kind === 'throttle' ? { name: s.name } : s.status ? { status: s.status } : { code: s.code }),
      routeyardThrottle: s.routeyardThrottle,
    }));
    const want = expectations.map((e) => ({ op: e.op, kind: e.kind, errorType: e.errorType, ...(e.name ? { name: e.name } : e.status ? { status: e.status } : { code: e.code }), routeyardThrottle: e.routeyardThrottle }));
    expect(got).toEqual(want);
    expect(proxy.injected.length - before).toBe(want.length);
    // The emulator's own API (/moto-api/: reset, state) passes untouched, whatever the rules say.
    proxy.addRule({ kind: 'reset' });
    const injectedBefore = proxy.injected.length;
    expect((await fetch(`${proxy.url}/moto-api/reset`, { method: 'POST' })).status).toBe(200);
    expect(proxy.injected.length).toBe(injectedBefore);
    proxy.clearRules();
    console.log(`[faults] classification: ${want.length} injected faults, each classified by the SDK as intended (${reads.length} read and ${writes.length} write operations over 8 services)`);
    for (const c of [elbv2, apigw, r53, acm, ssm, ddb, sqs, s3, direct]) c.destroy();
  });

  it('with faults off, the proxy names every call routeyard makes exactly as routeyard counts it', async () => {
    platform = await freshEmulator();
    throughProxy();
    proxy.enabled = false;
    const since = proxy.calls.length;
    const counted: Record<string, number> = {};
    for (let i = 0; i < 4; i++) {
      const r = await routeyard(['--reconcile-once', ...FAST], faultDoc(false));
      expect(r.exitCode, brief(r)).toBe(0);
      for (const [op, k] of Object.entries(r.report.stats.awsCalls.byOperation)) counted[op] = (counted[op] ?? 0) + k;
    }
    const byProxy: Record<string, number> = {};
    for (const c of proxy.calls.slice(since)) byProxy[`${c.service}.${c.operation}`] = (byProxy[`${c.service}.${c.operation}`] ?? 0) + 1;
    expect(byProxy).toEqual(counted);
    proxy.enabled = true;
  });

  for (const seed of SEEDS) {
    it(`seed ${seed}: ${FAULTED_RUNS} --reconcile-once runs under throttles, 5xx, resets and lost answers, ECS moving its weights between them, then one clean run: the invariants hold, ECS's weights stay, a foreign parameter is untouched, and the next pass makes zero mutating calls`, async () => {
      platform = await freshEmulator();
      const reader = liveReader(motoEndpoint(), platform, OWNER, { outputsPrefix: PREFIX });
      const tracker = new ServedTracker();
      const ecs = new EcsActor();
      const foreign = [await makeForeignParameter()];
      throughProxy();
      proxy.setSchedule(schedule(seed));
      for (const rule of lostCreateRules(seed)) proxy.addRule(rule);
      proxy.enabled = true;
      const since = Date.now();
      const runs: string[] = [];
      try {
        for (let i = 1; i <= FAULTED_RUNS; i++) {
          const doc = faultDoc(i <= 2);
          const r = await routeyard(['--reconcile-once', ...FAST], doc);
          runs.push(`run ${i}: ${brief(r)}`);
          const live = await reader.read();
          tracker.observe(live, declaredServices(doc, foreign), `faulted run ${i}`);
          // ECS moves the weights of what it finds between this run and the next (the clean run after the last).
          await ecs.step(live, declaredServices(faultDoc(i + 1 <= 2), foreign), i - 1, `after run ${i}`);
        }
        const faults = proxy.summary(since);
        const doc = faultDoc(false);
        const declared = declaredServices(doc, foreign);
        const { cleanPasses, clean, live, verify, extraToConverge } = await cleanRunThenVerify(doc, reader);
        tracker.observe(live, declared, 'the clean run');
        const violations = [...tracker.violations, ...checkInvariants(live, declared), ...ecs.violations(live, declared)];
        const lostWrites = proxy.injected.filter((f) => f.at >= since && (f.kind === 'lost' || f.kind === 'lost503')).map((f) => `${f.service}.${f.operation}`);
        const alreadyExists = proxy.calls.filter((c) => c.at >= since && c.service === 'SSM' && c.operation === 'ListTagsForResource').length;
        const statuses = verify.report.services.map((x) => `${x.name} ${x.status}${x.status === 'Conflict' ? ` (${x.resources.filter((r) => r.status === 'Conflict').map((r) => r.id).join(', ')})` : ''}`);
        console.log(
          [
            `[faults] seed ${seed}: ${faults.total} faults injected over ${FAULTED_RUNS} runs: ${JSON.stringify(faults.byKind)}`,
            `  by service ${JSON.stringify(faults.byService)}`,
            `  answers lost after the write: ${lostWrites.join(', ') || 'none'}`,
            `  ListTagsForResource calls (a PutParameter create sent again met ParameterAlreadyExists): ${alreadyExists}`,
            ...runs.map((r) => `  ${r}`),
            `  ECS moved: ${ecs.log.join('; ') || 'nothing (no rule was ready)'}`,
            `  clean run: ${cleanPasses} pass(es), last ${brief(clean)}`,
            `  verifying pass: ${brief(verify)}${verify.report.stats.awsCalls.mutating ? `; actions ${verify.report.actions.map((a) => `${a.op} ${a.kind} ${a.service}`).join(', ')}` : ''}; ${statuses.join(', ')}`,
            `  passes to converge: ${FAULTED_RUNS} faulted + ${cleanPasses} clean${extraToConverge === undefined ? ' + more than 4 further passes' : extraToConverge ? ` + ${extraToConverge} further` : ''}; APIs seen serving: ${tracker.count()}; owned now ${JSON.stringify(countOwned(live))}`,
            `  invariant violations: ${violations.length ? `\n    ${violations.join('\n    ')}` : 'none'}`,
          ].join('\n'),
        );
        // The schedule really exercised the faults the invariants are about.
        expect(faults.byKind.throttle ?? 0).toBeGreaterThan(0);
        expect(lostWrites.length).toBeGreaterThan(0);
        expect(lostWrites).toContain('SSM.PutParameter');
        // A create whose answer was lost, sent again by the SDK, met ParameterAlreadyExists: routeyard then reads the parameter's tags.
        expect(alreadyExists).toBeGreaterThan(0);
        // ECS had rules to move before the clean run (so "its weights stay" means something).
        expect([...ecs.moved.values()].filter((m) => m.service === ECS_CANARY || m.service === ECS_PLAIN).length).toBeGreaterThan(0);
        expect(violations).toEqual([]);
        expect(verify.report.stats.awsCalls.mutating, verify.report.actions.map((a) => `${a.op} ${a.kind} ${a.service} ${a.id}: ${a.reason}`).join('\n')).toBe(0);
        // The foreign parameter keeps its service a Conflict (exit 1); everything else is in sync.
        expect(statuses).toEqual(verify.report.services.map((x) => (x.name === ECS_CANARY ? `${x.name} Conflict (${FOREIGN.name})` : `${x.name} InSync`)));
        expect({ exitCode: verify.exitCode, outcome: verify.report.outcome }).toEqual({ exitCode: 1, outcome: 'Failed' });
      } finally {
        proxy.clearRules();
        proxy.setSchedule(undefined);
        proxy.enabled = true;
        reader.destroy();
        ecs.destroy();
      }
    }, 180_000);
  }

  it('an owned, older copy that does not serve beside the API that serves: a pass that cannot read the copy\'s children deletes nothing of that service; the next passes remove the copy and keep the API that serves', async () => {
    platform = await freshEmulator();
    const reader = liveReader(motoEndpoint(), platform, OWNER, { outputsPrefix: PREFIX });
    const env = motoEnv(motoEndpoint());
    const direct = new ApiGatewayV2Client({
      endpoint: motoEndpoint(),
      region: env.AWS_REGION,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY!, sessionToken: env.AWS_SESSION_TOKEN! },
    });
    throughProxy();
    proxy.enabled = false;
    const doc = faultDoc(false);
    const declared = declaredServices(doc);
    // Without and with a custom domain (the domain's mapping makes the second one serve).
    const targets = ['fastapi-prerelease', 'fastapi-app'];
    // APIs made before routeyard's own, untagged and named otherwise (routeyard ignores
    // them): older than what routeyard creates. What a lost CreateApi answer leaves behind
    // looks like one of them once tagged: an owned copy without children, older than the
    // copy the retry made and built on.
    const candidates: string[] = [];
    for (let i = 0; i < 8; i++) candidates.push((await direct.send(new CreateApiCommand({ Name: `candidate-${i}`, ProtocolType: 'HTTP' }))).ApiId!);
    try {
      let r: RunResult;
      let n = 0;
      do {
        r = await routeyard(['--reconcile-once', ...FAST], doc);
        n++;
      } while (pending(r) > 0 && n < 6);
      expect(r.exitCode, brief(r)).toBe(0);
      const serving = servingApis(await reader.read(), declared);
      const pool = [...candidates].sort((a, b) => a.localeCompare(b));
      const copies = new Map<string, { copy: string; serving: string }>();
      for (const svc of targets) {
        const x = [...serving].find(([, s]) => s === svc)?.[0];
        expect(x, `${svc} serves after convergence`).toBeDefined();
        // A copy whose id sorts first (routeyard orders owned APIs by id): keeping "the first" would keep the copy.
        const i = pool.findIndex((id) => id.localeCompare(x!) < 0);
        const copy = pool.splice(Math.max(i, 0), 1)[0]!;
        await direct.send(new UpdateApiCommand({ ApiId: copy, Name: `${svc}-http-api` }));
        await direct.send(new TagResourceCommand({ ResourceArn: `arn:aws:apigateway:${env.AWS_REGION}::/apis/${copy}`, Tags: { 'routeyard:owner': OWNER, 'routeyard:service': svc } }));
        copies.set(svc, { copy, serving: x! });
      }
      for (const id of pool) await direct.send(new DeleteApiCommand({ ApiId: id }));
      candidates.length = 0;

      // Pass 1: the copies' integrations, routes and stages cannot be read (throttled on every attempt).
      const before = await reader.read();
      const copyIds = [...copies.values()].map((c) => c.copy);
      proxy.enabled = true;
      proxy.addRule({ kind: 'throttle', service: 'APIGateway', operation: /^Get(Integrations|Routes|Stages)$/, match: (c) => copyIds.some((id) => c.path.startsWith(`/v2/apis/${id}/`)) });
      const partial = await routeyard(['--reconcile-once', ...FAST], doc);
      proxy.clearRules();
      proxy.enabled = false;
      const after = await reader.read();
      const lost = targets.flatMap((svc) => ownedIds(before, svc).filter((id) => !ownedIds(after, svc).includes(id)).map((id) => `${svc}: ${id}`));
      const statuses = targets.map((svc) => `${svc}: ${partial.report.services.find((x) => x.name === svc)?.status}`);
      const deletes = partial.report.actions.filter((a) => targets.includes(a.service) && (a.op === 'delete' || a.op === 'replace')).map((a) => `${a.op} ${a.kind} ${a.service} ${a.id} (${a.result})`);
      // Then the clean passes: the copy goes, the API that served stays.
      const { cleanPasses, live: end, verify } = await cleanRunThenVerify(doc, reader);
      const kept = targets.map((svc) => {
        const c = copies.get(svc)!;
        const ids = end.apis.filter((a) => a.service === svc).map((a) => a.id);
        return { svc, servingKept: ids.includes(c.serving), copyGone: !ids.includes(c.copy) };
      });
      const violations = checkInvariants(end, declared);
      console.log(
        [
          `[faults] duplicates: ${[...copies].map(([svc, c]) => `${svc}: serving ${c.serving}, older copy ${c.copy}`).join('; ')}`,
          `  pass with the copies' children unreadable: ${brief(partial)}; statuses ${statuses.join(', ')}`,
          `  deletes planned there for those services: ${deletes.join(', ') || 'none'}; deleted: ${lost.join(', ') || 'nothing'}`,
          `  then ${cleanPasses} clean pass(es): ${kept.map((k) => `${k.svc}: serving API ${k.servingKept ? 'kept' : 'DELETED'}, copy ${k.copyGone ? 'removed' : 'still there'}`).join('; ')}; verifying pass ${brief(verify)}`,
          `  invariant violations: ${violations.length ? `\n    ${violations.join('\n    ')}` : 'none'}`,
        ].join('\n'),
      );
      expect(lost, 'nothing of a service is deleted in a pass that could not read all it depends on').toEqual([]);
      expect(statuses).toEqual(targets.map((svc) => `${svc}: Error`));
      expect(kept).toEqual(targets.map((svc) => ({ svc, servingKept: true, copyGone: true })));
      expect(violations).toEqual([]);
      expect(verify.report.stats.awsCalls.mutating).toBe(0);
    } finally {
      proxy.clearRules();
      proxy.enabled = true;
      for (const id of candidates) await direct.send(new DeleteApiCommand({ ApiId: id })).catch(() => undefined);
      direct.destroy();
      reader.destroy();
    }
  }, 120_000);

  it('SIGKILL of --reconcile-once at random moments (right after a write reached moto, while a call is in flight, at a random time), then one clean run: the invariants hold and the next pass makes zero mutating calls', async () => {
    platform = await freshEmulator();
    const reader = liveReader(motoEndpoint(), platform, OWNER, { outputsPrefix: PREFIX });
    const tracker = new ServedTracker();
    throughProxy();
    proxy.enabled = false; // no injected faults here: only the kills
    const doc = faultDoc(false);
    const source = `file:${writeDoc(doc)}`;
    const rnd = seededRandom(Number(process.env.ROUTEYARD_KILL_SEED ?? 1414));
    const strategies = ['after-write', 'in-flight', 'time'] as const;
    const attempts: string[] = [];
    let kills = 0;
    try {
      for (let i = 0; i < 9; i++) {
        const strategy = strategies[i % 3]!;
        const n = 1 + Math.floor(rnd() * (strategy === 'in-flight' ? 30 : 10));
        const delay = 300 + Math.floor(rnd() * 1200);
        const child = spawnCli(['--reconcile-once', '--source', source, '--output', 'json', ...FAST], proxy.url);
        let killedAt: string | undefined;
        const kill = async (what: string) => {
          if (killedAt || child.proc.exitCode !== null) return;
          killedAt = what;
          child.proc.kill('SIGKILL');
          await child.exited;
        };
        let writes = 0;
        let requests = 0;
        if (strategy === 'after-write') proxy.onWrite = async (call) => (++writes === n ? kill(`after write ${n} (${call.service}.${call.operation}) reached moto`) : undefined);
        if (strategy === 'in-flight') proxy.onRequest = async (call) => (++requests === n ? kill(`with call ${n} (${call.service}.${call.operation}) in flight`) : undefined);
        const timer = strategy === 'time' ? setTimeout(() => void kill(`${delay} ms after start`), delay) : undefined;
        const safety = setTimeout(() => void kill('the 60 s safety timer'), 60_000);
        const end = await child.exited;
        clearTimeout(timer);
        clearTimeout(safety);
        proxy.onWrite = undefined;
        proxy.onRequest = undefined;
        if (killedAt) kills++;
        attempts.push(`attempt ${i + 1} (${strategy}): ${killedAt ? `SIGKILL ${killedAt}` : `ran to the end, exit ${end.code}`}`);
        tracker.observe(await reader.read(), declaredServices(doc), `attempt ${i + 1}`);
      }
      const { cleanPasses, clean, live, verify, extraToConverge } = await cleanRunThenVerify(doc, reader);
      tracker.observe(live, declaredServices(doc), 'the clean run');
      const violations = [...tracker.violations, ...checkInvariants(live, declaredServices(doc))];
      console.log(
        [
          `[faults] SIGKILL: ${kills} kills in ${attempts.length} attempts`,
          ...attempts.map((a) => `  ${a}`),
          `  clean run: ${cleanPasses} pass(es), last ${brief(clean)}`,
          `  verifying pass: ${brief(verify)}`,
          `  passes to converge after the kills: ${cleanPasses}${extraToConverge === undefined ? ' + more than 4 further passes' : extraToConverge ? ` + ${extraToConverge} further` : ''}; owned now ${JSON.stringify(countOwned(live))}`,
          `  invariant violations: ${violations.length ? `\n    ${violations.join('\n    ')}` : 'none'}`,
        ].join('\n'),
      );
      expect(kills).toBeGreaterThanOrEqual(3);
      expect(violations).toEqual([]);
      expect(verify.report.stats.awsCalls.mutating, verify.report.actions.map((a) => `${a.op} ${a.kind} ${a.service} ${a.id}: ${a.reason}`).join('\n')).toBe(0);
    } finally {
      proxy.onWrite = undefined;
      proxy.onRequest = undefined;
      proxy.enabled = true;
      reader.destroy();
    }
  }, 240_000);

  it('against endpoints that accept connections and never answer, --reconcile-once and --dry-run end with exit 1 (--pass-timeout 20s --request-timeout 2s)', async () => {
    // One endpoint answers nothing at the HTTP level (the proxy's hang mode: the request is
    // read, never answered); the other at the TCP level (accepted, never read).
    const hung = await startFaultProxy(motoEndpoint());
    hung.addRule({ kind: 'hang' });
    const sockets = new Set<Socket>();
    let tcpConnections = 0;
    const silent = createServer((s) => {
      tcpConnections++;
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    const source = `file:${writeDoc(fullExampleDoc())}`;
    const bounds = ['--pass-timeout', '20s', '--request-timeout', '2s'];
    try {
      const [once, dry] = await Promise.all([
        runBounded(spawnCli(['--reconcile-once', '--source', source, '--output', 'json', ...bounds], hung.url)),
        runBounded(spawnCli(['--dry-run', '--source', source, '--output', 'json', ...bounds], silentUrl)),
      ]);
      console.log(
        `[faults] hung endpoints: --reconcile-once ended after ${once.elapsedMs} ms (exit ${once.code}${once.signal ? `, ${once.signal}` : ''}; ${hung.calls.length} request(s) received, none answered); ` +
          `--dry-run ended after ${dry.elapsedMs} ms (exit ${dry.code}${dry.signal ? `, ${dry.signal}` : ''}; ${tcpConnections} TCP connection(s) accepted)`,
      );
      // It reached the endpoint (not a usage error), then gave up with exit 1 on its own.
      expect({ code: once.code, signal: once.signal, killedByTest: once.killed, usageError: once.usageError, reached: hung.calls.length > 0 }, once.tail).toEqual({
        code: 1,
        signal: null,
        killedByTest: false,
        usageError: false,
        reached: true,
      });
      expect({ code: dry.code, signal: dry.signal, killedByTest: dry.killed, usageError: dry.usageError, reached: tcpConnections > 0 }, dry.tail).toEqual({
        code: 1,
        signal: null,
        killedByTest: false,
        usageError: false,
        reached: true,
      });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
      await hung.close();
    }
  }, 90_000);
});

interface SpawnedCli {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The real CLI (bin/routeyard.js on dist/) as its own process, its SDK pointed at `endpoint`. */
function spawnCli(args: string[], endpoint: string): SpawnedCli {
  let output = '';
  const proc = spawn(process.execPath, [join(repoRoot, 'bin', 'routeyard.js'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...motoEnv(endpoint), ROUTEYARD_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-100_000)));
  proc.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-100_000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  return { proc, output: () => output, exited };
}

/** Wait for the CLI to end on its own; SIGKILL it after 60 s (then `killed`). */
async function runBounded(child: SpawnedCli): Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean; elapsedMs: number; usageError: boolean; tail: string }> {
  const started = Date.now();
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.proc.kill('SIGKILL');
  }, 60_000);
  const { code, signal } = await child.exited;
  clearTimeout(timer);
  const out = child.output();
  return { code, signal, killed, elapsedMs: Date.now() - started, usageError: /Usage: routeyard|Unknown option|unknown option/.test(out), tail: out.slice(-3000) };
}
