import { describeError } from '../errors.ts';
import { readEvent, type EventScope, type IgnoreReason, type MappedEvent } from '../hints/cloudtrail-event.ts';
import type { Logger } from '../log.ts';
import type { EventQueue, QueuedMessage } from '../aws/sqs/event-queue.ts';

export interface HintMetrics {
  hintReceived(): void;
  hintIgnored(reason: IgnoreReason | 'not-owned'): void;
}

export interface HintListenerOptions {
  /** SQS long-poll wait (0..20 s). */
  waitSeconds?: number;
  /** Events for the same resources within this window become one check. */
  mergeMs?: number;
  /** After a failed receive, wait this long before the next. */
  retryMs?: number;
}

/**
 * Long-polls the event queue, maps each message to the resources it touches, deletes every
 * message it read (unknown and malformed ones too: they are counted, never fatal, never
 * retried forever), and hands the mapped events over in batches a short window apart.
 */
export class HintListener {
  private readonly queue: EventQueue;
  private readonly scope: EventScope;
  private readonly onEvents: (events: MappedEvent[]) => void;
  private readonly metrics: HintMetrics;
  private readonly log: Logger;
  private readonly opts: Required<HintListenerOptions>;
  private readonly abort = new AbortController();
  private buffer: MappedEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(queue: EventQueue, scope: EventScope, onEvents: (events: MappedEvent[]) => void, metrics: HintMetrics, log: Logger, opts: HintListenerOptions = {}) {
    this.queue = queue;
    this.scope = scope;
    this.onEvents = onEvents;
    this.metrics = metrics;
    this.log = log.child({ component: 'hints', queue: queue.url });
    this.opts = { waitSeconds: 20, mergeMs: 300, retryMs: 5_000, ...opts };
  }

  start(): void {
    this.running = this.loop();
    this.log.info({ scope: this.scope }, 'listening for event hints');
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      let messages: QueuedMessage[];
      try {
        messages = await this.queue.receive(this.opts.waitSeconds, this.abort.signal);
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.log.warn({ err: describeError(err) }, 'cannot read the event queue: retrying');
        await new Promise((r) => setTimeout(r, this.opts.retryMs));
        continue;
      }
      if (messages.length === 0) continue;
      this.take(messages);
      try {
        const failed = await this.queue.delete(messages);
        if (failed.length > 0) this.log.warn({ failed }, 'some read messages could not be deleted (they will come back and be read again)');
      } catch (err) {
        this.log.warn({ err: describeError(err) }, 'cannot delete read messages (they will come back and be read again)');
      }
    }
  }

  private take(messages: QueuedMessage[]): void {
    for (const m of messages) {
      this.metrics.hintReceived();
      const reading = readEvent(m.body, this.scope);
      if (!reading.ok) {
        this.metrics.hintIgnored(reading.reason);
        this.log.info({ messageId: m.id, reason: reading.reason, detail: reading.detail }, 'event ignored');
        continue;
      }
      // Counted as mapped (with its lag) once the controller finds it names a managed resource.
      this.log.info({ messageId: m.id, eventSource: reading.event.eventSource, eventName: reading.event.eventName }, 'event hint');
      this.buffer.push(reading.event);
    }
    if (this.buffer.length > 0 && !this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        const events = this.buffer;
        this.buffer = [];
        this.onEvents(events);
      }, this.opts.mergeMs);
    }
  }
}
