import type { DesiredService, DesiredState } from '../model/desired.ts';
import type { ObservedTargetGroup } from '../model/observed.ts';
import { TARGET_GROUP_PREFIX, targetGroupName } from '../model/names.ts';
import { ROLE_TAG, SERVICE_TAG, isOwnedBy, ownerOf, ownershipTags, type TargetGroupRole } from '../model/tags.ts';
import { declaredFieldDiffs } from './diff.ts';
import { serviceRules } from './listener-rules.ts';
import type { ObservedIndex } from './observed-index.ts';
import { PHASE } from './phases.ts';
import type { Action, Diff, Ref, ResourceState } from './types.ts';

export interface TargetGroupPlan {
  resources: ResourceState[];
  actions: Action[];
  /** What the service's rule must forward to; undefined when there is nothing valid to point at. */
  targetRef?: Ref;
  /**
   * During a replacement: the new group, attached to the rule with weight 0 while the old
   * one (targetRef) keeps all the traffic. Attaching it is what makes AWS health-check its
   * targets (a group no rule uses reports them `unused`) and what lets ECS register
   * targets in it (ECS refuses a target group without a load balancer).
   */
  standbyRef?: Ref;
  /** Why the rule moves to the new group in this pass (a replacement hand-over), for the rule's action. */
  switchReason?: string;
  /** ECS deployments: the alternate group; the rules forward to both. */
  alternateRef?: Ref;
  /** The rules must stay as they are (a change refused under ECS deployments). */
  holdReason?: string;
  /**
   * The group the document wants, now or once this pass creates it (and the alternate):
   * published as outputs, so a pipeline points the ECS service at a replacement as soon as
   * it exists, even while the old group still takes the traffic.
   */
  outputs: { primary?: Ref; alternate?: Ref };
}

/** Settings AWS cannot change on a target group: a change means a new group. */
const IMMUTABLE = ['port', 'protocol', 'targetType', 'vpcId'] as const;

export function planTargetGroup(desired: DesiredState, svc: DesiredService, idx: ObservedIndex): TargetGroupPlan {
  const tg = svc.targetGroup;
  if (tg.kind === 'existing') return planReferencedTargetGroup(tg.arn, idx);
  if (tg.alternateName) return planEcsTargetGroups(desired, svc, tg, tg.alternateName, idx);

  const owned = idx.ownedTargetGroupsByService.get(svc.name) ?? [];
  const current = owned.find((g) => g.name === tg.name) ?? adoptedGroup(owned, tg);
  const stale = owned.filter((g) => g !== current);
  const liveRule = serviceRules(svc, desired.headerName, idx).production[0];
  // The superseded group that still takes the service's traffic, if any.
  const serving = stale.find((g) => liveRule?.forward.some((t) => t.arn === g.arn && t.weight > 0));
  const resources: ResourceState[] = [];
  const actions: Action[] = [];
  let targetRef: Ref | undefined;
  let standbyRef: Ref | undefined;
  let keepStale = false;
  let switchReason: string | undefined;

  if (current) {
    const diffs = declaredFieldDiffs('targetGroup.healthCheck', { ...tg.healthCheck }, { ...current.healthCheck });
    if (diffs.length > 0) {
      actions.push({
        id: `update:targetGroup:${svc.name}`,
        op: 'update',
        kind: 'targetGroup',
        service: svc.name,
        resourceId: current.arn,
        reason: `health check differs from the document (${diffs.map((d) => d.path.split('.').pop()).join(', ')})`,
        diffs,
        phase: PHASE.updateTargetGroup,
        payload: { type: 'modifyTargetGroup', arn: current.arn, healthCheck: tg.healthCheck },
      });
    }
    const handover = serving ? decideHandover(serving, current) : { switch: true as const, why: '' };
    if ('error' in handover) {
      resources.push({ kind: 'targetGroup', id: current.arn, status: 'Error', diffs, message: handover.error });
      targetRef = { value: serving!.arn };
      standbyRef = { value: current.arn };
      keepStale = true;
    } else if (!handover.switch) {
      resources.push({ kind: 'targetGroup', id: current.arn, status: 'Pending', diffs: [...replacementDiffs(tg, serving!), ...diffs], message: pendingMessage(desired, svc.name, tg.name, serving!) });
      targetRef = { value: serving!.arn };
      standbyRef = { value: current.arn };
      keepStale = true;
    } else {
      resources.push({ kind: 'targetGroup', id: current.arn, status: diffs.length > 0 ? 'Drifted' : 'InSync', diffs, ...(serving ? { message: handover.why } : {}) });
      targetRef = { value: current.arn };
      if (serving) switchReason = `replacement hand-over: ${handover.why}; the rule now forwards to ${tg.name} alone, then ${serving.name} is deleted`;
    }
  } else {
    const squatter = idx.targetGroupsByName.get(tg.name);
    if (squatter) {
      // The derived name is taken by a group routeyard does not own: never touch it.
      const by = ownerOf(squatter.tags);
      resources.push({
        kind: 'targetGroup',
        id: squatter.arn,
        status: 'Conflict',
        diffs: [],
        message: `target group name ${tg.name} is taken by a group ${by ? `owned by RouteSet "${by}"` : 'routeyard does not own'}`,
      });
    } else {
      const previous = serving ?? stale[0];
      const handover = serving ? decideHandover(serving, undefined) : { switch: true as const, why: '' };
      const diffs: Diff[] = previous ? replacementDiffs(tg, previous) : [{ path: 'targetGroup', desired: tg.name, live: null }];
      if ('error' in handover) {
        resources.push({ kind: 'targetGroup', id: serving!.arn, status: 'Error', diffs, message: handover.error });
        targetRef = { value: serving!.arn };
        keepStale = true;
      } else {
        const id = `${previous ? 'replace' : 'create'}:targetGroup:${svc.name}`;
        const pending = !handover.switch;
        actions.push({
          id,
          op: previous ? 'replace' : 'create',
          kind: 'targetGroup',
          service: svc.name,
          resourceId: tg.name,
          reason: !previous
            ? 'target group does not exist'
            : pending
              ? `${diffs.map((d) => d.path.split('.').pop()).join(', ')} cannot be changed in place: a new target group is created and attached to the rule with weight 0; ${previous.name} keeps the traffic until the new group has a healthy target`
              : `${diffs.map((d) => d.path.split('.').pop()).join(', ')} cannot be changed in place: a new target group is created, the rule moved to it, then ${previous.name} deleted (${handover.why})`,
          diffs,
          phase: PHASE.createTargetGroup,
          payload: {
            type: 'createTargetGroup',
            name: tg.name,
            port: tg.port,
            protocol: tg.protocol,
            targetType: tg.targetType,
            vpcId: tg.vpcId,
            healthCheck: tg.healthCheck,
            tags: ownershipTags(desired.owner, svc.name),
          },
        });
        if (pending) {
          resources.push({ kind: 'targetGroup', id: tg.name, status: 'Pending', diffs, message: pendingMessage(desired, svc.name, tg.name, serving!) });
          targetRef = { value: serving!.arn };
          standbyRef = { fromAction: id };
          keepStale = true;
        } else {
          resources.push({ kind: 'targetGroup', id: tg.name, status: previous ? 'Drifted' : 'Missing', diffs });
          targetRef = { fromAction: id };
        }
      }
    }
  }

  for (const g of stale) {
    if (keepStale) {
      resources.push({ kind: 'targetGroup', id: g.arn, status: 'Orphaned', diffs: [], message: `${g.name} is kept until the rule has moved to ${tg.name}` });
      continue;
    }
    actions.push(deleteTargetGroupAction(svc.name, g, current || targetRef ? `superseded by ${tg.name}` : 'superseded'));
    if (g !== stale[0] || current) resources.push({ kind: 'targetGroup', id: g.arn, status: 'Orphaned', diffs: [] });
  }
  const wantedRef: Ref | undefined = current ? { value: current.arn } : actions.find((a) => a.payload.type === 'createTargetGroup') ? { fromAction: actions.find((a) => a.payload.type === 'createTargetGroup')!.id } : undefined;
  return {
    resources,
    actions,
    ...(targetRef ? { targetRef } : {}),
    ...(standbyRef ? { standbyRef } : {}),
    ...(switchReason ? { switchReason } : {}),
    outputs: wantedRef ? { primary: wantedRef } : {},
  };
}

/** An existing group referenced by ARN: never changed, but it must exist and serve no other load balancer. */
function planReferencedTargetGroup(arn: string, idx: ObservedIndex): TargetGroupPlan {
  const live = idx.targetGroupsByArn.get(arn);
  if (!live) {
    return { resources: [{ kind: 'targetGroup', id: arn, status: 'Error', diffs: [], message: 'the referenced target group does not exist' }], actions: [], outputs: {} };
  }
  const elsewhere = (live.loadBalancerArns ?? []).filter((lb) => lb !== idx.loadBalancerArn);
  if (elsewhere.length > 0) {
    return {
      resources: [
        {
          kind: 'targetGroup',
          id: arn,
          status: 'Error',
          diffs: [],
          message: `the referenced target group is attached to another load balancer (${elsewhere.join(', ')}); an ALB target group serves one load balancer only`,
        },
      ],
      actions: [],
      outputs: {},
    };
  }
  return { resources: [{ kind: 'targetGroup', id: arn, status: 'InSync', diffs: [], message: 'referenced, not managed by routeyard' }], actions: [], targetRef: { value: arn }, outputs: { primary: { value: arn } } };
}

/**
 * Whether the rule may leave the old group now. Moving it to a group with no healthy
 * target would answer 503 to every request, so the rule moves only when the new group has
 * a healthy target, or when the old one has none (nothing to disrupt).
 */
export function decideHandover(serving: ObservedTargetGroup, next: ObservedTargetGroup | undefined): { switch: true; why: string } | { switch: false } | { error: string } {
  const old = serving.health;
  if (!old) return { error: `the health of ${serving.name}'s targets was not read` };
  if (!old.readable) return { error: `cannot read the health of ${serving.name}'s targets: ${old.error}` };
  if (old.healthy === 0) return { switch: true, why: `${serving.name} has no healthy target, so nothing can be disrupted` };
  if (!next) return { switch: false };
  const fresh = next.health;
  if (!fresh) return { error: `the health of ${next.name}'s targets was not read` };
  if (!fresh.readable) return { error: `cannot read the health of ${next.name}'s targets: ${fresh.error}` };
  if (fresh.healthy > 0) return { switch: true, why: `${next.name} has ${fresh.healthy} healthy target${fresh.healthy === 1 ? '' : 's'}` };
  return { switch: false };
}

function pendingMessage(desired: DesiredState, service: string, newName: string, serving: ObservedTargetGroup): string {
  const where = desired.outputsPrefix ? ` (its ARN is published as ${desired.outputsPrefix}/services/${service}/target-group-arn)` : ' (its ARN is in this report\'s outputs)';
  return `waiting for healthy targets in ${newName}; point the service's ECS load balancer at it${where}; ${serving.name} keeps the traffic until then`;
}

/**
 * An adopted group keeps the name it had (adoption never recreates), so it is the service's
 * group when it has the settings the document wants: a name routeyard derived would only
 * differ if those settings did. An alternate group (ECS) is never taken for the primary.
 */
function adoptedGroup(owned: readonly ObservedTargetGroup[], tg: ManagedGroup): ObservedTargetGroup | undefined {
  return owned.find((g) => !g.name.startsWith(TARGET_GROUP_PREFIX) && g.tags?.[ROLE_TAG] !== 'alternate' && IMMUTABLE.every((k) => String(g[k]) === String(tg[k])));
}

function replacementDiffs(tg: Extract<DesiredService['targetGroup'], { kind: 'managed' }>, previous: ObservedTargetGroup): Diff[] {
  return IMMUTABLE.filter((k) => String(previous[k]) !== String(tg[k])).map((k) => ({ path: `targetGroup.${k}`, desired: tg[k], live: previous[k] ?? null }));
}

/**
 * The groups whose target health a pass must read: every group a service owns while one
 * of them is not the group the document now wants (a replacement is under way). In steady
 * state this is none, so health costs nothing.
 */
export function targetGroupsNeedingHealth(desired: DesiredState, groups: readonly ObservedTargetGroup[]): string[] {
  const movedName = (svc: string, tg: ManagedGroup) => (tg.alternateName ? [] : [targetGroupName(desired.owner, svc, tg, 'moved')]);
  const wantedNames = new Map(
    desired.services.flatMap((s) => (s.targetGroup.kind === 'managed' ? [[s.name, new Set([s.targetGroup.name, ...(s.targetGroup.alternateName ? [s.targetGroup.alternateName] : []), ...movedName(s.name, s.targetGroup)])] as const] : [])),
  );
  const bySvc = new Map<string, ObservedTargetGroup[]>();
  for (const g of groups) {
    if (!isOwnedBy(g.tags, desired.owner)) continue;
    const svc = g.tags?.[SERVICE_TAG];
    if (!svc || !wantedNames.has(svc)) continue;
    bySvc.set(svc, [...(bySvc.get(svc) ?? []), g]);
  }
  const tgOf = new Map(desired.services.flatMap((s) => (s.targetGroup.kind === 'managed' ? [[s.name, s.targetGroup] as const] : [])));
  const out: string[] = [];
  for (const [svc, owned] of bySvc) {
    // An adopted group is the service's group only while no group has the derived name.
    const adopted = owned.some((g) => g.name === tgOf.get(svc)!.name) ? undefined : adoptedGroup(owned, tgOf.get(svc)!);
    // A replacement under way (a group of other settings), or a move between load balancers
    // (the group of the usual name and its twin: plan/moves.ts hands over on health too).
    const primaries = owned.filter((g) => g.tags?.[ROLE_TAG] !== 'alternate');
    if (owned.some((g) => !wantedNames.get(svc)!.has(g.name) && g !== adopted) || primaries.length > 1) out.push(...owned.map((g) => g.arn));
  }
  return out.sort();
}

export function deleteTargetGroupAction(service: string, g: ObservedTargetGroup, reason: string): Action {
  return {
    id: `delete:targetGroup:${service}:${g.name}`,
    op: 'delete',
    kind: 'targetGroup',
    service,
    resourceId: g.arn,
    reason,
    diffs: [{ path: 'targetGroup', desired: null, live: g.name }],
    phase: PHASE.deleteTargetGroup,
    payload: { type: 'deleteTargetGroup', arn: g.arn },
  };
}

type ManagedGroup = Extract<DesiredService['targetGroup'], { kind: 'managed' }>;

/**
 * The two groups of a service whose deployments ECS drives: primary and alternate, same
 * settings, both owned and tagged with their role. Which of them carries the traffic is
 * ECS's business, so there is no hand-over here. A settings change AWS cannot make in
 * place (port, protocol, target type, VPC) would need two new groups under a running
 * deployment: it is refused, with the way out, and nothing of the service's groups or
 * rules changes.
 */
function planEcsTargetGroups(desired: DesiredState, svc: DesiredService, tg: ManagedGroup, alternateName: string, idx: ObservedIndex): TargetGroupPlan {
  const owned = idx.ownedTargetGroupsByService.get(svc.name) ?? [];
  const rules = [...(idx.productionRulesByService.get(svc.name) ?? []), ...(idx.testRulesByService.get(svc.name) ?? [])];
  const forwardedTo = new Set(rules.flatMap((r) => r.forward.map((t) => t.arn)));
  const groups: { role: TargetGroupRole; name: string }[] = [
    { role: 'primary', name: tg.name },
    { role: 'alternate', name: alternateName },
  ];
  const live = new Map(groups.map((g) => [g.role, owned.find((o) => o.name === g.name)]));
  if (!live.get('primary')) live.set('primary', adoptedGroup(owned.filter((o) => o.name !== alternateName), tg));
  const stale = owned.filter((o) => ![...live.values()].includes(o));
  const resources: ResourceState[] = [];
  const actions: Action[] = [];

  const inUse = stale.filter((g) => forwardedTo.has(g.arn));
  if (inUse.length > 0) {
    // Both groups carry the old settings: each change is named once.
    const changed = [...new Map(inUse.flatMap((g) => replacementDiffs(tg, g)).map((d) => [`${d.path} ${String(d.live)}`, d])).values()];
    const fields = [...new Set(changed.map((d) => d.path.split('.').pop()))].join(', ') || 'settings';
    const holdReason =
      `the target group ${fields} changed (${changed.map((d) => `${d.path.split('.').pop()} ${String(d.live)} -> ${String(d.desired)}`).join(', ')}), which needs new target groups, ` +
      `and the service uses ECS deployments: replacing both groups under a running deployment is not safe, so nothing is changed. ` +
      `Either put the old value back, or remove "deployment" from the service (routeyard then replaces the group with its usual hand-over), point the ECS service at the new group, and declare "deployment" again`;
    inUse.forEach((g, i) =>
      resources.push({ kind: 'targetGroup', id: g.arn, status: 'Error', diffs: replacementDiffs(tg, g), message: i === 0 ? holdReason : 'needs the same replacement (see the first target group)' }),
    );
    for (const g of groups) {
      const l = live.get(g.role);
      if (l && !inUse.includes(l)) resources.push({ kind: 'targetGroup', id: l.arn, status: 'InSync', diffs: [], message: `${g.role} (ECS deployments)` });
    }
    return { resources, actions, holdReason, outputs: {} };
  }

  const refs: Partial<Record<TargetGroupRole, Ref>> = {};
  for (const g of groups) {
    const current = live.get(g.role);
    const suffix = g.role === 'alternate' ? ':alternate' : '';
    if (!current) {
      const squatter = idx.targetGroupsByName.get(g.name);
      if (squatter) {
        const by = ownerOf(squatter.tags);
        resources.push({
          kind: 'targetGroup',
          id: squatter.arn,
          status: 'Conflict',
          diffs: [],
          message: `target group name ${g.name} is taken by a group ${by ? `owned by RouteSet "${by}"` : 'routeyard does not own'}`,
        });
        continue;
      }
      const id = `create:targetGroup:${svc.name}${suffix}`;
      const diffs: Diff[] = [{ path: 'targetGroup', desired: g.name, live: null }];
      actions.push({
        id,
        op: 'create',
        kind: 'targetGroup',
        service: svc.name,
        resourceId: g.name,
        reason: `the ${g.role} target group for ECS deployments does not exist`,
        diffs,
        phase: PHASE.createTargetGroup,
        payload: {
          type: 'createTargetGroup',
          name: g.name,
          port: tg.port,
          protocol: tg.protocol,
          targetType: tg.targetType,
          vpcId: tg.vpcId,
          healthCheck: tg.healthCheck,
          tags: ownershipTags(desired.owner, svc.name, g.role),
        },
      });
      resources.push({ kind: 'targetGroup', id: g.name, status: 'Missing', diffs, message: `${g.role} (ECS deployments)` });
      refs[g.role] = { fromAction: id };
      continue;
    }
    refs[g.role] = { value: current.arn };
    // Settings changes apply to both groups alike.
    const diffs = declaredFieldDiffs('targetGroup.healthCheck', { ...tg.healthCheck }, { ...current.healthCheck });
    if (diffs.length > 0) {
      actions.push({
        id: `update:targetGroup:${svc.name}${suffix}`,
        op: 'update',
        kind: 'targetGroup',
        service: svc.name,
        resourceId: current.arn,
        reason: `health check of the ${g.role} group differs from the document (${diffs.map((d) => d.path.split('.').pop()).join(', ')})`,
        diffs,
        phase: PHASE.updateTargetGroup,
        payload: { type: 'modifyTargetGroup', arn: current.arn, healthCheck: tg.healthCheck },
      });
    }
    resources.push({ kind: 'targetGroup', id: current.arn, status: diffs.length > 0 ? 'Drifted' : 'InSync', diffs, message: `${g.role} (ECS deployments)` });
  }
  // Groups of earlier settings that no rule forwards to any more: gone.
  for (const g of stale) {
    actions.push(deleteTargetGroupAction(svc.name, g, `superseded: no rule forwards to it and the service's groups are ${tg.name} and ${alternateName}`));
    resources.push({ kind: 'targetGroup', id: g.arn, status: 'Orphaned', diffs: [] });
  }
  if (!refs.primary || !refs.alternate) return { resources, actions, outputs: { ...(refs.primary ? { primary: refs.primary } : {}), ...(refs.alternate ? { alternate: refs.alternate } : {}) } };
  return { resources, actions, targetRef: refs.primary, alternateRef: refs.alternate, outputs: { primary: refs.primary, alternate: refs.alternate } };
}
