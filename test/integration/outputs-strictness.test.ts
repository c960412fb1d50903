import {
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  type RuleCondition,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetParametersByPathCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SharedPlatform } from '../support/bootstrap.ts';
import { albOnlyDoc, freshEmulator, reconcile, routeyard, service, type Doc } from '../support/harness.ts';

/**
 * Issue 16's AWS calls where moto is lenient and AWS is not. The moto launcher
 * (test/support/moto_launcher.py) refuses, as AWS does:
 * - a PutParameter name deeper than 15 levels (HierarchyLevelLimitExceededException) or
 *   longer than 1011 characters with its ARN (ValidationException); moto takes any depth and
 *   any name up to the model's 2048;
 * - an http-header rule condition on the Host header (ValidationError); moto matches on it.
 * With those rules in place, routeyard converges at the outer limits of what the schema
 * accepts for outputsPrefix, and the ECS rules keep their weights through a ModifyRule
 * without Actions (ELBv2 API reference, ModifyRule: "Any properties that you do not specify
 * are unchanged").
 */
const ssm = () => new SSMClient({});
const elbv2 = () => new ElasticLoadBalancingV2Client({});

let platform: SharedPlatform;

async function refusal(request: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await request;
  } catch (err) {
    return err as Error;
  }
  throw new Error('the request was accepted');
}

async function expectRefused(request: Promise<unknown>, name: string, ...fragments: string[]): Promise<void> {
  const err = await refusal(request);
  expect(err.name).toBe(name);
  expect(err.$metadata?.httpStatusCode).toBe(400);
  for (const f of fragments) expect(err.message).toContain(f);
}

/** `/l1/l2/.../lN`: N levels. */
const levels = (n: number) => Array.from({ length: n }, (_, i) => `/l${i + 1}`).join('');
const put = (Name: string) => ssm().send(new PutParameterCommand({ Name, Value: 'v', Type: 'String' }));

describe('SSM parameter names: the launcher applies the limits AWS does and the model does not carry', () => {
  beforeEach(async () => {
    platform = await freshEmulator();
  });

  it('15 levels are taken (the User Guide\'s /Level-1/L2/.../L14/parameter-name); 16 and 17 are HierarchyLevelLimitExceededException', async () => {
    await put(levels(15));
    await put(`${levels(14)}/parameter-name`);
    await expectRefused(put(levels(16)), 'HierarchyLevelLimitExceededException', 'maximum of 15 levels');
    await expectRefused(put(`${levels(16)}/parameter-name`), 'HierarchyLevelLimitExceededException');
  });

  it('a name is taken up to 1011 characters with its ARN (arn:aws:ssm:eu-west-1:123456789012:parameter is 44 before a /name), and refused one beyond', async () => {
    const arnHead = 'arn:aws:ssm:eu-west-1:123456789012:parameter';
    const longest = `/${'n'.repeat(1011 - arnHead.length - 1)}`;
    expect(arnHead.length + longest.length).toBe(1011);
    await put(longest);
    await expectRefused(put(`${longest}x`), 'ValidationException', "at 'name'");
    // A name without a leading "/" has the ARN's "/" before it: the same 1011 in all.
    await put('m'.repeat(1011 - arnHead.length - 1));
    await expectRefused(put('m'.repeat(1011 - arnHead.length)), 'ValidationException', "at 'name'");
  });

  it('routeyard at the schema\'s limits (a 12-level, 512-character outputsPrefix, a 63-character service with an ECS test rule) publishes every key, then makes no call', async () => {
    const prefix = Array.from({ length: 12 }, (_, i) => `/${String(i).padStart(41, 'p')}`).join('').padEnd(512, 'x');
    expect(prefix).toHaveLength(512);
    const name = 'e'.repeat(63);
    const doc: Doc = albOnlyDoc();
    doc.spec.shared.outputsPrefix = prefix;
    doc.spec.services = [
      { ...doc.spec.services[0], name, headerValue: name, deployment: { strategy: 'ecs', testTraffic: { header: 'X-Canary', value: '1' } } },
    ];
    delete doc.spec.services[0].priority;
    const first = await reconcile(doc);
    expect(first.exitCode, JSON.stringify(service(first.report, name).resources.filter((r) => r.status !== 'InSync'))).toBe(0);
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await ssm().send(new GetParametersByPathCommand({ Path: `${prefix}/services`, Recursive: true, MaxResults: 10, ...(token ? { NextToken: token } : {}) }));
      names.push(...(page.Parameters ?? []).map((p) => p.Name!));
      token = page.NextToken;
    } while (token);
    expect(names.map((n) => n.slice(`${prefix}/services/${name}/`.length)).sort()).toEqual(['alternate-target-group-arn', 'production-rule-arn', 'target-group-arn', 'test-rule-arn']);
    const deepest = `${prefix}/services/${name}/alternate-target-group-arn`;
    expect(deepest).toHaveLength(612);
    expect(deepest.split('/').filter(Boolean)).toHaveLength(15);
    const again = await reconcile(doc);
    expect(again.report.outcome).toBe('InSync');
    expect(again.report.stats.awsCalls.mutating).toBe(0);
  });
});

describe('ELBv2 http-header conditions: the launcher refuses one on Host, as AWS does', () => {
  beforeEach(async () => {
    platform = await freshEmulator();
  });

  const group = async (Name: string) =>
    (await elbv2().send(new CreateTargetGroupCommand({ Name, Port: 80, Protocol: 'HTTP', VpcId: platform.vpcId, TargetType: 'ip' }))).TargetGroups![0]!.TargetGroupArn!;
  const header = (HttpHeaderName: string, value: string): RuleCondition => ({ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName, Values: [value] } });

  it('CreateRule and ModifyRule with an http-header condition on Host, in any case: ValidationError; the rule is left as it was', async () => {
    const tg = await group('hosted');
    const create = (Priority: number, conditions: RuleCondition[]) =>
      elbv2().send(new CreateRuleCommand({ ListenerArn: platform.listenerArn, Priority, Conditions: conditions, Actions: [{ Type: 'forward', TargetGroupArn: tg }] }));
    await expectRefused(create(10, [header('Host', 'api.acmecorp.com')]), 'ValidationError', "at 'conditions.1.member.httpHeaderConfig.httpHeaderName'", 'host');
    await expectRefused(create(10, [header('X-Target-Service', 'a'), header('hOsT', 'b')]), 'ValidationError', "at 'conditions.2.member.httpHeaderConfig.httpHeaderName'");
    const made = await create(10, [header('X-Target-Service', 'a'), header('X-Host', 'b')]);
    const arn = made.Rules![0]!.RuleArn!;
    await expectRefused(elbv2().send(new ModifyRuleCommand({ RuleArn: arn, Conditions: [header('HOST', 'a')] })), 'ValidationError');
    const rule = (await elbv2().send(new DescribeRulesCommand({ RuleArns: [arn] }))).Rules![0]!;
    expect(rule.Conditions?.map((c) => c.HttpHeaderConfig?.HttpHeaderName)).toEqual(['X-Target-Service', 'X-Host']);
  });

  it('ModifyRule with Conditions and no Actions changes the conditions and keeps the forward weights exactly (what routeyard relies on for ECS rules)', async () => {
    const [blue, green] = [await group('blue'), await group('green')];
    const made = await elbv2().send(
      new CreateRuleCommand({
        ListenerArn: platform.listenerArn,
        Priority: 20,
        Conditions: [header('X-Target-Service', 'svc')],
        Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue, Weight: 100 }, { TargetGroupArn: green, Weight: 0 }] } }],
      }),
    );
    const arn = made.Rules![0]!.RuleArn!;
    // ECS moves the traffic.
    await elbv2().send(new ModifyRuleCommand({ RuleArn: arn, Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue, Weight: 30 }, { TargetGroupArn: green, Weight: 70 }] } }] }));
    await elbv2().send(new ModifyRuleCommand({ RuleArn: arn, Conditions: [header('X-Target-Service', 'svc'), header('X-Canary', '1')] }));
    const rule = (await elbv2().send(new DescribeRulesCommand({ RuleArns: [arn] }))).Rules![0]!;
    expect(rule.Conditions?.map((c) => `${c.HttpHeaderConfig?.HttpHeaderName}=${c.HttpHeaderConfig?.Values?.join(',')}`)).toEqual(['X-Target-Service=svc', 'X-Canary=1']);
    expect(rule.Actions?.map((a) => a.ForwardConfig?.TargetGroups?.map((t) => [t.TargetGroupArn, t.Weight]))).toEqual([
      [
        [blue, 30],
        [green, 70],
      ],
    ]);
  });
});

describe('a document naming the Host header for a rule condition is invalid: AWS would refuse every rule built from it', () => {
  beforeEach(async () => {
    platform = await freshEmulator();
  });

  const hostDocs = (): [string, Doc][] => {
    const test = albOnlyDoc();
    test.spec.services[0].deployment = { strategy: 'ecs', testTraffic: { header: 'Host', value: 'canary' } };
    const routing = albOnlyDoc();
    routing.spec.shared.headerName = 'host';
    return [
      ['spec.services[0].deployment.testTraffic.header', test],
      ['spec.shared.headerName', routing],
    ];
  };

  it('--validate and --reconcile-once refuse it (exit 3, Invalid, the field named) before any AWS call', async () => {
    for (const [path, doc] of hostDocs()) {
      for (const mode of ['--validate', '--reconcile-once']) {
        const res = await routeyard([mode], doc);
        expect(res.exitCode, `${mode} ${path}: ${JSON.stringify(res.report.services?.map((s) => [s.name, s.status]))}`).toBe(3);
        expect(res.report.outcome).toBe('Invalid');
        expect(res.report.error!.fieldErrors).toContainEqual({ path, message: expect.stringMatching(/host/i) });
        expect(res.report.stats.awsCalls.mutating).toBe(0);
      }
    }
  });
});
