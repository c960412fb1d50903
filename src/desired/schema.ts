import { z } from 'zod';
import { LOG_GROUP_ARN } from '../model/arns.ts';

/**
 * The desired-state document: one schema, used both to validate at run time and to
 * generate `schema/routeset.schema.json` (see write-schema.ts). The field names are a
 * public contract: add fields, rename none.
 *
 * Defaults are applied later, in resolve.ts, so this schema describes exactly what a
 * person may write.
 */

/** DNS-label-like: used in tag values, target group names and log lines. */
const ResourceName = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, {
    message: 'must be lowercase letters, digits and hyphens, starting and ending with a letter or digit',
  });

/** A literal value, or `ssm:/parameter/name` read from Parameter Store when the pass starts. */
/** Most shards a RouteSet spreads over (AWS's own ECS gateways spread services over up to 10 ALBs). */
export const MAX_SHARDS = 20;

/** A shard's name: short, lowercase, stable (it is the pin services refer to). */
const ShardName = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, { message: 'must be 1-32 lowercase letters, digits and hyphens, starting and ending with a letter or digit' });

const SharedReference = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^(ssm:\/[A-Za-z0-9_.\-/]+|(?!ssm:)[^\s]+)$/, {
    message: 'must be a literal value without spaces, or ssm:/parameter/name (letters, digits, _ . - /)',
  })
  .describe('A literal value, or ssm:/parameter/name resolved from SSM Parameter Store at the start of each pass.');

/**
 * An HTTP field name is a token (RFC 9110, section 5.6.2: letters, digits and
 * !#$%&'*+-.^_`|~). A space, CR, LF, ":" or quote would at best be refused by AWS and at
 * worst split a header in two, so every header name in the document is checked with this.
 */
const HTTP_TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const HTTP_TOKEN_MESSAGE = 'must be an HTTP header name (token characters only: no spaces, CR, LF, ":" or quotes)';

/** The routing header: a token; the ALB accepts header names of up to 40 characters. */
export const HeaderName = z
  .string()
  .min(1)
  .max(40)
  .regex(HTTP_TOKEN, { message: HTTP_TOKEN_MESSAGE })
  // ELBv2 API reference, HttpHeaderConditionConfig: "You can't use an HTTP header condition to specify the host header."
  .regex(/^(?![Hh][Oo][Ss][Tt]$)/, { message: 'must not be Host (in any case): an ALB rule cannot match the host header with an http-header condition' });

/** A header name in a CORS list: a token, or "*" (itself a token character), as API Gateway takes it. */
const CorsHeaderName = z.string().min(1).max(1024).regex(HTTP_TOKEN, { message: HTTP_TOKEN_MESSAGE });

/**
 * The header value is matched by the ALB (case-insensitively, with * and ? as wildcards)
 * and injected by API Gateway as a static mapping value. Wildcards would widen the match
 * and `$` would be read by API Gateway as a variable, so neither is allowed.
 */
export const HeaderValue = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
    message: 'must start with a letter or digit and contain only letters, digits, ".", "_" and "-" (no wildcards)',
  });

export const Priority = z.int().min(1, { message: 'must be between 1 and 50000' }).max(50000, {
  message: 'must be between 1 and 50000',
});

/** AWS's defaults for HTTP and HTTPS target groups (ELBv2 API reference, CreateTargetGroup). */
export const HEALTH_CHECK_DEFAULTS = { intervalSeconds: 30, timeoutSeconds: 5 } as const;

/**
 * The success codes an ALB accepts for an HTTP or HTTPS health check: values from 200 to
 * 499, as one code, a list ("200,202") or a range ("200-299") (ELBv2 model, Matcher.HttpCode).
 */
const Matcher = z
  .string()
  .regex(/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/, { message: 'must be HTTP codes such as "200", "200,202" or "200-299"' })
  .superRefine((m, ctx) => {
    if (!/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/.test(m)) return; // the pattern has said what is wrong
    for (const part of m.split(',')) {
      const [lo, hi = lo] = part.split('-').map(Number) as [number, number?];
      if (lo < 200 || hi! > 499 || lo > 499 || hi! < 200) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is outside 200-499, the codes an ALB accepts for an HTTP or HTTPS health check` });
      } else if (hi! < lo) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is a range whose end is below its start` });
      }
    }
  });

const HealthCheck = z
  .strictObject({
    path: z
      .string()
      .max(1024)
      .regex(/^\/[\x21-\x7e]*$/, { message: 'must start with "/" and contain printable characters only' })
      .optional()
      .describe('Health check path, e.g. /healthz. AWS defaults to /.'),
    protocol: z.enum(['HTTP', 'HTTPS']).optional(),
    port: z.union([z.literal('traffic-port'), z.int().min(1).max(65535)]).optional(),
    intervalSeconds: z.int().min(5).max(300).optional().describe('5..300; must be greater than timeoutSeconds (AWS default 30).'),
    timeoutSeconds: z.int().min(2).max(120).optional().describe('2..120; must be less than intervalSeconds (AWS default 5).'),
    healthyThresholdCount: z.int().min(2).max(10).optional(),
    unhealthyThresholdCount: z.int().min(2).max(10).optional(),
    matcher: Matcher.optional().describe('HTTP success codes, 200..499: "200", "200,202" or "200-299".'),
  })
  .superRefine((hc, ctx) => {
    // AWS refuses an interval that is not greater than the timeout, and checks the pair
    // with its defaults filled in (interval 30 s, timeout 5 s for HTTP/HTTPS groups).
    if (hc.intervalSeconds === undefined && hc.timeoutSeconds === undefined) return;
    const interval = hc.intervalSeconds ?? HEALTH_CHECK_DEFAULTS.intervalSeconds;
    const timeout = hc.timeoutSeconds ?? HEALTH_CHECK_DEFAULTS.timeoutSeconds;
    if (interval > timeout) return;
    if (hc.intervalSeconds !== undefined) {
      const of = hc.timeoutSeconds !== undefined ? `timeoutSeconds (${timeout})` : `the default timeout of ${timeout} s that AWS applies when timeoutSeconds is not set`;
      ctx.addIssue({ code: 'custom', path: ['intervalSeconds'], message: `must be greater than ${of}: AWS refuses a health check whose interval is not longer than its timeout` });
    } else {
      ctx.addIssue({ code: 'custom', path: ['timeoutSeconds'], message: `must be less than the default interval of ${interval} s that AWS applies when intervalSeconds is not set` });
    }
  });

/**
 * Either `{ arn }` for a target group that exists and is not routeyard's (it is only
 * referenced, never changed), or the settings of one routeyard creates and owns.
 * One object with a refinement rather than a union, so errors name the exact field.
 */
const TargetGroup = z
  .strictObject({
    arn: z
      .string()
      .regex(/^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]+\/[0-9a-f]+$/, {
        message: 'must be a target group ARN',
      })
      .optional()
      .describe('An existing target group routeyard references but never modifies.'),
    port: z.int().min(1).max(65535).optional(),
    protocol: z.enum(['HTTP', 'HTTPS']).optional(),
    targetType: z.enum(['ip', 'instance']).optional(),
    healthCheck: HealthCheck.optional(),
  })
  .superRefine((tg, ctx) => {
    const managedFields = (['port', 'protocol', 'targetType', 'healthCheck'] as const).filter((k) => tg[k] !== undefined);
    if (tg.arn !== undefined) {
      for (const k of managedFields) {
        ctx.addIssue({ code: 'custom', path: [k], message: 'is not allowed together with "arn" (an existing target group is referenced, not managed)' });
      }
      return;
    }
    for (const k of ['port', 'protocol', 'targetType'] as const) {
      if (tg[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'is required when "arn" is not given' });
    }
  });

const RouteKey = z
  .string()
  .max(512)
  .regex(/^(\$default|(ANY|GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \/[^\s]*)$/, {
    message: 'must be "$default" or "METHOD /path" (METHOD one of ANY GET POST PUT PATCH DELETE HEAD OPTIONS)',
  });

/**
 * An entry of `allowOrigins`. API Gateway's guide for HTTP APIs ("Configure CORS for HTTP
 * APIs", the allowOrigins examples) documents exactly these forms: an origin such as
 * https://www.example.com, "*" (any origin), and "https://*" or "http://*" (any origin of
 * that scheme). An origin is scheme://host[:port] as a browser sends it in `Origin`: no
 * path (not even "/"), query, fragment or user, so anything else could never match and is
 * refused here, as are wildcards in any other place (https://*.example.com is not a form
 * AWS documents).
 */
const CorsOrigin = z
  .string()
  .min(1)
  .max(1024)
  .superRefine((origin, ctx) => {
    const problem = originProblem(origin);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const ORIGIN_FORMS = 'an origin is "*", "https://*", "http://*" or scheme://host[:port] such as https://app.example.com';

/** What is wrong with an allowOrigins entry, or undefined. Linear-time checks only. */
export function originProblem(origin: string): string | undefined {
  if (origin === '*') return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(origin)) return `must not contain spaces or control characters: ${ORIGIN_FORMS}`;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(origin);
  if (!m) return `must start with a scheme and "://": ${ORIGIN_FORMS}`;
  const [, scheme, rest] = m as unknown as [string, string, string];
  if (rest === '*') {
    return /^https?$/i.test(scheme) ? undefined : `may use "*" after the scheme only as "https://*" or "http://*" (the wildcard forms API Gateway documents)`;
  }
  if (/[/?#]/.test(rest)) return `must not have a path, query or fragment (not even a trailing "/"): ${ORIGIN_FORMS}`;
  if (rest.includes('*')) return 'may use "*" only as "*", "https://*" or "http://*": API Gateway documents no wildcard inside a host name';
  if (rest.includes('@')) return `must not contain a user name ("@"): ${ORIGIN_FORMS}`;
  const hp = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(rest);
  if (!hp) return `must have a host name and an optional port after "${scheme}://": ${ORIGIN_FORMS}`;
  const [, host, port] = hp as unknown as [string, string, string | undefined];
  if (!host.startsWith('[') && !/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(host)) {
    return 'must have a host name of letters, digits, hyphens and dots (labels of at most 63 characters, no empty label)';
  }
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return 'must have a port from 1 to 65535';
  return undefined;
}

/** "*", "https://*" or "http://*": every origin (of a scheme). */
function isWildcardOrigin(origin: string): boolean {
  return origin === '*' || /^https?:\/\/\*$/i.test(origin);
}

const Cors = z
  .strictObject({
    allowOrigins: z
      .array(CorsOrigin)
      .max(100)
      .optional()
      .describe('Origins allowed to call the API: "*", "https://*", "http://*" or scheme://host[:port] (no path). No wildcard together with allowCredentials.'),
    allowMethods: z.array(z.enum(['*', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'])).optional(),
    allowHeaders: z.array(CorsHeaderName).max(100).optional(),
    exposeHeaders: z.array(CorsHeaderName).max(100).optional(),
    allowCredentials: z.boolean().optional(),
    maxAgeSeconds: z
      .int()
      .min(-1, { message: 'must be -1 or more' })
      .max(86400, { message: "must be at most 86400: API Gateway caps the preflight cache at one day" })
      .optional(),
  })
  .superRefine((cors, ctx) => {
    // API Gateway refuses this pair: "allow-credentials is not supported if 'allow-origin'
    // is *" (BadRequestException, as reported in aws-cdk issue 9076, which made CDK check it
    // too). "https://*" and "http://*" are refused alongside: they open credentialed
    // responses to every site of the scheme, which is the exposure the rule exists to prevent.
    if (cors.allowCredentials !== true) return;
    (cors.allowOrigins ?? []).forEach((origin, j) => {
      if (isWildcardOrigin(origin)) {
        ctx.addIssue({
          code: 'custom',
          path: ['allowOrigins', j],
          message: `is the wildcard "${origin}", which is not allowed while allowCredentials is true: API Gateway refuses credentials with a wildcard origin; list the origins instead`,
        });
      }
    });
  });

const Stage = z.strictObject({
  throttling: z
    .strictObject({
      rateLimit: z.number().min(0).max(1e9).describe('Steady-state requests per second.'),
      burstLimit: z.int().min(0).max(1e9),
    })
    .optional(),
  detailedMetrics: z.boolean().optional(),
  accessLog: z
    .strictObject({
      destinationArn: z
        .string()
        .regex(LOG_GROUP_ARN, {
          message:
            'must be a CloudWatch Logs log group ARN (arn:aws:logs:REGION:ACCOUNT:log-group:NAME, a trailing :* is allowed): HTTP APIs write access logs only to CloudWatch Logs, so Firehose and other ARNs are refused',
        })
        .describe('A CloudWatch Logs log group ARN; HTTP APIs log nowhere else. A trailing :* (as CDK and CloudFormation give it) is accepted and ignored.'),
      format: z
        .string()
        .min(1)
        .max(4096)
        .regex(/\$context\.requestId(?![A-Za-z0-9_])/, {
          message: 'must contain $context.requestId: API Gateway refuses an HTTP API access-log format without it',
        })
        .optional()
        .describe('Defaults to a JSON line with request id, status and latency. Must contain $context.requestId.'),
    })
    .optional(),
});

const Api = z.strictObject({
  name: z.string().min(1).max(128).optional().describe('Defaults to "<service name>-http-api".'),
  description: z.string().max(1024).optional(),
  cors: Cors.optional(),
  routes: z.array(RouteKey).min(1).max(300).optional().describe('Route keys; defaults to ["$default"].'),
  stage: Stage.optional(),
  // API Gateway supports only 1.0 for HTTP_PROXY integrations (2.0 is for Lambda proxies).
  payloadFormatVersion: z
    .literal('1.0', { message: 'must be "1.0": API Gateway supports only payload format 1.0 for HTTP_PROXY integrations' })
    .optional()
    .describe('Defaults to "1.0", the only version HTTP_PROXY integrations support.'),
});

/**
 * A DNS name as Route 53 and ACM take it: lowercase labels of letters, digits and hyphens
 * (not at either end), up to 63 characters each and 253 in all, no trailing dot. Lowercase
 * only, because Route 53 stores names in lowercase and a mixed-case name would look like
 * drift on every pass.
 */
/** One DNS label: a name relative to a zone. */
export const DnsLabel = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, { message: 'must be a lowercase DNS label (letters, digits and hyphens, at most 63 characters)' });

export const DnsName = z
  .string()
  .max(253)
  .regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/, {
    message: 'must be a lowercase DNS name such as qa.api.py.acmecorp.com (labels of letters, digits and hyphens, at most 63 characters each)',
  });

/** A Route 53 hosted zone id, with or without the /hostedzone/ prefix. */
export const HOSTED_ZONE_ID = /^(\/hostedzone\/)?Z[A-Z0-9]{1,32}$/;

/** A Route 53 hosted zone: its name (acmecorp.com) or its id (Z0123456789ABCDEFGHIJ). */
const HostedZoneRef = z.union([DnsName, z.string().regex(HOSTED_ZONE_ID, { message: 'must be a hosted zone name or id' })]);

const CertificateArn = z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/, {
  message: 'must be an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID) or "auto"',
});

const Domain = z.strictObject({
  name: DnsName.describe('The custom domain name, e.g. qa.api.py.acmecorp.com.'),
  hostedZone: HostedZoneRef.describe('The public hosted zone the name lives in: its name (acmecorp.com) or id.'),
  certificate: z
    .union([z.literal('auto'), CertificateArn])
    .describe(
      'An ACM certificate ARN in the API\'s Region, or "auto": use an ISSUED certificate that covers the name (wildcards included), preferring one routeyard requested; otherwise request one with DNS validation.',
    ),
  basePath: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/, { message: 'must be a path without leading or trailing "/" (letters, digits, . _ ~ -)' })
    .optional()
    .describe('The API mapping key; default none (the domain root).'),
  ipAddressType: z
    .enum(['ipv4', 'dualstack'])
    .optional()
    .describe(
      'Who can reach the domain: ipv4 (the default, as AWS) or dualstack (IPv4 and IPv6). The AAAA alias record is written only for dualstack: an AAAA alias to an IPv4-only target answers nothing.',
    ),
});

/**
 * Where routeyard publishes each service's outputs (SSM String parameters under
 * `<prefix>/services/<name>/`). SSM's rules for names (PutParameter API reference and "Working
 * with parameter hierarchies"): letters, digits and _ . - in each level, a hierarchy of at most
 * 15 levels (routeyard adds three: services/<name>/<key>), no name starting with "aws" or
 * "ssm" (reserved, case-insensitive), and at most 1011 characters with the parameter ARN's
 * prefix; 512 here leaves room for the service name and key below it.
 */
export const OUTPUTS_PREFIX_MAX_LEVELS = 12;
const OutputsPrefix = z
  .string()
  .max(512)
  .regex(/^(\/[A-Za-z0-9_.-]+)+$/, { message: 'must be an SSM parameter path such as /acmecorp/routeyard: "/" then levels of letters, digits, "_", "." and "-", no trailing "/"' })
  .superRefine((prefix, ctx) => {
    const levels = prefix.split('/').slice(1);
    if (/^(aws|ssm)/i.test(levels[0] ?? '')) {
      ctx.addIssue({ code: 'custom', message: `must not start with "aws" or "ssm" (any case): SSM reserves those names` });
    }
    if (levels.length > OUTPUTS_PREFIX_MAX_LEVELS) {
      ctx.addIssue({
        code: 'custom',
        message: `has ${levels.length} levels; at most ${OUTPUTS_PREFIX_MAX_LEVELS}: SSM allows 15 levels in a parameter name and routeyard adds services/<name>/<key>`,
      });
    }
  })
  .describe('SSM path under which routeyard publishes each service\'s outputs as String parameters: <prefix>/services/<name>/target-group-arn, api-id, ... (see docs/ecs.md).');

/** The test header's value, matched by the ALB like headerValue: no wildcards, no "$". */
const TestHeaderValue = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'must start with a letter or digit and contain only letters, digits, ".", "_" and "-" (no wildcards)' });

/**
 * How the service's code is rolled out. `ecs`: ECS blue/green, linear or canary deployments
 * move the traffic themselves (ECS API reference, DeploymentConfiguration.strategy and
 * AdvancedConfiguration): routeyard keeps two target groups and the production rule (and an
 * optional test rule) forwarding to both, and leaves the forward weights to ECS.
 */
const Deployment = z.strictObject({
  strategy: z.literal('ecs', { message: 'must be "ecs" (ECS blue/green, linear and canary deployments move the traffic)' }).describe('"ecs": ECS moves the traffic between two target groups; routeyard never touches the weights.'),
  testTraffic: z
    .strictObject({
      header: HeaderName.describe('The header test requests carry, e.g. X-Canary.'),
      value: TestHeaderValue.describe('Its value, e.g. 1.'),
    })
    .optional()
    .describe('A test rule, evaluated just before the production rule, for requests that carry this header too (ECS sends them to the new tasks during a deployment).'),
});

/** A CloudFormation stack name (CreateStack: a letter, then letters, digits and hyphens, at most 128). */
const StackName = z.string().min(1).max(128).regex(/^[A-Za-z][A-Za-z0-9-]*$/, { message: 'must be a CloudFormation stack name (a letter, then letters, digits and hyphens)' });

/**
 * Taking over what exists: `true` adopts a live resource that matches the service
 * unambiguously and carries no owner tag (it is tagged, never deleted or recreated);
 * `{ "fromStacks": [...] }` also adopts resources those CloudFormation stacks still carry
 * tags of, once the stacks have let go of them (see docs/adoption.md).
 */
const Adopt = z
  .union([
    z.boolean(),
    z.strictObject({
      fromStacks: z
        .array(StackName)
        .max(100)
        .optional()
        .describe('CloudFormation stacks that have released the resources (removal policy retain, then removed from the stack): their aws:cloudformation tags no longer block adoption.'),
    }),
  ])
  .describe('true, or { "fromStacks": [...] }: take over live resources that match the service instead of reporting a Conflict.');

const Service = z.strictObject({
  name: ResourceName.describe('Service name; written into the routeyard:service tag.'),
  headerValue: HeaderValue.describe('Value of the routing header the ALB rule matches and API Gateway injects.'),
  priority: Priority.optional().describe('Listener rule priority; when omitted one is assigned from spec.shared.priorityBand and kept.'),
  targetGroup: TargetGroup,
  api: Api.optional().describe('The public HTTP API in front of the service; omit for internal-only services.'),
  adopt: Adopt.optional(),
  manage: z
    .enum(['full', 'observe'])
    .optional()
    .describe('full (default): converge. observe: read and report drift, never write (a first week beside the old stacks).'),
  domain: Domain.optional().describe('A custom domain for the service\'s HTTP API: certificate, REGIONAL domain, API mapping, alias records.'),
  privateDns: z
    .strictObject({
      name: z
        .union([DnsName, DnsLabel])
        .describe('A full name inside spec.shared.privateHostedZone (gotenberg.internal.acmecorp.com), or one label relative to it (gotenberg), as CDK\'s record_name.'),
    })
    .optional()
    .describe('An alias record in spec.shared.privateHostedZone pointing at the shared ALB, for service-to-service calls.'),
  deployment: Deployment.optional().describe('Omit for routeyard-driven target group changes; {"strategy": "ecs"} when ECS deployments move the traffic.'),
  loadBalancer: ShardName.optional().describe('Pin the service to this shard of spec.shared.loadBalancers; omitted: it stays where it lives, a new service goes where there is most room.'),
});

const PriorityBand = z
  .strictObject({ from: Priority, to: Priority })
  .refine((b) => b.from <= b.to, { message: '"from" must not be greater than "to"', path: ['to'] });

/** ALB rules per load balancer: 100 by default; AWS raises it per load balancer on request. */
const RuleQuota = z.number().int().min(1).max(10000);

/** A shard: one listener on its own ALB. Services spread over shards (see plan/placement.ts). */
const LoadBalancerShard = z.strictObject({
  name: ShardName.describe('The shard\'s name: what services[].loadBalancer pins to, and what reports show.'),
  listenerArn: SharedReference.describe('ARN of the shard\'s listener (literal or ssm:/name); one listener per ALB.'),
  albDnsName: SharedReference.optional().describe('DNS name of the shard\'s ALB, the target of its services\' private alias records (literal or ssm:/name).'),
  albHostedZoneId: SharedReference.optional().describe('Canonical hosted zone id of the shard\'s ALB (literal or ssm:/name).'),
  ruleQuota: RuleQuota.optional().describe('Rules the ALB may hold across its listeners, foreign ones included; default 100 (AWS raises it per load balancer).'),
});

const Shared = z.strictObject({
  listenerArn: SharedReference.optional().describe('ARN of the shared ALB listener (literal or ssm:/name): the one-shard shorthand; use loadBalancers for several.'),
  loadBalancers: z
    .array(LoadBalancerShard)
    .min(1)
    .max(MAX_SHARDS)
    .optional()
    .describe('Several ALBs (shards), each a listener on its own ALB: an ALB takes at most 100 target groups. Replaces listenerArn, albDnsName and albHostedZoneId.'),
  vpcLinkId: SharedReference.describe('ID of the shared VPC link (literal or ssm:/name).'),
  vpcId: SharedReference.describe('VPC of the shared ALB; target groups are created in it (literal or ssm:/name).'),
  headerName: HeaderName.optional().describe('Routing header; defaults to X-Target-Service.'),
  priorityBand: PriorityBand.optional().describe('Band automatic priorities are taken from; defaults to 1000..49999.'),
  albDnsName: SharedReference.optional().describe('DNS name of the shared ALB, the target of private alias records (literal or ssm:/name); with loadBalancers, each shard has its own.'),
  albHostedZoneId: SharedReference.optional().describe('Canonical hosted zone id of the shared ALB (literal or ssm:/name); with loadBalancers, each shard has its own.'),
  privateHostedZone: SharedReference.optional().describe('The private hosted zone (name or id) of services\' private names (literal or ssm:/name).'),
  outputsPrefix: OutputsPrefix.optional(),
});

export const RouteSet = z.strictObject({
  $schema: z.string().optional(),
  apiVersion: z.literal('routeyard/v1'),
  kind: z.literal('RouteSet'),
  metadata: z.strictObject({
    name: ResourceName.describe('Owner identity written into the routeyard:owner tag of everything routeyard creates.'),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.strictObject({
    shared: Shared,
    adopt: Adopt.optional().describe('Adoption for every service (a service\'s own adopt wins; fromStacks lists add up).'),
    services: z
      .array(Service)
      .min(1, {
        message: 'must list at least one service: an empty RouteSet is refused so that a truncated document can never delete everything',
      })
      .max(5000),
  }),
});

export type RouteSet = z.infer<typeof RouteSet>;
export type ServiceSpec = z.infer<typeof Service>;
export type ApiSpec = z.infer<typeof Api>;
export type TargetGroupSpec = z.infer<typeof TargetGroup>;
