import type { DesiredService, DesiredState } from '../model/desired.ts';
import type { ObservedTargetGroup } from '../model/observed.ts';
import { ownerOf, ownershipTags } from '../model/tags.ts';
import { declaredFieldDiffs } from './diff.ts';
import type { ObservedIndex } from './observed-index.ts';
import { PHASE } from './phases.ts';
import type { Action, Diff, Ref, ResourceState } from './types.ts';

export interface TargetGroupPlan {
  resources: ResourceState[];
  actions: Action[];
  /** What the service's rule must forward to; undefined when there is nothing valid to point at. */
  targetRef?: Ref;
}

/** Settings AWS cannot change on a target group: a change means a new group. */
const IMMUTABLE = ['port', 'protocol', 'targetType', 'vpcId'] as const;

export function planTargetGroup(desired: DesiredState, svc: DesiredService, idx: ObservedIndex): TargetGroupPlan {
  const tg = svc.targetGroup;
  if (tg.kind === 'existing') {
    const live = idx.targetGroupsByArn.get(tg.arn);
    if (!live) {
      return { resources: [{ kind: 'targetGroup', id: tg.arn, status: 'Error', diffs: [], message: 'the referenced target group does not exist' }], actions: [] };
    }
    return { resources: [{ kind: 'targetGroup', id: tg.arn, status: 'InSync', diffs: [], message: 'referenced, not managed by routeyard' }], actions: [], targetRef: { value: tg.arn } };
  }

  const owned = idx.ownedTargetGroupsByService.get(svc.name) ?? [];
  const current = owned.find((g) => g.name === tg.name);
  const stale = owned.filter((g) => g !== current);
  const resources: ResourceState[] = [];
  const actions: Action[] = [];
  let targetRef: Ref | undefined;

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
    resources.push({ kind: 'targetGroup', id: current.arn, status: diffs.length > 0 ? 'Drifted' : 'InSync', diffs });
    targetRef = { value: current.arn };
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
      const previous = stale[0];
      const diffs: Diff[] = previous
        ? IMMUTABLE.filter((k) => String(previous[k]) !== String(tg[k])).map((k) => ({ path: `targetGroup.${k}`, desired: tg[k], live: previous[k] ?? null }))
        : [{ path: 'targetGroup', desired: tg.name, live: null }];
      const id = `${previous ? 'replace' : 'create'}:targetGroup:${svc.name}`;
      actions.push({
        id,
        op: previous ? 'replace' : 'create',
        kind: 'targetGroup',
        service: svc.name,
        resourceId: tg.name,
        reason: previous
          ? `${diffs.map((d) => d.path.split('.').pop()).join(', ')} cannot be changed in place: a new target group is created, the rule moved to it, then ${previous.name} deleted`
          : 'target group does not exist',
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
      resources.push({ kind: 'targetGroup', id: tg.name, status: previous ? 'Drifted' : 'Missing', diffs });
      targetRef = { fromAction: id };
    }
  }

  for (const g of stale) {
    actions.push(deleteTargetGroupAction(svc.name, g, current || targetRef ? `superseded by ${tg.name}` : 'superseded'));
    if (g !== stale[0] || current) resources.push({ kind: 'targetGroup', id: g.arn, status: 'Orphaned', diffs: [] });
  }
  return { resources, actions, ...(targetRef ? { targetRef } : {}) };
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
