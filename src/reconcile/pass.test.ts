import { ApiGatewayV2Client, GetApisCommand, GetDomainNamesCommand, GetIntegrationsCommand, GetRoutesCommand, GetStagesCommand, UpdateStageCommand } from '@aws-sdk/client-apigatewayv2';
import { DescribeListenersCommand, DescribeRulesCommand, DescribeTagsCommand, DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListCertificatesCommand } from '@aws-sdk/client-acm';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAwsClients } from '../aws/clients.ts';
import { silentLogger } from '../log.ts';
import { targetGroupName } from '../model/names.ts';
import { wireDependencies } from '../run/wire.ts';
import { DEFAULT_GUARDS } from './guards.ts';
import { runPass } from './pass.ts';

const LISTENER = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shared/1/2';

/**
 * A whole pass with the SDK clients mocked by aws-sdk-client-mock, for the path moto
 * cannot run: a stage whose throttling drifted is repaired with UpdateStage.
 */
describe('a pass with stage drift (aws-sdk-client-mock: moto lacks UpdateStage)', () => {
  it('plans UpdateStage under --dry-run, and sends it under --reconcile-once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routeyard-unit-'));
    const path = join(dir, 'doc.json');
    writeFileSync(
      path,
      JSON.stringify({
        apiVersion: 'routeyard/v1',
        kind: 'RouteSet',
        metadata: { name: 'acmecorp-qa' },
        spec: {
          shared: { listenerArn: LISTENER, vpcLinkId: 'vl-1', vpcId: 'vpc-1' },
          services: [
            {
              name: 'fastapi-app',
              headerValue: 'fastapi-app',
              priority: 2,
              targetGroup: { port: 8000, protocol: 'HTTP', targetType: 'ip' },
              api: { stage: { throttling: { rateLimit: 10000, burstLimit: 5000 }, detailedMetrics: true } },
            },
          ],
        },
      }),
    );
    const clients = createAwsClients({ apiGatewayRps: 1000 });
    for (const c of [clients.elbv2, clients.apigateway, clients.acm]) Object.assign(c.config, { region: async () => 'eu-west-1', credentials: async () => ({ accessKeyId: 'x', secretAccessKey: 'x' }) });
    const elb = mockClient(clients.elbv2);
    const gw = mockClient(clients.apigateway as ApiGatewayV2Client);
    // Certificates are listed whenever the document has an api block (one routeyard requested may outlive its domain).
    mockClient(clients.acm).on(ListCertificatesCommand).resolves({ CertificateSummaryList: [] });
    const tgName = targetGroupName('acmecorp-qa', 'fastapi-app', { port: 8000, protocol: 'HTTP', targetType: 'ip', vpcId: 'vpc-1' });
    const tags = [{ Key: 'routeyard:owner', Value: 'acmecorp-qa' }, { Key: 'routeyard:service', Value: 'fastapi-app' }];
    elb.on(DescribeListenersCommand).resolves({ Listeners: [{ ListenerArn: LISTENER, DefaultActions: [{ Type: 'fixed-response' }] }] });
    elb.on(DescribeRulesCommand).resolves({
      Rules: [
        { RuleArn: 'arn:rule/1', Priority: '2', Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Target-Service', Values: ['fastapi-app'] } }], Actions: [{ Type: 'forward', TargetGroupArn: 'arn:tg/1' }] },
        { RuleArn: 'arn:rule/default', Priority: 'default', IsDefault: true },
      ],
    });
    elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupArn: 'arn:tg/1', TargetGroupName: tgName, Port: 8000, Protocol: 'HTTP', TargetType: 'ip', VpcId: 'vpc-1' }] });
    elb.on(DescribeTagsCommand).callsFake((input: { ResourceArns: string[] }) => ({ TagDescriptions: input.ResourceArns.map((ResourceArn) => ({ ResourceArn, Tags: tags })) }));
    gw.on(GetApisCommand).resolves({ Items: [{ ApiId: 'api1', Name: 'fastapi-app-http-api', ProtocolType: 'HTTP', RouteSelectionExpression: '$request.method $request.path', Tags: { 'routeyard:owner': 'acmecorp-qa', 'routeyard:service': 'fastapi-app' } }] });
    gw.on(GetIntegrationsCommand).resolves({
      Items: [
        {
          IntegrationId: 'int1',
          IntegrationType: 'HTTP_PROXY',
          ConnectionType: 'VPC_LINK',
          ConnectionId: 'vl-1',
          IntegrationUri: LISTENER,
          IntegrationMethod: 'ANY',
          PayloadFormatVersion: '1.0',
          RequestParameters: { 'overwrite:header.X-Target-Service': 'fastapi-app' },
        },
      ],
    });
    gw.on(GetRoutesCommand).resolves({ Items: [{ RouteId: 'r1', RouteKey: '$default', Target: 'integrations/int1' }] });
    gw.on(GetStagesCommand).resolves({
      Items: [{ StageName: '$default', AutoDeploy: true, DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 5000, DetailedMetricsEnabled: true } }],
    });
    gw.on(UpdateStageCommand).resolves({});
    gw.on(GetDomainNamesCommand).resolves({ Items: [] });

    const deps = wireDependencies(silentLogger(), {}, clients);
    const dry = await runPass({ sourceUri: `file:${path}`, mode: 'dry-run', guards: DEFAULT_GUARDS }, deps);
    expect(dry.outcome).toBe('DriftFound');
    expect(dry.actions).toEqual([
      expect.objectContaining({ op: 'update', kind: 'stage', reason: 'throttling differs from the document', diffs: [{ path: 'stage.throttling.rateLimit', desired: 10000, live: 50 }] }),
    ]);
    expect(gw.commandCalls(UpdateStageCommand)).toHaveLength(0);

    const run = await runPass({ sourceUri: `file:${path}`, mode: 'reconcile', guards: DEFAULT_GUARDS }, deps);
    expect(run.outcome).toBe('Converged');
    expect(gw.commandCalls(UpdateStageCommand)[0]!.args[0].input).toMatchObject({ ApiId: 'api1', StageName: '$default', DefaultRouteSettings: { ThrottlingRateLimit: 10000 } });
  });
});
