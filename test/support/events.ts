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
