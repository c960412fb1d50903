/**
 * What `routeyard --import` reads from the account around one listener, as plain data: the
 * adapters in aws/ (elbv2/import-reads.ts, apigateway/import-reads.ts, route53/import-reads.ts,
 * acm/import-reads.ts) fill it, and to-document.ts turns it into a RouteSet without any I/O.
 *
 * Everything here came from the account and is hostile input: any string may be empty, huge,
 * or hold control characters; any list may be long; optional fields may be missing where AWS
 * always fills them. The mapping never trusts a value without checking it.
 */
import type { Tags } from '../model/tags.ts';

export interface LiveLoadBalancer {
  arn: string;
  name: string;
  dnsName?: string;
  canonicalHostedZoneId?: string;
  vpcId?: string;
  scheme?: string;
  type?: string;
}

export interface LiveCondition {
  /** http-header, path-pattern, host-header, ... */
  field: string;
  /** For http-header conditions, the header name as AWS returned it. */
  headerName?: string;
  /** ALB wildcard patterns (http-header, host-header, path-pattern, ...). */
  values: string[];
  /** Regular expressions (http-header conditions may carry them instead of values). */
  regexValues: string[];
}

export interface LiveAction {
  type: string;
  order?: number;
  /** For a forward: each target group and its weight (a lone TargetGroupArn is weight undefined). */
  targetGroups: { arn: string; weight?: number }[];
}

export interface LiveRule {
  arn: string;
  /** As AWS returns it: "1".."50000", or "default". */
  priority: string;
  isDefault: boolean;
  conditions: LiveCondition[];
  actions: LiveAction[];
  /** Transform types (host-header-rewrite, url-rewrite). */
  transforms: string[];
  tags: Tags;
}

export interface LiveTargetGroup {
  arn: string;
  name: string;
  port?: number;
  protocol?: string;
  protocolVersion?: string;
  targetType?: string;
  vpcId?: string;
  healthCheckEnabled?: boolean;
  healthCheck: {
    path?: string;
    protocol?: string;
    port?: string;
    intervalSeconds?: number;
    timeoutSeconds?: number;
    healthyThresholdCount?: number;
    unhealthyThresholdCount?: number;
    matcher?: string;
  };
  tags: Tags;
}

export interface LiveIntegration {
  id: string;
  managed?: boolean;
  integrationType?: string;
  connectionType?: string;
  connectionId?: string;
  integrationUri?: string;
  integrationMethod?: string;
  payloadFormatVersion?: string;
  requestParameters: Record<string, string>;
}

export interface LiveRoute {
  id: string;
  routeKey: string;
  target?: string;
  authorizationType?: string;
  managed?: boolean;
}

export interface LiveStage {
  name: string;
  managed?: boolean;
  autoDeploy?: boolean;
  throttlingRateLimit?: number;
  throttlingBurstLimit?: number;
  detailedMetricsEnabled?: boolean;
  accessLog?: { destinationArn?: string; format?: string };
  tags: Tags;
}

export interface LiveCors {
  allowOrigins?: string[];
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  allowCredentials?: boolean;
  maxAgeSeconds?: number;
}

export interface LiveApi {
  id: string;
  name: string;
  protocolType?: string;
  description?: string;
  cors?: LiveCors;
  tags: Tags;
  integrations: LiveIntegration[];
  /** Read only for APIs with an integration to the listener (the others need no more calls). */
  routes?: LiveRoute[];
  stages?: LiveStage[];
}

export interface LiveMapping {
  id: string;
  apiId: string;
  stage: string;
  key: string;
}

export interface LiveDomain {
  name: string;
  certificateArn?: string;
  endpointType?: string;
  securityPolicy?: string;
  ipAddressType?: string;
  routingMode?: string;
  status?: string;
  /** The regional target alias records point at. */
  target?: { dnsName: string; hostedZoneId: string };
  tags: Tags;
  mappings: LiveMapping[];
}

export interface LiveCertificate {
  arn: string;
  /** False when ACM says the certificate does not exist. */
  found: boolean;
  tags: Tags;
}

export interface LiveRecord {
  name: string;
  type: string;
  alias?: { dnsName: string; hostedZoneId: string };
  values: string[];
  setIdentifier?: string;
}

export interface LiveZone {
  id: string;
  name: string;
  private: boolean;
  /** Records read (the whole zone, or only at the names looked up). */
  records: LiveRecord[];
}

/** How the person running the import asked for it. */
export interface ImportRequest {
  listenerArn: string;
  headerName: string;
  /** metadata.name; derived from the load balancer's name when not given. */
  name?: string;
  manage?: 'full' | 'observe';
  /** The private zone as given (name or id); its records are in `privateZone`. */
  privateZoneRef?: string;
  /**
   * spec.shared as the output should carry it (from --source: its ssm: references kept);
   * without it, the live values are written as literals.
   */
  shared?: Record<string, unknown>;
  /** vpcLinkId when it is known beforehand (--source): integrations through another link are left out. */
  vpcLinkId?: string;
}

export interface LiveSnapshot {
  loadBalancer: LiveLoadBalancer;
  /** Every rule of the listener, the default one included. */
  rules: LiveRule[];
  /** The account's target groups (those the rules forward to, at least). */
  targetGroups: LiveTargetGroup[];
  /** Every HTTP API of the account (WebSocket APIs are counted, not listed). */
  apis: LiveApi[];
  otherApis: number;
  domains: LiveDomain[];
  certificates: LiveCertificate[];
  /** Public hosted zones (records read at the custom domains' names). */
  publicZones: LiveZone[];
  privateZone?: LiveZone;
}
