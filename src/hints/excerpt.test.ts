import { describe, expect, it } from 'vitest';
import { describeValue, excerpt } from './excerpt.ts';

describe('excerpt: bounded text for logs and reasons', () => {
  it('keeps short text, cuts long text and says how much was cut', () => {
    expect(excerpt('abc')).toBe('abc');
    expect(excerpt('x'.repeat(1_000))).toBe(`${'x'.repeat(200)}…(+800 chars)`);
    expect(excerpt('abcdef', 3)).toBe('abc…(+3 chars)');
  });

  it('does not cut a surrogate pair in two', () => {
    const s = `${'a'.repeat(199)}\u{1F600}tail`;
    const e = excerpt(s);
    expect(e.startsWith('a'.repeat(199) + '…')).toBe(true);
    expect(e).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('describes values by type without walking into them', () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(describeValue(deep)).toBe('an array of 1');
    expect(describeValue({ a: 1 })).toBe('an object');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('(none)');
    expect(describeValue(3)).toBe('3');
    expect(describeValue('y'.repeat(500))).toBe(JSON.stringify(`${'y'.repeat(100)}…(+400 chars)`));
    expect(excerpt({ a: 1 })).toBe('an object');
  });
});
