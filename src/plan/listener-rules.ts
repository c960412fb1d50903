import type { DesiredService, DesiredState } from '../model/desired.ts';
import type { ObservedRule } from '../model/observed.ts';
import { ownerOf, ownershipTags } from '../model/tags.ts';
import { isManagedElsewhere } from './field-ownership.ts';
import { albValueMatches, regexCanMatch } from './matching.ts';
import type { ObservedIndex } from './observed-index.ts';
import { PHASE } from './phases.ts';
import type { PriorityDecision } from './priorities.ts';
import type { Action, Diff, Ref, ResourceState } from './types.ts';

export interface RulePlan {
  resources: ResourceState[];
  actions: Action[];
  /** The rules' ARNs, now or once this pass creates them (published as outputs). */
  refs: { production?: Ref; test?: Ref };
}

/**
 * A service's owned rules by role, the one that stays first in each list. Of two production
 * rules, the one that routes exactly the service's header value stays (then the lower
 * priority). A rule without a role tag that has exactly the test rule's two conditions, while
 * the service wants a test rule and none carries the tag, is that test rule: its role tag was
 * removed out of band (the task role cannot add it back: ELB tags go on with CreateRule
 * only), and taking it for a second production rule would delete the rule ECS references.
 */
export function serviceRules(svc: Pick<DesiredService, 'name' | 'headerValue' | 'deployment'>, headerName: string, idx: ObservedIndex): { production: ObservedRule[]; test: ObservedRule[] } {
  const value = svc.headerValue;
  const exact = (r: ObservedRule) =>
    r.headerConditions.length === 1 && r.otherConditions.length === 0 && r.headerConditions[0]!.values.length === 1 && r.headerConditions[0]!.values[0] === value;
  let production = [...(idx.productionRulesByService.get(svc.name) ?? [])].sort((a, b) => Number(exact(b)) - Number(exact(a)) || a.priority - b.priority);
  let test = [...(idx.testRulesByService.get(svc.name) ?? [])];
  const wanted = svc.deployment?.strategy === 'ecs' ? svc.deployment.testTraffic : undefined;
  if (wanted && test.length === 0 && production.length > 1) {
    const has = (r: ObservedRule, name: string, v: string) => r.headerConditions.some((h) => h.name.toLowerCase() === name.toLowerCase() && h.values.length === 1 && h.values[0] === v);
    const shaped = production.find((r) => r.headerConditions.length === 2 && r.otherConditions.length === 0 && has(r, headerName, value) && has(r, wanted.header, wanted.value));
    if (shaped && shaped !== production[0]) {
      test = [shaped];
      production = production.filter((r) => r !== shaped);
    }
  }
  return { production, test };
}

/** What the service's rules forward to (plan/target-groups.ts). */
export interface RuleTargets {
  targetRef?: Ref;
  standbyRef?: Ref;
  switchReason?: string;
  /** ECS deployments: the alternate group; the rules forward to both. */
  alternateRef?: Ref;
  /** Why the rules are held as they are (a target group change refused under ECS deployments). */
  holdReason?: string;
}

/**
 * One service's rule on the shared listener: exactly one http-header condition
 * `<headerName>: <headerValue>` forwarding to the service's target group, at its priority.
 * With ECS deployments, the production rule forwards to both groups and an optional test
 * rule just before it matches the test header too (planEcsRules). Foreign rules are only
 * ever reported on.
 */
export function planListenerRule(desired: DesiredState, svc: DesiredService, idx: ObservedIndex, decision: PriorityDecision | undefined, target: RuleTargets): RulePlan {
  const targetRef = target.targetRef;
  const rules = serviceRules(svc, desired.headerName, idx);
  const [current, ...duplicates] = rules.production;
  const resources: ResourceState[] = [];
  const actions: Action[] = [];
  const id = current?.arn ?? `${svc.name} rule`;
  const refs: RulePlan['refs'] = current ? { production: { value: current.arn } } : {};

  for (const dup of duplicates) {
    actions.push(deleteRuleAction(svc.name, dup, 'a second rule for the same service'));
    resources.push({ kind: 'listenerRule', id: dup.arn, status: 'Orphaned', diffs: [] });
  }
  // Test rules: one while deployment.testTraffic is declared, none otherwise.
  const tests = rules.test;
  const wantTest = svc.deployment?.strategy === 'ecs' && svc.deployment.testTraffic !== undefined;
  const currentTest = wantTest ? tests[0] : undefined;
  if (currentTest) refs.test = { value: currentTest.arn };
  for (const t of tests) {
    if (t === currentTest) continue;
    actions.push(deleteRuleAction(svc.name, t, wantTest ? 'a second test rule for the same service' : 'deployment.testTraffic is no longer declared for the service'));
    resources.push({ kind: 'listenerRule', id: t.arn, status: 'Orphaned', diffs: [] });
  }

  const ourPriority = decision && 'priority' in decision ? decision.priority : current?.priority;
  const conflict =
    foreignHeaderConflict(desired.headerName, svc.headerValue, ourPriority, idx.foreignRules) ?? (decision && 'conflict' in decision ? decision.conflict : undefined);
  if (conflict) {
    resources.unshift({ kind: 'listenerRule', id, status: 'Conflict', diffs: [], message: conflict });
    return { resources, actions, refs };
  }
  if (!decision || 'exhausted' in decision) {
    resources.unshift({ kind: 'listenerRule', id, status: 'Error', diffs: [], message: `no free priority left in the band ${desired.priorityBand.from}..${desired.priorityBand.to}` });
    return { resources, actions, refs };
  }
  if ('conflict' in decision) return { resources, actions, refs }; // unreachable: handled above
  if (target.holdReason) {
    // The reason is on the target group; the rules only point at it.
    const held = 'left as it is while the target group change is refused (see the target group)';
    resources.unshift({ kind: 'listenerRule', id, status: 'Error', diffs: [], message: held });
    if (currentTest) resources.push({ kind: 'listenerRule', id: currentTest.arn, status: 'Error', diffs: [], message: held });
    return { resources, actions, refs };
  }
  if (!targetRef) {
    resources.unshift({ kind: 'listenerRule', id, status: 'Error', diffs: [], message: 'the rule has no valid target group to forward to' });
    return { resources, actions, refs };
  }
  if (svc.deployment?.strategy === 'ecs' && target.alternateRef) {
    const ecs = planEcsRules(desired, svc, { production: current, test: currentTest }, decision, [targetRef, target.alternateRef]);
    return { resources: [...ecs.resources, ...resources], actions: [...actions, ...ecs.actions], refs: { ...refs, ...ecs.refs } };
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
    return { resources, actions, refs: { production: { fromAction: `create:listenerRule:${svc.name}` } } };
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
  return { resources, actions, refs };
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
        const other = ownerOf(r.tags);
        if (other) return `a listener rule of RouteSet "${other}" (${r.arn}, priority ${r.priority}) already matches ${headerName}: ${headerValue}; it is never taken over: remove the service from one of the two RouteSets`;
        const alone = r.headerConditions.length === 1 && r.otherConditions.length === 0 && h.values.length === 1;
        return `a listener rule routeyard does not own (${r.arn}, priority ${r.priority}) already matches ${headerName}: ${headerValue}${alone ? '; set adopt: true on the service to take it over (docs/adoption.md), or remove it' : ''}`;
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

/** Weights of a rule routeyard creates for ECS deployments: all traffic to the primary group. */
export const ECS_CREATE_WEIGHTS = [100, 0] as const;
const WEIGHTS_PATH = 'listenerRule.action.forward.weights';

/**
 * The production rule (and the test rule) of a service whose deployments ECS drives. Both
 * forward to the primary and the alternate group. Conditions, priority, the set of groups
 * and forward-only actions (ECS refuses rules that mix action types) are routeyard's; the
 * weights, and so which group carries the traffic, are ECS's (plan/field-ownership.ts):
 * their diff is computed like any other and dropped by the ownership table, and a rule
 * rewritten for another reason keeps the weights it has at that moment.
 */
function planEcsRules(
  desired: DesiredState,
  svc: DesiredService,
  live: { production?: ObservedRule; test?: ObservedRule },
  decision: Extract<PriorityDecision, { priority: number }>,
  targets: [Ref, Ref],
): Omit<RulePlan, 'refs'> & { refs: RulePlan['refs'] } {
  const routing = { name: desired.headerName, value: svc.headerValue };
  const test = svc.deployment?.testTraffic;
  const roles: { role: 'production' | 'test'; rule?: ObservedRule; priority: number; conditions: { name: string; value: string }[] }[] = [
    { role: 'production', rule: live.production, priority: decision.priority, conditions: [routing] },
  ];
  if (test && decision.testPriority !== undefined) roles.push({ role: 'test', rule: live.test, priority: decision.testPriority, conditions: [routing, { name: test.header, value: test.value }] });
  const resources: ResourceState[] = [];
  const actions: Action[] = [];
  const refs: RulePlan['refs'] = {};
  const weightsManaged = isManagedElsewhere('listenerRule', WEIGHTS_PATH, svc);
  for (const r of roles) {
    const suffix = r.role === 'test' ? ':test' : '';
    const label = r.role === 'test' ? 'test rule' : 'rule';
    const testHeader = r.role === 'test' ? test : undefined;
    if (!r.rule) {
      const createId = `create:listenerRule:${svc.name}${suffix}`;
      const diffs = [{ path: 'listenerRule', desired: { priority: r.priority, header: r.conditions.map((c) => `${c.name}: ${c.value}`).join(' and '), role: r.role }, live: null }];
      actions.push({
        id: createId,
        op: 'create',
        kind: 'listenerRule',
        service: svc.name,
        resourceId: r.conditions.map((c) => `${c.name}: ${c.value}`).join(' and '),
        reason: `no ${r.role} rule routes ${r.conditions.map((c) => `${c.name}: ${c.value}`).join(' and ')} (priority ${r.priority}${r.role === 'test' ? ', just before the production rule' : `, ${decision.source}`}); it forwards to both target groups, all traffic to the primary until ECS moves it`,
        diffs,
        phase: PHASE.createRule,
        payload: {
          type: 'createRule',
          listenerArn: desired.listenerArn,
          priority: r.priority,
          headerName: routing.name,
          headerValue: routing.value,
          targetGroupArn: targets[0],
          tags: ownershipTags(desired.owner, svc.name, r.role),
          ...(testHeader ? { testHeader: { name: testHeader.header, value: testHeader.value } } : {}),
          weighted: { targets, weights: [...ECS_CREATE_WEIGHTS] },
        },
      });
      resources.push({ kind: 'listenerRule', id: `${svc.name} ${label}`, status: 'Missing', diffs });
      refs[r.role] = { fromAction: createId };
      continue;
    }
    const rule = r.rule;
    refs[r.role] = { value: rule.arn };
    const diffs: Diff[] = [];
    if (rule.priority !== r.priority) {
      const priorityDiff = { path: 'listenerRule.priority', desired: r.priority, live: rule.priority };
      diffs.push(priorityDiff);
      actions.push({
        id: `update:listenerRule:${svc.name}${suffix}:priority`,
        op: 'update',
        kind: 'listenerRule',
        service: svc.name,
        resourceId: rule.arn,
        reason: r.role === 'test' ? `the test rule belongs just before the production rule (priority ${r.priority})` : decision.source === 'declared' ? 'priority differs from the document' : `priority ${rule.priority} is needed elsewhere; moved within the band`,
        diffs: [priorityDiff],
        phase: PHASE.setRulePriority,
        payload: { type: 'setRulePriority', arn: rule.arn, from: rule.priority, priority: r.priority },
      });
    }
    const ruleDiffs = [...headerConditionDiffs(r.conditions, rule), ...forwardDiffs(rule, targets)];
    if (ruleDiffs.length > 0) {
      diffs.push(...ruleDiffs);
      // The forward action is rewritten only when routeyard's part of it differs (the set of
      // groups, forward-only); then the weights are the live ones when ECS owns them.
      const rewriteForward = ruleDiffs.some((d) => d.path.startsWith('listenerRule.action') && (d.path !== WEIGHTS_PATH || !weightsManaged));
      actions.push({
        id: `update:listenerRule:${svc.name}${suffix}`,
        op: 'update',
        kind: 'listenerRule',
        service: svc.name,
        resourceId: rule.arn,
        reason: `${r.role} rule differs from the document (${ruleDiffs
          .filter((d) => !isManagedElsewhere('listenerRule', d.path, svc))
          .map((d) => d.path.replace('listenerRule.', ''))
          .join(', ')})${rewriteForward && weightsManaged ? '; the weights stay as ECS left them' : ''}`,
        diffs: ruleDiffs,
        phase: PHASE.modifyRule,
        payload: {
          type: 'modifyRule',
          arn: rule.arn,
          headerName: routing.name,
          headerValue: routing.value,
          targetGroupArn: targets[0],
          ...(testHeader ? { testHeader: { name: testHeader.header, value: testHeader.value } } : {}),
          ...(rewriteForward ? { weighted: { targets, weights: weightsManaged ? ('live' as const) : [...ECS_CREATE_WEIGHTS] } } : { conditionsOnly: true }),
          ...(rule.transforms.length > 0 ? { resetTransforms: true } : {}),
        },
      });
    }
    resources.push({ kind: 'listenerRule', id: rule.arn, status: diffs.length > 0 ? 'Drifted' : 'InSync', diffs, ...(r.role === 'test' ? { message: 'test rule (ECS deployments)' } : {}) });
  }
  return { resources, actions, refs };
}

/** Exactly these http-header conditions (names case-insensitive, one exact value each), nothing else. */
function headerConditionDiffs(wanted: { name: string; value: string }[], rule: ObservedRule): Diff[] {
  const diffs: Diff[] = [];
  if (rule.headerConditions.length !== wanted.length || rule.otherConditions.length > 0) {
    diffs.push({
      path: 'listenerRule.conditions',
      desired: wanted.map((w) => `http-header ${w.name}`),
      live: [...rule.headerConditions.map((h) => `http-header ${h.name}`), ...rule.otherConditions],
    });
  }
  wanted.forEach((w, i) => {
    const path = i === 0 ? 'listenerRule.condition.httpHeader' : 'listenerRule.condition.testHeader';
    const live = rule.headerConditions.find((h) => h.name.toLowerCase() === w.name.toLowerCase());
    if (!live) {
      diffs.push({ path, desired: `${w.name}: ${w.value}`, live: null });
      return;
    }
    if (live.values.length !== 1 || live.values[0] !== w.value) diffs.push({ path: `${path}.values`, desired: [w.value], live: live.values });
    if (live.regexValues?.length) diffs.push({ path: `${path}.regexValues`, desired: [], live: live.regexValues });
  });
  if (rule.transforms.length > 0) diffs.push({ path: 'listenerRule.transforms', desired: [], live: rule.transforms });
  return diffs;
}

/** Forward-only, to exactly these groups; then the weights (ECS's, see field-ownership.ts). */
function forwardDiffs(rule: ObservedRule, targets: Ref[]): Diff[] {
  const show = (r: Ref) => ('value' in r ? r.value : '(target group created in this pass)');
  const wanted = targets.map(show);
  if (rule.actionTypes.length !== 1 || rule.actionTypes[0] !== 'forward') {
    return [{ path: 'listenerRule.action', desired: ['forward'], live: rule.actionTypes }];
  }
  const live = rule.forward.map((t) => t.arn);
  if (live.length !== wanted.length || [...wanted].sort().some((a, i) => a !== [...live].sort()[i])) {
    return [{ path: 'listenerRule.action.forward.targetGroups', desired: wanted, live }];
  }
  const liveWeight = new Map(rule.forward.map((t) => [t.arn, t.weight]));
  const desiredWeights = Object.fromEntries(wanted.map((a, i) => [a, ECS_CREATE_WEIGHTS[i] ?? 0]));
  const liveWeights = Object.fromEntries(wanted.map((a) => [a, liveWeight.get(a) ?? null]));
  return wanted.some((a) => desiredWeights[a] !== liveWeights[a]) ? [{ path: WEIGHTS_PATH, desired: desiredWeights, live: liveWeights }] : [];
}
