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

/** Every non-default rule on the listener, with tags (paged describes, tags in batches of 20). */
export async function observeListenerRules(elbv2: ElasticLoadBalancingV2Client, listenerArn: string): Promise<ObservedRule[]> {
  const rules: Rule[] = [];
  let marker: string | undefined;
  do {
    // DescribeRules has no SDK paginator; page by Marker by hand.
    const page = await elbv2.send(new DescribeRulesCommand({ ListenerArn: listenerArn, PageSize: PAGE_SIZE, Marker: marker }));
    rules.push(...(page.Rules ?? []));
    marker = page.NextMarker;
  } while (marker);
  const nonDefault = rules.filter((r) => !r.IsDefault && r.Priority !== 'default');
  const tags = await describeTags(elbv2, nonDefault.map((r) => r.RuleArn!));
  return nonDefault.map((r) => toObservedRule(r, tags.get(r.RuleArn!) ?? {}));
}

/**
 * Every target group in the account and Region. Tags are fetched only for names with
 * routeyard's prefix: routeyard creates only such names, so no other group can be its own,
 * and a large account does not pay one tag call per 20 foreign groups.
 */
export async function observeTargetGroups(elbv2: ElasticLoadBalancingV2Client): Promise<ObservedTargetGroup[]> {
  const groups: TargetGroup[] = [];
  for await (const page of paginateDescribeTargetGroups({ client: elbv2 }, { PageSize: PAGE_SIZE })) {
    groups.push(...(page.TargetGroups ?? []));
  }
  const candidates = groups.filter((g) => g.TargetGroupName?.startsWith(TARGET_GROUP_PREFIX)).map((g) => g.TargetGroupArn!);
  const tags = await describeTags(elbv2, candidates);
  return groups.map((g) => toObservedTargetGroup(g, tags.get(g.TargetGroupArn!)));
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
