import type { CorsSettings, HealthCheckSettings } from './desired.ts';
import type { Tags } from './tags.ts';

/**
 * The observed snapshot: what live AWS held when the pass looked. Values are normalized by
 * the adapters into these shapes so the planner compares like with like. A part that could
 * not be read is marked `unreadable`, never silently treated as absent.
 */
export interface ObservedRule {
  arn: string;
  priority: number;
  /** Every http-header condition on the rule (header names as AWS returned them). */
  headerConditions: { name: string; values: string[] }[];
  /** Fields of any other condition (path-pattern, host-header, ...). */
  otherConditions: string[];
  /** The action types, in order (e.g. ["forward"]). */
  actionTypes: string[];
  /** Target groups the forward action sends to. */
  targetGroupArns: string[];
  tags: Tags;
}

export interface ObservedTargetGroup {
  arn: string;
  name: string;
  port?: number;
  protocol?: string;
  targetType?: string;
  vpcId?: string;
  /** As AWS reports it (any protocol string), in the document's field names. */
  healthCheck: Omit<HealthCheckSettings, 'protocol'> & { protocol?: string };
  /** Undefined when tags were not fetched (names outside routeyard's prefix). */
  tags?: Tags;
}

export interface ObservedIntegration {
  id: string;
  integrationType?: string;
  connectionType?: string;
  connectionId?: string;
  integrationUri?: string;
  integrationMethod?: string;
  payloadFormatVersion?: string;
  requestParameters: Record<string, string>;
}

export interface ObservedRoute {
  id: string;
  routeKey: string;
  target?: string;
}

export interface ObservedStage {
  name: string;
  autoDeploy?: boolean;
  throttlingRateLimit?: number;
  throttlingBurstLimit?: number;
  detailedMetricsEnabled?: boolean;
  accessLog?: { destinationArn?: string; format?: string };
}

/** Same shape on both sides, so CORS compares field by field. */
export type ObservedCors = CorsSettings;

export interface ObservedApi {
  id: string;
  name: string;
  protocolType?: string;
  description?: string;
  cors?: ObservedCors;
  tags: Tags;
  /** Children are fetched only for APIs routeyard owns or may adopt. */
  children?:
    | { readable: true; integrations: ObservedIntegration[]; routes: ObservedRoute[]; stages: ObservedStage[] }
    | { readable: false; error: string };
}

export interface ObservedState {
  listenerArn: string;
  /** Every non-default rule on the shared listener, owned or not. */
  rules: ObservedRule[];
  /** Target groups in the account and Region (tags only for routeyard-named ones). */
  targetGroups: ObservedTargetGroup[];
  /** HTTP APIs routeyard owns, plus any with a name a service wants (for conflicts and adoption). */
  apis: ObservedApi[];
}
