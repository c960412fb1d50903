import { GetIntegrationsCommand, UpdateIntegrationCommand, type ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { waitFor } from './daemon.ts';

/** The envelope EventBridge delivers to an SQS target for a CloudTrail management event ("AWS API Call via CloudTrail"). */
export function cloudTrailEvent(eventSource: string, eventName: string, requestParameters: Record<string, unknown>, over: Record<string, unknown> = {}): string {
  const now = new Date().toISOString();
  return JSON.stringify({
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${eventSource.split('.')[0]}`,
    account: '123456789012',
    time: now,
    region: 'eu-west-1',
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::123456789012:assumed-role/console/someone' },
      eventTime: now,
      eventSource,
      eventName,
      awsRegion: 'eu-west-1',
      sourceIPAddress: '203.0.113.7',
      requestParameters,
      responseElements: null,
      requestID: crypto.randomUUID(),
      eventID: crypto.randomUUID(),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: '123456789012',
      ...over,
    },
  });
}

/**
 * Bodies a queue can carry that no valid event has: malformed percent-encodings, wrong types
 * where the mapper expects objects, arrays or strings, deep nesting and very long fields. Each
 * is readable by SQS (valid UTF-8, no characters SQS refuses). `apiId` is a real API's id, so
 * that a mapper that ignored the damage would still name something the controller manages.
 * `reason` is how the listener counts it: a mapper reason, or `not-owned` for an event that
 * maps but names nothing of the RouteSet's.
 */
export function hostileEventBodies(apiId: string): { what: string; body: string; reason: string }[] {
  const envelope = (detail: Record<string, unknown>, over: Record<string, unknown> = {}): string => {
    const e = JSON.parse(cloudTrailEvent('apigateway.amazonaws.com', 'UpdateIntegration', { apiId })) as Record<string, unknown>;
    return JSON.stringify({ ...e, detail: { ...(e.detail as Record<string, unknown>), ...detail }, ...over });
  };
  const elb = (responseElements: unknown) =>
    cloudTrailEvent('elasticloadbalancing.amazonaws.com', 'CreateRule', { listenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/x/1/2' }, { responseElements });
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  return [
    { what: 'a malformed percent-encoding in a TagResource ARN', body: cloudTrailEvent('apigateway.amazonaws.com', 'TagResource', { resourceArn: `arn:aws:apigateway:eu-west-1::/apis/${apiId}%E0%A4%A` }), reason: 'no-resource' },
    { what: 'a lone % in resourceArnPath', body: cloudTrailEvent('apigateway.amazonaws.com', 'UntagResource', { resourceArnPath: '/apis/%' }), reason: 'no-resource' },
    { what: 'responseElements.rules an object, not an array', body: elb({ rules: { ruleArn: 'x' } }), reason: 'not-owned' },
    { what: 'responseElements.rules a string', body: elb({ rules: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/x/1/2/3' }), reason: 'not-owned' },
    { what: 'requestParameters an array, changes a number', body: cloudTrailEvent('route53.amazonaws.com', 'ChangeResourceRecordSets', { hostedZoneId: 7, changeBatch: { changes: 5 } }, { requestParameters: [1, 2], awsRegion: 'us-east-1' }), reason: 'no-resource' },
    { what: 'detail fields of the wrong type', body: envelope({ eventSource: ['apigateway.amazonaws.com'], eventName: 42, eventTime: {}, awsRegion: null }), reason: 'malformed' },
    { what: 'detail an array', body: envelope({}, { detail: [] }), reason: 'malformed' },
    { what: 'a deeply nested detail-type', body: envelope({}).replace('"detail-type":"AWS API Call via CloudTrail"', `"detail-type":${deep(20_000)}`), reason: 'unknown' },
    { what: 'a deeply nested body', body: deep(60_000), reason: 'malformed' },
    { what: 'a 100 000-character event name', body: envelope({ eventName: `Update${'X'.repeat(100_000)}` }), reason: 'malformed' },
  ];
}

/**
 * The benches' out-of-band change and its event: the service's integration switched from
 * `overwrite:` to `append:` of the header, then its CloudTrail event put on the hint queue.
 * Resolves with the milliseconds from the message on the queue to the integration read back
 * repaired (every `everyMs`), within `seconds`.
 */
export async function breakIntegrationAndTimeRepair(
  clients: { apigw: ApiGatewayV2Client; sqs: SQSClient },
  queueUrl: string,
  target: { apiId: string; service: string; header: string },
  opts: { seconds: number; everyMs: number },
): Promise<number> {
  const { apigw, sqs } = clients;
  const { apiId, service, header } = target;
  const integration = (await apigw.send(new GetIntegrationsCommand({ ApiId: apiId }))).Items![0]!;
  await apigw.send(
    new UpdateIntegrationCommand({
      ApiId: apiId,
      IntegrationId: integration.IntegrationId!,
      RequestParameters: { [`overwrite:header.${header}`]: '', [`append:header.${header}`]: service },
    }),
  );
  const sentAt = Date.now();
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: cloudTrailEvent('apigateway.amazonaws.com', 'UpdateIntegration', { apiId, integrationId: integration.IntegrationId! }) }));
  return waitFor(
    'the repair',
    opts.seconds,
    async () => {
      const p = (await apigw.send(new GetIntegrationsCommand({ ApiId: apiId }))).Items![0]!.RequestParameters ?? {};
      return p[`overwrite:header.${header}`] === service && !p[`append:header.${header}`] ? Date.now() - sentAt : undefined;
    },
    opts.everyMs,
  );
}
