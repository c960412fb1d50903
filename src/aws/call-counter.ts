/**
 * Counts AWS calls by service and operation. One counter per pass; the client factory
 * attaches it to every client as middleware, so every call is counted whatever code
 * made it. The counts are part of every report: they are how cost is measured.
 */
import type { CallStats } from '../model/report-contract.ts';

export type { CallStats };

/** Read-only operations by naming convention across the services routeyard calls. */
const READ_ONLY = /^(Describe|Get|List|Head)/;

export function isMutatingOperation(operation: string): boolean {
  return !READ_ONLY.test(operation);
}

/**
 * Told about every call as it ends, whatever counter made it: the daemon's metrics listen
 * here (routeyard_aws_api_calls_total{service,operation,outcome}), across passes, source
 * polls and lease renewals alike.
 */
export interface CallListener {
  callEnded(service: string, operation: string, outcome: 'success' | 'error'): void;
  throttled(service: string, operation: string): void;
  retried(service: string, operation: string): void;
  /** A non-idempotent create whose answer was lost (see aws/lost-answers.ts). */
  lostAnswer?(service: string, operation: string): void;
}

export class CallCounter {
  private calls = new Map<string, number>();
  private throttles = new Map<string, number>();
  private retried = 0;
  private lostAnswers = 0;
  private readonly listeners: CallListener[] = [];

  addListener(l: CallListener): void {
    this.listeners.push(l);
  }

  recordCall(service: string, operation: string): void {
    const key = `${service}.${operation}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
  }

  recordOutcome(service: string, operation: string, outcome: 'success' | 'error'): void {
    for (const l of this.listeners) l.callEnded(service, operation, outcome);
  }

  recordThrottle(service: string, operation: string): void {
    const key = `${service}.${operation}`;
    this.throttles.set(key, (this.throttles.get(key) ?? 0) + 1);
    for (const l of this.listeners) l.throttled(service, operation);
  }

  recordRetry(service = '', operation = ''): void {
    this.retried += 1;
    for (const l of this.listeners) l.retried(service, operation);
  }

  recordLostAnswer(service: string, operation: string): void {
    this.lostAnswers += 1;
    for (const l of this.listeners) l.lostAnswer?.(service, operation);
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
      if (isMutatingOperation(operation)) mutating += n;
    }
    let throttled = 0;
    for (const n of this.throttles.values()) throttled += n;
    return { total, mutating, throttled, retries: this.retried, lostAnswers: this.lostAnswers, byService, byOperation };
  }

  reset(): void {
    this.calls.clear();
    this.throttles.clear();
    this.retried = 0;
    this.lostAnswers = 0;
  }
}
