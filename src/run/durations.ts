import ms from 'ms';
import { RouteyardError } from '../errors.ts';

/**
 * The longest delay a Node.js timer holds: setTimeout and setInterval take a 32-bit signed
 * count of milliseconds, and anything above it (or a non-number) becomes 1 ms, with a
 * TimeoutOverflowWarning. `--interval 30d` would so run a pass every millisecond.
 */
export const TIMER_MAX_MS = 2 ** 31 - 1; // about 24.8 days

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The largest value each duration flag takes, and why. All are far below TIMER_MAX_MS; a
 * value above its maximum is a usage error (exit 1), never silently clamped.
 */
export const DURATION_MAXIMA: Readonly<Record<string, { maxMs: number; why: string }>> = {
  '--interval': { maxMs: DAY, why: 'a full pass is the backstop that finds drift no event announced; at least one a day' },
  '--source-poll': { maxMs: HOUR, why: 'a document change should apply within the hour' },
  '--verify-within': { maxMs: DAY, why: 'every API deep-verified at least once a day' },
  '--notify-repeat': { maxMs: 7 * DAY, why: 'an open problem is announced again at least once a week' },
  '--domain-pace': { maxMs: HOUR, why: 'AWS needs 30 s between domain calls; more only delays domains' },
  '--wait': { maxMs: DAY, why: 'a one-shot run should end within a day' },
  '--lease-duration': { maxMs: HOUR, why: 'a copy that dies holding the lease blocks every other copy that long' },
  '--lease-renew': { maxMs: HOUR / 2, why: 'at most half of the longest lease' },
  '--lease-wait': { maxMs: HOUR, why: 'a one-shot run should not wait for the lease longer than a lease can last' },
  '--request-timeout': { maxMs: 5 * 60_000, why: 'no AWS management call needs minutes to answer; a longer wait only hides a hung call' },
  '--pass-timeout': { maxMs: HOUR, why: 'a pass that has not finished in an hour is stuck, and /healthz waits this long before saying so' },
};

/** For a duration flag without an entry above. */
export const DEFAULT_DURATION_MAX_MS = DAY;

/** The largest value a duration flag takes. */
export function maxDurationMs(flag: string): number {
  return Math.min(DURATION_MAXIMA[flag]?.maxMs ?? DEFAULT_DURATION_MAX_MS, TIMER_MAX_MS);
}

/**
 * `valueMs`, parsed from `raw` for `flag`, if the flag takes it; otherwise a UsageError
 * that says the maximum and why. Call it on every parsed duration flag.
 */
export function capDuration(flag: string, raw: string, valueMs: number): number {
  const max = maxDurationMs(flag);
  if (valueMs > max) {
    const why = DURATION_MAXIMA[flag]?.why;
    throw new RouteyardError('UsageError', `${flag} must be at most ${ms(max)}${why ? ` (${why})` : ''}, not ${JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw)}`, {
      fault: 'user',
    });
  }
  return valueMs;
}
