import { DescribeTagsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ApiGatewayV2Client, GetApisCommand, GetDomainNameCommand } from '@aws-sdk/client-apigatewayv2';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/aws/clients.ts';
import type { RouteSet } from '../../src/desired/schema.ts';
import { silentLogger } from '../../src/log.ts';
import { runCli } from '../../src/run/cli.ts';
import { wire } from '../../src/run/wire.ts';
import { addForeignApi, addForeignRule, buildArticlePattern, readPatternState, type ArticleService, type BuiltService } from '../support/article-pattern.ts';
import type { SharedPlatform } from '../support/bootstrap.ts';
import { freshEmulator, routeyard, service, writeDoc } from '../support/harness.ts';

/**
 * Taking over a live account (issue 17) against moto: the article's pattern for three
 * services built as its stacks would (untagged; one still carrying CloudFormation's tags),
 * beside a foreign rule and API. Import, dry-run, adopt in one pass without a create or a
 * delete, then InSync with zero writes; the stack's service is a Conflict until released.
 */
const SERVICES: ArticleService[] = [
  { name: 'fastapi-app', priority: 2, stack: 'PrivateFastApiStack', targetGroup: { port: 8000, healthCheckPath: '/healthz' } },
  { name: 'loopback-app', priority: 3, targetGroup: { port: 3000, healthCheckPath: '/health' }, api: { routes: ['$default', 'GET /items'] } },
  { name: 'zeropoint-app', priority: 4, targetGroup: { port: 8080 }, domain: { name: 'qa.api.auth.acmecorp.com', ipAddressType: 'dualstack' }, privateName: 'zeropoint-app' },
];

let platform: SharedPlatform;
let built: BuiltService[];
let foreign: { name: string; ruleArn: string; targetGroupArn: string; apiId: string };
let imported: string;

const asFile = (text: string) => `file:${writeDoc(text)}`;
const run = (args: string[], doc: string) => routeyard([...args, '--domain-pace', '0s'], asFile(doc));

/** Creates and deletes a report counted, by operation (a take-over makes none for these resources). */
function createsAndDeletes(byOperation: Record<string, number>): string[] {
  return Object.keys(byOperation).filter((op) => /\.(Create|Delete|Request)/.test(op) && !op.startsWith('SSM.') && !op.startsWith('Route53.'));
}

async function tagsOf(arn: string): Promise<Record<string, string>> {
  const out = await new ElasticLoadBalancingV2Client({}).send(new DescribeTagsCommand({ ResourceArns: [arn] }));
  return Object.fromEntries((out.TagDescriptions?.[0]?.Tags ?? []).map((t) => [t.Key!, t.Value!]));
}

describe('taking over a live account against moto', () => {
  beforeAll(async () => {
    platform = await freshEmulator();
    built = await buildArticlePattern(platform, SERVICES);
    const rule = await addForeignRule(platform, { priority: 50, headerValue: 'legacy-admin', extraConditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/admin/*'] } }] });
    const api = await addForeignApi(platform, { name: 'partner-webhooks-api' });
    foreign = { name: 'foreign', ...rule, ...api };
    const clients = createAwsClients({});
    let stdout = '';
    const res = await runCli(
      ['--import', '--listener', platform.listenerArn, '--private-zone', 'internal.acmecorp.com', '--name', 'acmecorp-qa'],
      { stdout: (s) => (stdout += s), stderr: () => {}, env: { ROUTEYARD_LOG_LEVEL: 'silent' } },
      (_log, settings) => wire(silentLogger(), settings, clients),
    );
    expect(res.exitCode).toBe(0);
    imported = stdout;
  });

  it('the imported document validates; its dry run shows only what adoption would tag, and the stack\'s service as a Conflict naming it', async () => {
    expect((await run(['--validate'], imported)).exitCode).toBe(0);
    const dry = await run(['--dry-run'], imported);
    expect(dry.report.stats.awsCalls.mutating).toBe(0);
    // Only ownership tags and registry entries: no field of any resource differs.
    const fieldDiffs = dry.report.actions.flatMap((a) => a.diffs.map((d) => d.path)).filter((p) => !p.endsWith('.tags') && !/^dnsRecord\[_routeyard-/.test(p));
    expect(fieldDiffs).toEqual([]);
    expect(dry.report.actions.map((a) => a.op).every((op) => op === 'update' || op === 'create')).toBe(true);
    expect(dry.report.actions.filter((a) => a.op === 'create').every((a) => a.kind === 'dnsRecord' && a.id.startsWith('_routeyard-'))).toBe(true);
    const held = service(dry.report, 'fastapi-app');
    expect(held.status).toBe('Conflict');
    expect(held.resources.find((r) => r.status === 'Conflict')?.message).toContain('PrivateFastApiStack');
  });

  it('observing beside the stacks (manage: observe): no write in any pass; drift of every service is reported, the stack\'s too', async () => {
    const doc = JSON.parse(imported) as RouteSet;
    for (const s of doc.spec.services) s.manage = 'observe';
    // Someone changes the stack's service's health check by hand: observing must show it.
    doc.spec.services.find((s) => s.name === 'fastapi-app')!.targetGroup.healthCheck = { path: '/ready' };
    const observing = JSON.stringify(doc);
    const before = await readPatternState(platform, [...built, foreign]);
    for (let i = 0; i < 2; i++) {
      const pass = await run(['--reconcile-once'], observing);
      expect(pass.report.stats.awsCalls.mutating).toBe(0);
      expect(pass.exitCode).toBe(2);
      const held = service(pass.report, 'fastapi-app');
      expect(held.status).toBe('Drifted');
      expect(held.resources.flatMap((r) => r.diffs.map((d) => d.path))).toContain('targetGroup.healthCheck.path');
      expect(pass.report.actions.every((a) => a.result === 'observe')).toBe(true);
    }
    expect(await readPatternState(platform, [...built, foreign])).toEqual(before);
  });

  it('one pass adopts the two unmanaged services without a create or delete; ARNs, priorities, API ids, domains and records stay; the next pass is InSync with zero writes; foreign resources untouched', async () => {
    const before = await readPatternState(platform, [...built, foreign]);
    const adopt = await run(['--reconcile-once'], imported);
    expect(adopt.report.summary.failed, JSON.stringify(adopt.report.actions.filter((a) => a.result === 'failed'))).toBe(0);
    expect(createsAndDeletes(adopt.report.stats.awsCalls.byOperation)).toEqual([]);
    for (const name of ['loopback-app', 'zeropoint-app']) expect(['InSync', 'Drifted']).toContain(service(adopt.report, name).status);
    // What the take-over wrote: tags, and registry entries beside the records.
    expect(Object.keys(adopt.report.stats.awsCalls.byOperation).filter((op) => adopt.report.stats.awsCalls.byOperation[op]! > 0 && /\.(Add|Tag|Change)/.test(op)).sort()).toEqual(
      ['APIGateway.TagResource', 'ELBv2.AddTags', 'Route53.ChangeResourceRecordSets'],
    );
    expect(await readPatternState(platform, [...built, foreign])).toEqual(before);
    const [, lp, zp] = built;
    expect(await tagsOf(lp!.ruleArn)).toMatchObject({ 'routeyard:owner': 'acmecorp-qa', 'routeyard:service': 'loopback-app' });
    expect(await tagsOf(zp!.targetGroupArn)).toMatchObject({ 'routeyard:owner': 'acmecorp-qa', 'routeyard:service': 'zeropoint-app' });
    const domain = await new ApiGatewayV2Client({}).send(new GetDomainNameCommand({ DomainName: 'qa.api.auth.acmecorp.com' }));
    expect(domain.Tags).toMatchObject({ 'routeyard:owner': 'acmecorp-qa' });
    expect(await tagsOf(foreign.ruleArn)).not.toHaveProperty('routeyard:owner');
    const apis = (await new ApiGatewayV2Client({}).send(new GetApisCommand({}))).Items ?? [];
    expect(apis.find((a) => a.ApiId === foreign.apiId)?.Tags ?? {}).not.toHaveProperty('routeyard:owner');

    const steady = await run(['--reconcile-once'], imported);
    expect(steady.report.stats.awsCalls.mutating).toBe(0);
    expect(service(steady.report, 'loopback-app').status).toBe('InSync');
    expect(service(steady.report, 'zeropoint-app').status).toBe('InSync');
    expect(service(steady.report, 'fastapi-app').status).toBe('Conflict');
  });

  it('once the document releases the stack, the third service is adopted the same way', async () => {
    const doc = JSON.parse(imported) as RouteSet;
    doc.spec.adopt = { fromStacks: ['PrivateFastApiStack'] };
    const released = JSON.stringify(doc);
    const before = await readPatternState(platform, [...built, foreign]);
    const adopt = await run(['--reconcile-once'], released);
    expect(adopt.report.summary.failed, JSON.stringify(adopt.report.actions.filter((a) => a.result === 'failed'))).toBe(0);
    expect(createsAndDeletes(adopt.report.stats.awsCalls.byOperation)).toEqual([]);
    expect(await readPatternState(platform, [...built, foreign])).toEqual(before);
    const [py] = built;
    expect(await tagsOf(py!.ruleArn)).toMatchObject({ 'routeyard:owner': 'acmecorp-qa', 'aws:cloudformation:stack-name': 'PrivateFastApiStack' });
    const steady = await run(['--reconcile-once'], released);
    expect(steady.exitCode).toBe(0);
    expect(steady.report.outcome).toBe('InSync');
    expect(steady.report.stats.awsCalls.mutating).toBe(0);
  });
});
