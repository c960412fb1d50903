import type { DesiredService, DesiredState } from '../model/desired.ts';
import type { ObservedRule } from '../model/observed.ts';
import { ownershipTags } from '../model/tags.ts';
import { albValueMatches, regexCanMatch } from './matching.ts';
import type { ObservedIndex } from './observed-index.ts';
import { PHASE } from './phases.ts';
import type { PriorityDecision } from './priorities.ts';
import type { Action, Diff, Ref, ResourceState } from './types.ts';

export interface RulePlan {
  resources: ResourceState[];
  actions: Action[];
}

/**
 * One service's rule on the shared listener: exactly one http-header condition
 * `<headerName>: <headerValue>` forwarding to the service's target group, at its priority.
 * Foreign rules are only ever reported on.
 */
export function planListenerRule(
  desired: DesiredState,
  svc: DesiredService,
  idx: ObservedIndex,
  decision: PriorityDecision | undefined,
  target: { targetRef?: Ref; standbyRef?: Ref; switchReason?: string },
): RulePlan {
  const targetRef = target.targetRef;
  const owned = idx.ownedRulesByService.get(svc.name) ?? [];
  const [current, ...duplicates] = owned;
  const resources: ResourceState[] = [];
  const actions: Action[] = [];
  const id = current?.arn ?? `${svc.name} rule`;

  for (const dup of duplicates) {
    actions.push(deleteRuleAction(svc.name, dup, 'a second rule for the same service'));
    resources.push({ kind: 'listenerRule', id: dup.arn, status: 'Orphaned', diffs: [] });
  }

  const ourPriority = decision && 'priority' in decision ? decision.priority : current?.priority;
  const conflict =
    foreignHeaderConflict(desired.headerName, svc.headerValue, ourPriority, idx.foreignRules) ?? (decision && 'conflict' in decision ? decision.conflict : undefined);
  if (conflict) {
    resources.unshift({ kind: 'listenerRule', id, status: 'Conflict', diffs: [], message: conflict });
    return { resources, actions };
  }
  if (!decision || 'exhausted' in decision) {
    resources.unshift({ kind: 'listenerRule', id, status: 'Error', diffs: [], message: `no free priority left in the band ${desired.priorityBand.from}..${desired.priorityBand.to}` });
    return { resources, actions };
  }
  if ('conflict' in decision) return { resources, actions }; // unreachable: handled above
  if (!targetRef) {
    resources.unshift({ kind: 'listenerRule', id, status: 'Error', diffs: [], message: 'the rule has no valid target group to forward to' });
    return { resources, actions };
  }

  if (!current) {
    actions.push({
      id: `create:listenerRule:${svc.name}`,
      op: 'create',
      kind: 'listenerRule',
      service: svc.name,
      resourceId: `${desired.headerName}: ${svc.headerValue}`,
      reason: `no rule routes ${desired.headerName}: ${svc.headerValue} (priority ${decision.priority}, ${decision.source})`,
      diffs: [{ path: 'listenerRule', desired: { priority: decision.priority, header: `${desired.headerName}: ${svc.headerValue}` }, live: null }],
      phase: PHASE.createRule,
      payload: {
        type: 'createRule',
        listenerArn: desired.listenerArn,
        priority: decision.priority,
        headerName: desired.headerName,
        headerValue: svc.headerValue,
        targetGroupArn: targetRef,
        tags: ownershipTags(desired.owner, svc.name),
      },
    });
    resources.unshift({ kind: 'listenerRule', id, status: 'Missing', diffs: actions.at(-1)!.diffs });
    return { resources, actions };
  }

  const diffs: Diff[] = [];
  if (current.priority !== decision.priority) {
    const priorityDiff = { path: 'listenerRule.priority', desired: decision.priority, live: current.priority };
    diffs.push(priorityDiff);
    actions.push({
      id: `update:listenerRule:${svc.name}:priority`,
      op: 'update',
      kind: 'listenerRule',
      service: svc.name,
      resourceId: current.arn,
      reason: decision.source === 'declared' ? 'priority differs from the document' : `priority ${current.priority} is now declared by another service; moved within the band`,
      diffs: [priorityDiff],
      phase: PHASE.setRulePriority,
      payload: { type: 'setRulePriority', arn: current.arn, from: current.priority, priority: decision.priority },
    });
  }
  const ruleDiffs = conditionAndActionDiffs(desired.headerName, svc.headerValue, current, targetRef, target.standbyRef);
  if (ruleDiffs.length > 0) {
    diffs.push(...ruleDiffs);
    const onlyStandby = ruleDiffs.every((d) => d.path === 'listenerRule.action.forward.targetGroups') && target.standbyRef;
    actions.push({
      id: `update:listenerRule:${svc.name}`,
      op: 'update',
      kind: 'listenerRule',
      service: svc.name,
      resourceId: current.arn,
      reason: onlyStandby
        ? 'the new target group is attached with weight 0 (health checks start, no traffic yet); the old group keeps all the traffic'
        : target.switchReason && ruleDiffs.every((d) => d.path.startsWith('listenerRule.action.forward'))
          ? target.switchReason
          : `rule differs from the document (${ruleDiffs.map((d) => d.path.replace('listenerRule.', '')).join(', ')})`,
      diffs: ruleDiffs,
      phase: PHASE.modifyRule,
      payload: {
        type: 'modifyRule',
        arn: current.arn,
        headerName: desired.headerName,
        headerValue: svc.headerValue,
        targetGroupArn: targetRef,
        ...(target.standbyRef ? { standbyTargetGroupArn: target.standbyRef } : {}),
        ...(current.transforms.length > 0 ? { resetTransforms: true } : {}),
      },
    });
  }
  resources.unshift({ kind: 'listenerRule', id: current.arn, status: diffs.length > 0 ? 'Drifted' : 'InSync', diffs });
  return { resources, actions };
}

function conditionAndActionDiffs(headerName: string, headerValue: string, rule: ObservedRule, targetRef: Ref, standbyRef: Ref | undefined): Diff[] {
  const diffs: Diff[] = [];
  const header = rule.headerConditions[0];
  if (rule.headerConditions.length !== 1 || rule.otherConditions.length > 0) {
    diffs.push({
      path: 'listenerRule.conditions',
      desired: [`http-header ${headerName}`],
      live: [...rule.headerConditions.map((h) => `http-header ${h.name}`), ...rule.otherConditions],
    });
  }
  // HTTP header names are case-insensitive; values are compared exactly.
  if (header && header.name.toLowerCase() !== headerName.toLowerCase()) {
    diffs.push({ path: 'listenerRule.condition.httpHeader.name', desired: headerName, live: header.name });
  }
  if (!header || header.values.length !== 1 || header.values[0] !== headerValue) {
    diffs.push({ path: 'listenerRule.condition.httpHeader.values', desired: [headerValue], live: header?.values ?? [] });
  }
  if (header?.regexValues?.length) {
    diffs.push({ path: 'listenerRule.condition.httpHeader.regexValues', desired: [], live: header.regexValues });
  }
  if (rule.transforms.length > 0) {
    // A transform rewrites the host or URL before the request reaches the service.
    diffs.push({ path: 'listenerRule.transforms', desired: [], live: rule.transforms });
  }
  const show = (r: Ref) => ('value' in r ? r.value : '(target group created in this pass)');
  const forwardsOnly = rule.actionTypes.length === 1 && rule.actionTypes[0] === 'forward';
  if (standbyRef) {
    const want = [
      { arn: show(targetRef), weight: 1 },
      { arn: show(standbyRef), weight: 0 },
    ];
    const same =
      forwardsOnly && rule.forward.length === 2 && want.every((w) => rule.forward.some((t) => t.arn === w.arn && (w.weight === 0 ? t.weight === 0 : t.weight > 0)));
    if (!same) diffs.push({ path: 'listenerRule.action.forward.targetGroups', desired: want, live: forwardsOnly ? rule.forward : rule.actionTypes });
  } else if (!forwardsOnly || rule.forward.length !== 1 || rule.forward[0]!.arn !== show(targetRef)) {
    diffs.push({
      path: 'listenerRule.action.forward.targetGroupArn',
      desired: show(targetRef),
      live: rule.actionTypes.includes('forward') ? (rule.forward.length === 1 ? rule.forward[0]!.arn : rule.forward) : rule.actionTypes,
    });
  }
  return diffs;
}

/**
 * A foreign rule that would take this service's traffic. Wildcard values (case-insensitive,
 * `*` and `?`) that match our value are a conflict at any priority, as before. A regular
 * expression (`RegexValues`) is a conflict when it can match our value and the foreign rule
 * is evaluated first (a lower priority number); one that cannot be evaluated (RE2 cannot
 * compile it) is a conflict that says so. Both are matched in linear time (plan/matching.ts).
 */
function foreignHeaderConflict(headerName: string, headerValue: string, ourPriority: number | undefined, foreign: readonly ObservedRule[]): string | undefined {
  for (const r of foreign) {
    for (const h of r.headerConditions) {
      if (h.name.toLowerCase() !== headerName.toLowerCase()) continue;
      if (h.values.some((v) => albValueMatches(v, headerValue))) {
        return `a listener rule routeyard does not own (${r.arn}, priority ${r.priority}) already matches ${headerName}: ${headerValue}`;
      }
      const first = ourPriority === undefined || r.priority < ourPriority;
      if (!first) continue;
      for (const re of h.regexValues ?? []) {
        const verdict = regexCanMatch(re, headerValue);
        const shown = JSON.stringify(re.slice(0, 128));
        if ('unknown' in verdict) {
          return `a listener rule routeyard does not own (${r.arn}, priority ${r.priority}, evaluated before ours${ourPriority !== undefined ? ` at ${ourPriority}` : ''}) has a header regex ${shown} that routeyard cannot evaluate (${verdict.unknown}), so it may take ${headerName}: ${headerValue}`;
        }
        if (verdict.matches) {
          return `a listener rule routeyard does not own (${r.arn}, priority ${r.priority}, evaluated before ours${ourPriority !== undefined ? ` at ${ourPriority}` : ''}) has a header regex ${shown} that can match ${headerName}: ${headerValue}`;
        }
      }
    }
  }
  return undefined;
}

export function deleteRuleAction(service: string, rule: ObservedRule, reason: string): Action {
  const header = rule.headerConditions[0];
  return {
    id: `delete:listenerRule:${service}:${rule.arn}`,
    op: 'delete',
    kind: 'listenerRule',
    service,
    resourceId: rule.arn,
    reason,
    diffs: [{ path: 'listenerRule', desired: null, live: { priority: rule.priority, header: header ? `${header.name}: ${header.values.join(',')}` : null } }],
    phase: PHASE.deleteRule,
    payload: { type: 'deleteRule', arn: rule.arn },
  };
}
