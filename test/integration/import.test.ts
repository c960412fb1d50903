import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/aws/clients.ts';
import { isMutatingOperation } from '../../src/aws/call-counter.ts';
import type { RouteSet } from '../../src/desired/schema.ts';
import { silentLogger } from '../../src/log.ts';
import { runCli } from '../../src/run/cli.ts';
import { wire } from '../../src/run/wire.ts';
import { ARTICLE_ACCESS_LOG_FORMAT, addForeignApi, addForeignRule, buildArticlePattern, readPatternState, type ArticleService, type BuiltService } from '../support/article-pattern.ts';
import type { SharedPlatform } from '../support/bootstrap.ts';
import { freshEmulator, routeyard, writeDoc, type Doc } from '../support/harness.ts';

/**
 * `routeyard --import` against moto: the article's pattern for three services built as its
 * stacks would (untagged; one carrying CloudFormation's tags; one with a custom domain, its
 * certificate, mapping and alias records, and a private name), beside a rule and an API that
 * are not part of it. The import must describe exactly the three, with the live values, pass
 * the real validator, name what it left out and the stack, and make no mutating call.
 */
const SERVICES: ArticleService[] = [
  { name: 'fastapi-app', priority: 2, stack: 'PrivateFastApiStack', targetGroup: { port: 8000, healthCheckPath: '/healthz' } },
  {
    name: 'loopback-app',
    priority: 3,
    targetGroup: { port: 3000, healthCheckPath: '/health', matcher: '200-299', healthCheckIntervalSeconds: 15 },
    api: {
      description: 'loopback service',
      cors: { allowOrigins: ['https://app.acmecorp.com'], allowMethods: ['*'], allowHeaders: ['*'], allowCredentials: true, maxAgeSeconds: 86400 },
      routes: ['$default', 'GET /items'],
      throttling: { rateLimit: 200, burstLimit: 100 },
      detailedMetrics: false,
    },
  },
  {
    name: 'zeropoint-app',
    priority: 4,
    targetGroup: { port: 8080 },
    domain: { name: 'qa.api.auth.acmecorp.com', ipAddressType: 'dualstack' },
    privateName: 'zeropoint-app',
  },
];

let platform: SharedPlatform;
let built: BuiltService[];
let foreign: { name: string; ruleArn: string; targetGroupArn: string; apiId: string };

/** The document exactly as --import wrote it, as a file source. */
const asFile = (text: string) => `file:${writeDoc(text)}`;

/** The real CLI in-process, as the harness runs it, keeping --import's result and the calls its clients counted. */
async function runImport(args: string[]) {
  const clients = createAwsClients({});
  let stdout = '';
  let stderr = '';
  const res = await runCli(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: { ROUTEYARD_LOG_LEVEL: 'silent' } }, (_log, settings) => wire(silentLogger(), settings, clients));
  return { exitCode: res.exitCode, imported: res.imported, stdout, stderr, calls: clients.counter.snapshot(), doc: res.exitCode === 0 ? (JSON.parse(stdout) as RouteSet) : undefined };
}

const importLive = (args: string[] = []) => runImport(['--import', '--listener', platform.listenerArn, '--private-zone', 'internal.acmecorp.com', ...args]);

describe('routeyard --import against moto', () => {
  beforeEach(async () => {
    platform = await freshEmulator();
    built = await buildArticlePattern(platform, SERVICES);
    const rule = await addForeignRule(platform, { priority: 50, headerValue: 'legacy-admin', extraConditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/admin/*'] } }] });
    const api = await addForeignApi(platform, { name: 'partner-webhooks-api' });
    foreign = { name: 'foreign', ...rule, ...api };
  });

  it('describes exactly the three services with their live values; the output validates; the report names the foreign rule and API and the stack; no mutating call', async () => {
    const before = await readPatternState(platform, [...built, foreign]);
    const res = await importLive();
    expect(res.exitCode, res.stderr).toBe(0);
    const doc = res.doc!;
    const [py, lp, zp] = built;

    // The real validator, through the CLI, on the document as written.
    const valid = await routeyard(['--validate'], asFile(res.stdout));
    expect(valid.exitCode, JSON.stringify(valid.report.error)).toBe(0);
    expect(valid.report.outcome).toBe('Valid');

    expect(doc.spec.adopt).toBe(true);
    expect(doc.spec.shared).toEqual({
      listenerArn: platform.listenerArn,
      vpcLinkId: platform.vpcLinkId,
      vpcId: platform.vpcId,
      headerName: 'X-Target-Service',
      albDnsName: platform.albDnsName,
      albHostedZoneId: platform.albHostedZoneId,
      privateHostedZone: 'internal.acmecorp.com',
    });
    expect(doc.spec.services).toEqual([
      {
        name: 'fastapi-app',
        headerValue: 'fastapi-app',
        priority: 2,
        targetGroup: { port: 8000, protocol: 'HTTP', targetType: 'ip', healthCheck: { path: '/healthz' } },
        api: {
          name: 'fastapi-app-http-api',
          routes: ['$default'],
          stage: { throttling: { rateLimit: 10000, burstLimit: 5000 }, detailedMetrics: true, accessLog: { destinationArn: py!.accessLogArn, format: ARTICLE_ACCESS_LOG_FORMAT } },
          payloadFormatVersion: '1.0',
        },
      },
      {
        name: 'loopback-app',
        headerValue: 'loopback-app',
        priority: 3,
        targetGroup: { port: 3000, protocol: 'HTTP', targetType: 'ip', healthCheck: { path: '/health', intervalSeconds: 15, matcher: '200-299' } },
        api: {
          name: 'loopback-app-http-api',
          description: 'loopback service',
          cors: { allowOrigins: ['https://app.acmecorp.com'], allowMethods: ['*'], allowHeaders: ['*'], allowCredentials: true, maxAgeSeconds: 86400 },
          routes: ['$default', 'GET /items'],
          stage: { throttling: { rateLimit: 200, burstLimit: 100 }, detailedMetrics: false, accessLog: { destinationArn: lp!.accessLogArn, format: ARTICLE_ACCESS_LOG_FORMAT } },
          payloadFormatVersion: '1.0',
        },
      },
      {
        name: 'zeropoint-app',
        headerValue: 'zeropoint-app',
        priority: 4,
        targetGroup: { port: 8080, protocol: 'HTTP', targetType: 'ip', healthCheck: { path: '/healthz' } },
        api: {
          name: 'zeropoint-app-http-api',
          routes: ['$default'],
          stage: { throttling: { rateLimit: 10000, burstLimit: 5000 }, detailedMetrics: true, accessLog: { destinationArn: zp!.accessLogArn, format: ARTICLE_ACCESS_LOG_FORMAT } },
          payloadFormatVersion: '1.0',
        },
        domain: { name: 'qa.api.auth.acmecorp.com', hostedZone: 'acmecorp.com', certificate: zp!.certificateArn, ipAddressType: 'dualstack' },
        privateDns: { name: 'zeropoint-app.internal.acmecorp.com' },
      },
    ]);
    expect(res.imported?.services.map((s) => [s.ruleArn, s.targetGroupArn, s.apiId])).toEqual(built.map((b) => [b.ruleArn, b.targetGroupArn, b.apiId]));

    // The report on stderr: what was left out and why, and the stack that still holds fastapi-app.
    expect(res.stderr).toContain(`listener rule ${foreign.ruleArn} (priority 50): has 2 conditions (http-header X-Target-Service, path-pattern)`);
    expect(res.stderr).toContain(`1 HTTP API(s) with no integration to the listener: ${foreign.apiId} "partner-webhooks-api"`);
    expect(res.stderr).toMatch(/PrivateFastApiStack: 4 resource\(s\) of fastapi-app/);
    expect(res.stderr).toContain('(logical id FastapiAppListenerRule)');
    expect(res.stderr).toContain('"adopt": { "fromStacks": ["PrivateFastApiStack"] }');
    expect(res.imported?.stacks.map((s) => [s.stack, s.resources.map((r) => r.kind)])).toEqual([['PrivateFastApiStack', ['listenerRule', 'targetGroup', 'httpApi', 'stage']]]);
    expect(res.imported?.leftOut.map((x) => x.kind).sort()).toEqual(['httpApi', 'listenerRule']);

    // Read-only: every call a Describe, Get or List; nothing in the account changed.
    expect(res.calls.mutating).toBe(0);
    expect(Object.keys(res.calls.byOperation).filter((op) => isMutatingOperation(op.split('.')[1]!))).toEqual([]);
    expect(res.stderr).toContain(`AWS calls: ${res.calls.total} (0 mutating)`);
    expect(await readPatternState(platform, [...built, foreign])).toEqual(before);
  });

  it('a dry run of the imported document finds no difference in any API, integration, route or stage field (only what adoption tags)', async () => {
    const res = await importLive();
    const dry = await routeyard(['--dry-run', '--domain-pace', '0s'], asFile(res.stdout));
    expect(dry.report.services.map((s) => s.name)).toEqual(['fastapi-app', 'loopback-app', 'zeropoint-app']);
    const fieldDiffs = dry.report.services.flatMap((s) =>
      s.resources
        .filter((r) => ['httpApi', 'integration', 'route', 'stage'].includes(r.kind))
        .flatMap((r) => r.diffs.filter((d) => d.path !== 'httpApi.tags').map((d) => `${s.name} ${r.kind} ${d.path}: ${JSON.stringify(d.desired)} vs ${JSON.stringify(d.live)}`)),
    );
    expect(fieldDiffs).toEqual([]);
    expect(dry.report.actions.filter((a) => ['integration', 'route', 'stage'].includes(a.kind))).toEqual([]);
    expect(dry.report.stats.awsCalls.mutating).toBe(0);
  });

  it('--manage observe and --name; the same account imports to the same document twice', async () => {
    const a = await importLive(['--manage', 'observe', '--name', 'acmecorp-qa']);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(a.doc!.metadata.name).toBe('acmecorp-qa');
    expect(a.doc!.spec.services.map((s) => s.manage)).toEqual(['observe', 'observe', 'observe']);
    expect((await routeyard(['--validate'], asFile(a.stdout))).exitCode).toBe(0);
    const b = await importLive(['--manage', 'observe', '--name', 'acmecorp-qa']);
    expect(b.stdout).toBe(a.stdout);
  });

  it('--source takes spec.shared from a document and keeps its ssm: references; an integration that appends the header is left out with why', async () => {
    await buildArticlePattern(platform, [{ name: 'unsafe-app', priority: 7, api: { headerAction: 'append' } }]);
    const source: Doc = {
      apiVersion: 'routeyard/v1',
      kind: 'RouteSet',
      metadata: { name: 'acmecorp-qa' },
      spec: {
        shared: { listenerArn: `ssm:${platform.parameters.listenerArn}`, vpcLinkId: `ssm:${platform.parameters.vpcLinkId}`, vpcId: `ssm:${platform.parameters.vpcId}` },
        services: [{ name: 'placeholder', headerValue: 'placeholder', targetGroup: { port: 80, protocol: 'HTTP', targetType: 'ip' } }],
      },
    };
    const res = await runImport(['--import', '--source', asFile(JSON.stringify(source))]);
    expect(res.exitCode, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as RouteSet;
    expect(doc.metadata.name).toBe('acmecorp-qa');
    expect(doc.spec.shared).toEqual(source.spec.shared);
    expect(doc.spec.services.map((s) => s.name)).toEqual(['fastapi-app', 'loopback-app', 'zeropoint-app', 'unsafe-app']);
    expect(doc.spec.services[3]!.api).toBeUndefined();
    expect(res.stderr).toContain('sets X-Target-Service with "append:header.X-Target-Service", not overwrite:: a client could send its own value and choose the backend');
    expect((await routeyard(['--validate'], asFile(res.stdout))).exitCode).toBe(0);
    expect(res.calls.mutating).toBe(0);
    expect(res.calls.byOperation['SSM.GetParameters']).toBe(1);
  });

  it('a listener that does not exist is exit 1 with the reason; nothing is written to stdout', async () => {
    const missing = platform.listenerArn.replace(/[0-9a-f]{16}$/, '0000000000000000');
    const res = await runImport(['--import', '--listener', missing]);
    expect(res.exitCode).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('import failed: ObserveFailed: could not read the listener');
  });
});
