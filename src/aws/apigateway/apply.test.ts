import { ApiGatewayV2Client, CreateApiCommand, CreateIntegrationCommand, CreateRouteCommand, CreateStageCommand, GetApisCommand, GetIntegrationsCommand, GetRoutesCommand, GetStageCommand, TagResourceCommand, UpdateIntegrationCommand, UpdateStageCommand } from '@aws-sdk/client-apigatewayv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiGatewayApplier } from './apply.ts';
import { OutcomeUnknownError } from '../lost-answers.ts';

// aws-sdk-client-mock: these paths cannot run against moto (no UpdateStage there), or
// check the exact request shape AWS needs.
const client = new ApiGatewayV2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const mock = mockClient(client);
const applier = new ApiGatewayApplier(client, async () => 'eu-west-1');
const SPEC = {
  integrationType: 'HTTP_PROXY' as const,
  connectionType: 'VPC_LINK' as const,
  connectionId: 'vl-1',
  integrationUri: 'arn:listener',
  integrationMethod: 'ANY' as const,
  payloadFormatVersion: '1.0',
  requestParameters: { 'overwrite:header.X-Target-Service': 'a' },
};

describe('ApiGatewayApplier (aws-sdk-client-mock)', () => {
  beforeEach(() => mock.reset());

  it('updateStage sends throttling, detailed metrics, auto-deploy and access logs (moto lacks UpdateStage)', async () => {
    mock.on(UpdateStageCommand).resolves({});
    await applier.updateStage('api1', {
      name: '$default',
      autoDeploy: true,
      throttling: { rateLimit: 10000, burstLimit: 5000 },
      detailedMetrics: true,
      accessLog: { destinationArn: 'arn:aws:logs:eu-west-1:123456789012:log-group:x', format: '{"id":"$context.requestId"}' },
    });
    expect(mock.commandCalls(UpdateStageCommand)[0]!.args[0].input).toEqual({
      ApiId: 'api1',
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { DetailedMetricsEnabled: true, ThrottlingRateLimit: 10000, ThrottlingBurstLimit: 5000 },
      AccessLogSettings: { DestinationArn: 'arn:aws:logs:eu-west-1:123456789012:log-group:x', Format: '{"id":"$context.requestId"}' },
    });
  });

  it('updateIntegration removes stale request parameters by sending them empty', async () => {
    mock.on(UpdateIntegrationCommand).resolves({});
    await applier.updateIntegration(
      'api1',
      'int1',
      SPEC,
      ['append:header.X-Target-Service'],
    );
    expect(mock.commandCalls(UpdateIntegrationCommand)[0]!.args[0].input.RequestParameters).toEqual({
      'overwrite:header.X-Target-Service': 'a',
      'append:header.X-Target-Service': '',
    });
  });

  it('tagApi tags the API by its ARN', async () => {
    mock.on(TagResourceCommand).resolves({});
    await applier.tagApi('abc123', { 'routeyard:owner': 'o' });
    expect(mock.commandCalls(TagResourceCommand)[0]!.args[0].input).toEqual({ ResourceArn: 'arn:aws:apigateway:eu-west-1::/apis/abc123', Tags: { 'routeyard:owner': 'o' } });
  });

  it('updateIntegration never sends two request parameter keys that differ only by case (a headerName case change)', async () => {
    mock.on(UpdateIntegrationCommand).resolves({});
    await applier.updateIntegration(
      'api1',
      'int1',
      SPEC,
      ['overwrite:header.x-target-service'],
    );
    const keys = Object.keys(mock.commandCalls(UpdateIntegrationCommand)[0]!.args[0].input.RequestParameters ?? {});
    expect(new Set(keys.map((k) => k.toLowerCase())).size).toBe(keys.length);
    expect(keys).toEqual(['overwrite:header.X-Target-Service']);
  });

  it('builds the API ARN in the Region\'s partition (aws-cn, aws-us-gov), as IAM and TagResource require', async () => {
    mock.on(TagResourceCommand).resolves({});
    await new ApiGatewayApplier(client, async () => 'cn-north-1').tagApi('abc', { k: 'v' });
    await new ApiGatewayApplier(client, async () => 'us-gov-west-1').tagApi('def', { k: 'v' });
    expect(mock.commandCalls(TagResourceCommand).map((c) => c.args[0].input.ResourceArn)).toEqual([
      'arn:aws-cn:apigateway:cn-north-1::/apis/abc',
      'arn:aws-us-gov:apigateway:us-gov-west-1::/apis/def',
    ]);
  });
});

describe('ApiGatewayApplier after a lost answer (aws-sdk-client-mock: the create fails as the client middleware reports it)', () => {
  beforeEach(() => mock.reset());
  const lost = (op: string) => new OutcomeUnknownError(op, Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
  const TAGS = { 'routeyard:owner': 'platform', 'routeyard:service': 'py' };

  it('createApi finds the API the lost answer made, by name and ownership tags, and never sends CreateApi again', async () => {
    mock.on(CreateApiCommand).rejects(lost('APIGateway.CreateApi'));
    mock.on(GetApisCommand).resolves({
      Items: [
        { ApiId: 'foreign', Name: 'py', ProtocolType: 'HTTP', RouteSelectionExpression: '', Tags: { 'routeyard:owner': 'other', 'routeyard:service': 'py' } },
        { ApiId: 'made', Name: 'py', ProtocolType: 'HTTP', RouteSelectionExpression: '', Tags: TAGS, CreatedDate: new Date() },
      ],
    });
    await expect(applier.createApi({ name: 'py', tags: TAGS })).resolves.toBe('made');
    expect(mock.commandCalls(CreateApiCommand)).toHaveLength(1);
  });

  it('createApi with nothing found fails as OutcomeUnknown, still without a second CreateApi', async () => {
    mock.on(CreateApiCommand).rejects(lost('APIGateway.CreateApi'));
    mock.on(GetApisCommand).resolves({ Items: [] });
    await expect(applier.createApi({ name: 'py', tags: TAGS })).rejects.toThrow(/re-read found nothing/);
    expect(mock.commandCalls(CreateApiCommand)).toHaveLength(1);
  });

  it('children are found by what makes them unique: the integration by listener and VPC link, the route by key, the stage by name', async () => {
    mock.on(CreateIntegrationCommand).rejects(lost('APIGateway.CreateIntegration'));
    mock.on(GetIntegrationsCommand).resolves({ Items: [{ IntegrationId: 'other', IntegrationUri: 'arn:elsewhere', ConnectionId: 'vl-1', IntegrationType: 'HTTP_PROXY' }, { IntegrationId: 'i1', IntegrationUri: 'arn:listener', ConnectionId: 'vl-1', IntegrationType: 'HTTP_PROXY' }] });
    await expect(applier.createIntegration('api1', SPEC)).resolves.toBe('i1');
    mock.on(CreateRouteCommand).rejects(lost('APIGateway.CreateRoute'));
    mock.on(GetRoutesCommand).resolves({ Items: [{ RouteId: 'r1', RouteKey: '$default' }] });
    await expect(applier.createRoute('api1', '$default', 'i1')).resolves.toBe('r1');
    mock.on(CreateStageCommand).rejects(lost('APIGateway.CreateStage'));
    mock.on(GetStageCommand).resolves({ StageName: '$default' });
    await expect(applier.createStage('api1', { name: '$default', autoDeploy: true, detailedMetrics: false })).resolves.toBe('$default');
    expect(mock.commandCalls(CreateIntegrationCommand)).toHaveLength(1);
    expect(mock.commandCalls(CreateRouteCommand)).toHaveLength(1);
    expect(mock.commandCalls(CreateStageCommand)).toHaveLength(1);
  });

  it('any other error is not a lost answer: no re-read', async () => {
    mock.on(CreateApiCommand).rejects(Object.assign(new Error('bad'), { name: 'BadRequestException' }));
    await expect(applier.createApi({ name: 'py', tags: TAGS })).rejects.toThrow('bad');
    expect(mock.commandCalls(GetApisCommand)).toHaveLength(0);
  });
});
