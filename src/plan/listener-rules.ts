import type { DesiredService, DesiredState } from '../model/desired.ts';
import type { ObservedRule } from '../model/observed.ts';
import { ownershipTags } from '../model/tags.ts';
import { albValueMatches } from './diff.ts';
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
  targetRef: Ref | undefined,
): RulePlan {
  const owned = idx.ownedRulesByService.get(svc.name) ?? [];
  const [current, ...duplicates] = owned;
  const resources: ResourceState[] = [];
  const actions: Action[] = [];
  const id = current?.arn ?? `${svc.name} rule`;

  for (const dup of duplicates) {
    actions.push(deleteRuleAction(svc.name, dup, 'a second rule for the same service'));
    resources.push({ kind: 'listenerRule', id: dup.arn, status: 'Orphaned', diffs: [] });
  }

  const conflict = foreignHeaderConflict(desired.headerName, svc.headerValue, idx.foreignRules) ?? (decision && 'conflict' in decision ? decision.conflict : undefined);
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
  const ruleDiffs = conditionAndActionDiffs(desired.headerName, svc.headerValue, current, targetRef);
  if (ruleDiffs.length > 0) {
    diffs.push(...ruleDiffs);
    actions.push({
      id: `update:listenerRule:${svc.name}`,
      op: 'update',
      kind: 'listenerRule',
      service: svc.name,
      resourceId: current.arn,
      reason: `rule differs from the document (${ruleDiffs.map((d) => d.path.replace('listenerRule.', '')).join(', ')})`,
      diffs: ruleDiffs,
      phase: PHASE.modifyRule,
      payload: { type: 'modifyRule', arn: current.arn, headerName: desired.headerName, headerValue: svc.headerValue, targetGroupArn: targetRef },
    });
  }
  resources.unshift({ kind: 'listenerRule', id: current.arn, status: diffs.length > 0 ? 'Drifted' : 'InSync', diffs });
  return { resources, actions };
}

function conditionAndActionDiffs(headerName: string, headerValue: string, rule: ObservedRule, targetRef: Ref): Diff[] {
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
  const wantTarget = 'value' in targetRef ? targetRef.value : '(target group created in this pass)';
  if (rule.actionTypes.length !== 1 || rule.actionTypes[0] !== 'forward' || rule.targetGroupArns.length !== 1 || rule.targetGroupArns[0] !== wantTarget) {
    diffs.push({
      path: 'listenerRule.action.forward.targetGroupArn',
      desired: wantTarget,
      live: rule.actionTypes.includes('forward') ? (rule.targetGroupArns.length === 1 ? rule.targetGroupArns[0] : rule.targetGroupArns) : rule.actionTypes,
    });
  }
  return diffs;
}

/** A foreign rule that would take this service's traffic (same header, overlapping value). */
function foreignHeaderConflict(headerName: string, headerValue: string, foreign: readonly ObservedRule[]): string | undefined {
  for (const r of foreign) {
    for (const h of r.headerConditions) {
      if (h.name.toLowerCase() !== headerName.toLowerCase()) continue;
      if (h.values.some((v) => albValueMatches(v, headerValue))) {
        return `a listener rule routeyard does not own (${r.arn}, priority ${r.priority}) already matches ${headerName}: ${headerValue}`;
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
