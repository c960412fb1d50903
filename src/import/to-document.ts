/**
 * `routeyard --import`, the pure part: a live snapshot (snapshot.ts) becomes a RouteSet that
 * describes what is there, plus what was left out and why. No I/O, no clock.
 *
 * What counts as a service (the pattern the README describes, nothing looser):
 * - a non-default rule on the listener with exactly one condition, an http-header condition
 *   on the routing header with exactly one value (no regular expression, no wildcard), and
 *   one action, a forward to exactly one HTTP or HTTPS target group of type ip or instance;
 * - its HTTP API, when exactly one API has an HTTP_PROXY integration through the VPC link to
 *   this listener that overwrites the header with that value, the API serves no other value,
 *   and every route of the API targets that integration;
 * - its custom domain, when exactly one domain maps to that API, with exactly one mapping,
 *   to the $default stage, in a public zone of the account;
 * - its private name, when an alias A record in the private zone points at the load
 *   balancer and its first label is the service's name or header value.
 * Everything else is left out with a reason, never guessed at. Adoption is asked for
 * (`spec.adopt: true`); stacks that still hold resources are reported, never released.
 */
import type { z } from 'zod';
import { excerpt, quoted } from '../desired/excerpt.ts';
import { DEFAULT_HEADER_NAME } from '../desired/resolve.ts';
import { DnsName, HeaderValue, RouteSet } from '../desired/schema.ts';
import { DEFAULT_RULE_QUOTA, validateObject, zodIssuesToFieldErrors } from '../desired/validate.ts';
import { RouteyardError } from '../errors.ts';
import { OWNER_TAG } from '../model/tags.ts';
import type { Tags } from '../model/tags.ts';
import type { ImportRequest, LiveApi, LiveDomain, LiveIntegration, LiveRule, LiveSnapshot, LiveTargetGroup, LiveZone } from './snapshot.ts';

export const STACK_NAME_TAG = 'aws:cloudformation:stack-name';
export const LOGICAL_ID_TAG = 'aws:cloudformation:logical-id';

export type LeftOutKind = 'listenerRule' | 'httpApi' | 'customDomain' | 'dnsRecord' | 'stage';

/** Something in the account that looked related but is not described, and why. */
export interface LeftOut {
  kind: LeftOutKind;
  /** ARN, id or name, as AWS has it (bounded when shown). */
  id: string;
  /** The service it would have belonged to, when known. */
  service?: string;
  reason: string;
  /** Nothing to do with the pattern (an API without an integration to the listener, a rule not on the header): summarized, not listed one by one. */
  unrelated?: true;
}

/** A remark on a described service: a value that could not be carried over, what a dry run will show. */
export interface ImportNote {
  service?: string;
  message: string;
}

/** A CloudFormation stack that still holds resources of described services. */
export interface StackHold {
  stack: string;
  resources: { kind: string; id: string; service: string; logicalId?: string }[];
}

export interface ImportedService {
  name: string;
  headerValue: string;
  priority: number;
  ruleArn: string;
  targetGroupArn: string;
  apiId?: string;
  domain?: string;
  privateName?: string;
}

export interface ImportResult {
  document: RouteSet;
  services: ImportedService[];
  leftOut: LeftOut[];
  notes: ImportNote[];
  stacks: StackHold[];
  /** Services beyond the default rule quota: `--validate` on the output needs `--rule-quota`. */
  ruleQuota: number;
}

/** AWS's defaults for an HTTP or HTTPS target group of an Application Load Balancer (CreateTargetGroup). */
export const AWS_HEALTH_CHECK_DEFAULTS = {
  path: '/',
  protocol: 'HTTP',
  port: 'traffic-port',
  intervalSeconds: 30,
  timeoutSeconds: 5,
  healthyThresholdCount: 5,
  unhealthyThresholdCount: 2,
  matcher: '200',
} as const;

// The pieces of the document's schema, to check each part before it is written.
const ServiceSchema = RouteSet.shape.spec.shape.services.element;
const HealthCheckSchema = ServiceSchema.shape.targetGroup.shape.healthCheck.unwrap();
const ApiSchema = ServiceSchema.shape.api.unwrap();
const StageSchema = ApiSchema.shape.stage.unwrap();
const DomainSchema = ServiceSchema.shape.domain.unwrap();

const SCHEMA_URL = './schema/routeset.schema.json';
const MAX_SERVICES = 5000;

/** A CloudFormation tag says which stack holds a resource. */
function stackOf(tags: Tags | undefined): { stack: string; logicalId?: string } | undefined {
  const stack = tags?.[STACK_NAME_TAG];
  if (!stack) return undefined;
  const logicalId = tags?.[LOGICAL_ID_TAG];
  return { stack, ...(logicalId ? { logicalId } : {}) };
}

/**
 * A service name from a header value: lowercase, runs of anything but letters, digits and
 * hyphens made one hyphen, no hyphen at either end, at most 63 characters.
 */
export function serviceNameFor(value: string): string {
  const s = value
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return s === '' ? 'service' : s;
}

/** metadata.name from the load balancer's name (a DNS label; "imported" when nothing is left). */
export function routeSetNameFor(loadBalancerName: string): string {
  const s = serviceNameFor(loadBalancerName);
  return s === 'service' && !/service/i.test(loadBalancerName) ? 'imported' : s;
}

function disambiguate(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const name = `${base.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!taken.has(name)) return name;
  }
}

const dns = (n: string) => n.toLowerCase().replace(/\.$/, '');
/** An alias to a load balancer may be written with the `dualstack.` prefix (the console and CDK do). */
const aliasHost = (n: string) => dns(n).replace(/^dualstack\./, '');

/** Does this integration send requests to the listener? (The API's children are read only for those.) */
export function integrationReachesListener(i: LiveIntegration, listenerArn: string): boolean {
  return i.integrationUri === listenerArn;
}

/** The routing header's request parameter on an integration: its action and value. */
function headerParameter(i: LiveIntegration, headerLower: string): { key: string; action: string; value: string }[] {
  const out: { key: string; action: string; value: string }[] = [];
  for (const [key, value] of Object.entries(i.requestParameters)) {
    const m = /^([A-Za-z]+):header\.(.+)$/.exec(key);
    if (m && m[2]!.toLowerCase() === headerLower) out.push({ key, action: m[1]!.toLowerCase(), value });
  }
  return out;
}

/** Check a value against a piece of the schema; drop the top-level fields it refuses, and say why. */
function fit<T extends Record<string, unknown>>(schema: z.ZodType, value: T): { value: T; dropped: { field: string; message: string }[] } {
  let current: Record<string, unknown> = { ...value };
  const dropped: { field: string; message: string }[] = [];
  for (let round = 0; round <= Object.keys(value).length; round++) {
    const parsed = schema.safeParse(current);
    if (parsed.success) return { value: current as T, dropped };
    const errors = zodIssuesToFieldErrors(parsed.error.issues);
    const fields = new Set(errors.map((e) => e.path.split(/[.[]/)[0]!).filter((f) => f in current));
    if (fields.size === 0) break;
    for (const f of fields) {
      dropped.push({ field: f, message: errors.filter((e) => e.path.split(/[.[]/)[0] === f).map((e) => `${e.path}: ${e.message}`).join('; ') });
      current = Object.fromEntries(Object.entries(current).filter(([k]) => k !== f));
    }
  }
  return { value: {} as T, dropped: [...dropped, { field: '(all)', message: 'does not fit the schema' }] };
}

/** Why a piece of a document is refused: the schema's messages, bounded. */
function schemaProblems(schema: z.ZodType, value: unknown): string | undefined {
  const parsed = schema.safeParse(value);
  if (parsed.success) return undefined;
  return excerpt(zodIssuesToFieldErrors(parsed.error.issues).map((e) => `${e.path === '(document)' ? '' : `${e.path}: `}${e.message}`).join('; '), 400);
}

interface Candidate {
  rule: LiveRule;
  group: LiveTargetGroup;
  headerValue: string;
  priority: number;
  name: string;
  spec: Record<string, unknown>;
}

/**
 * The document and the report. `request.name` (when given) must already be a valid
 * metadata.name, and `request.headerName` a valid header name: the CLI checks both.
 */
export function toDocument(snapshot: LiveSnapshot, request: ImportRequest): ImportResult {
  const leftOut: LeftOut[] = [];
  const notes: ImportNote[] = [];
  const headerName = request.headerName || DEFAULT_HEADER_NAME;
  const headerLower = headerName.toLowerCase();
  const owner = request.name ?? routeSetNameFor(snapshot.loadBalancer.name);
  const listenerArn = request.listenerArn;
  const groups = new Map(snapshot.targetGroups.map((g) => [g.arn, g]));
  const ruleId = (r: LiveRule) => `${excerpt(r.arn, 200)} (priority ${excerpt(r.priority, 10)})`;

  // 1. Rules → services.
  const candidates: Candidate[] = [];
  const byValue = new Map<string, Candidate>();
  const byGroup = new Map<string, Candidate>();
  const priorityOf = (r: LiveRule) => (/^\d{1,5}$/.test(r.priority) ? Number(r.priority) : Number.POSITIVE_INFINITY);
  const rules = snapshot.rules.filter((r) => !r.isDefault).sort((a, b) => priorityOf(a) - priorityOf(b) || a.arn.localeCompare(b.arn));
  for (const rule of rules) {
    const why = (reason: string) => leftOut.push({ kind: 'listenerRule', id: ruleId(rule), reason });
    const ruleOwner = rule.tags[OWNER_TAG];
    if (ruleOwner !== undefined && ruleOwner !== owner) {
      why(`belongs to the RouteSet ${quoted(ruleOwner)} (tag ${OWNER_TAG})`);
      continue;
    }
    const ours = rule.conditions.filter((c) => c.field === 'http-header' && (c.headerName ?? '').toLowerCase() === headerLower);
    const fields = rule.conditions.map((c) => (c.field === 'http-header' ? `http-header ${excerpt(c.headerName ?? '', 40)}` : excerpt(c.field, 40)));
    if (ours.length === 0) {
      leftOut.push({ kind: 'listenerRule', id: ruleId(rule), reason: `does not match on ${headerName} (conditions: ${fields.join(', ') || 'none'}): not a service's rule`, unrelated: true });
      continue;
    }
    if (rule.conditions.length !== 1) {
      why(`has ${rule.conditions.length} conditions (${fields.join(', ')}); a service's rule has exactly one, an http-header condition on ${headerName}`);
      continue;
    }
    const cond = ours[0]!;
    if (cond.regexValues.length > 0) {
      why(`matches ${headerName} by regular expression (${cond.regexValues.slice(0, 3).map((v) => quoted(v, 40)).join(', ')}); a service's rule matches one literal value`);
      continue;
    }
    if (cond.values.length !== 1) {
      why(`matches ${cond.values.length} values of ${headerName} (${cond.values.slice(0, 3).map((v) => quoted(v, 40)).join(', ')}); a service's rule matches exactly one`);
      continue;
    }
    const value = cond.values[0]!;
    const valueProblem = schemaProblems(HeaderValue, value);
    if (valueProblem) {
      const wildcard = /[*?]/.test(value) ? ' (an ALB wildcard pattern)' : '';
      why(`matches ${headerName}: ${quoted(value, 60)}${wildcard}, which is not a header value a RouteSet can declare: ${valueProblem}`);
      continue;
    }
    const priority = priorityOf(rule);
    if (!(priority >= 1 && priority <= 50000)) {
      why(`has the priority ${quoted(rule.priority, 20)}, not a number from 1 to 50000`);
      continue;
    }
    if (rule.transforms.length > 0) {
      why(`rewrites requests (${rule.transforms.slice(0, 3).map((t) => excerpt(t, 40)).join(', ')}); a service's rule has no transforms, and adopting it would remove them`);
      continue;
    }
    if (rule.actions.length !== 1 || rule.actions[0]!.type !== 'forward') {
      why(`has the actions ${rule.actions.map((a) => excerpt(a.type, 40)).join(', ') || '(none)'}; a service's rule has one: a forward to its target group`);
      continue;
    }
    const targets = rule.actions[0]!.targetGroups;
    if (targets.length !== 1) {
      why(`forwards to ${targets.length} target groups (${targets.map((t) => `${excerpt(t.arn, 120)} weight ${t.weight ?? 1}`).join(', ')}); a service's rule forwards to exactly one`);
      continue;
    }
    const group = groups.get(targets[0]!.arn);
    if (!group) {
      why(`forwards to ${excerpt(targets[0]!.arn, 200)}, a target group that is not in the account's listing`);
      continue;
    }
    const groupOwner = group.tags[OWNER_TAG];
    if (groupOwner !== undefined && groupOwner !== owner) {
      why(`forwards to the target group ${excerpt(group.name, 40)}, which belongs to the RouteSet ${quoted(groupOwner)}`);
      continue;
    }
    if (group.protocol !== 'HTTP' && group.protocol !== 'HTTPS') {
      why(`forwards to the target group ${excerpt(group.name, 40)} of protocol ${quoted(group.protocol ?? '(none)', 20)}; a service's group is HTTP or HTTPS`);
      continue;
    }
    if (group.targetType !== 'ip' && group.targetType !== 'instance') {
      why(`forwards to the target group ${excerpt(group.name, 40)} of target type ${quoted(group.targetType ?? '(none)', 20)}; a service's group has ip or instance targets`);
      continue;
    }
    if (!(Number.isInteger(group.port) && group.port! >= 1 && group.port! <= 65535)) {
      why(`forwards to the target group ${excerpt(group.name, 40)} without a port from 1 to 65535`);
      continue;
    }
    const earlier = byValue.get(value.toLowerCase());
    if (earlier) {
      why(`matches ${quoted(value, 60)}, as the rule at priority ${earlier.priority} does (evaluated first; the ALB compares values case-insensitively): this rule never receives a request`);
      continue;
    }
    const sharing = byGroup.get(group.arn);
    if (sharing) {
      why(`forwards to the target group ${excerpt(group.name, 40)}, which the rule at priority ${sharing.priority} (service ${sharing.name}) forwards to already; a service has a target group of its own`);
      continue;
    }
    const c: Candidate = { rule, group, headerValue: value, priority, name: '', spec: {} };
    candidates.push(c);
    byValue.set(value.toLowerCase(), c);
    byGroup.set(group.arn, c);
  }
  if (candidates.length > MAX_SERVICES) {
    for (const c of candidates.splice(MAX_SERVICES)) leftOut.push({ kind: 'listenerRule', id: ruleId(c.rule), reason: `beyond the ${MAX_SERVICES} services one RouteSet holds` });
  }

  // 2. Names: from the header value, made a DNS label; collisions get -2, -3, ...
  const taken = new Set<string>();
  for (const c of candidates) {
    const base = serviceNameFor(c.headerValue);
    c.name = disambiguate(base, taken);
    taken.add(c.name);
    if (c.name !== base) notes.push({ service: c.name, message: `named ${c.name}: the header value ${quoted(c.headerValue, 60)} gives ${base}, which another service already has` });
    else if (c.name !== c.headerValue) notes.push({ service: c.name, message: `named ${c.name} after its header value ${quoted(c.headerValue, 60)} (a service name is a lowercase DNS label)` });
  }

  // 3. Target groups: port, protocol, target type, and the health-check fields that differ from AWS's defaults.
  for (const c of candidates) c.spec.targetGroup = targetGroupSpec(c, notes);

  // 4. HTTP APIs: who injects which value, through which VPC link.
  const apiFor = matchApis(snapshot, request, candidates, headerLower, headerName, owner, leftOut, notes);

  // 5. Custom domains, 6. private names.
  const zones = snapshot.publicZones;
  const domainFor = new Map<Candidate, { domain: LiveDomain; spec: Record<string, unknown> }>();
  for (const c of candidates) {
    const api = apiFor.apis.get(c);
    if (!api) continue;
    const d = matchDomain(c, api.api, snapshot.domains, zones, owner, leftOut, notes);
    if (d) domainFor.set(c, d);
  }
  const privateFor = matchPrivateNames(snapshot, candidates, leftOut, notes);

  // 7. The document.
  const lb = snapshot.loadBalancer;
  const vpcId = lb.vpcId ?? mostCommon(candidates.map((c) => c.group.vpcId).filter((v): v is string => !!v));
  const vpcLinkId = apiFor.vpcLinkId;
  const shared: Record<string, unknown> = request.shared
    ? { ...request.shared }
    : {
        listenerArn,
        ...(vpcLinkId ? { vpcLinkId } : {}),
        ...(vpcId ? { vpcId } : {}),
        headerName,
        ...(lb.dnsName ? { albDnsName: dns(lb.dnsName) } : {}),
        ...(lb.canonicalHostedZoneId ? { albHostedZoneId: lb.canonicalHostedZoneId } : {}),
        ...(request.privateZoneRef ? { privateHostedZone: request.privateZoneRef } : {}),
      };
  if (!shared.vpcLinkId) throw new RouteyardError('UsageError', 'no HTTP API integration reaches the listener through a VPC link, so the shared VPC link is not known: pass --vpc-link ID', { fault: 'user' });
  if (!shared.vpcId) throw new RouteyardError('ObserveFailed', `the load balancer ${excerpt(lb.arn, 200)} reports no VPC`, { fault: 'aws' });

  // Private names need the alias target and the zone in spec.shared (a --source document may lack them).
  const missingShared = (['albDnsName', 'albHostedZoneId', 'privateHostedZone'] as const).filter((k) => !shared[k]);
  if (privateFor.size > 0 && missingShared.length > 0) {
    for (const [c, name] of privateFor) leftOut.push({ kind: 'dnsRecord', id: `${excerpt(name, 253)} A`, service: c.name, reason: `a private name needs spec.shared.${missingShared.join(', spec.shared.')}, which the document does not give` });
    privateFor.clear();
  }

  const serviceOf = (c: Candidate): Record<string, unknown> => {
    const api = apiFor.apis.get(c);
    const domain = domainFor.get(c);
    const priv = privateFor.get(c);
    return {
      name: c.name,
      headerValue: c.headerValue,
      priority: c.priority,
      targetGroup: c.spec.targetGroup,
      ...(api ? { api: api.spec } : {}),
      ...(domain ? { domain: domain.spec } : {}),
      ...(priv ? { privateDns: { name: priv } } : {}),
      ...(request.manage === 'observe' ? { manage: 'observe' } : {}),
    };
  };
  let kept = [...candidates];
  const ruleQuota = Math.max(DEFAULT_RULE_QUOTA, kept.length);
  const build = () => ({
    $schema: SCHEMA_URL,
    apiVersion: 'routeyard/v1',
    kind: 'RouteSet',
    metadata: { name: owner },
    spec: { shared, adopt: true, services: kept.map(serviceOf) },
  });
  if (kept.length === 0) {
    // No document, so no report follows: the first reasons are in the message itself.
    const shown = leftOut.filter((x) => !x.unrelated).slice(0, 5).map((x) => `${x.kind} ${excerpt(x.id, 80)}: ${excerpt(x.reason, 160)}`);
    throw new RouteyardError(
      'ObserveFailed',
      `no rule on the listener is a service's rule (one http-header condition on ${headerName}, one value, a forward to one target group): nothing to import${leftOut.length ? `; ${leftOut.length} rule(s) and resource(s) left out${shown.length ? `, among them: ${shown.join('; ')}` : ' (none of them on the routing header: is --header right?)'}` : ''}`,
      { fault: 'user' },
    );
  }
  // The parts were checked one by one; the whole is checked too (uniqueness, names inside
  // zones, ...). What the whole refuses is left out with the validator's words: the API,
  // domain or private name it names, else the service.
  let document: RouteSet | undefined;
  for (let round = 0; round < 5 && !document; round++) {
    try {
      document = validateObject(build(), { ruleQuota });
    } catch (err) {
      if (!(err instanceof RouteyardError)) throw err;
      const bad = new Map<number, { block: string; message: string }[]>();
      for (const e of err.fieldErrors) {
        const m = /^spec\.services\[(\d+)\]\.?([A-Za-z]*)/.exec(e.path);
        if (!m) throw new RouteyardError('ObserveFailed', `the live values do not make a valid document: ${excerpt(err.message, 400)}`, { fault: 'aws', cause: err });
        bad.set(Number(m[1]), [...(bad.get(Number(m[1])) ?? []), { block: m[2] ?? '', message: `${e.path.replace(/^spec\.services\[\d+\]\.?/, '') || 'service'}: ${e.message}` }]);
      }
      const dropped = new Set<Candidate>();
      for (const [i, problems] of bad) {
        const c = kept[i]!;
        const why = excerpt(problems.map((p) => p.message).join('; '), 400);
        const blocks = new Set(problems.map((p) => p.block));
        if (![...blocks].every((b) => b === 'api' || b === 'domain' || b === 'privateDns')) {
          leftOut.push({ kind: 'listenerRule', id: ruleId(c.rule), service: c.name, reason: `the service it makes is not a valid document entry: ${why}` });
          dropped.add(c);
          continue;
        }
        if (blocks.has('api')) {
          leftOut.push({ kind: 'httpApi', id: excerpt(apiFor.apis.get(c)?.api.id ?? '', 40), service: c.name, reason: `does not make a valid api block: ${why}` });
          apiFor.apis.delete(c);
          domainFor.delete(c);
        }
        if (blocks.has('domain') && domainFor.has(c)) {
          leftOut.push({ kind: 'customDomain', id: excerpt(domainFor.get(c)!.domain.name, 253), service: c.name, reason: `does not make a valid domain block: ${why}` });
          domainFor.delete(c);
        }
        if (blocks.has('privateDns') && privateFor.has(c)) {
          leftOut.push({ kind: 'dnsRecord', id: `${excerpt(privateFor.get(c)!, 253)} A`, service: c.name, reason: `does not make a valid privateDns block: ${why}` });
          privateFor.delete(c);
        }
      }
      kept = kept.filter((c) => !dropped.has(c));
      if (kept.length === 0) throw new RouteyardError('ObserveFailed', 'no service the listener holds makes a valid document entry; see the report', { fault: 'user' });
    }
  }
  if (!document) throw new RouteyardError('Internal', 'the imported document did not validate after leaving services out');

  const services: ImportedService[] = kept.map((c) => ({
    name: c.name,
    headerValue: c.headerValue,
    priority: c.priority,
    ruleArn: c.rule.arn,
    targetGroupArn: c.group.arn,
    ...(apiFor.apis.get(c) ? { apiId: apiFor.apis.get(c)!.api.id } : {}),
    ...(domainFor.get(c) ? { domain: dns(domainFor.get(c)!.domain.name) } : {}),
    ...(privateFor.get(c) ? { privateName: privateFor.get(c)! } : {}),
  }));
  const stacks = stacksHolding(kept, apiFor.apis, domainFor, snapshot);
  return { document, services, leftOut, notes, stacks, ruleQuota };
}

function mostCommon(values: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b))[0]?.[0];
}

function targetGroupSpec(c: Candidate, notes: ImportNote[]): Record<string, unknown> {
  const g = c.group;
  const hc = g.healthCheck;
  const wanted: Record<string, unknown> = {};
  const d = AWS_HEALTH_CHECK_DEFAULTS;
  if (hc.path !== undefined && hc.path !== d.path) wanted.path = hc.path;
  if (hc.protocol !== undefined && hc.protocol !== d.protocol) wanted.protocol = hc.protocol;
  if (hc.port !== undefined && hc.port !== d.port) wanted.port = /^\d{1,5}$/.test(hc.port) ? Number(hc.port) : hc.port;
  for (const k of ['intervalSeconds', 'timeoutSeconds', 'healthyThresholdCount', 'unhealthyThresholdCount'] as const) {
    if (hc[k] !== undefined && hc[k] !== d[k]) wanted[k] = hc[k];
  }
  if (hc.matcher !== undefined && hc.matcher !== d.matcher) wanted.matcher = hc.matcher;
  const { value, dropped } = fit(HealthCheckSchema, wanted);
  for (const x of dropped) {
    notes.push({ service: c.name, message: `target group ${excerpt(g.name, 40)}: the health check's ${x.field} is left out (${x.message}); routeyard leaves it as it is` });
  }
  if (g.healthCheckEnabled === false) notes.push({ service: c.name, message: `target group ${excerpt(g.name, 40)} has health checks turned off; a document cannot say so, and routeyard leaves it as it is` });
  if (g.protocolVersion && g.protocolVersion !== 'HTTP1') notes.push({ service: c.name, message: `target group ${excerpt(g.name, 40)} uses protocol version ${excerpt(g.protocolVersion, 20)}; a document cannot say so (a group routeyard replaces would be HTTP1)` });
  return {
    port: g.port,
    protocol: g.protocol,
    targetType: g.targetType,
    ...(Object.keys(value).length > 0 ? { healthCheck: value } : {}),
  };
}

interface ApiMatch {
  apis: Map<Candidate, { api: LiveApi; integration: LiveIntegration; spec: Record<string, unknown> }>;
  vpcLinkId: string | undefined;
}

function matchApis(
  snapshot: LiveSnapshot,
  request: ImportRequest,
  candidates: Candidate[],
  headerLower: string,
  headerName: string,
  owner: string,
  leftOut: LeftOut[],
  notes: ImportNote[],
): ApiMatch {
  const listenerArn = request.listenerArn;
  const apiId = (a: LiveApi) => `${excerpt(a.id, 40)} ${quoted(a.name, 60)}`;
  const byValue = new Map(candidates.map((c) => [c.headerValue.toLowerCase(), c]));
  // What each API's integrations to the listener inject.
  interface Injection { api: LiveApi; integration: LiveIntegration; action: string; value: string; key: string }
  const injections: Injection[] = [];
  for (const api of snapshot.apis) {
    const reaching = api.integrations.filter((i) => integrationReachesListener(i, listenerArn));
    if (reaching.length === 0) {
      leftOut.push({ kind: 'httpApi', id: apiId(api), reason: 'has no integration to the listener: not part of the pattern', unrelated: true });
      continue;
    }
    const found: Injection[] = [];
    for (const i of reaching) {
      const params = headerParameter(i, headerLower);
      if (params.length === 0) {
        leftOut.push({ kind: 'httpApi', id: apiId(api), reason: `integration ${excerpt(i.id, 40)} reaches the listener without setting ${headerName}: requests would reach only the listener's default action` });
      }
      for (const p of params) found.push({ api, integration: i, action: p.action, value: p.value, key: p.key });
    }
    injections.push(...found);
  }
  // The VPC link: given (--vpc-link, --source), else the one most integrations to the listener use.
  const vpcLinkId =
    request.vpcLinkId ??
    mostCommon(injections.filter((x) => x.integration.connectionType === 'VPC_LINK' && x.integration.connectionId && byValue.has(x.value.toLowerCase())).map((x) => x.integration.connectionId!)) ??
    mostCommon(snapshot.apis.flatMap((a) => a.integrations.filter((i) => integrationReachesListener(i, listenerArn) && i.connectionType === 'VPC_LINK' && i.connectionId).map((i) => i.connectionId!)));

  const serving = new Map<LiveApi, Set<string>>();
  for (const x of injections) serving.set(x.api, new Set([...(serving.get(x.api) ?? []), x.value.toLowerCase()]));
  const apis: ApiMatch['apis'] = new Map();
  const claimed = new Set<LiveApi>();
  for (const c of candidates) {
    let mine = injections.filter((x) => x.value.toLowerCase() === c.headerValue.toLowerCase());
    if (mine.length === 0) {
      notes.push({ service: c.name, message: `no HTTP API injects ${headerName}: ${quoted(c.headerValue, 60)}: described without an api block (internal only)` });
      continue;
    }
    const out = (api: LiveApi, reason: string) => leftOut.push({ kind: 'httpApi', id: apiId(api), service: c.name, reason });
    let distinct = [...new Set(mine.map((x) => x.api))];
    if (distinct.length > 1) {
      // Importing again after adoption: the API this RouteSet owns is the service's, whatever
      // else injects its value (leaving it out would make the document delete it).
      const ours = distinct.filter((a) => a.tags[OWNER_TAG] === owner);
      if (ours.length === 1) {
        for (const a of distinct) {
          if (a === ours[0]) continue;
          claimed.add(a);
          out(a, `also injects ${headerName}: ${quoted(c.headerValue, 60)}; the service's API is ${excerpt(ours[0]!.id, 40)}, which this RouteSet owns`);
        }
        distinct = ours;
      } else {
        for (const a of distinct) {
          claimed.add(a);
          out(a, `is one of ${distinct.length} HTTP APIs that inject ${headerName}: ${quoted(c.headerValue, 60)} (${distinct.map((x) => excerpt(x.id, 40)).join(', ')}); a service has one API: remove or change the others, then import again`);
        }
        continue;
      }
    }
    const api = distinct[0]!;
    claimed.add(api);
    mine = mine.filter((x) => x.api === api);
    if (mine.some((x) => x.action !== 'overwrite')) {
      const x = mine.find((y) => y.action !== 'overwrite')!;
      out(api, `integration ${excerpt(x.integration.id, 40)} sets ${headerName} with ${quoted(x.key, 80)}, not overwrite:: ${x.action === 'append' ? 'a client could send its own value and choose the backend' : 'the header would not carry the value'}; change it to overwrite:header.${headerName}, then import again`);
      continue;
    }
    if (mine.length > 1) {
      out(api, `has ${mine.length} integrations that inject ${quoted(c.headerValue, 60)} (${mine.map((x) => excerpt(x.integration.id, 40)).join(', ')}); a service's API has one`);
      continue;
    }
    const values = serving.get(api)!;
    if (values.size > 1) {
      out(api, `injects the values of several services (${[...values].slice(0, 5).map((v) => quoted(v, 40)).join(', ')}); a service's API serves that service alone`);
      continue;
    }
    const apiOwner = api.tags[OWNER_TAG];
    if (apiOwner !== undefined && apiOwner !== owner) {
      out(api, `belongs to the RouteSet ${quoted(apiOwner)} (tag ${OWNER_TAG})`);
      continue;
    }
    const integration = mine[0]!.integration;
    if (integration.integrationType !== 'HTTP_PROXY' || integration.connectionType !== 'VPC_LINK') {
      out(api, `integration ${excerpt(integration.id, 40)} is ${excerpt(integration.integrationType ?? '(no type)', 20)} over ${excerpt(integration.connectionType ?? 'INTERNET', 20)}; a service's integration is HTTP_PROXY through the VPC link`);
      continue;
    }
    if (integration.connectionId !== vpcLinkId) {
      out(api, `integration ${excerpt(integration.id, 40)} goes through the VPC link ${excerpt(integration.connectionId ?? '(none)', 40)}, not the shared one (${excerpt(vpcLinkId ?? '(none)', 40)})`);
      continue;
    }
    const others = api.integrations.filter((i) => i !== integration);
    if (others.length > 0) {
      out(api, `has ${others.length} other integration(s) (${others.slice(0, 3).map((i) => excerpt(i.id, 40)).join(', ')}); routeyard would delete them once it manages the API`);
      continue;
    }
    const routes = api.routes ?? [];
    const target = `integrations/${integration.id}`;
    const stray = routes.filter((r) => r.target !== target);
    if (stray.length > 0) {
      out(api, `has route(s) that do not target its integration (${stray.slice(0, 3).map((r) => `${quoted(r.routeKey, 60)} → ${excerpt(r.target ?? '(none)', 40)}`).join(', ')}); routeyard would delete them once it manages the API`);
      continue;
    }
    if (routes.length === 0) {
      out(api, `no route uses integration ${excerpt(integration.id, 40)}: the API serves nothing`);
      continue;
    }
    // Methods compare case-insensitively (the planner does so too): written as the schema spells them.
    const cors = api.cors ? { ...api.cors, ...(api.cors.allowMethods ? { allowMethods: api.cors.allowMethods.map((m) => m.toUpperCase()) } : {}) } : undefined;
    const spec: Record<string, unknown> = {
      name: api.name,
      ...(api.description ? { description: api.description } : {}),
      ...(cors ? { cors } : {}),
      routes: [...routes.map((r) => r.routeKey)].sort((a, b) => (a === '$default' ? -1 : b === '$default' ? 1 : a.localeCompare(b))),
    };
    const apiProblem = schemaProblems(ApiSchema, spec);
    if (apiProblem) {
      out(api, `its settings do not fit a document (${apiProblem}); left as it is`);
      continue;
    }
    // The $default stage.
    const stages = api.stages ?? [];
    const stage = stages.find((s) => s.name === '$default');
    if (stage) {
      const want: Record<string, unknown> = {};
      if (stage.throttlingRateLimit !== undefined && stage.throttlingBurstLimit !== undefined) want.throttling = { rateLimit: stage.throttlingRateLimit, burstLimit: stage.throttlingBurstLimit };
      else if (stage.throttlingRateLimit !== undefined || stage.throttlingBurstLimit !== undefined) notes.push({ service: c.name, message: 'the $default stage sets only one of the throttling rate and burst limits; throttling is left out, and routeyard leaves it as it is' });
      want.detailedMetrics = stage.detailedMetricsEnabled ?? false;
      if (stage.accessLog?.destinationArn) want.accessLog = { destinationArn: stage.accessLog.destinationArn, ...(stage.accessLog.format ? { format: stage.accessLog.format } : {}) };
      else if (stage.accessLog?.format) notes.push({ service: c.name, message: 'the $default stage has an access-log format without a destination; access logging is left out' });
      const { value, dropped } = fit(StageSchema, want);
      for (const x of dropped) notes.push({ service: c.name, message: `the $default stage's ${x.field} is left out (${x.message}); routeyard leaves it as it is` });
      if (stage.accessLog?.destinationArn && !stage.accessLog.format && value.accessLog) {
        notes.push({ service: c.name, message: "the $default stage logs without a format; the document's default format would be set (a dry run shows stage.accessLog.format)" });
      }
      spec.stage = value;
      if (stage.autoDeploy !== true) notes.push({ service: c.name, message: 'the $default stage does not deploy automatically; routeyard turns autoDeploy on (a dry run shows stage.autoDeploy)' });
      if (stage.managed) notes.push({ service: c.name, message: 'the $default stage was made by quick create: AWS refuses to change it on its own' });
    } else {
      notes.push({ service: c.name, message: 'the API has no $default stage; routeyard would create one (a dry run shows it)' });
    }
    for (const s of stages.filter((x) => x.name !== '$default').slice(0, 10)) {
      leftOut.push({ kind: 'stage', id: `${excerpt(api.id, 40)} stage ${quoted(s.name, 60)}`, service: c.name, reason: 'a stage other than $default: routeyard leaves it alone' });
    }
    // What a dry run will show on the integration, and what a document cannot say.
    if ((integration.integrationMethod ?? '') !== 'ANY') notes.push({ service: c.name, message: `integration ${excerpt(integration.id, 40)} uses the method ${quoted(integration.integrationMethod ?? '(none)', 20)}; routeyard sets ANY (a dry run shows integration.integrationMethod)` });
    if ((integration.payloadFormatVersion ?? '') !== '1.0') notes.push({ service: c.name, message: `integration ${excerpt(integration.id, 40)} uses payload format ${quoted(integration.payloadFormatVersion ?? '(none)', 20)}; routeyard sets 1.0` });
    const param = mine[0]!;
    if (param.value !== c.headerValue) notes.push({ service: c.name, message: `integration ${excerpt(integration.id, 40)} injects ${quoted(param.value, 60)}, the rule matches ${quoted(c.headerValue, 60)} (the same to the ALB); routeyard writes the rule's spelling` });
    const extra = Object.keys(integration.requestParameters).filter((k) => k !== param.key);
    if (extra.length > 0) notes.push({ service: c.name, message: `integration ${excerpt(integration.id, 40)} has other request parameters (${extra.slice(0, 5).map((k) => quoted(k, 60)).join(', ')}); routeyard removes them (a dry run shows them)` });
    if (integration.managed) notes.push({ service: c.name, message: `integration ${excerpt(integration.id, 40)} was made by quick create: AWS refuses to change it on its own` });
    const guarded = routes.filter((r) => r.authorizationType && r.authorizationType !== 'NONE');
    if (guarded.length > 0) notes.push({ service: c.name, message: `route(s) ${guarded.slice(0, 5).map((r) => quoted(r.routeKey, 60)).join(', ')} use an authorizer (${excerpt(guarded[0]!.authorizationType!, 20)}); a document cannot say so, and routeyard leaves it as it is` });
    spec.payloadFormatVersion = '1.0';
    apis.set(c, { api, integration, spec });
  }
  // APIs that reach the listener but serve no imported service.
  for (const [api, values] of serving) {
    if (claimed.has(api)) continue;
    leftOut.push({ kind: 'httpApi', id: apiId(api), reason: `injects ${[...values].slice(0, 3).map((v) => quoted(v, 40)).join(', ')}, which no imported rule matches (a rule that was left out, or none at all)` });
  }
  return { apis, vpcLinkId };
}

/** The public zone that holds a name: the longest zone name the name ends with (two of that name: ambiguous). */
export function zoneOf<Z extends { name: string; private: boolean }>(name: string, zones: readonly Z[]): { zone?: Z; ambiguous?: Z[] } {
  const holding = zones.filter((z) => !z.private && (name === z.name || name.endsWith(`.${z.name}`)));
  if (holding.length === 0) return {};
  const longest = Math.max(...holding.map((z) => z.name.length));
  const best = holding.filter((z) => z.name.length === longest);
  return best.length === 1 ? { zone: best[0]! } : { ambiguous: best };
}

function matchDomain(
  c: Candidate,
  api: LiveApi,
  domains: readonly LiveDomain[],
  zones: readonly LiveZone[],
  owner: string,
  leftOut: LeftOut[],
  notes: ImportNote[],
): { domain: LiveDomain; spec: Record<string, unknown> } | undefined {
  const mapped = domains.filter((d) => d.mappings.some((m) => m.apiId === api.id));
  if (mapped.length === 0) return undefined;
  const out = (d: LiveDomain, reason: string) => leftOut.push({ kind: 'customDomain', id: excerpt(d.name, 253), service: c.name, reason });
  if (mapped.length > 1) {
    for (const d of mapped) out(d, `is one of ${mapped.length} custom domains mapped to the API ${excerpt(api.id, 40)} (${mapped.map((x) => excerpt(x.name, 80)).join(', ')}); a service has one`);
    return undefined;
  }
  const d = mapped[0]!;
  const name = dns(d.name);
  if (d.mappings.length !== 1) {
    out(d, `has ${d.mappings.length} API mappings (${d.mappings.slice(0, 4).map((m) => `${quoted(m.key || '(root)', 40)} → ${excerpt(m.apiId, 40)} ${quoted(m.stage, 20)}`).join(', ')}); a service's domain has exactly one, to its API`);
    return undefined;
  }
  const m = d.mappings[0]!;
  if (m.stage !== '$default') {
    out(d, `maps the API's stage ${quoted(m.stage, 60)}; a service's domain maps its $default stage`);
    return undefined;
  }
  const domainOwner = d.tags[OWNER_TAG];
  if (domainOwner !== undefined && domainOwner !== owner) {
    out(d, `belongs to the RouteSet ${quoted(domainOwner)} (tag ${OWNER_TAG})`);
    return undefined;
  }
  const nameProblem = schemaProblems(DnsName, name);
  if (nameProblem) {
    out(d, `is not a name a document can declare (${nameProblem})`);
    return undefined;
  }
  const { zone, ambiguous } = zoneOf(name, zones);
  let hostedZone: string;
  if (zone) hostedZone = zone.name;
  else if (ambiguous) {
    // Two public zones of one name: only the id tells them apart, and it must look like one.
    out(d, `lies in ${ambiguous.length} public hosted zones named ${excerpt(ambiguous[0]!.name, 80)} (${ambiguous.map((z) => excerpt(z.id, 40)).join(', ')}); give domain.hostedZone as the zone id by hand`);
    return undefined;
  } else {
    out(d, 'lies in no public hosted zone of this account; a service\'s domain names its zone');
    return undefined;
  }
  const basePath = m.key === '' || m.key === '(none)' ? undefined : m.key;
  const spec: Record<string, unknown> = {
    name,
    hostedZone,
    certificate: d.certificateArn ?? '',
    ...(basePath !== undefined ? { basePath } : {}),
    ...(d.ipAddressType === 'ipv4' || d.ipAddressType === 'dualstack' ? { ipAddressType: d.ipAddressType } : {}),
  };
  const problem = schemaProblems(DomainSchema, spec);
  if (problem) {
    out(d, `does not fit a document (${problem})`);
    return undefined;
  }
  if ((d.endpointType ?? 'REGIONAL') !== 'REGIONAL') notes.push({ service: c.name, message: `custom domain ${name} is ${excerpt(d.endpointType!, 20)}; routeyard manages REGIONAL domains (a dry run shows the difference)` });
  if (d.securityPolicy && d.securityPolicy !== 'TLS_1_2') notes.push({ service: c.name, message: `custom domain ${name} uses the security policy ${quoted(d.securityPolicy, 60)}; routeyard sets TLS_1_2 (a dry run shows it)` });
  if (d.routingMode && d.routingMode !== 'API_MAPPING_ONLY') notes.push({ service: c.name, message: `custom domain ${name} routes by ${quoted(d.routingMode, 40)}; routeyard sets API_MAPPING_ONLY (a dry run shows it)` });
  if (d.ipAddressType && d.ipAddressType !== 'ipv4' && d.ipAddressType !== 'dualstack') notes.push({ service: c.name, message: `custom domain ${name} has the IP address type ${quoted(d.ipAddressType, 20)}, which a document cannot say` });
  // The public alias records: what routeyard would find at the name.
  const records = zone.records.filter((r) => r.name === name && !r.setIdentifier);
  const dualstack = d.ipAddressType === 'dualstack';
  for (const type of dualstack ? ['A', 'AAAA'] : ['A']) {
    const r = records.find((x) => x.type === type);
    const target = d.target ? dns(d.target.dnsName) : undefined;
    if (!r) notes.push({ service: c.name, message: `no ${type} record at ${name}; routeyard would write an alias to the domain` });
    else if (!r.alias || !target || r.alias.dnsName !== target || r.alias.hostedZoneId !== d.target!.hostedZoneId) {
      notes.push({ service: c.name, message: `the ${type} record at ${name} is not an alias to the domain's regional target${r.alias ? ` (it points at ${excerpt(r.alias.dnsName, 120)})` : ''}; a dry run shows it` });
    }
  }
  if (!dualstack && records.some((r) => r.type === 'AAAA')) notes.push({ service: c.name, message: `an AAAA record exists at ${name} though the domain is ipv4; routeyard leaves it as it is` });
  if (records.some((r) => r.type === 'CNAME')) notes.push({ service: c.name, message: `a CNAME record exists at ${name}; routeyard writes alias records` });
  return { domain: d, spec };
}

function matchPrivateNames(snapshot: LiveSnapshot, candidates: Candidate[], leftOut: LeftOut[], notes: ImportNote[]): Map<Candidate, string> {
  const out = new Map<Candidate, string>();
  const zone = snapshot.privateZone;
  const albHost = snapshot.loadBalancer.dnsName ? aliasHost(snapshot.loadBalancer.dnsName) : undefined;
  if (!zone || !albHost) return out;
  const byLabel = new Map<string, Candidate>();
  // A service's own name first, then its header value.
  for (const c of candidates) byLabel.set(c.headerValue.toLowerCase(), c);
  for (const c of candidates) byLabel.set(c.name, c);
  const toAlb = zone.records.filter((r) => !r.setIdentifier && ((r.alias && aliasHost(r.alias.dnsName) === albHost) || (r.type === 'CNAME' && r.values.some((v) => aliasHost(v) === albHost))));
  for (const r of toAlb.sort((a, b) => a.name.localeCompare(b.name))) {
    const label = r.name.split('.')[0] ?? '';
    const c = byLabel.get(label);
    const id = `${excerpt(r.name, 253)} ${excerpt(r.type, 10)}`;
    if (!c) {
      leftOut.push({ kind: 'dnsRecord', id, reason: `points at the load balancer, but no imported service is named ${quoted(label, 63)} (nor has that header value); add privateDns to the service it serves by hand` });
      continue;
    }
    if (r.type !== 'A' || !r.alias) {
      if (r.type !== 'AAAA') leftOut.push({ kind: 'dnsRecord', id, service: c.name, reason: `is a ${excerpt(r.type, 10)} record; routeyard writes an alias A record to the load balancer` });
      continue;
    }
    if (out.has(c)) {
      leftOut.push({ kind: 'dnsRecord', id, service: c.name, reason: `a second private name for the service (${out.get(c)} is described); a service has one` });
      continue;
    }
    const problem = schemaProblems(DnsName, r.name);
    if (problem) {
      leftOut.push({ kind: 'dnsRecord', id, service: c.name, reason: `is not a name a document can declare (${problem})` });
      continue;
    }
    out.set(c, r.name);
    if (dns(r.alias.dnsName) !== albHost) notes.push({ service: c.name, message: `the private record ${r.name} points at ${excerpt(r.alias.dnsName, 120)}; routeyard points it at ${albHost} (the same load balancer; a dry run shows the difference)` });
    if (snapshot.loadBalancer.canonicalHostedZoneId && r.alias.hostedZoneId !== snapshot.loadBalancer.canonicalHostedZoneId) {
      notes.push({ service: c.name, message: `the private record ${r.name} names the hosted zone ${excerpt(r.alias.hostedZoneId, 40)}, not the load balancer's ${snapshot.loadBalancer.canonicalHostedZoneId}; a dry run shows it` });
    }
  }
  return out;
}

function stacksHolding(
  kept: Candidate[],
  apis: ApiMatch['apis'],
  domains: Map<Candidate, { domain: LiveDomain; spec: Record<string, unknown> }>,
  snapshot: LiveSnapshot,
): StackHold[] {
  const byStack = new Map<string, StackHold['resources']>();
  const add = (tags: Tags | undefined, kind: string, id: string, service: string) => {
    const s = stackOf(tags);
    if (!s) return;
    byStack.set(s.stack, [...(byStack.get(s.stack) ?? []), { kind, id, service, ...(s.logicalId ? { logicalId: s.logicalId } : {}) }]);
  };
  const certificates = new Map(snapshot.certificates.map((c) => [c.arn, c]));
  for (const c of kept) {
    add(c.rule.tags, 'listenerRule', c.rule.arn, c.name);
    add(c.group.tags, 'targetGroup', c.group.arn, c.name);
    const a = apis.get(c);
    if (a) {
      add(a.api.tags, 'httpApi', a.api.id, c.name);
      const stage = a.api.stages?.find((s) => s.name === '$default');
      if (stage) add(stage.tags, 'stage', `${a.api.id} $default`, c.name);
    }
    const d = domains.get(c);
    if (d) {
      add(d.domain.tags, 'customDomain', dns(d.domain.name), c.name);
      if (d.domain.certificateArn) add(certificates.get(d.domain.certificateArn)?.tags, 'certificate', d.domain.certificateArn, c.name);
    }
  }
  return [...byStack].sort(([a], [b]) => a.localeCompare(b)).map(([stack, resources]) => ({ stack, resources }));
}

/** A certificate ARN a document can name (this account's ACM ARN form); only those are read. */
export function isDeclarableCertificate(arn: string): boolean {
  return DomainSchema.shape.certificate.safeParse(arn).success;
}

/** Domains that map to an API with an integration to the listener: the ones whose certificate and records are read. */
export function domainsOfInterest(apis: readonly LiveApi[], domains: readonly LiveDomain[], listenerArn: string): LiveDomain[] {
  const reaching = new Set(apis.filter((a) => a.integrations.some((i) => integrationReachesListener(i, listenerArn))).map((a) => a.id));
  return domains.filter((d) => d.mappings.some((m) => reaching.has(m.apiId)));
}
