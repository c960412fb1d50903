import ms from 'ms';
import { describe, expect, it } from 'vitest';
import { RouteyardError } from '../errors.ts';
import { capDuration, DEFAULT_DURATION_MAX_MS, DURATION_MAXIMA, maxDurationMs, TIMER_MAX_MS } from './durations.ts';
import { USAGE } from './cli.ts';

function usageError(f: () => unknown): RouteyardError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(RouteyardError);
    expect((err as RouteyardError).code).toBe('UsageError');
    return err as RouteyardError;
  }
  throw new Error('expected a usage error');
}

describe('duration caps', () => {
  it('--interval 30d is a usage error that says the maximum; a day is accepted', () => {
    expect(usageError(() => capDuration('--interval', '30d', ms('30d'))).message).toBe(
      '--interval must be at most 1d (a full pass is the backstop that finds drift no event announced; at least one a day), not "30d"',
    );
    expect(capDuration('--interval', '24h', ms('24h'))).toBe(86_400_000);
    expect(capDuration('--interval', '60s', 60_000)).toBe(60_000);
  });

  it('every maximum fits in a timer (2^31-1 ms), so no flag can overflow setTimeout', () => {
    expect(TIMER_MAX_MS).toBe(2_147_483_647);
    for (const flag of Object.keys(DURATION_MAXIMA)) expect(maxDurationMs(flag), flag).toBeLessThanOrEqual(TIMER_MAX_MS);
    expect(DEFAULT_DURATION_MAX_MS).toBeLessThanOrEqual(TIMER_MAX_MS);
    // Beyond 2^31-1 ms Node fires at once: the overflow the caps prevent.
    const overflow = ms('25d');
    expect(overflow).toBeGreaterThan(TIMER_MAX_MS);
    usageError(() => capDuration('--notify-repeat', '25d', overflow));
    usageError(() => capDuration('--some-future-flag', '25d', overflow));
  });

  it('caps each duration flag the CLI documents', () => {
    const documented = [...USAGE.matchAll(/^\s+(--[a-z-]+) DURATION/gm)].map((m) => m[1]!);
    expect(documented.sort()).toEqual(Object.keys(DURATION_MAXIMA).sort());
    for (const flag of documented) {
      const max = maxDurationMs(flag);
      expect(capDuration(flag, 'max', max)).toBe(max);
      usageError(() => capDuration(flag, 'max+1', max + 1));
    }
  });

  it('a huge value is refused and quoted only in part', () => {
    const raw = `${'9'.repeat(90)}d`; // ms parses up to 100 characters
    const err = usageError(() => capDuration('--wait', raw, ms(raw as ms.StringValue)));
    expect(err.message.length).toBeLessThan(200);
  });
});
