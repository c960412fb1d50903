import { describe, expect, it } from 'vitest';
import { cloudTrailEvent as buildEvent } from '../../test/support/events.ts';
import { readEvent } from './cloudtrail-event.ts';

const scope = { account: '123456789012', region: 'eu-west-1' };

/** The shared test builder, with the event time pinned for the assertions below. */
const cloudTrailEvent = (source: string, name: string, params: Record<string, unknown>, over: Record<string, unknown> = {}) =>
  buildEvent(source, name, params, { eventTime: '2026-11-25T10:00:00Z', ...over });

/** An event whose envelope and detail both lack a usable time. */
function withoutTime(body: string): string {
  const e = JSON.parse(body) as { time: string; detail: { eventTime: string } };
  e.time = 'later';
  e.detail.eventTime = 'yesterday';
  return JSON.stringify(e);
}

describe('readEvent: EventBridge "AWS API Call via CloudTrail" events mapped to resources', () => {
  it('an API Gateway UpdateIntegration names its API', () => {
    const r = readEvent(cloudTrailEvent('apigateway.amazonaws.com', 'UpdateIntegration', { apiId: 'a1b2c3d4e5', integrationId: 'xyz' }), scope);
    expect(r).toMatchObject({ ok: true, event: { eventName: 'UpdateIntegration', resources: { apiIds: ['a1b2c3d4e5'] } } });
    if (r.ok) expect(r.event.eventTime.toISOString()).toBe('2026-11-25T10:00:00.000Z');
  });

  it('ELB calls name their rules, listeners and target groups', () => {
    const rule = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/alb/1/2/3';
    expect(readEvent(cloudTrailEvent('elasticloadbalancing.amazonaws.com', 'DeleteRule', { ruleArn: rule }), scope)).toMatchObject({ ok: true, event: { resources: { ruleArns: [rule] } } });
    const prio = readEvent(cloudTrailEvent('elasticloadbalancing.amazonaws.com', 'SetRulePriorities', { rulePriorities: [{ ruleArn: rule, priority: 9 }] }), scope);
    expect(prio).toMatchObject({ ok: true, event: { resources: { ruleArns: [rule] } } });
    const tg = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/ry-x/1';
    expect(readEvent(cloudTrailEvent('elasticloadbalancing.amazonaws.com', 'ModifyTargetGroup', { targetGroupArn: tg }), scope)).toMatchObject({ ok: true, event: { resources: { targetGroupArns: [tg] } } });
  });

  it('Route 53 changes name the zone and the records, normalized; they come from us-east-1', () => {
    const r = readEvent(
      cloudTrailEvent('route53.amazonaws.com', 'ChangeResourceRecordSets', { hostedZoneId: 'Z0123', changeBatch: { changes: [{ action: 'DELETE', resourceRecordSet: { name: 'Qa.Api.Py.acmecorp.com.', type: 'A' } }] } }, { awsRegion: 'us-east-1' }),
      scope,
    );
    expect(r).toMatchObject({ ok: true, event: { resources: { records: [{ zoneId: 'Z0123', name: 'qa.api.py.acmecorp.com' }] } } });
  });

  it('ACM calls name the certificate', () => {
    const arn = 'arn:aws:acm:eu-west-1:123456789012:certificate/1';
    expect(readEvent(cloudTrailEvent('acm.amazonaws.com', 'DeleteCertificate', { certificateArn: arn }), scope)).toMatchObject({ ok: true, event: { resources: { certificateArns: [arn] } } });
  });

  it('TagResource names its API or domain by a percent-encoded ARN; one that does not decode names nothing, and does not throw', () => {
    const tag = (arn: string) => readEvent(cloudTrailEvent('apigateway.amazonaws.com', 'TagResource', { resourceArn: arn }), scope);
    expect(tag('arn:aws:apigateway:eu-west-1::/apis/a1b2c3d4e5')).toMatchObject({ ok: true, event: { resources: { apiIds: ['a1b2c3d4e5'] } } });
    expect(tag('arn%3Aaws%3Aapigateway%3Aeu-west-1%3A%3A%2Fdomainnames%2FApi.Example.com')).toMatchObject({ ok: true, event: { resources: { domainNames: ['api.example.com'] } } });
    for (const bad of ['arn:aws:apigateway:eu-west-1::/apis/a1b2c3d4e5%E0%A4%A', '/apis/%', '/apis/%zz', '/apis/%ED%A0%80']) expect(tag(bad)).toMatchObject({ ok: false, reason: 'no-resource' });
  });

  it('a list field of the wrong type is read as empty, and the rest of the event still counts', () => {
    const listener = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/alb/1/2';
    for (const rules of [{ ruleArn: 'x' }, 'arn', 7, null, [7, 'x', null, { ruleArn: 9 }]]) {
      const r = readEvent(cloudTrailEvent('elasticloadbalancing.amazonaws.com', 'CreateRule', { listenerArn: listener, rulePriorities: rules, resourceArns: rules }, { responseElements: { rules } }), scope);
      expect(r).toMatchObject({ ok: true, event: { resources: { listenerArns: [listener], ruleArns: [] } } });
    }
  });

  it.each([
    ['not JSON', '{nope', 'malformed'],
    ['no detail', JSON.stringify({ 'detail-type': 'AWS API Call via CloudTrail' }), 'malformed'],
    ['another detail-type', JSON.stringify({ 'detail-type': 'EC2 Instance State-change Notification', detail: { state: 'running' } }), 'unknown'],
    ['another service', cloudTrailEvent('s3.amazonaws.com', 'PutObject', { bucketName: 'b' }), 'unknown'],
    ['a read', cloudTrailEvent('apigateway.amazonaws.com', 'GetIntegrations', { apiId: 'a' }, { readOnly: true }), 'read-only'],
    ['another account', cloudTrailEvent('apigateway.amazonaws.com', 'UpdateIntegration', { apiId: 'a' }, { recipientAccountId: '999999999999' }), 'foreign-account'],
    ['another Region', cloudTrailEvent('apigateway.amazonaws.com', 'UpdateIntegration', { apiId: 'a' }, { awsRegion: 'us-west-2' }), 'foreign-region'],
    ['a failed call', cloudTrailEvent('apigateway.amazonaws.com', 'UpdateIntegration', { apiId: 'a' }, { errorCode: 'AccessDenied' }), 'no-resource'],
    ['no resource named', cloudTrailEvent('apigateway.amazonaws.com', 'CreateApi', { name: 'x' }), 'no-resource'],
    ['no event time', withoutTime(cloudTrailEvent('apigateway.amazonaws.com', 'UpdateIntegration', { apiId: 'a' })), 'malformed'],
  ])('%s is ignored (%s)', (_what, body, reason) => {
    expect(readEvent(body, scope)).toMatchObject({ ok: false, reason });
  });
});
