import { OWNER_TAG, SERVICE_TAG } from './tags.ts';

/**
 * DNS rules routeyard applies to certificates and records.
 */

/**
 * Whether a certificate with these names covers `name`. A wildcard covers exactly one
 * label: `*.api.py.acmecorp.com` covers `qa.api.py.acmecorp.com` but neither
 * `api.py.acmecorp.com` nor `a.b.api.py.acmecorp.com` (RFC 6125; ACM certificates follow it).
 */
export function certificateCovers(certNames: readonly string[], name: string): boolean {
  const n = name.toLowerCase();
  return certNames.some((c) => {
    const cert = c.toLowerCase();
    if (cert === n) return true;
    if (!cert.startsWith('*.')) return false;
    const dot = n.indexOf('.');
    return dot > 0 && n.slice(dot + 1) === cert.slice(2);
  });
}

/** ACM's limit on a certificate's common name (botocore ACM model, RequestCertificateRequest.DomainName: max 64). */
export const ACM_COMMON_NAME_MAX = 64;

/**
 * The names to request a certificate for `name` with. ACM refuses a common name (DomainName)
 * over 64 octets; a longer name (up to 253) may be a subject alternative name. The only
 * shorter name that covers it is the wildcard of its parent (`*.parent`, one label), which
 * becomes the common name. Undefined when even that is too long.
 */
export function certificateRequestNames(name: string): { domainName: string; subjectAlternativeNames?: string[] } | undefined {
  if (name.length <= ACM_COMMON_NAME_MAX) return { domainName: name };
  const dot = name.indexOf('.');
  const wildcard = dot > 0 ? `*.${name.slice(dot + 1)}` : '';
  if (!wildcard || wildcard.length > ACM_COMMON_NAME_MAX || !name.slice(dot + 1).includes('.')) return undefined;
  return { domainName: wildcard, subjectAlternativeNames: [wildcard, name] };
}

/**
 * A private name may be relative, as CDK's `record_name` is: `gotenberg` in the zone
 * `internal.acmecorp.com` is `gotenberg.internal.acmecorp.com`. A name with a dot is
 * already full.
 */
export function qualifyName(name: string, zoneName: string | undefined): string {
  return name.includes('.') || !zoneName ? name : `${name}.${zoneName.toLowerCase().replace(/\.$/, '')}`;
}

/**
 * Route 53 records cannot be tagged, so ownership is a registry of TXT records, as
 * external-dns keeps one. The entry for a record of type T at NAME lives at
 * `_routeyard-t.NAME`: another name, so it coexists with A, AAAA and even CNAME records
 * at NAME (a CNAME allows no other record at its own name).
 */
export function registryName(recordName: string, type: string): string {
  return `_routeyard-${type.toLowerCase()}.${recordName}`;
}

/**
 * The name a change belongs to: a registry entry (`_routeyard-<type>.<name>`) belongs to
 * the record it claims. A record and its entry always travel in one change batch, so a
 * batch Route 53 refuses (a name someone else took meanwhile) never leaves routeyard
 * claiming a record it did not write, nor writes a record without its claim.
 */
export function recordGroup(name: string): string {
  return /^_routeyard-[a-z]+\.(.+)$/.exec(name)?.[1] ?? name;
}

/** The TXT value: who owns the record. Quoted, as Route 53 stores TXT strings. */
export function registryValue(owner: string, service: string): string {
  return `"heritage=routeyard,${OWNER_TAG}=${owner},${SERVICE_TAG}=${service}"`;
}

/** The owner and service a registry TXT value names, if it is routeyard's. */
export function parseRegistryValue(value: string): { owner: string; service: string } | undefined {
  const v = value.replace(/^"|"$/g, '');
  if (!v.startsWith('heritage=routeyard,')) return undefined;
  const fields = new Map(v.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const owner = fields.get(OWNER_TAG);
  const service = fields.get(SERVICE_TAG);
  return owner && service ? { owner, service } : undefined;
}
