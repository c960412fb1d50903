import type { Diff } from './types.ts';

/**
 * Comparison helpers: the one place comparison noise is normalized (ordering, case where
 * AWS ignores it, fields the document leaves to AWS) so it is never reported as drift.
 */

/** Compare only the fields the desired object declares; undeclared fields are AWS's to default. */
export function declaredFieldDiffs(prefix: string, desired: Record<string, unknown>, live: Record<string, unknown>): Diff[] {
  const diffs: Diff[] = [];
  for (const [key, want] of Object.entries(desired)) {
    if (want === undefined) continue;
    const have = live[key];
    if (!sameValue(want, have)) diffs.push({ path: `${prefix}.${key}`, desired: want, live: have ?? null });
  }
  return diffs;
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b) && a !== undefined && b !== undefined;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Order-insensitive list comparison, optionally case-insensitive. */
export function sameSet(a: readonly string[], b: readonly string[], caseInsensitive = false): boolean {
  const norm = (xs: readonly string[]) => [...new Set(xs.map((x) => (caseInsensitive ? x.toLowerCase() : x)))].sort();
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

/** Items of `live` not in `desired` (what makes a live list wider than declared). */
export function extraItems(desired: readonly string[], live: readonly string[], caseInsensitive = false): string[] {
  const want = new Set(desired.map((x) => (caseInsensitive ? x.toLowerCase() : x)));
  return live.filter((x) => !want.has(caseInsensitive ? x.toLowerCase() : x));
}
