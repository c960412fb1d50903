import type { DesiredState } from '../model/desired.ts';
import type { ObservedApi, ObservedRule, ObservedState, ObservedTargetGroup } from '../model/observed.ts';
import { SERVICE_TAG, isOwnedBy, ruleRole } from '../model/tags.ts';
import { targetGroupName } from '../model/names.ts';

/**
 * The observed snapshot split the way the planner asks about it: what routeyard owns,
 * grouped by service (matched / desired-only / live-only falls out of these maps), and
 * what it does not own, which it may only report on.
 */
export interface ObservedIndex {
  /** The shared load balancer the listener belongs to. */
  loadBalancerArn: string;
  /** Every owned rule, whatever its role (orphans, quotas, the guard's counts). */
  ownedRulesByService: Map<string, ObservedRule[]>;
  /** Owned rules by role (model/tags.ts ROLE_TAG): production (untagged too) and ECS test rules. */
  productionRulesByService: Map<string, ObservedRule[]>;
  testRulesByService: Map<string, ObservedRule[]>;
  foreignRules: ObservedRule[];
  ownedTargetGroupsByService: Map<string, ObservedTargetGroup[]>;
  targetGroupsByArn: Map<string, ObservedTargetGroup>;
  targetGroupsByName: Map<string, ObservedTargetGroup>;
  ownedApisByService: Map<string, ObservedApi[]>;
  /** APIs not owned by this RouteSet, by name (candidates for Conflict or adoption). */
  foreignApisByName: Map<string, ObservedApi[]>;
  /**
   * APIs a custom domain maps to (they carry traffic), and whether any custom domain's
   * mappings were not read this pass (then which API is mapped is not known for certain).
   */
  mappedApiIds: Set<string>;
  mappingsUnknown: boolean;
}

const UNKNOWN_SERVICE = '(untagged)';

export function indexObserved(desired: DesiredState, observed: ObservedState): ObservedIndex {
  const owner = desired.owner;
  const push = <T>(m: Map<string, T[]>, k: string, v: T) => {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  };
  const idx: ObservedIndex = {
    loadBalancerArn: observed.loadBalancer.arn,
    ownedRulesByService: new Map(),
    productionRulesByService: new Map(),
    testRulesByService: new Map(),
    foreignRules: [],
    ownedTargetGroupsByService: new Map(),
    targetGroupsByArn: new Map(),
    targetGroupsByName: new Map(),
    ownedApisByService: new Map(),
    foreignApisByName: new Map(),
    mappedApiIds: new Set(),
    mappingsUnknown: false,
  };
  for (const d of observed.naming?.domains ?? []) {
    if (d.mappings.readable) for (const m of d.mappings.items) idx.mappedApiIds.add(m.apiId);
    else idx.mappingsUnknown = true;
  }
  // A resource with this owner's tag but no service tag (removed out of band) is recognised by
  // what routeyard derived for it: a rule by its routing header value, a target group by its
  // name. Taking it for an orphan would delete and recreate it: a rule's traffic (ECS's
  // weights) would move and its ARN change. The task role cannot add an ELB tag back (tags go on
  // with the create only), so it is recognised this way on every pass.
  const byHeader = new Map(desired.services.map((s) => [s.headerValue.toLowerCase(), s.name]));
  const byGroupName = new Map<string, string>();
  for (const s of desired.services) {
    if (s.targetGroup.kind !== 'managed') continue;
    byGroupName.set(s.targetGroup.name, s.name);
    if (s.targetGroup.alternateName) byGroupName.set(s.targetGroup.alternateName, s.name);
    else byGroupName.set(targetGroupName(owner, s.name, s.targetGroup, 'moved'), s.name);
  }
  const ruleService = (r: ObservedRule): string => {
    const tagged = r.tags[SERVICE_TAG];
    if (tagged) return tagged;
    const routing = r.headerConditions.find((h) => h.name.toLowerCase() === desired.headerName.toLowerCase() && h.values.length === 1);
    return (routing && byHeader.get(routing.values[0]!.toLowerCase())) ?? UNKNOWN_SERVICE;
  };
  for (const r of [...observed.rules].sort((a, b) => a.priority - b.priority)) {
    if (isOwnedBy(r.tags, owner)) {
      const svc = ruleService(r);
      push(idx.ownedRulesByService, svc, r);
      push(ruleRole(r.tags) === 'test' ? idx.testRulesByService : idx.productionRulesByService, svc, r);
    } else idx.foreignRules.push(r);
  }
  for (const g of observed.targetGroups) {
    idx.targetGroupsByArn.set(g.arn, g);
    idx.targetGroupsByName.set(g.name, g);
    if (isOwnedBy(g.tags, owner)) push(idx.ownedTargetGroupsByService, g.tags?.[SERVICE_TAG] ?? byGroupName.get(g.name) ?? UNKNOWN_SERVICE, g);
  }
  for (const a of [...observed.apis].sort((x, y) => x.id.localeCompare(y.id))) {
    if (isOwnedBy(a.tags, owner)) push(idx.ownedApisByService, a.tags[SERVICE_TAG] ?? UNKNOWN_SERVICE, a);
    else push(idx.foreignApisByName, a.name, a);
  }
  return idx;
}

/**
 * The index as one shard sees it: rules on its listener only, and the groups that are
 * attached to its load balancer or to none (a group serves one ALB). A service's rules and
 * groups are planned against its shard's view (plan/placement.ts), so everything written
 * for one shard is decided from that shard's rules; what the service has elsewhere is the
 * planner's move logic's (plan/moves.ts).
 */
export function indexForShard(idx: ObservedIndex, shard: { listenerArn: string; loadBalancerArn: string }, listenerOf: (r: ObservedRule) => string): ObservedIndex {
  const onShard = (m: Map<string, ObservedRule[]>) => {
    const out = new Map<string, ObservedRule[]>();
    for (const [k, rules] of m) {
      const here = rules.filter((r) => listenerOf(r) === shard.listenerArn);
      if (here.length > 0) out.set(k, here);
    }
    return out;
  };
  const groups = new Map<string, ObservedTargetGroup[]>();
  for (const [k, gs] of idx.ownedTargetGroupsByService) {
    const here = gs.filter((g) => attachedHereOrNowhere(g, shard.loadBalancerArn));
    if (here.length > 0) groups.set(k, here);
  }
  return {
    ...idx,
    loadBalancerArn: shard.loadBalancerArn,
    ownedRulesByService: onShard(idx.ownedRulesByService),
    productionRulesByService: onShard(idx.productionRulesByService),
    testRulesByService: onShard(idx.testRulesByService),
    foreignRules: idx.foreignRules.filter((r) => listenerOf(r) === shard.listenerArn),
    ownedTargetGroupsByService: groups,
  };
}

/** A group attached to this load balancer, or to none (free to attach here). */
export function attachedHereOrNowhere(g: ObservedTargetGroup, loadBalancerArn: string): boolean {
  const lbs = g.loadBalancerArns ?? [];
  return lbs.length === 0 || lbs.includes(loadBalancerArn);
}
