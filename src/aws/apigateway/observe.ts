import {
  GetApisCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
  GetStagesCommand,
  type Api,
  type ApiGatewayV2Client,
  type Integration,
  type Route,
  type Stage,
} from '@aws-sdk/client-apigatewayv2';
import type { DeepReadSelector, ObservedApi, ObservedIntegration, ObservedRoute, ObservedStage } from '../../model/observed.ts';
import { SERVICE_TAG, isOwnedBy } from '../../model/tags.ts';
import { CallCancelled, withPriority } from '../api-scheduler.ts';

/**
 * HTTP APIs routeyard owns (found by the owner tag, which GetApis returns inline), with
 * their integrations, routes and stages; plus APIs with a name a service wants, so the
 * planner can report a Conflict, and for services with `adopt: true`, their children too.
 */
export async function observeHttpApis(
  apigw: ApiGatewayV2Client,
  owner: string,
  wantedNames: ReadonlySet<string>,
  adoptableNames: ReadonlySet<string>,
  select?: DeepReadSelector,
  /** Aborting it cancels background reads still waiting for their turn: those APIs are deferred. */
  backgroundSignal?: AbortSignal,
): Promise<ObservedApi[]> {
  const apis = await allPages<Api>((NextToken) => apigw.send(new GetApisCommand({ NextToken, MaxResults: '500' })));
  const relevant = apis.filter((a) => isOwnedBy(a.Tags, owner) || wantedNames.has(a.Name ?? ''));
  const withChildren = relevant.filter((a) => isOwnedBy(a.Tags, owner) || adoptableNames.has(a.Name ?? ''));
  // Without a selector (the one-shot run) every API's children are read; with one, the
  // chosen ones at the chosen priority, and the others are deferred to a later pass.
  const chosen = select?.(withChildren.map((a) => ({ id: a.ApiId!, service: a.Tags?.[SERVICE_TAG] })));
  // Children of all APIs are read concurrently; the client's scheduler sets the pace.
  return Promise.all(
    relevant.map(async (a) => {
      const base = toObservedApi(a);
      if (!withChildren.includes(a)) return base;
      if (!chosen) base.children = await observeChildren(apigw, a.ApiId!);
      else {
        const priority = chosen.get(a.ApiId!);
        base.children = priority
          ? await withPriority(priority, () => observeChildren(apigw, a.ApiId!), priority === 'background' ? backgroundSignal : undefined)
          : { readable: false, deferred: true };
      }
      return base;
    }),
  );
}

async function observeChildren(apigw: ApiGatewayV2Client, apiId: string): Promise<NonNullable<ObservedApi['children']>> {
  try {
    const [integrations, routes, stages] = await Promise.all([
      allPages<Integration>((NextToken) => apigw.send(new GetIntegrationsCommand({ ApiId: apiId, NextToken, MaxResults: '500' }))),
      allPages<Route>((NextToken) => apigw.send(new GetRoutesCommand({ ApiId: apiId, NextToken, MaxResults: '500' }))),
      allPages<Stage>((NextToken) => apigw.send(new GetStagesCommand({ ApiId: apiId, NextToken, MaxResults: '500' }))),
    ]);
    return {
      readable: true,
      integrations: integrations.map(toObservedIntegration),
      routes: routes.map(toObservedRoute),
      stages: stages.map(toObservedStage),
    };
  } catch (err) {
    // A background read cancelled for a more urgent pass: not read, not an error.
    if (err instanceof CallCancelled) return { readable: false, deferred: true };
    // One API's children failing must not hide the others; the planner marks this service Error.
    return { readable: false, error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

/** The API Gateway v2 SDK has no paginators for these reads; follow NextToken by hand. */
async function allPages<T>(fetch: (token: string | undefined) => Promise<{ Items?: T[]; NextToken?: string }>): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    items.push(...(page.Items ?? []));
    token = page.NextToken;
  } while (token);
  return items;
}

function toObservedApi(a: Api): ObservedApi {
  const c = a.CorsConfiguration;
  return {
    id: a.ApiId!,
    name: a.Name ?? '',
    ...(a.ProtocolType ? { protocolType: a.ProtocolType } : {}),
    ...(a.Description ? { description: a.Description } : {}),
    ...(c
      ? {
          cors: {
            allowOrigins: c.AllowOrigins ?? [],
            allowMethods: c.AllowMethods ?? [],
            allowHeaders: c.AllowHeaders ?? [],
            exposeHeaders: c.ExposeHeaders ?? [],
            allowCredentials: c.AllowCredentials ?? false,
            ...(c.MaxAge !== undefined ? { maxAgeSeconds: c.MaxAge } : {}),
          },
        }
      : {}),
    tags: { ...(a.Tags ?? {}) },
    ...(a.CreatedDate ? { createdAt: a.CreatedDate.toISOString() } : {}),
    ...(a.ApiEndpoint ? { endpoint: a.ApiEndpoint } : {}),
  };
}

function toObservedIntegration(i: Integration): ObservedIntegration {
  return {
    id: i.IntegrationId!,
    ...(i.ApiGatewayManaged ? { managed: true } : {}),
    ...(i.IntegrationType ? { integrationType: i.IntegrationType } : {}),
    ...(i.ConnectionType ? { connectionType: i.ConnectionType } : {}),
    ...(i.ConnectionId ? { connectionId: i.ConnectionId } : {}),
    ...(i.IntegrationUri ? { integrationUri: i.IntegrationUri } : {}),
    ...(i.IntegrationMethod ? { integrationMethod: i.IntegrationMethod } : {}),
    ...(i.PayloadFormatVersion ? { payloadFormatVersion: i.PayloadFormatVersion } : {}),
    requestParameters: { ...(i.RequestParameters ?? {}) },
  };
}

function toObservedRoute(r: Route): ObservedRoute {
  return { id: r.RouteId!, routeKey: r.RouteKey ?? '', ...(r.ApiGatewayManaged ? { managed: true } : {}), ...(r.Target ? { target: r.Target } : {}) };
}

function toObservedStage(s: Stage): ObservedStage {
  const d = s.DefaultRouteSettings;
  const log = s.AccessLogSettings;
  return {
    name: s.StageName ?? '',
    ...(s.ApiGatewayManaged ? { managed: true } : {}),
    ...(s.AutoDeploy !== undefined ? { autoDeploy: s.AutoDeploy } : {}),
    ...(d?.ThrottlingRateLimit !== undefined ? { throttlingRateLimit: d.ThrottlingRateLimit } : {}),
    ...(d?.ThrottlingBurstLimit !== undefined ? { throttlingBurstLimit: d.ThrottlingBurstLimit } : {}),
    ...(d?.DetailedMetricsEnabled !== undefined ? { detailedMetricsEnabled: d.DetailedMetricsEnabled } : {}),
    ...(log?.DestinationArn ? { accessLog: { destinationArn: log.DestinationArn, ...(log.Format ? { format: log.Format } : {}) } } : {}),
  };
}
