import { describeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Report, ServiceReport, Status } from '../model/report-contract.ts';

/** What a message announces. */
export type NotificationEvent = 'drift' | 'repaired' | 'conflict' | 'error' | 'pending-cleared' | 'still-open';

/** The JSON body POSTed to --notify-webhook. `text` is what a Slack or Teams incoming webhook shows. */
export interface Notification {
  text: string;
  event: NotificationEvent;
  service: string;
  status: Status;
  previousStatus: Status | null;
  resources: { kind: string; id: string; status: Status }[];
  diffPaths: string[];
  reportUrl: string;
  passId: string;
  at: string;
}

export interface NotifierMetrics {
  notification(result: 'sent' | 'failed'): void;
}

export interface NotifierOptions {
  webhookUrl: string;
  /** A drift (or conflict, error) still open is announced again at most this often. */
  repeatMs: number;
  /** Where people read the report: `<reportBase>drift?service=NAME`. */
  reportBase: string;
  timeoutMs?: number;
  post?: (url: string, body: string, timeoutMs: number) => Promise<number>;
}

const OPEN: ReadonlySet<Status> = new Set(['Drifted', 'Missing', 'Conflict', 'Error']);

/**
 * Service status changes, as messages to a webhook. Sending never blocks a pass: messages
 * go out one at a time in the background; a failure is logged and counted, and dropped.
 */
export class Notifier {
  private readonly opts: Required<NotifierOptions>;
  private readonly metrics: NotifierMetrics;
  private readonly log: Logger;
  private readonly lastAnnounced = new Map<string, number>();
  private previous = new Map<string, Status>();
  private primed = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(opts: NotifierOptions, metrics: NotifierMetrics, log: Logger) {
    this.opts = { timeoutMs: 5_000, post: defaultPost, ...opts };
    this.metrics = metrics;
    this.log = log.child({ component: 'notifier' });
  }

  /**
   * Take in a pass's report; returns the messages it queued (for tests). `documentChanged`:
   * services the document changed this pass (their actions are the edit, not drift). Only a
   * copy that applies (the leader, with a sound source) announces: a standby copy or a dry
   * run would repeat the leader's news or promise a repair that does not happen.
   */
  observe(report: Report, now: number, documentChanged: ReadonlySet<string> = new Set()): Notification[] {
    const out: Notification[] = [];
    if (report.services.length === 0 && report.error) return out; // nothing observed: no news
    if (report.mode !== 'reconcile') return out;
    const current = new Map(report.services.map((s) => [s.name, s]));
    for (const s of report.services) {
      const before = this.previous.get(s.name) ?? null;
      if (!this.primed) {
        // The first pass sets the baseline (what is open then is repeated after --notify-repeat).
        if (OPEN.has(s.status)) this.lastAnnounced.set(s.name, now);
        continue;
      }
      let event = eventFor(before, s.status);
      // A document edit being applied is not drift.
      if (event === 'drift' && documentChanged.has(s.name)) event = undefined;
      const announced = this.lastAnnounced.get(s.name);
      // Back in sync is news only after something open was announced (a new service created is not).
      if (event === 'repaired' && announced === undefined) event = undefined;
      // While a service stays out of sync (Drifted, Error, Drifted, ...), one message per --notify-repeat.
      if ((event === 'drift' || event === 'conflict' || event === 'error') && announced !== undefined && now - announced < this.opts.repeatMs) event = undefined;
      if (event) out.push(this.message(event, s, before, report));
      else if (before !== null && OPEN.has(s.status) && announced !== undefined && now - announced >= this.opts.repeatMs) out.push(this.message('still-open', s, before, report));
      if (!OPEN.has(s.status)) this.lastAnnounced.delete(s.name);
    }
    for (const m of out) if (m.event !== 'repaired' && m.event !== 'pending-cleared') this.lastAnnounced.set(m.service, now);
    this.previous = new Map([...current].map(([k, v]) => [k, v.status]));
    this.primed = true;
    for (const m of out) this.send(m);
    return out;
  }

  /** Wait for the messages queued so far (shutdown, tests). */
  flush(): Promise<void> {
    return this.chain;
  }

  private message(event: NotificationEvent, s: ServiceReport, before: Status | null, report: Report): Notification {
    const diffPaths = [...new Set(s.resources.flatMap((r) => r.diffs.map((d) => d.path)))];
    const reportUrl = `${this.opts.reportBase}drift?service=${encodeURIComponent(s.name)}`;
    const resources = s.resources.filter((r) => r.status !== 'InSync' || event === 'repaired').map((r) => ({ kind: r.kind, id: r.id, status: r.status }));
    const what: Record<NotificationEvent, string> = {
      drift: `drift found: ${s.status}${diffPaths.length ? ` (${diffPaths.slice(0, 5).join(', ')}${diffPaths.length > 5 ? ', ...' : ''})` : ''}; repairing`,
      repaired: 'repaired: back in sync',
      conflict: `conflict: ${firstMessage(s) ?? 'a resource routeyard does not own is in the way'}`,
      error: `error: ${firstMessage(s) ?? 'see the report'}`,
      'pending-cleared': 'no longer pending: in sync',
      'still-open': `still ${s.status}${diffPaths.length ? ` (${diffPaths.slice(0, 5).join(', ')})` : ''}`,
    };
    return {
      text: `routeyard: ${s.name} ${what[event]}. ${reportUrl}`,
      event,
      service: s.name,
      status: s.status,
      previousStatus: before,
      resources,
      diffPaths,
      reportUrl,
      passId: report.passId,
      at: report.generatedAt,
    };
  }

  private send(m: Notification): void {
    this.chain = this.chain.then(async () => {
      try {
        const status = await this.opts.post(this.opts.webhookUrl, JSON.stringify(m), this.opts.timeoutMs);
        if (status < 200 || status >= 300) throw new Error(`HTTP ${status}`);
        this.metrics.notification('sent');
        this.log.info({ service: m.service, event: m.event }, 'notification sent');
      } catch (err) {
        this.metrics.notification('failed');
        this.log.warn({ service: m.service, event: m.event, err: describeError(err) }, 'notification failed (dropped)');
      }
    });
  }
}

function eventFor(before: Status | null, now: Status): NotificationEvent | undefined {
  if (before === now) return undefined;
  if (now === 'Conflict') return 'conflict';
  if (now === 'Error') return 'error';
  if (now === 'Drifted' || now === 'Missing') return before === null ? undefined : 'drift';
  if (now === 'InSync' && before !== null && OPEN.has(before)) return 'repaired';
  if (now === 'InSync' && before === 'Pending') return 'pending-cleared';
  return undefined;
}

function firstMessage(s: ServiceReport): string | undefined {
  return s.resources.find((r) => r.message && r.status !== 'InSync')?.message;
}

async function defaultPost(url: string, body: string, timeoutMs: number): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutMs) });
  await res.arrayBuffer();
  return res.status;
}
