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
    };

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

export interface DesiredService {
  name: string;
  headerValue: string;
  /** Declared priority; undefined means "assign one from the band once, then keep it". */
  priority?: number;
  targetGroup: DesiredTargetGroup;
  api?: DesiredApi;
  adopt: boolean;
}

export interface DesiredState {
  owner: string;
  listenerArn: string;
  vpcLinkId: string;
  vpcId: string;
  headerName: string;
  priorityBand: { from: number; to: number };
  /** Rules the shared listener may hold, foreign ones included (AWS default 100 per load balancer). */
  ruleQuota: number;
  /** Target groups attached to one load balancer (AWS: 100, not adjustable). */
  targetGroupQuota: number;
  services: DesiredService[];
}
