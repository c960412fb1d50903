import { describeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Report, ServiceReport, Status } from '../model/report-contract.ts';
import { secretValues } from '../secrets.ts';

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
  /** One per message: delivered, failed (an error, a timeout, a non-2xx answer, a redirect), or dropped from a full queue. */
  notification(result: 'sent' | 'failed' | 'dropped'): void;
  /** Messages waiting to be sent, after every change. */
  notificationQueue?(length: number): void;
}

/**
 * Messages waiting while one is being sent. A receiver that is down costs each message its
 * timeout (5 s), so a full queue is minutes of news; beyond it the oldest is dropped and
 * counted: the newest say best where things stand.
 */
export const NOTIFY_QUEUE_LIMIT = 100;

export interface NotifierOptions {
  webhookUrl: string;
  /** A drift (or conflict, error) still open is announced again at most this often. */
  repeatMs: number;
  /** Where people read the report: `<reportBase>drift?service=NAME`. */
  reportBase: string;
  timeoutMs?: number;
  /** Messages waiting at most (default NOTIFY_QUEUE_LIMIT); the oldest is dropped beyond. */
  maxQueue?: number;
  /** POST the body; the answer's status. A redirect is returned as such, never followed. */
  post?: (url: string, body: string, timeoutMs: number) => Promise<number>;
}

const OPEN: ReadonlySet<Status> = new Set(['Drifted', 'Missing', 'Conflict', 'Error']);

/**
 * Service status changes, as messages to a webhook. Sending never blocks a pass: messages
 * go out one at a time in the background from a bounded queue (the oldest is dropped and
 * counted when it is full); a failure is logged and counted, and dropped. A redirect is a
 * failure: the message goes to the configured URL or nowhere. Mention syntax in names and
 * messages (<!channel>, <@U123>, @here, ...) is escaped, so no status change pings anyone,
 * and values resolved from SecureString parameters are scrubbed from the body.
 */
export class Notifier {
  private readonly opts: Required<NotifierOptions>;
  private readonly metrics: NotifierMetrics;
  private readonly log: Logger;
  private readonly lastAnnounced = new Map<string, number>();
  private previous = new Map<string, Status>();
  private primed = false;
  private readonly queue: Notification[] = [];
  private sending: Promise<void> | undefined;
  private droppedTotal = 0;

  constructor(opts: NotifierOptions, metrics: NotifierMetrics, log: Logger) {
    this.opts = { timeoutMs: 5_000, maxQueue: NOTIFY_QUEUE_LIMIT, post: defaultPost, ...opts };
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

  /** Wait until the queue is empty (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.sending) await this.sending;
  }

  /** Messages dropped from a full queue since the start. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Messages waiting (not counting the one being sent). */
  get queued(): number {
    return this.queue.length;
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
      text: `routeyard: ${escapeMentions(s.name)} ${escapeMentions(what[event])}. ${reportUrl}`,
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
    if (this.queue.length >= this.opts.maxQueue) {
      const oldest = this.queue.shift()!;
      this.droppedTotal++;
      this.metrics.notification('dropped');
      this.log.warn({ service: oldest.service, event: oldest.event, dropped: this.droppedTotal }, 'notification queue full: the oldest message was dropped');
    }
    this.queue.push(m);
    this.metrics.notificationQueue?.(this.queue.length);
    this.pump();
  }

  /** One sender at a time, until the queue is empty. */
  private pump(): void {
    if (this.sending) return;
    this.sending = (async () => {
      while (this.queue.length > 0) {
        const m = this.queue.shift()!;
        this.metrics.notificationQueue?.(this.queue.length);
        await this.deliver(m);
      }
    })().finally(() => {
      this.sending = undefined;
      if (this.queue.length > 0) this.pump();
    });
  }

  private async deliver(m: Notification): Promise<void> {
    try {
      const status = await this.opts.post(this.opts.webhookUrl, secretValues.redact(JSON.stringify(m)), this.opts.timeoutMs);
      if (status >= 300 && status < 400) throw new Error(`HTTP ${status}: a redirect, not followed (set --notify-webhook to the final URL)`);
      if (status < 200 || status >= 300) throw new Error(`HTTP ${status}`);
      this.metrics.notification('sent');
      this.log.info({ service: m.service, event: m.event }, 'notification sent');
    } catch (err) {
      this.metrics.notification('failed');
      this.log.warn({ service: m.service, event: m.event, err: describeError(err) }, 'notification failed (dropped)');
    }
  }
}

/**
 * Text from names and messages, made inert for Slack and Teams: `&`, `<` and `>` escaped as
 * Slack's message formatting requires (so `<!channel>`, `<!here>`, `<@U123>`, `<#C1>`,
 * `<url|label>` and Teams' `<at>` show as text), and a zero-width space after the `@` of
 * `@here`, `@channel`, `@everyone`, `@all` and `@room` (not inside an e-mail address), so no
 * broadcast mention is formed.
 */
export function escapeMentions(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/(?<![A-Za-z0-9_.+-])@(?=(here|channel|everyone|all|room)\b)/gi, '@\u200b');
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
  // redirect: 'manual': a 3xx is returned as it is (and counted a failure), never followed
  // to wherever its Location points.
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  await res.arrayBuffer();
  return res.status;
}
