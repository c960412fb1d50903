import { RE2JS } from 're2js';

/**
 * Matching values from the account (foreign listener rules) against a service's header
 * value. Both run in time linear in the input: a foreign rule is anyone's to write, and a
 * catastrophic pattern such as `^(.*){31}!$` (within ALB's 128 characters) would otherwise
 * block the event loop for minutes on every pass.
 */

/**
 * ALB header-condition matching: case-insensitive, `*` any run of characters, `?` exactly
 * one. Greedy with one backtrack point (the last `*`), so at most patterns x values steps,
 * never exponential.
 */
export function albValueMatches(pattern: string, value: string): boolean {
  const p = pattern.toLowerCase();
  const v = value.toLowerCase();
  let i = 0;
  let j = 0;
  let star = -1;
  let resume = 0;
  while (j < v.length) {
    if (i < p.length && (p[i] === '?' || p[i] === v[j])) {
      i++;
      j++;
    } else if (i < p.length && p[i] === '*') {
      star = i++;
      resume = j;
    } else if (star >= 0) {
      i = star + 1;
      j = ++resume;
    } else {
      return false;
    }
  }
  while (i < p.length && p[i] === '*') i++;
  return i === p.length;
}

export type RegexVerdict = { matches: boolean } | { unknown: string };

/**
 * Compiled expressions, kept across passes: compiling is what costs (tens of milliseconds for
 * an expression such as `(\pL|\pN){1000}`), matching is linear. Bounded: cleared when full.
 */
const compiled = new Map<string, RE2JS | { unknown: string }>();
const COMPILED_MAX = 2_000;

/** A counted repetition this large is refused before RE2 compiles it (its program grows with the count). */
const LARGE_REPEAT = /\{\s*(\d{3,})\s*(,\s*\d*\s*)?\}|\{\s*\d*\s*,\s*(\d{3,})\s*\}/;

function compile(pattern: string): RE2JS | { unknown: string } {
  const known = compiled.get(pattern);
  if (known) return known;
  let result: RE2JS | { unknown: string };
  if (pattern.length > 1024) result = { unknown: 'longer than any expression ALB accepts' };
  else if (LARGE_REPEAT.test(pattern)) result = { unknown: 'a repetition count of 100 or more, which routeyard does not compile' };
  else {
    try {
      result = RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
    } catch (err) {
      result = { unknown: ((err as Error).message ?? String(err)).slice(0, 120) };
    }
  }
  if (compiled.size >= COMPILED_MAX) compiled.clear();
  compiled.set(pattern, result);
  return result;
}

/**
 * Whether a rule's `RegexValues` entry can match `value`. How AWS anchors and cases these
 * expressions is not documented, so the test is the widest reading: a case-insensitive
 * search anywhere in the value, with RE2 semantics (linear time, no backreferences or
 * lookaround). An expression RE2 cannot compile, or one too costly to compile, is `unknown`,
 * never a silent match or miss.
 */
export function regexCanMatch(pattern: string, value: string): RegexVerdict {
  const re = compile(pattern);
  return re instanceof RE2JS ? { matches: re.test(value) } : re;
}
