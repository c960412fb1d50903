// The deployment's settings, read from CDK context (cdk.json, cdk.context.json or `-c key=value`).
// One place reads and checks them, so a wrong value fails synth with the context key and the
// reason, before CloudFormation sees anything.
import type { Node } from 'constructs';

/** Where the controller reads its desired state. */
export type DesiredStateSource =
  | { kind: 's3'; key: string }
  | { kind: 'ssm'; parameterName: string };

export interface DeployConfig {
  /** The account and Region every stack deploys to. Lookups need them concrete. */
  account: string;
  region: string;
  /** The existing VPC (looked up; the answer is cached in cdk.context.json). */
  vpcId: string;
  /** Prefix of the SSM parameters the shared stacks write (the document's `ssm:` references). */
  parameterPrefix: string;
  vpcLinkName: string;
  albName: string;
  listenerPort: number;
  /**
   * The shared ALBs ("shards"), 1 to MAX_ALB_COUNT (context `albCount`, default 1). The first
   * is today's ALB (named `albName`, its resources' logical ids unchanged); each one has its
   * own listener and its own SSM parameters under `<parameterPrefix>/load-balancers/<name>/`.
   */
  loadBalancers: LoadBalancerShard[];
  /** Optional WAF web ACL (regional) associated with the ALB. */
  wafWebAclArn?: string;
  /** Optional private hosted zone the shared ALB stack creates in the VPC. */
  privateHostedZoneName?: string;
  /** Days the ALB's access logs are kept before the lifecycle rule expires them. */
  albAccessLogExpirationDays: number;
  /** Public hosted zones (looked up) where routeyard writes certificate validation and alias records. */
  publicHostedZones: string[];
  /** The RouteSet's `metadata.name`: the value of the `routeyard:owner` tag on what it owns. */
  routeSetName: string;
  desiredState: DesiredStateSource;
  /** A container image URI; absent: built from the repository's Dockerfile by `cdk deploy`. */
  image?: string;
  leaseTableName: string;
  /** Log groups named in the document's `accessLog.destinationArn`s start with this. */
  accessLogGroupPrefix: string;
  logRetentionDays: number;
  /** The controller's flags that come from the stack (durations as routeyard takes them). */
  interval: string;
  sourcePoll: string;
  domainPace: string;
  /** Optional CIDR (a VPN, a bastion subnet) allowed to reach the dashboard and /drift on 8080. */
  dashboardIngressCidr?: string;
  /** The event-hint queue and EventBridge rules (--events-queue). */
  eventHints: boolean;
  /** --verify-within and --verify-budget. */
  verifyWithin: string;
  verifyBudget: number;
  /** --notify-webhook (optional), --notify-repeat, --report-url (optional). */
  notifyWebhook?: string;
  notifyRepeat: string;
  reportUrl?: string;
  /** A CloudTrail trail for accounts that have none (EventBridge sees API calls only through one). */
  createTrail: boolean;
  /**
   * The RouteSet's `spec.shared.outputsPrefix`: routeyard publishes each service's outputs as
   * SSM String parameters under `<prefix>/services/<name>/`. Absent: the task role gets no
   * SSM write at all.
   */
  outputsPrefix?: string;
  /**
   * The ECS infrastructure role for load balancers (ECS blue/green, linear and canary
   * deployments): created by the routeyard stack, its ARN a stack output and, with an
   * outputs prefix, the parameter `<prefix>/ecs-infrastructure-role-arn`.
   */
  ecsInfrastructureRole: boolean;
}

/** One shared ALB of the platform: an entry of the document's `spec.shared.loadBalancers`. */
export interface LoadBalancerShard {
  /** 1-based: shard 1 is today's ALB. */
  index: number;
  /** The shard's name in the document (`spec.shared.loadBalancers[].name`, `services[].loadBalancer`): `alb-<index>`. */
  name: string;
  /** The ALB's name (ELBv2 CreateLoadBalancer Name): `albName` for shard 1, `<albName>-<index>` for the others. */
  albName: string;
}

/**
 * The most ALBs the app creates (a document's `spec.shared.loadBalancers` may list up to 20
 * shards, ALBs made elsewhere included). With ten, the task role's statements fill 4 of the
 * 10 managed policies a role takes by default.
 */
export const MAX_ALB_COUNT = 10;
/** ELBv2 load balancer names: at most 32 letters, digits and "-", no "-" first or last, not starting with "internal-". */
const ALB_NAME = /^(?!internal-)[a-zA-Z0-9]([a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$/;

/** The shard name of the `index`-th ALB (1-based). */
export function shardName(index: number): string {
  return `alb-${index}`;
}

/**
 * The name of the `index`-th ALB: `albName` itself for the first (existing deployments keep
 * their ALB), `<albName>-<index>` for the others, `albName` cut short (and any "-" it then
 * ends with dropped) so the name stays within ELB's 32 characters.
 */
export function shardAlbName(albName: string, index: number): string {
  if (index === 1) return albName;
  const suffix = `-${index}`;
  return `${albName.slice(0, 32 - suffix.length).replace(/-+$/, '')}${suffix}`;
}

export class ConfigError extends Error {
  constructor(key: string, reason: string) {
    super(`context "${key}": ${reason}`);
    this.name = 'ConfigError';
  }
}

const PREFIX = 'routeyard:';
/**
 * The outputs prefix, as the RouteSet document's schema takes it (src/desired/schema.ts,
 * OutputsPrefix): SSM's rules for names (PutParameter API reference, "Working with parameter
 * hierarchies"): levels of letters, digits, "_", "." and "-"; no name starting with "aws" or
 * "ssm" in any case (reserved); at most 15 levels, of which routeyard adds three
 * (services/<name>/<key>).
 */
export const OUTPUTS_PREFIX_MAX_LEVELS = 12;
export const OUTPUTS_PREFIX_MAX_LENGTH = 512;
const DURATION = /^\d+(ms|s|m|h)$/;
// CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Read the deployment settings from a construct tree's context. */
export function readConfig(node: Node): DeployConfig {
  const raw = (name: string): unknown => node.tryGetContext(PREFIX + name);
  const str = (name: string, pattern?: RegExp, why?: string): string => {
    const v = raw(name);
    if (typeof v !== 'string' || v.length === 0) throw new ConfigError(PREFIX + name, 'is required (a non-empty string)');
    if (pattern && !pattern.test(v)) throw new ConfigError(PREFIX + name, `${JSON.stringify(v)} ${why ?? `does not match ${pattern}`}`);
    return v;
  };
  const optional = (name: string, pattern?: RegExp, why?: string): string | undefined => {
    const v = raw(name);
    if (v === undefined || v === null || v === '') return undefined;
    return str(name, pattern, why);
  };
  const int = (name: string, min: number, max: number, why = ''): number => {
    const v = raw(name);
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(PREFIX + name, `${JSON.stringify(v)} must be a whole number from ${min} to ${max}${why}`);
    }
    return n;
  };
  const list = (name: string, pattern: RegExp, why: string): string[] => {
    const v = raw(name);
    // `-c key=a,b` arrives as a string; cdk.json holds a list.
    const items = typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v;
    if (!Array.isArray(items) || !items.every((i) => typeof i === 'string')) {
      throw new ConfigError(PREFIX + name, 'must be a list of strings');
    }
    for (const i of items) if (!pattern.test(i)) throw new ConfigError(PREFIX + name, `${JSON.stringify(i)} ${why}`);
    return items;
  };
  const fraction = (name: string): number => {
    const v = raw(name);
    const n = typeof v === 'string' ? Number(v) : v;
    if (typeof n !== 'number' || !(n > 0 && n <= 1)) throw new ConfigError(PREFIX + name, `${JSON.stringify(v)} must be a number above 0 and at most 1`);
    return n;
  };
  const bool = (name: string): boolean => {
    const v = raw(name);
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false' || v === undefined) return false;
    throw new ConfigError(PREFIX + name, `${JSON.stringify(v)} must be true or false`);
  };
  const duration = (name: string, minMs = 0): string => {
    const v = str(name, DURATION, 'must be a duration such as 500ms, 30s, 5m or 1h');
    const [, n = '0', unit = 'ms'] = /^(\d+)(ms|s|m|h)$/.exec(v) ?? [];
    const ms = Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms'];
    // The controller refuses these flags below its own minimums: fail here, not in a crash-looping task.
    if (ms < minMs) throw new ConfigError(PREFIX + name, `${v} is below the controller's minimum of ${minMs >= 1000 ? `${minMs / 1000}s` : `${minMs}ms`}`);
    return v;
  };

  const sourceKind = str('desiredStateSource', /^(s3|ssm)$/, 'must be "s3" or "ssm"');
  const desiredState: DesiredStateSource =
    sourceKind === 's3'
      ? { kind: 's3', key: str('desiredStateKey', /^[^/].{0,1023}$/, 'must be an S3 key that does not start with "/"') }
      : { kind: 'ssm', parameterName: str('desiredStateParameter', /^(\/[a-zA-Z0-9_.-]+)+$/, 'must be an SSM parameter name starting with "/"') };

  const logRetentionDays = int('logRetentionDays', 1, 3653);
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    throw new ConfigError(PREFIX + 'logRetentionDays', `${logRetentionDays} is not a retention CloudWatch Logs accepts (${LOG_RETENTION_DAYS.join(', ')})`);
  }
  const region = str('region', /^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a Region such as eu-west-1');
  const wafWebAclArn = optional('wafWebAclArn', /^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional\/webacl\/.+$/, 'must be a regional WAFv2 web ACL ARN');
  if (wafWebAclArn && wafWebAclArn.split(':')[3] !== region) {
    throw new ConfigError(PREFIX + 'wafWebAclArn', `is in ${wafWebAclArn.split(':')[3]}; a web ACL associated with the ALB must be in its Region, ${region}`);
  }
  const albName = str('albName', ALB_NAME, 'must be 1-32 letters, digits or "-", not starting or ending with "-" nor starting with "internal-" (ELBv2 CreateLoadBalancer)');
  const albCountRaw = raw('albCount');
  const albCount =
    albCountRaw === undefined || albCountRaw === null || albCountRaw === ''
      ? 1
      : int('albCount', 1, MAX_ALB_COUNT, ': the number of shared ALBs the SharedAlb stack makes (alb-1 .. alb-N)');
  const loadBalancers = Array.from({ length: albCount }, (_, i): LoadBalancerShard => ({ index: i + 1, name: shardName(i + 1), albName: shardAlbName(albName, i + 1) }));
  const invalid = loadBalancers.find((lb) => !ALB_NAME.test(lb.albName));
  if (invalid) {
    throw new ConfigError(PREFIX + 'albName', `${JSON.stringify(albName)} gives ALB ${invalid.index} the name ${JSON.stringify(invalid.albName)}, which ELB refuses (it starts with "internal-"): choose another albName`);
  }
  const clash = loadBalancers.find((lb, i) => loadBalancers.findIndex((other) => other.albName === lb.albName) !== i);
  if (clash) {
    throw new ConfigError(PREFIX + 'albName', `${JSON.stringify(albName)} with albCount ${albCount} names two ALBs ${JSON.stringify(clash.albName)} (ALB ${clash.index} is <albName>-${clash.index}, cut to 32 characters): choose a shorter albName or one not ending in "-<number>"`);
  }
  const domainName = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
  const parameterPrefix = str('parameterPrefix', /^(\/[a-zA-Z0-9_.-]+)+$/, 'must start with "/" and not end with "/"');
  const outputsPrefix = optional('outputsPrefix');
  if (outputsPrefix !== undefined) {
    checkOutputsPrefix(outputsPrefix);
    // routeyard overwrites and deletes what it owns under <prefix>/services/: nothing the stacks
    // or the controller read may live there.
    const services = `${outputsPrefix}/services/`;
    for (const [key, name] of [['parameterPrefix', `${parameterPrefix}/`], ['desiredStateParameter', desiredState.kind === 'ssm' ? desiredState.parameterName : undefined]] as const) {
      if (name?.startsWith(services)) throw new ConfigError(PREFIX + 'outputsPrefix', `${JSON.stringify(outputsPrefix)} would put routeyard's writes (${services}*) over ${PREFIX}${key} ${JSON.stringify(name.replace(/\/$/, ''))}`);
    }
  }

  return {
    account: str('account', /^\d{12}$/, 'must be a 12-digit AWS account id'),
    region,
    vpcId: str('vpcId', /^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id (vpc-...)'),
    parameterPrefix,
    vpcLinkName: str('vpcLinkName', /^[\w-]{1,128}$/, 'must be 1-128 letters, digits, "-" or "_"'),
    albName,
    listenerPort: int('listenerPort', 1, 65535),
    loadBalancers,
    wafWebAclArn,
    privateHostedZoneName: optional('privateHostedZoneName', domainName, 'must be a lower-case DNS name without a trailing dot'),
    albAccessLogExpirationDays: int('albAccessLogExpirationDays', 1, 3650),
    publicHostedZones: list('publicHostedZones', domainName, 'must be a lower-case DNS name without a trailing dot'),
    routeSetName: str('routeSetName', /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be the RouteSet's metadata.name (lower-case letters, digits and \"-\")"),
    desiredState,
    image: optional('image'),
    leaseTableName: str('leaseTableName', /^[a-zA-Z0-9_.-]{3,255}$/, 'must be a DynamoDB table name (3-255 of a-z, A-Z, 0-9, "_", "-", ".")'),
    accessLogGroupPrefix: str('accessLogGroupPrefix', /^[\w\-/.#]{1,512}$/, 'must be a log group name prefix'),
    logRetentionDays,
    interval: duration('interval', 1000),
    sourcePoll: duration('sourcePoll', 200),
    domainPace: duration('domainPace'),
    eventHints: bool('eventHints'),
    verifyWithin: duration('verifyWithin', 1000),
    verifyBudget: fraction('verifyBudget'),
    notifyWebhook: optional('notifyWebhook', /^https?:\/\/\S+$/, 'must be an http(s) URL'),
    notifyRepeat: duration('notifyRepeat', 1000),
    reportUrl: optional('reportUrl', /^https?:\/\/\S+$/, 'must be an http(s) URL'),
    createTrail: bool('createTrail'),
    dashboardIngressCidr: optional('dashboardIngressCidr', /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, 'must be an IPv4 CIDR such as 10.20.0.0/16'),
    ...(outputsPrefix !== undefined ? { outputsPrefix } : {}),
    ecsInfrastructureRole: bool('ecsInfrastructureRole'),
  };
}

/** Refuse an outputs prefix SSM or routeyard would refuse, with the reason. */
function checkOutputsPrefix(prefix: string): void {
  const fail = (reason: string) => {
    throw new ConfigError(PREFIX + 'outputsPrefix', `${JSON.stringify(prefix)} ${reason}`);
  };
  if (!/^(\/[A-Za-z0-9_.-]+)+$/.test(prefix)) {
    fail('must be an SSM parameter path such as /acmecorp/routeyard: "/" then levels of letters, digits, "_", "." and "-", no trailing "/"');
  }
  if (prefix.length > OUTPUTS_PREFIX_MAX_LENGTH) fail(`is longer than ${OUTPUTS_PREFIX_MAX_LENGTH} characters`);
  const levels = prefix.split('/').slice(1);
  if (/^(aws|ssm)/i.test(levels[0]!)) fail('must not start with "aws" or "ssm" (any case): SSM reserves those names');
  if (levels.length > OUTPUTS_PREFIX_MAX_LEVELS) {
    fail(`has ${levels.length} levels; at most ${OUTPUTS_PREFIX_MAX_LEVELS}: SSM allows 15 in a parameter name and routeyard adds services/<name>/<key>`);
  }
}

/** The SSM parameter names the shared stacks write, under the configured prefix. */
export function sharedParameterNames(prefix: string) {
  return {
    // Referenced by the RouteSet document (spec.shared).
    vpcLinkId: `${prefix}/vpc-link-id`,
    listenerArn: `${prefix}/alb-listener-arn`,
    albDnsName: `${prefix}/alb-dns-name`,
    albHostedZoneId: `${prefix}/alb-hosted-zone-id`,
    vpcId: `${prefix}/vpc-id`,
    // Read by the other stacks at deploy time instead of CloudFormation exports.
    vpcLinkSecurityGroupId: `${prefix}/vpc-link-security-group-id`,
    listenerRulesArnPattern: `${prefix}/alb-listener-rules-arn-pattern`,
    privateHostedZoneId: `${prefix}/private-hosted-zone-id`,
  };
}

/**
 * The SSM parameters of one shard, under `<prefix>/load-balancers/<shard>/`, written for every
 * shard (the first one's too, beside the one-ALB names above): the document's
 * `spec.shared.loadBalancers[]` references the first three; the routeyard stack reads the
 * listener and its rules' pattern for the task role.
 */
export function shardParameterNames(prefix: string, shard: string) {
  const base = `${prefix}/load-balancers/${shard}`;
  return {
    listenerArn: `${base}/listener-arn`,
    albDnsName: `${base}/alb-dns-name`,
    albHostedZoneId: `${base}/alb-hosted-zone-id`,
    listenerRulesArnPattern: `${base}/listener-rules-arn-pattern`,
  };
}

/**
 * The SSM parameters under the outputs prefix. routeyard writes only below `services`
 * (`<prefix>/services/<name>/<key>`); the routeyard stack writes the one beside it.
 */
export function outputParameterNames(prefix: string) {
  return {
    /** What routeyard publishes, one path per service. */
    services: `${prefix}/services`,
    service: (name: string, key: ServiceOutputKey) => `${prefix}/services/${name}/${key}`,
    /** Written by the routeyard stack (ecsInfrastructureRole): advancedConfiguration.roleArn. */
    ecsInfrastructureRoleArn: `${prefix}/ecs-infrastructure-role-arn`,
  };
}

/** The keys routeyard publishes for each service (the ones that apply to it). */
export const SERVICE_OUTPUT_KEYS = [
  'target-group-arn',
  'alternate-target-group-arn',
  'production-rule-arn',
  'test-rule-arn',
  'api-id',
  'api-endpoint',
  'domain-target',
] as const;
export type ServiceOutputKey = (typeof SERVICE_OUTPUT_KEYS)[number];
