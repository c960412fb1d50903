/**
 * The desired state after loading: defaults applied, ssm: references resolved, names
 * derived. This is what the planner compares with the observed snapshot.
 */
export interface HealthCheckSettings {
  path?: string;
  protocol?: 'HTTP' | 'HTTPS';
  port?: string;
  intervalSeconds?: number;
  timeoutSeconds?: number;
  healthyThresholdCount?: number;
  unhealthyThresholdCount?: number;
  matcher?: string;
}

export type DesiredTargetGroup =
  | { kind: 'existing'; arn: string }
  | {
      kind: 'managed';
      /** Derived from owner, service and the settings AWS cannot change in place (see resolve.ts). */
      name: string;
      port: number;
      protocol: 'HTTP' | 'HTTPS';
      targetType: 'ip' | 'instance';
      vpcId: string;
      /** Only the fields the document declares; the rest are AWS's to default. */
      healthCheck: HealthCheckSettings;
      /** ECS deployments: the second group, same settings, that ECS shifts traffic to and from. */
      alternateName?: string;
    };

/**
 * `ecs`: ECS blue/green, linear or canary deployments move the traffic between the primary
 * and alternate target groups by rewriting the rules' forward weights (see plan/field-ownership.ts).
 */
export interface DesiredDeployment {
  strategy: 'ecs';
  /** A test rule just before the production rule, matching the routing header and this one too. */
  testTraffic?: { header: string; value: string };
}

export interface CorsSettings {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  maxAgeSeconds?: number;
}

export interface DesiredStage {
  name: '$default';
  autoDeploy: true;
  throttling?: { rateLimit: number; burstLimit: number };
  detailedMetrics: boolean;
  accessLog?: { destinationArn: string; format: string };
}

export interface DesiredApi {
  name: string;
  description?: string;
  cors?: CorsSettings;
  routes: string[];
  stage: DesiredStage;
  payloadFormatVersion: '1.0';
}

export interface DesiredDomain {
  /** Lowercase, no trailing dot. */
  name: string;
  /** The public hosted zone: a name (acmecorp.com) or an id (Z...). */
  hostedZone: string;
  certificate: 'auto' | { arn: string };
  /** The API mapping key; '' is the domain root. */
  basePath: string;
  /** ipv4 (AWS's default) or dualstack; the AAAA alias is written only for dualstack. */
  ipAddressType: 'ipv4' | 'dualstack';
}

export interface DesiredService {
  name: string;
  headerValue: string;
  /** Declared priority; undefined means "assign one from the band once, then keep it". */
  priority?: number;
  targetGroup: DesiredTargetGroup;
  api?: DesiredApi;
  /** Take over live resources that match this service (services[].adopt, else spec.adopt). */
  adopt: boolean;
  /** CloudFormation stacks that have let go of this service's resources (adopt.fromStacks). */
  releasedStacks?: string[];
  /** observe: read and report, never write. */
  manage: 'full' | 'observe';
  domain?: DesiredDomain;
  /** A name in the private hosted zone, aliased to the shared ALB. */
  privateDns?: { name: string };
  deployment?: DesiredDeployment;
  /** services[].loadBalancer: the shard the service must live on. */
  loadBalancer?: string;
}

/**
 * A shard: one listener on its own ALB. AWS counts rules and target groups per load
 * balancer, so services spread over shards (plan/placement.ts decides where each lives).
 */
export interface DesiredLoadBalancer {
  name: string;
  listenerArn: string;
  /** For private alias records of the services on this shard. */
  albDnsName?: string;
  albHostedZoneId?: string;
  /** Rules the ALB may hold across its listeners, foreign ones included. */
  ruleQuota: number;
}

export interface DesiredState {
  owner: string;
  /**
   * The shards of spec.shared.loadBalancers, in document order; absent with the shorthand
   * spec.shared.listenerArn, whose one shard (named "default") is `listenerArn`, `ruleQuota`,
   * `albDnsName` and `albHostedZoneId` below. With shards, those repeat the first shard's.
   * Read them through shardsOf().
   */
  loadBalancers?: DesiredLoadBalancer[];
  listenerArn: string;
  vpcLinkId: string;
  vpcId: string;
  headerName: string;
  priorityBand: { from: number; to: number };
  /** Rules the shared listener may hold, foreign ones included (AWS default 100 per load balancer). */
  ruleQuota: number;
  /** Target groups attached to one load balancer (AWS: 100, not adjustable). */
  targetGroupQuota: number;
  /** HTTP API custom domain names per account and Region (API Gateway: 120 by default, adjustable). */
  customDomainQuota: number;
  /** For private alias records: the shared ALB's DNS name and canonical hosted zone, and the private zone. */
  albDnsName?: string;
  albHostedZoneId?: string;
  privateHostedZone?: string;
  /** Where each service's outputs are published as SSM parameters (<prefix>/services/<name>/...). */
  outputsPrefix?: string;
  services: DesiredService[];
}

/** The shard of the shorthand spec.shared.listenerArn. */
export const DEFAULT_SHARD_NAME = 'default';

/** Every shard of the document: spec.shared.loadBalancers, or the shorthand's one. */
export function shardsOf(desired: DesiredState): DesiredLoadBalancer[] {
  if (desired.loadBalancers && desired.loadBalancers.length > 0) return desired.loadBalancers;
  return [
    {
      name: DEFAULT_SHARD_NAME,
      listenerArn: desired.listenerArn,
      ...(desired.albDnsName ? { albDnsName: desired.albDnsName } : {}),
      ...(desired.albHostedZoneId ? { albHostedZoneId: desired.albHostedZoneId } : {}),
      ruleQuota: desired.ruleQuota,
    },
  ];
}
