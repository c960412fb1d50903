import { GetApisCommand, ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { DescribeRulesCommand, DescribeTagsCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetParametersByPathCommand, ListTagsForResourceCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SharedPlatform } from '../support/bootstrap.ts';
import { dryRun, exampleDoc, freshEmulator, reconcile, service, type Doc } from '../support/harness.ts';

/** Published outputs (spec.shared.outputsPrefix) against moto: SSM String parameters per service. */
const PREFIX = '/acmecorp/routeyard';
const ssm = () => new SSMClient({});
const elbv2 = () => new ElasticLoadBalancingV2Client({});

async function published(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let token: string | undefined;
  do {
    const page = await ssm().send(new GetParametersByPathCommand({ Path: `${PREFIX}/services`, Recursive: true, MaxResults: 10, ...(token ? { NextToken: token } : {}) }));
    for (const p of page.Parameters ?? []) out[p.Name!.slice(`${PREFIX}/services/`.length)] = p.Value!;
    token = page.NextToken;
  } while (token);
  return out;
}

async function tagged(kind: 'rule' | 'group', svc: string, listenerArn: string) {
  const arns =
    kind === 'rule'
      ? ((await elbv2().send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules ?? []).filter((r) => !r.IsDefault).map((r) => r.RuleArn!)
      : ((await elbv2().send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? []).map((g) => g.TargetGroupArn!);
  const tags = (await elbv2().send(new DescribeTagsCommand({ ResourceArns: arns }))).TagDescriptions ?? [];
  return tags
    .filter((t) => t.Tags?.some((x) => x.Key === 'routeyard:service' && x.Value === svc))
    .map((t) => ({ arn: t.ResourceArn!, role: t.Tags?.find((x) => x.Key === 'routeyard:role')?.Value }));
}

function withOutputs(doc: Doc = exampleDoc()): Doc {
  doc.spec.shared.outputsPrefix = PREFIX;
  return doc;
}

let platform: SharedPlatform;

describe('published outputs against moto', () => {
  beforeAll(async () => {
    platform = await freshEmulator();
  });

  it('publishes every service\'s target group, rule, API id and endpoint, tagged, with the values AWS holds', async () => {
    const doc = withOutputs();
    const dry = await dryRun(doc);
    expect(dry.report.stats.awsCalls.mutating).toBe(0);
    expect(service(dry.report, 'fastapi-app').outputs?.['target-group-arn']).toBe('(created by this plan)');

    const first = await reconcile(doc);
    expect(first.exitCode).toBe(0);
    const values = await published();
    const apis = (await new ApiGatewayV2Client({}).send(new GetApisCommand({}))).Items ?? [];
    for (const s of doc.spec.services as Doc[]) {
      const group = (await tagged('group', s.name, platform.listenerArn))[0]!.arn;
      const rule = (await tagged('rule', s.name, platform.listenerArn))[0]!.arn;
      const api = apis.find((a) => a.Name === `${s.name}-http-api`)!;
      expect(values[`${s.name}/target-group-arn`]).toBe(group);
      expect(values[`${s.name}/production-rule-arn`]).toBe(rule);
      expect(values[`${s.name}/api-id`]).toBe(api.ApiId);
      expect(values[`${s.name}/api-endpoint`]).toBe(api.ApiEndpoint);
      expect(values[`${s.name}/alternate-target-group-arn`]).toBeUndefined();
      // The report carries the same values.
      expect(service(first.report, s.name).outputs).toMatchObject({ 'target-group-arn': group, 'api-id': api.ApiId, 'api-endpoint': api.ApiEndpoint });
      const tags = (await ssm().send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: `${PREFIX}/services/${s.name}/api-id` }))).TagList;
      expect(tags).toEqual(expect.arrayContaining([{ Key: 'routeyard:owner', Value: 'acmecorp-qa' }, { Key: 'routeyard:service', Value: s.name }]));
    }
    const second = await reconcile(doc);
    expect(second.report.outcome).toBe('InSync');
    expect(second.report.stats.awsCalls.mutating).toBe(0);
  });

  it('repairs a parameter changed out of band', async () => {
    const doc = withOutputs();
    await reconcile(doc);
    const before = await published();
    await ssm().send(new PutParameterCommand({ Name: `${PREFIX}/services/loopback-app/target-group-arn`, Value: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/elsewhere/0123456789abcdef', Type: 'String', Overwrite: true }));
    const drift = await reconcile(doc);
    expect(drift.exitCode).toBe(0);
    expect(service(drift.report, 'loopback-app').resources.find((r) => r.kind === 'parameter' && r.status === 'Drifted')?.id).toBe(`${PREFIX}/services/loopback-app/target-group-arn`);
    expect((await published())['loopback-app/target-group-arn']).toBe(before['loopback-app/target-group-arn']);
  });

  it('a target group replacement publishes the new group\'s ARN in the pass that creates it', async () => {
    const doc = withOutputs();
    await reconcile(doc);
    const old = (await published())['zeropoint-app/target-group-arn'];
    const changed = withOutputs();
    changed.spec.services.find((s: Doc) => s.name === 'zeropoint-app').targetGroup.port = 8081;
    const pass = await reconcile(changed);
    expect(pass.exitCode).toBe(0);
    const now = (await published())['zeropoint-app/target-group-arn'];
    expect(now).not.toBe(old);
    const groups = ((await elbv2().send(new DescribeTargetGroupsCommand({ TargetGroupArns: [now!] }))).TargetGroups ?? [])[0];
    expect(groups?.Port).toBe(8081);
    expect(service(pass.report, 'zeropoint-app').outputs?.['target-group-arn']).toBe(now);
  });

  it('publishes both groups and both rules of a service using ECS deployments', async () => {
    const doc = withOutputs();
    doc.spec.services.find((s: Doc) => s.name === 'fastapi-app').deployment = { strategy: 'ecs', testTraffic: { header: 'X-Canary', value: '1' } };
    const pass = await reconcile(doc);
    expect(pass.exitCode).toBe(0);
    const values = await published();
    const groups = await tagged('group', 'fastapi-app', platform.listenerArn);
    const rules = await tagged('rule', 'fastapi-app', platform.listenerArn);
    expect(values['fastapi-app/target-group-arn']).toBe(groups.find((g) => g.role !== 'alternate')!.arn);
    expect(values['fastapi-app/alternate-target-group-arn']).toBe(groups.find((g) => g.role === 'alternate')!.arn);
    expect(values['fastapi-app/production-rule-arn']).toBe(rules.find((r) => r.role !== 'test')!.arn);
    expect(values['fastapi-app/test-rule-arn']).toBe(rules.find((r) => r.role === 'test')!.arn);
  });

  it('never overwrites a parameter it does not own (Conflict), and removes a removed service\'s parameters', async () => {
    const doc = withOutputs();
    await reconcile(doc);
    const foreign = `${PREFIX}/services/fastapi-prerelease/api-endpoint`;
    // Someone else's parameter where routeyard would publish: simulate by deleting ours and writing one untagged.
    const { DeleteParameterCommand } = await import('@aws-sdk/client-ssm');
    await ssm().send(new DeleteParameterCommand({ Name: foreign }));
    await ssm().send(new PutParameterCommand({ Name: foreign, Value: 'https://not-routeyard.example.com', Type: 'String' }));
    const conflict = await reconcile(doc);
    expect(service(conflict.report, 'fastapi-prerelease').resources.find((r) => r.id === foreign)?.status).toBe('Conflict');
    expect((await published())['fastapi-prerelease/api-endpoint']).toBe('https://not-routeyard.example.com');

    const fewer = withOutputs();
    fewer.spec.services = fewer.spec.services.filter((s: Doc) => s.name !== 'gantt-autoscheduler-qa');
    const removed = await reconcile(fewer);
    // The Conflict still stands (exit 1); the removed service's parameters go regardless.
    expect(removed.report.summary.failed).toBe(0);
    expect(service(removed.report, 'gantt-autoscheduler-qa').status).toBe('Orphaned');
    const left = Object.keys(await published());
    expect(left.filter((k) => k.startsWith('gantt-autoscheduler-qa/'))).toEqual([]);
    // The foreign parameter is still there, untouched.
    expect(left).toContain('fastapi-prerelease/api-endpoint');
  });
});
