import { ACMClient } from '@aws-sdk/client-acm';
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Client, FinalizeRequestMiddleware, MetadataBearer } from '@smithy/types';
import { route53RegionFor } from '../model/arns.ts';
import { CallCounter } from './call-counter.ts';
import { ApiScheduler, currentDeadline, currentPriority, currentSignal } from './api-scheduler.ts';
import { CREATES_WITHOUT_IDEMPOTENCY, OutcomeUnknownError, outcomeUnknown } from './lost-answers.ts';
import { isThrottle } from './throttling.ts';

export { isThrottle };

export interface ClientSettings {
  /** SDK retry mode; `standard` by default, `adaptive` adds the SDK's own client-side rate limiter. */
  retryMode?: 'standard' | 'adaptive';
  maxAttempts?: number;
  /** Client-side pacing of API Gateway management calls (requests per second). */
  apiGatewayRps?: number;
  apiGatewayBurst?: number;
  /** Client-side pacing of Route 53 calls: its API is account-wide and shared with every tool (default 5 rps). */
  route53Rps?: number;
  /** Least time between two CreateDomainName (or Update, or Delete) calls; AWS allows one per 30 s. */
  domainPaceMs?: number;
  /** Share of each paced service's rate background verification may use (default 0.2). */
  verifyBudget?: number;
  /** One attempt of one call may take this long, connection included (default 10 s). */
  requestTimeoutMs?: number;
  /** Establishing the TCP (and TLS) connection may take this long (default 3 s). */
  connectionTimeoutMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 3_000;
/** SQS long polls wait up to 20 s for a message before answering. */
const LONG_POLL_MS = 20_000;

export interface AwsClients {
  elbv2: ElasticLoadBalancingV2Client;
  apigateway: ApiGatewayV2Client;
  ssm: SSMClient;
  s3: S3Client;
  dynamodb: DynamoDBClient;
  acm: ACMClient;
  route53: Route53Client;
  /** The event-hint queue (--events-queue). */
  sqs: SQSClient;
  counter: CallCounter;
  /** One call budget per AWS service (this process serves one account and Region). */
  schedulers: Record<string, ApiScheduler>;
}

/**
 * The one place AWS SDK clients are made. Region, credentials and endpoint come from the
 * SDK's standard environment (AWS_REGION, the credential chain, AWS_ENDPOINT_URL[_<SERVICE>]),
 * so pointing routeyard at an emulator or a real account needs no flag of its own.
 * Every client gets the call-counting middleware; API Gateway also gets the pacing one.
 */
export function createAwsClients(settings: ClientSettings = {}, counter = new CallCounter()): AwsClients {
  // Unset here means the SDK's own resolution: AWS_RETRY_MODE / AWS_MAX_ATTEMPTS, else standard and 3.
  // Every attempt is bounded: an endpoint that accepts a connection and never answers ends in a
  // TimeoutError (which the SDK retries, up to maxAttempts), never in a call that hangs for ever.
  const requestTimeout = settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const timeouts = (extraMs = 0) => ({
    requestHandler: { requestTimeout: requestTimeout + extraMs, connectionTimeout: settings.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS, throwOnRequestTimeout: true },
  });
  const common = {
    ...(settings.retryMode ? { retryMode: settings.retryMode } : {}),
    ...(settings.maxAttempts ? { maxAttempts: settings.maxAttempts } : {}),
    ...timeouts(),
  };
  const elbv2 = new ElasticLoadBalancingV2Client(common);
  const apigateway = new ApiGatewayV2Client(common);
  const ssm = new SSMClient(common);
  // An S3-compatible endpoint override (an emulator) wants path-style bucket addressing.
  const customS3Endpoint = Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
  const s3 = new S3Client({ ...common, forcePathStyle: customS3Endpoint });

  // API Gateway (10 rps per account for management calls) and Route 53 (5 rps per account)
  // are paced, and ACM per operation (below); the other services publish no account-wide pace:
  // their calls go at once.
  const backgroundShare = settings.verifyBudget ?? 0.2;
  const schedulers: Record<string, ApiScheduler> = {
    APIGateway: new ApiScheduler({ ratePerSecond: settings.apiGatewayRps ?? 10, burst: settings.apiGatewayBurst ?? 10, backgroundShare }),
    Route53: new ApiScheduler({ ratePerSecond: settings.route53Rps ?? 5, burst: settings.route53Rps ?? 5, backgroundShare }),
    // ACM's per-account request rates are low and per operation (ACM user guide, quotas):
    // DescribeCertificate and ListTagsForCertificate 10 per second, ListCertificates 1.
    ACM: new ApiScheduler({ ratePerSecond: 10, burst: 10, backgroundShare }),
    'ACM.ListCertificates': new ApiScheduler({ ratePerSecond: 1, burst: 1, backgroundShare }),
    // Parameter Store's default throughput (40 per second for GetParameter, GetParameters and
    // GetParametersByPath together, per account and Region) is shared with every application
    // that reads its configuration there: routeyard takes half at most.
    SSM: new ApiScheduler({ ratePerSecond: 20, burst: 20, backgroundShare }),
  };
  instrument(elbv2, 'ELBv2', counter);
  instrument(apigateway, 'APIGateway', counter, schedulers.APIGateway);
  instrument(ssm, 'SSM', counter, schedulers.SSM);
  const dynamodb = new DynamoDBClient(common);
  const acm = new ACMClient(common);
  // Route 53 is a global service: signed for its partition's Region whatever the platform's.
  const route53 = new Route53Client({ ...common, region: async () => route53RegionFor((await elbv2.config.region()) ?? 'us-east-1') });
  instrument(s3, 'S3', counter);
  instrument(dynamodb, 'DynamoDB', counter);
  instrument(acm, 'ACM', counter, (operation) => schedulers[`ACM.${operation}`] ?? schedulers.ACM);
  instrument(route53, 'Route53', counter, schedulers.Route53);
  // A long poll holds the request open for up to 20 s by design.
  const sqs = new SQSClient({ ...common, ...timeouts(LONG_POLL_MS) });
  instrument(sqs, 'SQS', counter);
  return { elbv2, apigateway, ssm, s3, dynamodb, acm, route53, sqs, counter, schedulers };
}

type AnyClient = Client<object, MetadataBearer, unknown>;

/**
 * Attach counting (once per operation) and per-attempt pacing and throttle counting.
 *
 * The attempt middleware sits in the finalizeRequest step after the SDK's retry middleware
 * and before its signing middleware, so each attempt (retries included) takes its token
 * first and is signed only once it has one. SigV4 signatures expire five minutes after
 * signing; a request signed and then queued behind hundreds of others (or a low
 * --apigw-rps) would reach AWS with an expired signature.
 */
type Pacer = Pick<ApiScheduler, 'acquire' | 'onThrottle'>;

/** `scheduler`: one for the service, or one per operation (ACM paces some operations more tightly). */
export function instrument(client: AnyClient, service: string, counter: CallCounter, schedulerOf?: Pacer | ((operation: string) => Pacer | undefined)): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = operationName(context);
      counter.recordCall(service, operation);
      try {
        const out = await next(args);
        counter.recordOutcome(service, operation, 'success');
        return out;
      } catch (err) {
        counter.recordOutcome(service, operation, 'error');
        throw err;
      }
    },
    { step: 'initialize', name: 'routeyardCallCounter', priority: 'high' },
  );
  // The handler context is shared by the attempts of one operation, which is how a retry is told apart.
  const attempted = new WeakSet<object>();
  const pacer: FinalizeRequestMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const operation = operationName(context);
    const scheduler = typeof schedulerOf === 'function' ? schedulerOf(operation) : schedulerOf;
    const deadline = currentDeadline();
    if (deadline?.aborted) throw new DeadlineExceeded(`${service}.${operation}`);
    // The call's priority (apply, check, background) comes from the async context of the pass.
    if (scheduler) {
      try {
        await scheduler.acquire(currentPriority(), currentSignal());
      } catch (err) {
        if (deadline?.aborted) throw new DeadlineExceeded(`${service}.${operation}`);
        throw err;
      }
    }
    if (attempted.has(context)) counter.recordRetry(service, operation);
    attempted.add(context);
    try {
      return await (deadline ? raceDeadline(next(args), deadline, `${service}.${operation}`) : next(args));
    } catch (err) {
      if (isThrottle(err)) {
        counter.recordThrottle(service, operation);
        // Halve this service's pace for a while: the retry, and every other caller, slow down.
        scheduler?.onThrottle();
      }
      // Inside the SDK's retry loop: an error of this class is one it does not retry.
      if (CREATES_WITHOUT_IDEMPOTENCY.has(`${service}.${operation}`) && outcomeUnknown(err)) {
        counter.recordLostAnswer(service, operation);
        throw new OutcomeUnknownError(`${service}.${operation}`, err);
      }
      throw err;
    }
  };
  client.middlewareStack.addRelativeTo(pacer, { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'routeyardAttemptPacer' });
}

function operationName(context: { commandName?: string }): string {
  return (context.commandName ?? 'Unknown').replace(/Command$/, '');
}

/**
 * The pass's deadline passed: the call is abandoned (a write may still land; the next pass
 * re-reads). Not a name the SDK retries.
 */
export class DeadlineExceeded extends Error {
  constructor(operation: string) {
    super(`${operation} abandoned: the pass deadline passed`);
    this.name = 'DeadlineExceeded';
  }
}

function raceDeadline<T>(call: Promise<T>, deadline: AbortSignal, operation: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DeadlineExceeded(operation));
    deadline.addEventListener('abort', onAbort, { once: true });
    call.then(
      (v) => {
        deadline.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        deadline.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
