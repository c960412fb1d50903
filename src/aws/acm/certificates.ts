import {
  DeleteCertificateCommand,
  DescribeCertificateCommand,
  ListTagsForCertificateCommand,
  RequestCertificateCommand,
  paginateListCertificates,
  type ACMClient,
  type CertificateSummary,
} from '@aws-sdk/client-acm';
import { randomUUID } from 'node:crypto';
import type { ObservedCertificate } from '../../model/observed.ts';
import { isOwnedBy, type Tags } from '../../model/tags.ts';

/** Every key type: ListCertificates lists only RSA_2048 (and RSA_1024) certificates unless told otherwise. */
const ALL_KEY_TYPES = ['RSA_1024', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_prime256v1', 'EC_secp384r1', 'EC_secp521r1'] as const;

/** Tags by certificate ARN, kept for the process: a certificate's ownership tags are set when it is requested. */
export type CertificateTagCache = Map<string, Tags>;

/**
 * The certificates the pass needs, each described (status, validation records, failure
 * reason, renewal) with its tags:
 * - those whose names could cover a wanted domain name (by the listing's names);
 * - those the document names by ARN (only in this account and Region: the caller never
 *   passes another's, which the task role could not read);
 * - every Amazon-issued certificate this RouteSet owns, found by its tags, so one whose
 *   domain is gone (API Gateway holds a deleted domain's certificate for minutes) is still
 *   seen and removed later. Tags are read once per certificate per process (`tagCache`).
 * One certificate that cannot be read is returned with `readError`: that service's Error,
 * not the pass's. ListCertificates pages; the calls are paced by the ACM scheduler.
 */
export async function observeCertificates(
  acm: ACMClient,
  wantedNames: readonly string[],
  arns: readonly string[],
  owner: string,
  covers: (cert: string[], name: string) => boolean,
  tagCache: CertificateTagCache = new Map(),
): Promise<ObservedCertificate[]> {
  const summaries: CertificateSummary[] = [];
  for await (const page of paginateListCertificates({ client: acm }, { Includes: { keyTypes: [...ALL_KEY_TYPES] }, MaxItems: 1000 })) summaries.push(...(page.CertificateSummaryList ?? []));
  const wantedArns = new Set(arns);
  const namesOf = (c: CertificateSummary) => [c.DomainName ?? '', ...(c.SubjectAlternativeNameSummaries ?? [])].filter(Boolean).map((n) => n.toLowerCase());
  const covering = (c: CertificateSummary) => wantedArns.has(c.CertificateArn ?? '') || wantedNames.some((w) => covers(namesOf(c), w));
  const candidates = summaries.filter(covering);
  for (const arn of wantedArns) if (!summaries.some((c) => c.CertificateArn === arn)) candidates.push({ CertificateArn: arn });
  // Routeyard requests only Amazon-issued certificates: the others cannot be its own.
  const others = summaries.filter((c) => !covering(c) && c.CertificateArn && (c.Type ?? 'AMAZON_ISSUED') === 'AMAZON_ISSUED');
  const owned = await Promise.all(
    others.map(async (c) => {
      try {
        return isOwnedBy(await tagsOf(acm, c.CertificateArn!, tagCache), owner) ? c : undefined;
      } catch {
        return undefined; // not known to be ours: nothing is planned for it
      }
    }),
  );
  candidates.push(...owned.filter((c): c is CertificateSummary => !!c));
  const out = await Promise.all(candidates.map((c) => describe(acm, c.CertificateArn!, namesOf(c), tagCache)));
  return out.filter((c): c is ObservedCertificate => !!c);
}

async function tagsOf(acm: ACMClient, arn: string, cache: CertificateTagCache): Promise<Tags> {
  const known = cache.get(arn);
  if (known) return known;
  const tags: Tags = {};
  for (const t of (await acm.send(new ListTagsForCertificateCommand({ CertificateArn: arn }))).Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
  cache.set(arn, tags);
  return tags;
}

async function describe(acm: ACMClient, arn: string, listedNames: string[], tagCache: CertificateTagCache): Promise<ObservedCertificate | undefined> {
  let d;
  let tags: Tags;
  try {
    d = (await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate;
    if (!d) return undefined;
    tags = await tagsOf(acm, arn, tagCache);
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return undefined;
    // Throttled past its retries, access denied, a malformed ARN: this certificate only.
    return { arn, names: listedNames, status: 'UNREADABLE', validation: [], readError: `${(err as Error).name}: ${((err as Error).message ?? '').slice(0, 300)}` };
  }
  const names = [...new Set([d.DomainName ?? '', ...(d.SubjectAlternativeNames ?? [])].filter(Boolean).map((n) => n.toLowerCase()))];
  const validation = (d.DomainValidationOptions ?? []).flatMap((o) =>
    o.ResourceRecord?.Name && o.ResourceRecord.Value ? [{ name: dnsName(o.ResourceRecord.Name), value: dnsName(o.ResourceRecord.Value) }] : [],
  );
  return {
    arn,
    names,
    status: d.Status ?? 'UNKNOWN',
    ...(d.Type ? { type: d.Type } : {}),
    ...(d.FailureReason ? { failureReason: d.FailureReason } : {}),
    ...(d.NotAfter ? { notAfter: d.NotAfter.toISOString() } : {}),
    ...((d.CreatedAt ?? d.ImportedAt) ? { createdAt: (d.CreatedAt ?? d.ImportedAt)!.toISOString() } : {}),
    ...(d.RenewalEligibility ? { renewalEligibility: d.RenewalEligibility } : {}),
    ...(d.RenewalSummary?.RenewalStatus ? { renewalStatus: d.RenewalSummary.RenewalStatus } : {}),
    ...(d.InUseBy ? { inUseBy: d.InUseBy } : {}),
    validation: uniqueBy(validation, (v) => v.name),
    tags,
  };
}

export class AcmApplier {
  private readonly acm: ACMClient;

  constructor(acm: ACMClient) {
    this.acm = acm;
  }

  /** A DNS-validated certificate for one name, tagged like everything routeyard creates. */
  async requestCertificate(name: string, tags: Tags, subjectAlternativeNames?: string[]): Promise<string> {
    const out = await this.acm.send(
      new RequestCertificateCommand({
        DomainName: name,
        ...(subjectAlternativeNames ? { SubjectAlternativeNames: subjectAlternativeNames } : {}),
        ValidationMethod: 'DNS',
        // One token per request: the SDK's retries of this call reuse it, so a retry cannot
        // request a second certificate; a later request (the service re-added after its
        // certificate was deleted, say) gets a new one instead of the deleted certificate.
        IdempotencyToken: randomUUID().replace(/-/g, '').slice(0, 32),
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    return out.CertificateArn ?? '';
  }

  /**
   * ACM answers ResourceInUseException while a resource still uses the certificate, and API
   * Gateway releases a deleted custom domain's certificate only minutes later (aws-cdk issue
   * 36265): that is a wait, not a failure (CertificateInUse; the next pass tries again).
   */
  async deleteCertificate(arn: string): Promise<void> {
    try {
      await this.acm.send(new DeleteCertificateCommand({ CertificateArn: arn }));
    } catch (err) {
      if ((err as Error).name === 'ResourceInUseException') throw new StillInUse(`${arn} is still in use (API Gateway releases a deleted domain's certificate minutes later): deleted on a later pass`);
      throw err;
    }
  }
}

function dnsName(n: string): string {
  return n.toLowerCase().replace(/\.$/, '');
}

function uniqueBy<T>(xs: T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => (seen.has(key(x)) ? false : (seen.add(key(x)), true)));
}

/** An action that must wait for something outside routeyard: its result is `pending`, not `failed`. */
export class StillInUse extends Error {
  readonly waiting = true;
  constructor(message: string) {
    super(message);
    this.name = 'StillInUse';
  }
}
