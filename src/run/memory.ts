import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from '../log.ts';
import type { PassRecord, Report, Status } from '../model/report-contract.ts';

/** How many passes the daemon remembers. */
export const PASS_RING_SIZE = 50;

export interface BackoffPolicy {
  /** The first hold after a failure. */
  baseMs: number;
  /** The longest hold. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 30_000, maxMs: 15 * 60_000 };

/** V8's gc() (`--expose-gc`), with the options V8's extension takes. */
export type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async'; flavor?: 'regular' | 'last-resort' }) => void;

/**
 * V8's gc() without `--expose-gc` on the command line (so `npx routeyard` and any other way of
 * starting node get it too): the flag set at run time is honoured by a new context, as Jest
 * does for --logHeapUsage. `globalThis.gc` when node was started with the flag.
 */
export function exposedGc(): GcFunction | undefined {
  const existing = (globalThis as { gc?: unknown }).gc;
  if (typeof existing === 'function') return existing as GcFunction;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    setFlagsFromString('--no-expose-gc');
    return typeof gc === 'function' ? (gc as GcFunction) : undefined;
  } catch {
    return undefined;
  }
}

/** At most one collection after passes per this long (event hints start passes up to every 2 s). */
export const GC_SPACING_MS = 10_000;

interface Remembered {
  status: Status;
  since: string;
  lastVerifiedAt: string | null;
}

/**
 * What the daemon remembers across passes: when each service's and resource's current
 * status began (`since`), when each was last read from AWS (`lastVerifiedAt`), the last 50
 * passes, and the services that keep failing (exponential back-off, capped). Each pass's
 * report is decorated with it; nothing here plans or decides what AWS should hold.
 */
export class ControllerMemory {
  private readonly services = new Map<string, Remembered>();
  private readonly resources = new Map<string, Remembered>();
  private readonly ring: PassRecord[] = [];
  private readonly failures = new Map<string, { count: number; nextRetryAt: number }>();
  /** When each service's API children were last read (rolling verification defers them). */
  private readonly childrenVerifiedAt = new Map<string, string>();
  private readonly backoff: BackoffPolicy;
  private readonly log: Logger;
  private readonly gc: GcFunction | undefined;
  private lastGcAt = -Infinity;

  constructor(log: Logger, backoff: BackoffPolicy = DEFAULT_BACKOFF, gc: GcFunction | undefined = exposedGc()) {
    this.log = log;
    this.backoff = backoff;
    this.gc = gc;
  }

  /**
   * After passes, while the controller waits for the next: give back the memory the pass
   * used. A pass allocates in proportion to the services (at 1,000, every listing parsed,
   * the observed state, the plan and the report: tens of MB, most of it dead when the pass
   * ends); left to V8's heuristics, that garbage stays until the old generation reaches a
   * limit of a few times the live heap, and the pages it freed stay mapped in V8's pool. A
   * full, memory-reducing collection here (V8's "last resort" flavour: it also shrinks the
   * new space and releases the pooled pages) takes the resident size back to about the live
   * heap after every pass. Measured with bench/scale.ts at 1,000 services after an
   * hour-equivalent of passes (issue 18): 375 MiB resident without it (the Dockerfile's
   * semi-space cap alone; a V8 heap of 150 MiB, most of it garbage), 167 MiB with it; the
   * collection costs about 20 ms of a 1.3 s pass.
   */
  releaseGarbage(now: number): void {
    if (!this.gc || now - this.lastGcAt < GC_SPACING_MS) return;
    this.lastGcAt = now;
    const started = performance.now();
    this.gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    this.log.debug({ gcMs: Math.round(performance.now() - started) }, 'garbage released after the pass');
  }

  /** Services whose actions are held back now, with the reason the report shows. */
  heldServices(now: number): Map<string, string> {
    const held = new Map<string, string>();
    for (const [svc, f] of this.failures) {
      if (f.nextRetryAt > now) held.set(svc, `backing off after ${f.count} failed pass${f.count === 1 ? '' : 'es'}: next retry at ${new Date(f.nextRetryAt).toISOString()}`);
    }
    return held;
  }

  /**
   * Take in a finished pass: remember statuses (logging each service transition), update the
   * back-off of failing services, add the pass to the ring, and return the report with
   * `since`, `lastVerifiedAt`, `backoff` and `recentPasses` filled in.
   */
  record(report: Report, trigger: string, now: number): Report {
    const at = report.generatedAt;
    const observed = report.services.length > 0;
    const services = report.services.map((s) => {
      const prev = this.services.get(s.name);
      if (prev && prev.status !== s.status) {
        const diffPaths = s.resources.flatMap((r) => r.diffs.map((d) => d.path));
        this.log.info({ service: s.name, from: prev.status, to: s.status, transition: `${prev.status} -> ${s.status}`, diffPaths, passId: report.passId }, `service ${s.name}: ${prev.status} -> ${s.status}`);
      }
      const since = prev && prev.status === s.status ? prev.since : at;
      this.services.set(s.name, { status: s.status, since, lastVerifiedAt: s.lastVerifiedAt ?? prev?.lastVerifiedAt ?? null });
      if (s.resources.some((r) => (r.kind === 'integration' || r.kind === 'route' || r.kind === 'stage') && r.readThisPass !== false)) {
        this.childrenVerifiedAt.set(s.name, at);
      }
      const resources = s.resources.map((r) => {
        const key = `${s.name}\u0000${r.kind}\u0000${r.id}`;
        const before = this.resources.get(key);
        const rSince = before && before.status === r.status ? before.since : at;
        // An API's children not re-read: when they last were (their own rows are not in this report).
        const carried = r.readThisPass === false && r.kind === 'httpApiChildren' ? this.childrenVerifiedAt.get(s.name) : undefined;
        const lastVerifiedAt = r.lastVerifiedAt ?? carried ?? before?.lastVerifiedAt ?? null;
        this.resources.set(key, { status: r.status, since: rSince, lastVerifiedAt });
        return { ...r, since: rSince, lastVerifiedAt };
      });
      this.updateBackoff(s.name, report, now);
      const f = this.failures.get(s.name);
      return {
        ...s,
        resources,
        since,
        lastVerifiedAt: s.lastVerifiedAt ?? prev?.lastVerifiedAt ?? null,
        ...(f && f.nextRetryAt > now ? { backoff: { failures: f.count, nextRetryAt: new Date(f.nextRetryAt).toISOString() } } : {}),
      };
    });
    if (observed) {
      // Services gone from the report (removed and deleted) are forgotten, with everything kept
      // per service: over months of services coming and going, nothing else may grow.
      const names = new Set(report.services.map((s) => s.name));
      for (const name of [...this.services.keys()]) if (!names.has(name)) this.services.delete(name);
      for (const name of [...this.childrenVerifiedAt.keys()]) if (!names.has(name)) this.childrenVerifiedAt.delete(name);
      for (const key of [...this.resources.keys()]) if (!names.has(key.slice(0, key.indexOf('\u0000')))) this.resources.delete(key);
    }
    this.ring.unshift({
      passId: report.passId,
      at,
      mode: report.mode,
      outcome: report.outcome,
      durationMs: report.stats.durationMs,
      awsCalls: report.stats.awsCalls.total,
      mutatingCalls: report.stats.awsCalls.mutating,
      actionsApplied: report.summary.applied,
      trigger,
    });
    this.ring.length = Math.min(this.ring.length, PASS_RING_SIZE);
    return { ...report, services, recentPasses: [...this.ring] };
  }

  recentPasses(): PassRecord[] {
    return [...this.ring];
  }

  /** A service with a failed action this pass backs off; one whose actions all applied (or that had none to apply and is not in Error) is forgiven. */
  private updateBackoff(service: string, report: Report, now: number): void {
    const mine = report.actions.filter((a) => a.service === service);
    const failed = mine.some((a) => a.result === 'failed');
    const heldBack = mine.some((a) => a.result === 'skipped' && (a.error ?? '').startsWith('backing off'));
    if (failed) {
      const count = (this.failures.get(service)?.count ?? 0) + 1;
      const delay = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** (count - 1));
      this.failures.set(service, { count, nextRetryAt: now + delay });
      this.log.warn({ service, failures: count, nextRetryAt: new Date(now + delay).toISOString() }, `service ${service} failed ${count} time(s): backing off`);
    } else if (!heldBack && report.mode === 'reconcile' && mine.length > 0 && mine.every((a) => a.result === 'applied')) {
      this.failures.delete(service);
    } else if (!heldBack && report.mode === 'reconcile' && mine.length === 0 && report.services.find((s) => s.name === service)?.status !== 'Error') {
      this.failures.delete(service);
    }
  }
}
