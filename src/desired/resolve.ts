import { RouteyardError, type FieldError } from '../errors.ts';
import { normalizeLogGroupArn } from '../model/arns.ts';
import { qualifyName } from '../model/dns.ts';
import { targetGroupName } from '../model/names.ts';
import type { DesiredApi, DesiredLoadBalancer, DesiredService, DesiredState, DesiredTargetGroup } from '../model/desired.ts';
import { HOSTED_ZONE_ID, type ApiSpec, type RouteSet, type ServiceSpec } from './schema.ts';
import { excerpt } from './excerpt.ts';
import { secretValues, type SecretValues } from '../secrets.ts';
import type { ParameterStore } from './sources/types.ts';
import { CUSTOM_DOMAIN_QUOTA, DEFAULT_RULE_QUOTA } from './validate.ts';

export const DEFAULT_HEADER_NAME = 'X-Target-Service';
/** Target groups per Application Load Balancer: 100, not adjustable (ALB quotas). */
export const TARGET_GROUP_QUOTA = 100;
/** Automatic priorities come from high in the range, leaving the low numbers for explicit ones. */
export const DEFAULT_PRIORITY_BAND = { from: 1000, to: 49999 };
export const DEFAULT_ACCESS_LOG_FORMAT =
  '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength","integrationLatency":"$context.integrationLatency"}';

const SHARED_REFS = ['listenerArn', 'vpcLinkId', 'vpcId', 'albDnsName', 'albHostedZoneId', 'privateHostedZone'] as const;
const SHARD_REFS = ['listenerArn', 'albDnsName', 'albHostedZoneId'] as const;
type SharedValues = { listenerArn?: string; vpcLinkId: string; vpcId: string; albDnsName?: string; albHostedZoneId?: string; privateHostedZone?: string };
/** A shard's values once its references are resolved. */
type ShardValues = { name: string; listenerArn: string; albDnsName?: string; albHostedZoneId?: string; ruleQuota?: number };

/**
 * Resolve `ssm:` references in spec.shared and its load balancers (one batched GetParameters
 * call) and apply defaults. A reference to a parameter that does not exist is an invalid
 * document. The value of a SecureString parameter is added to `secrets` before it is used,
 * so it is scrubbed from every report, log line and message that might quote it; messages
 * here name the parameter, never its value.
 */
export async function resolveDesiredState(
  doc: RouteSet,
  parameters: () => ParameterStore,
  ruleQuota = DEFAULT_RULE_QUOTA,
  secrets: SecretValues = secretValues,
): Promise<DesiredState> {
  const shared = doc.spec.shared;
  // Every reference with the document path it sits at.
  const fields: { path: string; value: string; set: (v: string) => void }[] = [];
  const values: Record<string, string> = {};
  for (const k of SHARED_REFS) {
    const v = shared[k];
    if (v !== undefined) fields.push({ path: `spec.shared.${k}`, value: v, set: (x) => (values[k] = x) });
  }
  const shards: ShardValues[] = (shared.loadBalancers ?? []).map((lb) => ({ ...lb }));
  shards.forEach((lb, j) => {
    for (const k of SHARD_REFS) {
      const v = lb[k];
      if (v !== undefined) fields.push({ path: `spec.shared.loadBalancers[${j}].${k}`, value: v, set: (x) => (lb[k] = x) });
    }
  });
  for (const f of fields) f.set(f.value);
  const refs = fields.filter((f) => f.value.startsWith('ssm:'));
  if (refs.length > 0) {
    const names = [...new Set(refs.map((f) => f.value.slice('ssm:'.length)))];
    const { found, missing } = await parameters().getParameters(names);
    for (const p of found) if (p.secure) secrets.add(p.value);
    const byName = new Map(found.map((p) => [p.name, p.value]));
    const errors: FieldError[] = [];
    for (const f of refs) {
      const name = f.value.slice('ssm:'.length);
      const value = byName.get(name);
      if (value === undefined || missing.includes(name)) errors.push({ path: f.path, message: `refers to SSM parameter ${excerpt(name)}, which does not exist` });
      else if (value.trim() === '') errors.push({ path: f.path, message: `refers to SSM parameter ${excerpt(name)}, which is empty` });
      else f.set(value.trim());
    }
    if (errors.length > 0) {
      throw new RouteyardError('UnresolvedReference', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { fault: 'user', fieldErrors: errors });
    }
  }
  return buildDesiredState(doc, values as SharedValues, ruleQuota, shards.length > 0 ? shards : undefined);
}

const albDns = (name: string) => name.toLowerCase().replace(/\.$/, '');

/**
 * Pure: the resolved model from a validated document and the shared values. `shards`: the
 * resolved spec.shared.loadBalancers (absent with the one-listener shorthand); a shard without
 * its own ruleQuota takes `ruleQuota` (--rule-quota).
 */
export function buildDesiredState(doc: RouteSet, shared: SharedValues, ruleQuota = DEFAULT_RULE_QUOTA, shards?: ShardValues[]): DesiredState {
  const owner = doc.metadata.name;
  const loadBalancers: DesiredLoadBalancer[] | undefined = shards?.map((lb) => ({
    name: lb.name,
    listenerArn: lb.listenerArn,
    ...(lb.albDnsName ? { albDnsName: albDns(lb.albDnsName) } : {}),
    ...(lb.albHostedZoneId ? { albHostedZoneId: lb.albHostedZoneId } : {}),
    ruleQuota: lb.ruleQuota ?? ruleQuota,
  }));
  const first = loadBalancers?.[0];
  const listenerArn = first?.listenerArn ?? shared.listenerArn;
  if (listenerArn === undefined) throw new RouteyardError('InvalidDesiredState', 'spec.shared.listenerArn: is required (or spec.shared.loadBalancers)', { fault: 'user', fieldErrors: [{ path: 'spec.shared.listenerArn', message: 'is required (or spec.shared.loadBalancers)' }] });
  const albDnsName = first ? first.albDnsName : shared.albDnsName ? albDns(shared.albDnsName) : undefined;
  const albHostedZoneId = first ? first.albHostedZoneId : shared.albHostedZoneId;
  return {
    owner,
    ...(loadBalancers ? { loadBalancers } : {}),
    listenerArn,
    vpcLinkId: shared.vpcLinkId,
    vpcId: shared.vpcId,
    ...(albDnsName ? { albDnsName } : {}),
    ...(albHostedZoneId ? { albHostedZoneId } : {}),
    ...(shared.privateHostedZone ? { privateHostedZone: shared.privateHostedZone } : {}),
    ...(doc.spec.shared.outputsPrefix ? { outputsPrefix: doc.spec.shared.outputsPrefix } : {}),
    headerName: doc.spec.shared.headerName ?? DEFAULT_HEADER_NAME,
    priorityBand: doc.spec.shared.priorityBand ?? DEFAULT_PRIORITY_BAND,
    ruleQuota: first?.ruleQuota ?? ruleQuota,
    targetGroupQuota: TARGET_GROUP_QUOTA,
    customDomainQuota: CUSTOM_DOMAIN_QUOTA,
    services: doc.spec.services.map((s) => buildService(owner, shared.vpcId, s, shared.privateHostedZone && !HOSTED_ZONE_ID.test(shared.privateHostedZone) ? shared.privateHostedZone : undefined, doc.spec.adopt)),
  };
}

/** `privateZoneName`: the private zone's name when the document gives one (an id is resolved at plan time). */
type AdoptSpec = NonNullable<ServiceSpec['adopt']>;

/** A service's own adopt decides whether it adopts; the stacks released add up from both levels. */
function adoption(own: AdoptSpec | undefined, doc: AdoptSpec | undefined): { adopt: boolean; releasedStacks?: string[] } {
  const on = (a: AdoptSpec | undefined) => (a === undefined ? undefined : a !== false);
  const adopt = on(own) ?? on(doc) ?? false;
  const stacks = [...new Set([own, doc].flatMap((a) => (a && typeof a === 'object' ? (a.fromStacks ?? []) : [])))];
  return { adopt, ...(adopt && stacks.length > 0 ? { releasedStacks: stacks } : {}) };
}

function buildService(owner: string, vpcId: string, s: ServiceSpec, privateZoneName: string | undefined, docAdopt?: AdoptSpec): DesiredService {
  return {
    name: s.name,
    headerValue: s.headerValue,
    ...(s.priority !== undefined ? { priority: s.priority } : {}),
    targetGroup: buildTargetGroup(owner, vpcId, s),
    ...(s.api ? { api: buildApi(s.name, s.api) } : {}),
    ...adoption(s.adopt, docAdopt),
    manage: s.manage ?? 'full',
    ...(s.domain
      ? {
          domain: {
            name: s.domain.name,
            hostedZone: s.domain.hostedZone,
            certificate: s.domain.certificate === 'auto' ? ('auto' as const) : { arn: s.domain.certificate },
            basePath: s.domain.basePath ?? '',
            ipAddressType: s.domain.ipAddressType ?? 'ipv4',
          },
        }
      : {}),
    ...(s.privateDns ? { privateDns: { name: qualifyName(s.privateDns.name, privateZoneName) } } : {}),
    ...(s.deployment
      ? { deployment: { strategy: s.deployment.strategy, ...(s.deployment.testTraffic ? { testTraffic: { ...s.deployment.testTraffic } } : {}) } }
      : {}),
    ...(s.loadBalancer !== undefined ? { loadBalancer: s.loadBalancer } : {}),
  };
}

function buildTargetGroup(owner: string, vpcId: string, s: ServiceSpec): DesiredTargetGroup {
  const tg = s.targetGroup;
  if (tg.arn !== undefined) return { kind: 'existing', arn: tg.arn };
  const port = tg.port!;
  const protocol = tg.protocol!;
  const targetType = tg.targetType!;
  const hc = tg.healthCheck;
  return {
    kind: 'managed',
    name: targetGroupName(owner, s.name, { port, protocol, targetType, vpcId }),
    ...(s.deployment?.strategy === 'ecs' ? { alternateName: targetGroupName(owner, s.name, { port, protocol, targetType, vpcId }, 'alternate') } : {}),
    port,
    protocol,
    targetType,
    vpcId,
    healthCheck: {
      ...(hc?.path !== undefined ? { path: hc.path } : {}),
      ...(hc?.protocol !== undefined ? { protocol: hc.protocol } : {}),
      ...(hc?.port !== undefined ? { port: String(hc.port) } : {}),
      ...(hc?.intervalSeconds !== undefined ? { intervalSeconds: hc.intervalSeconds } : {}),
      ...(hc?.timeoutSeconds !== undefined ? { timeoutSeconds: hc.timeoutSeconds } : {}),
      ...(hc?.healthyThresholdCount !== undefined ? { healthyThresholdCount: hc.healthyThresholdCount } : {}),
      ...(hc?.unhealthyThresholdCount !== undefined ? { unhealthyThresholdCount: hc.unhealthyThresholdCount } : {}),
      ...(hc?.matcher !== undefined ? { matcher: hc.matcher } : {}),
    },
  };
}


function buildApi(service: string, a: ApiSpec): DesiredApi {
  return {
    name: a.name ?? `${service}-http-api`,
    ...(a.description !== undefined ? { description: a.description } : {}),
    ...(a.cors
      ? {
          cors: {
            allowOrigins: a.cors.allowOrigins ?? [],
            allowMethods: a.cors.allowMethods ?? [],
            allowHeaders: a.cors.allowHeaders ?? [],
            exposeHeaders: a.cors.exposeHeaders ?? [],
            allowCredentials: a.cors.allowCredentials ?? false,
            ...(a.cors.maxAgeSeconds !== undefined ? { maxAgeSeconds: a.cors.maxAgeSeconds } : {}),
          },
        }
      : {}),
    routes: a.routes ?? ['$default'],
    stage: {
      name: '$default',
      autoDeploy: true,
      ...(a.stage?.throttling ? { throttling: { ...a.stage.throttling } } : {}),
      detailedMetrics: a.stage?.detailedMetrics ?? false,
      ...(a.stage?.accessLog
        ? { accessLog: { destinationArn: normalizeLogGroupArn(a.stage.accessLog.destinationArn), format: a.stage.accessLog.format ?? DEFAULT_ACCESS_LOG_FORMAT } }
        : {}),
    },
    payloadFormatVersion: a.payloadFormatVersion ?? '1.0',
  };
}
