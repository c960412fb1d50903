import type { Report } from '../plan/report.ts';

/** The report contract as JSON: what `--output json` prints and the drift endpoint serves. */
export function renderJson(r: Report): string {
  return JSON.stringify(r, null, 2) + '\n';
}
