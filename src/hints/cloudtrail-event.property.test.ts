import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloudTrailEvent } from '../../test/support/events.ts';
import { LIMITS, readEvent, type EventReading } from './cloudtrail-event.ts';

/**
 * The mapper is total: whatever a queue carries (any JSON, any text, wrong types in every
 * field, malformed percent-encodings, deep nesting, very long values), readEvent returns a
 * reading and never throws, and what it returns is typed and bounded. `mapper-error` is the
 * last-resort boundary inside readEvent: it must never be reached either.
 */
const scope = { account: '123456789012', region: 'eu-west-1' };
const REASONS = new Set(['malformed', 'unknown', 'read-only', 'foreign-account', 'foreign-region', 'no-resource']);
const SOURCES = new Set(['apigateway.amazonaws.com', 'elasticloadbalancing.amazonaws.com', 'acm.amazonaws.com', 'route53.amazonaws.com']);

/** readEvent must not throw, and its answer must be well-formed and bounded. */
function total(body: unknown): EventReading {
  let r: EventReading | undefined;
  expect(() => (r = readEvent(body, scope))).not.toThrow();
  const reading = r!;
  if (!reading.ok) {
    expect(REASONS.has(reading.reason), `reason ${reading.reason}: ${reading.detail}`).toBe(true);
    expect(typeof reading.detail).toBe('string');
    expect(reading.detail.length).toBeLessThanOrEqual(1_000);
    return reading;
  }
  const e = reading.event;
  expect(SOURCES.has(e.eventSource)).toBe(true);
  expect(typeof e.eventName === 'string' && e.eventName.length > 0 && e.eventName.length <= LIMITS.name).toBe(true);
  expect(e.eventTime).toBeInstanceOf(Date);
  expect(Number.isNaN(e.eventTime.getTime())).toBe(false);
  const r2 = e.resources;
  const ids: [string[], number][] = [
    [r2.apiIds, LIMITS.id],
    [r2.ruleArns, LIMITS.arn],
    [r2.targetGroupArns, LIMITS.arn],
    [r2.listenerArns, LIMITS.arn],
    [r2.certificateArns, LIMITS.arn],
    [r2.domainNames, LIMITS.domain],
  ];
  for (const [values, max] of ids) {
    expect(Array.isArray(values)).toBe(true);
    expect(values.length).toBeLessThanOrEqual(3 * LIMITS.listItems);
    for (const v of values) expect(typeof v === 'string' && v.length > 0 && v.length <= max, String(v).slice(0, 80)).toBe(true);
  }
  expect(r2.records.length).toBeLessThanOrEqual(LIMITS.listItems);
  for (const rec of r2.records) {
    expect(typeof rec.zoneId === 'string' && rec.zoneId.length > 0 && rec.zoneId.length <= LIMITS.hostedZoneId).toBe(true);
    expect(typeof rec.name === 'string' && rec.name.length <= LIMITS.recordName).toBe(true);
  }
  return reading;
}

// ----- arbitraries -----

/** Text full of percent signs: valid escapes, truncated ones, lone '%', invalid UTF-8 sequences. */
const percentText = fc
  .array(fc.oneof(fc.constantFrom('%', '%%', '%E0', '%E0%A4%A', '%A4', '%zz', '%2', '%2F', '%C3%28', '%ED%A0%80', '%F4%90%80%80', '%25', '/apis/', '/domainnames/', '/', 'abc'), fc.string({ maxLength: 4 })), {
    maxLength: 12,
  })
  .map((parts) => parts.join(''));

/** Strings longer than any bound, shaped like what they replace. */
const longText = fc
  .tuple(fc.constantFrom('', 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/x/', '/apis/', 'Update', 'Z0123.', 'eu-west-', '2026-11-25T10:00:00Z'), fc.integer({ min: 0, max: 5_000 }), fc.constantFrom('a', '%', '\u00e9', '\ud83d\ude00', '9'))
  .map(([prefix, n, unit]) => prefix + unit.repeat(n));

/** A placeholder replaced, in the body's text, by arrays nested `depth` deep (deeper than JSON.stringify can go). */
const DEEP = '\u0000deep\u0000';
const deepMarker = fc.integer({ min: 1, max: 20_000 }).map((depth) => ({ [DEEP]: depth }));

/** Any value in a field: JSON of any shape, text with '%', over-long text, deep nesting. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, false, 0, -1, 1e308, '', ' ', [], {}, [null], [[]], [{}], 'arn', '/apis/', '%'),
  percentText,
  longText,
  deepMarker,
);

const apiTag = (arn: string) => ({ resourceArn: arn });
const rule = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/alb/1/2/3';
const tg = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/ry-x/1';
const listener = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/alb/1/2';

/** Valid events of each kind the mapper reads, each of which maps. */
const templates: string[] = [
  cloudTrailEvent('apigateway.amazonaws.com', 'UpdateIntegration', { apiId: 'a1b2c3d4e5', integrationId: 'i' }),
  cloudTrailEvent('apigateway.amazonaws.com', 'TagResource', apiTag('arn:aws:apigateway:eu-west-1::/apis/a1b2c3d4e5')),
  cloudTrailEvent('apigateway.amazonaws.com', 'UntagResource', { resourceArnPath: 'arn%3Aaws%3Aapigateway%3Aeu-west-1%3A%3A%2Fdomainnames%2Fapi.example.com' }),
  cloudTrailEvent('apigateway.amazonaws.com', 'DeleteDomainName', { domainName: 'Api.Example.com' }, { responseElements: { apiId: 'a1b2c3d4e5', domainName: 'x' } }),
  cloudTrailEvent('elasticloadbalancing.amazonaws.com', 'SetRulePriorities', { rulePriorities: [{ ruleArn: rule, priority: 9 }] }),
  cloudTrailEvent('elasticloadbalancing.amazonaws.com', 'CreateRule', { listenerArn: listener }, { responseElements: { rules: [{ ruleArn: rule }] } }),
  cloudTrailEvent('elasticloadbalancing.amazonaws.com', 'AddTags', { resourceArns: [rule, tg, listener], tags: [] }),
  cloudTrailEvent('elasticloadbalancing.amazonaws.com', 'ModifyRule', { ruleArn: rule, targetGroupArn: tg }),
  cloudTrailEvent('acm.amazonaws.com', 'DeleteCertificate', { certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/1' }),
  cloudTrailEvent(
    'route53.amazonaws.com',
    'ChangeResourceRecordSets',
    { hostedZoneId: '/hostedzone/Z0123', changeBatch: { changes: [{ action: 'UPSERT', resourceRecordSet: { name: 'Qa.Example.com.', type: 'A' } }] } },
    { awsRegion: 'us-east-1' },
  ),
];

/** Where a wrong value can go: every field the mapper reads, and the containers on the way. */
const paths: (string | number)[][] = [
  [],
  ['detail-type'],
  ['detail'],
  ['time'],
  ['account'],
  ['region'],
  ...['eventSource', 'eventName', 'eventTime', 'awsRegion', 'recipientAccountId', 'readOnly', 'errorCode', 'requestParameters', 'responseElements'].map((k) => ['detail', k]),
  ...[
    ['apiId'],
    ['domainName'],
    ['resourceArn'],
    ['resourceArnPath'],
    ['ruleArn'],
    ['rulePriorities'],
    ['rulePriorities', 0],
    ['rulePriorities', 0, 'ruleArn'],
    ['listenerArn'],
    ['targetGroupArn'],
    ['resourceArns'],
    ['resourceArns', 0],
    ['resourceArns', 1],
    ['certificateArn'],
    ['hostedZoneId'],
    ['changeBatch'],
    ['changeBatch', 'changes'],
    ['changeBatch', 'changes', 0],
    ['changeBatch', 'changes', 0, 'resourceRecordSet'],
    ['changeBatch', 'changes', 0, 'resourceRecordSet', 'name'],
  ].map((p) => ['detail', 'requestParameters', ...p]),
  ...[['rules'], ['rules', 0], ['rules', 0, 'ruleArn'], ['apiId'], ['domainName'], ['certificateArn']].map((p) => ['detail', 'responseElements', ...p]),
];

/**
 * A copy of `root` with a copy of `value` at `path`, making (or replacing) containers on the
 * way. Nothing generated is changed in place: fast-check hands out shared instances (the `{}`
 * of constantFrom), which in-place writes would turn into cycles.
 */
function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return structuredClone(value);
  const [head, ...rest] = path;
  const container: Record<string | number, unknown> = Array.isArray(root)
    ? ([...root] as unknown as Record<number, unknown>)
    : root !== null && typeof root === 'object'
      ? { ...(root as Record<string, unknown>) }
      : typeof head === 'number'
        ? ([] as unknown as Record<number, unknown>)
        : {};
  container[head!] = setAt(container[head!], rest, value);
  return container;
}

/** JSON text for a value, with deep-nesting markers expanded in the text itself. */
function bodyOf(value: unknown): string {
  return JSON.stringify(value).replace(/\{"\\u0000deep\\u0000":(\d+)\}/g, (_m, depth: string) => '['.repeat(Number(depth)) + ']'.repeat(Number(depth)));
}

/** A valid event with one to six fields (or containers) replaced by wrong values. */
const nearValid = fc
  .tuple(fc.constantFrom(...templates), fc.array(fc.tuple(fc.constantFrom(...paths), wrongValue), { minLength: 1, maxLength: 6 }))
  .map(([template, mutations]) => bodyOf(mutations.reduce<unknown>((doc, [path, value]) => setAt(doc, path, value), JSON.parse(template))));

const runs = { numRuns: 400 };

describe('readEvent is total', () => {
  it('the templates the structured arbitraries start from all map', () => {
    for (const t of templates) expect(total(t)).toMatchObject({ ok: true });
  });

  it('any JSON text (fc.json)', () => {
    fc.assert(fc.property(fc.json(), (body) => void total(body)), runs);
  });

  it('any JSON value, as its text and as the value itself (fc.jsonValue)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        total(JSON.stringify(v));
        total(v);
      }),
      runs,
    );
  });

  it('any text, JSON or not, and text with percent sequences', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), percentText), (body) => void total(body)), runs);
  });

  it('near-valid EventBridge envelopes with wrong types, percent sequences, long values and deep nesting in any field', () => {
    fc.assert(fc.property(nearValid, (body) => void total(body)), { numRuns: 1_500 });
  });

  it('percent sequences in the ARN of a TagResource or UntagResource', () => {
    fc.assert(
      fc.property(fc.constantFrom('resourceArn', 'resourceArnPath'), percentText, (key, tail) => {
        const r = total(cloudTrailEvent('apigateway.amazonaws.com', 'TagResource', { [key]: `arn:aws:apigateway:eu-west-1::/apis/${tail}` }));
        if (r.ok) for (const id of r.event.resources.apiIds) expect(id.length).toBeLessThanOrEqual(LIMITS.id);
      }),
      runs,
    );
  });

  it('wrong values where each list is expected', () => {
    const lists: [string, string, (v: unknown) => Record<string, unknown>, Record<string, unknown>][] = [
      ['elasticloadbalancing.amazonaws.com', 'SetRulePriorities', (v) => ({ rulePriorities: v }), {}],
      ['elasticloadbalancing.amazonaws.com', 'AddTags', (v) => ({ resourceArns: v }), {}],
      ['elasticloadbalancing.amazonaws.com', 'CreateRule', () => ({ listenerArn: listener }), {}],
      ['route53.amazonaws.com', 'ChangeResourceRecordSets', (v) => ({ hostedZoneId: 'Z1', changeBatch: { changes: v } }), { awsRegion: 'us-east-1' }],
      ['route53.amazonaws.com', 'ChangeResourceRecordSets', (v) => ({ hostedZoneId: 'Z1', changeBatch: v }), { awsRegion: 'us-east-1' }],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...lists), wrongValue, ([source, name, params, over], v) => {
        const body = bodyOf(JSON.parse(cloudTrailEvent(source, name, params(structuredClone(v)), { ...over, responseElements: { rules: structuredClone(v) } })));
        total(body);
      }),
      runs,
    );
  });
});

describe('readEvent: hostile bodies named one by one', () => {
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  it.each([
    ['a body over 1 MiB', `{"x":"${'a'.repeat(LIMITS.bodyChars)}"}`, 'malformed'],
    ['nesting 100 000 deep as the body', deep(100_000), 'malformed'],
    ['nesting 100 000 deep as the detail-type', `{"detail":{},"detail-type":${deep(100_000)}}`, 'unknown'],
    ['nesting 100 000 deep in requestParameters', cloudTrailEvent('apigateway.amazonaws.com', 'UpdateIntegration', { apiId: DEEP }).replace(`"${'\\u0000deep\\u0000'}"`, deep(100_000)), 'no-resource'],
    ['a 200 000-character detail-type', JSON.stringify({ detail: {}, 'detail-type': 'x'.repeat(200_000) }), 'unknown'],
    ['a 200 000-character event source', cloudTrailEvent('x'.repeat(200_000), 'UpdateIntegration', { apiId: 'a' }), 'malformed'],
    ['a 200 000-character error code', cloudTrailEvent('apigateway.amazonaws.com', 'UpdateIntegration', { apiId: 'a' }, { errorCode: 'E'.repeat(200_000) }), 'no-resource'],
    ['an over-long api id', cloudTrailEvent('apigateway.amazonaws.com', 'UpdateIntegration', { apiId: 'a'.repeat(65) }), 'no-resource'],
  ])('%s', (_what, body, reason) => {
    const r = total(body);
    expect(r).toMatchObject({ ok: false, reason });
    if (!r.ok) expect(r.detail.length).toBeLessThanOrEqual(300);
  });

  it('a body that is not a string is malformed, not an exception', () => {
    for (const v of [undefined, null, 42, {}, [], { detail: {} }, Symbol('s'), () => 1, 10n]) expect(total(v)).toMatchObject({ ok: false, reason: 'malformed' });
  });
});
