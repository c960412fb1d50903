import { ApiGatewayApplier } from '../aws/apigateway/apply.ts';
import { observeHttpApis } from '../aws/apigateway/observe.ts';
import { CallCounter } from '../aws/call-counter.ts';
import { createAwsClients, type AwsClients, type ClientSettings } from '../aws/clients.ts';
import { DynamoDbLeaseStore } from '../aws/dynamodb/lease-store.ts';
import { Elbv2Applier } from '../aws/elbv2/apply.ts';
import { observeLoadBalancing, observeTargetHealth } from '../aws/elbv2/observe.ts';
import { S3ObjectStore } from '../aws/s3/object-store.ts';
import { SsmParameterStore } from '../aws/ssm/parameter-store.ts';
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

export function wire(log: Logger, settings: ClientSettings = {}, clients: AwsClients = createAwsClients(settings, new CallCounter())): Wiring {
  const region = async () => (await clients.apigateway.config.region()) ?? 'us-east-1';
  return {
    pass: {
      sources: sourceBackends(clients),
      observer: {
        loadBalancing: (arn) => observeLoadBalancing(clients.elbv2, arn),
        targetHealth: (arns) => observeTargetHealth(clients.elbv2, arns),
        httpApis: (owner, wanted, adoptable) => observeHttpApis(clients.apigateway, owner, wanted, adoptable),
      },
      mutations: {
        loadBalancer: new Elbv2Applier(clients.elbv2),
        apiGateway: new ApiGatewayApplier(clients.apigateway, region),
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
