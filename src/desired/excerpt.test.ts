import { describe, expect, it } from 'vitest';
import { excerpt, quoted } from './excerpt.ts';

describe('excerpt', () => {
  it('keeps a short value as it is', () => {
    expect(excerpt('https://app.acmecorp.com')).toBe('https://app.acmecorp.com');
    expect(quoted('a"b')).toBe('"a\\"b"');
  });

  it('cuts a long value to the limit and says how long it was', () => {
    expect(excerpt('x'.repeat(1000))).toBe(`${'x'.repeat(80)}… (1000 characters)`);
    expect(quoted('y'.repeat(50), 10)).toBe(`"${'y'.repeat(10)}…" (50 characters)`);
  });

  it('writes control characters as escapes, so a message stays on one line', () => {
    expect(excerpt('a\r\nb\tc\u0000d\u2028')).toBe('a\\r\\nb\\tc\\u0000d\\u2028');
  });
});
