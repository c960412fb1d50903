import { ListHostedZonesCommand, ListResourceRecordSetsCommand, type RRType, type ResourceRecordSet, type Route53Client } from '@aws-sdk/client-route-53';
import type { LiveRecord, LiveZone } from '../../import/snapshot.ts';

/** ListResourceRecordSets returns at most 300 record sets a page. */
const RECORDS_PAGE = 300;
/** Records looked up at one name: a name holds a handful of types. */
const AT_NAME_PAGE = 20;

export interface ZoneSummary {
  id: string;
  name: string;
  private: boolean;
  /** ResourceRecordSetCount, when Route 53 gives it. */
  recordCount?: number;
}

/** Every hosted zone of the account (ListHostedZones, 100 a page). Read-only. */
export async function listHostedZonesForImport(r53: Route53Client): Promise<ZoneSummary[]> {
  const zones: ZoneSummary[] = [];
  let marker: string | undefined;
  do {
    const page = await r53.send(new ListHostedZonesCommand({ MaxItems: 100, ...(marker ? { Marker: marker } : {}) }));
    for (const z of page.HostedZones ?? []) {
      if (!z.Id || !z.Name) continue;
      zones.push({ id: z.Id.replace(/^\/hostedzone\//, ''), name: dns(z.Name), private: z.Config?.PrivateZone ?? false, ...(z.ResourceRecordSetCount !== undefined ? { recordCount: z.ResourceRecordSetCount } : {}) });
    }
    marker = page.IsTruncated ? page.NextMarker : undefined;
  } while (marker);
  return zones;
}

/**
 * The records of a zone: all of them (paged, 300 a page), or, when `names` are given and
 * looking each up costs fewer calls than reading the zone (its record count says how many
 * pages that takes), only the records at those names. Read-only.
 */
export async function readZoneForImport(r53: Route53Client, zone: ZoneSummary, names?: readonly string[]): Promise<LiveZone> {
  const wanted = names ? [...new Set(names.map(dns))] : undefined;
  const pages = Math.max(1, Math.ceil((zone.recordCount ?? Number.MAX_SAFE_INTEGER) / RECORDS_PAGE));
  const records: LiveRecord[] = [];
  if (wanted && wanted.length < pages) {
    for (const name of wanted) records.push(...(await recordsAt(r53, zone.id, name)));
  } else {
    let start: { StartRecordName?: string; StartRecordType?: string; StartRecordIdentifier?: string } = {};
    for (;;) {
      const page = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone.id, MaxItems: RECORDS_PAGE, ...(start as Record<string, never>) }));
      for (const r of page.ResourceRecordSets ?? []) records.push(toRecord(r));
      if (!page.IsTruncated || !page.NextRecordName) break;
      start = {
        StartRecordName: page.NextRecordName,
        ...(page.NextRecordType ? { StartRecordType: page.NextRecordType } : {}),
        ...(page.NextRecordIdentifier ? { StartRecordIdentifier: page.NextRecordIdentifier } : {}),
      };
    }
  }
  return { id: zone.id, name: zone.name, private: zone.private, records: wanted ? records.filter((r) => wanted.includes(r.name)) : records };
}

async function recordsAt(r53: Route53Client, zoneId: string, name: string): Promise<LiveRecord[]> {
  const out: LiveRecord[] = [];
  let start: { StartRecordName: string; StartRecordType?: RRType; StartRecordIdentifier?: string } = { StartRecordName: name };
  for (;;) {
    const page = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, MaxItems: AT_NAME_PAGE, ...start }));
    const got = (page.ResourceRecordSets ?? []).map(toRecord);
    out.push(...got.filter((r) => r.name === name));
    // Records come in name order: once a page holds a later name, nothing more is at this one.
    if (!page.IsTruncated || !page.NextRecordName || dns(page.NextRecordName) !== name || got.some((r) => r.name !== name)) break;
    start = { StartRecordName: page.NextRecordName, ...(page.NextRecordType ? { StartRecordType: page.NextRecordType } : {}), ...(page.NextRecordIdentifier ? { StartRecordIdentifier: page.NextRecordIdentifier } : {}) };
  }
  return out;
}

function toRecord(r: ResourceRecordSet): LiveRecord {
  return {
    name: dns(r.Name ?? ''),
    type: r.Type ?? '',
    values: (r.ResourceRecords ?? []).map((v) => v.Value ?? ''),
    ...(r.AliasTarget ? { alias: { dnsName: dns(r.AliasTarget.DNSName ?? ''), hostedZoneId: r.AliasTarget.HostedZoneId ?? '' } } : {}),
    ...(r.SetIdentifier ? { setIdentifier: r.SetIdentifier } : {}),
  };
}

/** Route 53 names: lowercase, no trailing dot; `\052` is how it escapes `*`. */
function dns(n: string): string {
  return n.toLowerCase().replace(/\.$/, '').replace(/\\052/g, '*');
}
