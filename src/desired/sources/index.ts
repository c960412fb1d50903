import { RouteyardError } from '../../errors.ts';
import { readFileSource } from './file.ts';
import { readS3Source, s3Version } from './s3.ts';
import { readSsmPathSource } from './ssm-path.ts';
import { readSsmSource } from './ssm.ts';
import type { ObjectStore, ParameterStore, SourceDocument } from './types.ts';

export type { ObjectStore, ParameterStore, SourceDocument, StoredParameter } from './types.ts';

export interface SourceBackends {
  parameters: () => ParameterStore;
  objects: () => ObjectStore;
}

export type ParsedSource =
  | { scheme: 'file'; path: string }
  | { scheme: 'ssm'; name: string }
  | { scheme: 'ssm-path'; prefix: string }
  | { scheme: 's3'; bucket: string; key: string };

/** Parse a source URI: file:PATH (or a bare path), ssm:/name, ssm-path:/prefix/, s3://bucket/key. */
export function parseSourceUri(uri: string): ParsedSource {
  const usage = (why: string) =>
    new RouteyardError('UsageError', `--source ${JSON.stringify(uri)}: ${why}; expected file:PATH, ssm:/name, ssm-path:/prefix/ or s3://bucket/key`, { fault: 'user' });
  if (uri.startsWith('ssm-path:')) {
    const prefix = uri.slice('ssm-path:'.length);
    if (!prefix.startsWith('/')) throw usage('the parameter path must start with "/"');
    return { scheme: 'ssm-path', prefix };
  }
  if (uri.startsWith('ssm:')) {
    const name = uri.slice('ssm:'.length);
    if (!name.startsWith('/') || name.length < 2) throw usage('the parameter name must start with "/"');
    return { scheme: 'ssm', name };
  }
  if (uri.startsWith('s3://')) {
    const rest = uri.slice('s3://'.length);
    const slash = rest.indexOf('/');
    if (slash <= 0 || slash === rest.length - 1) throw usage('an S3 URI needs a bucket and a key');
    return { scheme: 's3', bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(uri) && !uri.startsWith('file:')) throw usage('unknown scheme');
  const path = uri.startsWith('file:') ? uri.slice('file:'.length) : uri;
  if (path === '') throw usage('the file path is empty');
  return { scheme: 'file', path };
}

/**
 * The source's version without validating it, as cheaply as the source allows: the
 * parameter's version for ssm:, HeadObject's ETag for s3:, the digest of names and
 * versions for ssm-path:, the content hash for a file. The same string `readSource`
 * reports, so the daemon starts a pass as soon as the two differ.
 */
export async function readSourceVersion(uri: string, backends: SourceBackends): Promise<string> {
  const parsed = parseSourceUri(uri);
  switch (parsed.scheme) {
    case 'file':
      return (await readFileSource(uri, parsed.path)).version;
    case 'ssm':
      return (await readSsmSource(uri, parsed.name, backends.parameters())).version;
    case 'ssm-path':
      return (await readSsmPathSource(uri, parsed.prefix, backends.parameters(), { versionOnly: true })).version;
    case 's3':
      return s3Version(await backends.objects().headObject(parsed.bucket, parsed.key));
  }
}

/** Read the raw document from wherever it lives. Only the chosen backend is ever created. */
export async function readSource(uri: string, backends: SourceBackends): Promise<SourceDocument> {
  const parsed = parseSourceUri(uri);
  switch (parsed.scheme) {
    case 'file':
      return readFileSource(uri, parsed.path);
    case 'ssm':
      return readSsmSource(uri, parsed.name, backends.parameters());
    case 'ssm-path':
      return readSsmPathSource(uri, parsed.prefix, backends.parameters());
    case 's3':
      return readS3Source(uri, parsed.bucket, parsed.key, backends.objects());
  }
}
