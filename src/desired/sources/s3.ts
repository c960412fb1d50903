import { documentTooLarge, MAX_DOCUMENT_BYTES } from '../validate.ts';
import type { ObjectStore, SourceDocument } from './types.ts';

/**
 * `s3://bucket/key`: the version is the object's ETag (and version id on versioned buckets).
 *
 * The object's size is checked before its body is downloaded: HeadObject's ContentLength
 * against MAX_DOCUMENT_BYTES (1 MiB, the limit every source has), so a mistaken upload of a
 * large file costs a HEAD, not its download into memory. The store is also told the limit,
 * for it to check GetObject's ContentLength before reading the body (the object may be
 * replaced between the two calls); whatever it returns is checked again by validation.
 */
export async function readS3Source(uri: string, bucket: string, key: string, store: ObjectStore): Promise<SourceDocument> {
  const head = await store.headObject(bucket, key);
  if (head.contentLength !== undefined && head.contentLength > MAX_DOCUMENT_BYTES) {
    throw documentTooLarge(`is ${head.contentLength} bytes (the ContentLength of ${uri}; it was not downloaded)`);
  }
  const o = await store.getObject(bucket, key, { maxBytes: MAX_DOCUMENT_BYTES });
  return { uri, version: s3Version(o), text: o.body };
}

export function s3Version(o: { etag: string; versionId?: string }): string {
  return o.versionId ? `${o.etag} (version ${o.versionId})` : o.etag;
}
