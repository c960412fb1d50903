import type { RecordChange } from './types.ts';

/**
 * Route 53's limits for one ChangeResourceRecordSets call ("DNS limitations"): at most
 * 1,000 ResourceRecord elements and 32,000 characters of record values, where an UPSERT
 * counts twice (it is a delete and a create). An alias record counts as one element with
 * no values.
 */
export const ROUTE53_BATCH_LIMITS = { records: 1000, characters: 32_000 };

export function changeWeight(c: RecordChange): { records: number; characters: number } {
  const times = c.action === 'UPSERT' ? 2 : 1;
  const records = c.record.alias ? 1 : Math.max(1, c.record.values.length);
  const characters = c.record.values.reduce((n, v) => n + v.length, 0);
  return { records: records * times, characters: characters * times };
}

/**
 * Split one zone's changes into batches within the limits, keeping order and keeping every
 * change for one name in the same batch where it fits (a record and its registry entry are
 * different names, so they may land in different batches; each is still applied).
 */
export function splitIntoBatches(changes: readonly RecordChange[], limits = ROUTE53_BATCH_LIMITS): RecordChange[][] {
  const batches: RecordChange[][] = [];
  let current: RecordChange[] = [];
  let records = 0;
  let characters = 0;
  for (const c of changes) {
    const w = changeWeight(c);
    if (w.records > limits.records || w.characters > limits.characters) {
      throw new Error(`one change to ${c.record.name} (${c.record.type}) exceeds Route 53's batch limits on its own`);
    }
    if (current.length > 0 && (records + w.records > limits.records || characters + w.characters > limits.characters)) {
      batches.push(current);
      current = [];
      records = 0;
      characters = 0;
    }
    current.push(c);
    records += w.records;
    characters += w.characters;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
