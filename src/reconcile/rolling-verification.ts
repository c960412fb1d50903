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
  /**
   * false: this pass reads only what is urgent, no background verification (a pass a hint or a
   * document change started must not wait for background reads; the credit waits for the next).
   */
  background?: boolean;
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

/**
 * The whole steady-state API Gateway cost within the verify budget. Every scheduled pass
 * reads the listings (GetApis, GetDomainNames, with their pages) at once; those calls are
 * subtracted from the budget first, at the pace passes come, and the rolling deep reads get
 * what is left. Listings may take at most `listingShare` of the budget: when they would take
 * more (a short --interval, a small budget, many pages), scheduled passes are spaced out so
 * they do not, and deep verification keeps the rest.
 */
export interface ApiBudgetOptions {
  /** API Gateway calls per second for steady state (--verify-budget times the pace). */
  budgetRps: number;
  /** --interval: scheduled passes start this often (start to start) unless spaced out. */
  intervalMs: number;
  /** The largest share of the budget the listings may take (default 0.5). */
  listingShare?: number;
}

export class ApiBudget {
  readonly budgetRps: number;
  private readonly configuredIntervalMs: number;
  private readonly listingShare: number;
  private listingCalls: number | undefined;

  constructor(opts: ApiBudgetOptions) {
    if (!(opts.budgetRps > 0) || !(opts.intervalMs > 0)) throw new Error('budget and interval must be positive');
    this.budgetRps = opts.budgetRps;
    this.configuredIntervalMs = opts.intervalMs;
    this.listingShare = opts.listingShare ?? 0.5;
  }

  /** The listing calls a scheduled pass made (the latest one counts). */
  listed(calls: number): void {
    this.listingCalls = calls;
  }

  /** The listing calls of a scheduled pass, once one was measured. */
  listingCallsPerPass(): number | undefined {
    return this.listingCalls;
  }

  /** How often scheduled passes start: --interval, or longer when the listings alone would take more than their share. */
  intervalMs(): number {
    const calls = this.listingCalls ?? 0;
    const spaced = (calls / (this.budgetRps * this.listingShare)) * 1000;
    return Math.max(this.configuredIntervalMs, Math.ceil(spaced));
  }

  /** true while scheduled passes are spaced out beyond --interval. */
  spaced(): boolean {
    return this.intervalMs() > this.configuredIntervalMs;
  }

  /** The listings' calls per second at the pace scheduled passes come. */
  listingRps(): number {
    return (this.listingCalls ?? 0) / (this.intervalMs() / 1000);
  }

  /** What is left for rolling deep verification. */
  deepRps(): number {
    return Math.max(0, this.budgetRps - this.listingRps());
  }

  /**
   * Share the deep budget among verifiers (API children, custom domains' mappings) in
   * proportion to what each one's window needs, and tell them the pass interval.
   */
  distribute(verifiers: readonly RollingVerifier[]): void {
    const deep = this.deepRps();
    const needs = verifiers.map((v) => v.neededRps());
    const total = needs.reduce((a, b) => a + b, 0);
    verifiers.forEach((v, i) => v.setPace(total > 0 ? (deep * needs[i]!) / total : deep / verifiers.length, this.intervalMs()));
  }
}

export class RollingVerifier {
  private readonly opts: Required<RollingOptions>;
  private readonly lastVerified = new Map<string, number>();
  private credit = 0;
  /** Background reads chosen and then not made (cancelled): their budget is carried to the next pass. */
  private returned = 0;
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
   * Returns how many of them were background reads.
   */
  notRead(ids: Iterable<string>): number {
    let background = 0;
    for (const id of ids) {
      const m = this.marked.get(id);
      if (!m) continue;
      if (m.before === undefined) this.lastVerified.delete(id);
      else this.lastVerified.set(id, m.before);
      // The budget it was chosen with was not spent: the next pass may use it.
      if (m.background) {
        this.credit += 1;
        this.returned += 1;
        background++;
      }
    }
    this.marked = new Map();
    return background;
  }

  /**
   * This verifier's share of the budget (calls per second, 0 allowed: no background reads)
   * and the pass interval, from ApiBudget.distribute.
   */
  setPace(budgetRps: number, intervalMs: number): void {
    this.opts.budgetRps = Math.max(0, budgetRps);
    this.opts.intervalMs = intervalMs;
  }

  /** Calls per second the window needs for the resources known (with the margin). */
  neededRps(): number {
    return ((this.known * this.opts.callsPerResource) / (this.opts.windowMs / 1000)) * this.opts.margin;
  }

  /** Resources the last selection chose for background reads (before any notRead). */
  backgroundChosen(): number {
    let n = 0;
    for (const m of this.marked.values()) if (m.background) n++;
    return n;
  }

  /** The last selection did not happen after all (its pass was abandoned): everything keeps its turn. */
  abandon(): void {
    this.notRead([...this.marked.keys()]);
  }

  /** The last time each API's children were read (for tests and the report). */
  verifiedAt(id: string): number | undefined {
    return this.lastVerified.get(id);
  }

  status(): VerificationStatus {
    const { windowMs, budgetRps, callsPerResource } = this.opts;
    // One full cycle at the budget, plus one pass interval: reads happen at pass starts.
    const achievable = budgetRps > 0 ? (this.known * callsPerResource) / budgetRps + this.opts.intervalMs / 1000 : Infinity;
    let oldest: number | undefined;
    for (const t of this.lastVerified.values()) oldest = oldest === undefined ? t : Math.min(oldest, t);
    return {
      windowSeconds: windowMs / 1000,
      budgetRps,
      resources: this.known,
      callsPerResource,
      achievableWindowSeconds: Number.isFinite(achievable) ? Math.round(achievable * 10) / 10 : Number.MAX_SAFE_INTEGER,
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
    // What accrued since the last pass, plus the fraction a pass could not use and the reads
    // cancelled since; nothing more is carried over, so no minute spends more than the budget
    // (no hoarding across long quiet spells either).
    this.credit = Math.min(this.credit + accrued, accrued + this.returned + 1);
    this.returned = 0;

    const chosen = new Map<string, 'check' | 'background'>();
    const rest: DeepReadCandidate[] = [];
    for (const c of candidates) {
      const isUrgent =
        urgent.all || !this.lastVerified.has(c.id) || urgent.apiIds?.has(c.id) || (c.service !== undefined && urgent.services?.has(c.service));
      if (isUrgent) chosen.set(c.id, 'check');
      else rest.push(c);
    }
    rest.sort((a, b) => this.lastVerified.get(a.id)! - this.lastVerified.get(b.id)! || a.id.localeCompare(b.id));
    // At most one interval's worth: no burst after a long pass (one that read many APIs at once).
    const perPass = budgetRps > 0 ? Math.max(1, Math.ceil((budgetRps * (this.opts.intervalMs / 1000)) / callsPerResource)) : 0;
    const take = urgent.background === false ? 0 : Math.min(rest.length, Math.floor(this.credit), perPass);
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
