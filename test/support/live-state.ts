import { ACMClient, ListCertificatesCommand, ListTagsForCertificateCommand } from '@aws-sdk/client-acm';
import { ApiGatewayV2Client, GetApiMappingsCommand, GetApisCommand, GetDomainNamesCommand, GetIntegrationsCommand, GetRoutesCommand, GetStagesCommand } from '@aws-sdk/client-apigatewayv2';
import { DescribeRulesCommand, DescribeTagsCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetParametersByPathCommand, ListTagsForResourceCommand, SSMClient } from '@aws-sdk/client-ssm';
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
const ROLE_TAG = 'routeyard:role';

export interface LiveApi {
  id: string;
  name: string;
  service: string | undefined;
  createdDate: number;
  integrations: { id: string }[];
  routes: { key: string; target: string | undefined }[];
  stages: string[];
  /** ApiEndpoint as GetApis returns it. */
  endpoint: string | undefined;
}

export interface LiveRule {
  arn: string;
  priority: string;
  service: string | undefined;
  /** The routeyard:role tag: production, test (ECS deployments), or none. */
  role: string | undefined;
  /** Every target group the rule forwards to (TargetGroupArn and ForwardConfig), once each. */
  targetGroups: string[];
  /** The forward weights by target group ARN (a plain TargetGroupArn forward: weight 1). */
  weights: Record<string, number>;
  actionTypes: string[];
  /** http-header conditions, header name lowercased -> values; other condition fields by name. */
  headers: Record<string, string[]>;
  otherConditions: string[];
}

/** A parameter under `<outputsPrefix>/services/`, owned or not. */
export interface LiveParameter {
  name: string;
  value: string;
  type: string;
  version: number;
  tags: Record<string, string>;
  /** Carries this RouteSet's routeyard:owner tag. */
  owned: boolean;
}

export interface LiveState {
  rules: LiveRule[];
  targetGroups: { arn: string; name: string; service: string | undefined; role: string | undefined }[];
  apis: LiveApi[];
  domains: { name: string; service: string | undefined; target: string | undefined; mappings: { apiId: string; stage: string; key: string }[] }[];
  certificates: { arn: string; domain: string; status: string; service: string | undefined }[];
  records: { zone: 'public' | 'private'; name: string; type: string; values: string[]; alias: string | undefined }[];
  /** Every parameter under `<outputsPrefix>/services/` (empty without a prefix), with its tags. */
  parameters: LiveParameter[];
}

/** The keys routeyard publishes under `<prefix>/services/<service>/` (src/plan/outputs.ts OUTPUT_KEYS). */
export type OutputKey = 'target-group-arn' | 'alternate-target-group-arn' | 'production-rule-arn' | 'test-rule-arn' | 'api-id' | 'api-endpoint' | 'domain-target';

/** A parameter someone else made at a name routeyard would publish: it must stay exactly as it was. */
export interface ForeignParameter {
  name: string;
  value: string;
  version: number;
}

/** One declared service, as far as the invariants care. */
export interface Declared {
  name: string;
  routes: string[];
  domain: string | undefined;
  /** The domain's alias records: A, and AAAA for a dualstack domain. */
  aliasTypes: string[];
  privateDns: string | undefined;
  /** The routing header (spec.shared.headerName) and this service's value of it. */
  header: { name: string; value: string };
  /** The declared priority, if any (the test rule, when there is one, sits at priority - 1). */
  priority: number | undefined;
  /** `deployment: {strategy: "ecs"}`: two groups (primary, alternate), a production rule to both, and the test rule with testTraffic. */
  ecs: { testTraffic: { header: string; value: string } | undefined } | undefined;
  /** With spec.shared.outputsPrefix: the keys it publishes, and foreign parameters at some of them (never touched). */
  outputs: { prefix: string; keys: OutputKey[]; foreign: ForeignParameter[] } | undefined;
}

/**
 * The declared services of a document. `foreign`: parameters the test made, untagged, at
 * names routeyard would publish (each belongs to the service its name says).
 */
export function declaredServices(doc: Doc, foreign: ForeignParameter[] = []): Declared[] {
  const prefix = doc.spec.shared?.outputsPrefix as string | undefined;
  return (doc.spec.services as Doc[]).map((s) => {
    const ecs = s.deployment?.strategy === 'ecs' ? { testTraffic: s.deployment.testTraffic as { header: string; value: string } | undefined } : undefined;
    const keys: OutputKey[] = ['target-group-arn'];
    if (ecs) keys.push('alternate-target-group-arn');
    keys.push('production-rule-arn');
    if (ecs?.testTraffic) keys.push('test-rule-arn');
    if (s.api) keys.push('api-id', 'api-endpoint');
    if (s.domain) keys.push('domain-target');
    return {
      name: s.name as string,
      routes: (s.api?.routes as string[] | undefined) ?? ['$default'],
      domain: (s.domain?.name as string | undefined)?.toLowerCase(),
      aliasTypes: s.domain?.ipAddressType === 'dualstack' ? ['A', 'AAAA'] : ['A'],
      privateDns: (s.privateDns?.name as string | undefined)?.toLowerCase(),
      header: { name: (doc.spec.shared?.headerName as string | undefined) ?? 'X-Target-Service', value: (s.headerValue as string | undefined) ?? (s.name as string) },
      priority: s.priority as number | undefined,
      ecs,
      outputs: prefix ? { prefix, keys, foreign: foreign.filter((f) => f.name.startsWith(`${prefix}/services/${s.name}/`)) } : undefined,
    };
  });
}

export interface LiveReader {
  read: () => Promise<LiveState>;
  destroy: () => void;
}

/** `outputsPrefix`: also read the parameters under `<prefix>/services/` (with their tags, one ListTagsForResource each). */
export function liveReader(motoEndpoint: string, platform: SharedPlatform, owner: string, options: { outputsPrefix?: string } = {}): LiveReader {
  const env = motoEnv(motoEndpoint);
  const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY!, sessionToken: env.AWS_SESSION_TOKEN! };
  const common = { endpoint: motoEndpoint, region: env.AWS_REGION!, credentials, maxAttempts: 1 };
  const elbv2 = new ElasticLoadBalancingV2Client(common);
  const apigw = new ApiGatewayV2Client(common);
  const acm = new ACMClient(common);
  const r53 = new Route53Client({ ...common, region: 'us-east-1' });
  const ssm = new SSMClient(common);
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
    const live: LiveState = { rules: [], targetGroups: [], apis: [], domains: [], certificates: [], records: [], parameters: [] };
    for (const r of rules) {
      const t = tags.get(r.RuleArn!);
      if (!ours(t)) continue;
      const forwards = (r.Actions ?? []).flatMap((a) => [a.TargetGroupArn, ...(a.ForwardConfig?.TargetGroups ?? []).map((g) => g.TargetGroupArn)]).filter((x): x is string => !!x);
      const weights: Record<string, number> = {};
      for (const a of r.Actions ?? []) {
        if (a.ForwardConfig?.TargetGroups?.length) for (const g of a.ForwardConfig.TargetGroups) weights[g.TargetGroupArn!] = g.Weight ?? 1;
        else if (a.TargetGroupArn) weights[a.TargetGroupArn] = 1;
      }
      const headers: Record<string, string[]> = {};
      const otherConditions: string[] = [];
      for (const c of r.Conditions ?? []) {
        if (c.Field === 'http-header' && c.HttpHeaderConfig?.HttpHeaderName) headers[c.HttpHeaderConfig.HttpHeaderName.toLowerCase()] = [...(c.HttpHeaderConfig.Values ?? [])];
        else otherConditions.push(c.Field ?? '?');
      }
      live.rules.push({
        arn: r.RuleArn!,
        priority: r.Priority ?? '',
        service: t?.[SERVICE_TAG],
        role: t?.[ROLE_TAG],
        targetGroups: [...new Set(forwards)],
        weights,
        actionTypes: (r.Actions ?? []).map((a) => a.Type ?? ''),
        headers,
        otherConditions,
      });
    }
    for (const g of groups) {
      const t = tags.get(g.TargetGroupArn!);
      if (ours(t)) live.targetGroups.push({ arn: g.TargetGroupArn!, name: g.TargetGroupName ?? '', service: t?.[SERVICE_TAG], role: t?.[ROLE_TAG] });
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
        endpoint: a.ApiEndpoint,
      });
    }
    for (const d of (await apigw.send(new GetDomainNamesCommand({ MaxResults: '500' }))).Items ?? []) {
      if (!ours(d.Tags)) continue;
      const mappings = (await apigw.send(new GetApiMappingsCommand({ DomainName: d.DomainName!, MaxResults: '500' }))).Items ?? [];
      live.domains.push({
        name: (d.DomainName ?? '').toLowerCase(),
        service: d.Tags?.[SERVICE_TAG],
        target: d.DomainNameConfigurations?.[0]?.ApiGatewayDomainName,
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
    if (options.outputsPrefix) {
      let token: string | undefined;
      do {
        const page = await ssm.send(new GetParametersByPathCommand({ Path: `${options.outputsPrefix}/services`, Recursive: true, MaxResults: 10, ...(token ? { NextToken: token } : {}) }));
        for (const p of page.Parameters ?? []) live.parameters.push({ name: p.Name!, value: p.Value ?? '', type: p.Type ?? '', version: p.Version ?? 0, tags: {}, owned: false });
        token = page.NextToken;
      } while (token);
      await Promise.all(
        live.parameters.map(async (p) => {
          const t = (await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: p.name }))).TagList ?? [];
          p.tags = Object.fromEntries(t.map((x) => [x.Key!, x.Value ?? '']));
          p.owned = ours(p.tags);
        }),
      );
      live.parameters.sort((a, b) => a.name.localeCompare(b.name));
    }
    return live;
  };
  return { read, destroy: () => [elbv2, apigw, acm, r53, ssm].forEach((c) => c.destroy()) };
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
 * The end-state invariants, as messages (empty: all hold). Every declared service has one
 * owned API with one integration, each declared route once (targeting that integration) and
 * exactly one stage, `$default`; a service with a domain has it, with one mapping to that
 * API, an ISSUED certificate and alias records. Its rules and target groups:
 *
 * - without ECS deployments, exactly one owned rule forwarding (forward only) to its one
 *   owned target group;
 * - with `deployment: {strategy: "ecs"}`, exactly two owned groups (one tagged primary, one
 *   alternate) and one production rule (role tag production, or none) forwarding to exactly
 *   those two, whatever the weights; with `testTraffic`, exactly one test rule (role test) at
 *   the priority just before it, forwarding to the same two, and none without it;
 * - each rule matches exactly its http-header conditions (the routing header with the
 *   service's value; the test rule also the test header), at the declared priority.
 *
 * With an outputs prefix, every key the service publishes exists as an owned (tagged with
 * this owner and the service), String parameter whose value is what it describes, as live
 * (target-group-arn: the only group, or the primary; api-endpoint: GetApis' ApiEndpoint;
 * domain-target: the domain's regional target name), no owned parameter sits at a key the
 * service does not publish, and a foreign parameter at one of its names is exactly as the
 * test made it (value, version, no owner tag).
 *
 * Nothing owned is left that the document does not declare (rules, target groups, APIs,
 * domains, certificates, registry entries, parameters).
 */
export function checkInvariants(live: LiveState, declared: Declared[]): string[] {
  const bad: string[] = [];
  const names = new Set(declared.map((s) => s.name));
  const sameSet = (a: string[], b: string[]) => [...a].sort().join('|') === [...b].sort().join('|');
  const checkRule = (s: Declared, label: string, rule: LiveRule, groups: string[], headers: { name: string; value: string }[], priority: number | undefined) => {
    if (rule.actionTypes.join() !== 'forward') bad.push(`${s.name}: its ${label} has actions ${JSON.stringify(rule.actionTypes)} (want forward only)`);
    if (!sameSet(rule.targetGroups, groups)) bad.push(`${s.name}: its ${label} forwards to ${rule.targetGroups.join(', ') || 'nothing'}, not to ${groups.join(', ') || '?'}`);
    const want = Object.fromEntries(headers.map((h) => [h.name.toLowerCase(), [h.value]]));
    if (JSON.stringify(Object.entries(rule.headers).sort()) !== JSON.stringify(Object.entries(want).sort()) || rule.otherConditions.length > 0) {
      bad.push(`${s.name}: its ${label} matches ${JSON.stringify(rule.headers)}${rule.otherConditions.length ? ` and ${rule.otherConditions.join(', ')}` : ''} (want ${JSON.stringify(want)})`);
    }
    if (priority !== undefined && rule.priority !== String(priority)) bad.push(`${s.name}: its ${label} is at priority ${rule.priority} (want ${priority})`);
  };
  for (const s of declared) {
    const rules = live.rules.filter((r) => r.service === s.name);
    const groups = live.targetGroups.filter((g) => g.service === s.name);
    const apis = live.apis.filter((a) => a.service === s.name);
    // What the outputs must say, where the live state has it.
    const values: Partial<Record<OutputKey, string>> = {};
    if (s.ecs) {
      const primary = groups.filter((g) => g.role === 'primary');
      const alternate = groups.filter((g) => g.role === 'alternate');
      if (groups.length !== 2 || primary.length !== 1 || alternate.length !== 1) {
        bad.push(`${s.name}: owned target groups ${JSON.stringify(groups.map((g) => `${g.name} (${g.role ?? 'no role'})`))} (want one primary and one alternate)`);
      }
      const production = rules.filter((r) => r.role !== 'test');
      const tests = rules.filter((r) => r.role === 'test');
      const pair = groups.map((g) => g.arn);
      if (production.length !== 1) bad.push(`${s.name}: ${production.length} owned production rules (want 1)`);
      else checkRule(s, 'production rule', production[0]!, pair, [s.header], s.priority);
      if (s.ecs.testTraffic) {
        if (tests.length !== 1) bad.push(`${s.name}: ${tests.length} owned test rules (want 1)`);
        else checkRule(s, 'test rule', tests[0]!, pair, [s.header, { name: s.ecs.testTraffic.header, value: s.ecs.testTraffic.value }], s.priority === undefined ? undefined : s.priority - 1);
      } else if (tests.length > 0) bad.push(`${s.name}: ${tests.length} owned test rule(s) without deployment.testTraffic`);
      if (primary.length === 1) values['target-group-arn'] = primary[0]!.arn;
      if (alternate.length === 1) values['alternate-target-group-arn'] = alternate[0]!.arn;
      if (production.length === 1) values['production-rule-arn'] = production[0]!.arn;
      if (tests.length === 1) values['test-rule-arn'] = tests[0]!.arn;
    } else {
      if (rules.length !== 1) bad.push(`${s.name}: ${rules.length} owned listener rules (want 1)`);
      if (groups.length !== 1) bad.push(`${s.name}: ${groups.length} owned target groups (want 1)`);
      if (rules.length === 1 && groups.length === 1) checkRule(s, 'rule', rules[0]!, [groups[0]!.arn], [s.header], s.priority);
      if (groups.length === 1) values['target-group-arn'] = groups[0]!.arn;
      if (rules.length === 1) values['production-rule-arn'] = rules[0]!.arn;
    }
    if (apis.length !== 1) bad.push(`${s.name}: ${apis.length} owned HTTP APIs (want 1): ${apis.map((a) => a.id).join(', ')}`);
    else {
      values['api-id'] = apis[0]!.id;
      if (apis[0]!.endpoint) values['api-endpoint'] = apis[0]!.endpoint;
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
    if (s.domain) {
      const target = live.domains.find((d) => d.name === s.domain && d.service === s.name)?.target;
      if (target) values['domain-target'] = target;
    }
    if (s.outputs) checkOutputs(s, s.outputs, live, values, bad);
  }
  const undeclared = (what: string, items: { service: string | undefined; id: string }[]) => {
    for (const x of items) if (!x.service || !names.has(x.service)) bad.push(`leftover ${what} ${x.id} of undeclared service ${x.service ?? '(none)'}`);
  };
  undeclared('listener rule', live.rules.map((r) => ({ service: r.service, id: r.arn })));
  undeclared('target group', live.targetGroups.map((g) => ({ service: g.service, id: g.name })));
  undeclared('HTTP API', live.apis.map((a) => ({ service: a.service, id: `${a.id} (${a.name})` })));
  undeclared('custom domain', live.domains.map((d) => ({ service: d.service, id: d.name })));
  undeclared('certificate', live.certificates.map((c) => ({ service: c.service, id: `${c.arn} (${c.domain})` })));
  // Owned parameters under the prefix: each of a declared service (by its name and its tag).
  const prefix = declared.find((s) => s.outputs)?.outputs?.prefix;
  for (const p of live.parameters.filter((x) => x.owned)) {
    const inName = prefix && p.name.startsWith(`${prefix}/services/`) ? p.name.slice(`${prefix}/services/`.length).split('/')[0] : undefined;
    if (!inName || !names.has(inName)) bad.push(`leftover parameter ${p.name} of undeclared service ${inName ?? '(none)'} (tagged ${p.tags[SERVICE_TAG] ?? '(none)'})`);
  }
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

/** One service's published outputs: see checkInvariants. `values`: what each key describes, as live. */
function checkOutputs(s: Declared, outputs: NonNullable<Declared['outputs']>, live: LiveState, values: Partial<Record<OutputKey, string>>, bad: string[]): void {
  const base = `${outputs.prefix}/services/${s.name}/`;
  for (const key of outputs.keys) {
    const name = `${base}${key}`;
    const p = live.parameters.find((x) => x.name === name);
    const foreign = outputs.foreign.find((f) => f.name === name);
    if (foreign) {
      if (!p) bad.push(`${s.name}: the foreign parameter ${name} is gone`);
      else if (p.value !== foreign.value || p.version !== foreign.version || OWNER_TAG in p.tags || SERVICE_TAG in p.tags) {
        bad.push(`${s.name}: the foreign parameter ${name} was changed: ${JSON.stringify({ value: p.value, version: p.version, tags: p.tags })} (was ${JSON.stringify({ value: foreign.value, version: foreign.version, tags: {} })})`);
      }
      continue;
    }
    if (!p) {
      bad.push(`${s.name}: parameter ${key} missing (${name})`);
      continue;
    }
    if (!p.owned || p.tags[SERVICE_TAG] !== s.name) bad.push(`${s.name}: parameter ${name} is not owned by it (tags ${JSON.stringify(p.tags)})`);
    if (p.type !== 'String') bad.push(`${s.name}: parameter ${name} is a ${p.type} (want String)`);
    const want = values[key];
    if (want === undefined) bad.push(`${s.name}: parameter ${name} says ${p.value}, and nothing live for it to describe`);
    else if (p.value !== want) bad.push(`${s.name}: parameter ${name} says ${p.value} (want ${want})`);
  }
  for (const p of live.parameters) {
    if (!p.owned || !p.name.startsWith(base)) continue;
    const key = p.name.slice(base.length);
    if (!(outputs.keys as string[]).includes(key)) bad.push(`${s.name}: owned parameter ${p.name} at a key the service does not publish`);
  }
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
    parameters: live.parameters.filter((p) => p.owned).length,
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
    ...live.parameters.filter((p) => p.owned && p.tags[SERVICE_TAG] === service).map((p) => `parameter ${p.name}`),
  ].sort();
}
