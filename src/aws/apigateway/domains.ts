import {
  TagResourceCommand,
  CreateApiMappingCommand,
  CreateDomainNameCommand,
  DeleteApiMappingCommand,
  DeleteDomainNameCommand,
  GetApiMappingsCommand,
  GetDomainNameCommand,
  GetDomainNamesCommand,
  UpdateApiMappingCommand,
  UpdateDomainNameCommand,
  type ApiGatewayV2Client,
  type ApiMapping,
  type DomainName,
} from '@aws-sdk/client-apigatewayv2';
import { domainNameArn } from '../../model/arns.ts';
import type { DeepReadSelector, ObservedCustomDomain } from '../../model/observed.ts';
import { SERVICE_TAG, isOwnedBy, type Tags } from '../../model/tags.ts';
import { CallCancelled, withPriority } from '../api-scheduler.ts';
import { createOnce } from '../lost-answers.ts';

/**
 * Custom domain names (GetDomainNames returns tags inline) and, for those routeyard owns or
 * wants, their API mappings. All domains are counted: the 120-per-account quota counts
 * everyone's.
 */
export async function observeCustomDomains(
  apigw: ApiGatewayV2Client,
  owner: string,
  wantedNames: ReadonlySet<string>,
  select?: DeepReadSelector,
  backgroundSignal?: AbortSignal,
): Promise<{ domains: ObservedCustomDomain[]; count: number }> {
  const all: DomainName[] = [];
  let token: string | undefined;
  do {
    const page = await apigw.send(new GetDomainNamesCommand({ NextToken: token, MaxResults: '500' }));
    all.push(...(page.Items ?? []));
    token = page.NextToken;
  } while (token);
  const relevant = all.filter((d) => isOwnedBy(d.Tags, owner) || wantedNames.has((d.DomainName ?? '').toLowerCase()));
  // The controller's rolling verification reads an owned, wanted domain's mappings in turn; a
  // domain someone else owns at a wanted name is always read (it is a Conflict to report).
  // An owned domain the document dropped is always read too: its mappings go before it.
  const owned = relevant.filter((d) => isOwnedBy(d.Tags, owner) && wantedNames.has((d.DomainName ?? '').toLowerCase()));
  const chosen = select?.(owned.map((d) => ({ id: (d.DomainName ?? '').toLowerCase(), service: d.Tags?.[SERVICE_TAG] })));
  const readMappings = async (d: DomainName): Promise<ObservedCustomDomain['mappings']> => {
    try {
      const items: ApiMapping[] = [];
      let token: string | undefined;
      do {
        const page = await apigw.send(new GetApiMappingsCommand({ DomainName: d.DomainName!, MaxResults: '500', ...(token ? { NextToken: token } : {}) }));
        items.push(...(page.Items ?? []));
        token = page.NextToken;
      } while (token);
      return { readable: true, items: items.map((m) => ({ id: m.ApiMappingId!, apiId: m.ApiId ?? '', stage: m.Stage ?? '', key: m.ApiMappingKey ?? '' })) };
    } catch (err) {
      if (err instanceof CallCancelled) return { readable: false, deferred: true };
      return { readable: false, error: `${(err as Error).name}: ${(err as Error).message}` };
    }
  };
  const domains = await Promise.all(
    relevant.map(async (d): Promise<ObservedCustomDomain> => {
      const c = d.DomainNameConfigurations?.[0];
      let mappings: ObservedCustomDomain['mappings'];
      if (!chosen || !owned.includes(d)) mappings = await readMappings(d);
      else {
        const priority = chosen.get((d.DomainName ?? '').toLowerCase());
        mappings = priority
          ? await withPriority(priority, () => readMappings(d), priority === 'background' ? backgroundSignal : undefined)
          : { readable: false, deferred: true };
      }
      return {
        name: (d.DomainName ?? '').toLowerCase(),
        ...(c?.CertificateArn ? { certificateArn: c.CertificateArn } : {}),
        ...(c?.SecurityPolicy ? { securityPolicy: c.SecurityPolicy } : {}),
        ...(c?.EndpointType ? { endpointType: c.EndpointType } : {}),
        ...(c?.ApiGatewayDomainName && c.HostedZoneId ? { target: { dnsName: c.ApiGatewayDomainName.toLowerCase().replace(/\.$/, ''), hostedZoneId: c.HostedZoneId } } : {}),
        ...(c?.DomainNameStatus ? { status: c.DomainNameStatus } : {}),
        ...(d.RoutingMode ? { routingMode: d.RoutingMode } : {}),
        ...(c?.IpAddressType ? { ipAddressType: c.IpAddressType } : {}),
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
  async createDomainName(name: string, certificateArn: string, tags: Tags, ipAddressType: 'ipv4' | 'dualstack' = 'ipv4'): Promise<string> {
    return createOnce(
      'APIGateway.CreateDomainName',
      async () => {
        await this.apigw.send(
          new CreateDomainNameCommand({
            DomainName: name,
            DomainNameConfigurations: [{ CertificateArn: certificateArn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2', IpAddressType: ipAddressType }],
            RoutingMode: 'API_MAPPING_ONLY',
            Tags: tags,
          }),
        );
        return name;
      },
      // Only a domain carrying exactly these ownership tags is the one the lost answer made.
      async () => {
        try {
          const d = await this.apigw.send(new GetDomainNameCommand({ DomainName: name }));
          return Object.entries(tags).every(([k, v]) => d.Tags?.[k] === v) ? name : undefined;
        } catch (err) {
          if ((err as Error).name === 'NotFoundException') return undefined;
          throw err;
        }
      },
    );
  }

  async updateDomainName(name: string, certificateArn: string, ipAddressType: 'ipv4' | 'dualstack' = 'ipv4'): Promise<void> {
    await this.apigw.send(
      new UpdateDomainNameCommand({
        DomainName: name,
        DomainNameConfigurations: [{ CertificateArn: certificateArn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2', IpAddressType: ipAddressType }],
        RoutingMode: 'API_MAPPING_ONLY',
      }),
    );
  }

  async deleteDomainName(name: string): Promise<void> {
    await this.apigw.send(new DeleteDomainNameCommand({ DomainName: name }));
  }

  /** A mapping key is unique within a domain: AWS refuses a second one (ConflictException). */
  async createApiMapping(domain: string, apiId: string, key: string): Promise<string> {
    return createOnce(
      'APIGateway.CreateApiMapping',
      async () =>
        (await this.apigw.send(new CreateApiMappingCommand({ DomainName: domain, ApiId: apiId, Stage: '$default', ...(key ? { ApiMappingKey: key } : {}) }))).ApiMappingId ?? '',
      async () => {
        let token: string | undefined;
        do {
          const page = await this.apigw.send(new GetApiMappingsCommand({ DomainName: domain, MaxResults: '500', ...(token ? { NextToken: token } : {}) }));
          const found = (page.Items ?? []).find((m) => (m.ApiMappingKey ?? '') === key && m.ApiId === apiId);
          if (found) return found.ApiMappingId;
          token = page.NextToken;
        } while (token);
        return undefined;
      },
    );
  }

  async updateApiMapping(domain: string, mappingId: string, apiId: string, key: string): Promise<void> {
    await this.apigw.send(new UpdateApiMappingCommand({ DomainName: domain, ApiMappingId: mappingId, ApiId: apiId, Stage: '$default', ApiMappingKey: key }));
  }

  async deleteApiMapping(domain: string, mappingId: string): Promise<void> {
    await this.apigw.send(new DeleteApiMappingCommand({ DomainName: domain, ApiMappingId: mappingId }));
  }

  /** Adoption: TagResource adds (or overwrites) the given keys; a stack's own tags stay. */
  async tagDomainName(name: string, tags: Tags): Promise<void> {
    const region = (await this.apigw.config.region()) ?? 'us-east-1';
    await this.apigw.send(new TagResourceCommand({ ResourceArn: domainNameArn(region, name), Tags: tags }));
  }
}
