import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { RouteyardError } from '../../errors.ts';
import type { SourceDocument } from './types.ts';

/** `file:PATH`: the version is a content hash, so a report says which bytes it planned from. */
export async function readFileSource(uri: string, path: string): Promise<SourceDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RouteyardError('SourceUnreadable', `cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : String((err as Error).message)}`, {
      fault: 'user',
      cause: err,
    });
  }
  return { uri, version: `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`, text };
}
