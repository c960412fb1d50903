import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  paginateDescribeRules,
  paginateDescribeTargetGroups,
  type Action,
  type ElasticLoadBalancingV2Client,
  type Rule,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LiveAction, LiveLoadBalancer, LiveRule, LiveTargetGroup } from '../../import/snapshot.ts';
import type { Tags } from '../../model/tags.ts';
import { DESCRIBE_TAGS_BATCH } from './observe.ts';

/** DescribeRules and DescribeTargetGroups allow pages of up to 400. */
const PAGE_SIZE = 400;

/**
 * `routeyard --import`, the load-balancing side: the listener's load balancer (its DNS name,
 * canonical hosted zone and VPC: DescribeListeners, then DescribeLoadBalancers), every rule
 * of the listener (paged), the account's target groups (paged) and the tags of the rules and
 * of the groups the rules forward to (DescribeTags, 20 ARNs a call). Read-only.
 */
export async function readListenerForImport(
  elbv2: ElasticLoadBalancingV2Client,
  listenerArn: string,
): Promise<{ loadBalancer: LiveLoadBalancer; rules: LiveRule[]; targetGroups: LiveTargetGroup[] }> {
  const listener = (await elbv2.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }))).Listeners?.[0];
  if (!listener?.LoadBalancerArn) throw new Error(`listener ${listenerArn} was not found`);
  const [lbs, rules, groups] = await Promise.all([
    elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [listener.LoadBalancerArn] })),
    listRules(elbv2, listenerArn),
    listTargetGroups(elbv2),
  ]);
  const lb = lbs.LoadBalancers?.[0];
  if (!lb) throw new Error(`the load balancer of listener ${listenerArn} was not found`);
  const forwarded = new Set(rules.flatMap((r) => forwardArns(r.Actions ?? [])));
  const tagged = [...rules.filter((r) => !isDefault(r)).map((r) => r.RuleArn!), ...groups.filter((g) => forwarded.has(g.TargetGroupArn ?? '')).map((g) => g.TargetGroupArn!)];
  const tags = await describeTags(elbv2, tagged);
  return {
    loadBalancer: {
      arn: lb.LoadBalancerArn ?? listener.LoadBalancerArn,
      name: lb.LoadBalancerName ?? '',
      ...(lb.DNSName ? { dnsName: lb.DNSName } : {}),
      ...(lb.CanonicalHostedZoneId ? { canonicalHostedZoneId: lb.CanonicalHostedZoneId } : {}),
      ...(lb.VpcId ? { vpcId: lb.VpcId } : {}),
      ...(lb.Scheme ? { scheme: lb.Scheme } : {}),
      ...(lb.Type ? { type: lb.Type } : {}),
    },
    rules: rules.map((r) => toLiveRule(r, tags.get(r.RuleArn ?? '') ?? {})),
    targetGroups: groups.filter((g) => g.TargetGroupArn).map((g) => toLiveTargetGroup(g, tags.get(g.TargetGroupArn!) ?? {})),
  };
}

function isDefault(r: Rule): boolean {
  return Boolean(r.IsDefault) || r.Priority === 'default';
}

function forwardArns(actions: readonly Action[]): string[] {
  return actions.flatMap((a) => (a.Type === 'forward' ? [...(a.ForwardConfig?.TargetGroups ?? []).map((t) => t.TargetGroupArn ?? ''), a.TargetGroupArn ?? ''] : [])).filter(Boolean);
}

async function listRules(elbv2: ElasticLoadBalancingV2Client, listenerArn: string): Promise<Rule[]> {
  const rules: Rule[] = [];
  for await (const page of paginateDescribeRules({ client: elbv2 }, { ListenerArn: listenerArn, PageSize: PAGE_SIZE })) rules.push(...(page.Rules ?? []));
  return rules;
}

async function listTargetGroups(elbv2: ElasticLoadBalancingV2Client): Promise<TargetGroup[]> {
  const groups: TargetGroup[] = [];
  for await (const page of paginateDescribeTargetGroups({ client: elbv2 }, { PageSize: PAGE_SIZE })) groups.push(...(page.TargetGroups ?? []));
  return groups;
}

async function describeTags(elbv2: ElasticLoadBalancingV2Client, arns: string[]): Promise<Map<string, Tags>> {
  const out = new Map<string, Tags>();
  const batches: string[][] = [];
  for (let i = 0; i < arns.length; i += DESCRIBE_TAGS_BATCH) batches.push(arns.slice(i, i + DESCRIBE_TAGS_BATCH));
  await Promise.all(
    batches.map(async (batch) => {
      const page = await elbv2.send(new DescribeTagsCommand({ ResourceArns: batch }));
      for (const d of page.TagDescriptions ?? []) {
        const tags: Tags = {};
        for (const t of d.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
        if (d.ResourceArn) out.set(d.ResourceArn, tags);
      }
    }),
  );
  return out;
}

function toLiveAction(a: Action): LiveAction {
  const targets = new Map<string, number | undefined>();
  for (const t of a.ForwardConfig?.TargetGroups ?? []) if (t.TargetGroupArn) targets.set(t.TargetGroupArn, t.Weight);
  if (a.TargetGroupArn && !targets.has(a.TargetGroupArn)) targets.set(a.TargetGroupArn, undefined);
  return {
    type: a.Type ?? 'unknown',
    ...(a.Order !== undefined ? { order: a.Order } : {}),
    targetGroups: [...targets].map(([arn, weight]) => ({ arn, ...(weight !== undefined ? { weight } : {}) })),
  };
}

function toLiveRule(r: Rule, tags: Tags): LiveRule {
  return {
    arn: r.RuleArn ?? '',
    priority: r.Priority ?? '',
    isDefault: isDefault(r),
    conditions: (r.Conditions ?? []).map((c) => {
      const header = c.Field === 'http-header' ? c.HttpHeaderConfig : undefined;
      return {
        field: c.Field ?? 'unknown',
        ...(header?.HttpHeaderName !== undefined ? { headerName: header.HttpHeaderName } : {}),
        // Values may come at the condition's top level (legacy) or in its config.
        values: [...(header?.Values ?? c.Values ?? [])],
        regexValues: [...(header?.RegexValues ?? [])],
      };
    }),
    actions: [...(r.Actions ?? [])].sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0)).map(toLiveAction),
    transforms: (r.Transforms ?? []).map((t) => t.Type ?? 'unknown'),
    tags,
  };
}

function toLiveTargetGroup(g: TargetGroup, tags: Tags): LiveTargetGroup {
  return {
    arn: g.TargetGroupArn!,
    name: g.TargetGroupName ?? '',
    ...(g.Port !== undefined ? { port: g.Port } : {}),
    ...(g.Protocol !== undefined ? { protocol: g.Protocol } : {}),
    ...(g.ProtocolVersion !== undefined ? { protocolVersion: g.ProtocolVersion } : {}),
    ...(g.TargetType !== undefined ? { targetType: g.TargetType } : {}),
    ...(g.VpcId !== undefined ? { vpcId: g.VpcId } : {}),
    ...(g.HealthCheckEnabled !== undefined ? { healthCheckEnabled: g.HealthCheckEnabled } : {}),
    healthCheck: {
      ...(g.HealthCheckPath !== undefined ? { path: g.HealthCheckPath } : {}),
      ...(g.HealthCheckProtocol !== undefined ? { protocol: g.HealthCheckProtocol } : {}),
      ...(g.HealthCheckPort !== undefined ? { port: g.HealthCheckPort } : {}),
      ...(g.HealthCheckIntervalSeconds !== undefined ? { intervalSeconds: g.HealthCheckIntervalSeconds } : {}),
      ...(g.HealthCheckTimeoutSeconds !== undefined ? { timeoutSeconds: g.HealthCheckTimeoutSeconds } : {}),
      ...(g.HealthyThresholdCount !== undefined ? { healthyThresholdCount: g.HealthyThresholdCount } : {}),
      ...(g.UnhealthyThresholdCount !== undefined ? { unhealthyThresholdCount: g.UnhealthyThresholdCount } : {}),
      ...(g.Matcher?.HttpCode !== undefined ? { matcher: g.Matcher.HttpCode } : {}),
    },
    tags,
  };
}
