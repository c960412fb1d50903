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
  /**
   * Every http-header condition on the rule (header names as AWS returned them). `values`
   * are ALB wildcard patterns; `regexValues` are regular expressions (AWS added them to
   * rule conditions; moto does not know them).
   */
  headerConditions: { name: string; values: string[]; regexValues?: string[] }[];
  /** Fields of any other condition (path-pattern, host-header, ...). */
  otherConditions: string[];
  /** The action types, in order (e.g. ["forward"]). */
  actionTypes: string[];
  /** Target groups the forward action sends to, sorted. */
  targetGroupArns: string[];
  /**
   * The forward action's target groups with their weights. A single-group forward is
   * weight 1 whatever AWS echoes; a weight of 0 attaches a group (health checks run)
   * without sending it traffic.
   */
  forward: ForwardTarget[];
  /** Transform types on the rule (host-header-rewrite, url-rewrite); routeyard's rules have none. */
  transforms: string[];
  tags: Tags;
  /** The listener the rule is on; absent means the first shard's (ObservedState.listenerArn). */
  listenerArn?: string;
}

export interface ForwardTarget {
  arn: string;
  weight: number;
}

/** What DescribeTargetHealth said about a group's registered targets. */
export type TargetHealthSummary =
  | { readable: true; healthy: number; registered: number; states: Record<string, number> }
  | { readable: false; error: string };

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
  /** Load balancers the group is attached to, as DescribeTargetGroups reports them. */
  loadBalancerArns?: string[];
  /** Read only while a service's target group is being replaced (see plan/target-groups.ts). */
  health?: TargetHealthSummary;
}

export interface ObservedIntegration {
  id: string;
  /** Made by quick create: AWS refuses to update or delete it on its own. */
  managed?: boolean;
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
  /** Made by quick create: AWS refuses to update or delete it on its own. */
  managed?: boolean;
  routeKey: string;
  target?: string;
}

export interface ObservedStage {
  name: string;
  /** Made by quick create: AWS refuses to update or delete it on its own. */
  managed?: boolean;
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
  /** When AWS created it (ISO 8601), to keep the oldest of two copies. */
  createdAt?: string;
  /** https://ID.execute-api.REGION.amazonaws.com, as AWS returns it (ApiEndpoint). */
  endpoint?: string;
  /**
   * Children are fetched only for APIs routeyard owns or may adopt. `deferred`: not read
   * this pass (the controller's rolling verification reads them later); neither missing nor
   * changed, so nothing is planned for them.
   */
  children?:
    | { readable: true; integrations: ObservedIntegration[]; routes: ObservedRoute[]; stages: ObservedStage[] }
    | { readable: false; error: string; deferred?: false }
    | { readable: false; deferred: true };
}

/** An API whose children could be read this pass: its id and the service its tags name. */
export interface DeepReadCandidate {
  id: string;
  service: string | undefined;
}

/** Which candidates' children to read this pass, and at which call priority; the rest are deferred. */
export type DeepReadSelector = (candidates: DeepReadCandidate[]) => Map<string, 'check' | 'background'>;

/**
 * The shared load balancer as a whole: AWS counts its quotas per load balancer, not per
 * listener (100 rules across every listener, default rules excluded; 100 target groups).
 */
export interface ObservedLoadBalancer {
  arn: string;
  /** Listeners on the load balancer, the shared one included. */
  listenerCount: number;
  /** Non-default rules on every listener of the load balancer, foreign ones included. */
  ruleCount: number;
  /**
   * Target groups attached to the load balancer: forwarded to by a rule or a default
   * action of any of its listeners.
   */
  attachedTargetGroupArns: string[];
  /**
   * The load balancer's DNS name and canonical hosted zone id, as DescribeLoadBalancers gives
   * them: what a shard's albDnsName and albHostedZoneId must name (a private alias to any
   * other name would send the service's traffic elsewhere). Absent when not read.
   */
  dnsName?: string;
  canonicalHostedZoneId?: string;
}

/** A listener routeyard reads, with its load balancer as a whole. */
export interface ObservedListener {
  listenerArn: string;
  loadBalancer: ObservedLoadBalancer;
  /**
   * A listener no shard of the document names, read because this RouteSet's target groups
   * are still attached to its load balancer (a shard removed from the document): its
   * services move away, then what routeyard owns there is deleted.
   */
  departed?: boolean;
}

export interface ObservedState {
  /** The first shard's listener and load balancer (the only ones with the one-listener shorthand). */
  listenerArn: string;
  loadBalancer: ObservedLoadBalancer;
  /** The other shards' listeners, in document order, then departed ones. */
  moreListeners?: ObservedListener[];
  /** Every non-default rule on the listeners read, owned or not (each names its listener). */
  rules: ObservedRule[];
  /** Target groups in the account and Region (tags only for routeyard-named ones). */
  targetGroups: ObservedTargetGroup[];
  /** HTTP APIs routeyard owns, plus any with a name a service wants (for conflicts and adoption). */
  apis: ObservedApi[];
  /** Custom domains, certificates and DNS; absent when the document declares none and routeyard owns none. */
  naming?: ObservedNaming;
  /** Published outputs under spec.shared.outputsPrefix; absent when the document sets none. */
  outputs?: ObservedOutputs;
}

/** An SSM parameter under `<outputsPrefix>/services/`. */
export interface ObservedParameter {
  name: string;
  value: string;
  /** String, StringList or SecureString (routeyard writes String). */
  type?: string;
  /** Carries this RouteSet's owner tag (DescribeParameters, tag filter). */
  owned: boolean;
}

/** What the pass read under the outputs prefix; `error` when it could not (nothing is then written or deleted). */
export interface ObservedOutputs {
  prefix: string;
  parameters: ObservedParameter[];
  error?: string;
  /** The Region and DNS suffix of the APIs, for the endpoint of an API created in this pass. */
  region: string;
}

/** An ACM certificate: its names (domain name and SANs), status and validation records. */
export interface ObservedCertificate {
  arn: string;
  /** The primary name and every subject alternative name, lowercase. */
  names: string[];
  /** ISSUED, PENDING_VALIDATION, FAILED, EXPIRED, VALIDATION_TIMED_OUT, REVOKED, INACTIVE. */
  status: string;
  /** AMAZON_ISSUED, IMPORTED or PRIVATE. */
  type?: string;
  failureReason?: string;
  notAfter?: string;
  /** The DNS validation CNAMEs ACM asks for, one per name (names lowercase, no trailing dot). */
  validation: { name: string; value: string }[];
  /** When it was requested (or imported), ISO 8601. */
  createdAt?: string;
  /** ELIGIBLE or INELIGIBLE for managed renewal; and the renewal's status when one runs. */
  renewalEligibility?: string;
  renewalStatus?: string;
  /** ARNs of the resources ACM says use it. */
  inUseBy?: string[];
  /** Set when this certificate could not be read this pass: its service is an Error, not the pass. */
  readError?: string;
  /** Undefined when tags were not read. */
  tags?: Tags;
}

export interface ObservedApiMapping {
  id: string;
  apiId: string;
  stage: string;
  /** '' for the domain root. */
  key: string;
}

/** An API Gateway custom domain name (v2), with its mappings. */
export interface ObservedCustomDomain {
  name: string;
  certificateArn?: string;
  securityPolicy?: string;
  endpointType?: string;
  /** The regional target AWS returns for a REGIONAL domain: what alias records point at. */
  target?: { dnsName: string; hostedZoneId: string };
  /** AVAILABLE, UPDATING, PENDING_CERTIFICATE_REIMPORT, PENDING_OWNERSHIP_VERIFICATION. */
  status?: string;
  /** API_MAPPING_ONLY (AWS's default), ROUTING_RULE_THEN_API_MAPPING, ROUTING_RULE_ONLY. */
  routingMode?: string;
  /** ipv4 (AWS's default) or dualstack. */
  ipAddressType?: string;
  tags: Tags;
  /** `deferred`: not read this pass (rolling verification); nothing is planned for them. */
  mappings: { readable: true; items: ObservedApiMapping[] } | { readable: false; error: string; deferred?: false } | { readable: false; deferred: true };
}

/** One record set (names lowercase without the trailing dot). */
export interface ObservedRecord {
  name: string;
  type: string;
  ttl?: number;
  values: string[];
  alias?: { dnsName: string; hostedZoneId: string; evaluateTargetHealth: boolean };
  /** Weighted, latency, failover ... records carry one; routeyard's never do. */
  setIdentifier?: string;
}

export interface ObservedZone {
  id: string;
  name: string;
  private: boolean;
  records: ObservedRecord[];
}

/** What the pass read for custom domains, certificates and DNS. */
export interface ObservedNaming {
  certificates: ObservedCertificate[];
  domains: ObservedCustomDomain[];
  /** Custom domain names in the account and Region, anyone's (the 120 quota counts them all). */
  domainCount: number;
  /** Each zone the document refers to, by the reference it used (name or id). */
  zones: { ref: string; private: boolean; zone?: ObservedZone; error?: string }[];
  /**
   * API Gateway allows one CreateDomainName, one UpdateDomainName and one DeleteDomainName
   * per 30 s per account: whether this pass may make each (the pacer's state, read at
   * observe time so the plan stays a pure function of what it is given).
   */
  slots: { create: boolean; update: boolean; delete: boolean; nextCreateAt?: string; nextDeleteAt?: string; unpaced?: boolean };
  /** The Region of the APIs (a certificate must be in it). */
  region: string;
  /** The account of the shared listener: a certificate must be in it too. */
  account?: string;
  /** When the pass read this (ISO 8601): certificates' expiry is judged against it, so the plan stays pure. */
  observedAt?: string;
}

/** Every listener read: the first shard's, the other shards', then departed ones. */
export function listenersOf(observed: Pick<ObservedState, 'listenerArn' | 'loadBalancer' | 'moreListeners'>): ObservedListener[] {
  return [{ listenerArn: observed.listenerArn, loadBalancer: observed.loadBalancer }, ...(observed.moreListeners ?? [])];
}

/** The listener a rule is on. */
export function listenerOfRule(observed: Pick<ObservedState, 'listenerArn'>, rule: ObservedRule): string {
  return rule.listenerArn ?? observed.listenerArn;
}
