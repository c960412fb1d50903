import type { Observer } from './ports.ts';

/**
 * A pass a hint starts reads what the hint names, and reuses the rest of a recent full read
 * instead of listing everything again: the load balancers' rules and target groups (ELBv2,
 * dozens of calls at hundreds of services), the hosted zones' records (Route 53, 5 calls a
 * second) and the published outputs (SSM, a call per 10 parameters). Those reads set a hint's
 * latency at scale; the HTTP API listing and the named APIs' children are always read.
 *
 * Never a partial view: what is reused is the whole answer of a read, from the latest pass
 * that ended without error, planned from the same document version, and no older than the
 * caller allows; a pass that fails forgets every read, and one that writes to a service
 * forgets that service's reads (what routeyard wrote since is not in them). The controller also holds back, in such a pass, the actions of every
 * service the hint did not name (the next scheduled pass reads everything and applies them),
 * so a reused read can only ever inform the hinted services, whose named resources were read
 * fresh.
 */
export type ReusableRead = 'loadBalancing' | 'zone' | 'outputs';

export interface ReuseRequest {
  /** The reads this pass may take from the base. */
  reads: ReadonlySet<ReusableRead>;
  /** The document version the pass plans from: the base must have been planned from the same. */
  version: string;
  /** The oldest base read accepted. */
  maxAgeMs: number;
}

export class ListingReuse {
  private base = new Map<string, { value: unknown; readAt: number }>();
  private baseVersion: string | undefined;
  private readonly now: () => number;

  constructor(opts: { now?: () => number } = {}) {
    this.now = opts.now ?? Date.now;
  }

  invalidate(): void {
    this.base = new Map();
    this.baseVersion = undefined;
  }

  /** Whether a pass planning from `version` could reuse anything (so the caller knows before the pass starts). */
  available(version: string | undefined): boolean {
    return version !== undefined && version === this.baseVersion && this.base.size > 0;
  }

  /**
   * An observer for one pass: `inner`, whose reusable reads come from the base when `reuse`
   * allows it and the base has that very read (same arguments) recent enough, and are recorded
   * otherwise. `reused()` lists what came from the base, with when it was read; `commit()`
   * after the pass keeps this pass's reads as the base, less `forget` (the reads of services
   * it wrote to; 'all' when it failed). `keepPartial()` after a pass abandoned while reading
   * (it wrote nothing) adds the reads it completed to the base, each a whole answer.
   */
  forPass(
    inner: Observer,
    reuse?: ReuseRequest,
  ): {
    observer: Observer;
    reused: () => { read: ReusableRead; readAt: number }[];
    commit: (version: string | undefined, forget: ReadonlySet<ReusableRead> | 'all') => void;
    keepPartial: (version: string | undefined) => void;
  } {
    const fresh = new Map<string, { value: unknown; readAt: number }>();
    const taken = new Map<string, { read: ReusableRead; readAt: number }>();
    const at = this.now();
    const usable = reuse !== undefined && reuse.version === this.baseVersion;
    const wrap = <A extends unknown[], R>(read: ReusableRead, call: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const key = `${read}\u0000${JSON.stringify(args)}`;
        const b = this.base.get(key);
        if (usable && reuse.reads.has(read) && b && at - b.readAt <= reuse.maxAgeMs) {
          taken.set(key, { read, readAt: b.readAt });
          return structuredClone(b.value) as R;
        }
        const value = await call(...args);
        fresh.set(key, { value: structuredClone(value), readAt: at });
        return value;
      };
    const observer: Observer = {
      ...inner,
      loadBalancing: wrap('loadBalancing', inner.loadBalancing.bind(inner)),
      zone: wrap('zone', inner.zone.bind(inner)),
      outputs: wrap('outputs', inner.outputs.bind(inner)),
    };
    return {
      observer,
      reused: () => [...taken.values()],
      commit: (version, forget) => {
        if (forget === 'all' || version === undefined) return this.invalidate();
        // What this pass read, plus what it reused (kept with its first read time); reads it
        // no longer made (a zone the document dropped) are forgotten.
        const next = new Map(fresh);
        for (const key of taken.keys()) next.set(key, this.base.get(key)!);
        for (const key of [...next.keys()]) if (forget.has(key.split('\u0000')[0] as ReusableRead)) next.delete(key);
        this.base = next;
        this.baseVersion = version;
      },
      keepPartial: (version) => {
        if (version === undefined || fresh.size === 0) return;
        const next = version === this.baseVersion ? new Map(this.base) : new Map<string, { value: unknown; readAt: number }>();
        for (const [key, v] of fresh) next.set(key, v);
        this.base = next;
        this.baseVersion = version;
      },
    };
  }
}
