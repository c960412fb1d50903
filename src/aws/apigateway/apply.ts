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
  TagResourceCommand,
  UpdateApiCommand,
  UpdateIntegrationCommand,
  UpdateRouteCommand,
  UpdateStageCommand,
  type ApiGatewayV2Client,
  type Cors,
} from '@aws-sdk/client-apigatewayv2';
import { httpApiArn } from '../../model/arns.ts';
import type { DesiredStage } from '../../model/desired.ts';
import type { Tags } from '../../model/tags.ts';
import type { CorsSpec, IntegrationSpec } from '../../plan/types.ts';

/** The API Gateway v2 mutations routeyard makes; each returns the id it produced, if any. */
export class ApiGatewayApplier {
  private readonly apigw: ApiGatewayV2Client;
  private readonly region: () => Promise<string>;

  constructor(apigw: ApiGatewayV2Client, region: () => Promise<string>) {
    this.apigw = apigw;
    this.region = region;
  }

  async createApi(p: { name: string; description?: string; cors?: CorsSpec; tags: Tags }): Promise<string> {
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
    const out = await this.apigw.send(new CreateIntegrationCommand({ ApiId: apiId, ...integrationParams(spec) }));
    return out.IntegrationId ?? '';
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

  async createRoute(apiId: string, routeKey: string, integrationId: string): Promise<string> {
    const out = await this.apigw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: routeKey, Target: `integrations/${integrationId}` }));
    return out.RouteId ?? '';
  }

  async updateRoute(apiId: string, routeId: string, integrationId: string): Promise<void> {
    await this.apigw.send(new UpdateRouteCommand({ ApiId: apiId, RouteId: routeId, Target: `integrations/${integrationId}` }));
  }

  async deleteRoute(apiId: string, routeId: string): Promise<void> {
    await this.apigw.send(new DeleteRouteCommand({ ApiId: apiId, RouteId: routeId }));
  }

  async createStage(apiId: string, stage: DesiredStage): Promise<string> {
    const out = await this.apigw.send(new CreateStageCommand({ ApiId: apiId, ...stageParams(stage) }));
    return out.StageName ?? stage.name;
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
