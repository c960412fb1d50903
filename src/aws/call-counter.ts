/**
 * Counts AWS calls by service and operation. One counter per pass; the client factory
 * attaches it to every client as middleware, so every call is counted whatever code
 * made it. The counts are part of every report: they are how cost is measured.
 */
export interface CallStats {
  total: number;
  mutating: number;
  /** Attempts the service answered with a throttling error (each retry counts). */
  throttled: number;
  /** Extra attempts the SDK made after retryable errors. */
  retries: number;
  byService: Record<string, number>;
  byOperation: Record<string, number>;
}

/** Read-only operations by naming convention across the services routeyard calls. */
const READ_ONLY = /^(Describe|Get|List|Head)/;

export class CallCounter {
  private calls = new Map<string, number>();
  private throttles = new Map<string, number>();
  private retried = 0;

  recordCall(service: string, operation: string): void {
    const key = `${service}.${operation}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
  }

  recordThrottle(service: string, operation: string): void {
    const key = `${service}.${operation}`;
    this.throttles.set(key, (this.throttles.get(key) ?? 0) + 1);
  }

  recordRetry(): void {
    this.retried += 1;
  }

  snapshot(): CallStats {
    const byOperation: Record<string, number> = {};
    const byService: Record<string, number> = {};
    let total = 0;
    let mutating = 0;
    for (const [key, n] of [...this.calls.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      byOperation[key] = n;
      const [service = '', operation = ''] = key.split('.');
      byService[service] = (byService[service] ?? 0) + n;
      total += n;
      if (!READ_ONLY.test(operation)) mutating += n;
    }
    let throttled = 0;
    for (const n of this.throttles.values()) throttled += n;
    return { total, mutating, throttled, retries: this.retried, byService, byOperation };
  }

  reset(): void {
    this.calls.clear();
    this.throttles.clear();
    this.retried = 0;
  }
}
