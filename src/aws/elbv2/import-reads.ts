import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
  type Rule,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LiveAction, LiveLoadBalancer, LiveRule, LiveTargetGroup } from '../../import/snapshot.ts';
import type { Tags } from '../../model/tags.ts';
import { describeTags, healthCheckOf, isDefaultRule, listRules, listTargetGroups } from './observe.ts';

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
  const tagged = [...rules.filter((r) => !isDefaultRule(r)).map((r) => r.RuleArn!), ...groups.filter((g) => forwarded.has(g.TargetGroupArn ?? '')).map((g) => g.TargetGroupArn!)];
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

function forwardArns(actions: readonly Action[]): string[] {
  return actions.flatMap((a) => (a.Type === 'forward' ? [...(a.ForwardConfig?.TargetGroups ?? []).map((t) => t.TargetGroupArn ?? ''), a.TargetGroupArn ?? ''] : [])).filter(Boolean);
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
    isDefault: isDefaultRule(r),
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
    healthCheck: healthCheckOf(g),
    tags,
  };
}
