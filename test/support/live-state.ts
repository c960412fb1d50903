import { ACMClient, ListCertificatesCommand, ListTagsForCertificateCommand } from '@aws-sdk/client-acm';
import { ApiGatewayV2Client, GetApiMappingsCommand, GetApisCommand, GetDomainNamesCommand, GetIntegrationsCommand, GetRoutesCommand, GetStagesCommand } from '@aws-sdk/client-apigatewayv2';
import { DescribeRulesCommand, DescribeTagsCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import type { SharedPlatform } from './bootstrap.ts';
import type { Doc } from './harness.ts';
import { motoEnv } from './moto.ts';

/**
 * What routeyard owns in the emulator, read straight from moto (never through routeyard or
 * the fault proxy), and the invariants a fault suite checks on it. The clients here name
 * their endpoint, so they ignore the AWS_ENDPOINT_URL a test points routeyard at.
 */
const OWNER_TAG = 'routeyard:owner';
const SERVICE_TAG = 'routeyard:service';

export interface LiveApi {
  id: string;
  name: string;
  service: string | undefined;
  createdDate: number;
  integrations: { id: string }[];
  routes: { key: string; target: string | undefined }[];
  stages: string[];
}

export interface LiveState {
  rules: { arn: string; priority: string; service: string | undefined; targetGroups: string[] }[];
  targetGroups: { arn: string; name: string; service: string | undefined }[];
  apis: LiveApi[];
  domains: { name: string; service: string | undefined; mappings: { apiId: string; stage: string; key: string }[] }[];
  certificates: { arn: string; domain: string; status: string; service: string | undefined }[];
  records: { zone: 'public' | 'private'; name: string; type: string; values: string[]; alias: string | undefined }[];
}

/** One declared service, as far as the invariants care. */
export interface Declared {
  name: string;
  routes: string[];
  domain: string | undefined;
  /** The domain's alias records: A, and AAAA for a dualstack domain. */
  aliasTypes: string[];
  privateDns: string | undefined;
}

export function declaredServices(doc: Doc): Declared[] {
  return (doc.spec.services as Doc[]).map((s) => ({
    name: s.name as string,
    routes: (s.api?.routes as string[] | undefined) ?? ['$default'],
    domain: (s.domain?.name as string | undefined)?.toLowerCase(),
    aliasTypes: s.domain?.ipAddressType === 'dualstack' ? ['A', 'AAAA'] : ['A'],
    privateDns: (s.privateDns?.name as string | undefined)?.toLowerCase(),
  }));
}

export interface LiveReader {
  read: () => Promise<LiveState>;
  destroy: () => void;
}

export function liveReader(motoEndpoint: string, platform: SharedPlatform, owner: string): LiveReader {
  const env = motoEnv(motoEndpoint);
  const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY!, sessionToken: env.AWS_SESSION_TOKEN! };
  const common = { endpoint: motoEndpoint, region: env.AWS_REGION!, credentials, maxAttempts: 1 };
  const elbv2 = new ElasticLoadBalancingV2Client(common);
  const apigw = new ApiGatewayV2Client(common);
  const acm = new ACMClient(common);
  const r53 = new Route53Client({ ...common, region: 'us-east-1' });
  const ours = (tags: Record<string, string> | undefined) => tags?.[OWNER_TAG] === owner;

  const tagsOf = async (arns: string[]): Promise<Map<string, Record<string, string>>> => {
    const out = new Map<string, Record<string, string>>();
    for (let i = 0; i < arns.length; i += 20) {
      const page = await elbv2.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }));
      for (const d of page.TagDescriptions ?? []) out.set(d.ResourceArn!, Object.fromEntries((d.Tags ?? []).map((t) => [t.Key!, t.Value ?? ''])));
    }
    return out;
  };

  const read = async (): Promise<LiveState> => {
    const rules = ((await elbv2.send(new DescribeRulesCommand({ ListenerArn: platform.listenerArn }))).Rules ?? []).filter((r) => !r.IsDefault);
    const groups = (await elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
    const tags = await tagsOf([...rules.map((r) => r.RuleArn!), ...groups.map((g) => g.TargetGroupArn!)]);
    const live: LiveState = { rules: [], targetGroups: [], apis: [], domains: [], certificates: [], records: [] };
    for (const r of rules) {
      const t = tags.get(r.RuleArn!);
      if (!ours(t)) continue;
      const forwards = (r.Actions ?? []).flatMap((a) => [a.TargetGroupArn, ...(a.ForwardConfig?.TargetGroups ?? []).map((g) => g.TargetGroupArn)]).filter((x): x is string => !!x);
      live.rules.push({ arn: r.RuleArn!, priority: r.Priority ?? '', service: t?.[SERVICE_TAG], targetGroups: [...new Set(forwards)] });
    }
    for (const g of groups) {
      const t = tags.get(g.TargetGroupArn!);
      if (ours(t)) live.targetGroups.push({ arn: g.TargetGroupArn!, name: g.TargetGroupName ?? '', service: t?.[SERVICE_TAG] });
    }
    for (const a of (await apigw.send(new GetApisCommand({ MaxResults: '500' }))).Items ?? []) {
      if (!ours(a.Tags)) continue;
      const [integrations, routes, stages] = await Promise.all([
        apigw.send(new GetIntegrationsCommand({ ApiId: a.ApiId!, MaxResults: '500' })),
        apigw.send(new GetRoutesCommand({ ApiId: a.ApiId!, MaxResults: '500' })),
        apigw.send(new GetStagesCommand({ ApiId: a.ApiId!, MaxResults: '500' })),
      ]);
      live.apis.push({
        id: a.ApiId!,
        name: a.Name ?? '',
        service: a.Tags?.[SERVICE_TAG],
        createdDate: a.CreatedDate?.getTime() ?? 0,
        integrations: (integrations.Items ?? []).map((i) => ({ id: i.IntegrationId! })),
        routes: (routes.Items ?? []).map((r) => ({ key: r.RouteKey ?? '', target: r.Target })),
        stages: (stages.Items ?? []).map((s) => s.StageName ?? ''),
      });
    }
    for (const d of (await apigw.send(new GetDomainNamesCommand({ MaxResults: '500' }))).Items ?? []) {
      if (!ours(d.Tags)) continue;
      const mappings = (await apigw.send(new GetApiMappingsCommand({ DomainName: d.DomainName!, MaxResults: '500' }))).Items ?? [];
      live.domains.push({
        name: (d.DomainName ?? '').toLowerCase(),
        service: d.Tags?.[SERVICE_TAG],
        mappings: mappings.map((m) => ({ apiId: m.ApiId ?? '', stage: m.Stage ?? '', key: m.ApiMappingKey ?? '' })),
      });
    }
    for (const c of (await acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? []) {
      const t = Object.fromEntries(((await acm.send(new ListTagsForCertificateCommand({ CertificateArn: c.CertificateArn! }))).Tags ?? []).map((x) => [x.Key!, x.Value ?? '']));
      if (ours(t)) live.certificates.push({ arn: c.CertificateArn!, domain: (c.DomainName ?? '').toLowerCase(), status: c.Status ?? '', service: t[SERVICE_TAG] });
    }
    for (const [zone, id] of [['public', platform.publicZoneId], ['private', platform.privateZoneId]] as const) {
      for (const r of (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: id }))).ResourceRecordSets ?? []) {
        live.records.push({
          zone,
          name: (r.Name ?? '').toLowerCase().replace(/\.$/, ''),
          type: r.Type ?? '',
          values: (r.ResourceRecords ?? []).map((v) => v.Value ?? ''),
          alias: r.AliasTarget?.DNSName?.toLowerCase().replace(/\.$/, ''),
        });
      }
    }
    return live;
  };
  return { read, destroy: () => [elbv2, apigw, acm, r53].forEach((c) => c.destroy()) };
}

/**
 * The APIs that serve: the owned API of a declared service with a `$default` stage, a
 * `$default` route whose target integration exists, and, when the service has a custom
 * domain, that domain's mapping to it. Returns api id -> service.
 */
export function servingApis(live: LiveState, declared: Declared[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of declared) {
    for (const api of live.apis.filter((a) => a.service === s.name)) {
      const route = api.routes.find((r) => r.key === '$default');
      const targetOk = route?.target !== undefined && api.integrations.some((i) => route.target === `integrations/${i.id}`);
      const stageOk = api.stages.includes('$default');
      const mappingOk = !s.domain || live.domains.some((d) => d.name === s.domain && d.mappings.some((m) => m.apiId === api.id && m.stage === '$default'));
      if (targetOk && stageOk && mappingOk) out.set(api.id, s.name);
    }
  }
  return out;
}

/** The registry entry's fields: "heritage=routeyard,routeyard:owner=X,routeyard:service=Y". */
function registryEntry(values: string[]): Record<string, string> | undefined {
  const v = values[0]?.replace(/^"|"$/g, '');
  if (!v?.startsWith('heritage=routeyard')) return undefined;
  return Object.fromEntries(v.split(',').map((kv) => kv.split('=') as [string, string]));
}

/**
 * The end-state invariants, as messages (empty: all hold). Every declared service has
 * exactly one owned rule (forwarding to its one owned target group), one owned API with
 * one integration, each declared route once (targeting that integration) and exactly one
 * stage, `$default`; a service with a domain has it, with one mapping to that API, an
 * ISSUED certificate and alias records; nothing owned is left that the document does not
 * declare (rules, target groups, APIs, domains, certificates, registry entries).
 */
export function checkInvariants(live: LiveState, declared: Declared[]): string[] {
  const bad: string[] = [];
  const names = new Set(declared.map((s) => s.name));
  for (const s of declared) {
    const rules = live.rules.filter((r) => r.service === s.name);
    const groups = live.targetGroups.filter((g) => g.service === s.name);
    const apis = live.apis.filter((a) => a.service === s.name);
    if (rules.length !== 1) bad.push(`${s.name}: ${rules.length} owned listener rules (want 1)`);
    if (groups.length !== 1) bad.push(`${s.name}: ${groups.length} owned target groups (want 1)`);
    if (rules.length === 1 && groups.length === 1 && rules[0]!.targetGroups.join() !== groups[0]!.arn) {
      bad.push(`${s.name}: its rule forwards to ${rules[0]!.targetGroups.join(', ') || 'nothing'}, not to its target group ${groups[0]!.name}`);
    }
    if (apis.length !== 1) bad.push(`${s.name}: ${apis.length} owned HTTP APIs (want 1): ${apis.map((a) => a.id).join(', ')}`);
    for (const api of apis) {
      if (api.integrations.length !== 1) bad.push(`${s.name}: API ${api.id} has ${api.integrations.length} integrations (want 1)`);
      const keys = api.routes.map((r) => r.key).sort();
      if (keys.join('|') !== [...s.routes].sort().join('|')) bad.push(`${s.name}: API ${api.id} routes ${JSON.stringify(keys)} (want ${JSON.stringify([...s.routes].sort())})`);
      for (const r of api.routes) {
        if (!api.integrations.some((i) => r.target === `integrations/${i.id}`)) bad.push(`${s.name}: API ${api.id} route ${r.key} targets ${r.target ?? 'nothing'}, not its integration`);
      }
      if (api.stages.join('|') !== '$default') bad.push(`${s.name}: API ${api.id} stages ${JSON.stringify(api.stages)} (want ["$default"])`);
    }
    if (s.domain) {
      const domain = live.domains.find((d) => d.name === s.domain);
      if (!domain) bad.push(`${s.name}: custom domain ${s.domain} missing`);
      else if (domain.mappings.length !== 1 || apis.length !== 1 || domain.mappings[0]!.apiId !== apis[0]!.id || domain.mappings[0]!.stage !== '$default') {
        bad.push(`${s.name}: ${s.domain} mappings ${JSON.stringify(domain.mappings)} (want one, to ${apis.map((a) => a.id).join('/') || '?'} $default)`);
      }
      const certs = live.certificates.filter((c) => c.domain === s.domain);
      if (certs.length !== 1 || certs[0]!.status !== 'ISSUED') bad.push(`${s.name}: certificates for ${s.domain}: ${JSON.stringify(certs.map((c) => c.status))} (want one ISSUED)`);
      for (const type of s.aliasTypes) {
        if (!live.records.some((r) => r.zone === 'public' && r.name === s.domain && r.type === type && r.alias)) bad.push(`${s.name}: no alias ${type} record for ${s.domain}`);
      }
      if (!s.aliasTypes.includes('AAAA') && live.records.some((r) => r.zone === 'public' && r.name === s.domain && r.type === 'AAAA')) bad.push(`${s.name}: an AAAA record for the ipv4 domain ${s.domain}`);
    }
    if (s.privateDns && !live.records.some((r) => r.zone === 'private' && r.name === s.privateDns && r.type === 'A' && r.alias)) bad.push(`${s.name}: no private alias A record for ${s.privateDns}`);
  }
  const undeclared = (what: string, items: { service: string | undefined; id: string }[]) => {
    for (const x of items) if (!x.service || !names.has(x.service)) bad.push(`leftover ${what} ${x.id} of undeclared service ${x.service ?? '(none)'}`);
  };
  undeclared('listener rule', live.rules.map((r) => ({ service: r.service, id: r.arn })));
  undeclared('target group', live.targetGroups.map((g) => ({ service: g.service, id: g.name })));
  undeclared('HTTP API', live.apis.map((a) => ({ service: a.service, id: `${a.id} (${a.name})` })));
  undeclared('custom domain', live.domains.map((d) => ({ service: d.service, id: d.name })));
  undeclared('certificate', live.certificates.map((c) => ({ service: c.service, id: `${c.arn} (${c.domain})` })));
  for (const d of live.domains) {
    if (!declared.some((s) => s.domain === d.name)) bad.push(`leftover custom domain ${d.name}: no service declares it`);
  }
  // Registry entries: each must belong to a declared service, name one of its names, and sit beside its record.
  for (const r of live.records.filter((x) => x.type === 'TXT')) {
    const entry = registryEntry(r.values);
    const m = /^_routeyard-([a-z]+)\.(.+)$/.exec(r.name);
    if (!entry || !m) continue;
    const [, type, name] = m as unknown as [string, string, string];
    const svc = declared.find((s) => s.name === entry['routeyard:service']);
    const belongs = svc && [svc.domain, svc.privateDns].some((n) => n && (name === n || name.endsWith(`.${n}`)));
    if (!belongs) bad.push(`leftover registry entry ${r.name} (${entry['routeyard:service']}) for a name no declared service has`);
    if (!live.records.some((x) => x.zone === r.zone && x.name === name && x.type === type.toUpperCase())) bad.push(`registry entry ${r.name} without its ${type.toUpperCase()} record`);
  }
  return bad;
}

/** Counts for the printed figures. */
export function countOwned(live: LiveState): Record<string, number> {
  return {
    rules: live.rules.length,
    targetGroups: live.targetGroups.length,
    apis: live.apis.length,
    integrations: live.apis.reduce((n, a) => n + a.integrations.length, 0),
    routes: live.apis.reduce((n, a) => n + a.routes.length, 0),
    stages: live.apis.reduce((n, a) => n + a.stages.length, 0),
    domains: live.domains.length,
    mappings: live.domains.reduce((n, d) => n + d.mappings.length, 0),
    certificates: live.certificates.length,
  };
}

/**
 * Remembers every API seen serving, and says which of them have since disappeared while
 * their service is still declared: a deletion that would have taken that service down.
 */
export class ServedTracker {
  private readonly served = new Map<string, { service: string; firstSeen: string }>();
  readonly violations: string[] = [];

  observe(live: LiveState, declared: Declared[], when: string): void {
    const names = new Set(declared.map((s) => s.name));
    const present = new Set(live.apis.map((a) => a.id));
    for (const [id, seen] of this.served) {
      if (!present.has(id) && names.has(seen.service)) {
        this.violations.push(`${seen.service}: API ${id}, serving since ${seen.firstSeen}, was deleted by ${when} while the service stayed declared`);
        this.served.delete(id);
      }
      // A service no longer declared may lose its API: forget it.
      if (!names.has(seen.service)) this.served.delete(id);
    }
    for (const [id, service] of servingApis(live, declared)) if (!this.served.has(id)) this.served.set(id, { service, firstSeen: when });
  }

  count(): number {
    return this.served.size;
  }
}

/** Everything one service owns, as comparable ids (what a pass may not delete on a partial view). */
export function ownedIds(live: LiveState, service: string): string[] {
  const apis = live.apis.filter((a) => a.service === service);
  return [
    ...live.rules.filter((r) => r.service === service).map((r) => `rule ${r.arn}`),
    ...live.targetGroups.filter((g) => g.service === service).map((g) => `target group ${g.name}`),
    ...apis.flatMap((a) => [
      `api ${a.id}`,
      ...a.integrations.map((i) => `integration ${a.id}/${i.id}`),
      ...a.routes.map((r) => `route ${a.id}/${r.key}`),
      ...a.stages.map((s) => `stage ${a.id}/${s}`),
    ]),
    ...live.domains.filter((d) => d.service === service).flatMap((d) => [`domain ${d.name}`, ...d.mappings.map((m) => `mapping ${d.name} -> ${m.apiId}`)]),
  ].sort();
}
