import {
  ChangeResourceRecordSetsCommand,
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  type Change,
  type ResourceRecordSet,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import type { ObservedRecord, ObservedZone } from '../../model/observed.ts';
import type { RecordChange } from '../../plan/types.ts';
import { recordGroup } from '../../model/dns.ts';
import { OutcomeUnknownError } from '../lost-answers.ts';

/** ListResourceRecordSets returns at most 300 record sets a page. */
const RECORDS_PAGE = 300;

/**
 * A hosted zone by name or id, and all its record sets, paged: one read of each zone per
 * pass, no per-record reads. With a name, the zone of the wanted kind (public or private)
 * is picked, since a public and a private zone may share a name.
 */
export async function observeZone(r53: Route53Client, ref: string, wantPrivate: boolean): Promise<ObservedZone> {
  let id: string;
  let name: string;
  let isPrivate: boolean;
  if (/^(\/hostedzone\/)?Z[A-Z0-9]+$/.test(ref)) {
    const z = (await r53.send(new GetHostedZoneCommand({ Id: ref.replace(/^\/hostedzone\//, '') }))).HostedZone!;
    id = z.Id!.replace(/^\/hostedzone\//, '');
    name = dns(z.Name!);
    isPrivate = z.Config?.PrivateZone ?? false;
    // A zone named by id must be the kind it is used as: never an internal ALB name in a
    // public zone, nor a public alias in a private one.
    if (isPrivate !== wantPrivate) {
      throw new Error(`hosted zone ${id} (${name}) is ${isPrivate ? 'private' : 'public'}, but it is used as a ${wantPrivate ? 'private zone (spec.shared.privateHostedZone)' : 'public zone (domain.hostedZone)'}`);
    }
  } else {
    const page = await r53.send(new ListHostedZonesByNameCommand({ DNSName: ref, MaxItems: 100 }));
    const match = (page.HostedZones ?? []).filter((z) => dns(z.Name ?? '') === ref && (z.Config?.PrivateZone ?? false) === wantPrivate);
    if (match.length === 0) throw new Error(`no ${wantPrivate ? 'private' : 'public'} hosted zone named ${ref}`);
    if (match.length > 1) throw new Error(`${match.length} ${wantPrivate ? 'private' : 'public'} hosted zones are named ${ref}: give the zone id instead`);
    id = match[0]!.Id!.replace(/^\/hostedzone\//, '');
    name = ref;
    isPrivate = wantPrivate;
  }
  const records: ObservedRecord[] = [];
  let start: { StartRecordName?: string; StartRecordType?: string; StartRecordIdentifier?: string } = {};
  for (;;) {
    const page = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: id, MaxItems: RECORDS_PAGE, ...(start as Record<string, never>) }));
    for (const r of page.ResourceRecordSets ?? []) records.push(toObserved(r));
    if (!page.IsTruncated) break;
    start = {
      StartRecordName: page.NextRecordName!,
      ...(page.NextRecordType ? { StartRecordType: page.NextRecordType } : {}),
      ...(page.NextRecordIdentifier ? { StartRecordIdentifier: page.NextRecordIdentifier } : {}),
    };
  }
  return { id, name, private: isPrivate, records };
}

export class Route53Applier {
  private readonly r53: Route53Client;

  constructor(r53: Route53Client) {
    this.r53 = r53;
  }

  /**
   * One ChangeResourceRecordSets call for a batch (the planner splits batches at AWS's
   * limits). If AWS rejects the batch, its changes are retried one name at a time, so one
   * bad record does not hold back the rest; the result says which names failed and why.
   */
  async applyBatch(zoneId: string, changes: RecordChange[]): Promise<Map<string, string | undefined>> {
    const results = new Map<string, string | undefined>();
    try {
      await this.send(zoneId, changes);
      for (const c of changes) results.set(c.record.name, undefined);
      return results;
    } catch (err) {
      // The answer was lost: the batch is not sent again (its CREATEs would fail, or worse);
      // each change is checked against what the zone holds now.
      if (err instanceof OutcomeUnknownError) return this.verifyAfterLostAnswer(zoneId, changes, err);
      // Only a rejected batch is worth splitting; a single change, or another error, fails as it is.
      if (changes.length === 1 || !isBatchRejection(err)) {
        for (const c of changes) results.set(c.record.name, describe(err));
        return results;
      }
    }
    // Retried a record at a time, each with its registry entry (one batch: both or neither).
    const groups = new Map<string, RecordChange[]>();
    for (const c of changes) groups.set(recordGroup(c.record.name), [...(groups.get(recordGroup(c.record.name)) ?? []), c]);
    for (const group of groups.values()) {
      let error: string | undefined;
      try {
        await this.send(zoneId, group);
      } catch (err) {
        error = describe(err);
      }
      for (const c of group) results.set(c.record.name, error);
    }
    return results;
  }

  /** A change is done when the zone holds exactly its record (CREATE, UPSERT) or no longer holds it (DELETE). */
  private async verifyAfterLostAnswer(zoneId: string, changes: RecordChange[], lost: OutcomeUnknownError): Promise<Map<string, string | undefined>> {
    const results = new Map<string, string | undefined>();
    for (const c of changes) {
      let live: ObservedRecord | undefined;
      try {
        const page = await this.r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: c.record.name, StartRecordType: c.record.type as ResourceRecordSet['Type'], MaxItems: 1 }));
        live = (page.ResourceRecordSets ?? []).map(toObserved).find((r) => r.name === c.record.name && r.type === c.record.type && !r.setIdentifier);
      } catch (err) {
        results.set(c.record.name, `${lost.message}; re-reading ${c.record.name} failed: ${describe(err)}`);
        continue;
      }
      const done = c.action === 'DELETE' ? !live : !!live && sameRecordSet(live, c.record);
      if (!results.get(c.record.name)) results.set(c.record.name, done ? undefined : `${lost.message}; ${c.record.name} ${c.record.type} is not as written yet: the next pass re-reads`);
    }
    return results;
  }

  private async send(zoneId: string, changes: RecordChange[]): Promise<void> {
    await this.r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes.map(toChange), Comment: 'routeyard' } }));
  }
}

function sameRecordSet(live: ObservedRecord, want: RecordChange['record']): boolean {
  if (want.alias) return !!live.alias && live.alias.dnsName === dns(want.alias.dnsName) && live.alias.hostedZoneId === want.alias.hostedZoneId;
  const norm = (xs: readonly string[]) => xs.map((x) => x.toLowerCase().replace(/\.$/, '')).sort().join('\n');
  return !live.alias && norm(live.values) === norm(want.values);
}

function isBatchRejection(err: unknown): boolean {
  const name = (err as Error).name;
  return name === 'InvalidChangeBatch' || name === 'InvalidInput';
}

/** The error, with every reason a rejected batch carries (InvalidChangeBatch `messages`). */
function describe(err: unknown): string {
  const e = err as Error & { messages?: unknown };
  const reasons = Array.isArray(e.messages) ? e.messages.filter((m): m is string => typeof m === 'string' && m !== e.message) : [];
  return `${e.name}: ${[e.message, ...reasons].filter(Boolean).join('; ')}`.slice(0, 2000);
}

function toChange(c: RecordChange): Change {
  const r = c.record;
  const set: ResourceRecordSet = {
    Name: r.name,
    Type: r.type as ResourceRecordSet['Type'],
    ...(r.alias
      ? { AliasTarget: { DNSName: r.alias.dnsName, HostedZoneId: r.alias.hostedZoneId, EvaluateTargetHealth: r.alias.evaluateTargetHealth } }
      : { TTL: r.ttl ?? 300, ResourceRecords: r.values.map((Value) => ({ Value })) }),
    ...(r.setIdentifier ? { SetIdentifier: r.setIdentifier } : {}),
  };
  return { Action: c.action, ResourceRecordSet: set };
}

function toObserved(r: ResourceRecordSet): ObservedRecord {
  return {
    name: dns(r.Name ?? ''),
    type: r.Type ?? '',
    ...(r.TTL !== undefined ? { ttl: r.TTL } : {}),
    values: (r.ResourceRecords ?? []).map((v) => v.Value ?? ''),
    ...(r.AliasTarget
      ? { alias: { dnsName: dns(r.AliasTarget.DNSName ?? ''), hostedZoneId: r.AliasTarget.HostedZoneId ?? '', evaluateTargetHealth: r.AliasTarget.EvaluateTargetHealth ?? false } }
      : {}),
    ...(r.SetIdentifier ? { setIdentifier: r.SetIdentifier } : {}),
  };
}

/** Route 53 names: lowercase, no trailing dot; `\052` is how it escapes `*`. */
function dns(n: string): string {
  return n.toLowerCase().replace(/\.$/, '').replace(/\\052/g, '*');
}
