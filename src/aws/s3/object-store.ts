import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { RouteyardError, faultOfAwsError } from '../../errors.ts';
import type { ObjectStore } from '../../desired/sources/types.ts';

/** S3 behind the narrow interface desired/ uses. */
export class S3ObjectStore implements ObjectStore {
  private readonly s3: S3Client;

  constructor(s3: S3Client) {
    this.s3 = s3;
  }

  async getObject(bucket: string, key: string, opts: { maxBytes?: number } = {}): Promise<{ body: string; etag: string; versionId?: string }> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      // The object may have been replaced since HeadObject: the body is never read past the cap.
      if (opts.maxBytes !== undefined && (out.ContentLength ?? 0) > opts.maxBytes) {
        out.Body?.transformToWebStream().cancel().catch(() => {});
        throw new RouteyardError('SourceUnreadable', `s3://${bucket}/${key} is ${out.ContentLength} bytes, more than the ${opts.maxBytes} a desired-state document may have`, { fault: 'user' });
      }
      const body = (await out.Body?.transformToString('utf8')) ?? '';
      return { body, etag: out.ETag ?? '', ...(out.VersionId ? { versionId: out.VersionId } : {}) };
    } catch (err) {
      throw unreadable(bucket, key, err);
    }
  }

  async headObject(bucket: string, key: string): Promise<{ etag: string; versionId?: string; contentLength?: number }> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { etag: out.ETag ?? '', ...(out.VersionId ? { versionId: out.VersionId } : {}), ...(out.ContentLength !== undefined ? { contentLength: out.ContentLength } : {}) };
    } catch (err) {
      throw unreadable(bucket, key, err);
    }
  }
}

function unreadable(bucket: string, key: string, err: unknown): RouteyardError {
  if (err instanceof RouteyardError) return err;
  // HeadObject errors carry no body: a 404 is NotFound there, NoSuchKey on GetObject.
  const name = (err as Error).name === 'NotFound' ? 'NoSuchKey' : (err as Error).name;
  const why = name === 'NoSuchKey' ? 'no such key' : name === 'NoSuchBucket' ? 'no such bucket' : (err as Error).message;
  return new RouteyardError('SourceUnreadable', `cannot read s3://${bucket}/${key}: ${why}`, {
    fault: name === 'NoSuchKey' || name === 'NoSuchBucket' ? 'user' : faultOfAwsError(err),
    cause: err,
  });
}
