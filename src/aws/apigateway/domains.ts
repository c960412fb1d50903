import {
  CreateApiMappingCommand,
  CreateDomainNameCommand,
  DeleteApiMappingCommand,
  DeleteDomainNameCommand,
  GetApiMappingsCommand,
  GetDomainNamesCommand,
  UpdateApiMappingCommand,
  UpdateDomainNameCommand,
  type ApiGatewayV2Client,
  type DomainName,
} from '@aws-sdk/client-apigatewayv2';
import type { ObservedCustomDomain } from '../../model/observed.ts';
import { isOwnedBy, type Tags } from '../../model/tags.ts';

/**
 * Custom domain names (GetDomainNames returns tags inline) and, for those routeyard owns or
 * wants, their API mappings. All domains are counted: the 120-per-account quota counts
 * everyone's.
 */
export async function observeCustomDomains(apigw: ApiGatewayV2Client, owner: string, wantedNames: ReadonlySet<string>): Promise<{ domains: ObservedCustomDomain[]; count: number }> {
  const all: DomainName[] = [];
  let token: string | undefined;
  do {
    const page = await apigw.send(new GetDomainNamesCommand({ NextToken: token, MaxResults: '500' }));
    all.push(...(page.Items ?? []));
    token = page.NextToken;
  } while (token);
  const relevant = all.filter((d) => isOwnedBy(d.Tags, owner) || wantedNames.has((d.DomainName ?? '').toLowerCase()));
  const domains = await Promise.all(
    relevant.map(async (d): Promise<ObservedCustomDomain> => {
      const c = d.DomainNameConfigurations?.[0];
      let mappings: ObservedCustomDomain['mappings'];
      try {
        const items = (await apigw.send(new GetApiMappingsCommand({ DomainName: d.DomainName!, MaxResults: '500' }))).Items ?? [];
        mappings = { readable: true, items: items.map((m) => ({ id: m.ApiMappingId!, apiId: m.ApiId ?? '', stage: m.Stage ?? '', key: m.ApiMappingKey ?? '' })) };
      } catch (err) {
        mappings = { readable: false, error: `${(err as Error).name}: ${(err as Error).message}` };
      }
      return {
        name: (d.DomainName ?? '').toLowerCase(),
        ...(c?.CertificateArn ? { certificateArn: c.CertificateArn } : {}),
        ...(c?.SecurityPolicy ? { securityPolicy: c.SecurityPolicy } : {}),
        ...(c?.EndpointType ? { endpointType: c.EndpointType } : {}),
        ...(c?.ApiGatewayDomainName && c.HostedZoneId ? { target: { dnsName: c.ApiGatewayDomainName.toLowerCase().replace(/\.$/, ''), hostedZoneId: c.HostedZoneId } } : {}),
        ...(c?.DomainNameStatus ? { status: c.DomainNameStatus } : {}),
        tags: { ...(d.Tags ?? {}) },
        mappings,
      };
    }),
  );
  return { domains, count: all.length };
}

/** The custom-domain mutations. CreateDomainName and DeleteDomainName are paced by the planner's slots (one per 30 s per account). */
export class DomainApplier {
  private readonly apigw: ApiGatewayV2Client;

  constructor(apigw: ApiGatewayV2Client) {
    this.apigw = apigw;
  }

  /** A REGIONAL domain with TLS 1.2. AWS refuses a certificate that is not ISSUED; the planner never asks. */
  async createDomainName(name: string, certificateArn: string, tags: Tags): Promise<string> {
    await this.apigw.send(
      new CreateDomainNameCommand({
        DomainName: name,
        DomainNameConfigurations: [{ CertificateArn: certificateArn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }],
        Tags: tags,
      }),
    );
    return name;
  }

  async updateDomainName(name: string, certificateArn: string): Promise<void> {
    await this.apigw.send(
      new UpdateDomainNameCommand({ DomainName: name, DomainNameConfigurations: [{ CertificateArn: certificateArn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }] }),
    );
  }

  async deleteDomainName(name: string): Promise<void> {
    await this.apigw.send(new DeleteDomainNameCommand({ DomainName: name }));
  }

  async createApiMapping(domain: string, apiId: string, key: string): Promise<string> {
    const out = await this.apigw.send(new CreateApiMappingCommand({ DomainName: domain, ApiId: apiId, Stage: '$default', ...(key ? { ApiMappingKey: key } : {}) }));
    return out.ApiMappingId ?? '';
  }

  async updateApiMapping(domain: string, mappingId: string, apiId: string, key: string): Promise<void> {
    await this.apigw.send(new UpdateApiMappingCommand({ DomainName: domain, ApiMappingId: mappingId, ApiId: apiId, Stage: '$default', ApiMappingKey: key }));
  }

  async deleteApiMapping(domain: string, mappingId: string): Promise<void> {
    await this.apigw.send(new DeleteApiMappingCommand({ DomainName: domain, ApiMappingId: mappingId }));
  }
}
