import type { DeepReadCandidate, DeepReadSelector } from '../model/observed.ts';

/**
 * Rolling deep verification (the controller only). Each pass still reads the cheap listings;
 * the per-API reads (integrations, routes, stages: `callsPerResource` calls) are spread over
 * passes, oldest-verified first, so that every API is read at least once per `windowMs`
 * while background reads stay within `budgetRps` (the verify budget's share of API
 * Gateway's pace, which the client's scheduler also enforces call by call).
 *
 * What must not wait is read at once, at `check` priority (outside the background share):
 * an API never verified, one a hint names, one whose service changed in the document or was
 * not in sync at the last pass, and everything when asked (the first pass).
 */
export interface RollingOptions {
  windowMs: number;
  /** Background calls per second this verification may spend. */
  budgetRps: number;
  callsPerResource: number;
  /** Read ahead of the deadline by this factor when the budget allows (jitter, slow passes). */
  margin?: number;
  /**
   * The pass interval: one pass takes at most what the budget reads in an interval, so a pass
   * stays about an interval long and the listings are read every interval whatever the size.
   */
  intervalMs?: number;
}

export interface Urgent {
  all?: boolean;
  services?: ReadonlySet<string>;
  apiIds?: ReadonlySet<string>;
}

export interface VerificationStatus {
  windowSeconds: number;
  budgetRps: number;
  resources: number;
  callsPerResource: number;
  /** The shortest window the budget can keep for this many resources. */
  achievableWindowSeconds: number;
  /** false: the budget cannot cover `windowSeconds` for this many resources. */
  sufficient: boolean;
  /** When the least recently verified resource was read (null: none yet). */
  oldestVerifiedAt: string | null;
}

export class RollingVerifier {
  private readonly opts: Required<RollingOptions>;
  private readonly lastVerified = new Map<string, number>();
  private credit = 0;
  private lastAccrual: number | undefined;
  private known = 0;
  /** What the last selection marked, with the time it replaced, until the pass says what it read. */
  private marked = new Map<string, { before: number | undefined; background: boolean }>();

  constructor(opts: RollingOptions) {
    if (!(opts.windowMs > 0) || !(opts.budgetRps > 0) || !(opts.callsPerResource > 0)) throw new Error('window, budget and calls must be positive');
    this.opts = { margin: 1.25, intervalMs: 60_000, ...opts };
  }

  /** The selector for one pass at `now`; it records what it chose as verified at `now`. */
  selector(now: number, urgent: Urgent = {}): DeepReadSelector {
    return (candidates) => this.choose(now, candidates, urgent);
  }

  /**
   * After the pass: the chosen APIs it did not read after all (their background reads were
   * cancelled for a more urgent pass) keep their previous time, so they stay first in line.
   */
  notRead(ids: Iterable<string>): void {
    for (const id of ids) {
      const m = this.marked.get(id);
      if (!m) continue;
      if (m.before === undefined) this.lastVerified.delete(id);
      else this.lastVerified.set(id, m.before);
      // The budget it was chosen with was not spent: the next pass may use it.
      if (m.background) this.credit += 1;
    }
    this.marked = new Map();
  }

  /** The last time each API's children were read (for tests and the report). */
  verifiedAt(id: string): number | undefined {
    return this.lastVerified.get(id);
  }

  status(): VerificationStatus {
    const { windowMs, budgetRps, callsPerResource } = this.opts;
    // One full cycle at the budget, plus one pass interval: reads happen at pass starts.
    const achievable = (this.known * callsPerResource) / budgetRps + this.opts.intervalMs / 1000;
    let oldest: number | undefined;
    for (const t of this.lastVerified.values()) oldest = oldest === undefined ? t : Math.min(oldest, t);
    return {
      windowSeconds: windowMs / 1000,
      budgetRps,
      resources: this.known,
      callsPerResource,
      achievableWindowSeconds: Math.round(achievable * 10) / 10,
      sufficient: achievable <= windowMs / 1000,
      oldestVerifiedAt: oldest === undefined ? null : new Date(oldest).toISOString(),
    };
  }

  private choose(now: number, candidates: DeepReadCandidate[], urgent: Urgent): Map<string, 'check' | 'background'> {
    const { windowMs, budgetRps, callsPerResource, margin } = this.opts;
    const ids = new Set(candidates.map((c) => c.id));
    for (const id of [...this.lastVerified.keys()]) if (!ids.has(id)) this.lastVerified.delete(id);
    this.known = candidates.length;

    // Resources per second this verification reads: what the window needs (with a margin),
    // never more than the budget allows.
    const needed = (candidates.length / (windowMs / 1000)) * margin;
    const rate = Math.min(needed, budgetRps / callsPerResource);
    const accrued = this.lastAccrual !== undefined ? ((now - this.lastAccrual) / 1000) * rate : 0;
    this.lastAccrual = now;
    // What accrued since the last pass, plus a little carried over (the fraction a pass could
    // not use, passes running late); no hoarding across long quiet spells.
    this.credit = Math.min(this.credit + accrued, accrued + rate * 10 + 1);

    const chosen = new Map<string, 'check' | 'background'>();
    const rest: DeepReadCandidate[] = [];
    for (const c of candidates) {
      const isUrgent =
        urgent.all || !this.lastVerified.has(c.id) || urgent.apiIds?.has(c.id) || (c.service !== undefined && urgent.services?.has(c.service));
      if (isUrgent) chosen.set(c.id, 'check');
      else rest.push(c);
    }
    rest.sort((a, b) => this.lastVerified.get(a.id)! - this.lastVerified.get(b.id)! || a.id.localeCompare(b.id));
    const perPass = Math.max(1, Math.ceil((budgetRps * (this.opts.intervalMs / 1000)) / callsPerResource));
    const take = Math.min(rest.length, Math.floor(this.credit), perPass);
    for (const c of rest.slice(0, take)) chosen.set(c.id, 'background');
    this.credit -= take;
    this.marked = new Map();
    for (const [id, priority] of chosen) {
      this.marked.set(id, { before: this.lastVerified.get(id), background: priority === 'background' });
      this.lastVerified.set(id, now);
    }
    return chosen;
  }
}
