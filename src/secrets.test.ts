import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { resolveDesiredState } from './desired/resolve.ts';
import { validateDocument } from './desired/validate.ts';
import type { ParameterStore, StoredParameter } from './desired/sources/types.ts';
import { createLogger } from './log.ts';
import type { Report } from './plan/report.ts';
import { renderDashboard } from './report/html.ts';
import { renderJson } from './report/json.ts';
import { renderText } from './report/text.ts';
import { REDACTED, SecretValues, secretValues } from './secrets.ts';
import { readFileSync } from 'node:fs';

const example = readFileSync(new URL('../desired-state.example.json', import.meta.url), 'utf8');

function store(params: StoredParameter[]): ParameterStore {
  return {
    getParameter: async () => {
      throw new Error('not used');
    },
    getParametersByPath: async () => [],
    // Names not given are plain String parameters with a value of their own.
    getParameters: async (names) => ({ found: names.map((n) => params.find((p) => p.name === n) ?? { name: n, value: `plain-${n}`, version: 1 }), missing: [] }),
  };
}

describe('SecretValues', () => {
  it('scrubs a value in every form routeyard writes it: as is, trimmed, normalized, JSON- and HTML-escaped', () => {
    const s = new SecretValues();
    s.add(' Internal-ALB-123.eu-west-1.elb.amazonaws.com. \n');
    s.add('/hostedzone/Z0SECRET123');
    s.add('a"b<c>&d');
    expect(s.redact('target Internal-ALB-123.eu-west-1.elb.amazonaws.com. and internal-alb-123.eu-west-1.elb.amazonaws.com')).toBe(`target ${REDACTED} and ${REDACTED}`);
    expect(s.redact('zone /hostedzone/Z0SECRET123 is Z0SECRET123')).toBe(`zone ${REDACTED} is ${REDACTED}`);
    expect(s.redact(JSON.stringify({ v: 'x a"b<c>&d y' }))).toBe(`{"v":"x ${REDACTED} y"}`);
    expect(s.redact('<td>a&quot;b&lt;c&gt;&amp;d</td>')).toBe(`<td>${REDACTED}</td>`);
  });

  it('scrubs the longer of two overlapping secrets whole, keys and nested values of objects too', () => {
    const s = new SecretValues();
    s.add('vpc-0abc');
    s.add('vpc-0abcdef99');
    expect(s.redact('vpc-0abcdef99 vpc-0abc')).toBe(`${REDACTED} ${REDACTED}`);
    expect(s.redactDeep({ 'vpc-0abc': [{ m: 'in vpc-0abcdef99' }, 3, null] })).toEqual({ [REDACTED]: [{ m: `in ${REDACTED}` }, 3, null] });
  });

  it('ignores values too short to tell from ordinary text, and leaves text alone while it holds none', () => {
    const s = new SecretValues();
    expect(s.redactDeep({ a: 'abc' })).toEqual({ a: 'abc' });
    s.add('abc');
    s.add('   ');
    expect(s.size).toBe(0);
    expect(s.redact('abc')).toBe('abc');
  });
});

describe('values resolved from SecureString parameters', () => {
  const LISTENER = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/hidden-alb/50dc6c495c0c9188/f2f7dc8efc522ab2';

  it('resolution adds SecureString values to the secrets, and String values not', async () => {
    const secrets = new SecretValues();
    const doc = validateDocument(example);
    await resolveDesiredState(
      doc,
      () =>
        store([
          { name: '/acmecorp/shared/alb-listener-arn', value: LISTENER, version: 1, secure: true },
          { name: '/acmecorp/shared/vpc-link-id', value: 'vl-plainvalue', version: 1 },
          { name: '/acmecorp/shared/vpc-id', value: 'vpc-plainvalue', version: 1 },
        ]),
      100,
      secrets,
    );
    expect(secrets.redact(`${LISTENER} vl-plainvalue vpc-plainvalue`)).toBe(`${REDACTED} vl-plainvalue vpc-plainvalue`);
  });

  it('an unresolved reference names the parameter, never a value', async () => {
    const secrets = new SecretValues();
    const doc = validateDocument(example);
    const err = await resolveDesiredState(doc, () => store([{ name: '/acmecorp/shared/alb-listener-arn', value: ' ', version: 1, secure: true }]), 100, secrets).catch((e: unknown) => e as Error);
    expect((err as Error).message).toContain('refers to SSM parameter /acmecorp/shared/alb-listener-arn, which is empty');
  });

  it('never appear in the JSON or text report, the dashboard or a log line', async () => {
    await resolveDesiredState(validateDocument(example), () =>
      store([
        { name: '/acmecorp/shared/alb-listener-arn', value: LISTENER, version: 1, secure: true },
      ]),
    );
    const message = `ListenerNotFound: One or more listeners not found: '${LISTENER}'`;
    const report = {
      generatedAt: '2026-11-30T10:00:00.000Z',
      passId: 'p',
      mode: 'reconcile',
      outcome: 'Failed',
      source: { uri: 'file:x', version: 'v' },
      summary: { services: 0, inSync: 0, drifted: 0, missing: 0, orphaned: 0, pending: 0, conflicts: 0, errors: 0, actions: 0, applied: 0, failed: 0, skipped: 0 },
      services: [],
      actions: [],
      error: { code: 'ObserveFailed', message, fieldErrors: [] },
      stats: { durationMs: 1, awsCalls: { total: 1, mutating: 0, throttled: 0, retries: 0, byService: {}, byOperation: {} } },
    } as unknown as Report;
    for (const out of [renderJson(report), renderText(report), renderDashboard({ ...report, ageSeconds: 1 }, { refreshSeconds: 10, now: 0 })]) {
      expect(out).not.toContain('hidden-alb');
      expect(out).toContain(REDACTED);
    }
    expect(report.error!.message).toBe(message); // the report itself is not changed

    let logged = '';
    const sink = new Writable({ write: (chunk, _enc, done) => ((logged += String(chunk)), done()) });
    const log = createLogger('info', sink);
    log.child({ passId: 'p' }).error({ err: message, listener: LISTENER }, `pass failed on ${LISTENER}`);
    expect(logged).toContain('pass failed on');
    expect(logged).not.toContain('hidden-alb');
    expect(JSON.parse(logged)).toMatchObject({ err: `ListenerNotFound: One or more listeners not found: '${REDACTED}'`, listener: REDACTED, msg: `pass failed on ${REDACTED}` });
    expect(secretValues.size).toBeGreaterThan(0);
  });
});
