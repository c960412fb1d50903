import { setTimeout as delay } from 'node:timers/promises';
import { describeError } from '../errors.ts';
import { readEvent, type EventReading, type EventScope, type IgnoreReason, type MappedEvent } from '../hints/cloudtrail-event.ts';
import { BODY_EXCERPT_CHARS, excerpt } from '../hints/excerpt.ts';
import type { Logger } from '../log.ts';
import type { EventQueue, QueuedMessage } from '../aws/sqs/event-queue.ts';

/**
 * Why a read message led to no check: the mapper's reasons, `not-owned` (the controller's),
 * `handler-error` (handing the mapped events over threw: they are dropped, the rolling checks
 * still cover their resources).
 */
export type HintIgnoreReason = IgnoreReason | 'not-owned' | 'handler-error';

export interface HintMetrics {
  hintReceived(): void;
  hintIgnored(reason: HintIgnoreReason): void;
  /** A failed ReceiveMessage, or messages a DeleteMessageBatch did not delete (counted per message). */
  hintQueueError?(operation: 'receive' | 'delete', count: number): void;
}

export interface HintListenerOptions {
  /** SQS long-poll wait (0..20 s). */
  waitSeconds?: number;
  /** Events for the same resources within this window become one check. */
  mergeMs?: number;
  /** After a failed receive, wait this long before the next; doubled after each further failure... */
  retryMs?: number;
  /** ...up to this long. A receive that succeeds starts again from `retryMs`. */
  maxRetryMs?: number;
}

/** What the listener has seen since it started, by outcome and reason (also in its log lines). */
export type HintCounts = Record<string, number>;

/** Ids in log lines are SQS message ids (36 characters); anything longer is cut to this. */
const ID_CHARS = 100;
/** A delete that failed for many messages logs this many of them. */
const LOGGED_FAILURES = 10;

/**
 * Long-polls the event queue, maps each message to the resources it touches, deletes every
 * message it read (unknown and malformed ones too: they are counted, never fatal, never
 * retried forever), and hands the mapped events over in batches a short window apart.
 *
 * Nothing a message carries can stop it: each message is read inside its own error boundary
 * (a throw costs that message, counted as `mapper-error`, and it is still deleted); a throw
 * where the mapped events are handed over costs those events (`handler-error`); a failed
 * receive or delete is logged and retried after a bounded, growing wait. Log lines carry
 * excerpts (at most 200 characters of a body, of a reason or of an error), never a whole message.
 */
export class HintListener {
  private readonly queue: EventQueue;
  private readonly scope: EventScope;
  private readonly onEvents: (events: MappedEvent[]) => void | Promise<void>;
  private readonly metrics: HintMetrics;
  private readonly log: Logger;
  private readonly opts: Required<HintListenerOptions>;
  private readonly abort = new AbortController();
  private readonly tally: HintCounts = {};
  private buffer: MappedEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failures = 0;

  constructor(
    queue: EventQueue,
    scope: EventScope,
    onEvents: (events: MappedEvent[]) => void | Promise<void>,
    metrics: HintMetrics,
    log: Logger,
    opts: HintListenerOptions = {},
  ) {
    this.queue = queue;
    this.scope = scope;
    this.onEvents = onEvents;
    this.metrics = metrics;
    this.log = log.child({ component: 'hints', queue: queue.url });
    this.opts = { waitSeconds: 20, mergeMs: 50, retryMs: 2_000, maxRetryMs: 60_000, ...opts };
  }

  start(): void {
    this.running = this.loop().catch((err: unknown) => {
      // Not reached: every step of the loop has its own boundary. Kept so that a bug cannot
      // become an unhandled rejection, which would end the process.
      this.log.error({ err: excerpt(describeError(err)) }, 'the event-hint listener stopped on an unexpected error: hints are off until restart');
    });
    this.log.info({ scope: this.scope }, 'listening for event hints');
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    await this.running;
  }

  /** Counts by outcome: `received`, `mapped`, `ignored:<reason>`, `receive-failed`, `delete-failed`. */
  counts(): HintCounts {
    return { ...this.tally };
  }

  private count(key: string, n = 1): void {
    this.tally[key] = (this.tally[key] ?? 0) + n;
  }

  private async loop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        await this.once();
      } catch (err) {
        // once() handles its own failures; this is the last boundary of an iteration.
        if (this.abort.signal.aborted) return;
        this.log.error({ err: excerpt(describeError(err)) }, 'unexpected error in the event-hint listener: going on');
        await this.backOff();
      }
    }
  }

  /** One receive, the messages it brought, and their delete. */
  private async once(): Promise<void> {
    let messages: QueuedMessage[];
    try {
      messages = await this.queue.receive(this.opts.waitSeconds, this.abort.signal);
    } catch (err) {
      if (this.abort.signal.aborted) return;
      this.count('receive-failed');
      this.safely(() => this.metrics.hintQueueError?.('receive', 1));
      const waitMs = this.nextWait();
      this.log.warn({ err: excerpt(describeError(err)), consecutiveFailures: this.failures, retryInMs: waitMs }, 'cannot read the event queue: retrying');
      await this.sleep(waitMs);
      return;
    }
    this.failures = 0;
    if (messages.length === 0) return;
    for (const m of messages) this.handle(m);
    this.scheduleFlush();
    await this.remove(messages);
  }

  /** One message, inside its own boundary: whatever happens, it is counted and the next one is read. */
  private handle(m: QueuedMessage): void {
    const messageId = excerpt(m.id, ID_CHARS);
    try {
      this.count('received');
      this.safely(() => this.metrics.hintReceived());
      let reading: EventReading;
      try {
        reading = readEvent(m.body, this.scope);
      } catch (err) {
        reading = { ok: false, reason: 'mapper-error', detail: excerpt(describeError(err)) };
      }
      if (!reading.ok) {
        this.ignored(reading.reason);
        const body = reading.reason === 'malformed' || reading.reason === 'mapper-error' ? { body: excerpt(m.body, BODY_EXCERPT_CHARS), bodyChars: m.body.length } : {};
        const level = reading.reason === 'mapper-error' ? 'error' : 'info';
        this.log[level]({ messageId, reason: reading.reason, detail: excerpt(reading.detail), ...body }, 'event ignored');
        return;
      }
      // Counted as mapped (with its lag) once the controller finds it names a managed resource.
      this.count('mapped');
      this.log.info({ messageId, eventSource: reading.event.eventSource, eventName: excerpt(reading.event.eventName, 128) }, 'event hint');
      this.buffer.push(reading.event);
    } catch (err) {
      // Logging or counting threw: this message is lost, the others are not.
      this.ignored('mapper-error');
      this.safely(() => this.log.error({ messageId, err: excerpt(describeError(err)) }, 'event could not be handled: ignored'));
    }
  }

  private ignored(reason: HintIgnoreReason, n = 1): void {
    this.count(`ignored:${reason}`, n);
    for (let i = 0; i < n; i++) this.safely(() => this.metrics.hintIgnored(reason));
  }

  private scheduleFlush(): void {
    if (this.buffer.length === 0 || this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      const events = this.buffer;
      this.buffer = [];
      this.handOver(events);
    }, this.opts.mergeMs);
  }

  /** Hand mapped events to the controller; a throw (or a rejection) there drops them, counted, and nothing else. */
  private handOver(events: MappedEvent[]): void {
    const failed = (err: unknown) => {
      this.ignored('handler-error', events.length);
      this.safely(() => this.log.error({ events: events.length, err: excerpt(describeError(err)) }, 'event hints could not be acted on: dropped (the rolling checks still cover them)'));
    };
    try {
      const result = this.onEvents(events);
      if (result instanceof Promise) result.catch(failed);
    } catch (err) {
      failed(err);
    }
  }

  /** Delete what was read: a failure is logged (bounded) and counted; those messages come back and are read again. */
  private async remove(messages: QueuedMessage[]): Promise<void> {
    let failed: { id: string; reason: string }[];
    try {
      failed = await this.queue.delete(messages);
    } catch (err) {
      failed = messages.map((m) => ({ id: m.id, reason: describeError(err) }));
    }
    if (failed.length === 0) return;
    this.count('delete-failed', failed.length);
    this.safely(() => this.metrics.hintQueueError?.('delete', failed.length));
    this.log.warn(
      { failedCount: failed.length, failed: failed.slice(0, LOGGED_FAILURES).map((f) => ({ id: excerpt(f.id, ID_CHARS), reason: excerpt(f.reason) })) },
      'some read messages could not be deleted (they will come back and be read again)',
    );
  }

  /** The wait after the n-th failure in a row: retryMs doubled each time up to maxRetryMs, less up to a quarter at random. */
  private nextWait(): number {
    this.failures++;
    const base = Math.min(this.opts.maxRetryMs, this.opts.retryMs * 2 ** Math.min(this.failures - 1, 30));
    return Math.max(0, Math.round(base * (1 - Math.random() / 4)));
  }

  private async backOff(): Promise<void> {
    await this.sleep(this.nextWait());
  }

  /** A wait that stop() cuts short. */
  private async sleep(ms: number): Promise<void> {
    try {
      await delay(ms, undefined, { signal: this.abort.signal });
    } catch {
      // aborted: stop() was called
    }
  }

  private safely(f: () => void): void {
    try {
      f();
    } catch {
      // counting and logging never take the listener down
    }
  }
}
