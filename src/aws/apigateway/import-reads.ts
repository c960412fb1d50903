import {
  GetApiMappingsCommand,
  GetApisCommand,
  GetDomainNamesCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
  GetStagesCommand,
  type Api,
  type ApiGatewayV2Client,
  type ApiMapping,
  type DomainName,
  type Integration,
  type Route,
  type Stage,
} from '@aws-sdk/client-apigatewayv2';
import type { LiveApi, LiveDomain, LiveIntegration, LiveRoute, LiveStage } from '../../import/snapshot.ts';

/**
 * `routeyard --import`, the API Gateway side. Every HTTP API (GetApis, tags inline) with its
 * integrations (one GetIntegrations per API: that is how an API is found to reach the
 * listener); routes and stages only for the APIs `wantsChildren` picks (those with an
 * integration to the listener), so a large account pays one call per unrelated API. Every
 * custom domain (GetDomainNames, tags inline) with its API mappings (one call per domain:
 * no other read says which API a domain serves). Calls go through the paced client; the
 * scheduler sets the pace. Read-only.
 */
export async function readHttpApisForImport(
  apigw: ApiGatewayV2Client,
  wantsChildren: (integrations: readonly LiveIntegration[]) => boolean,
): Promise<{ apis: LiveApi[]; otherApis: number }> {
  const all = await allPages<Api>((NextToken) => apigw.send(new GetApisCommand({ NextToken, MaxResults: '500' })));
  const http = all.filter((a) => a.ApiId && (a.ProtocolType ?? 'HTTP') === 'HTTP');
  const apis = await Promise.all(
    http.map(async (a): Promise<LiveApi> => {
      const integrations = (await allPages<Integration>((NextToken) => apigw.send(new GetIntegrationsCommand({ ApiId: a.ApiId!, NextToken, MaxResults: '500' })))).map(toIntegration);
      const base = toApi(a, integrations);
      if (!wantsChildren(integrations)) return base;
      const [routes, stages] = await Promise.all([
        allPages<Route>((NextToken) => apigw.send(new GetRoutesCommand({ ApiId: a.ApiId!, NextToken, MaxResults: '500' }))),
        allPages<Stage>((NextToken) => apigw.send(new GetStagesCommand({ ApiId: a.ApiId!, NextToken, MaxResults: '500' }))),
      ]);
      return { ...base, routes: routes.map(toRoute), stages: stages.map(toStage) };
    }),
  );
  return { apis, otherApis: all.length - http.length };
}

export async function readDomainsForImport(apigw: ApiGatewayV2Client): Promise<LiveDomain[]> {
  const all = await allPages<DomainName>((NextToken) => apigw.send(new GetDomainNamesCommand({ NextToken, MaxResults: '500' })));
  return Promise.all(
    all
      .filter((d) => d.DomainName)
      .map(async (d): Promise<LiveDomain> => {
        const mappings = await allPages<ApiMapping>((NextToken) => apigw.send(new GetApiMappingsCommand({ DomainName: d.DomainName!, MaxResults: '500', ...(NextToken ? { NextToken } : {}) })));
        const c = d.DomainNameConfigurations?.[0];
        return {
          name: d.DomainName!,
          ...(c?.CertificateArn ? { certificateArn: c.CertificateArn } : {}),
          ...(c?.EndpointType ? { endpointType: c.EndpointType } : {}),
          ...(c?.SecurityPolicy ? { securityPolicy: c.SecurityPolicy } : {}),
          ...(c?.IpAddressType ? { ipAddressType: c.IpAddressType } : {}),
          ...(d.RoutingMode ? { routingMode: d.RoutingMode } : {}),
          ...(c?.DomainNameStatus ? { status: c.DomainNameStatus } : {}),
          ...(c?.ApiGatewayDomainName && c.HostedZoneId ? { target: { dnsName: c.ApiGatewayDomainName, hostedZoneId: c.HostedZoneId } } : {}),
          tags: { ...(d.Tags ?? {}) },
          mappings: mappings.map((m) => ({ id: m.ApiMappingId ?? '', apiId: m.ApiId ?? '', stage: m.Stage ?? '', key: m.ApiMappingKey ?? '' })),
        };
      }),
  );
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

function toApi(a: Api, integrations: LiveIntegration[]): LiveApi {
  const c = a.CorsConfiguration;
  return {
    id: a.ApiId!,
    name: a.Name ?? '',
    ...(a.ProtocolType ? { protocolType: a.ProtocolType } : {}),
    ...(a.Description !== undefined ? { description: a.Description } : {}),
    ...(c
      ? {
          cors: {
            ...(c.AllowOrigins ? { allowOrigins: [...c.AllowOrigins] } : {}),
            ...(c.AllowMethods ? { allowMethods: [...c.AllowMethods] } : {}),
            ...(c.AllowHeaders ? { allowHeaders: [...c.AllowHeaders] } : {}),
            ...(c.ExposeHeaders ? { exposeHeaders: [...c.ExposeHeaders] } : {}),
            ...(c.AllowCredentials !== undefined ? { allowCredentials: c.AllowCredentials } : {}),
            ...(c.MaxAge !== undefined ? { maxAgeSeconds: c.MaxAge } : {}),
          },
        }
      : {}),
    tags: { ...(a.Tags ?? {}) },
    integrations,
  };
}

function toIntegration(i: Integration): LiveIntegration {
  return {
    id: i.IntegrationId ?? '',
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

function toRoute(r: Route): LiveRoute {
  return {
    id: r.RouteId ?? '',
    routeKey: r.RouteKey ?? '',
    ...(r.Target ? { target: r.Target } : {}),
    ...(r.AuthorizationType ? { authorizationType: r.AuthorizationType } : {}),
    ...(r.ApiGatewayManaged ? { managed: true } : {}),
  };
}

function toStage(s: Stage): LiveStage {
  const d = s.DefaultRouteSettings;
  const log = s.AccessLogSettings;
  return {
    name: s.StageName ?? '',
    ...(s.ApiGatewayManaged ? { managed: true } : {}),
    ...(s.AutoDeploy !== undefined ? { autoDeploy: s.AutoDeploy } : {}),
    ...(d?.ThrottlingRateLimit !== undefined ? { throttlingRateLimit: d.ThrottlingRateLimit } : {}),
    ...(d?.ThrottlingBurstLimit !== undefined ? { throttlingBurstLimit: d.ThrottlingBurstLimit } : {}),
    ...(d?.DetailedMetricsEnabled !== undefined ? { detailedMetricsEnabled: d.DetailedMetricsEnabled } : {}),
    ...(log && (log.DestinationArn || log.Format) ? { accessLog: { ...(log.DestinationArn ? { destinationArn: log.DestinationArn } : {}), ...(log.Format ? { format: log.Format } : {}) } } : {}),
    tags: { ...(s.Tags ?? {}) },
  };
}
