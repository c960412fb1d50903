import type { DesiredService, DesiredState } from '../model/desired.ts';
import type { ObservedOutputs, ObservedParameter } from '../model/observed.ts';
import type { OutputKey } from '../model/report-contract.ts';
import { ownershipTags } from '../model/tags.ts';
import { PHASE } from './phases.ts';
import type { Action, Diff, Ref, ResourceState } from './types.ts';

/** Every key routeyard publishes, in report order. */
export const OUTPUT_KEYS: readonly OutputKey[] = ['target-group-arn', 'alternate-target-group-arn', 'production-rule-arn', 'test-rule-arn', 'api-id', 'api-endpoint', 'domain-target'];

/** What a service publishes: each key's value now, or the action of this pass that produces it. */
export type ServiceOutputs = Partial<Record<OutputKey, Ref>>;

/** Whether a key belongs to this service's shape at all (otherwise a published one is deleted). */
export function outputApplies(key: OutputKey, svc: DesiredService): boolean {
  switch (key) {
    case 'target-group-arn':
    case 'production-rule-arn':
      return true;
    case 'alternate-target-group-arn':
      return svc.deployment?.strategy === 'ecs';
    case 'test-rule-arn':
      return svc.deployment?.strategy === 'ecs' && svc.deployment.testTraffic !== undefined;
    case 'api-id':
    case 'api-endpoint':
      return svc.api !== undefined;
    case 'domain-target':
      return svc.domain !== undefined;
  }
}

export function parameterName(prefix: string, service: string, key: string): string {
  return `${prefix}/services/${service}/${key}`;
}

/** `<prefix>/services/<service>/<key>` of a name under the prefix, if it is one of routeyard's keys. */
function parseName(prefix: string, name: string): { service: string; key: OutputKey } | undefined {
  const head = `${prefix}/services/`;
  if (!name.startsWith(head)) return undefined;
  const [service, key, ...rest] = name.slice(head.length).split('/');
  if (!service || !key || rest.length > 0 || !(OUTPUT_KEYS as readonly string[]).includes(key)) return undefined;
  return { service, key: key as OutputKey };
}

export interface OutputsPlan {
  resources: ResourceState[];
  actions: Action[];
}

/**
 * The published outputs of one service: a String parameter per key whose value is known
 * (now, or from an action of this pass, which runs first: PHASE.putParameter is last).
 * Created tagged, rewritten when the value differs, deleted when the key no longer
 * applies. A key whose resource could not be planned (a Conflict, an Error) keeps whatever
 * was published. A parameter at one of these names that routeyard does not own is a
 * Conflict and is never written.
 */
export function planServiceOutputs(desired: DesiredState, observed: ObservedOutputs, svc: DesiredService, values: ServiceOutputs): OutputsPlan {
  const prefix = observed.prefix;
  const resources: ResourceState[] = [];
  const actions: Action[] = [];
  if (observed.error) {
    return { resources: [{ kind: 'parameter', id: `${prefix}/services/${svc.name}/`, status: 'Error', diffs: [], message: `cannot read the published outputs: ${observed.error}` }], actions };
  }
  const byName = new Map(observed.parameters.map((p) => [p.name, p]));
  for (const key of OUTPUT_KEYS) {
    const name = parameterName(prefix, svc.name, key);
    const live = byName.get(name);
    const want = outputApplies(key, svc) ? values[key] : undefined;
    if (live && !live.owned) {
      if (outputApplies(key, svc)) resources.push({ kind: 'parameter', id: name, status: 'Conflict', diffs: [], message: `SSM parameter ${name} exists and routeyard does not own it (no routeyard:owner tag of this RouteSet): it is never overwritten; delete it, or choose another spec.shared.outputsPrefix` });
      continue;
    }
    if (!outputApplies(key, svc)) {
      if (live) {
        actions.push(deleteParameterAction(svc.name, live, `${key} no longer applies to the service`));
        resources.push({ kind: 'parameter', id: name, status: 'Orphaned', diffs: [] });
      }
      continue;
    }
    if (!want) {
      // What it describes is not there or could not be planned: whatever was published stays.
      if (live) resources.push({ kind: 'parameter', id: name, status: 'InSync', diffs: [], message: 'kept: what it describes could not be planned this pass' });
      continue;
    }
    const shown = 'value' in want ? want.value : '(created by this plan)';
    if (!live) {
      const diffs: Diff[] = [{ path: `outputs.${key}`, desired: shown, live: null }];
      actions.push(putAction(desired, svc.name, name, want, false, 'create', `publish ${key}`, diffs));
      resources.push({ kind: 'parameter', id: name, status: 'Missing', diffs });
      continue;
    }
    if ('value' in want && want.value === live.value && (live.type ?? 'String') === 'String') {
      resources.push({ kind: 'parameter', id: name, status: 'InSync', diffs: [] });
      continue;
    }
    const diffs: Diff[] = [{ path: `outputs.${key}`, desired: shown, live: live.value }];
    if (live.type && live.type !== 'String') diffs.push({ path: `outputs.${key}.type`, desired: 'String', live: live.type });
    const reason = 'value' in want ? `${key} differs from what it describes` : `${key} now describes the resource created by this plan`;
    actions.push(putAction(desired, svc.name, name, want, true, 'update', reason, diffs));
    resources.push({ kind: 'parameter', id: name, status: 'Drifted', diffs });
  }
  return { resources, actions };
}

/** Owned outputs of services the document no longer lists (only routeyard's keys, only owned ones). */
export function planOrphanOutputs(observed: ObservedOutputs, wanted: ReadonlySet<string>): Map<string, OutputsPlan> {
  const out = new Map<string, OutputsPlan>();
  if (observed.error) return out;
  for (const p of observed.parameters) {
    if (!p.owned) continue;
    const parsed = parseName(observed.prefix, p.name);
    if (!parsed || wanted.has(parsed.service)) continue;
    let plan = out.get(parsed.service);
    if (!plan) out.set(parsed.service, (plan = { resources: [], actions: [] }));
    plan.actions.push(deleteParameterAction(parsed.service, p, 'the service is no longer in the document'));
    plan.resources.push({ kind: 'parameter', id: p.name, status: 'Orphaned', diffs: [] });
  }
  return out;
}

function putAction(desired: DesiredState, service: string, name: string, value: Ref, overwrite: boolean, op: 'create' | 'update', reason: string, diffs: Diff[]): Action {
  return {
    id: `${op}:parameter:${name}`,
    op,
    kind: 'parameter',
    service,
    resourceId: name,
    reason,
    diffs,
    phase: PHASE.putParameter,
    payload: { type: 'putParameter', name, value, overwrite, tags: ownershipTags(desired.owner, service) },
  };
}

function deleteParameterAction(service: string, p: ObservedParameter, reason: string): Action {
  return {
    id: `delete:parameter:${p.name}`,
    op: 'delete',
    kind: 'parameter',
    service,
    resourceId: p.name,
    reason,
    diffs: [{ path: 'parameter', desired: null, live: p.value }],
    phase: PHASE.deleteParameter,
    payload: { type: 'deleteParameter', name: p.name },
  };
}

/** The endpoint AWS gives an HTTP API: https://ID.execute-api.REGION.DNS-SUFFIX (partition's suffix). */
export function apiEndpointTemplate(region: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://{id}.execute-api.${region}.${suffix}`;
}
