import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { RouteyardError } from '../../errors.ts';
import type { ObjectStore } from '../../desired/sources/types.ts';

/** S3 behind the narrow interface desired/ uses. */
export class S3ObjectStore implements ObjectStore {
  private readonly s3: S3Client;

  constructor(s3: S3Client) {
    this.s3 = s3;
  }

  async getObject(bucket: string, key: string): Promise<{ body: string; etag: string; versionId?: string }> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = (await out.Body?.transformToString('utf8')) ?? '';
      return { body, etag: out.ETag ?? '', ...(out.VersionId ? { versionId: out.VersionId } : {}) };
    } catch (err) {
      throw unreadable(bucket, key, err);
    }
  }

  async headObject(bucket: string, key: string): Promise<{ etag: string; versionId?: string }> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { etag: out.ETag ?? '', ...(out.VersionId ? { versionId: out.VersionId } : {}) };
    } catch (err) {
      throw unreadable(bucket, key, err);
    }
  }
}

function unreadable(bucket: string, key: string, err: unknown): RouteyardError {
  // HeadObject errors carry no body: a 404 is NotFound there, NoSuchKey on GetObject.
  const name = (err as Error).name === 'NotFound' ? 'NoSuchKey' : (err as Error).name;
  const why = name === 'NoSuchKey' ? 'no such key' : name === 'NoSuchBucket' ? 'no such bucket' : (err as Error).message;
  return new RouteyardError('SourceUnreadable', `cannot read s3://${bucket}/${key}: ${why}`, {
    fault: name === 'NoSuchKey' || name === 'NoSuchBucket' ? 'user' : 'aws',
    cause: err,
  });
}
