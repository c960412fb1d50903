/**
 * What a desired-state source needs from AWS, as narrow interfaces. The implementations
 * live in aws/ssm and aws/s3; desired/ never imports the SDK.
 */
export interface StoredParameter {
  name: string;
  value: string;
  version: number;
  /** A SecureString: its value is never written to a report, log or message (desired/secrets.ts). */
  secure?: boolean;
}

export interface ParameterStore {
  /** Throws RouteyardError('SourceUnreadable' | 'UnresolvedReference') when it cannot. */
  getParameter(name: string): Promise<StoredParameter>;
  /** All parameters below a path, recursively, every page. */
  getParametersByPath(prefix: string): Promise<StoredParameter[]>;
  /** Several parameters by name, in batches; names not found are listed in `missing`. */
  getParameters(names: string[]): Promise<{ found: StoredParameter[]; missing: string[] }>;
}

export interface ObjectStore {
  /**
   * The object's body as text. With `maxBytes`, a store that can see the size before reading
   * the body (GetObject's ContentLength) refuses a larger object without downloading it.
   */
  getObject(bucket: string, key: string, opts?: { maxBytes?: number }): Promise<{ body: string; etag: string; versionId?: string }>;
  /**
   * The object's ETag, version id and size (ContentLength) without its body (HeadObject): the
   * daemon's cheap change check, and the size check before a download.
   */
  headObject(bucket: string, key: string): Promise<{ etag: string; versionId?: string; contentLength?: number }>;
}

/** The raw document a source read, before validation, and the version it was read at. */
export interface SourceDocument {
  uri: string;
  version: string;
  /** Either JSON text (file, ssm, s3) or an object composed from several parameters (ssm-path). */
  text?: string;
  composed?: unknown;
  /** For composed documents: which parameter each spec.services[i] came from. */
  serviceOrigins?: string[];
}
