import type { z } from 'zod';
import { RouteyardError, type FieldError } from '../errors.ts';
import { excerpt, quoted } from './excerpt.ts';
import { HOSTED_ZONE_ID, RouteSet } from './schema.ts';
import { DEFAULT_SHARD_NAME } from '../model/desired.ts';
import { ACM_COMMON_NAME_MAX, certificateRequestNames, qualifyName } from '../model/dns.ts';

/** Largest document accepted, in bytes. Far above SSM's 8 KB; it guards memory, not AWS. */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;
export const DEFAULT_RULE_QUOTA = 100;
/** Target groups per ALB (not adjustable); also TARGET_GROUP_QUOTA in resolve.ts, which imports this module. */
const TARGET_GROUPS_PER_ALB = 100;
/** The name of the one shard of the shorthand spec.shared.listenerArn. */
export const DEFAULT_SHARD = DEFAULT_SHARD_NAME;
/**
 * Deepest nesting of objects and arrays accepted. A RouteSet needs 7 levels
 * (spec.services[i].api.stage.accessLog); far deeper input is refused before the schema
 * walks it, so 100,000 levels of "[" is an invalid document, not a stack overflow.
 */
export const MAX_NESTING = 32;
/** HTTP API custom domains per account and Region (API Gateway quotas; adjustable). */
export const CUSTOM_DOMAIN_QUOTA = 120;

export interface ValidateOptions {
  /** Rules the shared listener may hold (AWS default 100 per load balancer). */
  ruleQuota?: number;
}

/**
 * Parse and validate a desired-state document: JSON syntax, schema, then semantics.
 * Every problem is collected and returned at once, each with its JSON path. No I/O.
 */
export function validateDocument(text: string, opts: ValidateOptions = {}): RouteSet {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_DOCUMENT_BYTES) throw documentTooLarge(`is ${bytes} bytes`);
  if (text.trim() === '') throw invalid([{ path: '(document)', message: 'is empty' }]);

  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw invalid([{ path: '(document)', message: `is not valid JSON: ${jsonErrorWhere(text, err)}` }]);
  }
  return validateObject(raw, opts);
}

/**
 * The error for a document over MAX_DOCUMENT_BYTES. Sources call it before reading a body
 * they can size first (a file's length, an S3 object's ContentLength). `what`: "is 2000000
 * bytes", "is more than 1048576 bytes", ...
 */
export function documentTooLarge(what: string): RouteyardError {
  return invalid([{ path: '(document)', message: `${what}; the limit is ${MAX_DOCUMENT_BYTES} bytes` }]);
}

export function validateObject(raw: unknown, opts: ValidateOptions = {}): RouteSet {
  const deep = nestedTooDeep(raw, MAX_NESTING);
  if (deep) {
    throw invalid([{ path: '(document)', message: `nests objects and arrays more than ${MAX_NESTING} levels deep (at ${excerpt(formatPath(deep))}); a RouteSet needs 7` }]);
  }
  const parsed = RouteSet.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw invalid(zodIssuesToFieldErrors(parsed.error.issues));
  const semantic = semanticErrors(parsed.data, opts.ruleQuota ?? DEFAULT_RULE_QUOTA);
  if (semantic.length > 0) throw invalid(semantic);
  return parsed.data;
}

/** Rules a schema cannot express: uniqueness across services and the listener quota. */
export function semanticErrors(doc: RouteSet, ruleQuota: number): FieldError[] {
  const errors: FieldError[] = [];
  const services = doc.spec.services;
  const firstIndex = new Map<string, number>();
  const unique = (key: string, i: number, field: string, what: string) => {
    const seen = firstIndex.get(key);
    if (seen !== undefined) errors.push({ path: `spec.services[${i}].${field}`, message: `duplicates ${what} of spec.services[${seen}]` });
    else firstIndex.set(key, i);
  };
  // Priorities a rule takes: a service's own, and priority - 1 for its ECS test rule.
  const priorityClaims = new Map<number, { i: number; test: boolean }>();
  const claimPriority = (p: number, i: number, test: boolean) => {
    const seen = priorityClaims.get(p);
    if (!seen) {
      priorityClaims.set(p, { i, test });
      return;
    }
    const message =
      !seen.test && !test
        ? `duplicates the priority ${p} of spec.services[${seen.i}]`
        : !test
          ? `${p} is taken by the test rule of spec.services[${seen.i}] (its priority ${p + 1} - 1); choose another priority`
          : `its test rule would take priority ${p} (priority - 1), which ${seen.test ? 'the test rule of ' : ''}spec.services[${seen.i}] ${seen.test ? 'takes' : 'declares'}; choose another priority`;
    errors.push({ path: `spec.services[${i}].priority`, message });
  };
  const dnsNames = new Map<string, string>();
  const claimName = (name: string, path: string) => {
    const seen = dnsNames.get(name);
    if (seen !== undefined) errors.push({ path, message: `claims the DNS name ${excerpt(name)}, already claimed by ${seen}` });
    else dnsNames.set(name, path);
  };
  const shared = doc.spec.shared;
  const literalZone = (z: string | undefined) => (z && !z.startsWith('ssm:') && !HOSTED_ZONE_ID.test(z) ? z : undefined);
  services.forEach((svc, i) => {
    unique(`name:${svc.name}`, i, 'name', `the name ${quoted(svc.name)}`);
    if (svc.domain) {
      claimName(svc.domain.name, `spec.services[${i}].domain.name`);
      // A zone given by name is checked now; a zone id once it is resolved (plan time).
      const zone = literalZone(svc.domain.hostedZone);
      if (zone && !svc.domain.name.endsWith(`.${zone}`)) errors.push({ path: `spec.services[${i}].domain.name`, message: `is not inside the hosted zone ${excerpt(zone)}` });
      if (!svc.api) errors.push({ path: `spec.services[${i}].domain`, message: "needs an api block: a custom domain maps to the service's HTTP API" });
      if (svc.domain.certificate === 'auto' && !certificateRequestNames(svc.domain.name)) {
        errors.push({
          path: `spec.services[${i}].domain.certificate`,
          message: `"auto" cannot request a certificate for a ${svc.domain.name.length}-character name: ACM limits the common name to ${ACM_COMMON_NAME_MAX} characters, and the parent's wildcard is longer too; give the ARN of a certificate that covers the name`,
        });
      }
    }
    if (svc.privateDns) {
      const zone = literalZone(shared.privateHostedZone);
      const relative = !svc.privateDns.name.includes('.');
      claimName(qualifyName(svc.privateDns.name, zone), `spec.services[${i}].privateDns.name`);
      if (!shared.privateHostedZone) errors.push({ path: `spec.services[${i}].privateDns`, message: 'needs spec.shared.privateHostedZone (and albDnsName, albHostedZoneId)' });
      else if (zone && !relative && !svc.privateDns.name.endsWith(`.${zone}`)) errors.push({ path: `spec.services[${i}].privateDns.name`, message: `is not inside the private hosted zone ${excerpt(zone)}` });
    }
    // The ALB compares header values case-insensitively, so "App" and "app" collide.
    unique(`header:${svc.headerValue.toLowerCase()}`, i, 'headerValue', `the header value ${quoted(svc.headerValue)} (ALB matching is case-insensitive)`);
    if (svc.priority !== undefined) claimPriority(svc.priority, i, false);
    if (svc.deployment) {
      if (svc.targetGroup.arn !== undefined) {
        errors.push({
          path: `spec.services[${i}].deployment`,
          message:
            'needs a target group routeyard manages (port, protocol, targetType instead of arn): ECS deployments need two target groups with identical settings, and routeyard cannot make a twin of a group it does not own',
        });
      }
      const test = svc.deployment.testTraffic;
      const routing = shared.headerName ?? 'X-Target-Service';
      if (test && test.header.toLowerCase() === routing.toLowerCase()) {
        errors.push({ path: `spec.services[${i}].deployment.testTraffic.header`, message: `must differ from the routing header ${quoted(routing)}: the test rule matches both headers` });
      }
      if (test && svc.priority !== undefined) {
        // The test rule is evaluated just before the production rule: it takes priority - 1.
        if (svc.priority === 1) errors.push({ path: `spec.services[${i}].priority`, message: 'must be at least 2 with deployment.testTraffic: the test rule takes the priority just before it (priority - 1)' });
        else claimPriority(svc.priority - 1, i, true);
      }
    }
    const seenRoutes = new Set<string>();
    (svc.api?.routes ?? []).forEach((key, r) => {
      if (seenRoutes.has(key)) errors.push({ path: `spec.services[${i}].api.routes[${r}]`, message: `duplicates the route key ${quoted(key)}` });
      seenRoutes.add(key);
    });
  });
  errors.push(...shardErrors(doc));
  if (services.some((svc) => svc.privateDns)) {
    if (shared.loadBalancers) {
      shared.loadBalancers.forEach((lb, j) => {
        for (const k of ['albDnsName', 'albHostedZoneId'] as const) {
          if (!lb[k]) errors.push({ path: `spec.shared.loadBalancers[${j}].${k}`, message: "is required when a service declares privateDns (a service's private alias points at its shard's ALB)" });
        }
      });
    } else {
      for (const k of ['albDnsName', 'albHostedZoneId'] as const) {
        if (!shared[k]) errors.push({ path: `spec.shared.${k}`, message: 'is required when a service declares privateDns (the alias target is the shared ALB)' });
      }
    }
  }
  const domains = services.filter((svc) => svc.domain).length;
  if (domains > CUSTOM_DOMAIN_QUOTA) {
    errors.push({ path: 'spec.services', message: `declares ${domains} custom domains; API Gateway allows ${CUSTOM_DOMAIN_QUOTA} per account and Region by default` });
  }
  const rulesOf = (s: (typeof services)[number]) => 1 + Number(Boolean(s.deployment?.testTraffic));
  const ruleCount = services.reduce((n, s) => n + rulesOf(s), 0);
  const shards = shared.loadBalancers;
  const capacity = shards ? shards.reduce((n, lb) => n + (lb.ruleQuota ?? ruleQuota), 0) : ruleQuota;
  if (ruleCount > capacity) {
    errors.push({
      path: 'spec.services',
      message: shards
        ? `needs ${ruleCount} listener rules${ruleCount > services.length ? ' (test rules included)' : ''} but the ${shards.length} load balancers' rule quotas add up to ${capacity}: add a load balancer to spec.shared.loadBalancers (or raise a ruleQuota after AWS raises it)`
        : `needs ${ruleCount} listener rules${ruleCount > services.length ? ' (test rules included)' : ''} but the listener quota is ${ruleQuota} (raise it with --rule-quota after AWS raises yours, or spread the services over several load balancers with spec.shared.loadBalancers)`,
    });
  }
  // Services pinned to one shard must fit in its quotas; all of them in the shards' together.
  // (What else each ALB holds is known at plan time only.)
  const groupsOf = (s: (typeof services)[number]) => (s.targetGroup.arn !== undefined ? 1 : s.deployment?.strategy === 'ecs' ? 2 : 1);
  if (shards) {
    const groups = services.reduce((n, s) => n + groupsOf(s), 0);
    if (groups > TARGET_GROUPS_PER_ALB * shards.length) {
      errors.push({ path: 'spec.services', message: `need ${groups} target groups but ${shards.length} load balancers hold ${TARGET_GROUPS_PER_ALB * shards.length} (AWS allows ${TARGET_GROUPS_PER_ALB} per ALB and does not raise it): add a load balancer to spec.shared.loadBalancers` });
    }
    shards.forEach((lb, j) => {
      const pinned = services.filter((s) => s.loadBalancer === lb.name);
      const needed = pinned.reduce((n, s) => n + groupsOf(s), 0);
      if (needed > TARGET_GROUPS_PER_ALB) errors.push({ path: `spec.shared.loadBalancers[${j}]`, message: `${pinned.length} services pinned to ${quoted(lb.name)} need ${needed} target groups; an ALB takes ${TARGET_GROUPS_PER_ALB}: pin some to another load balancer` });
    });
  }
  if (shards) {
    shards.forEach((lb, j) => {
      const pinned = services.filter((s) => s.loadBalancer === lb.name);
      const needed = pinned.reduce((n, s) => n + rulesOf(s), 0);
      const quota = lb.ruleQuota ?? ruleQuota;
      if (needed > quota) errors.push({ path: `spec.shared.loadBalancers[${j}]`, message: `${pinned.length} services pinned to ${quoted(lb.name)} need ${needed} rules but its ruleQuota is ${quota}: pin some to another load balancer` });
    });
  }
  const band = doc.spec.shared.priorityBand;
  if (band) {
    // A declared priority takes its slot; with a test rule, priority - 1 too.
    const inBand = (p: number) => p >= band.from && p <= band.to;
    const explicitInBand = services.reduce((n, s) => (s.priority === undefined ? n : n + Number(inBand(s.priority)) + Number(Boolean(s.deployment?.testTraffic) && inBand(s.priority - 1))), 0);
    // A service with a test rule takes two automatic priorities.
    const automatic = services.filter((s) => s.priority === undefined).reduce((n, s) => n + (s.deployment?.testTraffic ? 2 : 1), 0);
    if (automatic > band.to - band.from + 1 - explicitInBand) {
      errors.push({ path: 'spec.shared.priorityBand', message: `has room for ${band.to - band.from + 1 - explicitInBand} automatic priorities but ${automatic} ${automatic === services.filter((x) => x.priority === undefined).length ? 'services need one' : 'are needed (a test rule takes one more)'}` });
    }
  }
  return errors;
}

/**
 * The load balancers: the one-shard shorthand (listenerArn) or the list, never both; names
 * and listeners unique; every pin names a shard. The shorthand's one shard is named "default".
 */
function shardErrors(doc: RouteSet): FieldError[] {
  const errors: FieldError[] = [];
  const shared = doc.spec.shared;
  const shards = shared.loadBalancers;
  if (!shards && shared.listenerArn === undefined) {
    errors.push({ path: 'spec.shared.listenerArn', message: 'is required (or spec.shared.loadBalancers, for several load balancers)' });
  }
  if (shards) {
    if (shared.listenerArn !== undefined) errors.push({ path: 'spec.shared.listenerArn', message: 'cannot be combined with spec.shared.loadBalancers: each shard has its own listenerArn' });
    for (const k of ['albDnsName', 'albHostedZoneId'] as const) {
      if (shared[k] !== undefined) errors.push({ path: `spec.shared.${k}`, message: `cannot be combined with spec.shared.loadBalancers: each shard has its own ${k}` });
    }
    const names = new Map<string, number>();
    const listeners = new Map<string, number>();
    shards.forEach((lb, j) => {
      const seen = names.get(lb.name);
      if (seen !== undefined) errors.push({ path: `spec.shared.loadBalancers[${j}].name`, message: `duplicates the name ${quoted(lb.name)} of spec.shared.loadBalancers[${seen}]` });
      else names.set(lb.name, j);
      const other = listeners.get(lb.listenerArn);
      if (other !== undefined) errors.push({ path: `spec.shared.loadBalancers[${j}].listenerArn`, message: `is the listener of spec.shared.loadBalancers[${other}] too: each shard is its own ALB` });
      else listeners.set(lb.listenerArn, j);
    });
  }
  const known = shards ? shards.map((lb) => lb.name) : [DEFAULT_SHARD];
  doc.spec.services.forEach((svc, i) => {
    if (svc.loadBalancer !== undefined && !known.includes(svc.loadBalancer)) {
      errors.push({
        path: `spec.services[${i}].loadBalancer`,
        message: shards
          ? `${quoted(svc.loadBalancer)} names no load balancer of spec.shared.loadBalancers (${known.map((n) => quoted(n)).join(', ')})`
          : `${quoted(svc.loadBalancer)} names no load balancer: with spec.shared.listenerArn the one load balancer is ${quoted(DEFAULT_SHARD)}; list several in spec.shared.loadBalancers`,
      });
    }
  });
  return errors;
}

export function zodIssuesToFieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: formatPath([...issue.path, key]), message: 'is not a known field' });
      continue;
    }
    out.push({ path: formatPath(issue.path), message: issueMessage(issue) });
  }
  return out;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    const input = (issue as { input?: unknown }).input;
    if (input === undefined) return `is required (${issue.expected})`;
    return `must be ${article(issue.expected)} (got ${describeType(input)})`;
  }
  if (issue.code === 'invalid_value') {
    if (!issue.message.startsWith('Invalid')) return issue.message; // the schema's own wording
    return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
  }
  if (issue.code === 'too_small' && issue.origin === 'string' && issue.minimum === 1) return 'must not be empty';
  if (issue.code === 'too_big' && issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
  if (issue.code === 'too_big' && issue.origin === 'array') return `must have at most ${issue.maximum} items`;
  if (issue.code === 'too_small' && issue.origin === 'array') {
    return issue.message.startsWith('Too small') ? `must have at least ${issue.minimum} items` : issue.message;
  }
  if ((issue.code === 'too_small' || issue.code === 'too_big') && issue.message.startsWith('Too ')) {
    return issue.code === 'too_small' ? `must be at least ${issue.minimum}` : `must be at most ${issue.maximum}`;
  }
  return issue.message;
}

function article(expected: string): string {
  if (expected === 'int') return 'an integer';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** The type of a wrong value, and a short excerpt of it (never the whole of a large value). */
function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return `string ${quoted(v, 40)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${v}`;
  return typeof v;
}

/** A JSON path as errors name it; a key longer than a short excerpt is cut. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const key = excerpt(String(seg), 64);
      out += out === '' ? key : `.${key}`;
    }
  }
  return out === '' ? '(document)' : out;
}

/**
 * The path of the first object or array nested deeper than `max` levels, or undefined.
 * Iterative (an explicit stack), so the check itself cannot overflow the call stack, and it
 * never descends below `max`.
 */
export function nestedTooDeep(root: unknown, max: number): (string | number)[] | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: root, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (path.length >= max) return path;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
    } else {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i]![1], path: [...path, entries[i]![0]] });
    }
  }
  return undefined;
}

function jsonErrorWhere(text: string, err: unknown): string {
  const message = excerpt(err instanceof Error ? err.message : String(err), 160);
  const m = /position (\d+)/.exec(message);
  if (!m) return message;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return `${message.replace(/ in JSON at position \d+.*$/, '')} at line ${line}, column ${col}`;
}

function invalid(fieldErrors: FieldError[]): RouteyardError {
  const summary = fieldErrors.map((e) => `${e.path}: ${e.message}`).join('; ');
  return new RouteyardError('InvalidDesiredState', `invalid desired state (${fieldErrors.length} error${fieldErrors.length === 1 ? '' : 's'}): ${summary}`, {
    fault: 'user',
    fieldErrors,
  });
}
