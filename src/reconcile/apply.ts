import { describeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Action, Payload, Ref } from '../plan/types.ts';
import { recordSetKey, splitIntoBatches } from '../plan/record-batches.ts';
import type { Mutations } from './ports.ts';

/** pending: AWS asked to wait (ResourceInUse on a certificate API Gateway has not released); not a failure. */
export type ActionOutcome = 'applied' | 'failed' | 'skipped' | 'pending';

export interface ActionResult {
  actionId: string;
  outcome: ActionOutcome;
  /** The id the action produced (ARN, API id, ...), for creates. */
  producedId?: string;
  error?: string;
}

/**
 * Run a plan's actions in their dependency order. Ids produced by creates feed later
 * actions (a new target group's ARN into its rule). When an action fails, the rest of
 * that service's chain is skipped; other services carry on. Rule priority moves of one
 * phase go to AWS as a single SetRulePriorities call, which AWS applies atomically.
 */
export interface ApplyOptions {
  /**
   * Called before each batch of mutating calls (each phase). It throws to stop writing
   * (the lease was lost, a shutdown began); the rest of the plan is then skipped.
   */
  beforeBatch?: () => Promise<void>;
  /** Services whose actions are held back this pass (the daemon's back-off), with why. */
  hold?: ReadonlyMap<string, string>;
}

export async function applyPlan(actions: readonly Action[], mutations: Mutations, log: Logger, opts: ApplyOptions = {}): Promise<ActionResult[]> {
  const produced = new Map<string, string>();
  const failedServices = new Set<string>();
  const results: ActionResult[] = [];
  let phase: number | undefined;
  let stopped: string | undefined;

  const resolve = (ref: Ref): string | undefined => resolveRef(ref, produced);

  for (let i = 0; i < actions.length; i++) {
    const action = actions[i]!;
    const held = opts.hold?.get(action.service);
    if (held !== undefined || stopped !== undefined) {
      results.push({ actionId: action.id, outcome: 'skipped', error: held ?? stopped! });
      continue;
    }
    if (opts.beforeBatch && action.phase !== phase) {
      try {
        await opts.beforeBatch();
      } catch (err) {
        stopped = describeError(err);
        log.warn({ err: stopped }, 'writing stopped; the rest of the plan is skipped');
        results.push({ actionId: action.id, outcome: 'skipped', error: stopped });
        continue;
      }
      phase = action.phase;
    }
    if (action.payload.type === 'changeRecord') {
      // One ChangeResourceRecordSets batch per zone and phase, split at Route 53's limits.
      const batch = [action];
      const zone = action.payload.zoneId;
      while (
        actions[i + 1]?.payload.type === 'changeRecord' &&
        (actions[i + 1]!.payload as Extract<Payload, { type: 'changeRecord' }>).zoneId === zone &&
        actions[i + 1]!.phase === action.phase &&
        !opts.hold?.has(actions[i + 1]!.service)
      ) {
        batch.push(actions[++i]!);
      }
      results.push(...(await applyRecordBatch(batch, mutations, failedServices, log)));
      continue;
    }
    if (action.payload.type === 'setRulePriority') {
      const batch = [action];
      while (actions[i + 1]?.payload.type === 'setRulePriority' && !opts.hold?.has(actions[i + 1]!.service)) batch.push(actions[++i]!);
      results.push(...(await applyPriorityBatch(batch, mutations, failedServices, log)));
      continue;
    }
    const alog = log.child({ service: action.service, action: action.id });
    if (failedServices.has(action.service)) {
      results.push({ actionId: action.id, outcome: 'skipped', error: 'an earlier action for this service failed' });
      alog.warn({ outcome: 'skipped' }, 'skipped: an earlier action for this service failed');
      continue;
    }
    try {
      const id = await execute(action.payload, mutations, resolve);
      if (id !== undefined) produced.set(action.id, id);
      results.push({ actionId: action.id, outcome: 'applied', ...(id !== undefined ? { producedId: id } : {}) });
      alog.info({ outcome: 'applied', op: action.op, kind: action.kind, resource: id ?? action.resourceId }, action.reason);
    } catch (err) {
      if ((err as { waiting?: boolean } | undefined)?.waiting === true) {
        // Something outside routeyard must happen first: the service's other actions go on.
        results.push({ actionId: action.id, outcome: 'pending', error: describeError(err) });
        alog.info({ outcome: 'pending', op: action.op, kind: action.kind, resource: action.resourceId }, describeError(err));
        continue;
      }
      if (action.op === 'delete' && isAlreadyGone(err)) {
        // A delete sent again after a lost answer (or a resource removed meanwhile): gone is the goal.
        results.push({ actionId: action.id, outcome: 'applied' });
        alog.info({ outcome: 'applied', op: action.op, kind: action.kind, resource: action.resourceId, note: 'already gone' }, action.reason);
        continue;
      }
      failedServices.add(action.service);
      results.push({ actionId: action.id, outcome: 'failed', error: describeError(err) });
      alog.error({ outcome: 'failed', op: action.op, kind: action.kind, err: describeError(err) }, 'action failed');
    }
  }
  return results;
}

async function applyPriorityBatch(batch: Action[], mutations: Mutations, failedServices: Set<string>, log: Logger): Promise<ActionResult[]> {
  const runnable = batch.filter((a) => !failedServices.has(a.service));
  const skipped = batch.filter((a) => failedServices.has(a.service)).map((a) => ({ actionId: a.id, outcome: 'skipped' as const, error: 'an earlier action for this service failed' }));
  if (runnable.length === 0) return skipped;
  const moves = runnable.map((a) => a.payload as Extract<Payload, { type: 'setRulePriority' }>);
  try {
    const final = moves.map((p) => ({ arn: p.arn, priority: p.priority }));
    try {
      // AWS applies one SetRulePriorities call as a whole, so even an exchange of priorities
      // is one call.
      await mutations.loadBalancer.setRulePriorities(final);
    } catch (err) {
      // Only if the service refuses it (moto checks each target against the current state):
      // park the rules whose priority another rule takes (staging.ts), then move everything.
      const parked = moves.flatMap((p) => (p.stagingPriority !== undefined ? [{ arn: p.arn, priority: p.stagingPriority }] : []));
      if (!isPriorityInUse(err) || parked.length === 0) throw err;
      log.info({ actions: runnable.map((a) => a.id) }, 'PriorityInUse on an exchange of priorities: parking the displaced rules first');
      await mutations.loadBalancer.setRulePriorities(parked);
      await mutations.loadBalancer.setRulePriorities(final);
    }
    for (const a of runnable) log.info({ service: a.service, action: a.id, outcome: 'applied' }, a.reason);
    return [...runnable.map((a) => ({ actionId: a.id, outcome: 'applied' as const })), ...skipped];
  } catch (err) {
    for (const a of runnable) failedServices.add(a.service);
    log.error({ actions: runnable.map((a) => a.id), err: describeError(err) }, 'rule priority moves failed');
    return [...runnable.map((a) => ({ actionId: a.id, outcome: 'failed' as const, error: describeError(err) })), ...skipped];
  }
}

async function applyRecordBatch(batch: Action[], mutations: Mutations, failedServices: Set<string>, log: Logger): Promise<ActionResult[]> {
  const runnable = batch.filter((a) => !failedServices.has(a.service));
  const results: ActionResult[] = batch
    .filter((a) => failedServices.has(a.service))
    .map((a) => ({ actionId: a.id, outcome: 'skipped' as const, error: 'an earlier action for this service failed' }));
  if (runnable.length === 0) return results;
  const payloadOf = (a: Action) => a.payload as Extract<Payload, { type: 'changeRecord' }>;
  const zoneId = payloadOf(runnable[0]!).zoneId;
  // splitIntoBatches sends each record set once; an action whose change names a record set
  // already sent (a validation CNAME two certificates share) takes that change's result.
  for (const part of splitIntoBatches(runnable.map((a) => payloadOf(a).change))) {
    const keys = new Set(part.map(recordSetKey));
    const members = runnable.filter((a) => keys.has(recordSetKey(payloadOf(a).change)));
    let byName: Map<string, string | undefined>;
    try {
      byName = await mutations.naming.changeRecords(zoneId, part);
    } catch (err) {
      byName = new Map(part.map((c) => [c.record.name, describeError(err)]));
    }
    for (const a of members) {
      const error = byName.get(payloadOf(a).change.record.name);
      if (error) {
        failedServices.add(a.service);
        results.push({ actionId: a.id, outcome: 'failed', error });
        log.error({ service: a.service, action: a.id, outcome: 'failed', err: error }, 'record change failed');
      } else {
        results.push({ actionId: a.id, outcome: 'applied' });
        log.info({ service: a.service, action: a.id, outcome: 'applied', resource: a.resourceId }, a.reason);
      }
    }
  }
  return results;
}

/** The "no such resource" answers of the services routeyard deletes from. */
const NOT_FOUND = new Set(['ParameterNotFound', 'NotFoundException', 'RuleNotFoundException', 'RuleNotFound', 'TargetGroupNotFoundException', 'TargetGroupNotFound', 'ResourceNotFoundException']);

function isAlreadyGone(err: unknown): boolean {
  return NOT_FOUND.has((err as { name?: string } | undefined)?.name ?? '');
}

function isPriorityInUse(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name ?? '';
  return name === 'PriorityInUseException' || name === 'PriorityInUse';
}

async function execute(p: Payload, m: Mutations, resolve: (r: Ref) => string | undefined): Promise<string | undefined> {
  const need = (r: Ref, what: string): string => {
    const v = resolve(r);
    if (!v) throw new Error(`${what} is not known: the action that creates it did not succeed`);
    return v;
  };
  const lb = m.loadBalancer;
  const gw = m.apiGateway;
  switch (p.type) {
    case 'createTargetGroup':
      return lb.createTargetGroup(p);
    case 'modifyTargetGroup':
      return void (await lb.modifyTargetGroup(p.arn, p.healthCheck));
    case 'deleteTargetGroup':
      return void (await lb.deleteTargetGroup(p.arn));
    case 'createRule':
      return lb.createRule({
        listenerArn: p.listenerArn,
        priority: p.priority,
        headerName: p.headerName,
        headerValue: p.headerValue,
        tags: p.tags,
        targetGroupArn: need(p.targetGroupArn, 'the target group ARN'),
        ...(p.testHeader ? { testHeader: p.testHeader } : {}),
        ...(p.weighted ? { weighted: { targets: p.weighted.targets.map((t) => need(t, 'a target group ARN')), weights: p.weighted.weights } } : {}),
      });
    case 'modifyRule':
      return void (await lb.modifyRule({
        arn: p.arn,
        headerName: p.headerName,
        headerValue: p.headerValue,
        ...(p.resetTransforms ? { resetTransforms: true } : {}),
        targetGroupArn: need(p.targetGroupArn, 'the target group ARN'),
        ...(p.standbyTargetGroupArn ? { standbyTargetGroupArn: need(p.standbyTargetGroupArn, 'the new target group ARN') } : {}),
        ...(p.testHeader ? { testHeader: p.testHeader } : {}),
        ...(p.conditionsOnly ? { conditionsOnly: true } : {}),
        ...(p.weighted ? { weighted: { targets: p.weighted.targets.map((t) => need(t, 'a target group ARN')), weights: p.weighted.weights } } : {}),
      }));
    case 'setRulePriority':
      throw new Error('rule priority moves are applied in batches (applyPriorityBatch)');
    case 'deleteRule':
      return void (await lb.deleteRule(p.arn));
    case 'createApi':
      return gw.createApi(p);
    case 'updateApi':
      return void (await gw.updateApi(p));
    case 'deleteCors':
      return void (await gw.deleteCors(p.apiId));
    case 'tagApi':
      return void (await gw.tagApi(p.apiId, p.tags));
    case 'deleteApi':
      return void (await gw.deleteApi(p.apiId));
    case 'createIntegration':
      return gw.createIntegration(need(p.apiId, 'the API id'), p.spec);
    case 'updateIntegration':
      return void (await gw.updateIntegration(p.apiId, p.integrationId, p.spec, p.removeParameters));
    case 'deleteIntegration':
      return void (await gw.deleteIntegration(p.apiId, p.integrationId));
    case 'createRoute':
      return gw.createRoute(need(p.apiId, 'the API id'), p.routeKey, need(p.integrationId, 'the integration id'));
    case 'updateRoute':
      return void (await gw.updateRoute(p.apiId, p.routeId, need(p.integrationId, 'the integration id')));
    case 'deleteRoute':
      return void (await gw.deleteRoute(p.apiId, p.routeId));
    case 'createStage':
      return gw.createStage(need(p.apiId, 'the API id'), p.stage);
    case 'updateStage':
      return void (await gw.updateStage(p.apiId, p.stage));
    case 'deleteStage':
      return void (await gw.deleteStage(p.apiId, p.stageName));
    case 'requestCertificate':
      return m.naming.requestCertificate(p.name, p.tags, p.subjectAlternativeNames);
    case 'deleteCertificate':
      return void (await m.naming.deleteCertificate(p.arn));
    case 'createDomainName':
      return m.naming.createDomainName(p.name, p.certificateArn, p.tags, p.ipAddressType);
    case 'updateDomainName':
      return void (await m.naming.updateDomainName(p.name, p.certificateArn, p.ipAddressType));
    case 'deleteDomainName':
      return void (await m.naming.deleteDomainName(p.name));
    case 'createApiMapping':
      return m.naming.createApiMapping(p.domain, need(p.apiId, 'the API id'), p.key);
    case 'updateApiMapping':
      return void (await m.naming.updateApiMapping(p.domain, p.mappingId, need(p.apiId, 'the API id'), p.key));
    case 'deleteApiMapping':
      return void (await m.naming.deleteApiMapping(p.domain, p.mappingId));
    case 'changeRecord':
      throw new Error('record changes are applied in batches (applyRecordBatch)');
    case 'putParameter':
      return void (await m.outputs.putParameter({ name: p.name, value: need(p.value, 'the value it publishes'), overwrite: p.overwrite, tags: p.tags }));
    case 'deleteParameter':
      return void (await m.outputs.deleteParameter(p.name));
    case 'tagLoadBalancerResource':
      return void (await lb.addTags(p.arn, p.tags));
    case 'tagDomainName':
      return void (await m.naming.tagDomainName(p.name, p.tags));
  }
}

/** A Ref's value: given, or produced by an earlier action (wrapped in its template). */
export function resolveRef(ref: Ref, produced: ReadonlyMap<string, string>): string | undefined {
  if ('value' in ref) return ref.value;
  const id = produced.get(ref.fromAction);
  if (id === undefined || id === '') return undefined;
  return ref.template ? ref.template.replace('{id}', id) : id;
}
