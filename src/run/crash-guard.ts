import { describeError } from '../errors.ts';
import type { Logger } from '../log.ts';

/**
 * A background task (a hint poll, a notification, a lease renewal) that rejects unexpectedly
 * must not end the controller: Node's default for an unhandled rejection is to exit. It is
 * logged (a bounded excerpt, never a whole value) and the process carries on; passes are
 * bounded by their deadline and /healthz reports a copy that stops making progress.
 */
export function guardBackgroundRejections(log: Logger): void {
  process.on('unhandledRejection', (reason) => {
    log.error({ err: describeError(reason).slice(0, 500) }, 'unexpected rejection in a background task: logged, the process carries on');
  });
}
