import { ApiGatewayV2Client, CreateDomainNameCommand, UpdateApiMappingCommand, UpdateDomainNameCommand } from '@aws-sdk/client-apigatewayv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DomainPacer } from './domain-pacer.ts';
import { DomainApplier } from './domains.ts';

// aws-sdk-client-mock: moto 5.2.5 has no UpdateDomainName and no UpdateApiMapping.
const client = new ApiGatewayV2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const mock = mockClient(client);
const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

describe('DomainApplier (aws-sdk-client-mock)', () => {
  beforeEach(() => mock.reset());

  it('creates a REGIONAL domain with TLS_1_2 and the certificate, tagged', async () => {
    mock.on(CreateDomainNameCommand).resolves({});
    await new DomainApplier(client).createDomainName('qa.api.py.acmecorp.com', CERT, { 'routeyard:owner': 'o' });
    expect(mock.commandCalls(CreateDomainNameCommand)[0]!.args[0].input).toEqual({
      DomainName: 'qa.api.py.acmecorp.com',
      DomainNameConfigurations: [{ CertificateArn: CERT, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2', IpAddressType: 'ipv4' }],
      RoutingMode: 'API_MAPPING_ONLY',
      Tags: { 'routeyard:owner': 'o' },
    });
  });

  it('updates a domain back to its certificate and TLS_1_2 (moto lacks UpdateDomainName)', async () => {
    mock.on(UpdateDomainNameCommand).resolves({});
    await new DomainApplier(client).updateDomainName('qa.api.py.acmecorp.com', CERT, 'dualstack');
    expect(mock.commandCalls(UpdateDomainNameCommand)[0]!.args[0].input).toEqual({
      DomainName: 'qa.api.py.acmecorp.com',
      DomainNameConfigurations: [{ CertificateArn: CERT, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2', IpAddressType: 'dualstack' }],
      RoutingMode: 'API_MAPPING_ONLY',
    });
  });

  it('points a mapping back at the service API\'s $default stage (moto lacks UpdateApiMapping)', async () => {
    mock.on(UpdateApiMappingCommand).resolves({});
    await new DomainApplier(client).updateApiMapping('qa.api.py.acmecorp.com', 'm1', 'api1', '');
    expect(mock.commandCalls(UpdateApiMappingCommand)[0]!.args[0].input).toEqual({ DomainName: 'qa.api.py.acmecorp.com', ApiMappingId: 'm1', ApiId: 'api1', Stage: '$default', ApiMappingKey: '' });
  });
});

describe('DomainPacer (API Gateway: one CreateDomainName, UpdateDomainName, DeleteDomainName per 30 s per account)', () => {
  it('allows one call per operation per interval, each operation on its own', () => {
    let now = 0;
    const p = new DomainPacer(30_000, () => now);
    expect(p.available('create')).toBe(true);
    p.used('create');
    expect(p.available('create')).toBe(false);
    expect(p.available('delete')).toBe(true);
    now = 29_999;
    expect(p.waitMs('create')).toBe(1);
    now = 30_000;
    expect(p.available('create')).toBe(true);
    expect(new DomainPacer(0).unpaced).toBe(true);
  });
});

describe('GetApiMappings pages (API Gateway v2 reference: MaxResults and NextToken)', () => {
  it('every page of a domain\'s mappings is read', async () => {
    const { GetDomainNamesCommand, GetApiMappingsCommand } = await import('@aws-sdk/client-apigatewayv2');
    const { observeCustomDomains } = await import('./domains.ts');
    mock.reset();
    mock.on(GetDomainNamesCommand).resolves({ Items: [{ DomainName: 'qa.api.py.acmecorp.com', Tags: { 'routeyard:owner': 'o', 'routeyard:service': 's' } }] });
    mock
      .on(GetApiMappingsCommand)
      .resolvesOnce({ Items: [{ ApiMappingId: 'm1', ApiId: 'a1', Stage: '$default', ApiMappingKey: '' }], NextToken: 't2' })
      .resolvesOnce({ Items: [{ ApiMappingId: 'm2', ApiId: 'a2', Stage: '$default', ApiMappingKey: 'v2' }] });
    const { domains } = await observeCustomDomains(client, 'o', new Set(['qa.api.py.acmecorp.com']));
    expect(domains[0]!.mappings).toEqual({ readable: true, items: [expect.objectContaining({ id: 'm1' }), expect.objectContaining({ id: 'm2', key: 'v2' })] });
    expect(mock.commandCalls(GetApiMappingsCommand)[1]!.args[0].input).toMatchObject({ NextToken: 't2' });
  });
});
