import { isThrottle } from './throttling.ts';

/**
 * Creates AWS does not make idempotent: no client token, so sending one twice makes two
 * resources (CreateApi, CreateIntegration, CreateRoute, CreateRule) or fails the second time
 * while the first succeeded (CreateStage, CreateDomainName, CreateApiMapping, a Route 53
 * CREATE). When such a call's answer is lost (a reset, a timeout, a 5xx: AWS may have done
 * the write), the SDK must not send it again; the adapter re-reads and carries on from what
 * exists. Idempotent creates keep the SDK's retries: CreateTargetGroup with the same settings
 * returns the existing group, ACM RequestCertificate carries an IdempotencyToken.
 * (API references of each operation; the SDK's retry classification is in
 * @smithy/core retry/service-error-classification.)
 */
export const CREATES_WITHOUT_IDEMPOTENCY = new Set([
  'APIGateway.CreateApi',
  'APIGateway.CreateIntegration',
  'APIGateway.CreateRoute',
  'APIGateway.CreateStage',
  'APIGateway.CreateDomainName',
  'APIGateway.CreateApiMapping',
  'ELBv2.CreateRule',
  // One batch may hold CREATE changes (routeyard's records are CREATEd when new).
  'Route53.ChangeResourceRecordSets',
]);

/** Node's socket errors after which the request may have reached AWS (ECONNREFUSED: it did not). */
const MAYBE_SENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE']);
const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

/**
 * Whether an error leaves a write's outcome unknown: a transport error after the request may
 * have been sent, a timeout, or a 5xx. A throttle or any other 4xx is AWS saying the write did
 * not happen.
 */
export function outcomeUnknown(err: unknown): boolean {
  if (!err || typeof err !== 'object' || isThrottle(err)) return false;
  const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500;
  return TIMEOUT_NAMES.has(e.name ?? '') || MAYBE_SENT_CODES.has(e.code ?? '') || /socket hang up/i.test((err as Error).message ?? '');
}

/**
 * A create whose answer was lost. Its name is none the SDK retries (not a throttle, not
 * transient, no HTTP status, no `cause` for the classifier to follow), so the retry
 * middleware gives it straight back.
 */
export class OutcomeUnknownError extends Error {
  readonly operation: string;
  readonly original: unknown;

  constructor(operation: string, original: unknown, detail = 'the answer was lost; not sent again') {
    const why = original instanceof Error ? `${original.name}: ${original.message}` : String(original);
    super(`${operation}: ${detail} (${why.slice(0, 200)})`);
    this.name = 'OutcomeUnknown';
    this.operation = operation;
    this.original = original;
  }
}

/**
 * Make a non-idempotent create once. If its outcome is unknown, look for what it would have
 * made (by tag, name or key) and return that; if nothing is there, fail without sending the
 * create again: the next pass re-reads and creates it if it is still missing (AWS's reads can
 * lag a write by a moment, so "not found" now is not proof that the write did not happen).
 */
export async function createOnce<T>(operation: string, create: () => Promise<T>, findExisting: () => Promise<T | undefined>): Promise<T> {
  try {
    return await create();
  } catch (err) {
    if (!(err instanceof OutcomeUnknownError)) throw err;
    let found: T | undefined;
    try {
      found = await findExisting();
    } catch (readErr) {
      throw new OutcomeUnknownError(operation, err.original, `the answer was lost and the re-read failed (${readErr instanceof Error ? readErr.message.slice(0, 200) : String(readErr)}); not sent again, the next pass re-reads`);
    }
    if (found !== undefined) return found;
    throw new OutcomeUnknownError(operation, err.original, 'the answer was lost and a re-read found nothing yet; not sent again, the next pass re-reads');
  }
}
