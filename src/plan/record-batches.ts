import { recordGroup } from '../model/dns.ts';
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

/** A record set's identity within a zone: Route 53 refuses a batch naming one twice (InvalidChangeBatch). */
export function recordSetKey(c: RecordChange): string {
  return `${c.record.name}\u0000${c.record.type}\u0000${c.record.setIdentifier ?? ''}`;
}

/**
 * Split one zone's changes into batches within the limits, keeping order, each record with
 * its registry entry (recordGroup), and one change per record set in a batch: an identical
 * change asked twice (two certificates of one name share a validation CNAME) is sent once.
 */
export function splitIntoBatches(changes: readonly RecordChange[], limits = ROUTE53_BATCH_LIMITS): RecordChange[][] {
  const seen = new Set<string>();
  const groups = new Map<string, RecordChange[]>();
  for (const c of changes) {
    const key = recordSetKey(c);
    if (seen.has(key)) continue;
    seen.add(key);
    const g = recordGroup(c.record.name);
    groups.set(g, [...(groups.get(g) ?? []), c]);
  }
  const batches: RecordChange[][] = [];
  let current: RecordChange[] = [];
  let records = 0;
  let characters = 0;
  for (const group of groups.values()) {
    const w = group.map(changeWeight).reduce((a, b) => ({ records: a.records + b.records, characters: a.characters + b.characters }));
    if (w.records > limits.records || w.characters > limits.characters) {
      throw new Error(`the changes to ${group[0]!.record.name} exceed Route 53's batch limits on their own`);
    }
    if (current.length > 0 && (records + w.records > limits.records || characters + w.characters > limits.characters)) {
      batches.push(current);
      current = [];
      records = 0;
      characters = 0;
    }
    current.push(...group);
    records += w.records;
    characters += w.characters;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
