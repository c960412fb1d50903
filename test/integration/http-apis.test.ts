import {
  ApiGatewayV2Client,
  CreateApiCommand,
  DeleteRouteCommand,
  DeleteStageCommand,
  GetApisCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
  GetStagesCommand,
  UpdateApiCommand,
  UpdateIntegrationCommand,
} from '@aws-sdk/client-apigatewayv2';
import { DescribeRulesCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SharedPlatform } from '../support/bootstrap.ts';
import { allDiffs, dryRun, exampleDoc, freshEmulator, reconcile, service, type Doc } from '../support/harness.ts';

const apigw = () => new ApiGatewayV2Client({});
const elbv2 = () => new ElasticLoadBalancingV2Client({});

async function apis() {
  return (await apigw().send(new GetApisCommand({}))).Items ?? [];
}

async function apiFor(svc: string) {
  const api = (await apis()).find((a) => a.Tags?.['routeyard:service'] === svc);
  if (!api) throw new Error(`no API for ${svc}`);
  const integrations = (await apigw().send(new GetIntegrationsCommand({ ApiId: api.ApiId! }))).Items ?? [];
  const routes = (await apigw().send(new GetRoutesCommand({ ApiId: api.ApiId! }))).Items ?? [];
  const stages = (await apigw().send(new GetStagesCommand({ ApiId: api.ApiId! }))).Items ?? [];
  return { api, integration: integrations[0]!, integrations, routes, stages };
}

let platform: SharedPlatform;
let doc: Doc;

describe('HTTP API path against moto', () => {
  beforeEach(async () => {
    platform = await freshEmulator();
    doc = exampleDoc();
  });

  it('converges the five example services from empty; the next pass makes zero mutating calls', async () => {
    const first = await reconcile(doc);
    expect(first.exitCode).toBe(0);
    expect(first.report.summary).toMatchObject({ services: 5, missing: 5, failed: 0 });
    const { api, integration, routes, stages } = await apiFor('fastapi-app');
    expect(api.Name).toBe('fastapi-app-http-api');
    expect(api.ProtocolType).toBe('HTTP');
    expect(api.CorsConfiguration).toMatchObject({ AllowOrigins: ['https://app.acmecorp.com'], AllowCredentials: true, MaxAge: 86400 });
    expect(integration).toMatchObject({
      IntegrationType: 'HTTP_PROXY',
      ConnectionType: 'VPC_LINK',
      ConnectionId: platform.vpcLinkId,
      IntegrationUri: platform.listenerArn,
      IntegrationMethod: 'ANY',
      PayloadFormatVersion: '1.0',
      RequestParameters: { 'overwrite:header.X-Target-Service': 'fastapi-app' },
    });
    expect(routes.map((r) => [r.RouteKey, r.Target])).toEqual([['$default', `integrations/${integration.IntegrationId}`]]);
    expect(stages[0]).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 10000, ThrottlingBurstLimit: 5000, DetailedMetricsEnabled: true },
    });
    expect(stages[0]!.AccessLogSettings?.DestinationArn).toContain('log-group:/acmecorp/apigw/fastapi-app');

    const second = await reconcile(doc);
    expect(second.report.outcome).toBe('InSync');
    expect(second.report.stats.awsCalls.mutating).toBe(0);
    // GetApis, then GetIntegrations, GetRoutes and GetStages per API (15), and one
    // GetDomainNames that would find a custom domain routeyard owns and the document dropped.
    expect(second.report.stats.awsCalls.byService.APIGateway).toBe(17);
    expect(second.report.stats.awsCalls.byOperation['APIGateway.GetDomainNames']).toBe(1);
  });

  it('reports each out-of-band change under --dry-run and repairs it', async () => {
    await reconcile(doc);
    const fa = await apiFor('fastapi-app');
    const lb = await apiFor('loopback-app');
    const zp = await apiFor('zeropoint-app');
    const pre = await apiFor('fastapi-prerelease');
    const gantt = await apiFor('gantt-autoscheduler-qa');
    // fastapi-app: the header parameter removed (an empty value removes a mapping)
    await apigw().send(new UpdateIntegrationCommand({ ApiId: fa.api.ApiId!, IntegrationId: fa.integration.IntegrationId!, RequestParameters: { 'overwrite:header.X-Target-Service': '' } }));
    // loopback-app: overwrite: switched to append:
    await apigw().send(new UpdateIntegrationCommand({ ApiId: lb.api.ApiId!, IntegrationId: lb.integration.IntegrationId!, RequestParameters: { 'append:header.X-Target-Service': 'loopback-app' } }));
    // zeropoint-app: its route deleted; and the integration pointed at another connection id
    await apigw().send(new DeleteRouteCommand({ ApiId: zp.api.ApiId!, RouteId: zp.routes[0]!.RouteId! }));
    await apigw().send(new UpdateIntegrationCommand({ ApiId: zp.api.ApiId!, IntegrationId: zp.integration.IntegrationId!, ConnectionId: 'rogue-link' }));
    // fastapi-prerelease: the stage deleted
    await apigw().send(new DeleteStageCommand({ ApiId: pre.api.ApiId!, StageName: '$default' }));
    // gantt: CORS origins widened
    await apigw().send(new UpdateApiCommand({ ApiId: gantt.api.ApiId!, CorsConfiguration: { ...gantt.api.CorsConfiguration, AllowOrigins: ['https://app.acmecorp.com', '*'] } }));

    const dry = await dryRun(doc);
    expect(dry.exitCode).toBe(2);
    expect(dry.report.stats.awsCalls.mutating).toBe(0);
    const header = 'integration.requestParameters["overwrite:header.X-Target-Service"]';
    expect(allDiffs(dry.report, 'fastapi-app')).toContainEqual({ path: header, desired: 'fastapi-app', live: null });
    expect(allDiffs(dry.report, 'loopback-app')).toEqual(
      expect.arrayContaining([
        { path: header, desired: 'loopback-app', live: null },
        { path: 'integration.requestParameters["append:header.X-Target-Service"]', desired: null, live: 'loopback-app' },
      ]),
    );
    const appendAction = dry.report.actions.find((a) => a.service === 'loopback-app' && a.kind === 'integration');
    expect(appendAction?.reason).toContain('appended, not overwritten');
    expect(allDiffs(dry.report, 'zeropoint-app')).toEqual(
      expect.arrayContaining([
        { path: 'route[$default]', desired: `integrations/${zp.integration.IntegrationId}`, live: null },
        { path: 'integration.connectionId', desired: platform.vpcLinkId, live: 'rogue-link' },
      ]),
    );
    expect(service(dry.report, 'fastapi-prerelease').resources.find((r) => r.kind === 'stage')?.status).toBe('Missing');
    expect(allDiffs(dry.report, 'gantt-autoscheduler-qa')).toContainEqual({
      path: 'httpApi.cors.allowOrigins',
      desired: ['https://app.acmecorp.com'],
      live: ['https://app.acmecorp.com', '*'],
    });
    expect(dry.report.actions.find((a) => a.service === 'gantt-autoscheduler-qa')?.reason).toContain('wider than declared');

    const fix = await reconcile(doc);
    expect(fix.exitCode).toBe(0);
    expect(fix.report.summary.failed).toBe(0);
    expect((await apiFor('fastapi-app')).integration.RequestParameters).toEqual({ 'overwrite:header.X-Target-Service': 'fastapi-app' });
    expect((await apiFor('loopback-app')).integration.RequestParameters).toEqual({ 'overwrite:header.X-Target-Service': 'loopback-app' });
    expect((await apiFor('zeropoint-app')).integration.ConnectionId).toBe(platform.vpcLinkId);
    expect((await apiFor('zeropoint-app')).routes).toHaveLength(1);
    expect((await apiFor('fastapi-prerelease')).stages.map((s) => s.StageName)).toEqual(['$default']);
    expect((await apiFor('gantt-autoscheduler-qa')).api.CorsConfiguration?.AllowOrigins).toEqual(['https://app.acmecorp.com']);

    const after = await reconcile(doc);
    expect(after.report.outcome).toBe('InSync');
    expect(after.report.stats.awsCalls.mutating).toBe(0);
  });

  it('an integration that bypasses the VPC link or points at another listener is drift with a security reason', async () => {
    await reconcile(doc);
    const fa = await apiFor('fastapi-app');
    await apigw().send(
      new UpdateIntegrationCommand({
        ApiId: fa.api.ApiId!,
        IntegrationId: fa.integration.IntegrationId!,
        ConnectionType: 'INTERNET',
        IntegrationUri: 'https://backend.example.com',
      }),
    );
    const dry = await dryRun(doc);
    const action = dry.report.actions.find((a) => a.service === 'fastapi-app' && a.kind === 'integration')!;
    expect(action.reason).toContain('bypasses the VPC link');
    expect(action.reason).toContain('another listener');
    expect(action.diffs).toContainEqual({ path: 'integration.connectionType', desired: 'VPC_LINK', live: 'INTERNET' });
    await reconcile(doc);
    expect((await apiFor('fastapi-app')).integration).toMatchObject({ ConnectionType: 'VPC_LINK', IntegrationUri: platform.listenerArn });
  });

  it('an HTTP API routeyard does not own, even with a wanted name, survives every pass; adopt: true takes it over', async () => {
    const squatter = await apigw().send(new CreateApiCommand({ Name: 'fastapi-app-http-api', ProtocolType: 'HTTP', Tags: { team: 'payments' } }));
    const bystander = await apigw().send(new CreateApiCommand({ Name: 'somebody-elses-api', ProtocolType: 'HTTP' }));
    const first = await reconcile(doc);
    expect(first.exitCode).toBe(1);
    expect(service(first.report, 'fastapi-app').status).toBe('Conflict');
    expect(service(first.report, 'fastapi-app').resources.find((r) => r.kind === 'httpApi')?.message).toContain('adopt: true');
    // The rest of the service (rule, target group) and the other services still converge.
    expect(service(first.report, 'loopback-app').status).toBe('Missing');
    const again = await reconcile(doc);
    expect(again.exitCode).toBe(1);
    expect(again.report.stats.awsCalls.mutating).toBe(0);
    const live = await apis();
    expect(live.find((a) => a.ApiId === squatter.ApiId)?.Tags).toEqual({ team: 'payments' });
    expect(live.find((a) => a.ApiId === bystander.ApiId)).toBeDefined();

    doc.spec.services[0].adopt = true;
    const adopted = await reconcile(doc);
    expect(adopted.exitCode).toBe(0);
    expect(adopted.report.actions.find((a) => a.service === 'fastapi-app' && a.kind === 'httpApi')?.reason).toContain('adopted');
    const taken = await apiFor('fastapi-app');
    expect(taken.api.ApiId).toBe(squatter.ApiId);
    expect(taken.api.Tags).toMatchObject({ team: 'payments', 'routeyard:owner': 'acmecorp-qa', 'routeyard:service': 'fastapi-app' });
    expect(taken.integration.RequestParameters).toEqual({ 'overwrite:header.X-Target-Service': 'fastapi-app' });
    expect((await reconcile(doc)).report.stats.awsCalls.mutating).toBe(0);
    expect((await apis()).find((a) => a.ApiId === bystander.ApiId)?.Name).toBe('somebody-elses-api');
  });

  it('an API owned by another RouteSet is never adopted', async () => {
    await apigw().send(new CreateApiCommand({ Name: 'fastapi-app-http-api', ProtocolType: 'HTTP', Tags: { 'routeyard:owner': 'other-team', 'routeyard:service': 'fastapi-app' } }));
    doc.spec.services[0].adopt = true;
    const res = await reconcile(doc);
    expect(res.exitCode).toBe(1);
    expect(service(res.report, 'fastapi-app').resources.find((r) => r.kind === 'httpApi')?.message).toContain('belongs to RouteSet "other-team"');
  });

  it('removing a service deletes exactly its rule, target group, API and children, in order', async () => {
    const bystander = await apigw().send(new CreateApiCommand({ Name: 'not-ours', ProtocolType: 'HTTP' }));
    await reconcile(doc);
    const apiCount = (await apis()).length;
    const tgCount = (await elbv2().send(new DescribeTargetGroupsCommand({}))).TargetGroups!.length;
    const ruleCount = (await elbv2().send(new DescribeRulesCommand({ ListenerArn: platform.listenerArn }))).Rules!.length;
    const gone = await apiFor('zeropoint-app');

    doc.spec.services = doc.spec.services.filter((s: { name: string }) => s.name !== 'zeropoint-app');
    const res = await reconcile(doc);
    expect(res.exitCode).toBe(0);
    expect(res.report.actions.map((a) => `${a.op} ${a.kind} ${a.service}`)).toEqual([
      'delete route zeropoint-app',
      'delete integration zeropoint-app',
      'delete stage zeropoint-app',
      'delete httpApi zeropoint-app',
      'delete listenerRule zeropoint-app',
      'delete targetGroup zeropoint-app',
    ]);
    const after = await apis();
    expect(after).toHaveLength(apiCount - 1);
    expect(after.find((a) => a.ApiId === gone.api.ApiId)).toBeUndefined();
    expect(after.find((a) => a.ApiId === bystander.ApiId)).toBeDefined();
    expect((await elbv2().send(new DescribeTargetGroupsCommand({}))).TargetGroups!).toHaveLength(tgCount - 1);
    expect((await elbv2().send(new DescribeRulesCommand({ ListenerArn: platform.listenerArn }))).Rules!).toHaveLength(ruleCount - 1);
    expect((await reconcile(doc)).report.stats.awsCalls.mutating).toBe(0);
  });

  it('a service without an api block is internal-only: rule and target group, no API; dropping the block removes the API', async () => {
    delete doc.spec.services[4].api;
    await reconcile(doc);
    expect((await apis()).some((a) => a.Tags?.['routeyard:service'] === 'gantt-autoscheduler-qa')).toBe(false);
    delete doc.spec.services[3].api;
    const res = await reconcile(doc);
    expect(res.exitCode).toBe(0);
    expect(res.report.actions.filter((a) => a.service === 'fastapi-prerelease').map((a) => `${a.op} ${a.kind}`)).toEqual([
      'delete route',
      'delete integration',
      'delete stage',
      'delete httpApi',
    ]);
    expect((await apis()).some((a) => a.Tags?.['routeyard:service'] === 'fastapi-prerelease')).toBe(false);
  });
});
