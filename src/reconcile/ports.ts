import type { DesiredStage, HealthCheckSettings } from '../model/desired.ts';
import type {
  DeepReadSelector,
  ObservedApi,
  ObservedCertificate,
  ObservedCustomDomain,
  ObservedListener,
  ObservedNaming,
  ObservedParameter,
  ObservedRule,
  ObservedTargetGroup,
  ObservedZone,
  TargetHealthSummary,
} from '../model/observed.ts';
import type { Tags } from '../model/tags.ts';
import type { CorsSpec, IntegrationSpec, RecordChange } from '../plan/types.ts';

/**
 * What a pass needs from AWS, as narrow interfaces. The adapters in aws/ implement them;
 * run/ wires them in; tests pass the same adapters pointed at the emulator or a mocked client.
 */
export interface Observer {
  /**
   * The listeners' non-default rules (each naming its listener) and the account's target
   * groups, with ownership tags, and each listener's load balancer as a whole (rules on every
   * listener, attached target groups), in the order asked; then, given `owner`, the listeners
   * of load balancers its groups are attached to that no shard names (departed shards).
   */
  loadBalancing(listenerArns: readonly string[], owner?: string): Promise<{ rules: ObservedRule[]; targetGroups: ObservedTargetGroup[]; listeners: ObservedListener[] }>;
  /** Target health of a few groups (a replacement in progress); one entry per ARN asked. */
  targetHealth(targetGroupArns: readonly string[]): Promise<Map<string, TargetHealthSummary>>;
  /** With `select`, only the chosen APIs' children are read (the controller's rolling verification). */
  httpApis(owner: string, wantedNames: ReadonlySet<string>, adoptableNames: ReadonlySet<string>, select?: DeepReadSelector, backgroundSignal?: AbortSignal): Promise<ObservedApi[]>;
  /** Custom domain names (all counted; owned and wanted ones with their mappings). */
  /** With `select`, only the chosen owned domains' API mappings are read (rolling verification). */
  customDomains(owner: string, wantedNames: ReadonlySet<string>, select?: DeepReadSelector, backgroundSignal?: AbortSignal): Promise<{ domains: ObservedCustomDomain[]; count: number }>;
  /** ACM certificates that may cover the wanted names, those referenced by ARN, and every one `owner` owns. */
  certificates(wantedNames: readonly string[], arns: readonly string[], owner: string): Promise<ObservedCertificate[]>;
  /** A hosted zone (by name or id) with every record set. */
  zone(ref: string, isPrivate: boolean): Promise<ObservedZone>;
  /** Which paced domain calls this pass may make, and the APIs' Region. */
  domainSlots(): ObservedNaming['slots'];
  /** Every parameter under `<prefix>/services/` with its value, and which of them `owner` owns (by tag). */
  outputs(prefix: string, owner: string): Promise<{ parameters: ObservedParameter[] }>;
  region(): Promise<string>;
}

export interface LoadBalancerMutations {
  createTargetGroup(p: { name: string; port: number; protocol: string; targetType: string; vpcId: string; healthCheck: HealthCheckSettings; tags: Tags }): Promise<string>;
  modifyTargetGroup(arn: string, healthCheck: HealthCheckSettings): Promise<void>;
  deleteTargetGroup(arn: string): Promise<void>;
  createRule(p: RuleCreate): Promise<string>;
  /** standbyTargetGroupArn: attached with weight 0 beside targetGroupArn (weight 1). */
  modifyRule(p: RuleChange): Promise<void>;
  setRulePriorities(moves: { arn: string; priority: number }[]): Promise<void>;
  deleteRule(arn: string): Promise<void>;
  /** Adoption: add tags to a live rule or target group (existing keys are overwritten, none removed). */
  addTags(arn: string, tags: Tags): Promise<void>;
}

export interface RuleCreate {
  listenerArn: string;
  priority: number;
  headerName: string;
  headerValue: string;
  targetGroupArn: string;
  tags: Tags;
  /** A second http-header condition (an ECS test rule). */
  testHeader?: { name: string; value: string };
  /** Forward to every group with these weights instead of targetGroupArn alone. */
  weighted?: { targets: string[]; weights: number[] };
}

export interface RuleChange {
  arn: string;
  headerName: string;
  headerValue: string;
  targetGroupArn: string;
  standbyTargetGroupArn?: string;
  resetTransforms?: boolean;
  testHeader?: { name: string; value: string };
  /** Send the conditions only: the forward action is left exactly as it is. */
  conditionsOnly?: boolean;
  /** `live`: the weights the rule has just before the call, 0 for a group new to it. */
  weighted?: { targets: string[]; weights: number[] | 'live' };
}

/** Published outputs: SSM String parameters under <outputsPrefix>/services/. */
export interface OutputMutations {
  /** overwrite false: create, tagged (never over an existing parameter); true: a new value for one routeyard owns. */
  putParameter(p: { name: string; value: string; overwrite: boolean; tags: Tags }): Promise<void>;
  deleteParameter(name: string): Promise<void>;
}

export interface ApiGatewayMutations {
  createApi(p: { name: string; description?: string; cors?: CorsSpec; tags: Tags }): Promise<string>;
  updateApi(p: { apiId: string; name: string; description?: string; cors?: CorsSpec }): Promise<void>;
  deleteCors(apiId: string): Promise<void>;
  tagApi(apiId: string, tags: Tags): Promise<void>;
  deleteApi(apiId: string): Promise<void>;
  createIntegration(apiId: string, spec: IntegrationSpec): Promise<string>;
  updateIntegration(apiId: string, integrationId: string, spec: IntegrationSpec, removeParameters: string[]): Promise<void>;
  deleteIntegration(apiId: string, integrationId: string): Promise<void>;
  createRoute(apiId: string, routeKey: string, integrationId: string): Promise<string>;
  updateRoute(apiId: string, routeId: string, integrationId: string): Promise<void>;
  deleteRoute(apiId: string, routeId: string): Promise<void>;
  createStage(apiId: string, stage: DesiredStage): Promise<string>;
  updateStage(apiId: string, stage: DesiredStage): Promise<void>;
  deleteStage(apiId: string, stageName: string): Promise<void>;
}

export interface NamingMutations {
  requestCertificate(name: string, tags: Tags, subjectAlternativeNames?: string[]): Promise<string>;
  deleteCertificate(arn: string): Promise<void>;
  createDomainName(name: string, certificateArn: string, tags: Tags, ipAddressType: 'ipv4' | 'dualstack'): Promise<string>;
  updateDomainName(name: string, certificateArn: string, ipAddressType: 'ipv4' | 'dualstack'): Promise<void>;
  deleteDomainName(name: string): Promise<void>;
  createApiMapping(domain: string, apiId: string, key: string): Promise<string>;
  updateApiMapping(domain: string, mappingId: string, apiId: string, key: string): Promise<void>;
  deleteApiMapping(domain: string, mappingId: string): Promise<void>;
  /** Adoption: add tags to a live custom domain. */
  tagDomainName(name: string, tags: Tags): Promise<void>;
  /** One ChangeResourceRecordSets batch, retried one name at a time if AWS rejects it; per name, the error if it failed. */
  changeRecords(zoneId: string, changes: RecordChange[]): Promise<Map<string, string | undefined>>;
}

export interface Mutations {
  loadBalancer: LoadBalancerMutations;
  apiGateway: ApiGatewayMutations;
  naming: NamingMutations;
  outputs: OutputMutations;
}
