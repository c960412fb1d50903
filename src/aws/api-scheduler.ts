import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Why a call is made, in the order it is served when calls queue for the same service:
 * applying changes first, then checks a hint or a document change asked for (and the
 * cheap listings every pass makes), then background verification.
 */
export type CallPriority = 'apply' | 'check' | 'background';

interface CallContext {
  priority: CallPriority;
  /** Aborting it cancels the calls still waiting for their turn (a hint preempts background reads). */
  signal?: AbortSignal;
  /**
   * The pass's deadline: once it aborts, every call of the pass, waiting or in flight, ends
   * at once (the client factory's middleware races it) and none is retried.
   */
  deadline?: AbortSignal;
  /**
   * A steady-state (scheduled) pass: its checks (the listings) also draw from the background
   * share, so listings and background verification together never spend more than it.
   */
  steady?: boolean;
}
const callContext = new AsyncLocalStorage<CallContext>();

/** Run `fn` with every AWS call it makes (however deep) scheduled at `priority`; the deadline carries over. */
export function withPriority<T>(priority: CallPriority, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const outer = callContext.getStore();
  return callContext.run({ priority, ...(signal ? { signal } : {}), ...(outer?.deadline ? { deadline: outer.deadline } : {}), ...(outer?.steady ? { steady: true } : {}) }, fn);
}

/** Run `fn` with every AWS call it makes bounded by `deadline` (a pass's time limit). */
export function withDeadline<T>(deadline: AbortSignal, fn: () => Promise<T>): Promise<T> {
  const outer = callContext.getStore();
  return callContext.run({ priority: outer?.priority ?? 'check', ...(outer?.signal ? { signal: outer.signal } : {}), deadline, ...(outer?.steady ? { steady: true } : {}) }, fn);
}

/**
 * Run `fn` as part of steady state (a scheduled pass's reads): its check calls also draw from
 * each service's background share (never waiting for it: the listings go at once, and the
 * background calls after them wait for the share to refill). The priority, signal and
 * deadline carry over.
 */
export function withSteadyState<T>(fn: () => Promise<T>): Promise<T> {
  const outer = callContext.getStore();
  return callContext.run({ priority: outer?.priority ?? 'check', ...(outer?.signal ? { signal: outer.signal } : {}), ...(outer?.deadline ? { deadline: outer.deadline } : {}), steady: true }, fn);
}

/** The priority of the call being made; `check` outside any `withPriority`. */
export function currentPriority(): CallPriority {
  return callContext.getStore()?.priority ?? 'check';
}

/** What cancels a call still waiting for its turn: its own signal, or the pass's deadline. */
export function currentSignal(): AbortSignal | undefined {
  const ctx = callContext.getStore();
  if (ctx?.signal && ctx.deadline) return AbortSignal.any([ctx.signal, ctx.deadline]);
  return ctx?.signal ?? ctx?.deadline;
}

/** The pass's deadline, if the call is made within one. */
export function currentDeadline(): AbortSignal | undefined {
  return callContext.getStore()?.deadline;
}

/** The error a call waiting for its turn gets when its signal aborts. */
export class CallCancelled extends Error {
  constructor() {
    super('cancelled while waiting for its turn in the call budget');
    this.name = 'CallCancelled';
  }
}

export interface SchedulerOptions {
  /** Requests per second this service allows (its account-wide pace); undefined: unpaced. */
  ratePerSecond?: number;
  burst?: number;
  /** Share (0..1] of the pace background verification may use. */
  backgroundShare?: number;
  /** After a throttling answer the pace halves; each `recoverAfterMs` without one it doubles back. */
  recoverAfterMs?: number;
  /** The pace never drops below this fraction of the configured one. */
  minFactor?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Waiter {
  resolve: () => void;
  /** A steady-state check: it also draws a token of the background share (which may go into debt). */
  chargeBackground: boolean;
}

/** A whole token, less what floating-point refills lose (0.9999999999999998 is one token, not a 1e-13 ms wait). */
const ONE = 1 - 1e-9;

/** How far steady-state checks may put the background share into debt, in seconds of the share. */
const MAX_BACKGROUND_DEBT_SECONDS = 10;

/**
 * One AWS service's call budget (one per account, Region and service: one process serves
 * one account and Region). A token bucket at the service's pace, shared by all callers, and
 * a second bucket at `backgroundShare` of it that background calls must also draw from, so
 * background verification never takes more than its share and never delays a change.
 * Queued calls are served by priority, then in arrival order.
 */
export class ApiScheduler {
  private readonly rate: number | undefined;
  private readonly burst: number;
  private readonly share: number;
  private readonly backgroundBurst: number;
  private readonly recoverAfterMs: number;
  private readonly minFactor: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private tokens: number;
  private backgroundTokens: number;
  private last: number;
  private factor = 1;
  private lastPaceChange: number;
  private throttles = 0;
  private readonly queues: Record<CallPriority, Waiter[]> = { apply: [], check: [], background: [] };
  private dispatching = false;

  constructor(opts: SchedulerOptions = {}) {
    if (opts.ratePerSecond !== undefined && !(opts.ratePerSecond > 0)) throw new Error('rate must be positive');
    this.rate = opts.ratePerSecond;
    this.burst = Math.max(1, opts.burst ?? opts.ratePerSecond ?? 1);
    this.share = Math.min(1, Math.max(0.001, opts.backgroundShare ?? 1));
    // One second's worth: background calls may not burst past their share.
    this.backgroundBurst = Math.max(1, Math.floor((this.rate ?? 1) * this.share));
    this.recoverAfterMs = opts.recoverAfterMs ?? 30_000;
    this.minFactor = opts.minFactor ?? 1 / 16;
    this.now = opts.now ?? (() => performance.now());
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.tokens = this.burst;
    this.backgroundTokens = this.backgroundBurst;
    this.last = this.now();
    this.lastPaceChange = this.last;
  }

  /**
   * Resolves when a call of this priority may go; rejects with CallCancelled if `signal`
   * aborts first. A check made in steady state (withSteadyState) also draws from the
   * background share, without waiting for it.
   */
  acquire(priority: CallPriority, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new CallCancelled());
    if (this.rate === undefined) return Promise.resolve();
    const chargeBackground = priority === 'check' && callContext.getStore()?.steady === true;
    return new Promise<void>((resolve, reject) => {
      const queue = this.queues[priority];
      const onAbort = () => {
        const i = queue.indexOf(waiter);
        if (i >= 0) queue.splice(i, 1);
        reject(new CallCancelled());
      };
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        chargeBackground,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
      void this.dispatch();
    });
  }

  /**
   * A throttling answer: halve the pace for a while. Answers within a second of the last
   * halving belong to the same burst and halve it once.
   */
  onThrottle(): void {
    this.throttles += 1;
    this.refill();
    const t = this.now();
    if (this.lastHalving !== undefined && t - this.lastHalving < 1_000) return;
    this.lastHalving = t;
    this.factor = Math.max(this.minFactor, this.factor / 2);
    this.lastPaceChange = t;
  }
  private lastHalving: number | undefined;

  /** The current pace in requests per second (undefined: unpaced). */
  pace(): number | undefined {
    if (this.rate === undefined) return undefined;
    this.refill();
    return this.rate * this.factor;
  }

  stats(): { pace: number | undefined; factor: number; throttles: number; queued: Record<CallPriority, number> } {
    return {
      pace: this.pace(),
      factor: this.factor,
      throttles: this.throttles,
      queued: { apply: this.queues.apply.length, check: this.queues.check.length, background: this.queues.background.length },
    };
  }

  private refill(): void {
    const t = this.now();
    // Recover one step per quiet period since the last change.
    while (this.factor < 1 && t - this.lastPaceChange >= this.recoverAfterMs) {
      this.factor = Math.min(1, this.factor * 2);
      this.lastPaceChange += this.recoverAfterMs;
    }
    const rate = (this.rate ?? 0) * this.factor;
    const elapsed = (t - this.last) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * rate);
    this.backgroundTokens = Math.min(this.backgroundBurst, this.backgroundTokens + elapsed * rate * this.share);
    this.last = t;
  }

  private async dispatch(): Promise<void> {
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (;;) {
        this.refill();
        const rate = (this.rate ?? 1) * this.factor;
        const urgent = this.queues.apply.length > 0 ? this.queues.apply : this.queues.check.length > 0 ? this.queues.check : undefined;
        if (urgent) {
          if (this.tokens >= ONE) {
            this.tokens -= 1;
            const w = urgent.shift()!;
            if (w.chargeBackground) this.backgroundTokens = Math.max(this.backgroundTokens - 1, -MAX_BACKGROUND_DEBT_SECONDS * this.backgroundBurst);
            w.resolve();
            continue;
          }
          await this.sleep(((1 - this.tokens) / rate) * 1000);
          continue;
        }
        if (this.queues.background.length === 0) return;
        if (this.tokens >= ONE && this.backgroundTokens >= ONE) {
          this.tokens -= 1;
          this.backgroundTokens -= 1;
          this.queues.background.shift()!.resolve();
          continue;
        }
        const waitMain = this.tokens >= ONE ? 0 : (1 - this.tokens) / rate;
        const waitBackground = this.backgroundTokens >= ONE ? 0 : (1 - this.backgroundTokens) / (rate * this.share);
        // Short naps: an urgent call arriving meanwhile is served at the next token.
        await this.sleep(Math.min(Math.max(waitMain, waitBackground), 1 / rate) * 1000);
      }
    } finally {
      this.dispatching = false;
    }
  }
}
