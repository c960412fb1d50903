import { ApiGatewayApplier } from '../aws/apigateway/apply.ts';
import { observeHttpApis } from '../aws/apigateway/observe.ts';
import { CallCounter } from '../aws/call-counter.ts';
import { createAwsClients, type AwsClients, type ClientSettings } from '../aws/clients.ts';
import { Elbv2Applier } from '../aws/elbv2/apply.ts';
import { observeLoadBalancing, observeTargetHealth } from '../aws/elbv2/observe.ts';
import { S3ObjectStore } from '../aws/s3/object-store.ts';
import { SsmParameterStore } from '../aws/ssm/parameter-store.ts';
import type { SourceBackends } from '../desired/sources/index.ts';
import type { Logger } from '../log.ts';
import type { PassDependencies } from '../reconcile/pass.ts';

/** Build a pass's dependencies from one set of AWS clients (the only place pieces are joined). */
export function wireDependencies(log: Logger, settings: ClientSettings = {}, clients: AwsClients = createAwsClients(settings, new CallCounter())): PassDependencies {
  const sources: SourceBackends = {
    parameters: () => new SsmParameterStore(clients.ssm),
    objects: () => new S3ObjectStore(clients.s3),
  };
  const region = async () => (await clients.apigateway.config.region()) ?? 'us-east-1';
  return {
    sources,
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
  };
}
