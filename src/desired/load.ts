import { RouteyardError, type FieldError } from '../errors.ts';
import type { RouteSet } from './schema.ts';
import { readSource, type SourceBackends } from './sources/index.ts';
import { validateDocument, validateObject, type ValidateOptions } from './validate.ts';

export interface LoadedRouteSet {
  doc: RouteSet;
  source: { uri: string; version: string };
}

/** Read the document from its source and validate it. Throws RouteyardError on any problem. */
export async function loadRouteSet(uri: string, backends: SourceBackends, opts: ValidateOptions = {}): Promise<LoadedRouteSet> {
  const raw = await readSource(uri, backends);
  let doc: RouteSet;
  try {
    doc = raw.text !== undefined ? validateDocument(raw.text, opts) : validateObject(raw.composed, opts);
  } catch (err) {
    if (err instanceof RouteyardError && raw.serviceOrigins) throw withOrigins(err, raw.serviceOrigins);
    throw err;
  }
  return { doc, source: { uri: raw.uri, version: raw.version } };
}

/** For ssm-path sources, say which parameter a spec.services[i] error came from. */
function withOrigins(err: RouteyardError, origins: string[]): RouteyardError {
  const fieldErrors: FieldError[] = err.fieldErrors.map((e) => {
    const m = /^spec\.services\[(\d+)\]/.exec(e.path);
    const origin = m ? origins[Number(m[1])] : undefined;
    return origin ? { path: e.path, message: `${e.message} (parameter ${origin})` } : e;
  });
  return new RouteyardError(err.code, fieldErrors.map((e) => `${e.path}: ${e.message}`).join('; '), { fault: err.fault, fieldErrors, cause: err });
}
