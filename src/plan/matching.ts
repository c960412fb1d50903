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
 * Whether a rule's `RegexValues` entry can match `value`. How AWS anchors and cases these
 * expressions is not documented, so the test is the widest reading: a case-insensitive
 * search anywhere in the value, with RE2 semantics (linear time, no backreferences or
 * lookaround). An expression RE2 cannot compile is `unknown`, never a silent match or miss.
 */
export function regexCanMatch(pattern: string, value: string): RegexVerdict {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
  } catch (err) {
    return { unknown: ((err as Error).message ?? String(err)).slice(0, 120) };
  }
  return { matches: re.test(value) };
}
