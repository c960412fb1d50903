import type { ObservedCertificate } from '../model/observed.ts';
import type { Observer } from './ports.ts';

/**
 * The controller keeps ACM off the per-pass path while nothing changed: ACM's rates are low
 * (ListCertificates 1 per second per account, DescribeCertificate 10), a pass would otherwise
 * describe every certificate that covers a wanted name, and a pass a hint starts would wait
 * a second behind the previous pass's ListCertificates.
 *
 * The certificates a pass read are reused, with their read time, by later passes that ask
 * for the same names, ARNs and owner, until the first of:
 * - `maxAgeMs` (the controller passes --verify-within: certificates are re-read at least that
 *   often), except in a pass that asks to ignore it (a hint pass: at hundreds of certificates
 *   a full re-read takes a minute at ACM's pace, which a hint must not wait for);
 * - `invalidate()`: a pass wrote something (a certificate requested or deleted, a domain
 *   created: its `inUseBy` changes), a hint named a certificate or a custom domain, the
 *   document changed, the controller started or took the lease;
 * - any certificate in the answer that is not settled: not ISSUED (pending validation, failed,
 *   expired...), unreadable, or being renewed. Those are read every pass, as before.
 * What was not read is not missing: a reused answer is the whole answer of its read, never a
 * part of one.
 */
export class CertificateCache {
  private entry: { key: string; value: ObservedCertificate[]; readAt: number } | undefined;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(opts: { maxAgeMs: number; now?: () => number }) {
    this.maxAgeMs = opts.maxAgeMs;
    this.now = opts.now ?? Date.now;
  }

  invalidate(): void {
    this.entry = undefined;
  }

  /**
   * An observer for one pass: `inner` with its certificates read through the cache. `readAt()`
   * tells, after the pass, when the certificates it used were read (undefined: it read none,
   * or read them itself).
   */
  forPass(inner: Observer, opts: { ignoreAge?: boolean } = {}): { observer: Observer; reusedFrom: () => number | undefined } {
    let reusedFrom: number | undefined;
    const observer: Observer = {
      ...inner,
      certificates: async (wantedNames, arns, owner) => {
        const key = JSON.stringify([[...wantedNames].sort(), [...arns].sort(), owner]);
        const at = this.now();
        const e = this.entry;
        if (e && e.key === key && (opts.ignoreAge === true || at - e.readAt < this.maxAgeMs)) {
          reusedFrom = e.readAt;
          return structuredClone(e.value);
        }
        const value = await inner.certificates(wantedNames, arns, owner);
        this.entry = value.every(settled) ? { key, value: structuredClone(value), readAt: at } : undefined;
        return value;
      },
    };
    return { observer, reusedFrom: () => reusedFrom };
  }
}

/** A certificate whose next read would say the same unless someone acts on it (which an event or a write tells). */
function settled(c: ObservedCertificate): boolean {
  return c.status === 'ISSUED' && c.readError === undefined && (c.renewalStatus === undefined || c.renewalStatus === 'SUCCESS');
}
