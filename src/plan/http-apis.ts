import type { DesiredApi, DesiredService, DesiredState } from '../model/desired.ts';
import type { ObservedApi, ObservedCors, ObservedIntegration, ObservedRoute, ObservedStage } from '../model/observed.ts';
import { normalizeLogGroupArn } from '../model/arns.ts';
import { ownerOf, ownershipTags } from '../model/tags.ts';
import { heldByStack } from './adoption.ts';
import { extraItems, sameSet } from './diff.ts';
import type { ObservedIndex } from './observed-index.ts';
import { PHASE } from './phases.ts';
import type { Action, CorsSpec, Diff, IntegrationSpec, Payload, Ref, ResourceKind, ResourceState } from './types.ts';

export interface ApiPlan {
  resources: ResourceState[];
  actions: Action[];
  /** The service's API: its id, or the action that creates it (for the custom domain's API mapping). */
  apiRef?: Ref;
}

/**
 * A service's public half: one HTTP API, one HTTP_PROXY integration over the shared VPC
 * link to the shared listener that overwrites the routing header, its routes, and the
 * `$default` stage. Children of an API routeyard owns are routeyard's (integrations,
 * routes and stages cannot be tagged on their own).
 */
export function planHttpApi(desired: DesiredState, svc: DesiredService, idx: ObservedIndex): ApiPlan {
  const owned = idx.ownedApisByService.get(svc.name) ?? [];
  const want = svc.api;
  if (!want) {
    // An internal-only service: any API routeyard made for it earlier goes.
    return mergePlans(owned.map((a) => deleteApiTree(svc.name, a, 'the service no longer declares an api block')));
  }
  const { current, extra } = resolveDuplicateApis(svc.name, owned, idx);

  if (current) return { ...mergePlans([convergeApi(desired, svc, want, current, { value: current.id }, false), ...extra]), apiRef: { value: current.id } };

  const candidates = (idx.foreignApisByName.get(want.name) ?? []).filter((a) => (a.protocolType ?? 'HTTP') === 'HTTP');
  const candidate = candidates[0];
  if (candidate) {
    const otherOwner = ownerOf(candidate.tags);
    if (otherOwner) {
      return conflict(candidate.id, `an HTTP API named "${want.name}" (${candidate.id}) belongs to RouteSet "${otherOwner}"; it is never adopted`);
    }
    if (!svc.adopt) {
      return conflict(candidate.id, `an HTTP API named "${want.name}" (${candidate.id}) exists without routeyard's owner tag; set adopt: true on the service to manage it`);
    }
    if (candidates.length > 1) {
      return conflict(candidate.id, `${candidates.length} HTTP APIs are named "${want.name}" (${candidates.map((a) => a.id).join(', ')}): adopt takes one only when it is the only one; rename or remove the others`);
    }
    const held = heldByStack(candidate.tags, svc);
    if (held) return conflict(candidate.id, held);
    // The API must be this service's: an integration through the VPC link that injects another
    // service's header value (and none this one's) names another service.
    const injected = candidate.children?.readable
      ? candidate.children.integrations.flatMap((i) => Object.entries(i.requestParameters).filter(([k]) => k.toLowerCase().endsWith(`:header.${desired.headerName.toLowerCase()}`)).map(([, v]) => v))
      : [];
    if (injected.length > 0 && !injected.some((v) => v.toLowerCase() === svc.headerValue.toLowerCase())) {
      return conflict(candidate.id, `the HTTP API named "${want.name}" (${candidate.id}) injects ${desired.headerName}: ${injected.join(', ')}, not ${svc.headerValue}: it is another service's API and is not adopted`);
    }
    const tagAction: Action = {
      id: `adopt:httpApi:${svc.name}`,
      op: 'update',
      kind: 'httpApi',
      service: svc.name,
      resourceId: candidate.id,
      reason: 'adopted (adopt: true): the ownership tags are added and the API is managed from now on',
      diffs: [{ path: 'httpApi.tags', desired: ownershipTags(desired.owner, svc.name), live: candidate.tags }],
      phase: PHASE.adoptApi,
      payload: { type: 'tagApi', apiId: candidate.id, tags: ownershipTags(desired.owner, svc.name) },
    };
    const adopted = convergeApi(desired, svc, want, candidate, { value: candidate.id }, true);
    if (adopted.resources[0]?.status === 'Error') return adopted; // never adopt what could not be read
    adopted.actions.unshift(tagAction);
    adopted.resources[0]!.diffs.unshift(tagAction.diffs[0]!);
    adopted.resources[0]!.status = 'Drifted';
    return { ...adopted, apiRef: { value: candidate.id } };
  }

  // Nothing there: create the whole chain, each step feeding its id to the next.
  const createApi: Action = {
    id: `create:httpApi:${svc.name}`,
    op: 'create',
    kind: 'httpApi',
    service: svc.name,
    resourceId: want.name,
    reason: 'HTTP API does not exist',
    diffs: [{ path: 'httpApi', desired: want.name, live: null }],
    phase: PHASE.createApi,
    payload: {
      type: 'createApi',
      name: want.name,
      ...(want.description !== undefined ? { description: want.description } : {}),
      ...(want.cors ? { cors: want.cors } : {}),
      tags: ownershipTags(desired.owner, svc.name),
    },
  };
  const children = convergeChildren(desired, svc, want, { fromAction: createApi.id }, { integrations: [], routes: [], stages: [] });
  return {
    resources: [{ kind: 'httpApi', id: want.name, status: 'Missing', diffs: createApi.diffs }, ...children.resources],
    actions: [createApi, ...children.actions],
    apiRef: { fromAction: createApi.id },
  };
}

/**
 * Two owned copies of a service's API (a CreateApi whose answer was lost and was sent again,
 * by an older routeyard or by hand): the one that carries traffic stays. That is the one a
 * custom domain maps to, then one with the `$default` stage and a route, then the older
 * (then the lower id, so the choice is stable). The other is removed only when both were read
 * this pass and every domain's mappings too: otherwise which one serves is not known, and
 * nothing is deleted.
 */
function resolveDuplicateApis(service: string, owned: ObservedApi[], idx: ObservedIndex): { current?: ObservedApi; extra: ApiPlan[] } {
  if (owned.length <= 1) return { current: owned[0], extra: [] };
  const mapped = (a: ObservedApi) => (idx.mappedApiIds.has(a.id) ? 1 : 0);
  const serves = (a: ObservedApi) => (a.children?.readable && a.children.stages.some((st) => st.name === '$default') && a.children.routes.length > 0 ? 1 : 0);
  const [current, ...others] = [...owned].sort(
    (a, b) => mapped(b) - mapped(a) || serves(b) - serves(a) || (a.createdAt ?? '\uffff').localeCompare(b.createdAt ?? '\uffff') || a.id.localeCompare(b.id),
  );
  const known = owned.every((a) => a.children?.readable) && !idx.mappingsUnknown;
  if (!known) {
    return {
      current,
      extra: others.map((a) => ({
        resources: [{ kind: 'httpApi', id: a.id, status: 'Drifted', diffs: [], message: `a second HTTP API for the service (${current!.id} is the other): kept this pass, since not every copy and custom domain mapping was read and which one serves is not known` }],
        actions: [],
      })),
    };
  }
  const why = mapped(current!) ? 'a custom domain maps to it' : serves(current!) ? 'it has the $default stage and routes' : 'it is the older';
  return { current, extra: others.map((a) => deleteApiTree(service, a, `a second HTTP API for the service: ${current!.id} is kept (${why})`)) };
}

function convergeApi(desired: DesiredState, svc: DesiredService, want: DesiredApi, live: ObservedApi, apiRef: Ref, adopting: boolean): ApiPlan {
  const deferred = live.children?.readable === false && live.children.deferred === true;
  if (!deferred && (!live.children || !live.children.readable)) {
    const why = live.children && !live.children.readable && !live.children.deferred ? live.children.error : 'its integrations, routes and stages were not read';
    return conflictLike('Error', live.id, `cannot plan the API's children: ${why}`);
  }
  const actions: Action[] = [];
  const diffs: Diff[] = [];
  if (live.name !== want.name) diffs.push({ path: 'httpApi.name', desired: want.name, live: live.name });
  if (want.description !== undefined && (live.description ?? '') !== want.description) {
    diffs.push({ path: 'httpApi.description', desired: want.description, live: live.description ?? null });
  }
  const cors = corsDiffs(want.cors, live.cors);
  diffs.push(...cors.diffs);
  if (diffs.length > 0) {
    const apiOnly = diffs.filter((d) => !d.path.startsWith('httpApi.cors'));
    if (!want.cors && live.cors) {
      actions.push({
        id: `update:httpApi:${svc.name}:cors`,
        op: 'update',
        kind: 'httpApi',
        service: svc.name,
        resourceId: live.id,
        reason: 'CORS is configured but the document declares none',
        diffs: cors.diffs,
        phase: PHASE.updateApi,
        payload: { type: 'deleteCors', apiId: live.id },
      });
    }
    if (apiOnly.length > 0 || (want.cors && cors.diffs.length > 0)) {
      actions.push({
        id: `update:httpApi:${svc.name}`,
        op: 'update',
        kind: 'httpApi',
        service: svc.name,
        resourceId: live.id,
        reason: [apiOnly.length > 0 ? `API ${apiOnly.map((d) => d.path.replace('httpApi.', '')).join(', ')} differ` : '', want.cors ? cors.reason : '']
          .filter(Boolean)
          .join('; '),
        diffs: want.cors ? diffs : apiOnly,
        phase: PHASE.updateApi,
        payload: {
          type: 'updateApi',
          apiId: live.id,
          name: want.name,
          ...(want.description !== undefined ? { description: want.description } : {}),
          ...(want.cors ? { cors: want.cors } : {}),
        },
      });
    }
  }
  // Children not read this pass are neither missing nor changed: nothing is planned for them,
  // and the report says when they were last read (rolling verification).
  const children =
    deferred || !live.children?.readable
      ? { resources: [{ kind: 'httpApiChildren' as const, id: live.id, status: 'InSync' as const, diffs: [], readThisPass: false as const, message: 'integrations, routes and stages not re-read this pass (rolling verification): as last verified' }], actions: [] }
      : convergeChildren(desired, svc, want, apiRef, live.children);
  return {
    resources: [{ kind: 'httpApi', id: live.id, status: diffs.length > 0 || adopting ? 'Drifted' : 'InSync', diffs }, ...children.resources],
    actions: [...actions, ...children.actions],
  };
}

export function desiredIntegration(desired: DesiredState, svc: DesiredService, want: DesiredApi): IntegrationSpec {
  return {
    integrationType: 'HTTP_PROXY',
    connectionType: 'VPC_LINK',
    connectionId: desired.vpcLinkId,
    integrationUri: desired.listenerArn,
    integrationMethod: 'ANY',
    payloadFormatVersion: want.payloadFormatVersion,
    requestParameters: { [`overwrite:header.${desired.headerName}`]: svc.headerValue },
  };
}

function convergeChildren(
  desired: DesiredState,
  svc: DesiredService,
  want: DesiredApi,
  apiRef: Ref,
  live: { integrations: ObservedIntegration[]; routes: ObservedRoute[]; stages: ObservedStage[] },
): ApiPlan {
  const resources: ResourceState[] = [];
  const actions: Action[] = [];
  const apiId = 'value' in apiRef ? apiRef.value : undefined;
  const spec = desiredIntegration(desired, svc, want);

  // The integration that carries traffic is the one kept and converged: the one the declared
  // routes target (the $default route first), then the most-targeted, then one already as
  // declared, then the lower id. A second one (a CreateIntegration sent twice) goes.
  const usage = new Map<string, number>();
  const declaredUse = new Map<string, number>();
  for (const r of live.routes) {
    const id = r.target?.replace(/^integrations\//, '');
    if (!id) continue;
    usage.set(id, (usage.get(id) ?? 0) + 1);
    if (want.routes.includes(r.routeKey)) declaredUse.set(id, (declaredUse.get(id) ?? 0) + (r.routeKey === '$default' ? 1000 : 1));
  }
  const asDeclared = (i: ObservedIntegration) => (integrationDiffs(spec, i, desired.headerName).diffs.length === 0 ? 1 : 0);
  const integration = [...live.integrations].sort(
    (a, b) =>
      (declaredUse.get(b.id) ?? 0) - (declaredUse.get(a.id) ?? 0) || (usage.get(b.id) ?? 0) - (usage.get(a.id) ?? 0) || asDeclared(b) - asDeclared(a) || a.id.localeCompare(b.id),
  )[0];
  let integrationRef: Ref;
  if (!integration || !apiId) {
    const id = `create:integration:${svc.name}`;
    actions.push({
      id,
      op: 'create',
      kind: 'integration',
      service: svc.name,
      resourceId: `${want.name} integration`,
      reason: 'the API has no integration',
      diffs: [{ path: 'integration', desired: { ...spec }, live: null }],
      phase: PHASE.createIntegration,
      payload: { type: 'createIntegration', apiId: apiRef, spec },
    });
    resources.push({ kind: 'integration', id: `${want.name} integration`, status: 'Missing', diffs: actions.at(-1)!.diffs });
    integrationRef = { fromAction: id };
  } else {
    const { diffs, reason, removeParameters, requestParameters } = integrationDiffs(spec, integration, desired.headerName);
    if (diffs.length > 0 && integration.managed) {
      resources.push({ kind: 'integration', id: integration.id, status: 'Conflict', diffs, message: `${reason}; ${MANAGED_WHY('integration')}` });
    } else if (diffs.length > 0) {
      actions.push({
        id: `update:integration:${svc.name}`,
        op: 'update',
        kind: 'integration',
        service: svc.name,
        resourceId: integration.id,
        reason,
        diffs,
        phase: PHASE.updateIntegration,
        payload: { type: 'updateIntegration', apiId, integrationId: integration.id, spec: { ...spec, requestParameters }, removeParameters },
      });
      resources.push({ kind: 'integration', id: integration.id, status: 'Drifted', diffs });
    } else {
      resources.push({ kind: 'integration', id: integration.id, status: 'InSync', diffs });
    }
    integrationRef = { value: integration.id };
    for (const other of live.integrations.filter((i) => i !== integration)) {
      if (other.managed) {
        resources.push({ kind: 'integration', id: other.id, status: 'Conflict', diffs: [], message: `a second integration on the API; ${MANAGED_WHY('integration')}` });
        continue;
      }
      actions.push({
        id: `delete:integration:${svc.name}:${other.id}`,
        op: 'delete',
        kind: 'integration',
        service: svc.name,
        resourceId: other.id,
        reason: `a second integration on the API: ${integration.id} is kept (the routes target it; any route on this one is moved first)`,
        diffs: [{ path: 'integration', desired: null, live: other.id }],
        phase: PHASE.deleteIntegration,
        payload: { type: 'deleteIntegration', apiId, integrationId: other.id },
      });
      resources.push({ kind: 'integration', id: other.id, status: 'Orphaned', diffs: [] });
    }
  }

  const wantTarget = 'value' in integrationRef ? `integrations/${integrationRef.value}` : '(integration created in this pass)';
  for (const key of want.routes) {
    // AWS keeps route keys unique; should two exist, the one on the kept integration stays.
    const sameKey = live.routes.filter((r) => r.routeKey === key);
    const route = sameKey.find((r) => r.target === wantTarget) ?? sameKey[0];
    if (apiId) {
      for (const dup of sameKey.filter((r) => r !== route && !r.managed)) {
        actions.push({
          id: `delete:route:${svc.name}:${key}:${dup.id}`,
          op: 'delete',
          kind: 'route',
          service: svc.name,
          resourceId: dup.id,
          reason: `a second route ${key}: ${route!.id} is kept (it targets the kept integration, or is the first)`,
          diffs: [{ path: `route[${key}]`, desired: null, live: dup.target ?? null }],
          phase: PHASE.deleteRoute,
          payload: { type: 'deleteRoute', apiId, routeId: dup.id },
        });
        resources.push({ kind: 'route', id: `${key} (${dup.id})`, status: 'Orphaned', diffs: [] });
      }
    }
    if (!route || !apiId) {
      const diffs = [{ path: `route[${key}]`, desired: wantTarget, live: null }];
      actions.push({
        id: `create:route:${svc.name}:${key}`,
        op: 'create',
        kind: 'route',
        service: svc.name,
        resourceId: key,
        reason: `route ${key} does not exist`,
        diffs,
        phase: PHASE.createRoute,
        payload: { type: 'createRoute', apiId: apiRef, routeKey: key, integrationId: integrationRef },
      });
      resources.push({ kind: 'route', id: key, status: 'Missing', diffs });
    } else if (route.target !== wantTarget && route.managed) {
      const diffs = [{ path: `route[${key}].target`, desired: wantTarget, live: route.target ?? null }];
      resources.push({ kind: 'route', id: key, status: 'Conflict', diffs, message: `route ${key} does not target the managed integration; ${MANAGED_WHY('route')}` });
    } else if (route.target !== wantTarget) {
      const diffs = [{ path: `route[${key}].target`, desired: wantTarget, live: route.target ?? null }];
      actions.push({
        id: `update:route:${svc.name}:${key}`,
        op: 'update',
        kind: 'route',
        service: svc.name,
        resourceId: route.id,
        reason: `route ${key} does not target the managed integration`,
        diffs,
        phase: PHASE.updateRoute,
        payload: { type: 'updateRoute', apiId, routeId: route.id, routeKey: key, integrationId: integrationRef },
      });
      resources.push({ kind: 'route', id: key, status: 'Drifted', diffs });
    } else {
      resources.push({ kind: 'route', id: key, status: 'InSync', diffs: [] });
    }
  }
  if (apiId) {
    for (const route of live.routes.filter((r) => !want.routes.includes(r.routeKey))) {
      if (route.managed) {
        resources.push({ kind: 'route', id: route.routeKey, status: 'Conflict', diffs: [{ path: `route[${route.routeKey}]`, desired: null, live: route.target ?? null }], message: `route ${route.routeKey} is not in the document; ${MANAGED_WHY('route')}` });
        continue;
      }
      actions.push({
        id: `delete:route:${svc.name}:${route.routeKey}`,
        op: 'delete',
        kind: 'route',
        service: svc.name,
        resourceId: route.id,
        reason: `route ${route.routeKey} is not in the document`,
        diffs: [{ path: `route[${route.routeKey}]`, desired: null, live: route.target ?? null }],
        phase: PHASE.deleteRoute,
        payload: { type: 'deleteRoute', apiId, routeId: route.id },
      });
      resources.push({ kind: 'route', id: route.routeKey, status: 'Orphaned', diffs: [] });
    }
  }

  const stage = apiId ? live.stages.find((s) => s.name === '$default') : undefined;
  if (!stage) {
    const diffs = [{ path: 'stage[$default]', desired: { ...want.stage }, live: null }];
    actions.push({
      id: `create:stage:${svc.name}`,
      op: 'create',
      kind: 'stage',
      service: svc.name,
      resourceId: '$default',
      reason: 'the $default stage does not exist',
      diffs,
      phase: PHASE.createStage,
      payload: { type: 'createStage', apiId: apiRef, stage: want.stage },
    });
    resources.push({ kind: 'stage', id: '$default', status: 'Missing', diffs });
  } else {
    const { diffs, reason } = stageDiffs(want, stage);
    if (diffs.length > 0 && stage.managed) {
      resources.push({ kind: 'stage', id: '$default', status: 'Conflict', diffs, message: `${reason}; ${MANAGED_WHY('stage')}` });
    } else if (diffs.length > 0 && apiId) {
      actions.push({
        id: `update:stage:${svc.name}`,
        op: 'update',
        kind: 'stage',
        service: svc.name,
        resourceId: '$default',
        reason,
        diffs,
        phase: PHASE.updateStage,
        payload: { type: 'updateStage', apiId, stage: want.stage },
      });
      resources.push({ kind: 'stage', id: '$default', status: 'Drifted', diffs });
    } else {
      resources.push({ kind: 'stage', id: '$default', status: diffs.length > 0 ? 'Drifted' : 'InSync', diffs });
    }
  }
  return { resources, actions };
}

/**
 * Header names are case-insensitive, so `overwrite:header.X-Target-Service` and
 * `overwrite:header.x-target-service` are one mapping: a case-only difference is not
 * drift, and an update keeps the live spelling so it never sends two keys that differ only
 * by case (AWS would hold both, or refuse the pair).
 */
function canonicalParameterKey(key: string): string {
  return key.replace(/^([A-Za-z]+):header\.(.+)$/, (_m, action: string, name: string) => `${action.toLowerCase()}:header.${name.toLowerCase()}`);
}

function integrationDiffs(
  spec: IntegrationSpec,
  live: ObservedIntegration,
  headerName: string,
): { diffs: Diff[]; reason: string; removeParameters: string[]; requestParameters: Record<string, string> } {
  const diffs: Diff[] = [];
  const reasons: string[] = [];
  const field = (path: string, want: string, have: string | undefined, why?: string) => {
    if ((have ?? '') === want) return;
    diffs.push({ path: `integration.${path}`, desired: want, live: have ?? null });
    if (why) reasons.push(why);
  };
  field('integrationType', spec.integrationType, live.integrationType);
  field('connectionType', spec.connectionType, live.connectionType, 'the integration bypasses the VPC link');
  if (live.connectionType === 'VPC_LINK' || live.connectionId) field('connectionId', spec.connectionId, live.connectionId, 'the integration goes through another VPC link');
  field('integrationUri', spec.integrationUri, live.integrationUri, 'the integration points at another listener');
  field('integrationMethod', spec.integrationMethod, live.integrationMethod);
  field('payloadFormatVersion', spec.payloadFormatVersion, live.payloadFormatVersion);

  const removeParameters: string[] = [];
  const requestParameters: Record<string, string> = {};
  const liveByCanon = new Map(Object.entries(live.requestParameters).map(([k, v]) => [canonicalParameterKey(k), { key: k, value: v }]));
  const wantByCanon = new Map(Object.entries(spec.requestParameters).map(([k, v]) => [canonicalParameterKey(k), { key: k, value: v }]));
  for (const [canon, w] of wantByCanon) requestParameters[liveByCanon.get(canon)?.key ?? w.key] = w.value;
  for (const canon of [...new Set([...wantByCanon.keys(), ...liveByCanon.keys()])].sort()) {
    const want = wantByCanon.get(canon);
    const have = liveByCanon.get(canon);
    if (want?.value === have?.value) continue;
    diffs.push({ path: `integration.requestParameters["${want?.key ?? have!.key}"]`, desired: want?.value ?? null, live: have?.value ?? null });
    if (!want) removeParameters.push(have!.key);
  }
  const lower = headerName.toLowerCase();
  const liveKeys = Object.keys(live.requestParameters).map((k) => k.toLowerCase());
  if (liveKeys.some((k) => k === `append:header.${lower}`)) {
    reasons.unshift(`the ${headerName} header is appended, not overwritten: a client could choose the backend`);
  } else if (!liveKeys.includes(`overwrite:header.${lower}`)) {
    reasons.unshift(`the ${headerName} header is not injected: requests would not reach the service's rule`);
  }
  if (diffs.some((d) => d.path.startsWith('integration.requestParameters')) && reasons.length === 0) reasons.push('request parameters differ from the document');
  if (reasons.length === 0 && diffs.length > 0) reasons.push(`integration ${diffs.map((d) => d.path.replace('integration.', '')).join(', ')} differ`);
  return { diffs, reason: reasons.join('; '), removeParameters, requestParameters };
}

function corsDiffs(want: CorsSpec | undefined, live: ObservedCors | undefined): { diffs: Diff[]; reason: string } {
  if (!want && !live) return { diffs: [], reason: '' };
  if (!want) return { diffs: [{ path: 'httpApi.cors', desired: null, live }], reason: 'CORS is configured but the document declares none' };
  const have: ObservedCors = live ?? { allowOrigins: [], allowMethods: [], allowHeaders: [], exposeHeaders: [], allowCredentials: false };
  const diffs: Diff[] = [];
  const wider: string[] = [];
  // Origins, methods and headers compare case-insensitively and ignore order, as browsers do.
  for (const key of ['allowOrigins', 'allowMethods', 'allowHeaders', 'exposeHeaders'] as const) {
    if (!sameSet(want[key], have[key], true)) {
      diffs.push({ path: `httpApi.cors.${key}`, desired: want[key], live: have[key] });
      const extra = extraItems(want[key], have[key], true);
      if (extra.length > 0) wider.push(`${key} adds ${extra.join(', ')}`);
    }
  }
  if (want.allowCredentials !== have.allowCredentials) {
    diffs.push({ path: 'httpApi.cors.allowCredentials', desired: want.allowCredentials, live: have.allowCredentials });
    if (have.allowCredentials) wider.push('allowCredentials is on');
  }
  if (want.maxAgeSeconds !== undefined && want.maxAgeSeconds !== have.maxAgeSeconds) {
    diffs.push({ path: 'httpApi.cors.maxAgeSeconds', desired: want.maxAgeSeconds, live: have.maxAgeSeconds ?? null });
  }
  const reason = wider.length > 0 ? `CORS is wider than declared (${wider.join('; ')})` : diffs.length > 0 ? 'CORS differs from the document' : '';
  return { diffs, reason };
}

function stageDiffs(want: DesiredApi, live: ObservedStage): { diffs: Diff[]; reason: string } {
  const diffs: Diff[] = [];
  const reasons: string[] = [];
  if (live.autoDeploy !== true) diffs.push({ path: 'stage.autoDeploy', desired: true, live: live.autoDeploy ?? null });
  const t = want.stage.throttling;
  if (t) {
    if (live.throttlingRateLimit !== t.rateLimit) diffs.push({ path: 'stage.throttling.rateLimit', desired: t.rateLimit, live: live.throttlingRateLimit ?? null });
    if (live.throttlingBurstLimit !== t.burstLimit) diffs.push({ path: 'stage.throttling.burstLimit', desired: t.burstLimit, live: live.throttlingBurstLimit ?? null });
    if (diffs.some((d) => d.path.startsWith('stage.throttling'))) reasons.push('throttling differs from the document');
  }
  if ((live.detailedMetricsEnabled ?? false) !== want.stage.detailedMetrics) {
    diffs.push({ path: 'stage.detailedMetrics', desired: want.stage.detailedMetrics, live: live.detailedMetricsEnabled ?? false });
  }
  const log = want.stage.accessLog;
  if (log) {
    if (!live.accessLog?.destinationArn) {
      diffs.push({ path: 'stage.accessLog', desired: log, live: null });
      reasons.unshift('the stage writes no access logs though the document declares them');
    } else {
      // AWS drops a trailing ':*' from the destination; both spellings name one log group.
      if (normalizeLogGroupArn(live.accessLog.destinationArn) !== normalizeLogGroupArn(log.destinationArn)) diffs.push({ path: 'stage.accessLog.destinationArn', desired: log.destinationArn, live: live.accessLog.destinationArn });
      if ((live.accessLog.format ?? '') !== log.format) diffs.push({ path: 'stage.accessLog.format', desired: log.format, live: live.accessLog.format ?? null });
    }
  }
  if (reasons.length === 0 && diffs.length > 0) reasons.push(`stage ${diffs.map((d) => d.path.replace('stage.', '')).join(', ')} differ`);
  return { diffs, reason: reasons.join('; ') };
}

/** Remove an API routeyard owns, child by child, so each removal is its own reported step. */
export function deleteApiTree(service: string, api: ObservedApi, reason: string): ApiPlan {
  const children = api.children?.readable ? api.children : undefined;
  const steps: { kind: ResourceKind; key: string; resourceId: string; reportId: string; live: unknown; phase: number; payload: Payload }[] = [
    ...(children?.routes ?? []).map((r) => ({
      kind: 'route' as const, key: r.routeKey, resourceId: r.id, reportId: r.routeKey, live: r.target ?? null,
      phase: PHASE.deleteOrphanRoute, payload: { type: 'deleteRoute' as const, apiId: api.id, routeId: r.id },
    })),
    ...(children?.integrations ?? []).map((i) => ({
      kind: 'integration' as const, key: i.id, resourceId: i.id, reportId: i.id, live: i.id,
      phase: PHASE.deleteOrphanIntegration, payload: { type: 'deleteIntegration' as const, apiId: api.id, integrationId: i.id },
    })),
    ...(children?.stages ?? []).map((st) => ({
      kind: 'stage' as const, key: st.name, resourceId: st.name, reportId: st.name, live: st.name,
      phase: PHASE.deleteOrphanStage, payload: { type: 'deleteStage' as const, apiId: api.id, stageName: st.name },
    })),
    { kind: 'httpApi', key: api.id, resourceId: api.id, reportId: api.id, live: api.name, phase: PHASE.deleteOrphanApi, payload: { type: 'deleteApi', apiId: api.id } },
  ];
  // Children first (routes, integrations, stages), then the API; DeleteApi alone would do,
  // but one step per child keeps every removal visible in the report. An API made by quick
  // create has parts AWS refuses to delete on their own: it goes with DeleteApi alone.
  const managed = [...(children?.routes ?? []), ...(children?.integrations ?? []), ...(children?.stages ?? [])].some((c) => c.managed);
  const actions: Action[] = steps.filter((st) => !managed || st.kind === 'httpApi').map((st) => ({
    id: st.kind === 'httpApi' ? `delete:httpApi:${service}:${api.id}` : `delete:${st.kind}:${service}:${api.id}:${st.key}`,
    op: 'delete',
    kind: st.kind,
    service,
    resourceId: st.resourceId,
    reason,
    diffs: [{ path: st.kind === 'route' || st.kind === 'stage' ? `${st.kind}[${st.key}]` : st.kind, desired: null, live: st.live }],
    phase: st.phase,
    payload: st.payload,
  }));
  const resources: ResourceState[] = steps.map((st) => ({ kind: st.kind, id: st.reportId, status: 'Orphaned', diffs: [] }));
  resources.unshift(resources.pop()!); // the API first in the report
  return { resources, actions };
}

/** Why a quick-create part is reported instead of changed. */
const MANAGED_WHY = (part: 'integration' | 'route' | 'stage') =>
  `the ${part} was made by quick create (ApiGatewayManaged) and AWS refuses to update or delete it on its own; delete the API (routeyard then creates it anew) or manage it outside routeyard`;

function conflict(id: string, message: string): ApiPlan {
  return conflictLike('Conflict', id, message);
}

function conflictLike(status: 'Conflict' | 'Error', id: string, message: string): ApiPlan {
  return { resources: [{ kind: 'httpApi', id, status, diffs: [], message }], actions: [] };
}

function mergePlans(plans: ApiPlan[]): ApiPlan {
  return { resources: plans.flatMap((p) => p.resources), actions: plans.flatMap((p) => p.actions) };
}
