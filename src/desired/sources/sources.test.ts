import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RouteyardError } from '../../errors.ts';
import { MAX_DOCUMENT_BYTES } from '../validate.ts';
import { readFileSource } from './file.ts';
import { readS3Source } from './s3.ts';
import type { ObjectStore } from './types.ts';

function fakeStore(contentLength: number | undefined, body = '{}') {
  const calls: string[] = [];
  const store: ObjectStore = {
    headObject: async () => (calls.push('head'), { etag: '"e1"', ...(contentLength !== undefined ? { contentLength } : {}) }),
    getObject: async (_b, _k, opts) => (calls.push(`get maxBytes=${opts?.maxBytes}`), { body, etag: '"e1"' }),
  };
  return { store, calls };
}

async function failure(p: Promise<unknown>): Promise<RouteyardError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RouteyardError);
    return err as RouteyardError;
  }
  throw new Error('expected a failure');
}

describe('the S3 source checks the size before downloading', () => {
  it('refuses an object larger than the document limit without a GetObject', async () => {
    const { store, calls } = fakeStore(MAX_DOCUMENT_BYTES + 1);
    const err = await failure(readS3Source('s3://b/k.json', 'b', 'k.json', store));
    expect(err.code).toBe('InvalidDesiredState');
    expect(err.fieldErrors).toEqual([{ path: '(document)', message: `is ${MAX_DOCUMENT_BYTES + 1} bytes (the ContentLength of s3://b/k.json; it was not downloaded); the limit is 1048576 bytes` }]);
    expect(calls).toEqual(['head']);
  });

  it('reads an object within the limit, telling the store the limit', async () => {
    const { store, calls } = fakeStore(MAX_DOCUMENT_BYTES, '{"a":1}');
    expect(await readS3Source('s3://b/k.json', 'b', 'k.json', store)).toEqual({ uri: 's3://b/k.json', version: '"e1"', text: '{"a":1}' });
    expect(calls).toEqual(['head', `get maxBytes=${MAX_DOCUMENT_BYTES}`]);
  });

  it('a store that gives no size still reads (validation checks the length)', async () => {
    const { store, calls } = fakeStore(undefined);
    await readS3Source('s3://b/k.json', 'b', 'k.json', store);
    expect(calls).toHaveLength(2);
  });
});

describe('the file source reads at most the document limit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'routeyard-file-source-'));

  it('reads a file of exactly the limit', async () => {
    const path = join(dir, 'max.json');
    writeFileSync(path, 'x'.repeat(MAX_DOCUMENT_BYTES));
    expect((await readFileSource(`file:${path}`, path)).text).toHaveLength(MAX_DOCUMENT_BYTES);
  });

  it('refuses a larger file by its size, before reading it', async () => {
    const path = join(dir, 'big.json');
    writeFileSync(path, 'x'.repeat(MAX_DOCUMENT_BYTES + 10));
    const err = await failure(readFileSource(`file:${path}`, path));
    expect(err.code).toBe('InvalidDesiredState');
    expect(err.fieldErrors[0]!.message).toBe(`is ${MAX_DOCUMENT_BYTES + 10} bytes (the size of ${path}; it was not read); the limit is 1048576 bytes`);
  });

  it('stops reading a device that never ends', async () => {
    const err = await failure(readFileSource('file:/dev/zero', '/dev/zero'));
    expect(err.code).toBe('InvalidDesiredState');
    expect(err.fieldErrors[0]!.message).toContain('is more than 1048576 bytes (reading /dev/zero stopped there)');
  });

  it('a missing file or a directory is SourceUnreadable', async () => {
    expect((await failure(readFileSource('file:/nonexistent', '/nonexistent'))).message).toBe('cannot read /nonexistent: no such file');
    expect((await failure(readFileSource(`file:${dir}`, dir))).code).toBe('SourceUnreadable');
  });
});
