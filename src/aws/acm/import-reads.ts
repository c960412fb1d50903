import { ListTagsForCertificateCommand, type ACMClient } from '@aws-sdk/client-acm';
import type { LiveCertificate } from '../../import/snapshot.ts';
import type { Tags } from '../../model/tags.ts';

/**
 * `routeyard --import`: the tags of the certificates the imported custom domains use
 * (ListTagsForCertificate, one call each, paced by the ACM scheduler), to tell which ones a
 * CloudFormation stack still holds. A certificate that is gone is returned without tags.
 * Read-only.
 */
export async function readCertificateTagsForImport(acm: ACMClient, arns: readonly string[]): Promise<LiveCertificate[]> {
  return Promise.all(
    [...new Set(arns)].map(async (arn) => {
      try {
        const tags: Tags = {};
        for (const t of (await acm.send(new ListTagsForCertificateCommand({ CertificateArn: arn }))).Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
        return { arn, found: true, tags };
      } catch (err) {
        if ((err as Error).name === 'ResourceNotFoundException') return { arn, found: false, tags: {} };
        throw err;
      }
    }),
  );
}
