import { ApiGatewayV2Client, GetApisCommand, GetStagesCommand } from '@aws-sdk/client-apigatewayv2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SharedPlatform } from '../support/bootstrap.ts';
import { albOnlyDoc, dryRun, exampleDoc, freshEmulator, reconcile, routeyard, service } from '../support/harness.ts';

/**
 * Where moto is lenient and AWS is not (issue 6), against the emulator. The moto launcher
 * (test/support/moto_launcher.py) closes two of the gaps the way AWS behaves: it trims ':*'
 * from a stage's access-log destination, and reports the targets of a group no rule uses
 * as `unused` (Target.NotInUse).
 */
const elbv2 = () => new ElasticLoadBalancingV2Client({});
const apigw = () => new ApiGatewayV2Client({});

let platform: SharedPlatform;

async function ruleOf(svc: string) {
  const rules = ((await elbv2().send(new DescribeRulesCommand({ ListenerArn: platform.listenerArn }))).Rules ?? []).filter((r) => !r.IsDefault);
  const tags = (await elbv2().send(new DescribeTagsCommand({ ResourceArns: rules.map((r) => r.RuleArn!) }))).TagDescriptions ?? [];
  const arn = tags.find((t) => t.Tags?.some((x) => x.Key === 'routeyard:service' && x.Value === svc))?.ResourceArn;
  const rule = rules.find((r) => r.RuleArn === arn);
  if (!rule) throw new Error(`no rule for ${svc}`);
  const action = rule.Actions![0]!;
  const weights = action.ForwardConfig?.TargetGroups?.length
    ? action.ForwardConfig.TargetGroups.map((t) => ({ arn: t.TargetGroupArn!, weight: t.Weight ?? 1 }))
    : [{ arn: action.TargetGroupArn!, weight: 1 }];
  return { arn: rule.RuleArn!, weights };
}

async function groupsNamed(prefix: string) {
  return ((await elbv2().send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? []).filter((g) => g.TargetGroupName!.startsWith(prefix));
}

async function registerTarget(targetGroupArn: string, ip: string, port: number) {
  await elbv2().send(new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [{ Id: ip, Port: port }] }));
}

describe('AWS behaviour the emulator needs help with', () => {
  beforeEach(async () => {
    platform = await freshEmulator();
  });

  it('stage access logs: a log group ARN ending in ":*" (as CDK gives it) converges, AWS stores it trimmed, and the next pass makes zero mutating calls', async () => {
    const doc = exampleDoc();
    const log = 'arn:aws:logs:eu-west-1:123456789012:log-group:/acmecorp/apigw/fastapi-app:*';
    doc.spec.services[0].api.stage.accessLog.destinationArn = log;
    const first = await reconcile(doc);
    expect(first.exitCode).toBe(0);
    const api = ((await apigw().send(new GetApisCommand({}))).Items ?? []).find((a) => a.Name === 'fastapi-app-http-api')!;
    const stage = ((await apigw().send(new GetStagesCommand({ ApiId: api.ApiId! }))).Items ?? [])[0]!;
    expect(stage.AccessLogSettings?.DestinationArn).toBe(log.slice(0, -2)); // the launcher trims it, as AWS does
    const second = await reconcile(doc);
    expect(second.report.outcome).toBe('InSync');
    expect(second.report.stats.awsCalls.mutating).toBe(0);
    expect(second.report.stats.awsCalls.byOperation['APIGateway.UpdateStage']).toBeUndefined();
  });

  it('target health: the targets of a group no rule uses are "unused" (Target.NotInUse), as on AWS', async () => {
    const tg = await elbv2().send(new CreateTargetGroupCommand({ Name: 'lonely', Port: 80, Protocol: 'HTTP', VpcId: platform.vpcId, TargetType: 'ip' }));
    const arn = tg.TargetGroups![0]!.TargetGroupArn!;
    await registerTarget(arn, '10.20.1.50', 80);
    const health = await elbv2().send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    expect(health.TargetHealthDescriptions?.[0]?.TargetHealth).toMatchObject({ State: 'unused', Reason: 'Target.NotInUse' });
  });

  it('target group replacement while the old group has a healthy target: the rule keeps the traffic on it, the service is Pending, and the switch completes once the new group has a healthy target', async () => {
    const doc = albOnlyDoc();
    await reconcile(doc);
    const [old] = await groupsNamed('ry-loopback-app-');
    await registerTarget(old!.TargetGroupArn!, '10.20.1.10', 3000);

    doc.spec.services[1].targetGroup.port = 3001;
    const dry = await dryRun(doc);
    expect(dry.exitCode).toBe(2);
    expect(dry.report.outcome).toBe('DriftFound');
    expect(service(dry.report, 'loopback-app').status).toBe('Pending');

    const start = await reconcile(doc);
    expect(start.exitCode).toBe(0);
    expect(start.report.outcome).toBe('Pending');
    expect(start.report.summary.pending).toBe(1);
    const loopback = service(start.report, 'loopback-app');
    expect(loopback.status).toBe('Pending');
    const pendingGroup = loopback.resources.find((r) => r.status === 'Pending')!;
    expect(pendingGroup.message).toMatch(/^waiting for healthy targets in ry-loopback-app-[0-9a-f]{8}; point the service's ECS load balancer at it/);
    const groups = await groupsNamed('ry-loopback-app-');
    expect(groups).toHaveLength(2);
    const fresh = groups.find((g) => g.Port === 3001)!;
    // All traffic still goes to the old group; the new one is attached with weight 0 so AWS health-checks it.
    expect(await ruleOf('loopback-app').then((r) => r.weights.sort((a, b) => b.weight - a.weight))).toEqual([
      { arn: old!.TargetGroupArn!, weight: 1 },
      { arn: fresh.TargetGroupArn!, weight: 0 },
    ]);

    const waiting = await reconcile(doc);
    expect(waiting.exitCode).toBe(0);
    expect(waiting.report.outcome).toBe('Pending');
    expect(waiting.report.stats.awsCalls.mutating).toBe(0);
    expect(waiting.report.stats.awsCalls.byOperation['ELBv2.DescribeTargetHealth']).toBe(2);
    const waitingDry = await dryRun(doc);
    expect(waitingDry.exitCode).toBe(0);
    expect(waitingDry.report.outcome).toBe('Pending');

    // ECS registers a task in the new group; AWS health-checks it because the rule uses the group.
    await registerTarget(fresh.TargetGroupArn!, '10.20.1.11', 3001);
    const done = await reconcile(doc);
    expect(done.exitCode).toBe(0);
    expect(done.report.outcome).toBe('Converged');
    expect(done.report.actions.map((a) => `${a.op} ${a.kind}`).sort()).toEqual(['delete targetGroup', 'update listenerRule']);
    expect((await ruleOf('loopback-app')).weights).toEqual([{ arn: fresh.TargetGroupArn!, weight: 1 }]);
    expect((await groupsNamed('ry-loopback-app-')).map((g) => g.Port)).toEqual([3001]);
    const after = await reconcile(doc);
    expect(after.report.outcome).toBe('InSync');
    expect(after.report.stats.awsCalls.mutating).toBe(0);
  });

  it('target group replacement when the old group has no healthy target: nothing can be disrupted, so the switch is at once', async () => {
    const doc = albOnlyDoc();
    await reconcile(doc);
    doc.spec.services[1].targetGroup.port = 3001;
    const res = await reconcile(doc);
    expect(res.report.outcome).toBe('Converged');
    const [fresh] = await groupsNamed('ry-loopback-app-');
    expect(fresh!.Port).toBe(3001);
    expect((await ruleOf('loopback-app')).weights).toEqual([{ arn: fresh!.TargetGroupArn!, weight: 1 }]);
  });

  it('rule quota per load balancer: the rules of a second listener count, and creates over the quota are Errors before any call', async () => {
    const doc = albOnlyDoc();
    await reconcile(doc); // 5 rules on the shared listener
    const other = await elbv2().send(
      new CreateListenerCommand({ LoadBalancerArn: platform.loadBalancerArn, Port: 8080, Protocol: 'HTTP', DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }] }),
    );
    const [tg] = await groupsNamed('ry-fastapi-app-');
    for (const p of [1, 2, 3]) {
      await elbv2().send(
        new CreateRuleCommand({
          ListenerArn: other.Listeners![0]!.ListenerArn!,
          Priority: p,
          Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [`/other${p}/*`] } }],
          Actions: [{ Type: 'forward', TargetGroupArn: tg!.TargetGroupArn! }],
        }),
      );
    }
    doc.spec.services.push(
      { name: 'billing', headerValue: 'billing', priority: 40, targetGroup: { port: 9000, protocol: 'HTTP', targetType: 'ip' } },
      { name: 'ledger', headerValue: 'ledger', priority: 41, targetGroup: { port: 9000, protocol: 'HTTP', targetType: 'ip' } },
    );
    // 5 + 3 rules now; the quota of 9 leaves room for one more rule, not two.
    const res = await routeyard(['--reconcile-once', '--rule-quota', '9'], doc);
    expect(res.exitCode).toBe(1);
    const ledger = service(res.report, 'ledger');
    expect(ledger.status).toBe('Error');
    expect(ledger.resources.find((r) => r.kind === 'listenerRule')?.message).toMatch(/quota of 9 rules \(8 there now on its 2 listeners/);
    expect(service(res.report, 'billing').status).toBe('Missing');
    expect(res.report.stats.awsCalls.byOperation['ELBv2.CreateRule']).toBe(1);
    expect(res.report.actions.some((a) => a.service === 'ledger')).toBe(false);
  });

  it('a target group referenced by ARN that another load balancer uses is an Error, and nothing is pointed at it', async () => {
    const doc = albOnlyDoc();
    const tg = await elbv2().send(new CreateTargetGroupCommand({ Name: 'other-lb-group', Port: 80, Protocol: 'HTTP', VpcId: platform.vpcId, TargetType: 'ip' }));
    const arn = tg.TargetGroups![0]!.TargetGroupArn!;
    const lb = await elbv2().send(new CreateLoadBalancerCommand({ Name: 'someone-elses-alb', Scheme: 'internal', Type: 'application', Subnets: platform.subnetIds }));
    await elbv2().send(
      new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancers![0]!.LoadBalancerArn!, Port: 80, Protocol: 'HTTP', DefaultActions: [{ Type: 'forward', TargetGroupArn: arn }] }),
    );
    doc.spec.services.push({ name: 'borrowed', headerValue: 'borrowed', priority: 40, targetGroup: { arn } });
    const res = await reconcile(doc);
    expect(res.exitCode).toBe(1);
    const borrowed = service(res.report, 'borrowed');
    expect(borrowed.status).toBe('Error');
    expect(borrowed.resources.find((r) => r.kind === 'targetGroup')?.message).toContain('attached to another load balancer');
    expect(res.report.actions.some((a) => a.service === 'borrowed')).toBe(false);
    expect(service(res.report, 'fastapi-app').status).toBe('Missing'); // the others converge
  });
});
