/**
 * Event hints: EventBridge "AWS API Call via CloudTrail" events, as an SQS queue receives
 * them, mapped to the resources they touch. A hint only says where to look: the controller
 * re-reads AWS and plans from what it reads; nothing in an event is ever applied.
 */

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

export type IgnoreReason = 'malformed' | 'unknown' | 'read-only' | 'foreign-account' | 'foreign-region' | 'no-resource';

export type EventReading = { ok: true; event: MappedEvent } | { ok: false; reason: IgnoreReason; detail: string };

export interface EventScope {
  /** The platform's account: events from any other are foreign. */
  account: string;
  /** The platform's Region (Route 53 is global: its events arrive from us-east-1). */
  region: string;
}

const SOURCES = new Set(['apigateway.amazonaws.com', 'elasticloadbalancing.amazonaws.com', 'acm.amazonaws.com', 'route53.amazonaws.com']);

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length > 0) : []);

/** Read one SQS message body: the EventBridge envelope with a CloudTrail record in `detail`. */
export function readEvent(body: string, scope: EventScope): EventReading {
  let envelope: Json | undefined;
  try {
    envelope = obj(JSON.parse(body));
  } catch {
    return { ok: false, reason: 'malformed', detail: 'not JSON' };
  }
  const detail = obj(envelope?.detail);
  if (!envelope || !detail) return { ok: false, reason: 'malformed', detail: 'no EventBridge detail' };
  if (envelope['detail-type'] !== 'AWS API Call via CloudTrail') return { ok: false, reason: 'unknown', detail: `detail-type ${JSON.stringify(envelope['detail-type'])}` };
  const eventSource = str(detail.eventSource);
  const eventName = str(detail.eventName);
  const eventTime = new Date(str(detail.eventTime) ?? str(envelope.time) ?? '');
  if (!eventSource || !eventName || Number.isNaN(eventTime.getTime())) return { ok: false, reason: 'malformed', detail: 'no eventSource, eventName or eventTime' };
  if (!SOURCES.has(eventSource)) return { ok: false, reason: 'unknown', detail: `event source ${eventSource}` };
  if (detail.readOnly === true || /^(Get|Describe|List|Head)/.test(eventName)) return { ok: false, reason: 'read-only', detail: eventName };
  const account = str(detail.recipientAccountId) ?? str(envelope.account);
  if (account !== scope.account) return { ok: false, reason: 'foreign-account', detail: `account ${account ?? '(none)'}` };
  const region = str(detail.awsRegion) ?? str(envelope.region);
  if (eventSource !== 'route53.amazonaws.com' && region !== scope.region) return { ok: false, reason: 'foreign-region', detail: `Region ${region ?? '(none)'}` };
  if (str(detail.errorCode)) return { ok: false, reason: 'no-resource', detail: `the call failed (${str(detail.errorCode)}): nothing changed` };

  const resources = resourcesOf(eventSource, obj(detail.requestParameters) ?? {}, obj(detail.responseElements) ?? {});
  const count = Object.values(resources).reduce((n, list) => n + (list as unknown[]).length, 0);
  if (count === 0) return { ok: false, reason: 'no-resource', detail: `${eventName} names no resource routeyard manages` };
  return { ok: true, event: { eventSource, eventName, eventTime, resources } };
}

function resourcesOf(source: string, req: Json, res: Json): ResourceHint {
  const hint: ResourceHint = { apiIds: [], ruleArns: [], targetGroupArns: [], listenerArns: [], certificateArns: [], domainNames: [], records: [] };
  switch (source) {
    case 'apigateway.amazonaws.com': {
      // API Gateway v2 calls name the API (apiId) and, for custom domains, the domain name.
      // TagResource/UntagResource name the resource by ARN: .../apis/<id> or .../domainnames/<name>.
      const apiId = str(req.apiId) ?? str(res.apiId);
      if (apiId) hint.apiIds.push(apiId);
      const domain = str(req.domainName) ?? str(res.domainName);
      if (domain) hint.domainNames.push(domain.toLowerCase());
      const arn = str(req.resourceArn) ?? str(req.resourceArnPath);
      const m = arn && /\/(apis|domainnames)\/([^/]+)$/.exec(decodeURIComponent(arn));
      if (m) (m[1] === 'apis' ? hint.apiIds : hint.domainNames).push(m[1] === 'apis' ? m[2]! : m[2]!.toLowerCase());
      break;
    }
    case 'elasticloadbalancing.amazonaws.com': {
      const ruleArn = str(req.ruleArn);
      if (ruleArn) hint.ruleArns.push(ruleArn);
      for (const p of Array.isArray(req.rulePriorities) ? req.rulePriorities : []) {
        const r = str(obj(p)?.ruleArn);
        if (r) hint.ruleArns.push(r);
      }
      for (const r of strings(obj(res)?.rules ? (res.rules as Json[]).map((x) => obj(x)?.ruleArn) : [])) hint.ruleArns.push(r);
      const listenerArn = str(req.listenerArn);
      if (listenerArn) hint.listenerArns.push(listenerArn);
      const tg = str(req.targetGroupArn);
      if (tg) hint.targetGroupArns.push(tg);
      for (const a of strings(req.resourceArns)) {
        if (a.includes(':listener-rule/')) hint.ruleArns.push(a);
        else if (a.includes(':targetgroup/')) hint.targetGroupArns.push(a);
        else if (a.includes(':listener/')) hint.listenerArns.push(a);
      }
      break;
    }
    case 'acm.amazonaws.com': {
      const arn = str(req.certificateArn) ?? str(res.certificateArn);
      if (arn) hint.certificateArns.push(arn);
      break;
    }
    case 'route53.amazonaws.com': {
      const zoneId = str(req.hostedZoneId)?.replace(/^\/?hostedzone\//, '');
      const changes = obj(req.changeBatch)?.changes;
      if (zoneId) {
        for (const c of Array.isArray(changes) ? changes : []) {
          const name = str(obj(obj(c)?.resourceRecordSet)?.name);
          if (name) hint.records.push({ zoneId, name: name.toLowerCase().replace(/\.$/, '') });
        }
      }
      break;
    }
  }
  return hint;
}
