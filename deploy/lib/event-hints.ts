// The event-hint path (issue #10): an encrypted, TLS-only SQS queue with a dead-letter
// queue, fed by EventBridge rules matching "AWS API Call via CloudTrail" events for API
// Gateway, Elastic Load Balancing and ACM in the platform's Region, and Route 53, whose
// events are delivered in us-east-1 only (a rule there forwards them to this Region's
// default bus: see EventHintsForwarderStack). The queue's policy admits only these rules.
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { EventBus, Rule, type IRule } from 'aws-cdk-lib/aws-events';
import { EventBus as EventBusTarget, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The CloudTrail event sources routeyard maps to resources (src/hints/cloudtrail-event.ts). */
export const REGIONAL_SOURCES = ['apigateway.amazonaws.com', 'elasticloadbalancing.amazonaws.com', 'acm.amazonaws.com'];
export const ROUTE53_SOURCE = 'route53.amazonaws.com';

const pattern = (sources: string[]) => ({
  detailType: ['AWS API Call via CloudTrail'],
  source: sources.map((s) => `aws.${s.split('.')[0]}`),
  detail: { eventSource: sources },
});

export class EventHints extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly rules: IRule[];

  constructor(scope: Construct, id: string, key: IKey) {
    super(scope, id);
    // The stack's customer managed key; EventBridge may use it to write (SQS developer guide,
    // "Key management": an EventBridge source needs kms:GenerateDataKey and kms:Decrypt).
    key.grant(new ServicePrincipal('events.amazonaws.com'), 'kms:GenerateDataKey', 'kms:Decrypt');
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      // Hints are only useful while fresh; the rolling checks catch up on anything older.
      retentionPeriod: Duration.hours(1),
      visibilityTimeout: Duration.seconds(30),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    const target = new SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 3 });
    const regional = new Rule(this, 'RegionalApiCalls', {
      description: 'routeyard hints: API Gateway, Elastic Load Balancing and ACM API calls in this Region',
      eventPattern: pattern(REGIONAL_SOURCES),
      targets: [target],
    });
    // Route 53 events reach this Region's default bus from the us-east-1 forwarder.
    const route53 = new Rule(this, 'Route53ApiCalls', {
      description: 'routeyard hints: Route 53 API calls (forwarded from us-east-1)',
      eventPattern: pattern([ROUTE53_SOURCE]),
      targets: [target],
    });
    this.rules = [regional, route53];
    // CDK grants EventBridge SendMessage on a KMS-encrypted queue without naming the rules;
    // this Deny admits EventBridge only for these two rules.
    this.queue.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OnlyRouteyardRules',
        effect: Effect.DENY,
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: { ArnNotEquals: { 'aws:SourceArn': this.rules.map((r) => r.ruleArn) } },
      }),
    );
  }
}

export interface EventHintsForwarderStackProps extends StackProps {
  /** The platform's Region, whose default event bus receives the Route 53 events. */
  platformRegion: string;
}

/** us-east-1: Route 53's CloudTrail events are delivered only there; forward them to the platform Region. */
export class EventHintsForwarderStack extends Stack {
  constructor(scope: Construct, id: string, props: EventHintsForwarderStackProps) {
    super(scope, id, props);
    const bus = EventBus.fromEventBusArn(this, 'PlatformBus', `arn:${this.partition}:events:${props.platformRegion}:${this.account}:event-bus/default`);
    new Rule(this, 'Route53ApiCalls', {
      description: `routeyard hints: Route 53 API calls, forwarded to ${props.platformRegion}`,
      eventPattern: pattern([ROUTE53_SOURCE]),
      targets: [new EventBusTarget(bus)],
    });
  }
}
