import { z } from 'zod';

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
const SharedReference = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^(ssm:\/[A-Za-z0-9_.\-/]+|(?!ssm:)[^\s]+)$/, {
    message: 'must be a literal value without spaces, or ssm:/parameter/name (letters, digits, _ . - /)',
  })
  .describe('A literal value, or ssm:/parameter/name resolved from SSM Parameter Store at the start of each pass.');

/** RFC 7230 token characters; the ALB accepts header names of up to 40 characters. */
export const HeaderName = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { message: 'must be an HTTP header name (token characters only)' });

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

const HealthCheck = z.strictObject({
  path: z
    .string()
    .max(1024)
    .regex(/^\/[\x21-\x7e]*$/, { message: 'must start with "/" and contain printable characters only' })
    .describe('Health check path, e.g. /healthz.'),
  protocol: z.enum(['HTTP', 'HTTPS']).optional(),
  port: z.union([z.literal('traffic-port'), z.int().min(1).max(65535)]).optional(),
  intervalSeconds: z.int().min(5).max(300).optional(),
  timeoutSeconds: z.int().min(2).max(120).optional(),
  healthyThresholdCount: z.int().min(2).max(10).optional(),
  unhealthyThresholdCount: z.int().min(2).max(10).optional(),
  matcher: z
    .string()
    .regex(/^[1-5]\d\d([,-][1-5]\d\d)*$/, { message: 'must be HTTP codes such as "200" or "200-299"' })
    .optional(),
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

const Cors = z.strictObject({
  allowOrigins: z.array(z.string().min(1).max(1024)).max(100).optional(),
  allowMethods: z.array(z.enum(['*', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'])).optional(),
  allowHeaders: z.array(z.string().min(1).max(1024)).max(100).optional(),
  exposeHeaders: z.array(z.string().min(1).max(1024)).max(100).optional(),
  allowCredentials: z.boolean().optional(),
  maxAgeSeconds: z
    .int()
    .min(-1, { message: 'must be -1 or more' })
    .max(86400, { message: "must be at most 86400: API Gateway caps the preflight cache at one day" })
    .optional(),
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
      destinationArn: z.string().regex(/^arn:aws[a-z-]*:(logs|firehose):/, {
        message: 'must be a CloudWatch Logs log group or Firehose ARN',
      }),
      format: z.string().min(1).max(4096).optional().describe('Defaults to a JSON line with request id, status and latency.'),
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

const Service = z.strictObject({
  name: ResourceName.describe('Service name; written into the routeyard:service tag.'),
  headerValue: HeaderValue.describe('Value of the routing header the ALB rule matches and API Gateway injects.'),
  priority: Priority.optional().describe('Listener rule priority; when omitted one is assigned from spec.shared.priorityBand and kept.'),
  targetGroup: TargetGroup,
  api: Api.optional().describe('The public HTTP API in front of the service; omit for internal-only services.'),
  adopt: z.boolean().optional().describe('Take over an untagged HTTP API with the wanted name instead of reporting a Conflict.'),
});

const PriorityBand = z
  .strictObject({ from: Priority, to: Priority })
  .refine((b) => b.from <= b.to, { message: '"from" must not be greater than "to"', path: ['to'] });

const Shared = z.strictObject({
  listenerArn: SharedReference.describe('ARN of the shared ALB listener (literal or ssm:/name).'),
  vpcLinkId: SharedReference.describe('ID of the shared VPC link (literal or ssm:/name).'),
  vpcId: SharedReference.describe('VPC of the shared ALB; target groups are created in it (literal or ssm:/name).'),
  headerName: HeaderName.optional().describe('Routing header; defaults to X-Target-Service.'),
  priorityBand: PriorityBand.optional().describe('Band automatic priorities are taken from; defaults to 1000..49999.'),
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
