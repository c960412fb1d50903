/**
 * Event hints: EventBridge "AWS API Call via CloudTrail" events, as an SQS queue receives
 * them, mapped to the resources they touch. A hint only says where to look: the controller
 * re-reads AWS and plans from what it reads; nothing in an event is ever applied.
 */

import { describeValue, excerpt } from './excerpt.ts';

/** The resources an event names. */
export interface ResourceHint {
  apiIds: string[];
  ruleArns: string[];
  targetGroupArns: string[];
  listenerArns: string[];
  certificateArns: string[];
  domainNames: string[];
  /** Route 53 record names (lower case, no trailing dot) with their zone id. */
  records: { zoneId: string; name: string }[];
}

export interface MappedEvent {
  eventSource: string;
  eventName: string;
  eventTime: Date;
  resources: ResourceHint;
}

/**
 * Why a message was not mapped. `mapper-error` is the boundary's own: the mapper is total, so a
 * count there is a bug in routeyard, never in the event.
 */
export type IgnoreReason = 'malformed' | 'unknown' | 'read-only' | 'foreign-account' | 'foreign-region' | 'no-resource' | 'mapper-error';

export type EventReading = { ok: true; event: MappedEvent } | { ok: false; reason: IgnoreReason; detail: string };

export interface EventScope {
  /** The platform's account: events from any other are foreign. */
  account: string;
  /** The platform's Region (Route 53 is global: its events arrive from us-east-1). */
  region: string;
}

const SOURCES = new Set(['apigateway.amazonaws.com', 'elasticloadbalancing.amazonaws.com', 'acm.amazonaws.com', 'route53.amazonaws.com']);

/**
 * Bounds on what is read from a message. The largest body SQS delivers is 1 MiB; each value
 * taken from an event is at most as long as AWS lets that kind of value be (longer is not a
 * value AWS sent: it is dropped, not cut, since a cut identifier would name something else);
 * at most LIST_ITEMS entries of any list are looked at (a Route 53 change batch holds up to
 * 1,000 changes). A hint only says where to look: what is dropped is found by the rolling checks.
 */
export const LIMITS = {
  bodyChars: 1024 * 1024,
  listItems: 1_000,
  /** eventSource, eventName, errorCode, detail-type. */
  name: 128,
  eventTime: 64,
  account: 32,
  region: 32,
  /** ARNs (AWS allows up to 2,048 characters). */
  arn: 2_048,
  /** API Gateway API ids (10 characters today). */
  id: 64,
  hostedZoneId: 128,
  /** Custom domain names (a DNS name is at most 253 characters). */
  domain: 253,
  /** Route 53 record names, in their escaped form (\ooo) up to 1,024 characters. */
  recordName: 1_024,
} as const;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
/** A non-empty string of at most `max` characters, or undefined. */
const str = (v: unknown, max: number): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined);
/** The first LIST_ITEMS entries of an array; anything else is an empty list. */
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v.slice(0, LIMITS.listItems) : []);
/** decodeURIComponent that answers undefined for a malformed percent-encoding instead of throwing. */
function decoded(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/**
 * Read one SQS message body: the EventBridge envelope with a CloudTrail record in `detail`.
 * Total: any value at all (a string that is not JSON, JSON of any shape or depth, wrong types in
 * any field, a value that is not a string) gives a reading, never an exception; whatever it puts
 * in a reading or a reason is type-checked and bounded.
 */
export function readEvent(body: unknown, scope: EventScope): EventReading {
  try {
    return read(body, scope);
  } catch (err) {
    // Not reached by any input the tests know; kept so that a bug here costs one message.
    return { ok: false, reason: 'mapper-error', detail: `the event could not be read (${err instanceof Error ? excerpt(err.name, 40) : typeof err})` };
  }
}

function read(body: unknown, scope: EventScope): EventReading {
  if (typeof body !== 'string') return { ok: false, reason: 'malformed', detail: `the body is ${describeValue(body)}, not text` };
  if (body.length > LIMITS.bodyChars) return { ok: false, reason: 'malformed', detail: `a body of ${body.length} characters (at most ${LIMITS.bodyChars})` };
  let envelope: Json | undefined;
  try {
    envelope = obj(JSON.parse(body));
  } catch {
    return { ok: false, reason: 'malformed', detail: 'not JSON' };
  }
  const detail = obj(envelope?.detail);
  if (!envelope || !detail) return { ok: false, reason: 'malformed', detail: 'no EventBridge detail' };
  if (envelope['detail-type'] !== 'AWS API Call via CloudTrail') return { ok: false, reason: 'unknown', detail: `detail-type ${describeValue(envelope['detail-type'])}` };
  const eventSource = str(detail.eventSource, LIMITS.name);
  const eventName = str(detail.eventName, LIMITS.name);
  const eventTime = new Date(str(detail.eventTime, LIMITS.eventTime) ?? str(envelope.time, LIMITS.eventTime) ?? '');
  if (!eventSource || !eventName || Number.isNaN(eventTime.getTime())) return { ok: false, reason: 'malformed', detail: 'no eventSource, eventName or eventTime' };
  if (!SOURCES.has(eventSource)) return { ok: false, reason: 'unknown', detail: `event source ${describeValue(eventSource)}` };
  if (detail.readOnly === true || /^(Get|Describe|List|Head)/.test(eventName)) return { ok: false, reason: 'read-only', detail: excerpt(eventName) };
  const account = str(detail.recipientAccountId, LIMITS.account) ?? str(envelope.account, LIMITS.account);
  if (account !== scope.account) return { ok: false, reason: 'foreign-account', detail: `account ${account ?? '(none)'}` };
  const region = str(detail.awsRegion, LIMITS.region) ?? str(envelope.region, LIMITS.region);
  if (eventSource !== 'route53.amazonaws.com' && region !== scope.region) return { ok: false, reason: 'foreign-region', detail: `Region ${region ?? '(none)'}` };
  if (typeof detail.errorCode === 'string' && detail.errorCode.length > 0) {
    return { ok: false, reason: 'no-resource', detail: `the call failed (${excerpt(detail.errorCode, LIMITS.name)}): nothing changed` };
  }

  const resources = resourcesOf(eventSource, obj(detail.requestParameters) ?? {}, obj(detail.responseElements) ?? {});
  const count = Object.values(resources).reduce((n, entries) => n + (entries as unknown[]).length, 0);
  if (count === 0) return { ok: false, reason: 'no-resource', detail: `${eventName} names no resource routeyard manages` };
  return { ok: true, event: { eventSource, eventName, eventTime, resources } };
}

function resourcesOf(source: string, req: Json, res: Json): ResourceHint {
  const hint: ResourceHint = { apiIds: [], ruleArns: [], targetGroupArns: [], listenerArns: [], certificateArns: [], domainNames: [], records: [] };
  switch (source) {
    case 'apigateway.amazonaws.com': {
      // API Gateway v2 calls name the API (apiId) and, for custom domains, the domain name.
      // TagResource/UntagResource name the resource by ARN: .../apis/<id> or .../domainnames/<name>,
      // percent-encoded; one that does not decode names nothing.
      const apiId = str(req.apiId, LIMITS.id) ?? str(res.apiId, LIMITS.id);
      if (apiId) hint.apiIds.push(apiId);
      const domain = str(req.domainName, LIMITS.domain) ?? str(res.domainName, LIMITS.domain);
      if (domain) hint.domainNames.push(domain.toLowerCase());
      const arn = str(req.resourceArn, LIMITS.arn) ?? str(req.resourceArnPath, LIMITS.arn);
      const path = arn === undefined ? undefined : decoded(arn);
      const m = path === undefined ? null : /\/(apis|domainnames)\/([^/]+)$/.exec(path);
      if (m?.[1] === 'apis') {
        const id = str(m[2], LIMITS.id);
        if (id) hint.apiIds.push(id);
      } else if (m?.[1] === 'domainnames') {
        const name = str(m[2], LIMITS.domain);
        if (name) hint.domainNames.push(name.toLowerCase());
      }
      break;
    }
    case 'elasticloadbalancing.amazonaws.com': {
      const ruleArn = str(req.ruleArn, LIMITS.arn);
      if (ruleArn) hint.ruleArns.push(ruleArn);
      for (const p of list(req.rulePriorities)) {
        const r = str(obj(p)?.ruleArn, LIMITS.arn);
        if (r) hint.ruleArns.push(r);
      }
      for (const x of list(res.rules)) {
        const r = str(obj(x)?.ruleArn, LIMITS.arn);
        if (r) hint.ruleArns.push(r);
      }
      const listenerArn = str(req.listenerArn, LIMITS.arn);
      if (listenerArn) hint.listenerArns.push(listenerArn);
      const tg = str(req.targetGroupArn, LIMITS.arn);
      if (tg) hint.targetGroupArns.push(tg);
      for (const x of list(req.resourceArns)) {
        const a = str(x, LIMITS.arn);
        if (!a) continue;
        if (a.includes(':listener-rule/')) hint.ruleArns.push(a);
        else if (a.includes(':targetgroup/')) hint.targetGroupArns.push(a);
        else if (a.includes(':listener/')) hint.listenerArns.push(a);
      }
      break;
    }
    case 'acm.amazonaws.com': {
      const arn = str(req.certificateArn, LIMITS.arn) ?? str(res.certificateArn, LIMITS.arn);
      if (arn) hint.certificateArns.push(arn);
      break;
    }
    case 'route53.amazonaws.com': {
      const zoneId = str(str(req.hostedZoneId, LIMITS.hostedZoneId)?.replace(/^\/?hostedzone\//, ''), LIMITS.hostedZoneId);
      if (zoneId) {
        for (const c of list(obj(req.changeBatch)?.changes)) {
          const name = str(obj(obj(c)?.resourceRecordSet)?.name, LIMITS.recordName);
          if (name) hint.records.push({ zoneId, name: name.toLowerCase().replace(/\.$/, '') });
        }
      }
      break;
    }
  }
  return hint;
}
