import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetHealthCommand,
  paginateDescribeListeners,
  paginateDescribeRules,
  paginateDescribeTargetGroups,
  type Action,
  type ElasticLoadBalancingV2Client,
  type Listener,
  type Rule,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { loadBalancerArnOfListener } from '../../model/arns.ts';
import { TARGET_GROUP_PREFIX } from '../../model/names.ts';
import type { ForwardTarget, ObservedListener, ObservedLoadBalancer, ObservedRule, ObservedTargetGroup, TargetHealthSummary } from '../../model/observed.ts';
import { OWNER_TAG } from '../../model/tags.ts';

/** DescribeTags accepts at most 20 resource ARNs per call. */
export const DESCRIBE_TAGS_BATCH = 20;
/** DescribeRules and DescribeTargetGroups allow pages of up to 400. */
const PAGE_SIZE = 400;

/**
 * The listeners' non-default rules and the account's target groups, with tags. Rules and
 * groups are listed in parallel (paged), then tagged together in batches of 20, since one
 * DescribeTags call takes ARNs of both kinds.
 *
 * Tags are fetched for every rule, but only for target groups whose names carry
 * routeyard's prefix (routeyard creates only such names) or that a rule of a shard's
 * listener forwards to (an adopted group keeps its name): a large account does not pay a
 * tag call per 20 foreign groups.
 *
 * `owner`: a load balancer no listener of `listenerArns` is on, but to which groups this
 * RouteSet owns are attached, is a shard the document dropped: its listeners are read too
 * (marked departed), so what lives there can move away and then be deleted.
 */
export async function observeLoadBalancing(
  elbv2: ElasticLoadBalancingV2Client,
  listenerArns: readonly string[],
  owner?: string,
): Promise<{ rules: ObservedRule[]; targetGroups: ObservedTargetGroup[]; listeners: ObservedListener[] }> {
  const [groups, shards] = await Promise.all([listTargetGroups(elbv2), Promise.all(listenerArns.map((l) => readListener(elbv2, l)))]);
  await addAliasTargets(elbv2, shards.map((s) => s.loadBalancer));
  // Groups the shards' rules forward to are read with their tags too: a group routeyard
  // adopted keeps the name it had (adoption never recreates), so the prefix alone does not find it.
  const forwardedTo = new Set(shards.flatMap((l) => l.rules.flatMap((r) => forwardTargets(r.Actions ?? []).map((t) => t.arn))));
  const candidates = groups.filter((g) => g.TargetGroupName?.startsWith(TARGET_GROUP_PREFIX) || forwardedTo.has(g.TargetGroupArn!));
  const tags = await describeTags(elbv2, [...shards.flatMap((l) => l.rules.map((r) => r.RuleArn!)), ...candidates.map((g) => g.TargetGroupArn!)]);
  const read = [...shards];
  if (owner !== undefined) {
    const known = new Set(shards.map((l) => l.loadBalancer.arn));
    const departedLbs = new Set<string>();
    for (const g of candidates) {
      if (tags.get(g.TargetGroupArn!)?.[OWNER_TAG] !== owner) continue;
      for (const lb of g.LoadBalancerArns ?? []) if (!known.has(lb)) departedLbs.add(lb);
    }
    for (const lb of [...departedLbs].sort()) {
      try {
        for (const l of await listListeners(elbv2, lb)) {
          const departed = await readListener(elbv2, l.ListenerArn!, true);
          for (const [arn, t] of await describeTags(elbv2, departed.rules.map((r) => r.RuleArn!))) tags.set(arn, t);
          read.push(departed);
        }
      } catch (err) {
        // Deleted since DescribeTargetGroups named it (its stack torn down): nothing of it serves
        // any more; its services are placed anew and their groups, now unattached, reused.
        if (!isGone(err)) throw err;
      }
    }
  }
  return {
    rules: read.flatMap((l) => l.rules.map((r) => ({ ...toObservedRule(r, tags.get(r.RuleArn!) ?? {}), listenerArn: l.listenerArn }))),
    targetGroups: groups.map((g) => toObservedTargetGroup(g, tags.get(g.TargetGroupArn!))),
    listeners: read.map((l) => ({ listenerArn: l.listenerArn, loadBalancer: l.loadBalancer, ...(l.departed ? { departed: true } : {}) })),
  };
}

/** One listener's non-default rules, and its load balancer as a whole (see observeOtherListeners). */
async function readListener(elbv2: ElasticLoadBalancingV2Client, listenerArn: string, departed = false): Promise<{ listenerArn: string; rules: Rule[]; loadBalancer: ObservedLoadBalancer; departed: boolean }> {
  const [rules, lb] = await Promise.all([listRules(elbv2, listenerArn), observeOtherListeners(elbv2, listenerArn)]).catch((err: unknown) => {
    // Which of several listeners failed (the error keeps its name: throttling stays throttling).
    if (err instanceof Error && !err.message.includes(listenerArn)) err.message = `listener ${listenerArn}: ${err.message}`;
    throw err;
  });
  const nonDefault = rules.filter((r) => !isDefaultRule(r));
  const attached = new Set(lb.attachedTargetGroupArns);
  for (const r of rules) for (const t of forwardTargets(r.Actions ?? [])) attached.add(t.arn);
  return { listenerArn, rules: nonDefault, departed, loadBalancer: { arn: lb.arn, listenerCount: lb.listenerCount, ruleCount: lb.ruleCount + nonDefault.length, attachedTargetGroupArns: [...attached].sort() } };
}

/**
 * Each shard's load balancer's DNS name and canonical hosted zone id, in DescribeLoadBalancers
 * calls of up to 20 ARNs each (AWS's limit; the document has at most 20 shards: one call).
 * A failed read leaves them unset: the planner then cannot check the document's
 * albDnsName/albHostedZoneId this pass and plans the private aliases as the document says,
 * as it did before the check existed; the next pass checks again.
 */
async function addAliasTargets(elbv2: ElasticLoadBalancingV2Client, lbs: ObservedLoadBalancer[]): Promise<void> {
  const arns = [...new Set(lbs.map((lb) => lb.arn))];
  try {
    const found = [];
    for (let i = 0; i < arns.length; i += DESCRIBE_LOAD_BALANCERS_MAX) {
      found.push(...((await elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: arns.slice(i, i + DESCRIBE_LOAD_BALANCERS_MAX) }))).LoadBalancers ?? []));
    }
    for (const lb of lbs) {
      const d = found.find((f) => f.LoadBalancerArn === lb.arn);
      if (d?.DNSName) lb.dnsName = d.DNSName;
      if (d?.CanonicalHostedZoneId) lb.canonicalHostedZoneId = d.CanonicalHostedZoneId;
    }
  } catch {
    // Not read: see above.
  }
}

/** DescribeLoadBalancers: "You can specify up to 20 load balancers in a single call" (API reference). */
const DESCRIBE_LOAD_BALANCERS_MAX = 20;

async function listListeners(elbv2: ElasticLoadBalancingV2Client, loadBalancerArn: string): Promise<Listener[]> {
  const listeners: Listener[] = [];
  for await (const page of paginateDescribeListeners({ client: elbv2 }, { LoadBalancerArn: loadBalancerArn, PageSize: PAGE_SIZE })) listeners.push(...(page.Listeners ?? []));
  return listeners;
}

/**
 * AWS counts rules (100) and target groups (100) per load balancer, across every listener.
 * The load balancer's ARN follows from the listener's (`listener/app/NAME/LB-ID/LISTENER-ID`
 * belongs to `loadbalancer/app/NAME/LB-ID`), so one DescribeListeners lists its listeners;
 * then the rules of each listener other than the shared one are read (paged) and counted,
 * and every target group any listener forwards to is collected. The shared listener's own
 * rules are added by the caller, which reads them anyway.
 */
async function observeOtherListeners(elbv2: ElasticLoadBalancingV2Client, listenerArn: string): Promise<ObservedLoadBalancer> {
  const arn = loadBalancerArnOfListener(listenerArn);
  const listeners = await listListeners(elbv2, arn);
  if (!listeners.some((l) => l.ListenerArn === listenerArn)) {
    throw new Error(`listener ${listenerArn} is not among the listeners of load balancer ${arn}`);
  }
  const attached = new Set<string>();
  for (const l of listeners) for (const t of forwardTargets(l.DefaultActions ?? [])) attached.add(t.arn);
  let ruleCount = 0;
  for (const l of listeners) {
    if (l.ListenerArn === listenerArn) continue;
    for (const r of await listRules(elbv2, l.ListenerArn!)) {
      if (!isDefaultRule(r)) ruleCount++;
      for (const t of forwardTargets(r.Actions ?? [])) attached.add(t.arn);
    }
  }
  return { arn, listenerCount: listeners.length, ruleCount, attachedTargetGroupArns: [...attached] };
}

/**
 * Health of the registered targets of a few target groups (those of a replacement in
 * progress). One call per group: DescribeTargetHealth takes one target group. A group
 * whose health cannot be read is reported as such, so only its service is held back.
 */
export async function observeTargetHealth(elbv2: ElasticLoadBalancingV2Client, arns: readonly string[]): Promise<Map<string, TargetHealthSummary>> {
  const out = new Map<string, TargetHealthSummary>();
  await Promise.all(
    arns.map(async (arn) => {
      try {
        const page = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
        const states: Record<string, number> = {};
        for (const d of page.TargetHealthDescriptions ?? []) {
          const state = d.TargetHealth?.State ?? 'unknown';
          states[state] = (states[state] ?? 0) + 1;
        }
        const registered = (page.TargetHealthDescriptions ?? []).length;
        out.set(arn, { readable: true, healthy: states.healthy ?? 0, registered, states });
      } catch (err) {
        out.set(arn, { readable: false, error: `${(err as Error).name}: ${(err as Error).message}` });
      }
    }),
  );
  return out;
}

export function isDefaultRule(r: Rule): boolean {
  return Boolean(r.IsDefault) || r.Priority === 'default';
}

/**
 * The target groups a list of actions forwards to, with weights. AWS returns a forward
 * both as TargetGroupArn and as ForwardConfig (moto too); a single group takes all the
 * traffic whatever weight is echoed, so it is weight 1.
 */
export function forwardTargets(actions: readonly Action[]): ForwardTarget[] {
  const weights = new Map<string, number>();
  for (const a of actions) {
    if (a.Type !== 'forward') continue;
    for (const t of a.ForwardConfig?.TargetGroups ?? []) if (t.TargetGroupArn) weights.set(t.TargetGroupArn, t.Weight ?? 1);
    if (a.TargetGroupArn && !weights.has(a.TargetGroupArn)) weights.set(a.TargetGroupArn, 1);
  }
  const targets = [...weights].map(([arn, weight]) => ({ arn, weight })).sort((x, y) => x.arn.localeCompare(y.arn));
  return targets.length === 1 ? [{ arn: targets[0]!.arn, weight: 1 }] : targets;
}

export async function listRules(elbv2: ElasticLoadBalancingV2Client, listenerArn: string): Promise<Rule[]> {
  const rules: Rule[] = [];
  for await (const page of paginateDescribeRules({ client: elbv2 }, { ListenerArn: listenerArn, PageSize: PAGE_SIZE })) rules.push(...(page.Rules ?? []));
  return rules;
}

export async function listTargetGroups(elbv2: ElasticLoadBalancingV2Client): Promise<TargetGroup[]> {
  const groups: TargetGroup[] = [];
  for await (const page of paginateDescribeTargetGroups({ client: elbv2 }, { PageSize: PAGE_SIZE })) {
    groups.push(...(page.TargetGroups ?? []));
  }
  return groups;
}

export async function describeTags(elbv2: ElasticLoadBalancingV2Client, arns: string[]): Promise<Map<string, Record<string, string>>> {
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
      const regex = c.HttpHeaderConfig.RegexValues ?? [];
      headerConditions.push({ name: c.HttpHeaderConfig.HttpHeaderName ?? '', values: c.HttpHeaderConfig.Values ?? [], ...(regex.length > 0 ? { regexValues: regex } : {}) });
    } else {
      otherConditions.push(c.Field ?? 'unknown');
    }
  }
  const actions = [...(r.Actions ?? [])].sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0));
  const forward = forwardTargets(actions);
  return {
    arn: r.RuleArn!,
    // moto returns Priority as a string; AWS does too ("1".."50000" or "default").
    priority: Number(r.Priority),
    headerConditions,
    otherConditions,
    actionTypes: actions.map((a) => a.Type ?? 'unknown'),
    targetGroupArns: forward.map((t) => t.arn),
    forward,
    transforms: (r.Transforms ?? []).map((t) => t.Type ?? 'unknown'),
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
    healthCheck: healthCheckOf(g),
    ...(tags ? { tags } : {}),
    ...(g.LoadBalancerArns ? { loadBalancerArns: [...g.LoadBalancerArns] } : {}),
  };
}

/** A group's health-check settings as AWS reports them, in the document's field names. */
export function healthCheckOf(g: TargetGroup): ObservedTargetGroup['healthCheck'] {
  return {
    ...(g.HealthCheckPath !== undefined ? { path: g.HealthCheckPath } : {}),
    ...(g.HealthCheckProtocol !== undefined ? { protocol: g.HealthCheckProtocol } : {}),
    ...(g.HealthCheckPort !== undefined ? { port: g.HealthCheckPort } : {}),
    ...(g.HealthCheckIntervalSeconds !== undefined ? { intervalSeconds: g.HealthCheckIntervalSeconds } : {}),
    ...(g.HealthCheckTimeoutSeconds !== undefined ? { timeoutSeconds: g.HealthCheckTimeoutSeconds } : {}),
    ...(g.HealthyThresholdCount !== undefined ? { healthyThresholdCount: g.HealthyThresholdCount } : {}),
    ...(g.UnhealthyThresholdCount !== undefined ? { unhealthyThresholdCount: g.UnhealthyThresholdCount } : {}),
    ...(g.Matcher?.HttpCode !== undefined ? { matcher: g.Matcher.HttpCode } : {}),
  };
}

/** A load balancer or listener deleted between two reads. */
function isGone(err: unknown): boolean {
  const name = (err as { name?: string }).name ?? '';
  return name === 'LoadBalancerNotFoundException' || name === 'ListenerNotFoundException';
}
