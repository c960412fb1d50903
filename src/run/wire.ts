import { ApiGatewayApplier } from '../aws/apigateway/apply.ts';
import { observeHttpApis } from '../aws/apigateway/observe.ts';
import { CallCounter } from '../aws/call-counter.ts';
import { createAwsClients, type AwsClients, type ClientSettings } from '../aws/clients.ts';
import { AcmApplier, observeCertificates, type CertificateTagCache } from '../aws/acm/certificates.ts';
import { DomainPacer, type DomainOperation } from '../aws/apigateway/domain-pacer.ts';
import { DomainApplier, observeCustomDomains } from '../aws/apigateway/domains.ts';
import { DynamoDbLeaseStore } from '../aws/dynamodb/lease-store.ts';
import { Route53Applier, observeZone } from '../aws/route53/zones.ts';
import { certificateCovers } from '../model/dns.ts';
import { Elbv2Applier } from '../aws/elbv2/apply.ts';
import { observeLoadBalancing, observeTargetHealth } from '../aws/elbv2/observe.ts';
import { S3ObjectStore } from '../aws/s3/object-store.ts';
import { SsmParameterStore } from '../aws/ssm/parameter-store.ts';
import { SsmOutputsApplier, observeOutputs } from '../aws/ssm/outputs.ts';
import type { SourceBackends } from '../desired/sources/index.ts';
import type { Logger } from '../log.ts';
import type { LeaseStore } from '../reconcile/lease.ts';
import type { PassDependencies } from '../reconcile/pass.ts';

/** Everything a run needs from AWS, built from one set of clients (the only place pieces are joined). */
export interface Wiring {
  pass: PassDependencies;
  /** The leader lease in a DynamoDB table (key `id`). */
  leaseStore(table: string): LeaseStore;
  clients: AwsClients;
}

export function sourceBackends(clients: AwsClients): SourceBackends {
  return {
    parameters: () => new SsmParameterStore(clients.ssm),
    objects: () => new S3ObjectStore(clients.s3),
  };
}

/** One per process: the paced domain calls' state outlives a pass (the daemon, `--wait`). */
const pacers = new WeakMap<AwsClients, DomainPacer>();
/** Likewise the certificates' ownership tags, read once per certificate. */
const certificateTags = new WeakMap<AwsClients, CertificateTagCache>();

export function wire(log: Logger, settings: ClientSettings = {}, clients: AwsClients = createAwsClients(settings, new CallCounter())): Wiring {
  const region = async () => (await clients.apigateway.config.region()) ?? 'us-east-1';
  let tagCache = certificateTags.get(clients);
  if (!tagCache) certificateTags.set(clients, (tagCache = new Map()));
  let pacer = pacers.get(clients);
  if (!pacer) pacers.set(clients, (pacer = new DomainPacer(settings.domainPaceMs ?? 30_000)));
  const domains = new DomainApplier(clients.apigateway);
  const acm = new AcmApplier(clients.acm);
  const r53 = new Route53Applier(clients.route53);
  const paced = async <T>(op: DomainOperation, call: () => Promise<T>): Promise<T> => {
    pacer.used(op);
    return call();
  };
  return {
    pass: {
      sources: sourceBackends(clients),
      observer: {
        loadBalancing: (arns, owner) => observeLoadBalancing(clients.elbv2, arns, owner),
        targetHealth: (arns) => observeTargetHealth(clients.elbv2, arns),
        httpApis: (owner, wanted, adoptable, select, signal) => observeHttpApis(clients.apigateway, owner, wanted, adoptable, select, signal),
        customDomains: (owner, wanted, select, signal) => observeCustomDomains(clients.apigateway, owner, wanted, select, signal),
        certificates: (names, arns, owner) => observeCertificates(clients.acm, names, arns, owner, certificateCovers, tagCache),
        zone: (ref, isPrivate) => observeZone(clients.route53, ref, isPrivate),
        domainSlots: () => ({
          create: pacer.available('create'),
          update: pacer.available('update'),
          delete: pacer.available('delete'),
          ...(pacer.nextAt('create') ? { nextCreateAt: pacer.nextAt('create')! } : {}),
          ...(pacer.nextAt('delete') ? { nextDeleteAt: pacer.nextAt('delete')! } : {}),
          ...(pacer.unpaced ? { unpaced: true } : {}),
        }),
        region,
        outputs: async (prefix, owner) => observeOutputs(clients.ssm, prefix, owner),
      },
      mutations: {
        loadBalancer: new Elbv2Applier(clients.elbv2),
        apiGateway: new ApiGatewayApplier(clients.apigateway, region),
        naming: {
          requestCertificate: (name, tags, sans) => acm.requestCertificate(name, tags, sans),
          deleteCertificate: (arn) => acm.deleteCertificate(arn),
          createDomainName: (name, cert, tags, ipAddressType) => paced('create', () => domains.createDomainName(name, cert, tags, ipAddressType)),
          updateDomainName: (name, cert, ipAddressType) => paced('update', () => domains.updateDomainName(name, cert, ipAddressType)),
          deleteDomainName: (name) => paced('delete', () => domains.deleteDomainName(name)),
          createApiMapping: (d, api, key) => domains.createApiMapping(d, api, key),
          updateApiMapping: (d, id, api, key) => domains.updateApiMapping(d, id, api, key),
          deleteApiMapping: (d, id) => domains.deleteApiMapping(d, id),
          tagDomainName: (name, tags) => domains.tagDomainName(name, tags),
          changeRecords: (zoneId, changes) => r53.applyBatch(zoneId, changes),
        },
        outputs: new SsmOutputsApplier(clients.ssm),
      },
      counter: clients.counter,
      log,
    },
    leaseStore: (table) => new DynamoDbLeaseStore(clients.dynamodb, table),
    clients,
  };
}

/** A pass's dependencies alone (tests and the one-shot CLI). */
export function wireDependencies(log: Logger, settings: ClientSettings = {}, clients?: AwsClients): PassDependencies {
  return wire(log, settings, clients).pass;
}
