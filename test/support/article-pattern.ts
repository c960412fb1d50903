import { ACMClient, DescribeCertificateCommand, RequestCertificateCommand } from '@aws-sdk/client-acm';
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateApiMappingCommand,
  CreateDomainNameCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  GetApiMappingsCommand,
  GetApisCommand,
  GetDomainNameCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
  GetStagesCommand,
} from '@aws-sdk/client-apigatewayv2';
import {
  CreateRuleCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  paginateDescribeRules,
  paginateDescribeTargetGroups,
  type RuleCondition,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, Route53Client, type Change } from '@aws-sdk/client-route-53';
import { PRIVATE_ZONE, type SharedPlatform } from './bootstrap.ts';

/**
 * The article's pattern built the way its CDK stacks (or a person at the console) would
 * build it, in moto, WITHOUT routeyard's tags: per service a target group with a chosen name,
 * a listener rule on the shared listener (one http-header condition, a forward), an HTTP API
 * with an HTTP_PROXY integration through the shared VPC link that overwrites the routing
 * header, a `$default` route and a `$default` stage (auto-deploy, throttling, detailed metrics,
 * access logs), and optionally a custom domain with an ISSUED certificate, its API mapping and
 * alias records, and a private alias to the ALB. `routeyard --import` tests read it back.
 *
 * Certificates: RequestCertificate with DNS validation; the test moto runs with
 * MOTO_ACM_VALIDATION_WAIT=0 (test/support/moto.ts), so ACM reports it ISSUED at once (the
 * builder waits for ISSUED, bounded, should a moto be started with a wait).
 *
 * Tags: `tags` (and `stack`'s) go on the rule, the target group, the API, its stage and the
 * custom domain.
 * moto accepts `aws:`-prefixed keys on ELBv2 (CreateTargetGroup, CreateRule, AddTags) and on
 * API Gateway v2 (CreateApi, CreateStage, CreateDomainName), which AWS reserves for itself (a
 * CloudFormation stack writes them; a caller cannot), so the builder can stand in for a stack.
 * ACM refuses them, as AWS does (moto/acm/models.py, CertificateTags._validate_kv: "AWS
 * internal tags cannot be changed with this API"), so certificates get only the other tags.
 */
export interface ArticleService {
  /** The article's service name; resource names derive from it unless given. */
  name: string;
  /** The X-Target-Service value; default `name`. */
  headerValue?: string;
  priority: number;
  targetGroup?: {
    name?: string;
    port?: number;
    protocol?: 'HTTP' | 'HTTPS';
    targetType?: 'ip' | 'instance';
    healthCheckPath?: string;
    healthCheckIntervalSeconds?: number;
    healthCheckTimeoutSeconds?: number;
    healthyThresholdCount?: number;
    unhealthyThresholdCount?: number;
    matcher?: string;
  };
  /** false: an internal-only service (rule and target group only). */
  api?:
    | false
    | {
        name?: string;
        description?: string;
        cors?: { allowOrigins?: string[]; allowMethods?: string[]; allowHeaders?: string[]; allowCredentials?: boolean; maxAgeSeconds?: number };
        routes?: string[];
        throttling?: { rateLimit: number; burstLimit: number };
        detailedMetrics?: boolean;
        /** A log group ARN; default /aws/apigateway/<name>. null: no access logs. */
        accessLogArn?: string | null;
        accessLogFormat?: string;
        /** `append` builds the unsafe variant the importer must leave out. */
        headerAction?: 'overwrite' | 'append';
      };
  domain?: { name: string; ipAddressType?: 'ipv4' | 'dualstack'; basePath?: string };
  /** A private alias A record to the ALB: a full name, or a label in the private zone. */
  privateName?: string;
  /** Extra tags on the rule, target group, API, stage and domain. */
  tags?: Record<string, string>;
  /**
   * Tag every taggable resource as this CloudFormation stack would: aws:cloudformation:stack-name,
   * stack-id and a logical id per resource (FastapiAppRule, FastapiAppTargetGroup, ...).
   */
  stack?: string;
}

export interface BuiltService {
  name: string;
  headerValue: string;
  priority: number;
  ruleArn: string;
  targetGroupArn: string;
  targetGroupName: string;
  apiId?: string;
  apiName?: string;
  integrationId?: string;
  stageName?: string;
  domainName?: string;
  domainTarget?: { dnsName: string; hostedZoneId: string };
  certificateArn?: string;
  apiMappingId?: string;
  privateName?: string;
  accessLogArn?: string;
}

export const ARTICLE_ACCESS_LOG_FORMAT =
  '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength"}';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

interface Clients {
  elbv2: ElasticLoadBalancingV2Client;
  apigw: ApiGatewayV2Client;
  acm: ACMClient;
  r53: Route53Client;
}

function clients(): Clients {
  return { elbv2: new ElasticLoadBalancingV2Client({}), apigw: new ApiGatewayV2Client({}), acm: new ACMClient({}), r53: new Route53Client({ region: 'us-east-1' }) };
}

function destroy(c: Clients): void {
  for (const x of Object.values(c)) x.destroy();
}

const pascal = (name: string) => name.replace(/(^|[^A-Za-z0-9])([a-z0-9])/g, (_m, _sep, ch: string) => ch.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');

/** The tags of one resource of a service: its own, and a stack's when it has one. */
function tagsOf(s: ArticleService, logical: string): Record<string, string> | undefined {
  if (!s.stack) return s.tags;
  return {
    ...s.tags,
    'aws:cloudformation:stack-name': s.stack,
    'aws:cloudformation:stack-id': `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${s.stack}/6f1c0e70-0000-4000-8000-000000000000`,
    'aws:cloudformation:logical-id': `${pascal(s.name)}${logical}`,
  };
}

const elbTags = (tags: Record<string, string> | undefined) => (tags && Object.keys(tags).length > 0 ? { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } : {});
const apiTags = (tags: Record<string, string> | undefined) => (tags && Object.keys(tags).length > 0 ? { Tags: { ...tags } } : {});

/** Build every service (a few at a time: moto is one process). */
export async function buildArticlePattern(platform: SharedPlatform, services: ArticleService[], opts: { concurrency?: number } = {}): Promise<BuiltService[]> {
  const c = clients();
  try {
    const out: BuiltService[] = new Array(services.length);
    let next = 0;
    const workers = Array.from({ length: Math.min(opts.concurrency ?? 4, services.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= services.length) return;
        out[i] = await buildOne(c, platform, services[i]!);
      }
    });
    await Promise.all(workers);
    return out;
  } finally {
    destroy(c);
  }
}

async function buildOne(c: Clients, platform: SharedPlatform, s: ArticleService): Promise<BuiltService> {
  const headerValue = s.headerValue ?? s.name;
  const tg = s.targetGroup ?? {};
  const targetGroupName = tg.name ?? `${s.name}-tg`.slice(0, 32);
  const group = await c.elbv2.send(
    new CreateTargetGroupCommand({
      Name: targetGroupName,
      Port: tg.port ?? 8000,
      Protocol: tg.protocol ?? 'HTTP',
      TargetType: tg.targetType ?? 'ip',
      VpcId: platform.vpcId,
      HealthCheckPath: tg.healthCheckPath ?? '/healthz',
      ...(tg.healthCheckIntervalSeconds !== undefined ? { HealthCheckIntervalSeconds: tg.healthCheckIntervalSeconds } : {}),
      ...(tg.healthCheckTimeoutSeconds !== undefined ? { HealthCheckTimeoutSeconds: tg.healthCheckTimeoutSeconds } : {}),
      ...(tg.healthyThresholdCount !== undefined ? { HealthyThresholdCount: tg.healthyThresholdCount } : {}),
      ...(tg.unhealthyThresholdCount !== undefined ? { UnhealthyThresholdCount: tg.unhealthyThresholdCount } : {}),
      ...(tg.matcher !== undefined ? { Matcher: { HttpCode: tg.matcher } } : {}),
      ...elbTags(tagsOf(s, 'TargetGroup')),
    }),
  );
  const targetGroupArn = group.TargetGroups![0]!.TargetGroupArn!;
  const rule = await c.elbv2.send(
    new CreateRuleCommand({
      ListenerArn: platform.listenerArn,
      Priority: s.priority,
      Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Target-Service', Values: [headerValue] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
      ...elbTags(tagsOf(s, 'ListenerRule')),
    }),
  );
  const built: BuiltService = { name: s.name, headerValue, priority: s.priority, ruleArn: rule.Rules![0]!.RuleArn!, targetGroupArn, targetGroupName };
  if (s.privateName) {
    // CDK's ARecord with an alias to the load balancer (LoadBalancerTarget), in the private zone.
    const name = s.privateName.includes('.') ? s.privateName : `${s.privateName}.${PRIVATE_ZONE}`;
    await changeRecords(c.r53, platform.privateZoneId, [
      { Action: 'CREATE', ResourceRecordSet: { Name: name, Type: 'A', AliasTarget: { DNSName: platform.albDnsName, HostedZoneId: platform.albHostedZoneId, EvaluateTargetHealth: false } } },
    ]);
    built.privateName = name;
  }
  if (s.api === false) return built;
  const a = s.api ?? {};
  const apiName = a.name ?? `${s.name}-http-api`;
  const api = await c.apigw.send(
    new CreateApiCommand({
      Name: apiName,
      ProtocolType: 'HTTP',
      ...(a.description ? { Description: a.description } : {}),
      ...(a.cors
        ? {
            CorsConfiguration: {
              ...(a.cors.allowOrigins ? { AllowOrigins: a.cors.allowOrigins } : {}),
              ...(a.cors.allowMethods ? { AllowMethods: a.cors.allowMethods } : {}),
              ...(a.cors.allowHeaders ? { AllowHeaders: a.cors.allowHeaders } : {}),
              ...(a.cors.allowCredentials !== undefined ? { AllowCredentials: a.cors.allowCredentials } : {}),
              ...(a.cors.maxAgeSeconds !== undefined ? { MaxAge: a.cors.maxAgeSeconds } : {}),
            },
          }
        : {}),
      ...apiTags(tagsOf(s, 'HttpApi')),
    }),
  );
  const apiId = api.ApiId!;
  const integration = await c.apigw.send(
    new CreateIntegrationCommand({
      ApiId: apiId,
      IntegrationType: 'HTTP_PROXY',
      ConnectionType: 'VPC_LINK',
      ConnectionId: platform.vpcLinkId,
      IntegrationUri: platform.listenerArn,
      IntegrationMethod: 'ANY',
      PayloadFormatVersion: '1.0',
      RequestParameters: { [`${a.headerAction ?? 'overwrite'}:header.X-Target-Service`]: headerValue },
    }),
  );
  const integrationId = integration.IntegrationId!;
  for (const key of a.routes ?? ['$default']) {
    await c.apigw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: key, Target: `integrations/${integrationId}` }));
  }
  const accessLogArn = a.accessLogArn === null ? undefined : (a.accessLogArn ?? `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/apigateway/${apiName}`);
  await c.apigw.send(
    new CreateStageCommand({
      ApiId: apiId,
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        DetailedMetricsEnabled: a.detailedMetrics ?? true,
        ThrottlingRateLimit: a.throttling?.rateLimit ?? 10000,
        ThrottlingBurstLimit: a.throttling?.burstLimit ?? 5000,
      },
      ...(accessLogArn ? { AccessLogSettings: { DestinationArn: accessLogArn, Format: a.accessLogFormat ?? ARTICLE_ACCESS_LOG_FORMAT } } : {}),
      ...apiTags(tagsOf(s, 'HttpApiDefaultStage')),
    }),
  );
  Object.assign(built, { apiId, apiName, integrationId, stageName: '$default', ...(accessLogArn ? { accessLogArn } : {}) });
  if (s.domain) Object.assign(built, await buildDomain(c, platform, s, apiId));
  return built;
}

async function buildDomain(c: Clients, platform: SharedPlatform, s: ArticleService, apiId: string): Promise<Partial<BuiltService>> {
  const d = s.domain!;
  const certificateArn = (await c.acm.send(new RequestCertificateCommand({ DomainName: d.name, ValidationMethod: 'DNS', ...elbTags(withoutAwsKeys(tagsOf(s, 'Certificate'))) }))).CertificateArn!;
  await waitIssued(c.acm, certificateArn);
  const ipAddressType = d.ipAddressType ?? 'ipv4';
  const domain = await c.apigw.send(
    new CreateDomainNameCommand({
      DomainName: d.name,
      DomainNameConfigurations: [{ CertificateArn: certificateArn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2', IpAddressType: ipAddressType }],
      ...apiTags(tagsOf(s, 'CustomDomain')),
    }),
  );
  const config = domain.DomainNameConfigurations![0]!;
  const target = { dnsName: config.ApiGatewayDomainName!, hostedZoneId: config.HostedZoneId! };
  const mapping = await c.apigw.send(new CreateApiMappingCommand({ DomainName: d.name, ApiId: apiId, Stage: '$default', ...(d.basePath ? { ApiMappingKey: d.basePath } : {}) }));
  const alias = (Type: 'A' | 'AAAA'): Change => ({ Action: 'CREATE', ResourceRecordSet: { Name: d.name, Type, AliasTarget: { DNSName: target.dnsName, HostedZoneId: target.hostedZoneId, EvaluateTargetHealth: false } } });
  await changeRecords(c.r53, platform.publicZoneId, ipAddressType === 'dualstack' ? [alias('A'), alias('AAAA')] : [alias('A')]);
  return { domainName: d.name, domainTarget: target, certificateArn, apiMappingId: mapping.ApiMappingId! };
}

function withoutAwsKeys(tags: Record<string, string> | undefined): Record<string, string> | undefined {
  return tags ? Object.fromEntries(Object.entries(tags).filter(([k]) => !k.startsWith('aws:'))) : undefined;
}

async function waitIssued(acm: ACMClient, arn: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = (await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate?.Status;
    if (status === 'ISSUED') return;
    if (Date.now() > deadline) throw new Error(`certificate ${arn} is ${status}, not ISSUED, after 30 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function changeRecords(r53: Route53Client, zoneId: string, changes: Change[]): Promise<void> {
  await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }));
}

/** A rule that is not part of the pattern: another header value, or other conditions beside it. */
export async function addForeignRule(
  platform: SharedPlatform,
  opts: { priority: number; headerValue?: string; extraConditions?: RuleCondition[]; conditions?: RuleCondition[]; targetGroupName?: string; tags?: Record<string, string> },
): Promise<{ ruleArn: string; targetGroupArn: string }> {
  const c = clients();
  try {
    const group = await c.elbv2.send(
      new CreateTargetGroupCommand({ Name: opts.targetGroupName ?? `foreign-${opts.priority}-tg`, Port: 9000, Protocol: 'HTTP', TargetType: 'ip', VpcId: platform.vpcId }),
    );
    const targetGroupArn = group.TargetGroups![0]!.TargetGroupArn!;
    const conditions = opts.conditions ?? [
      { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Target-Service', Values: [opts.headerValue ?? `foreign-${opts.priority}`] } },
      ...(opts.extraConditions ?? []),
    ];
    const rule = await c.elbv2.send(
      new CreateRuleCommand({ ListenerArn: platform.listenerArn, Priority: opts.priority, Conditions: conditions, Actions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }], ...elbTags(opts.tags) }),
    );
    return { ruleArn: rule.Rules![0]!.RuleArn!, targetGroupArn };
  } finally {
    destroy(c);
  }
}

/**
 * An HTTP API that is not part of the pattern: by default a plain HTTP_PROXY to a public URL
 * (no VPC link); with `viaListener`, one through the VPC link to the listener that injects a
 * value no rule matches.
 */
export async function addForeignApi(platform: SharedPlatform, opts: { name: string; viaListener?: { headerValue: string; action?: 'overwrite' | 'append' } }): Promise<{ apiId: string }> {
  const c = clients();
  try {
    const apiId = (await c.apigw.send(new CreateApiCommand({ Name: opts.name, ProtocolType: 'HTTP' }))).ApiId!;
    const integration = await c.apigw.send(
      new CreateIntegrationCommand(
        opts.viaListener
          ? {
              ApiId: apiId,
              IntegrationType: 'HTTP_PROXY',
              ConnectionType: 'VPC_LINK',
              ConnectionId: platform.vpcLinkId,
              IntegrationUri: platform.listenerArn,
              IntegrationMethod: 'ANY',
              PayloadFormatVersion: '1.0',
              RequestParameters: { [`${opts.viaListener.action ?? 'overwrite'}:header.X-Target-Service`]: opts.viaListener.headerValue },
            }
          : { ApiId: apiId, IntegrationType: 'HTTP_PROXY', IntegrationUri: 'https://example.com/{proxy}', IntegrationMethod: 'ANY', PayloadFormatVersion: '1.0' },
      ),
    );
    await c.apigw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: '$default', Target: `integrations/${integration.IntegrationId!}` }));
    await c.apigw.send(new CreateStageCommand({ ApiId: apiId, StageName: '$default', AutoDeploy: true }));
    return { apiId };
  } finally {
    destroy(c);
  }
}

/**
 * What the built resources look like now, read straight from moto, without tags: for a test
 * to compare before and after an adoption (same rule ARNs, priorities, API ids, integrations,
 * domains, mappings and records). A resource that is gone reads as null. Foreign parts fit
 * too: `{ name: 'foreign', ...await addForeignRule(...), ...await addForeignApi(...) }`.
 */
export type PatternPart = Pick<BuiltService, 'name'> & Partial<Pick<BuiltService, 'ruleArn' | 'targetGroupArn' | 'apiId' | 'domainName' | 'privateName'>>;

export async function readPatternState(platform: SharedPlatform, built: readonly PatternPart[]): Promise<Record<string, unknown>> {
  const c = clients();
  try {
    const rules = new Map<string, { priority: string; conditions: unknown; forward: string[] }>();
    for await (const page of paginateDescribeRules({ client: c.elbv2 }, { ListenerArn: platform.listenerArn, PageSize: 400 })) {
      for (const r of page.Rules ?? []) {
        rules.set(r.RuleArn!, {
          priority: r.Priority!,
          conditions: (r.Conditions ?? []).map((x) => ({ field: x.Field, header: x.HttpHeaderConfig?.HttpHeaderName, values: x.HttpHeaderConfig?.Values ?? x.Values })),
          forward: (r.Actions ?? []).flatMap((a) => [a.TargetGroupArn, ...(a.ForwardConfig?.TargetGroups ?? []).map((t) => t.TargetGroupArn)]).filter((x): x is string => !!x).filter((x, i, xs) => xs.indexOf(x) === i).sort(),
        });
      }
    }
    const groups = new Set<string>();
    for await (const page of paginateDescribeTargetGroups({ client: c.elbv2 }, { PageSize: 400 })) for (const g of page.TargetGroups ?? []) groups.add(g.TargetGroupArn!);
    const apis = new Map(((await c.apigw.send(new GetApisCommand({ MaxResults: '500' }))).Items ?? []).map((a) => [a.ApiId!, a]));
    const records = async (zoneId: string, name: string) =>
      ((await c.r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: name, MaxItems: 10 }))).ResourceRecordSets ?? [])
        .filter((r) => r.Name?.replace(/\.$/, '') === name && ['A', 'AAAA', 'CNAME'].includes(r.Type ?? ''))
        .map((r) => ({ type: r.Type, alias: r.AliasTarget?.DNSName?.replace(/\.$/, '').toLowerCase() ?? null, values: (r.ResourceRecords ?? []).map((v) => v.Value) }));
    const out: Record<string, unknown> = {};
    for (const b of built) {
      const api = b.apiId ? apis.get(b.apiId) : undefined;
      const children = api
        ? {
            integrations: ((await c.apigw.send(new GetIntegrationsCommand({ ApiId: b.apiId! }))).Items ?? []).map((i) => ({ id: i.IntegrationId, uri: i.IntegrationUri, link: i.ConnectionId, parameters: i.RequestParameters })),
            routes: ((await c.apigw.send(new GetRoutesCommand({ ApiId: b.apiId! }))).Items ?? []).map((r) => ({ id: r.RouteId, key: r.RouteKey, target: r.Target })),
            stages: ((await c.apigw.send(new GetStagesCommand({ ApiId: b.apiId! }))).Items ?? []).map((st) => st.StageName).sort(),
          }
        : null;
      let domain: unknown = null;
      if (b.domainName) {
        try {
          const d = await c.apigw.send(new GetDomainNameCommand({ DomainName: b.domainName }));
          const mappings = ((await c.apigw.send(new GetApiMappingsCommand({ DomainName: b.domainName }))).Items ?? []).map((m) => ({ id: m.ApiMappingId, apiId: m.ApiId, stage: m.Stage, key: m.ApiMappingKey ?? '' }));
          domain = { name: d.DomainName, certificateArn: d.DomainNameConfigurations?.[0]?.CertificateArn, mappings, records: await records(platform.publicZoneId, b.domainName) };
        } catch (err) {
          if ((err as Error).name !== 'NotFoundException') throw err;
        }
      }
      out[b.name] = {
        rule: b.ruleArn && rules.has(b.ruleArn) ? { arn: b.ruleArn, ...rules.get(b.ruleArn) } : null,
        targetGroup: b.targetGroupArn && groups.has(b.targetGroupArn) ? b.targetGroupArn : null,
        api: api ? { id: api.ApiId, name: api.Name, ...children } : null,
        domain,
        privateName: b.privateName ? { name: b.privateName, records: await records(platform.privateZoneId, b.privateName) } : null,
      };
    }
    return out;
  } finally {
    destroy(c);
  }
}
