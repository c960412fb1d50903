import { GetIntegrationsCommand, ApiGatewayV2Client, GetApisCommand } from '@aws-sdk/client-apigatewayv2';
import {
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { beforeEach, describe, expect, it } from 'vitest';
import { addLoadBalancer, type ExtraLoadBalancer, type SharedPlatform } from '../support/bootstrap.ts';
import { addForeignRule } from '../support/article-pattern.ts';
import { freshEmulator, reconcile, service, type Doc } from '../support/harness.ts';

/**
 * Several load balancers (issue 18) against moto: services spread over two ALBs, each
 * within AWS's quotas (moto enforces none: the test counts them); placement never moves a
 * service that is placed; a pinned service and the services of a shard removed from the
 * document move without ever being left without a serving rule.
 */
const elbv2 = () => new ElasticLoadBalancingV2Client({});
const apigw = () => new ApiGatewayV2Client({});

let platform: SharedPlatform;
let second: ExtraLoadBalancer;

function shardsDoc(services: Doc[], shards: ('alb-1' | 'alb-2')[] = ['alb-1', 'alb-2'], quotas: Partial<Record<'alb-1' | 'alb-2', number>> = {}): Doc {
  const all = {
    'alb-1': { name: 'alb-1', listenerArn: platform.listenerArn, albDnsName: platform.albDnsName, albHostedZoneId: platform.albHostedZoneId },
    'alb-2': { name: 'alb-2', listenerArn: second.listenerArn, albDnsName: second.albDnsName, albHostedZoneId: second.albHostedZoneId },
  };
  return {
    apiVersion: 'routeyard/v1',
    kind: 'RouteSet',
    metadata: { name: 'acmecorp-qa' },
    spec: {
      shared: { loadBalancers: shards.map((s) => ({ ...all[s], ...(quotas[s] ? { ruleQuota: quotas[s] } : {}) })), vpcLinkId: platform.vpcLinkId, vpcId: platform.vpcId, privateHostedZone: 'internal.acmecorp.com' },
      services,
    },
  };
}

const svc = (name: string, extra: Doc = {}): Doc => ({ name, headerValue: name, targetGroup: { port: 8000, protocol: 'HTTP', targetType: 'ip', healthCheck: { path: '/healthz' } }, ...extra });

async function rulesOn(listenerArn: string): Promise<Rule[]> {
  const out: Rule[] = [];
  let marker: string | undefined;
  do {
    const page = await elbv2().send(new DescribeRulesCommand({ ListenerArn: listenerArn, ...(marker ? { Marker: marker } : {}) }));
    out.push(...(page.Rules ?? []).filter((r) => !r.IsDefault));
    marker = page.NextMarker;
  } while (marker);
  return out;
}

/** service -> its rule ARN on a listener (by the routeyard:service tag). */
async function ruleArnsByService(listenerArn: string): Promise<Map<string, string>> {
  const rules = await rulesOn(listenerArn);
  const out = new Map<string, string>();
  for (let i = 0; i < rules.length; i += 20) {
    const tags = (await elbv2().send(new DescribeTagsCommand({ ResourceArns: rules.slice(i, i + 20).map((r) => r.RuleArn!) }))).TagDescriptions ?? [];
    for (const t of tags) {
      const s = t.Tags?.find((x) => x.Key === 'routeyard:service')?.Value;
      if (s) out.set(s, t.ResourceArn!);
    }
  }
  return out;
}

/** Target groups attached to each load balancer, as AWS counts its quota of 100. */
async function attachedGroups(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let marker: string | undefined;
  do {
    const page = await elbv2().send(new DescribeTargetGroupsCommand({ ...(marker ? { Marker: marker } : {}) }));
    for (const g of page.TargetGroups ?? []) for (const lb of g.LoadBalancerArns ?? []) out.set(lb, (out.get(lb) ?? 0) + 1);
    marker = page.NextMarker;
  } while (marker);
  return out;
}

async function integrationListener(apiName: string): Promise<string | undefined> {
  const api = ((await apigw().send(new GetApisCommand({}))).Items ?? []).find((a) => a.Name === apiName);
  if (!api) return undefined;
  return ((await apigw().send(new GetIntegrationsCommand({ ApiId: api.ApiId! }))).Items ?? [])[0]?.IntegrationUri;
}

/**
 * The service can be served: the listener its integration points at has a rule for its header
 * forwarding (weight > 0) to a group that exists.
 */
async function serving(name: string): Promise<boolean> {
  const listener = await integrationListener(`${name}-http-api`);
  if (!listener) return false;
  const rule = (await rulesOn(listener)).find((r) => r.Conditions?.some((c) => c.HttpHeaderConfig?.Values?.includes(name)));
  const target = rule?.Actions?.flatMap((a) => a.ForwardConfig?.TargetGroups ?? (a.TargetGroupArn ? [{ TargetGroupArn: a.TargetGroupArn, Weight: 1 }] : [])).find((t) => (t.Weight ?? 1) > 0)?.TargetGroupArn;
  if (!target) return false;
  const groups = (await elbv2().send(new DescribeTargetGroupsCommand({ TargetGroupArns: [target] }))).TargetGroups ?? [];
  return groups.length === 1;
}

/** Where the service's private name (internal.acmecorp.com) points. */
async function privateAlias(name: string): Promise<string | undefined> {
  const r53 = new Route53Client({ region: 'us-east-1' });
  try {
    const sets = (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: platform.privateZoneId }))).ResourceRecordSets ?? [];
    return sets.find((r) => r.Name === `${name}.internal.acmecorp.com.` && r.Type === 'A')?.AliasTarget?.DNSName?.toLowerCase().replace(/\.$/, '');
  } finally {
    r53.destroy();
  }
}

async function register(targetGroupArn: string, ip: string) {
  await elbv2().send(new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [{ Id: ip, Port: 8000 }] }));
}

describe('several load balancers against moto', () => {
  beforeEach(async () => {
    platform = await freshEmulator();
    second = await addLoadBalancer(platform, 'shared-qa-services-alb-2');
  });

  it('150 services over two ALBs: all converge within both quotas; 20 more move none of them', { timeout: 600_000 }, async () => {
    const names = Array.from({ length: 150 }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
    const first = await reconcile(shardsDoc(names.map((n) => svc(n))));
    expect(first.exitCode).toBe(0);
    const again = await reconcile(shardsDoc(names.map((n) => svc(n))));
    expect(again.report.outcome).toBe('InSync');
    expect(again.report.stats.awsCalls.mutating).toBe(0);

    const on1 = await ruleArnsByService(platform.listenerArn);
    const on2 = await ruleArnsByService(second.listenerArn);
    expect(on1.size + on2.size).toBe(150);
    expect([...on1.keys()].filter((s) => on2.has(s))).toEqual([]);
    // Spread by room: neither ALB is over AWS's quotas (100 rules by default, 100 target groups).
    const attached = await attachedGroups();
    for (const [listener, lb] of [[platform.listenerArn, platform.loadBalancerArn], [second.listenerArn, second.loadBalancerArn]] as const) {
      expect((await rulesOn(listener)).length).toBeLessThanOrEqual(100);
      expect(attached.get(lb) ?? 0).toBeLessThanOrEqual(100);
    }
    expect(Math.abs(on1.size - on2.size)).toBeLessThanOrEqual(1);
    // The report says how full each ALB is, as AWS counts it.
    expect(again.report.loadBalancers).toEqual([
      { name: 'alb-1', listenerArn: platform.listenerArn, rules: on1.size, ruleQuota: 100, targetGroups: on1.size, targetGroupQuota: 100, services: on1.size },
      { name: 'alb-2', listenerArn: second.listenerArn, rules: on2.size, ruleQuota: 100, targetGroups: on2.size, targetGroupQuota: 100, services: on2.size },
    ]);
    for (const n of names) expect(service(again.report, n).loadBalancer).toBe(on1.has(n) ? 'alb-1' : 'alb-2');

    // 20 more: the 150 keep their rules (same ARNs, same ALB).
    const more = [...names, ...Array.from({ length: 20 }, (_, i) => `new-${i}`)];
    const third = await reconcile(shardsDoc(more.map((n) => svc(n))));
    expect(third.exitCode).toBe(0);
    const after1 = await ruleArnsByService(platform.listenerArn);
    const after2 = await ruleArnsByService(second.listenerArn);
    for (const n of names) expect(after1.get(n) ?? after2.get(n)).toBe(on1.get(n) ?? on2.get(n));
    expect(after1.size + after2.size).toBe(170);
  });

  it('a full set of ALBs: the services that do not fit are an Error naming the way out; nothing AWS would refuse is sent', async () => {
    // Rule quotas of 3 each hold the 5 services on paper (validation), but each ALB has a foreign rule.
    await addForeignRule(platform, { priority: 1 });
    await addForeignRule({ ...platform, listenerArn: second.listenerArn }, { priority: 1, targetGroupName: 'foreign-2-tg' });
    const doc = shardsDoc(['a', 'b', 'c', 'd', 'e'].map((n) => svc(n)), ['alb-1', 'alb-2'], { 'alb-1': 3, 'alb-2': 3 });
    const r = await reconcile(doc);
    expect(r.exitCode).not.toBe(0);
    const errors = r.report.services.filter((s) => s.status === 'Error');
    expect(errors.map((s) => s.name)).toEqual(['e']);
    expect(errors[0]!.resources[0]!.message).toContain('add a load balancer to spec.shared.loadBalancers');
    expect((await rulesOn(platform.listenerArn)).length).toBe(3);
    expect((await rulesOn(second.listenerArn)).length).toBe(3);
  });

  it("a shard whose albDnsName is another ALB's: its services' private aliases are an Error naming the field, never written; the dualstack. form and case pass", async () => {
    const services = [svc('on-one', { loadBalancer: 'alb-1', privateDns: { name: 'on-one' } }), svc('on-two', { loadBalancer: 'alb-2', privateDns: { name: 'on-two' } })];
    const doc = shardsDoc(services);
    // alb-2's entry names alb-1's DNS name (a copy-paste slip): its alias would send on-two's traffic to alb-1.
    (doc.spec as { shared: { loadBalancers: { albDnsName: string }[] } }).shared.loadBalancers[1]!.albDnsName = platform.albDnsName;
    // alb-1's names its own ALB as Route 53 also takes it.
    (doc.spec as { shared: { loadBalancers: { albDnsName: string }[] } }).shared.loadBalancers[0]!.albDnsName = `dualstack.${platform.albDnsName.toUpperCase()}.`;
    const r = await reconcile(doc);
    const record = (name: string) => r.report.services.find((s) => s.name === name)!.resources.find((x) => x.kind === 'dnsRecord')!;
    expect(record('on-two').status).toBe('Error');
    expect(record('on-two').message).toContain('spec.shared.loadBalancers[1].albDnsName');
    expect(record('on-two').message).toContain(`not the DNS name of its listener's load balancer (${second.albDnsName}`);
    expect(record('on-one').status).not.toBe('Error');
    expect(await privateAlias('on-two')).toBeUndefined();
    expect(await privateAlias('on-one')).toBe(`dualstack.${platform.albDnsName}`);
    // The rest of on-two is made: only its alias waits for the document to be fixed.
    expect((await ruleArnsByService(second.listenerArn)).has('on-two')).toBe(true);
  });

  it('pinning a service to the other ALB moves it without a moment without a serving rule: new side made, Pending until healthy, integration repointed, then the old side deleted', { timeout: 300_000 }, async () => {
    const services = ['fastapi-app', 'loopback-app'].map((n) => svc(n, { loadBalancer: 'alb-1', api: {}, privateDns: { name: n } }));
    expect((await reconcile(shardsDoc(services))).exitCode).toBe(0);
    const oldRule = (await ruleArnsByService(platform.listenerArn)).get('fastapi-app')!;
    const settled = await reconcile(shardsDoc(services));
    const oldGroup = service(settled.report, 'fastapi-app').outputs!['target-group-arn']!;
    await register(oldGroup, '10.20.1.10'); // the old group serves: the move must wait for the new one
    expect(await serving('fastapi-app')).toBe(true);

    services[0]!.loadBalancer = 'alb-2';
    const doc = shardsDoc(services);
    // 1. The new group and rule on alb-2; the integration stays on alb-1.
    const p1 = await reconcile(doc);
    expect(service(p1.report, 'fastapi-app').status).toBe('Pending');
    expect(service(p1.report, 'fastapi-app').loadBalancer).toBe('alb-2');
    expect(await integrationListener('fastapi-app-http-api')).toBe(platform.listenerArn);
    expect(await serving('fastapi-app')).toBe(true);
    const newGroup = service(p1.report, 'fastapi-app').outputs!['target-group-arn']!;
    expect(newGroup).not.toBe(oldGroup);
    expect((await ruleArnsByService(second.listenerArn)).has('fastapi-app')).toBe(true);
    // 2. No healthy target in the new group: nothing changes.
    const p2 = await reconcile(doc);
    expect(service(p2.report, 'fastapi-app').status).toBe('Pending');
    expect(p2.report.stats.awsCalls.mutating).toBe(0);
    expect(await integrationListener('fastapi-app-http-api')).toBe(platform.listenerArn);
    // 3. ECS registers the service's tasks: the integration and private alias move to alb-2.
    expect(await privateAlias('fastapi-app')).toBe(platform.albDnsName);
    await register(newGroup, '10.20.2.10');
    await reconcile(doc);
    expect(await integrationListener('fastapi-app-http-api')).toBe(second.listenerArn);
    expect(await privateAlias('fastapi-app')).toBe(second.albDnsName);
    expect(await serving('fastapi-app')).toBe(true);
    expect((await ruleArnsByService(platform.listenerArn)).get('fastapi-app')).toBe(oldRule);
    // 4. Seen there: alb-1's rule and group go.
    const p4 = await reconcile(doc);
    expect(p4.exitCode).toBe(0);
    expect((await ruleArnsByService(platform.listenerArn)).has('fastapi-app')).toBe(false);
    expect((await elbv2().send(new DescribeTargetGroupsCommand({}))).TargetGroups!.some((g) => g.TargetGroupArn === oldGroup)).toBe(false);
    expect(await serving('fastapi-app')).toBe(true);
    // 5. In sync; the other service never moved.
    const p5 = await reconcile(doc);
    expect(p5.report.outcome).toBe('InSync');
    expect(p5.report.stats.awsCalls.mutating).toBe(0);
    expect(service(p5.report, 'loopback-app').loadBalancer).toBe('alb-1');
  });

  it('removing an ALB from the document moves its services to the other, serving all along', { timeout: 300_000 }, async () => {
    const services = ['fastapi-app', 'loopback-app'].map((n) => svc(n, { loadBalancer: 'alb-1', api: {} }));
    expect((await reconcile(shardsDoc(services))).exitCode).toBe(0);
    for (const s of services) delete s.loadBalancer;
    const doc = shardsDoc(services, ['alb-2']);
    for (let pass = 0; pass < 6; pass++) {
      // Moving every service of an ALB deletes all its rules and groups: moves, not losses, so the mass-delete guard lets them through.
      const r = await reconcile(doc);
      for (const s of services) expect(await serving(s.name)).toBe(true);
      if (r.report.outcome === 'InSync' && r.report.stats.awsCalls.mutating === 0) break;
    }
    for (const s of services) expect(await integrationListener(`${s.name}-http-api`)).toBe(second.listenerArn);
    expect((await ruleArnsByService(platform.listenerArn)).size).toBe(0);
    expect((await ruleArnsByService(second.listenerArn)).size).toBe(2);
    const final = await reconcile(doc);
    expect(final.report.outcome).toBe('InSync');
  });
});
