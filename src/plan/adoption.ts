import type { DesiredService, DesiredState } from '../model/desired.ts';
import { listenerOfRule, listenersOf, type ObservedCustomDomain, type ObservedRule, type ObservedState } from '../model/observed.ts';
import { ownerOf, ownershipTags, type Tags } from '../model/tags.ts';
import { PHASE } from './phases.ts';
import type { Action, ResourceState } from './types.ts';

/** The tag CloudFormation puts on every taggable resource of a stack. */
export const CFN_STACK_TAG = 'aws:cloudformation:stack-name';

/**
 * Adoption: taking over live resources that match a service with `adopt`, without deleting
 * or recreating any of them. It runs before the planner proper and is pure too: each
 * resource it takes over gets an action that adds the ownership tags (the only write
 * adoption itself makes), and the snapshot the planner then sees carries those tags
 * already, so everything else (priorities kept, settings converged, registry entries
 * written beside records that already point where routeyard would) is the ordinary plan of
 * an owned resource. Rule ARNs, priorities, group names, API ids and domains stay.
 *
 * A resource is taken only when it matches unambiguously: the one rule that routes the
 * service's header value alone, the one group that rule forwards to (with the document's
 * settings), the custom domain of the document's name. Anything else is a Conflict that says
 * why and is left alone, and so is a resource another RouteSet owns or that a CloudFormation
 * stack still manages (its `aws:cloudformation:stack-name` tag) unless the document lists
 * the stack in `adopt.fromStacks` (the stack has let go of it). HTTP APIs are adopted in
 * plan/http-apis.ts (their children must be read first); records in plan/naming.ts.
 */
export interface AdoptionPlan {
  /** The snapshot as the planner must see it: adopted resources carry the ownership tags. */
  observed: ObservedState;
  /** The tagging actions, by service. */
  actions: Action[];
  /** Conflicts (and notes) by service. */
  resources: Map<string, ResourceState[]>;
}

export function planAdoption(desired: DesiredState, observed: ObservedState): AdoptionPlan {
  const out: AdoptionPlan = { observed, actions: [], resources: new Map() };
  const adopting = desired.services.filter((s) => s.adopt);
  if (adopting.length === 0) return out;
  const rules = [...observed.rules];
  const groups = [...observed.targetGroups];
  const domains = observed.naming ? [...observed.naming.domains] : undefined;
  const note = (svc: string, r: ResourceState) => out.resources.set(svc, [...(out.resources.get(svc) ?? []), r]);
  const owned = (tags: Tags | undefined) => ownerOf(tags) !== undefined;

  for (const svc of adopting) {
    const tags = ownershipTags(desired.owner, svc.name);
    // 1. The listener rule: the one rule that routes the service's header value alone.
    const ours = rules.some((r) => ownerOf(r.tags) === desired.owner && routes(r, desired.headerName, svc.headerValue));
    let rule: ObservedRule | undefined;
    if (!ours) {
      const matching = rules.filter((r) => !owned(r.tags) && r.headerConditions.some((h) => h.name.toLowerCase() === desired.headerName.toLowerCase() && h.values.some((v) => v.toLowerCase() === svc.headerValue.toLowerCase())));
      const exact = matching.filter((r) => routesAlone(r, desired.headerName, svc.headerValue));
      const conflict = (id: string, message: string) => note(svc.name, { kind: 'listenerRule', id, status: 'Conflict', diffs: [], message });
      if (matching.length > 1) {
        conflict(matching[0]!.arn, `${matching.length} listener rules routeyard does not own match ${desired.headerName}: ${svc.headerValue} (${matching.map((r) => `priority ${r.priority}`).join(', ')}): adopt takes a rule only when exactly one does; remove the others`);
      } else if (matching.length === 1 && exact.length === 0) {
        conflict(matching[0]!.arn, `the listener rule at priority ${matching[0]!.priority} matches ${desired.headerName}: ${svc.headerValue} but also other conditions or actions: adopt takes only a rule that routes the header alone and forwards; change or remove it`);
      } else if (exact.length === 1) {
        const held = heldByStack(exact[0]!.tags, svc);
        if (held) conflict(exact[0]!.arn, held);
        else if (svc.deployment?.strategy === 'ecs') conflict(exact[0]!.arn, 'adopting a rule for a service with deployment.strategy "ecs" is not supported: adopt it without "deployment" first, then declare it');
        else {
          rule = withTags(exact[0]!, tags);
          rules[rules.indexOf(exact[0]!)] = rule;
          out.actions.push(tagAction(svc.name, 'listenerRule', rule.arn, exact[0]!.tags, tags, { type: 'tagLoadBalancerResource', arn: rule.arn, tags }));
        }
      }
    }

    // 2. The target group the (adopted) rule forwards to, when it has the document's settings.
    const tg = svc.targetGroup;
    const liveRule = rule ?? rules.find((r) => ownerOf(r.tags) === desired.owner && routes(r, desired.headerName, svc.headerValue));
    if (tg.kind === 'managed' && liveRule && liveRule.forward.length === 1) {
      const g = groups.find((x) => x.arn === liveRule.forward[0]!.arn);
      // A group whose tags were not read is never taken for untagged.
      if (g && g.tags !== undefined && !owned(g.tags)) {
        const differs = (['port', 'protocol', 'targetType', 'vpcId'] as const).filter((k) => String(g[k]) !== String(tg[k]));
        // The load balancer of the listener the rule is on (a shard's).
        const ruleLb = listenersOf(observed).find((l) => l.listenerArn === listenerOfRule(observed, liveRule))?.loadBalancer.arn ?? observed.loadBalancer.arn;
        const elsewhere = (g.loadBalancerArns ?? []).filter((lb) => lb !== ruleLb);
        const held = heldByStack(g.tags, svc);
        const conflict = (message: string) => note(svc.name, { kind: 'targetGroup', id: g.arn, status: 'Conflict', diffs: [], message });
        if (held) conflict(held);
        else if (elsewhere.length > 0) conflict(`the target group ${g.name} also serves another load balancer (${elsewhere.join(', ')}): it is not adopted`);
        else if (differs.length > 0) {
          // Not this service's group as declared: a new one is made beside it, with the usual
          // hand-over; this one is left as it is (never deleted: it is not routeyard's).
          note(svc.name, { kind: 'targetGroup', id: g.arn, status: 'InSync', diffs: [], message: `not adopted: its ${differs.join(', ')} ${differs.length === 1 ? 'differs' : 'differ'} from the document, so routeyard makes a new group and hands the rule over when it has healthy targets; ${g.name} is left as it is` });
        } else {
          const adopted = withTags(g, tags);
          groups[groups.indexOf(g)] = adopted;
          out.actions.push(tagAction(svc.name, 'targetGroup', g.arn, g.tags, tags, { type: 'tagLoadBalancerResource', arn: g.arn, tags }));
        }
      }
    }

    // 3. The custom domain of the document's name.
    if (svc.domain && domains) {
      const d = domains.find((x) => x.name === svc.domain!.name);
      if (d && !owned(d.tags)) {
        const held = heldByStack(d.tags, svc);
        if (held) note(svc.name, { kind: 'customDomain', id: d.name, status: 'Conflict', diffs: [], message: held });
        else {
          domains[domains.indexOf(d)] = { ...d, tags: { ...d.tags, ...tags } } satisfies ObservedCustomDomain;
          out.actions.push(tagAction(svc.name, 'customDomain', d.name, d.tags, tags, { type: 'tagDomainName', name: d.name, tags }));
        }
      }
    }
  }
  out.observed = { ...observed, rules, targetGroups: groups, ...(observed.naming && domains ? { naming: { ...observed.naming, domains } } : {}) };
  return out;
}

/**
 * Why a resource a CloudFormation stack still carries is not taken, or undefined when it may
 * be: a stack that still manages it would put it back (or delete it) on its next update.
 */
export function heldByStack(tags: Tags | undefined, svc: DesiredService): string | undefined {
  const stack = tags?.[CFN_STACK_TAG];
  // manage: observe writes nothing: a stack's resource is compared as if adopted, so a week of
  // observing beside the stacks shows their drift (what adoption would tag says which stack).
  if (!stack || svc.releasedStacks?.includes(stack) || svc.manage === 'observe') return undefined;
  return (
    `CloudFormation stack "${stack}" still manages it (tag ${CFN_STACK_TAG}): adopting it would make two owners fight. ` +
    `Release it first (removal policy RETAIN on the construct, deploy, remove it from the stack, deploy: the migration guide, docs/adoption.md), ` +
    `then list the stack in adopt.fromStacks`
  );
}

/** A rule with a routing condition on this header value (any other conditions too). */
function routes(r: ObservedRule, headerName: string, value: string): boolean {
  return r.headerConditions.some((h) => h.name.toLowerCase() === headerName.toLowerCase() && h.values.length === 1 && h.values[0]!.toLowerCase() === value.toLowerCase());
}

/** Exactly the rule routeyard would write: one http-header condition with this one value, a forward and nothing else. */
function routesAlone(r: ObservedRule, headerName: string, value: string): boolean {
  return (
    r.headerConditions.length === 1 &&
    r.otherConditions.length === 0 &&
    !r.headerConditions[0]!.regexValues?.length &&
    routes(r, headerName, value) &&
    r.actionTypes.length === 1 &&
    r.actionTypes[0] === 'forward' &&
    r.transforms.length === 0
  );
}

function withTags<T extends { tags?: Tags }>(x: T, tags: Tags): T {
  return { ...x, tags: { ...(x.tags ?? {}), ...tags } };
}

function tagAction(service: string, kind: Action['kind'], resourceId: string, live: Tags | undefined, tags: Tags, payload: Action['payload']): Action {
  return {
    id: `adopt:${kind}:${service}`,
    op: 'update',
    kind,
    service,
    resourceId,
    reason: `adopted: the ownership tags are added, nothing is recreated; routeyard manages it from now on${live?.[CFN_STACK_TAG] ? ` (it carries CloudFormation stack "${live[CFN_STACK_TAG]}"'s tags: that stack must have let go of it first, see adopt.fromStacks)` : ''}`,
    diffs: [{ path: `${kind}.tags`, desired: tags, live: Object.fromEntries(Object.entries(live ?? {}).filter(([k]) => k in tags)) }],
    phase: PHASE.adopt,
    payload,
  };
}
