import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { RouteyardError } from '../../errors.ts';
import { documentTooLarge, MAX_DOCUMENT_BYTES } from '../validate.ts';
import type { SourceDocument } from './types.ts';

/**
 * `file:PATH`: the version is a content hash, so a report says which bytes it planned from.
 * At most MAX_DOCUMENT_BYTES are read: a larger file (its size says so before any read) or a
 * device or pipe that keeps giving bytes is refused, never read into memory whole.
 */
export async function readFileSource(uri: string, path: string): Promise<SourceDocument> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw unreadable(path, err);
  }
  let text: string;
  try {
    const st = await fh.stat();
    if (st.isFile() && st.size > MAX_DOCUMENT_BYTES) throw documentTooLarge(`is ${st.size} bytes (the size of ${path}; it was not read)`);
    const bytes = await readAtMost(fh, MAX_DOCUMENT_BYTES + 1);
    if (bytes.length > MAX_DOCUMENT_BYTES) throw documentTooLarge(`is more than ${MAX_DOCUMENT_BYTES} bytes (reading ${path} stopped there)`);
    text = bytes.toString('utf8');
  } catch (err) {
    throw err instanceof RouteyardError ? err : unreadable(path, err);
  } finally {
    await fh.close().catch(() => {});
  }
  return { uri, version: `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`, text };
}

async function readAtMost(fh: FileHandle, limit: number): Promise<Buffer> {
  const buf = Buffer.alloc(Math.min(limit, 64 * 1024));
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < limit) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, limit - total), null);
    if (bytesRead === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, bytesRead)));
    total += bytesRead;
  }
  return Buffer.concat(chunks, total);
}

function unreadable(path: string, err: unknown): RouteyardError {
  const code = (err as NodeJS.ErrnoException).code;
  return new RouteyardError('SourceUnreadable', `cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : String((err as Error).message)}`, {
    fault: 'user',
    cause: err,
  });
}
