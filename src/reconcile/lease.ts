import { RouteyardError, describeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { LeaseState } from '../model/report-contract.ts';

/**
 * The leader lease: two copies must never write at once (an ECS rolling deployment runs
 * old and new tasks side by side; a CI --reconcile-once may run beside the daemon).
 *
 * - A holder id per process, an expiry (default 15 s), renewed every 5 s.
 * - A fencing token that increases on every takeover; before each batch of mutating
 *   calls the holder proves, with a conditional write, that its holder id and token still
 *   lead (`fence`).
 * - A holder that cannot renew stops writing before its lease can expire: it counts its
 *   lease valid only until the start of its last successful renewal plus the lease
 *   duration, minus a safety margin for clock drift and the write in flight.
 * Timing follows controller-runtime's leader election (15 s lease, renew well before expiry).
 */
export interface LeaseRecord {
  holder: string;
  /** Epoch milliseconds, by the holder's clock. */
  expiresAt: number;
  fencingToken: number;
}

/** Where the lease lives (aws/dynamodb/lease-store.ts). Conditional writes only. */
export interface LeaseStore {
  /** Take the lease if it is free or expired; undefined when another holder has it. */
  acquire(p: { id: string; holder: string; now: number; durationMs: number }): Promise<LeaseRecord | undefined>;
  /** Extend it; false when this holder and token no longer lead. */
  renew(p: { id: string; holder: string; token: number; now: number; durationMs: number }): Promise<boolean>;
  /** A conditional write proving this holder and token lead now; false when not. */
  fence(p: { id: string; holder: string; token: number; now: number }): Promise<boolean>;
  release(p: { id: string; holder: string; token: number }): Promise<void>;
  read(id: string): Promise<LeaseRecord | undefined>;
}

export interface LeaseOptions {
  table: string;
  /** The lease item's id; one per controller (default "routeyard"). */
  id: string;
  holder: string;
  durationMs: number;
  renewEveryMs: number;
  /** Stop writing this long before the lease would expire. */
  safetyMarginMs?: number;
  now?: () => number;
}

export const DEFAULT_LEASE = { id: 'routeyard', durationMs: 15_000, renewEveryMs: 5_000 };

export class LeaseLostError extends RouteyardError {
  constructor(message: string) {
    super('LeaseLost', message, { fault: 'aws' });
  }
}

export class LeaseManager {
  private readonly store: LeaseStore;
  private readonly opts: Required<LeaseOptions>;
  private readonly log: Logger;
  private token: number | undefined;
  /** Local deadline: writing stops at this time unless a renewal succeeds first. */
  private validUntil = 0;
  private lastSeen: LeaseRecord | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private transitions = 0;
  private lastError: string | undefined;
  private readonly onChange: ((held: boolean) => void)[] = [];
  /** False while the copy is stuck (no pass finished in time): it then stops renewing. */
  private progressing: () => boolean = () => true;

  constructor(store: LeaseStore, opts: LeaseOptions, log: Logger) {
    this.store = store;
    this.opts = { safetyMarginMs: Math.min(3000, opts.durationMs / 5), now: () => Date.now(), ...opts };
    this.log = log.child({ lease: opts.id, holder: opts.holder });
  }

  /** Called with true when this copy takes the lead, false when it loses or gives it up. */
  onTransition(fn: (held: boolean) => void): void {
    this.onChange.push(fn);
  }

  /**
   * A copy whose passes have stopped finishing must not keep the lease: it stops renewing (and
   * trying to acquire), so the lease expires and a healthy copy takes over.
   */
  renewOnlyWhile(progressing: () => boolean): void {
    this.progressing = progressing;
  }

  get transitionCount(): number {
    return this.transitions;
  }

  isLeader(): boolean {
    return this.token !== undefined && this.opts.now() < this.validUntil;
  }

  state(): LeaseState {
    const held = this.isLeader();
    const seen = this.lastSeen;
    const current = seen && seen.expiresAt > this.opts.now() ? seen : undefined;
    return {
      enabled: true,
      table: this.opts.table,
      held,
      holder: held ? this.opts.holder : (current?.holder ?? null),
      self: this.opts.holder,
      fencingToken: held ? (this.token ?? null) : (current?.fencingToken ?? null),
      expiresAt: current ? new Date(current.expiresAt).toISOString() : null,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  /** Keep trying to lead (or keep leading) until stop(): one attempt every renewal interval. */
  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      await this.tryOnce();
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.isLeader() ? this.opts.renewEveryMs : Math.min(this.opts.renewEveryMs, 2000));
    };
    void tick();
  }

  /**
   * For --reconcile-once: try until the lease is ours or `waitMs` has passed. A table that
   * does not exist ends the wait at once (waiting cannot help); `state().lastError` says why.
   */
  async acquireWithin(waitMs: number): Promise<boolean> {
    const deadline = this.opts.now() + waitMs;
    for (;;) {
      await this.tryOnce();
      if (this.isLeader()) return true;
      if (this.opts.now() >= deadline || this.stopped || this.tableMissing) return false;
      await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(1, deadline - this.opts.now()))));
    }
  }

  /** Keep a lease taken with acquireWithin renewed in the background. */
  keepRenewing(): void {
    const tick = async () => {
      if (this.stopped) return;
      await this.tryOnce();
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.opts.renewEveryMs);
    };
    this.timer = setTimeout(() => void tick(), this.opts.renewEveryMs);
  }

  /**
   * Before each batch of mutating calls: the local deadline, then a conditional write at
   * DynamoDB that this holder and fencing token still lead. Throws LeaseLostError if not.
   */
  async fence(): Promise<void> {
    if (!this.isLeader() || this.token === undefined) throw new LeaseLostError('this copy does not hold the lease (or could not renew it in time): it stops writing');
    const ok = await this.store.fence({ id: this.opts.id, holder: this.opts.holder, token: this.token, now: this.opts.now() });
    if (!ok) {
      this.lose('the fencing check failed: another copy has taken the lease');
      throw new LeaseLostError('the fencing check failed: another copy holds the lease; this copy stops writing');
    }
  }

  /** Stop renewing and expire the lease at once, so another copy can take over immediately. */
  async release(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const token = this.token;
    if (token === undefined) return;
    this.token = undefined;
    this.validUntil = 0;
    try {
      await this.store.release({ id: this.opts.id, holder: this.opts.holder, token });
      this.log.info({ fencingToken: token }, 'lease released');
    } catch (err) {
      this.log.warn({ err: describeError(err) }, 'could not release the lease; it expires on its own');
    }
    this.emit(false);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private tableMissing = false;

  /** The last attempt found no lease table (waiting cannot help; the run says so, exit 5). */
  get missingTable(): boolean {
    return this.tableMissing;
  }

  private async tryOnce(): Promise<void> {
    const started = this.opts.now();
    if (!this.progressing()) {
      this.lastError = 'not renewing: no pass has finished in time (this copy is stuck)';
      this.log.warn(this.lastError);
      if (this.token !== undefined && started >= this.validUntil) this.lose('stuck: the lease was left to expire');
      return;
    }
    try {
      if (this.token !== undefined) {
        const ok = await this.store.renew({ id: this.opts.id, holder: this.opts.holder, token: this.token, now: started, durationMs: this.opts.durationMs });
        if (ok) {
          this.validUntil = started + this.opts.durationMs - this.opts.safetyMarginMs;
          this.lastSeen = { holder: this.opts.holder, expiresAt: started + this.opts.durationMs, fencingToken: this.token };
          return;
        }
        this.lose('renewal refused: another copy has taken the lease');
      }
      const got = await this.store.acquire({ id: this.opts.id, holder: this.opts.holder, now: started, durationMs: this.opts.durationMs });
      if (got && got.holder === this.opts.holder) {
        this.token = got.fencingToken;
        this.validUntil = started + this.opts.durationMs - this.opts.safetyMarginMs;
        this.lastSeen = got;
        this.log.info({ fencingToken: got.fencingToken }, 'lease acquired: this copy leads');
        this.emit(true);
      } else {
        this.lastSeen = await this.store.read(this.opts.id);
      }
      this.lastError = undefined;
    } catch (err) {
      // A failed call is not a lost lease, but the local deadline keeps running: past it,
      // isLeader() is false and nothing is written.
      this.tableMissing = (err as Error).name === 'ResourceNotFoundException';
      this.lastError = this.tableMissing ? `the lease table ${this.opts.table} does not exist (or is not in this Region)` : describeError(err);
      this.log.warn({ err: this.lastError }, 'lease call failed');
      if (this.token !== undefined && this.opts.now() >= this.validUntil) this.lose('could not renew before the lease would expire');
    }
  }

  private lose(why: string): void {
    if (this.token === undefined) return;
    this.log.warn({ fencingToken: this.token }, `lease lost: ${why}`);
    this.token = undefined;
    this.validUntil = 0;
    this.emit(false);
  }

  private emit(held: boolean): void {
    this.transitions++;
    for (const fn of this.onChange) fn(held);
  }
}
