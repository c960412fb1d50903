import {
  DescribeRulesCommand,
  DescribeTagsCommand,
  paginateDescribeTargetGroups,
  type ElasticLoadBalancingV2Client,
  type Rule,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { TARGET_GROUP_PREFIX } from '../../model/names.ts';
import type { ObservedRule, ObservedTargetGroup } from '../../model/observed.ts';

/** DescribeTags accepts at most 20 resource ARNs per call. */
export const DESCRIBE_TAGS_BATCH = 20;
/** DescribeRules and DescribeTargetGroups allow pages of up to 400. */
const PAGE_SIZE = 400;

/**
 * The listener's non-default rules and the account's target groups, with tags. Rules and
 * groups are listed in parallel (paged), then tagged together in batches of 20, since one
 * DescribeTags call takes ARNs of both kinds.
 *
 * Tags are fetched for every rule, but only for target groups whose names carry
 * routeyard's prefix: routeyard creates only such names, so no other group can be its
 * own, and a large account does not pay a tag call per 20 foreign groups.
 */
export async function observeLoadBalancing(
  elbv2: ElasticLoadBalancingV2Client,
  listenerArn: string,
): Promise<{ rules: ObservedRule[]; targetGroups: ObservedTargetGroup[] }> {
  const [rules, groups] = await Promise.all([listRules(elbv2, listenerArn), listTargetGroups(elbv2)]);
  const nonDefault = rules.filter((r) => !r.IsDefault && r.Priority !== 'default');
  const candidates = groups.filter((g) => g.TargetGroupName?.startsWith(TARGET_GROUP_PREFIX));
  const tags = await describeTags(elbv2, [...nonDefault.map((r) => r.RuleArn!), ...candidates.map((g) => g.TargetGroupArn!)]);
  return {
    rules: nonDefault.map((r) => toObservedRule(r, tags.get(r.RuleArn!) ?? {})),
    targetGroups: groups.map((g) => toObservedTargetGroup(g, tags.get(g.TargetGroupArn!))),
  };
}

async function listRules(elbv2: ElasticLoadBalancingV2Client, listenerArn: string): Promise<Rule[]> {
  const rules: Rule[] = [];
  let marker: string | undefined;
  do {
    const page = await elbv2.send(new DescribeRulesCommand({ ListenerArn: listenerArn, PageSize: PAGE_SIZE, Marker: marker }));
    rules.push(...(page.Rules ?? []));
    marker = page.NextMarker;
  } while (marker);
  return rules;
}

async function listTargetGroups(elbv2: ElasticLoadBalancingV2Client): Promise<TargetGroup[]> {
  const groups: TargetGroup[] = [];
  for await (const page of paginateDescribeTargetGroups({ client: elbv2 }, { PageSize: PAGE_SIZE })) {
    groups.push(...(page.TargetGroups ?? []));
  }
  return groups;
}

async function describeTags(elbv2: ElasticLoadBalancingV2Client, arns: string[]): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (let i = 0; i < arns.length; i += DESCRIBE_TAGS_BATCH) {
    const page = await elbv2.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + DESCRIBE_TAGS_BATCH) }));
    for (const d of page.TagDescriptions ?? []) {
      const tags: Record<string, string> = {};
      for (const t of d.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
      out.set(d.ResourceArn!, tags);
    }
  }
  return out;
}

function toObservedRule(r: Rule, tags: Record<string, string>): ObservedRule {
  const headerConditions: ObservedRule['headerConditions'] = [];
  const otherConditions: string[] = [];
  for (const c of r.Conditions ?? []) {
    if (c.Field === 'http-header' && c.HttpHeaderConfig) {
      headerConditions.push({ name: c.HttpHeaderConfig.HttpHeaderName ?? '', values: c.HttpHeaderConfig.Values ?? [] });
    } else {
      otherConditions.push(c.Field ?? 'unknown');
    }
  }
  const actions = [...(r.Actions ?? [])].sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0));
  const targetGroupArns = new Set<string>();
  for (const a of actions) {
    if (a.Type !== 'forward') continue;
    // AWS returns the target group both ways; moto too. Either is authoritative.
    if (a.TargetGroupArn) targetGroupArns.add(a.TargetGroupArn);
    for (const t of a.ForwardConfig?.TargetGroups ?? []) if (t.TargetGroupArn) targetGroupArns.add(t.TargetGroupArn);
  }
  return {
    arn: r.RuleArn!,
    // moto returns Priority as a string; AWS does too ("1".."50000" or "default").
    priority: Number(r.Priority),
    headerConditions,
    otherConditions,
    actionTypes: actions.map((a) => a.Type ?? 'unknown'),
    targetGroupArns: [...targetGroupArns].sort(),
    tags,
  };
}

function toObservedTargetGroup(g: TargetGroup, tags: Record<string, string> | undefined): ObservedTargetGroup {
  return {
    arn: g.TargetGroupArn!,
    name: g.TargetGroupName ?? '',
    ...(g.Port !== undefined ? { port: g.Port } : {}),
    ...(g.Protocol !== undefined ? { protocol: g.Protocol } : {}),
    ...(g.TargetType !== undefined ? { targetType: g.TargetType } : {}),
    ...(g.VpcId !== undefined ? { vpcId: g.VpcId } : {}),
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
    ...(tags ? { tags } : {}),
  };
}
