import {
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  DeleteApiCommand,
  DeleteCorsConfigurationCommand,
  DeleteIntegrationCommand,
  DeleteRouteCommand,
  DeleteStageCommand,
  GetApisCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
  GetStageCommand,
  TagResourceCommand,
  UpdateApiCommand,
  UpdateIntegrationCommand,
  UpdateRouteCommand,
  UpdateStageCommand,
  type ApiGatewayV2Client,
  type Cors,
} from '@aws-sdk/client-apigatewayv2';
import { httpApiArn } from '../../model/arns.ts';
import { OWNER_TAG, SERVICE_TAG } from '../../model/tags.ts';
import { createOnce } from '../lost-answers.ts';
import type { DesiredStage } from '../../model/desired.ts';
import type { Tags } from '../../model/tags.ts';
import type { CorsSpec, IntegrationSpec } from '../../plan/types.ts';

/**
 * The API Gateway v2 mutations routeyard makes; each returns the id it produced, if any.
 * Creates have no idempotency token: when one's answer is lost, what it made is found again
 * (the API by name and tags, a child by its key) instead of being created twice.
 */
export class ApiGatewayApplier {
  private readonly apigw: ApiGatewayV2Client;
  private readonly region: () => Promise<string>;

  constructor(apigw: ApiGatewayV2Client, region: () => Promise<string>) {
    this.apigw = apigw;
    this.region = region;
  }

  async createApi(p: { name: string; description?: string; cors?: CorsSpec; tags: Tags }): Promise<string> {
    return createOnce('APIGateway.CreateApi', () => this.sendCreateApi(p), () => this.findApi(p.name, p.tags));
  }

  private async sendCreateApi(p: { name: string; description?: string; cors?: CorsSpec; tags: Tags }): Promise<string> {
    const out = await this.apigw.send(
      new CreateApiCommand({
        Name: p.name,
        ProtocolType: 'HTTP',
        ...(p.description !== undefined ? { Description: p.description } : {}),
        ...(p.cors ? { CorsConfiguration: toCors(p.cors) } : {}),
        Tags: p.tags,
      }),
    );
    return out.ApiId ?? '';
  }

  /** The API with this name and these ownership tags; the newest if a lost answer left two. */
  private async findApi(name: string, tags: Tags): Promise<string | undefined> {
    const found: { id: string; created: number }[] = [];
    let token: string | undefined;
    do {
      const page = await this.apigw.send(new GetApisCommand({ NextToken: token, MaxResults: '500' }));
      for (const a of page.Items ?? []) {
        if (a.Name === name && a.Tags?.[OWNER_TAG] === tags[OWNER_TAG] && a.Tags?.[SERVICE_TAG] === tags[SERVICE_TAG] && a.ApiId) {
          found.push({ id: a.ApiId, created: a.CreatedDate?.getTime() ?? 0 });
        }
      }
      token = page.NextToken;
    } while (token);
    return found.sort((x, y) => y.created - x.created)[0]?.id;
  }

  async updateApi(p: { apiId: string; name: string; description?: string; cors?: CorsSpec }): Promise<void> {
    await this.apigw.send(
      new UpdateApiCommand({
        ApiId: p.apiId,
        Name: p.name,
        ...(p.description !== undefined ? { Description: p.description } : {}),
        ...(p.cors ? { CorsConfiguration: toCors(p.cors) } : {}),
      }),
    );
  }

  async deleteCors(apiId: string): Promise<void> {
    await this.apigw.send(new DeleteCorsConfigurationCommand({ ApiId: apiId }));
  }

  async tagApi(apiId: string, tags: Tags): Promise<void> {
    await this.apigw.send(new TagResourceCommand({ ResourceArn: await this.apiArn(apiId), Tags: tags }));
  }

  async deleteApi(apiId: string): Promise<void> {
    await this.apigw.send(new DeleteApiCommand({ ApiId: apiId }));
  }

  async createIntegration(apiId: string, spec: IntegrationSpec): Promise<string> {
    return createOnce(
      'APIGateway.CreateIntegration',
      async () => (await this.apigw.send(new CreateIntegrationCommand({ ApiId: apiId, ...integrationParams(spec) }))).IntegrationId ?? '',
      async () => {
        // The planner creates an integration only on an API that has none, so one going to
        // the same listener through the same VPC link is the one the lost answer made.
        const items = (await this.apigw.send(new GetIntegrationsCommand({ ApiId: apiId, MaxResults: '500' }))).Items ?? [];
        return items.find((i) => i.IntegrationUri === spec.integrationUri && i.ConnectionId === spec.connectionId)?.IntegrationId;
      },
    );
  }

  /**
   * For HTTP APIs an update merges request parameters, and a key sent with an empty value
   * is removed; so stale keys (an `append:` mapping, say) are sent empty.
   */
  async updateIntegration(apiId: string, integrationId: string, spec: IntegrationSpec, removeParameters: string[]): Promise<void> {
    const params = integrationParams(spec);
    const requestParameters = { ...params.RequestParameters };
    // Never send two keys that differ only by case (header names are case-insensitive):
    // a removal that names a key being set is dropped; the set wins.
    const setting = new Set(Object.keys(requestParameters).map((k) => k.toLowerCase()));
    for (const key of removeParameters) if (!setting.has(key.toLowerCase())) requestParameters[key] = '';
    await this.apigw.send(new UpdateIntegrationCommand({ ApiId: apiId, IntegrationId: integrationId, ...params, RequestParameters: requestParameters }));
  }

  async deleteIntegration(apiId: string, integrationId: string): Promise<void> {
    await this.apigw.send(new DeleteIntegrationCommand({ ApiId: apiId, IntegrationId: integrationId }));
  }

  /** A route key is unique within an API: AWS refuses a second one (ConflictException). */
  async createRoute(apiId: string, routeKey: string, integrationId: string): Promise<string> {
    return createOnce(
      'APIGateway.CreateRoute',
      async () => (await this.apigw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: routeKey, Target: `integrations/${integrationId}` }))).RouteId ?? '',
      async () => ((await this.apigw.send(new GetRoutesCommand({ ApiId: apiId, MaxResults: '500' }))).Items ?? []).find((r) => r.RouteKey === routeKey)?.RouteId,
    );
  }

  async updateRoute(apiId: string, routeId: string, integrationId: string): Promise<void> {
    await this.apigw.send(new UpdateRouteCommand({ ApiId: apiId, RouteId: routeId, Target: `integrations/${integrationId}` }));
  }

  async deleteRoute(apiId: string, routeId: string): Promise<void> {
    await this.apigw.send(new DeleteRouteCommand({ ApiId: apiId, RouteId: routeId }));
  }

  async createStage(apiId: string, stage: DesiredStage): Promise<string> {
    return createOnce(
      'APIGateway.CreateStage',
      async () => (await this.apigw.send(new CreateStageCommand({ ApiId: apiId, ...stageParams(stage) }))).StageName ?? stage.name,
      async () => {
        try {
          return (await this.apigw.send(new GetStageCommand({ ApiId: apiId, StageName: stage.name }))).StageName;
        } catch (err) {
          if ((err as Error).name === 'NotFoundException') return undefined;
          throw err;
        }
      },
    );
  }

  async updateStage(apiId: string, stage: DesiredStage): Promise<void> {
    await this.apigw.send(new UpdateStageCommand({ ApiId: apiId, ...stageParams(stage) }));
  }

  async deleteStage(apiId: string, stageName: string): Promise<void> {
    await this.apigw.send(new DeleteStageCommand({ ApiId: apiId, StageName: stageName }));
  }

  /** The partition follows the Region (aws, aws-cn, aws-us-gov, ...): see model/arns.ts. */
  private async apiArn(apiId: string): Promise<string> {
    return httpApiArn(await this.region(), apiId);
  }
}

function toCors(c: CorsSpec): Cors {
  return {
    AllowOrigins: c.allowOrigins,
    AllowMethods: c.allowMethods,
    AllowHeaders: c.allowHeaders,
    ExposeHeaders: c.exposeHeaders,
    AllowCredentials: c.allowCredentials,
    ...(c.maxAgeSeconds !== undefined ? { MaxAge: c.maxAgeSeconds } : {}),
  };
}

function integrationParams(spec: IntegrationSpec) {
  return {
    IntegrationType: spec.integrationType,
    ConnectionType: spec.connectionType,
    ConnectionId: spec.connectionId,
    IntegrationUri: spec.integrationUri,
    IntegrationMethod: spec.integrationMethod,
    PayloadFormatVersion: spec.payloadFormatVersion,
    RequestParameters: { ...spec.requestParameters },
  };
}

function stageParams(stage: DesiredStage) {
  return {
    StageName: stage.name,
    AutoDeploy: stage.autoDeploy,
    DefaultRouteSettings: {
      DetailedMetricsEnabled: stage.detailedMetrics,
      ...(stage.throttling ? { ThrottlingRateLimit: stage.throttling.rateLimit, ThrottlingBurstLimit: stage.throttling.burstLimit } : {}),
    },
    ...(stage.accessLog ? { AccessLogSettings: { DestinationArn: stage.accessLog.destinationArn, Format: stage.accessLog.format } } : {}),
  };
}
