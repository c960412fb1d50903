import { createHash } from 'node:crypto';
import { RouteyardError, type FieldError } from '../../errors.ts';
import { excerpt } from '../excerpt.ts';
import type { ParameterStore, SourceDocument } from './types.ts';

/**
 * `ssm-path:/prefix/`: for sets larger than one parameter's 4-8 KB. Under the prefix,
 *   <prefix>routeset           the document without its services (apiVersion, kind, metadata, spec.shared)
 *   <prefix>services/<name>    one service object each
 * Any other parameter under the prefix is an error, so a typo never silently drops a service.
 * The version is a digest of every parameter's name and version, plus the highest version.
 */
export async function readSsmPathSource(uri: string, prefix: string, store: ParameterStore, opts: { versionOnly?: boolean } = {}): Promise<SourceDocument> {
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const params = (await store.getParametersByPath(base)).sort((a, b) => a.name.localeCompare(b.name));
  if (opts.versionOnly) return { uri, version: ssmPathVersion(params) };
  const errors: FieldError[] = [];
  let envelope: Record<string, unknown> | undefined;
  const services: unknown[] = [];
  const origins: string[] = [];

  for (const p of params) {
    const rel = p.name.slice(base.length);
    const parsed = parseJson(p.value);
    if (rel === 'routeset') {
      if (!parsed.ok) errors.push({ path: `(parameter ${p.name})`, message: `is not valid JSON: ${parsed.error}` });
      else if (!isObject(parsed.value)) errors.push({ path: `(parameter ${p.name})`, message: 'must hold a JSON object' });
      else envelope = parsed.value;
    } else if (/^services\/[^/]+$/.test(rel)) {
      if (!parsed.ok) errors.push({ path: `(parameter ${p.name})`, message: `is not valid JSON: ${parsed.error}` });
      else {
        services.push(parsed.value);
        origins.push(p.name);
      }
    } else {
      errors.push({ path: `(parameter ${excerpt(p.name, 160)})`, message: `is not expected under ${base}: use ${base}routeset or ${base}services/<name>` });
    }
  }
  if (!envelope && errors.length === 0) {
    errors.push({ path: `(parameter ${base}routeset)`, message: params.length === 0 ? `no parameters found under ${base}` : 'is missing' });
  }
  if (errors.length > 0) {
    throw new RouteyardError('InvalidDesiredState', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { fault: 'user', fieldErrors: errors });
  }
  const spec = isObject(envelope!.spec) ? envelope!.spec : {};
  if (Array.isArray(spec.services) && spec.services.length > 0) {
    throw new RouteyardError('InvalidDesiredState', `${base}routeset: spec.services must be absent; services live in ${base}services/<name>`, {
      fault: 'user',
      fieldErrors: [{ path: 'spec.services', message: `must be absent in ${base}routeset; services live in ${base}services/<name>` }],
    });
  }
  const composed = { ...envelope, spec: { ...spec, services } };
  return { uri, version: ssmPathVersion(params), composed, serviceOrigins: origins };
}

function ssmPathVersion(params: { name: string; version: number }[]): string {
  const digest = createHash('sha256').update(params.map((p) => `${p.name}@${p.version}`).join('\n')).digest('hex').slice(0, 12);
  const maxVersion = params.length > 0 ? Math.max(...params.map((p) => p.version)) : 0;
  return `${params.length} parameters, max version ${maxVersion}, digest ${digest}`;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: excerpt((err as Error).message, 160) };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
