/**
 * API Gateway allows one CreateDomainName, one UpdateDomainName and one DeleteDomainName
 * per 30 s per account, not adjustable ("Quotas and important notes"). The pacer remembers
 * when each was last sent, for as long as the process lives (the daemon's passes, or the
 * passes of one `--reconcile-once --wait`), and tells the observer which may be sent now;
 * the planner then plans at most that many and reports the rest as Pending.
 */
export type DomainOperation = 'create' | 'update' | 'delete';

export class DomainPacer {
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly last = new Map<DomainOperation, number>();

  constructor(intervalMs = 30_000, now: () => number = () => Date.now()) {
    this.intervalMs = intervalMs;
    this.now = now;
  }

  /** A pace of 0 (tests, an account whose quota AWS raised) lifts the one-per-pass limit too. */
  get unpaced(): boolean {
    return this.intervalMs === 0;
  }

  available(op: DomainOperation): boolean {
    const last = this.last.get(op);
    return last === undefined || this.now() - last >= this.intervalMs;
  }

  nextAt(op: DomainOperation): string | undefined {
    const last = this.last.get(op);
    return last === undefined ? undefined : new Date(last + this.intervalMs).toISOString();
  }

  /** Record a call that was sent (whether or not AWS accepted it: a refusal also spends the slot). */
  used(op: DomainOperation): void {
    this.last.set(op, this.now());
  }

  /** Milliseconds until `op` is available again (0 when it is). */
  waitMs(op: DomainOperation): number {
    const last = this.last.get(op);
    return last === undefined ? 0 : Math.max(0, last + this.intervalMs - this.now());
  }
}
