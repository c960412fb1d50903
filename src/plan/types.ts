import type { CorsSettings, DesiredStage, HealthCheckSettings } from '../model/desired.ts';
import type { ObservedRecord } from '../model/observed.ts';
import type { Diff, OutputKey, ResourceKind, Status } from '../model/report-contract.ts';
import type { Tags } from '../model/tags.ts';

/**
 * Statuses, kinds and diffs are the report contract's (model/report-contract.ts). `Pending`:
 * converging, but waiting on something outside routeyard (healthy targets in a replacement
 * target group). Not an error; the next pass carries on.
 */
export type { Diff, ResourceKind, Status };

/** Plan as data: what would change, why, and field by field. The report is a view of it. */
export type Op = 'create' | 'update' | 'replace' | 'delete';

/** A record set as routeyard writes it: the same shape it reads (names lowercase, no trailing dot). */
export type RecordSpec = ObservedRecord;

/** One change in a ChangeResourceRecordSets batch. DELETE carries the record exactly as it is. */
export interface RecordChange {
  action: 'CREATE' | 'UPSERT' | 'DELETE';
  record: RecordSpec;
}

/** A value known now, or the id an earlier action of the same pass will produce. */
/**
 * A value known now, or the id an earlier action of the same pass will produce; `template`
 * wraps that id ("https://{id}.execute-api.REGION.amazonaws.com" for an API's endpoint).
 */
export type Ref = { value: string } | { fromAction: string; template?: string };

export interface IntegrationSpec {
  integrationType: 'HTTP_PROXY';
  connectionType: 'VPC_LINK';
  connectionId: string;
  integrationUri: string;
  integrationMethod: 'ANY';
  payloadFormatVersion: string;
  requestParameters: Record<string, string>;
}

export type CorsSpec = CorsSettings;

/** What the applier must do; one variant per AWS mutation routeyard makes. */
export type Payload =
  | { type: 'createTargetGroup'; name: string; port: number; protocol: string; targetType: string; vpcId: string; healthCheck: HealthCheckSettings; tags: Tags }
  | { type: 'modifyTargetGroup'; arn: string; healthCheck: HealthCheckSettings }
  | { type: 'deleteTargetGroup'; arn: string }
  | {
      type: 'createRule';
      listenerArn: string;
      priority: number;
      headerName: string;
      headerValue: string;
      targetGroupArn: Ref;
      tags: Tags;
      /** ECS test rule: a second http-header condition. */
      testHeader?: { name: string; value: string };
      /** ECS deployments: forward to every group with these weights (targetGroupArn is the first). */
      weighted?: { targets: Ref[]; weights: number[] };
    }
  | {
      type: 'modifyRule';
      arn: string;
      headerName: string;
      headerValue: string;
      targetGroupArn: Ref;
      /** A replacement's new group, attached with weight 0 beside targetGroupArn (see target-groups.ts). */
      standbyTargetGroupArn?: Ref;
      /** Remove the rule's transforms (ModifyRule ResetTransforms). */
      resetTransforms?: boolean;
      /** ECS test rule: a second http-header condition. */
      testHeader?: { name: string; value: string };
      /** Send the conditions only; the forward action stays exactly as it is live. */
      conditionsOnly?: boolean;
      /**
       * Forward to these groups. `live`: each keeps the weight the rule has when the call is
       * made (read again just before it), a group new to the rule gets 0: the weights are
       * another actor's (plan/field-ownership.ts).
       */
      weighted?: { targets: Ref[]; weights: number[] | 'live' };
    }
  | {
      type: 'setRulePriority';
      arn: string;
      from: number;
      priority: number;
      /** Set when another rule moves onto this rule's current priority in the same pass (see staging.ts). */
      stagingPriority?: number;
    }
  | { type: 'deleteRule'; arn: string }
  | { type: 'createApi'; name: string; description?: string; cors?: CorsSpec; tags: Tags }
  | { type: 'updateApi'; apiId: string; name: string; description?: string; cors?: CorsSpec }
  | { type: 'deleteCors'; apiId: string }
  | { type: 'tagApi'; apiId: string; tags: Tags }
  | { type: 'deleteApi'; apiId: string }
  | { type: 'createIntegration'; apiId: Ref; spec: IntegrationSpec }
  | { type: 'updateIntegration'; apiId: string; integrationId: string; spec: IntegrationSpec; removeParameters: string[] }
  | { type: 'deleteIntegration'; apiId: string; integrationId: string }
  | { type: 'createRoute'; apiId: Ref; routeKey: string; integrationId: Ref }
  | { type: 'updateRoute'; apiId: string; routeId: string; routeKey: string; integrationId: Ref }
  | { type: 'deleteRoute'; apiId: string; routeId: string }
  | { type: 'createStage'; apiId: Ref; stage: DesiredStage }
  | { type: 'updateStage'; apiId: string; stage: DesiredStage }
  | { type: 'deleteStage'; apiId: string; stageName: string }
  | { type: 'requestCertificate'; name: string; subjectAlternativeNames?: string[]; tags: Tags }
  | { type: 'deleteCertificate'; arn: string }
  | { type: 'createDomainName'; name: string; certificateArn: string; ipAddressType: 'ipv4' | 'dualstack'; tags: Tags }
  | { type: 'updateDomainName'; name: string; certificateArn: string; ipAddressType: 'ipv4' | 'dualstack' }
  | { type: 'deleteDomainName'; name: string }
  | { type: 'createApiMapping'; domain: string; apiId: Ref; key: string }
  | { type: 'updateApiMapping'; domain: string; mappingId: string; apiId: Ref; key: string }
  | { type: 'deleteApiMapping'; domain: string; mappingId: string }
  | { type: 'changeRecord'; zoneId: string; zoneName: string; change: RecordChange }
  | { type: 'putParameter'; name: string; value: Ref; overwrite: boolean; tags: Tags }
  /** Adoption: the ownership tags on a live rule or target group (ELB AddTags). */
  | { type: 'tagLoadBalancerResource'; arn: string; tags: Tags }
  /** Adoption: the ownership tags on a live custom domain (API Gateway TagResource). */
  | { type: 'tagDomainName'; name: string; tags: Tags }
  | { type: 'deleteParameter'; name: string };

export interface Action {
  /** Unique within a plan; later actions refer to it to get the id it produced. */
  id: string;
  op: Op;
  kind: ResourceKind;
  service: string;
  /** The live id or ARN, or for a create the name it will have. */
  resourceId: string;
  reason: string;
  diffs: Diff[];
  /** Dependency order: lower phases run first (see phases.ts). */
  phase: number;
  payload: Payload;
}

export interface ResourceState {
  kind: ResourceKind;
  id: string;
  status: Status;
  diffs: Diff[];
  /** Why the resource is in this state, for Conflict, Error and notable cases. */
  message?: string;
  /** false: not read this pass (rolling verification): reported as last verified. */
  readThisPass?: false;
  /** Something that will break unless someone acts; the status is unchanged. */
  warning?: string;
}

export interface ServicePlan {
  name: string;
  status: Status;
  resources: ResourceState[];
  /** Set for services with manage: observe (their actions are in Plan.observed, never applied). */
  manage?: 'observe';
  /** What the service publishes (plan/outputs.ts): values now, or from an action of this plan. */
  outputs?: Partial<Record<OutputKey, Ref>>;
  /** The shard (spec.shared.loadBalancers) the service lives on or moves to; set when the document has several, or pins it. */
  loadBalancer?: string;
  /** While it moves: the shard it is leaving (which keeps its traffic until the move is done). */
  movingFrom?: string;
}

export interface Plan {
  services: ServicePlan[];
  actions: Action[];
  /** What would be done for services with manage: observe: reported, never applied. */
  observed?: Action[];
  /**
   * What routeyard owns now, by kind: rules, target groups, APIs, and names (custom domains,
   * their API mappings, certificates, DNS records): the mass-delete guard's denominators.
   */
  ownedByKind: Partial<Record<ResourceKind, number>>;
  /**
   * Of those, how many this plan deletes for good, by kind. A target group replaced by a new
   * one is not counted, nor is a record's registry entry (it goes with its record).
   */
  deletesByKind: Partial<Record<ResourceKind, number>>;
  /** Registry-looking TXT records under names routeyard never writes: ignored (model/dns.ts). */
  ignoredRegistryEntries?: number;
  /** How full each ALB is, as read this pass (the shards of spec.shared.loadBalancers, then departed ones). */
  loadBalancers?: LoadBalancerUse[];
  /** Totals of the two above. */
  ownedResourceCount: number;
  deleteCount: number;
}

/** One ALB's quotas as the pass read them, and the services placed on it. */
export interface LoadBalancerUse {
  name: string;
  listenerArn: string;
  /** No longer in the document: its services are moving away. */
  departed?: true;
  /** Non-default rules on every listener of the ALB, foreign ones included, and the quota. */
  rules: number;
  ruleQuota?: number;
  /** Target groups attached to the ALB, and AWS's quota (100). */
  targetGroups: number;
  targetGroupQuota: number;
  /** Services of the document planned on it (moving ones counted where they go). */
  services: number;
}
