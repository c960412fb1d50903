import { qualifyName } from '../model/dns.ts';
import type { DesiredService } from '../model/desired.ts';
import type { ObservedRule, ObservedState, ObservedTargetGroup } from '../model/observed.ts';
import { deleteRuleAction } from './listener-rules.ts';
import { attachedHereOrNowhere, type ObservedIndex } from './observed-index.ts';
import type { Placement, Shard } from './placement.ts';
import { decideHandover, deleteTargetGroupAction } from './target-groups.ts';
import type { Action, ResourceState } from './types.ts';

/**
 * A service's rules and groups on shards other than the one it is planned on, and where its
 * traffic enters this pass. A move never leaves the service without a serving rule:
 *
 * 1. the group and rule are made on the new shard (plan/target-groups.ts, listener-rules.ts,
 *    against that shard's view); the integration still points at the old listener, so the
 *    new rule takes no traffic while AWS health-checks the new group's targets (ECS
 *    registers the service's tasks into it, as during a target group replacement): Pending;
 * 2. once the new group has a healthy target (or the old one has none: nothing to disrupt),
 *    the integration is pointed at the new listener and the private alias at the new ALB;
 * 3. once the integration is seen pointing there (and the alias), the old rule and group go.
 *
 * Leftovers on another shard of a service that does not move (a move reverted half way)
 * take no traffic (the integration points where the service lives) and are deleted, once
 * where the integration points is known.
 */
export interface AwayPlan {
  /** The listener the service's integration must point at this pass. */
  integrationListener: string;
  /** The ALB its private alias must point at (the shard's; undefined when the document gives none). */
  alb?: { dnsName: string; hostedZoneId: string };
  /** Leave the private alias as it is this pass (it points at a departed shard's ALB, whose name the document no longer gives). */
  keepAlias?: true;
  resources: ResourceState[];
  actions: Action[];
  /** The move is waiting (a healthy target, the integration to be seen on the new listener). */
  pending?: string;
}

export function planAway(
  svc: DesiredService,
  placement: Placement,
  idx: ObservedIndex,
  view: ObservedIndex,
  observed: ObservedState,
  listenerOf: (r: ObservedRule) => string,
  outputsPrefix?: string,
): AwayPlan {
  const on = placement.on;
  const albOf = (s: Shard) => (s.albDnsName && s.albHostedZoneId ? { dnsName: s.albDnsName, hostedZoneId: s.albHostedZoneId, ...(s.aliasError ? { error: s.aliasError } : {}) } : undefined);
  const awayRules = (idx.ownedRulesByService.get(svc.name) ?? []).filter((r) => listenerOf(r) !== on.listenerArn);
  const awayGroups = (idx.ownedTargetGroupsByService.get(svc.name) ?? []).filter((g) => !attachedHereOrNowhere(g, on.loadBalancerArn));
  const here = { integrationListener: on.listenerArn, ...(albOf(on) ? { alb: albOf(on)! } : {}) };
  if (awayRules.length === 0 && awayGroups.length === 0) return { ...here, resources: [], actions: [] };

  const integration = liveIntegrationListener(svc, idx);
  const record = svc.privateDns ? liveAlias(svc, observed) : undefined;
  const keep = (message: string): AwayPlan['resources'] => [
    ...awayRules.map((r) => ({ kind: 'listenerRule' as const, id: r.arn, status: 'Pending' as const, diffs: [], message })),
    ...awayGroups.map((g) => ({ kind: 'targetGroup' as const, id: g.arn, status: 'Pending' as const, diffs: [], message })),
  ];
  const remove = (reason: string): Pick<AwayPlan, 'resources' | 'actions'> => ({
    resources: [...awayRules, ...awayGroups].map((x) => ({ kind: 'priority' in x ? ('listenerRule' as const) : ('targetGroup' as const), id: x.arn, status: 'Orphaned' as const, diffs: [], message: reason })),
    actions: [...awayRules.map((r) => deleteRuleAction(svc.name, r, reason)), ...awayGroups.map((g) => deleteTargetGroupAction(svc.name, g, reason))],
  });

  const from = placement.from;
  if (!from) {
    // Leftovers: the service lives on `on`; they take no traffic once the integration is known to point here.
    if (svc.api && !integration.known) return { ...here, resources: keep(`kept until the service's integration is read (it lives on ${on.name})`), actions: [] };
    if (svc.api && integration.known && integration.listener !== on.listenerArn) return { ...here, resources: keep(`kept until the integration points at ${on.name}, where the service lives`), actions: [] };
    return { ...here, ...remove(`left on another load balancer; the service lives on ${on.name}`) };
  }

  // A move: is the new side ready to take the traffic?
  const newRule = (view.productionRulesByService.get(svc.name) ?? [])[0];
  const newGroup = groupServedBy(newRule, idx);
  const oldRule = awayRules.find((r) => listenerOf(r) === from.listenerArn);
  const oldGroup = groupServedBy(oldRule, idx);
  const stay = { integrationListener: from.listenerArn, ...(albOf(from) ? { alb: albOf(from)! } : {}) };
  const wait = (why: string): AwayPlan => ({ ...stay, ...(from.departed ? { keepAlias: true as const } : {}), resources: keep(`${from.name} keeps the traffic until the move is done: ${why}`), actions: [], pending: why });
  if (!newRule || !newGroup) return wait(`the rule and target group on ${on.name} are being made`);
  const ready = handover(oldGroup, newGroup);
  if ('error' in ready) return { ...wait(ready.error), resources: keep(`${from.name} keeps the traffic: ${ready.error}`) };
  if (!ready.switch) return wait(`waiting for a healthy target in ${newGroup.name} on ${on.name}: register the service's tasks in it (its ARN is this service's target-group-arn output${outputsPrefix ? `, published as ${outputsPrefix}/services/${svc.name}/target-group-arn` : ''})`);
  // The new side serves: the integration and the alias move now; the old side goes once they are seen there.
  const moved = (!svc.api || (integration.known && integration.listener === on.listenerArn)) && (!svc.privateDns || !here.alb || record === undefined || record === here.alb.dnsName);
  if (!moved) return { ...here, resources: keep(`${ready.why}: the integration and DNS move to ${on.name} now; ${from.name}'s rule and group are deleted once they are seen there`), actions: [], pending: 'the integration is moving' };
  return { ...here, ...remove(`moved to ${on.name} (${placement.why ?? 'placement'})`) };
}

/** The group a rule sends traffic to (weight > 0), when it is one this snapshot knows. */
function groupServedBy(rule: ObservedRule | undefined, idx: ObservedIndex): ObservedTargetGroup | undefined {
  const arn = rule?.forward.find((t) => t.weight > 0)?.arn;
  return arn ? idx.targetGroupsByArn.get(arn) : undefined;
}

/** As a replacement's hand-over (plan/target-groups.ts): never to a group without a healthy target while the old one has one. */
function handover(old: ObservedTargetGroup | undefined, next: ObservedTargetGroup): { switch: true; why: string } | { switch: false } | { error: string } {
  if (old) return decideHandover(old, next);
  // Nothing serves on the old side: the new group takes over as soon as it exists.
  return { switch: true, why: 'the old side serves nothing' };
}

/** Where the service's API integration points now: known only when its children were read. */
function liveIntegrationListener(svc: DesiredService, idx: ObservedIndex): { known: true; listener: string | undefined } | { known: false } {
  const api = (idx.ownedApisByService.get(svc.name) ?? [])[0];
  if (!api) return { known: true, listener: undefined };
  if (!api.children?.readable) return { known: false };
  const i = api.children.integrations.find((x) => x.connectionType === 'VPC_LINK') ?? api.children.integrations[0];
  return { known: true, listener: i?.integrationUri };
}

/** The DNS name the service's private alias points at now (lowercase, no trailing dot). */
function liveAlias(svc: DesiredService, observed: ObservedState): string | undefined {
  const zone = observed.naming?.zones.find((z) => z.private)?.zone;
  if (!zone) return undefined;
  const name = qualifyName(svc.privateDns!.name, zone.name);
  return zone.records.find((r) => r.name === name && r.type === 'A')?.alias?.dnsName;
}
