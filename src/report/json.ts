import type { Report } from '../plan/report.ts';
import { secretValues } from '../secrets.ts';

/**
 * The report contract as JSON: what `--output json` prints and the drift endpoint serves.
 * Values resolved from SecureString parameters are scrubbed.
 */
export function renderJson(r: Report): string {
  return JSON.stringify(secretValues.redactDeep(r), null, 2) + '\n';
}
