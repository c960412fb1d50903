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
import type { Tags } from '../../model/tags.ts';

/** Every key type: ListCertificates lists only RSA_2048 (and RSA_1024) certificates unless told otherwise. */
const ALL_KEY_TYPES = ['RSA_1024', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_prime256v1', 'EC_secp384r1', 'EC_secp521r1'] as const;

/**
 * The certificates the pass needs: those whose names could cover a wanted domain name (by
 * the listing's names) and those referenced by ARN, each described (status, validation
 * records, failure reason) and with its tags (ownership). ListCertificates pages; the
 * per-certificate reads are for candidates only.
 */
export async function observeCertificates(acm: ACMClient, wantedNames: readonly string[], arns: readonly string[], covers: (cert: string[], name: string) => boolean): Promise<ObservedCertificate[]> {
  const summaries: CertificateSummary[] = [];
  for await (const page of paginateListCertificates({ client: acm }, { Includes: { keyTypes: [...ALL_KEY_TYPES] }, MaxItems: 1000 })) summaries.push(...(page.CertificateSummaryList ?? []));
  const wantedArns = new Set(arns);
  const candidates = summaries.filter((c) => {
    const names = [c.DomainName ?? '', ...(c.SubjectAlternativeNameSummaries ?? [])].map((n) => n.toLowerCase());
    return wantedArns.has(c.CertificateArn ?? '') || wantedNames.some((w) => covers(names, w));
  });
  for (const arn of wantedArns) if (!summaries.some((c) => c.CertificateArn === arn)) candidates.push({ CertificateArn: arn });
  const out: ObservedCertificate[] = [];
  for (const c of candidates) {
    const cert = await describe(acm, c.CertificateArn!);
    if (cert) out.push(cert);
  }
  return out;
}

async function describe(acm: ACMClient, arn: string): Promise<ObservedCertificate | undefined> {
  let d;
  try {
    d = (await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate;
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return undefined;
    throw err;
  }
  if (!d) return undefined;
  const tagList = (await acm.send(new ListTagsForCertificateCommand({ CertificateArn: arn }))).Tags ?? [];
  const tags: Tags = {};
  for (const t of tagList) if (t.Key) tags[t.Key] = t.Value ?? '';
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
  async requestCertificate(name: string, tags: Tags): Promise<string> {
    const out = await this.acm.send(
      new RequestCertificateCommand({
        DomainName: name,
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

  async deleteCertificate(arn: string): Promise<void> {
    await this.acm.send(new DeleteCertificateCommand({ CertificateArn: arn }));
  }
}

function dnsName(n: string): string {
  return n.toLowerCase().replace(/\.$/, '');
}

function uniqueBy<T>(xs: T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => (seen.has(key(x)) ? false : (seen.add(key(x)), true)));
}
