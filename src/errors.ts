/**
 * The one error type. Every failure routeyard reports carries a stable `code` (what a
 * pipeline or a person can match on), a message that says what to do, who is at fault,
 * and the original cause. The CLI maps codes to exit codes (run/exit-codes.ts).
 */
export type ErrorCode =
  | 'InvalidDesiredState' // the document fails schema or semantic checks
  | 'UnresolvedReference' // an ssm: reference in the document names no parameter
  | 'SourceUnreadable' // the document could not be fetched (missing file, access denied, ...)
  | 'ObserveFailed' // live state could not be read; nothing is planned from a partial view
  | 'ApplyFailed' // an AWS mutation failed
  | 'SafetyGuard' // the pass was refused by a safety guard
  | 'LeaseUnavailable' // --reconcile-once could not get the leader lease in time: another copy holds it (exit 5)
  | 'LeaseFailed' // the lease table could not be read or written (unreachable, missing, denied): exit 1
  | 'LeaseLost' // the lease was lost mid-pass: writing stopped
  | 'ShuttingDown' // SIGTERM/SIGINT: no new writes are started
  | 'WaitTimedOut' // --reconcile-once --wait ran out with work still pending (exit 6)
  | 'PassTimedOut' // the pass ran past its deadline (--pass-timeout) and was abandoned
  | 'UsageError' // bad command line
  | 'Internal'; // a bug in routeyard: please report it

export type Fault = 'user' | 'aws' | 'tool';

export interface FieldError {
  /** JSON path into the desired document, e.g. `spec.services[2].priority`. */
  path: string;
  message: string;
}

export class RouteyardError extends Error {
  readonly code: ErrorCode;
  readonly fault: Fault;
  readonly fieldErrors: FieldError[];

  constructor(
    code: ErrorCode,
    message: string,
    opts: { fault?: Fault; cause?: unknown; fieldErrors?: FieldError[] } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'RouteyardError';
    this.code = code;
    this.fault = opts.fault ?? 'tool';
    this.fieldErrors = opts.fieldErrors ?? [];
  }
}

/**
 * Who can fix an AWS error: a permission the task role lacks is the user's to grant (a
 * restart would not help); anything else (a timeout, a throttle, a 5xx) is AWS's.
 */
export function faultOfAwsError(err: unknown): Fault {
  const name = (err as { name?: string } | undefined)?.name ?? '';
  return /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|UnrecognizedClientException|InvalidClientTokenId)$/.test(name) ? 'user' : 'aws';
}

/** A short, human-readable description of an AWS SDK or other error, for reports and logs. */
export function describeError(err: unknown): string {
  if (err instanceof RouteyardError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) {
    const name = err.name && err.name !== 'Error' ? `${err.name}: ` : '';
    return `${name}${err.message}`;
  }
  return String(err);
}
