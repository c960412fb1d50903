// The controller's task role, statement by statement. The rule: read calls on "*" only where
// AWS offers no resource for them; every write scoped to a resource (the shared listeners,
// one per ALB shard, and their rules, this account's and Region's target groups, this Region's HTTP APIs and domain
// names, certificates, the named hosted zones, the lease table, the document) and, where the
// service evaluates tags, to routeyard's owner tag: `aws:RequestTag` on create and on the
// tagging that adopts an existing resource (issue #17), `aws:ResourceTag` on change and delete.
//
// Sources: the Service Authorization Reference (SAR) pages for each service ("Actions defined
// by ..."; resource types and condition keys per action), the ELB guide "Tag resources during
// creation", the API Gateway guides "Tagging your API Gateway resources" and "Configure
// logging for HTTP APIs", the Route 53 guide "Using IAM policy conditions for
// fine-grained access control" (normalized names, record types), and the Systems Manager
// guide "Preventing access to Parameter Store API operations" (ssm:Overwrite).
import { Stack } from 'aws-cdk-lib';
import { Effect, ManagedPolicy, PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeNag } from './compliance.ts';
import type { DeployConfig } from './config.ts';

/** The tag routeyard puts on everything it creates (src/model/tags.ts OWNER_TAG). */
export const OWNER_TAG_KEY = 'routeyard:owner';
/** Target groups routeyard creates are named `ry-...` (src/plan/naming). */
export const TARGET_GROUP_NAME_PREFIX = 'ry-';
/** The tag routeyard puts on the outputs it publishes next to the owner tag (src/model/tags.ts SERVICE_TAG). */
export const SERVICE_TAG_KEY = 'routeyard:service';
/** Record types routeyard writes: A and AAAA (aliases), CNAME (certificate validation), TXT (ownership registry). */
export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'TXT'];

/**
 * HTTP API children routeyard writes (src/aws/apigateway/apply.ts): routes, integrations,
 * stages and the API's CORS configuration. API ids are 10 characters.
 */
const API_ID = '??????????';
export const API_CHILD_PATHS = [
  `/apis/${API_ID}/routes`,
  `/apis/${API_ID}/routes/*`,
  `/apis/${API_ID}/integrations`,
  `/apis/${API_ID}/integrations/*`,
  `/apis/${API_ID}/stages`,
  `/apis/${API_ID}/stages/*`,
  `/apis/${API_ID}/cors`,
];

/**
 * Mutating actions AWS authorizes only on Resource "*" (SAR: no resource type, no condition
 * key on the action's row). The policy test fails on any other mutating action on "*" that
 * is not conditioned on the owner tag. The README lists these with the same reasons.
 */
export const UNSCOPABLE_WRITES: Record<string, string> = {
  'logs:CreateLogDelivery': 'HTTP API access logging: API Gateway creates the log delivery with the caller\'s permissions; SAR lists only "*"',
  'logs:UpdateLogDelivery': 'HTTP API access logging (changing a stage\'s destination); SAR lists only "*"',
  'logs:DeleteLogDelivery': 'HTTP API access logging (removing a stage\'s access logs); SAR lists only "*"',
  'logs:PutResourcePolicy': 'HTTP API access logging: the delivery adds the log groups\' resource policy; SAR lists only "*"',
};

export interface TaskRolePolicyInput {
  config: DeployConfig;
  /**
   * Each shared ALB's listener ARN and its rules' ARN pattern (deploy-time tokens read from
   * SSM), one per shard: routeyard's rule writes are scoped to these listeners and their rules.
   */
  listeners: { listenerArn: string; listenerRulesArnPattern: string }[];
  hostedZoneIds: string[];
  /** The same zones' names (the records routeyard writes are below them). */
  zoneNames: string[];
  sharedParameterPrefix: string;
  /** spec.shared.outputsPrefix: routeyard publishes the services' outputs below `<prefix>/services/`. */
  outputsPrefix?: string;
  desiredStateParameterArn?: string;
  leaseTableArn: string;
}

/** Build the task role's statements (a pure function of the input, for the stack and the tests). */
export function taskRoleStatements(stack: Stack, input: TaskRolePolicyInput): PolicyStatement[] {
  const { region, account, partition } = stack;
  const owner = input.config.routeSetName;
  const ownerRequestTag = { [`aws:RequestTag/${OWNER_TAG_KEY}`]: owner };
  const ownerResourceTag = { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: owner };
  const elb = (resource: string) => `arn:${partition}:elasticloadbalancing:${region}:${account}:${resource}`;
  // Every shard's listener and its rules, and no other listener's (issue #18).
  const listeners = input.listeners.map((l) => l.listenerArn);
  const listenerRules = input.listeners.map((l) => l.listenerRulesArnPattern);
  /** The groups routeyard creates: `ry-<hash>` (CreateTargetGroup and its create-time AddTags). */
  const createdTargetGroups = elb(`targetgroup/${TARGET_GROUP_NAME_PREFIX}*/*`);
  /**
   * Any group of this account and Region (`targetgroup/<name>/<id>`): adoption tags a group the
   * user's stack named, and never renames or recreates it, so the groups routeyard changes and
   * deletes are not all `ry-`. Every grant on it requires the owner tag (in the request to tag
   * it; on the group to change or delete it), and a Deny refuses a group another owner has.
   */
  const anyTargetGroup = elb('targetgroup/*/*');
  const onlyRouteyardTagKeys = { 'ForAllValues:StringEquals': { 'aws:TagKeys': [OWNER_TAG_KEY, SERVICE_TAG_KEY] } };
  const otherOwner = { StringNotEquals: ownerResourceTag, Null: { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: 'false' } };
  // API Gateway ARNs carry the Region and no account.
  const apigw = (path: string) => `arn:${partition}:apigateway:${region}::${path}`;
  const certificates = `arn:${partition}:acm:${region}:${account}:certificate/*`;
  const logGroups = `arn:${partition}:logs:${region}:${account}:log-group:${input.config.accessLogGroupPrefix}*`;
  const statement = (sid: string, props: ConstructorParameters<typeof PolicyStatement>[0]) => new PolicyStatement({ sid, ...props });

  return [
    // --- Elastic Load Balancing v2 ---
    statement('ElbReadOnlyUnscopable', {
      // SAR: the Describe* actions take no resource type.
      // DescribeLoadBalancers: each shard's DNS name and hosted zone, checked against the document's alias target.
      actions: ['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTargetGroups',
        'elasticloadbalancing:DescribeTags', 'elasticloadbalancing:DescribeTargetHealth', 'elasticloadbalancing:DescribeLoadBalancers'],
      resources: ['*'],
    }),
    statement('ElbCreateRuleOnSharedListener', {
      // CreateRule is authorized on the listener (the rule has no ARN yet); the owner tag is
      // required in the request. Each shard's listener by its ARN: no other listener of the
      // account, even on an ALB of a similar name.
      actions: ['elasticloadbalancing:CreateRule'],
      resources: listeners,
      conditions: { StringEquals: ownerRequestTag },
    }),
    statement('ElbChangeOwnedRules', {
      // Rules routeyard created or adopted (the adopted rule keeps its ARN and priority; once
      // tagged it is changed and deleted like routeyard's own).
      actions: ['elasticloadbalancing:ModifyRule', 'elasticloadbalancing:DeleteRule'],
      resources: listenerRules,
      conditions: { StringEquals: ownerResourceTag },
    }),
    statement('ElbReorderRulesOfSharedListener', {
      // SAR lists no condition key on SetRulePriorities' row: the shared listeners' rules are the
      // narrowest scope (one call reorders rules of one listener).
      actions: ['elasticloadbalancing:SetRulePriorities'],
      resources: listenerRules,
    }),
    statement('ElbCreateOwnedTargetGroups', {
      // routeyard creates only `ry-` names (src/plan/naming); adoption never creates. A target
      // group serves one ALB only, so a service moving to another shard gets a new group;
      // target group ARNs name no ALB, so these grants are the same for every shard.
      // RegisterTargets and DeregisterTargets are not granted: the services' deployments
      // (ECS) register targets, and routeyard only waits for a healthy one.
      actions: ['elasticloadbalancing:CreateTargetGroup'],
      resources: [createdTargetGroups],
      conditions: { StringEquals: ownerRequestTag },
    }),
    statement('ElbChangeOwnedTargetGroups', {
      // The health check (ModifyTargetGroup) and the removal of a group routeyard owns by tag:
      // one it created (`ry-`) or one it adopted under the user's name. SAR: both actions take
      // targetgroup* with aws:ResourceTag, so the owner tag on the group is what scopes them;
      // DescribeTargetHealth takes no resource type and stays on "*" with the other reads.
      actions: ['elasticloadbalancing:ModifyTargetGroup', 'elasticloadbalancing:DeleteTargetGroup'],
      resources: [anyTargetGroup],
      conditions: { StringEquals: ownerResourceTag },
    }),
    statement('ElbTagOnCreateOnly', {
      // ELB guide "Tag resources during creation": tags passed to CreateRule/CreateTargetGroup
      // also need AddTags; CreateAction limits this grant to that case (any of routeyard's tag
      // keys, routeyard:role included).
      actions: ['elasticloadbalancing:AddTags'],
      resources: [...listeners, ...listenerRules, createdTargetGroups],
      conditions: { StringEquals: { 'elasticloadbalancing:CreateAction': ['CreateRule', 'CreateTargetGroup'], ...ownerRequestTag } },
    }),
    statement('ElbTagToAdopt', {
      // Adoption (src/plan/adoption.ts, src/aws/elbv2/apply.ts addTags): AddTags on an existing
      // rule of a shared listener or target group, outside any create. SAR: AddTags takes
      // listener-rule/app and targetgroup with aws:RequestTag, aws:TagKeys and aws:ResourceTag.
      // The request must name this RouteSet as owner and carry routeyard's two keys only, so it
      // can neither rewrite the user's own tags nor hand the resource to another owner
      // (`aws:cloudformation:*` tags are reserved: no caller changes them); the Deny below
      // refuses a resource another owner has already tagged.
      actions: ['elasticloadbalancing:AddTags'],
      resources: [...listenerRules, anyTargetGroup],
      conditions: { StringEquals: ownerRequestTag, ...onlyRouteyardTagKeys },
    }),
    statement('ElbDenyOtherOwners', {
      // Null=false: only where the owner tag is visible and names another RouteSet, so an
      // untagged (adoptable) rule or group is not refused. AddTags is the ELB write allowed
      // without the owner tag on the resource. SetRulePriorities, the other rule write not
      // conditioned on it, is refused too where AWS evaluates the rule's tags for it (copies of
      // SAR disagree on that row); routeyard never moves a rule it does not own.
      effect: Effect.DENY,
      actions: ['elasticloadbalancing:AddTags', 'elasticloadbalancing:SetRulePriorities'],
      resources: [...listenerRules, anyTargetGroup],
      conditions: otherOwner,
    }),

    // --- API Gateway (HTTP APIs, custom domain names) ---
    statement('ApiGatewayRead', {
      actions: ['apigateway:GET'],
      resources: [apigw('/apis'), apigw('/apis/*'), apigw('/domainnames'), apigw('/domainnames/*'), apigw('/tags/*')],
    }),
    statement('ApiGatewayCreateOwnedApisAndDomains', {
      // POST on the collections only: CreateApi and CreateDomainName carry the owner tag.
      actions: ['apigateway:POST'],
      resources: [apigw('/apis'), apigw('/domainnames')],
      conditions: { StringEquals: ownerRequestTag },
    }),
    statement('ApiGatewayTagOwned', {
      // TagResource when adopting an HTTP API or a custom domain (src/aws/apigateway/apply.ts
      // tagApi, domains.ts tagDomainName): POST on `/tags/<url-encoded ARN>`, whose ARN is the
      // API's (`/apis/<id>`) or the domain's (`/domainnames/<name>`), so `/tags/*` covers both.
      // SAR: the Tags resource type has no condition key of its own; POST's are aws:RequestTag
      // and aws:TagKeys. The request must name this RouteSet as owner, with routeyard's two keys
      // only. Once tagged, the domain's UpdateDomainName/DeleteDomainName and its API mappings
      // fall under ApiGatewayChangeOwnedApisAndDomains like a domain routeyard created.
      actions: ['apigateway:POST'],
      resources: [apigw('/tags/*')],
      conditions: { StringEquals: ownerRequestTag, ...onlyRouteyardTagKeys },
    }),
    statement('ApiGatewayChangeOwnedApisAndDomains', {
      // UpdateApi, DeleteApi; UpdateDomainName, DeleteDomainName, and the domain's API mappings
      // (UpdateApiMapping, DeleteApiMapping), which AWS authorizes with the domain's tags
      // (API Gateway guide, "Tagging your API Gateway resources": ApiMapping inherits them).
      actions: ['apigateway:PATCH', 'apigateway:DELETE'],
      resources: [apigw(`/apis/${API_ID}`), apigw('/domainnames/*')],
      conditions: { StringEquals: ownerResourceTag },
    }),
    statement('ApiGatewayWriteApiChildren', {
      // Routes, integrations, stages' and CORS writes, and CreateApiMapping: these cannot carry
      // tags, and AWS documents tag inheritance for authorization only for REST APIs, so a
      // tag condition here would deny routeyard's own calls. The Deny below refuses what
      // another owner has tagged.
      actions: ['apigateway:POST', 'apigateway:PATCH', 'apigateway:DELETE'],
      resources: [...API_CHILD_PATHS.map(apigw), apigw('/domainnames/*/apimappings')],
    }),
    statement('ApiGatewayDenyOtherOwners', {
      // Null=false: only where the owner tag is visible and names someone else. On `/tags/*`
      // it is kept for where API Gateway exposes the tagged resource's tags, but SAR lists no
      // aws:ResourceTag for the Tags resource type: there, what keeps routeyard from tagging
      // another RouteSet's API or domain is that adoption only tags resources without an owner
      // tag (src/plan/adoption.ts, src/plan/http-apis.ts).
      effect: Effect.DENY,
      actions: ['apigateway:POST', 'apigateway:PATCH', 'apigateway:PUT', 'apigateway:DELETE'],
      resources: [apigw('/apis/*'), apigw('/domainnames/*'), apigw('/tags/*')],
      conditions: otherOwner,
    }),
    statement('ApiGatewayDenyForeignAccessLogDestinations', {
      // SAR: apigateway:Request/AccessLoggingDestination on stages. Stages log only to the
      // configured log-group prefix.
      effect: Effect.DENY,
      actions: ['apigateway:POST', 'apigateway:PATCH'],
      resources: [apigw('/apis/*/stages'), apigw('/apis/*/stages/*')],
      conditions: { StringNotLike: { 'apigateway:Request/AccessLoggingDestination': logGroups }, Null: { 'apigateway:Request/AccessLoggingDestination': 'false' } },
    }),

    // --- ACM (certificates for custom domains) ---
    statement('AcmReadOnlyUnscopable', { actions: ['acm:ListCertificates'], resources: ['*'] }),
    statement('AcmRead', { actions: ['acm:DescribeCertificate', 'acm:ListTagsForCertificate'], resources: [certificates] }),
    statement('AcmRequestOwnedDnsValidated', {
      // SAR: RequestCertificate has no resource type; the owner tag and DNS validation are required.
      actions: ['acm:RequestCertificate'],
      resources: ['*'],
      conditions: { StringEquals: { ...ownerRequestTag, 'acm:ValidationMethod': 'DNS' } },
    }),
    statement('AcmTagOnRequest', {
      actions: ['acm:AddTagsToCertificate'],
      resources: [certificates],
      conditions: { StringEquals: ownerRequestTag },
    }),
    statement('AcmDeleteOwned', { actions: ['acm:DeleteCertificate'], resources: [certificates], conditions: { StringEquals: ownerResourceTag } }),
    statement('AcmDenyOtherOwners', {
      effect: Effect.DENY,
      actions: ['acm:AddTagsToCertificate', 'acm:DeleteCertificate'],
      resources: [certificates],
      conditions: { StringNotEquals: ownerResourceTag, Null: { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: 'false' } },
    }),

    // --- Route 53 (no tag-based authorization exists: scoped by zone and record type) ---
    statement('Route53ReadOnlyUnscopable', { actions: ['route53:ListHostedZonesByName'], resources: ['*'] }),
    ...(input.hostedZoneIds.length > 0
      ? [
          statement('Route53ReadNamedZones', {
            actions: ['route53:GetHostedZone', 'route53:ListResourceRecordSets'],
            resources: input.hostedZoneIds.map((id) => `arn:${partition}:route53:::hostedzone/${id}`),
          }),
          statement('Route53ChangeNamedZones', {
            actions: ['route53:ChangeResourceRecordSets'],
            resources: input.hostedZoneIds.map((id) => `arn:${partition}:route53:::hostedzone/${id}`),
            conditions: {
              'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': RECORD_TYPES },
              // Names below the zones only: never a zone's apex (the company's website, its MX).
              // Route 53 normalizes names to lower case without the trailing dot.
              'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': input.zoneNames.map((z) => `*.${z}`) },
            },
          }),
        ]
      : []),

    // --- CloudWatch Logs, for stage access logs (API Gateway guide "Configure logging for HTTP APIs") ---
    statement('AccessLogDeliveryUnscopable', {
      actions: [...Object.keys(UNSCOPABLE_WRITES), 'logs:GetLogDelivery', 'logs:ListLogDeliveries', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'],
      resources: ['*'],
    }),
    statement('AccessLogGroups', {
      actions: ['logs:CreateLogGroup', 'logs:DescribeLogStreams', 'logs:GetLogEvents', 'logs:FilterLogEvents'],
      resources: [logGroups],
    }),

    // --- The document's references, the desired state, the lease ---
    statement('SharedParametersRead', {
      actions: ['ssm:GetParameter', 'ssm:GetParameters'],
      resources: [
        `arn:${partition}:ssm:${region}:${account}:parameter${input.sharedParameterPrefix}/*`,
        ...(input.desiredStateParameterArn ? [input.desiredStateParameterArn] : []),
      ],
    }),
    statement('LeaseTable', { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [input.leaseTableArn] }),

    // --- The services' published outputs (spec.shared.outputsPrefix), only when configured ---
    ...(input.outputsPrefix ? outputsStatements(stack, input.outputsPrefix, owner) : []),
  ];
}

/**
 * SSM String parameters `<prefix>/services/<service>/<key>`, tagged with the owner and the
 * service. SAR, "Actions defined by AWS Systems Manager":
 *
 * | action | resource type | condition keys on the action's row |
 * |---|---|---|
 * | GetParametersByPath | parameter* (the path) | ssm:Recursive |
 * | GetParameter | parameter* | aws:ResourceTag |
 * | ListTagsForResource | parameter (and other types) | aws:ResourceTag |
 * | DescribeParameters | none: "*" | none |
 * | PutParameter | parameter* | aws:RequestTag, aws:TagKeys, ssm:Overwrite, ssm:Policies |
 * | AddTagsToResource | parameter (and other types) | aws:ResourceTag, aws:RequestTag, aws:TagKeys |
 * | DeleteParameter | parameter* | aws:ResourceTag |
 *
 * Writes stay below `<prefix>/services/` (the stack's own `<prefix>/ecs-infrastructure-role-arn`
 * is beside it, out of reach). PutParameter with Tags needs ssm:AddTagsToResource too (the
 * CloudFormation AWS::SSM::Parameter reference says so for the same call), and SSM refuses
 * Tags together with Overwrite, so a request carrying the owner tag is a create.
 */
export function outputsStatements(stack: Stack, prefix: string, owner: string): PolicyStatement[] {
  const { region, account, partition } = stack;
  const parameter = (name: string) => `arn:${partition}:ssm:${region}:${account}:parameter${name}`;
  const path = parameter(`${prefix}/services`);
  const outputs = parameter(`${prefix}/services/*`);
  const ownerRequestTag = { [`aws:RequestTag/${OWNER_TAG_KEY}`]: owner };
  const onlyRouteyardTags = { 'ForAllValues:StringEquals': { 'aws:TagKeys': [OWNER_TAG_KEY, SERVICE_TAG_KEY] } };
  const statement = (sid: string, props: ConstructorParameters<typeof PolicyStatement>[0]) => new PolicyStatement({ sid, ...props });
  return [
    statement('OutputsReadOnlyUnscopable', {
      // DescribeParameters (the owner-tag filter finds what routeyard published): SAR lists no resource type.
      actions: ['ssm:DescribeParameters'],
      resources: ['*'],
    }),
    statement('OutputsReadByPath', {
      // GetParametersByPath is authorized on the path it names (`<prefix>/services`, recursive).
      actions: ['ssm:GetParametersByPath'],
      resources: [path, outputs],
    }),
    statement('OutputsRead', {
      // After a lost answer: one parameter and its tags. Not conditioned on the owner tag: a
      // parameter another RouteSet owns is read to report the conflict.
      actions: ['ssm:GetParameter', 'ssm:ListTagsForResource'],
      resources: [outputs],
    }),
    statement('OutputsCreateOwned', {
      // Create (Overwrite=false) with the owner and service tags, and no other tag.
      actions: ['ssm:PutParameter'],
      resources: [outputs],
      conditions: { StringEquals: ownerRequestTag, ...onlyRouteyardTags },
    }),
    statement('OutputsTagOwned', {
      // The tags of a create (IAM checks AddTagsToResource for PutParameter's Tags), or
      // re-tagging: the request carries the owner tag, and only routeyard's two keys.
      actions: ['ssm:AddTagsToResource'],
      resources: [outputs],
      conditions: { StringEquals: ownerRequestTag, ...onlyRouteyardTags },
    }),
    statement('OutputsUpdate', {
      // A new value (Overwrite=true). SAR lists no aws:ResourceTag on PutParameter's row, so no
      // owner-tag condition can be relied on here: the path scopes it, and the Deny below
      // refuses a parameter tagged for another owner where SSM evaluates the tag.
      actions: ['ssm:PutParameter'],
      resources: [outputs],
      conditions: { StringEquals: { 'ssm:Overwrite': 'true' } },
    }),
    statement('OutputsDeleteOwned', {
      actions: ['ssm:DeleteParameter'],
      resources: [outputs],
      conditions: { StringEquals: { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: owner } },
    }),
    statement('OutputsDenyOtherOwners', {
      // Null=false: only where the owner tag is visible and names someone else.
      effect: Effect.DENY,
      actions: ['ssm:PutParameter', 'ssm:AddTagsToResource', 'ssm:DeleteParameter'],
      resources: [outputs],
      conditions: { StringNotEquals: { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: owner }, Null: { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: 'false' } },
    }),
  ];
}

/**
 * IAM quotas ("IAM and AWS STS quotas"): a customer managed policy holds at most 6,144
 * characters, and the inline policies of a role at most 10,240 together; white space is not
 * counted. The task role's statements alone pass 10,240 (about 10,700 with one ALB and an
 * outputs prefix, 900 more per ALB), so they cannot be inline: they are customer managed
 * policies, as many as they fill. A role takes 10 managed policies by default; ten ALBs need 4.
 */
export const MANAGED_POLICY_MAX_CHARACTERS = 6144;

/**
 * The most characters a value resolved from the template can take at deploy time, by what it
 * is: a partition (`aws-us-gov`), a listener ARN or its rules' pattern read from SSM (63
 * characters of `arn:<partition>:elasticloadbalancing:<region>:<account>:listener-rule/app/`
 * with the longest partition and Region, a 32-character ALB name, two 16-character ids, `/*`),
 * anything else (a table ARN with a 255-character name).
 */
const DEPLOY_TIME_LENGTH = { partition: 10, region: 14, account: 12, ssmParameter: 160, other: 320 };

/** An upper bound of a statement's size once CloudFormation has resolved it (no white space). */
export function statementSizeBound(stack: Stack, statement: PolicyStatement): number {
  return sizeBound(stack.resolve(statement.toStatementJson()));
}

/** An upper bound of the size of a template value (a policy document, a statement) at deploy time. */
export function sizeBound(template: unknown): number {
  const bound = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(bound).join(',')}]`;
    if (typeof v !== 'object' || v === null) return JSON.stringify(v);
    const o = v as Record<string, unknown>;
    const placeholder = (n: number) => JSON.stringify('x'.repeat(n));
    if ('Ref' in o) {
      const ref = String(o.Ref);
      if (ref === 'AWS::Partition') return placeholder(DEPLOY_TIME_LENGTH.partition);
      if (ref === 'AWS::Region') return placeholder(DEPLOY_TIME_LENGTH.region);
      if (ref === 'AWS::AccountId') return placeholder(DEPLOY_TIME_LENGTH.account);
      return placeholder(ref.startsWith('SsmParameterValue') ? DEPLOY_TIME_LENGTH.ssmParameter : DEPLOY_TIME_LENGTH.other);
    }
    if ('Fn::Join' in o) {
      const [separator, parts] = o['Fn::Join'] as [string, unknown[]];
      const text = parts.map((part) => (typeof part === 'string' ? part : (JSON.parse(bound(part)) as string))).join(separator);
      return JSON.stringify(text);
    }
    if (Object.keys(o).some((k) => k.startsWith('Fn::'))) return placeholder(DEPLOY_TIME_LENGTH.other);
    return `{${Object.entries(o).map(([k, x]) => `${JSON.stringify(k)}:${bound(x)}`).join(',')}}`;
  };
  return bound(template).length;
}

/** `{"Version":"2012-10-17","Statement":[...]}` around the statements. */
const DOCUMENT_OVERHEAD = JSON.stringify({ Version: '2012-10-17', Statement: [] }).length;

/**
 * The statements in order, cut into policies of at most `max` characters each (a statement is
 * never split; the commas between statements are counted).
 */
export function packStatements(stack: Stack, statements: PolicyStatement[], max = MANAGED_POLICY_MAX_CHARACTERS): PolicyStatement[][] {
  const parts: PolicyStatement[][] = [];
  let size = Infinity;
  for (const statement of statements) {
    const n = statementSizeBound(stack, statement);
    if (DOCUMENT_OVERHEAD + n > max) throw new Error(`task role statement ${statement.sid ?? ''} may take ${n} characters, more than a managed policy holds (${max})`);
    if (size + 1 + n > max) {
      parts.push([]);
      size = DOCUMENT_OVERHEAD - 1;
    }
    parts.at(-1)!.push(statement);
    size += 1 + n;
  }
  return parts;
}

/**
 * Attach the statements to the task role as customer managed policies (`TaskRolePolicy/Part<n>`,
 * in order, each within IAM's 6,144 characters), with the cdk-nag acknowledgements they need.
 */
export function addTaskRolePolicy(scope: Construct, role: Role, input: TaskRolePolicyInput): ManagedPolicy[] {
  const stack = Stack.of(scope);
  const policy = new Construct(scope, 'TaskRolePolicy');
  const parts = packStatements(stack, taskRoleStatements(stack, input));
  const policies = parts.map(
    (statements, i) =>
      new ManagedPolicy(policy, `Part${i + 1}`, {
        roles: [role],
        statements,
        description: `routeyard task role: least-privilege permissions, part ${i + 1} of ${parts.length}`,
      }),
  );
  // cdk-nag names each wildcard resource; one acknowledgement each, with why it is the narrowest.
  const arn = (rest: string) => `Resource::arn:<AWS::Partition>:${rest}`;
  const here = `${stack.region}:${stack.account}`;
  const acks: [string, string][] = [
    ['Resource::*', 'Only actions the Service Authorization Reference defines with no resource type: elasticloadbalancing:Describe*, acm:ListCertificates, ' +
      'route53:ListHostedZonesByName, the CloudWatch Logs delivery actions HTTP API access logging needs, ssm:DescribeParameters (with an outputs prefix), ' +
      'and acm:RequestCertificate, which the policy conditions on the owner tag and DNS validation.'],
    [arn(`elasticloadbalancing:${here}:targetgroup/${TARGET_GROUP_NAME_PREFIX}*/*`), 'Target groups routeyard creates are named ry-<hash> with AWS-assigned ids: CreateTargetGroup (and the AddTags of that create) only, with the owner tag in the request.'],
    [arn(`elasticloadbalancing:${here}:targetgroup/*/*`),
      'Target groups routeyard owns by tag: the ry- groups it created and the groups it adopted (issue #17), which keep the name the user\'s stack gave them. ' +
        'ModifyTargetGroup and DeleteTargetGroup require the owner tag on the group; AddTags requires it in the request with only routeyard\'s two tag keys; ' +
        'a Deny refuses AddTags on a group another owner has tagged. Group ids are AWS-assigned.'],
    [arn(`apigateway:${stack.region}::/apis/*`), "Reads only (apigateway:GET) of this Region's HTTP APIs and their children, and the Deny that refuses writes to another owner's."],
    [arn(`apigateway:${stack.region}::/domainnames/*`), 'Custom domain names come from the document and change with it: reads, and PATCH/DELETE conditioned on the owner tag of the domain (which its API mappings inherit).'],
    ...['routes', 'integrations', 'stages'].map((child): [string, string] => [
      arn(`apigateway:${stack.region}::/apis/${API_ID}/${child}/*`),
      `HTTP API ${child} get AWS-assigned ids (stages: the $default stage) and cannot carry tags, so no tag condition can scope them; the path keeps them under one API, and a Deny refuses an API another owner has tagged.`,
    ]),
    [arn(`apigateway:${stack.region}::/domainnames/*/apimappings`), "CreateApiMapping on a domain the document names; a Deny refuses a domain another owner has tagged."],
    [arn(`apigateway:${stack.region}::/tags/*`), 'Tag paths embed the URL-encoded ARN of the HTTP API or custom domain the controller adopts (adopt: true); TagResource requires the owner tag in the request and only routeyard\'s two tag keys. The Tags resource type has no condition key of its own (SAR), so adoption tags only resources without an owner tag.'],
    [arn(`acm:${here}:certificate/*`), 'Certificate ids are assigned by ACM; reads are needed to find a certificate covering a name, deletion requires the owner tag on the certificate.'],
    [arn(`logs:${here}:log-group:${input.config.accessLogGroupPrefix}*`), 'The access-log groups the document names, under the configured prefix (API Gateway "Configure logging for HTTP APIs").'],
    [arn(`ssm:${here}:parameter${input.sharedParameterPrefix}/*`), "Read only: the shared parameters the document's ssm: references name (listener, VPC link, VPC, ALB DNS name and zone)."],
    ...(input.outputsPrefix
      ? [[arn(`ssm:${here}:parameter${input.outputsPrefix}/services/*`),
          "The services' outputs routeyard publishes, <prefix>/services/<service>/<key>: names follow the document's services. Creates require the owner tag in the request " +
            '(and only routeyard\'s two tag keys), deletes require it on the parameter, and a Deny refuses writes to a parameter tagged for another owner.'] as [string, string]]
      : []),
  ];
  for (const [finding, reason] of acks) acknowledgeNag(policy, `AwsSolutions-IAM5[${finding}]`, reason);
  return policies;
}
