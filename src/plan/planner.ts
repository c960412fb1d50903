import type { DesiredService, DesiredState } from '../model/desired.ts';
import { parseRegistryValue } from '../model/dns.ts';
import { ROLE_TAG, SERVICE_TAG, isOwnedBy } from '../model/tags.ts';
import type { ObservedLoadBalancer, ObservedState } from '../model/observed.ts';
import { deleteApiTree, planHttpApi } from './http-apis.ts';
import { planNaming, planNamingOrphans, wantedRecordKeys, type NamingContext, type NamingPlan } from './naming.ts';
import { deleteRuleAction, planListenerRule, serviceRules } from './listener-rules.ts';
import { indexForShard, indexObserved, type ObservedIndex } from './observed-index.ts';
import { placeServices, shardsOfPass, type Shard } from './placement.ts';
import { planAway } from './moves.ts';
import { targetGroupName } from '../model/names.ts';
import { attachedHereOrNowhere } from './observed-index.ts';
import { failedReadsByService, holdDeletesOnPartialView } from './partial-view.ts';
import { decidePriorities } from './priorities.ts';
import { assignStagingPriorities } from './staging.ts';
import { deleteTargetGroupAction, planTargetGroup } from './target-groups.ts';
import { planAdoption } from './adoption.ts';
import { withoutManagedFields } from './field-ownership.ts';
import { apiEndpointTemplate, planOrphanOutputs, planServiceOutputs, type ServiceOutputs } from './outputs.ts';
import type { Action, Plan, Ref, ResourceState, ServicePlan, Status } from './types.ts';

/**
 * plan(desired, observed) -> Plan. Pure: no SDK, no clock, no I/O, so the same inputs
 * always give the same plan, and planning again after the plan is applied gives none.
 *
 * Reconciliation is level-based: the plan is derived from the whole observed state each
 * pass, never from events or from what a previous pass did, so it is safe to run any
 * number of times. Only resources carrying this RouteSet's owner tag (and the children of
 * an HTTP API that carries it) ever appear in an action; anything else is only reported.
 */
export function plan(desired: DesiredState, live: ObservedState): Plan {
  // Adoption first: what it takes over is seen as owned by everything below (plan/adoption.ts).
  const adoption = planAdoption(desired, live);
  const observed = adoption.observed;
  const idx = indexObserved(desired, observed);
  const wanted = new Set(desired.services.map((s) => s.name));

  const livePriorityByService = new Map<string, number>();
  const liveTestPriorityByService = new Map<string, number>();
  for (const svc of desired.services) {
    const rules = serviceRules(svc, desired.headerName, idx);
    if (rules.production[0]) livePriorityByService.set(svc.name, rules.production[0].priority);
    if (rules.test[0]) liveTestPriorityByService.set(svc.name, rules.test[0].priority);
  }
  const services: ServicePlan[] = [];
  const actions: Action[] = [];
  // Where each service lives (plan/placement.ts), its shard's view of the rules and groups,
  // and what it has on other shards (plan/moves.ts): all decided before anything is planned.
  const listenerOf = (r: { listenerArn?: string }) => r.listenerArn ?? observed.listenerArn;
  const shards = shardsOfPass(desired, observed);
  const views = new Map<string, ObservedIndex>();
  const viewOf = (shard: Shard) => {
    let v = views.get(shard.listenerArn);
    if (!v) views.set(shard.listenerArn, (v = indexForShard(idx, shard, listenerOf)));
    return v;
  };
  const placement = placeServices(desired, shards, idx, (svc) => integrationOf(svc, idx), listenerOf);
  const foreignOn = new Map<string, ReadonlySet<number>>();
  const priorities = decidePriorities({
    services: desired.services,
    band: desired.priorityBand,
    livePriorityByService,
    liveTestPriorityByService,
    foreignPriorities: new Set(idx.foreignRules.map((r) => r.priority)),
    foreignPrioritiesOf: (name) => {
      const on = placement.get(name)!.on;
      let set = foreignOn.get(on.listenerArn);
      if (!set) foreignOn.set(on.listenerArn, (set = new Set(viewOf(on).foreignRules.map((r) => r.priority))));
      return set;
    },
  });
  const away = new Map(desired.services.flatMap((svc) => {
    const p = placement.get(svc.name)!;
    return p.unplaced || p.unknown ? [] : [[svc.name, planAway(svc, p, idx, viewOf(p.on), observed, listenerOf, desired.outputsPrefix)] as const];
  }));
  // Names: planned in service-name order, so which service gets this pass's one
  // CreateDomainName slot does not depend on document order.
  const apiPlans = new Map(
    desired.services.map((svc) => [svc.name, placement.get(svc.name)!.unplaced || placement.get(svc.name)!.unknown ? { resources: [], actions: [] } : planHttpApi({ ...desired, listenerArn: away.get(svc.name)!.integrationListener }, svc, idx)]),
  );
  const namingCtx: NamingContext | undefined = observed.naming
    ? {
        desired,
        naming: observed.naming,
        used: { create: false, update: false, delete: false },
        creating: 0,
        albFor: (svc) => {
          const a = away.get(svc.name);
          return a?.keepAlias ? 'keep' : a?.alb;
        },
        albs: shards.flatMap((s) => (s.albDnsName && s.albHostedZoneId ? [{ dnsName: s.albDnsName, hostedZoneId: s.albHostedZoneId }] : [])),
      }
    : undefined;
  const wantedNames = { domains: new Set<string>(), records: new Set<string>(), certificates: new Set<string>(), protectedServices: new Set<string>() };
  const naming = new Map<string, NamingPlan>();
  for (const svc of [...desired.services].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!svc.domain && !svc.privateDns) continue;
    if (!namingCtx) {
      naming.set(svc.name, { resources: [{ kind: 'dnsRecord', id: svc.domain?.name ?? svc.privateDns!.name, status: 'Error', diffs: [], message: 'custom domains and DNS were not read' }], actions: [] });
      continue;
    }
    const n = planNaming(namingCtx, svc, apiPlans.get(svc.name)!.apiRef);
    naming.set(svc.name, n);
    if (svc.domain) wantedNames.domains.add(svc.domain.name);
    for (const k of wantedRecordKeys(n)) wantedNames.records.add(k);
    for (const r of n.resources) if (r.kind === 'dnsRecord' && r.status !== 'Orphaned') for (const z of observed.naming!.zones) if (z.zone) wantedNames.records.add(`${z.zone.id} ${r.id}`);
    for (const r of n.resources) if (r.kind === 'certificate') wantedNames.certificates.add(r.id);
    if (n.resources.some((r) => r.status === 'Error' || r.status === 'Conflict')) wantedNames.protectedServices.add(svc.name);
  }
  const namingOrphans = namingCtx ? planNamingOrphans(namingCtx, wantedNames) : new Map<string, NamingPlan>();
  for (const svc of desired.services) {
    const where = placement.get(svc.name)!;
    if (where.unplaced) {
      // Nothing of a service no load balancer has room for is made: its API would route nowhere.
      services.push({ name: svc.name, status: 'Error', resources: [{ kind: 'listenerRule', id: svc.name, status: 'Error', diffs: [], message: where.error! }] });
      continue;
    }
    if (where.unknown) {
      services.push({
        name: svc.name,
        status: 'Pending',
        resources: [{ kind: 'listenerRule', id: svc.name, status: 'Pending', diffs: [], message: "its rule is gone and its API's integration was not read this pass: the rule is made again where the service's traffic enters once that is read (the next pass)" }],
      });
      continue;
    }
    const view = viewOf(where.on);
    const onShard = { ...desired, listenerArn: where.on.listenerArn };
    const svcOnShard = withShardGroupName(desired, svc, where.on, view, idx);
    const tg = planTargetGroup(onShard, svcOnShard, view);
    const rule = planListenerRule(onShard, svcOnShard, view, priorities.get(svc.name), tg);
    const moving = away.get(svc.name)!;
    const api = apiPlans.get(svc.name)!;
    const names = [naming.get(svc.name), namingOrphans.get(svc.name)].filter((x): x is NamingPlan => !!x);
    namingOrphans.delete(svc.name);
    const outputs = serviceOutputs(desired, svc, observed, tg.outputs, rule.refs, api.apiRef);
    const published = observed.outputs ? planServiceOutputs(desired, observed.outputs, svc, outputs) : { resources: [], actions: [] };
    // An adoption Conflict says why better than the generic one of the same kind.
    const adoptionNotes = adoption.resources.get(svc.name) ?? [];
    const explained = new Set(adoptionNotes.filter((r) => r.status === 'Conflict').map((r) => r.kind));
    const resources = [
      ...adoptionNotes,
      ...(where.error ? [{ kind: 'listenerRule' as const, id: where.on.listenerArn, status: 'Error' as const, diffs: [], message: where.error }] : []),
      ...[...rule.resources, ...tg.resources, ...moving.resources, ...api.resources, ...names.flatMap((n) => n.resources), ...published.resources].filter((r) => !(r.status === 'Conflict' && explained.has(r.kind))),
    ];
    if (where.from && shards.length > 1) {
      const r = resources.find((x) => x.kind === 'listenerRule' && x.status !== 'Pending' && x.status !== 'Orphaned');
      if (r && !r.message) r.message = `moving from ${where.from.name} to ${where.on.name}: ${where.why ?? ''}`.replace(/: $/, '');
    }
    // While the rule cannot be converged (Conflict, Error) it may still forward to a
    // superseded target group, so that group is kept until the rule has moved.
    const ruleBlocked = rule.resources.some((r) => r.kind === 'listenerRule' && (r.status === 'Conflict' || r.status === 'Error'));
    // Adopted resources show the tags adoption adds as their diff.
    for (const a of adoption.actions.filter((x) => x.service === svc.name)) {
      const r = resources.find((x) => x.kind === a.kind && x.id === a.resourceId);
      if (r) {
        r.diffs = [...a.diffs, ...r.diffs];
        if (r.status === 'InSync') r.status = 'Drifted';
      }
    }
    services.push({
      name: svc.name,
      status: serviceStatus(resources),
      resources,
      outputs,
      ...(shards.length > 1 || svc.loadBalancer ? { loadBalancer: where.on.name } : {}),
      ...(where.from && (moving.resources.length > 0 || rule.actions.length > 0) ? { movingFrom: where.from.name } : {}),
    });
    // What a move makes on the new ALB says so (the old rule still routes the header meanwhile).
    if (where.from) {
      for (const a of [...tg.actions, ...rule.actions]) {
        if (a.op === 'create' || a.op === 'replace') a.reason = `moving from ${where.from.name} to ${where.on.name} (${where.why ?? 'placement'}): ${a.reason}`;
      }
    }
    // A group is not created for a rule in Conflict: it would serve nothing (and adoption may
    // still take the live one once the Conflict is resolved).
    const ruleConflict = rule.resources.some((r) => r.kind === 'listenerRule' && r.status === 'Conflict') || explained.has('listenerRule');
    if (ruleConflict) for (const r of resources) if (r.kind === 'targetGroup' && r.status === 'Missing' && !r.message) r.message = 'not created while the listener rule is a Conflict';
    const own = [
      ...adoption.actions.filter((a) => a.service === svc.name),
      ...tg.actions.filter((a) => !(ruleBlocked && a.payload.type === 'deleteTargetGroup') && !(ruleConflict && a.op === 'create' && a.payload.type === 'createTargetGroup')),
      ...rule.actions,
      ...moving.actions,
      ...api.actions,
      ...names.flatMap((n) => n.actions),
    ];
    // Adoption is all or nothing per service: while anything of it is a Conflict, nothing of
    // it is tagged (a half-adopted service taken out of the document would have its adopted
    // rule deleted), and nothing else of it is written either (the plan saw the resources
    // adoption would take as owned).
    const adopting = own.some((a) => a.id.startsWith('adopt:'));
    if (adopting && resources.some((r) => r.status === 'Conflict')) {
      for (const r of resources) if (r.status !== 'Conflict' && r.diffs.some((d) => d.path.endsWith('.tags'))) r.message = 'not adopted while another resource of the service is a Conflict (adoption is all or nothing per service)';
      continue;
    }
    // An output is published only from an action this plan keeps.
    const kept = new Set(own.map((a) => a.id));
    actions.push(...own, ...published.actions.filter((a) => !(a.payload.type === 'putParameter' && 'fromAction' in a.payload.value && !kept.has(a.payload.value.fromAction))));
  }

  // Live-only: everything this RouteSet owns for services the document no longer lists.
  const orphans = new Map<string, { resources: ResourceState[]; actions: Action[] }>();
  const orphan = (svc: string) => {
    let o = orphans.get(svc);
    if (!o) orphans.set(svc, (o = { resources: [], actions: [] }));
    return o;
  };
  for (const [svc, rules] of idx.ownedRulesByService) {
    if (wanted.has(svc)) continue;
    for (const r of rules) {
      orphan(svc).actions.push(deleteRuleAction(svc, r, 'the service is no longer in the document'));
      orphan(svc).resources.push({ kind: 'listenerRule', id: r.arn, status: 'Orphaned', diffs: [] });
    }
  }
  for (const [svc, groups] of idx.ownedTargetGroupsByService) {
    if (wanted.has(svc)) continue;
    for (const g of groups) {
      orphan(svc).actions.push(deleteTargetGroupAction(svc, g, 'the service is no longer in the document'));
      orphan(svc).resources.push({ kind: 'targetGroup', id: g.arn, status: 'Orphaned', diffs: [] });
    }
  }
  // An API a custom domain the document still wants maps to (a service renamed, its domain
  // taken over by the new name) keeps serving until the mapping has moved: deleting its
  // routes would take the domain's traffic down, and AWS refuses DeleteApi while it is mapped.
  const mappedByWantedDomain = new Map<string, string>();
  for (const d of observed.naming?.domains ?? []) {
    if (wantedNames.domains.has(d.name) && d.mappings.readable) for (const m of d.mappings.items) mappedByWantedDomain.set(m.apiId, d.name);
  }
  for (const [svc, apis] of idx.ownedApisByService) {
    if (wanted.has(svc)) continue;
    for (const a of apis) {
      const domain = mappedByWantedDomain.get(a.id);
      if (domain) {
        orphan(svc).resources.push({ kind: 'httpApi', id: a.id, status: 'Pending', diffs: [], message: `the custom domain ${domain} still maps to this API: it is deleted once the mapping has moved` });
        continue;
      }
      const tree = deleteApiTree(svc, a, 'the service is no longer in the document');
      orphan(svc).actions.push(...tree.actions);
      orphan(svc).resources.push(...tree.resources);
    }
  }
  for (const [svc, n] of namingOrphans) {
    orphan(svc).actions.push(...n.actions);
    orphan(svc).resources.push(...n.resources);
  }
  if (observed.outputs) {
    for (const [svc, o] of planOrphanOutputs(observed.outputs, wanted)) {
      orphan(svc).actions.push(...o.actions);
      orphan(svc).resources.push(...o.resources);
    }
  }
  // Quotas per load balancer: each shard's rule actions against its own counts.
  const ruleListenerByArn = new Map(observed.rules.map((r) => [r.arn, listenerOf(r)]));
  const actionListener = (a: Action): string | undefined =>
    a.payload.type === 'createRule' ? a.payload.listenerArn : a.payload.type === 'modifyRule' || a.payload.type === 'deleteRule' ? ruleListenerByArn.get(a.payload.arn) : undefined;
  for (const shard of shards.filter((s) => !s.departed)) {
    const onShard = (a: Action) => {
      const l = actionListener(a);
      return l === undefined ? a.payload.type !== 'createRule' && a.payload.type !== 'modifyRule' && a.payload.type !== 'deleteRule' : l === shard.listenerArn;
    };
    const label = shards.length > 1 ? `load balancer ${shard.name}` : undefined;
    enforceRuleQuota(shard.ruleQuota, shard.observed.loadBalancer, services, actions, onShard, label);
    enforceTargetGroupQuota(desired.targetGroupQuota, shard.observed.loadBalancer, viewOf(shard), services, actions, onShard, label);
  }

  for (const [name, o] of [...orphans].sort(([a], [b]) => a.localeCompare(b))) {
    // Pending while something of it waits (a certificate API Gateway has not released yet), so
    // --wait and the controller come back for it.
    services.push({ name, status: o.resources.some((r) => r.status === 'Pending') ? 'Pending' : o.resources.some((r) => r.status === 'Error' || r.status === 'Conflict') ? serviceStatus(o.resources) : 'Orphaned', resources: o.resources });
    actions.push(...o.actions);
  }
  // Fields another actor owns (ECS's forward weights) are neither reported nor repaired.
  const owned = withoutManagedFields(services, actions, new Map(desired.services.map((s) => [s.name, s])));
  // A service whose resources changed is a new object: its status is derived again.
  services.splice(0, services.length, ...owned.services.map((s, i) => (s === services[i] ? s : { ...s, status: recomputeStatus(s) })));
  actions.splice(0, actions.length, ...owned.actions);
  // A service whose plan rests on a read that failed deletes and replaces nothing this pass.
  const held = holdDeletesOnPartialView(failedReadsByService(desired, observed, idx), services, actions);
  // manage: observe: what would be done is planned and reported, never applied.
  const observeOnly = new Set(desired.services.filter((s) => s.manage === 'observe').map((s) => s.name));
  const observedActions = held.filter((a) => observeOnly.has(a.service));
  actions.splice(0, actions.length, ...held.filter((a) => !observeOnly.has(a.service)));
  for (const s of services) if (observeOnly.has(s.name)) s.manage = 'observe';
  const { ownedByKind, deletesByKind } = countForGuard(desired, observed, idx, actions, wanted);
  const sum = (m: Partial<Record<string, number>>) => Object.values(m).reduce((n: number, x) => n + (x ?? 0), 0);

  return {
    services,
    actions: orderActions(assignStagingPriorities(actions, observed.rules)),
    ...(observedActions.length > 0 ? { observed: orderActions(observedActions) } : {}),
    ownedByKind,
    deletesByKind, ownedResourceCount: sum(ownedByKind), deleteCount: sum(deletesByKind), ...(namingCtx?.ignoredRegistryEntries ? { ignoredRegistryEntries: namingCtx.ignoredRegistryEntries } : {}),
    loadBalancers: shards.map((s) => ({
      name: s.name,
      listenerArn: s.listenerArn,
      ...(s.departed ? { departed: true as const } : {}),
      rules: s.observed.loadBalancer.ruleCount,
      ...(Number.isFinite(s.ruleQuota) ? { ruleQuota: s.ruleQuota } : {}),
      targetGroups: s.observed.loadBalancer.attachedTargetGroupArns.length,
      targetGroupQuota: desired.targetGroupQuota,
      // Services with a rule there now, or one this plan makes there (not those a quota blocked).
      services: desired.services.filter((svc) => (idx.productionRulesByService.get(svc.name) ?? []).some((r) => listenerOf(r) === s.listenerArn) || actions.some((a) => a.service === svc.name && a.payload.type === 'createRule' && a.payload.listenerArn === s.listenerArn && ruleRoleOf(a) !== 'test')).length,
    })) };
}

/**
 * AWS counts the rule quota per load balancer: every non-default rule on every listener,
 * routeyard's or not. Validation checks the document alone; here the live rules are known,
 * so creates that would go over the quota become Errors (by service name, last first)
 * instead of calls AWS would refuse with TooManyRules.
 */
function enforceRuleQuota(quota: number, lb: ObservedLoadBalancer, services: ServicePlan[], actions: Action[], onShard: (a: Action) => boolean = () => true, label?: string): void {
  const deletes = actions.filter((a) => a.payload.type === 'deleteRule' && onShard(a)).length;
  const creates = actions.filter((a) => a.payload.type === 'createRule' && onShard(a)).sort((a, b) => a.service.localeCompare(b.service));
  let excess = lb.ruleCount - deletes + creates.length - quota;
  for (const create of creates.reverse()) {
    if (excess <= 0) break;
    excess--;
    blockCreate(create.service, services, actions, 'listenerRule',
      label
        ? `${label} would hold more than its quota of ${quota} rules (${lb.ruleCount} there now on its ${lb.listenerCount} listener${lb.listenerCount === 1 ? '' : 's'}, foreign ones included; AWS counts every listener); raise its ruleQuota after AWS raises it, pin the service elsewhere, or add a load balancer to spec.shared.loadBalancers`
        : `the load balancer would hold more than its quota of ${quota} rules (${lb.ruleCount} there now on its ${lb.listenerCount} listener${lb.listenerCount === 1 ? '' : 's'}, foreign ones included; AWS counts every listener); raise the quota with AWS and --rule-quota, remove services, or spread them over several load balancers (spec.shared.loadBalancers)`);
  }
}

/**
 * AWS allows 100 target groups per load balancer (not adjustable); a group counts once a
 * rule or default action of any listener forwards to it. A create that would attach a
 * group beyond the quota becomes an Error, last service name first, before any call.
 */
function enforceTargetGroupQuota(quota: number, lb: ObservedLoadBalancer, idx: ObservedIndex, services: ServicePlan[], actions: Action[], onShard: (a: Action) => boolean = () => true, label?: string): void {
  const attached = new Set(lb.attachedTargetGroupArns);
  // Groups whose last user is one of our rules being deleted are freed by this pass.
  const deletedRules = new Set(actions.flatMap((a) => (a.payload.type === 'deleteRule' ? [a.payload.arn] : [])));
  const stillUsed = new Set<string>();
  for (const r of [...idx.foreignRules, ...[...idx.ownedRulesByService.values()].flat()]) {
    if (!deletedRules.has(r.arn)) for (const t of r.forward) stillUsed.add(t.arn);
  }
  const freed = actions.filter((a) => a.payload.type === 'deleteTargetGroup' && attached.has(a.payload.arn) && !stillUsed.has(a.payload.arn)).length;
  // New attachments: groups created in this pass, or existing groups not yet attached, that a
  // rule will forward to. AWS counts a group once however many rules forward to it (an ECS
  // service's production and test rules share two), so groups are counted by identity.
  const attaching = (a: Action): string[] => {
    if (a.payload.type !== 'createRule' && a.payload.type !== 'modifyRule') return [];
    if (a.payload.type === 'modifyRule' && a.payload.conditionsOnly) return [];
    const refs = a.payload.weighted
      ? a.payload.weighted.targets
      : [a.payload.targetGroupArn, ...(a.payload.type === 'modifyRule' && a.payload.standbyTargetGroupArn ? [a.payload.standbyTargetGroupArn] : [])];
    return refs.flatMap((r) => ('value' in r ? (attached.has(r.value) ? [] : [`arn ${r.value}`]) : [`action ${r.fromAction}`]));
  };
  const newByService = new Map<string, Set<string>>();
  for (const a of actions) if (onShard(a)) for (const key of attaching(a)) newByService.set(a.service, (newByService.get(a.service) ?? new Set()).add(key));
  const users = new Map<string, number>();
  for (const keys of newByService.values()) for (const k of keys) users.set(k, (users.get(k) ?? 0) + 1);
  let excess = attached.size - freed + users.size - quota;
  // Blocked last service name first; a group is freed when the last service that would attach it is blocked.
  for (const service of [...newByService.keys()].sort((a, b) => b.localeCompare(a))) {
    if (excess <= 0) break;
    for (const k of newByService.get(service)!) {
      const left = users.get(k)! - 1;
      if (left === 0) {
        users.delete(k);
        excess--;
      } else users.set(k, left);
    }
    blockCreate(service, services, actions, 'targetGroup',
      `${label ?? 'the load balancer'} would have more than its quota of ${quota} target groups attached (${attached.size} attached now, across its ${lb.listenerCount} listener${lb.listenerCount === 1 ? '' : 's'}); AWS does not raise this quota: ${label ? 'pin the service elsewhere or add' : 'add'} a load balancer to spec.shared.loadBalancers`);
  }
}

/** Drop a service's creates and rule changes that would go over a quota, and mark it Error. */
function blockCreate(service: string, services: ServicePlan[], actions: Action[], kind: 'listenerRule' | 'targetGroup', message: string): void {
  const blocked = new Set(['createRule', 'modifyRule', 'createTargetGroup', 'deleteTargetGroup']);
  for (let i = actions.length - 1; i >= 0; i--) if (actions[i]!.service === service && blocked.has(actions[i]!.payload.type)) actions.splice(i, 1);
  const svc = services.find((s) => s.name === service)!;
  const resource = svc.resources.find((r) => r.kind === kind) ?? svc.resources[0]!;
  resource.status = 'Error';
  resource.message = message;
  svc.status = serviceStatus(svc.resources);
}

/**
 * What the mass-delete guard compares, by kind: owned now, and deleted for good by this plan.
 * Names count like everything else: removing every custom domain from the document deletes
 * every mapping and record of them, which the guard must catch as it catches a truncated
 * service list. API children (integrations, routes, stages) go with their API and are not
 * counted; nor is a target group being replaced, a wanted service's rule or group that moves to another ALB, or a record's registry entry.
 */
function countForGuard(desired: DesiredState, observed: ObservedState, idx: ObservedIndex, actions: Action[], wanted: Set<string>) {
  const count = (xs: unknown[][]) => xs.reduce((n, x) => n + x.length, 0);
  const owner = desired.owner;
  const naming = observed.naming;
  const ownedDomains = (naming?.domains ?? []).filter((d) => isOwnedBy(d.tags, owner));
  const ownedByKind: Plan['ownedByKind'] = {
    listenerRule: count([...idx.ownedRulesByService.values()]),
    targetGroup: count([...idx.ownedTargetGroupsByService.values()]),
    httpApi: count([...idx.ownedApisByService.values()]),
    customDomain: ownedDomains.length,
    apiMapping: ownedDomains.reduce((n, d) => n + (d.mappings.readable ? d.mappings.items.length : 0), 0),
    certificate: (naming?.certificates ?? []).filter((c) => isOwnedBy(c.tags, owner)).length,
    parameter: (observed.outputs?.parameters ?? []).filter((p) => p.owned).length,
    dnsRecord: (naming?.zones ?? []).reduce(
      (n, z) => n + (z.zone?.records ?? []).filter((r) => r.type === 'TXT' && r.name.startsWith('_routeyard-') && r.values.some((v) => parseRegistryValue(v)?.owner === owner)).length,
      0,
    ),
  };
  const deletesByKind: Plan['deletesByKind'] = {};
  for (const a of actions) {
    if (a.op !== 'delete') continue;
    // A wanted service's group or rule that goes is replaced or moved (another ALB), not lost.
    if ((a.payload.type === 'deleteTargetGroup' || a.payload.type === 'deleteRule') && wanted.has(a.service)) continue;
    if (a.payload.type === 'changeRecord' && a.payload.change.record.name.startsWith('_routeyard-')) continue;
    if (a.kind === 'integration' || a.kind === 'route' || a.kind === 'stage') continue;
    deletesByKind[a.kind] = (deletesByKind[a.kind] ?? 0) + 1;
  }
  return { ownedByKind, deletesByKind };
}

/** A desired service's status after some of its diffs were dropped (orphans keep theirs). */
function recomputeStatus(s: ServicePlan): Status {
  return s.status === 'Orphaned' ? s.status : serviceStatus(s.resources);
}

/**
 * What the service publishes (and reports): the target groups and rules as they will be
 * after this pass, the API and its endpoint, the custom domain's regional target once AWS
 * has given it one.
 */
function serviceOutputs(desired: DesiredState, svc: DesiredService, observed: ObservedState, groups: { primary?: Ref; alternate?: Ref }, rules: { production?: Ref; test?: Ref }, apiRef: Ref | undefined): ServiceOutputs {
  const out: ServiceOutputs = {};
  if (groups.primary) out['target-group-arn'] = groups.primary;
  if (groups.alternate) out['alternate-target-group-arn'] = groups.alternate;
  if (rules.production) out['production-rule-arn'] = rules.production;
  if (rules.test) out['test-rule-arn'] = rules.test;
  if (apiRef) {
    out['api-id'] = apiRef;
    const region = observed.outputs?.region ?? observed.naming?.region;
    const live = 'value' in apiRef ? observed.apis.find((a) => a.id === apiRef.value)?.endpoint : undefined;
    if (live) out['api-endpoint'] = { value: live };
    else if (region) out['api-endpoint'] = 'value' in apiRef ? { value: apiEndpointTemplate(region).replace('{id}', apiRef.value) } : { ...apiRef, template: apiEndpointTemplate(region) };
  }
  const domain = svc.domain ? observed.naming?.domains.find((d) => d.name === svc.domain!.name) : undefined;
  // Only a domain this service owns: another's target is not this service's to publish.
  if (domain?.target && isOwnedBy(domain.tags, desired.owner) && domain.tags[SERVICE_TAG] === svc.name) out['domain-target'] = { value: domain.target.dnsName };
  return out;
}

/** Dependency order: by phase; within a phase by service then id, so plans are stable. */
export function orderActions(actions: Action[]): Action[] {
  return [...actions].sort((a, b) => a.phase - b.phase || a.service.localeCompare(b.service) || a.id.localeCompare(b.id));
}

/** The worst resource status decides the service's: Error, Conflict, Pending, then drift. */
export function serviceStatus(resources: ResourceState[]): Status {
  const has = (s: Status) => resources.some((r) => r.status === s);
  if (has('Error')) return 'Error';
  if (has('Conflict')) return 'Conflict';
  if (has('Pending')) return 'Pending';
  if (resources.length > 0 && resources.every((r) => r.status === 'Missing')) return 'Missing';
  if (has('Missing') || has('Drifted') || has('Orphaned')) return 'Drifted';
  return 'InSync';
}

/** A createRule action's role tag (an ECS test rule is not the service's production rule). */
function ruleRoleOf(a: Action): string | undefined {
  return a.payload.type === 'createRule' ? a.payload.tags[ROLE_TAG] : undefined;
}

/**
 * Where the service's API integration points now: `known: false` when it has an API whose
 * integrations were not read this pass (rolling verification), so where it lives may not be
 * guessed from it.
 */
function integrationOf(svc: DesiredService, idx: ObservedIndex): { known: true; listener?: string } | { known: false } {
  const api = (idx.ownedApisByService.get(svc.name) ?? [])[0];
  if (!api) return { known: true };
  if (!api.children?.readable) return { known: false };
  const uri = (api.children.integrations.find((i) => i.connectionType === 'VPC_LINK') ?? api.children.integrations[0])?.integrationUri;
  return uri ? { known: true, listener: uri } : { known: true };
}

/**
 * The name of the service's group on its shard. An ALB target group serves one load balancer
 * and names are unique in the Region, so a service moving to another shard while its group of
 * the usual name still serves on the old one gets the twin name (model/names.ts, 'moved');
 * whichever of the two lives on the shard is the service's group there.
 */
function withShardGroupName(desired: DesiredState, svc: DesiredService, shard: Shard, view: ObservedIndex, idx: ObservedIndex): DesiredService {
  const tg = svc.targetGroup;
  if (tg.kind !== 'managed' || tg.alternateName) return svc;
  const here = view.ownedTargetGroupsByService.get(svc.name) ?? [];
  if (here.some((g) => g.name === tg.name)) return svc;
  const moved = targetGroupName(desired.owner, svc.name, tg, 'moved');
  const twin = { ...svc, targetGroup: { ...tg, name: moved } };
  if (here.some((g) => g.name === moved)) return twin;
  const taken = idx.targetGroupsByName.get(tg.name);
  if (taken && isOwnedBy(taken.tags, desired.owner) && !attachedHereOrNowhere(taken, shard.loadBalancerArn)) return twin;
  return svc;
}
