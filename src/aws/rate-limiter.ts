/**
 * A token bucket that paces calls on the client side. API Gateway's management API allows
 * about 10 requests per second per account in total; a pass that would exceed that waits
 * here instead of being throttled (and, worse, competing with every other tool in the account).
 */
export class TokenBucket {
  private readonly ratePerSecond: number;
  private readonly burst: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    ratePerSecond: number,
    burst: number,
    now: () => number = () => performance.now(),
    sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    if (!(ratePerSecond > 0)) throw new Error('rate must be positive');
    this.ratePerSecond = ratePerSecond;
    this.burst = Math.max(1, burst);
    this.now = now;
    this.sleep = sleep;
    this.tokens = this.burst;
    this.last = now();
  }

  /** Resolves when a token is available. Callers are served in arrival order. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.waitForToken());
    this.queue = turn;
    return turn;
  }

  private async waitForToken(): Promise<void> {
    for (;;) {
      const t = this.now();
      this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSecond);
      this.last = t;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.sleep(((1 - this.tokens) / this.ratePerSecond) * 1000);
    }
  }
}
