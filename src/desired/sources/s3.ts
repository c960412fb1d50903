import type { ObjectStore, SourceDocument } from './types.ts';

/** `s3://bucket/key`: the version is the object's ETag (and version id on versioned buckets). */
export async function readS3Source(uri: string, bucket: string, key: string, store: ObjectStore): Promise<SourceDocument> {
  const o = await store.getObject(bucket, key);
  return { uri, version: s3Version(o), text: o.body };
}

export function s3Version(o: { etag: string; versionId?: string }): string {
  return o.versionId ? `${o.etag} (version ${o.versionId})` : o.etag;
}
