import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type DeleteMessageBatchCommandInput, type ReceiveMessageCommandInput } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventQueue } from '../../src/aws/sqs/event-queue.ts';
import type { MappedEvent } from '../../src/hints/cloudtrail-event.ts';
import { HintListener, type HintListenerOptions } from '../../src/run/hint-listener.ts';
import { cloudTrailEvent, hostileEventBodies } from '../support/events.ts';

// The mapper is total; to show that the listener's boundary holds even if it were not, one
// body (and only that one) makes it throw.
const MAPPER_BOMB = 'this body makes the mapper throw';
vi.mock('../../src/hints/cloudtrail-event.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/hints/cloudtrail-event.ts')>();
  return {
    ...actual,
    readEvent: (body: unknown, scope: Parameters<typeof actual.readEvent>[1]) => {
      if (body === MAPPER_BOMB) throw new RangeError('Maximum call stack size exceeded');
      return actual.readEvent(body, scope);
    },
  };
});

const URL_ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/routeyard-hints';
const scope = { account: '123456789012', region: 'eu-west-1' };
const sqsMock = mockClient(SQSClient);

/**
 * A small SQS behind the mocked client: ReceiveMessage hands out up to 10 visible messages (each
 * with a fresh receipt handle) and hides them for `visibilityMs`; DeleteMessageBatch removes
 * the messages whose current receipt handle it names. Faults: the next N receives or deletes
 * fail with a throttling error.
 */
class FakeQueue {
  private seq = 0;
  readonly messages = new Map<string, { body: string; handle?: string; visibleAt: number }>();
  failReceives = 0;
  failDeletes = 0;
  receives = 0;
  deletedIds: string[] = [];
  private readonly visibilityMs: number;
  constructor(visibilityMs = 60) {
    this.visibilityMs = visibilityMs;
    sqsMock.on(ReceiveMessageCommand).callsFake((input: ReceiveMessageCommandInput) => this.receive(input));
    sqsMock.on(DeleteMessageBatchCommand).callsFake((input: DeleteMessageBatchCommandInput) => this.delete(input));
  }

  send(...bodies: string[]): void {
    for (const body of bodies) this.messages.set(`msg-${++this.seq}`, { body, visibleAt: 0 });
  }

  private async receive(input: ReceiveMessageCommandInput) {
    this.receives++;
    if (this.failReceives > 0) {
      this.failReceives--;
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} });
    }
    const now = Date.now();
    const visible = [...this.messages].filter(([, m]) => m.visibleAt <= now).slice(0, input.MaxNumberOfMessages ?? 1);
    if (visible.length === 0) {
      await new Promise((r) => setTimeout(r, 5)); // a (very) short long-poll
      return { Messages: [] };
    }
    return {
      Messages: visible.map(([id, m]) => {
        m.handle = `${id}#${++this.seq}`;
        m.visibleAt = now + this.visibilityMs;
        return { MessageId: id, ReceiptHandle: m.handle, Body: m.body };
      }),
    };
  }

  private delete(input: DeleteMessageBatchCommandInput) {
    if (this.failDeletes > 0) {
      this.failDeletes--;
      throw Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $metadata: {} });
    }
    for (const e of input.Entries ?? []) {
      const id = e.ReceiptHandle!.split('#')[0]!;
      if (this.messages.get(id)?.handle === e.ReceiptHandle) {
        this.messages.delete(id);
        this.deletedIds.push(id);
      }
    }
    return { Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id! })), Failed: [] };
  }
}

/** A listener on the fake queue, with its log lines and metrics captured. */
function listen(onEvents: (events: MappedEvent[]) => void, opts: HintListenerOptions = {}) {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
  const metrics = { received: 0, ignored: {} as Record<string, number>, queueErrors: {} as Record<string, number> };
  const listener = new HintListener(
    new EventQueue(new SQSClient({ region: 'eu-west-1', maxAttempts: 1 }), URL_),
    scope,
    onEvents,
    {
      hintReceived: () => void metrics.received++,
      hintIgnored: (reason) => void (metrics.ignored[reason] = (metrics.ignored[reason] ?? 0) + 1),
      hintQueueError: (op, n) => void (metrics.queueErrors[op] = (metrics.queueErrors[op] ?? 0) + n),
    },
    log,
    { waitSeconds: 0, mergeMs: 5, retryMs: 5, maxRetryMs: 40, ...opts },
  );
  return { listener, lines, metrics };
}

async function until(what: string, check: () => boolean, ms = 45_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const valid = (apiId: string) => cloudTrailEvent('apigateway.amazonaws.com', 'UpdateIntegration', { apiId, integrationId: 'i' });

describe('HintListener: nothing a message carries, and no failing call, stops it', () => {
  let running: HintListener | undefined;
  beforeEach(() => sqsMock.reset());
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  // A generous bound: the claim is what happens to each message, not how fast (the bomb and 300 KB bodies are CPU work on a loaded 2-core machine).
  it('a hostile batch: every message is read in its own boundary and deleted, the valid ones acted on, each outcome counted by reason', async () => {
    // A batch is hidden for 1 s after it is received, longer than reading it takes even on a
    // loaded machine: only the batch whose delete failed comes back (with 60 ms, a slow first
    // reading let the batch reappear before its handler ran, and the failed delete then hit a
    // batch already deleted by its second reading).
    const queue = new FakeQueue(1_000);
    const filler = 'Z'.repeat(300_000);
    const hostile = [
      MAPPER_BOMB,
      ...hostileEventBodies('a1b2c3d4e5').map((h) => h.body),
      '',
      '{not json',
      JSON.stringify({ detail: { eventName: filler }, 'detail-type': 'AWS API Call via CloudTrail' }),
      `{"x":"${filler}"`,
      cloudTrailEvent('apigateway.amazonaws.com', 'UpdateIntegration', { apiId: 'wrong-account' }, { recipientAccountId: '999999999999' }),
    ];
    // Valid events among them: the first batch of 10 holds two (and the bomb), the second the others.
    queue.send(valid('first00001'), ...hostile.slice(0, 5), valid('first00002'), ...hostile.slice(5), valid('last000001'), valid('last000002'));
    const total = queue.messages.size;
    queue.failReceives = 2; // the first two receives are throttled
    queue.failDeletes = 1; // the first delete fails: that batch comes back and is read again

    const delivered: MappedEvent[][] = [];
    let thrown: MappedEvent[] | undefined;
    const { listener, lines, metrics } = listen((events) => {
      if (!thrown) {
        thrown = events;
        throw new Error('the controller threw on these events');
      }
      delivered.push(events);
    });
    running = listener;
    listener.start();

    await until('the queue to empty', () => queue.messages.size === 0);
    const apiIds = () => delivered.flat().flatMap((e) => e.resources.apiIds);
    // The first batch came back (its delete failed), so its valid events are handed over again
    // after the throw; events of the second batch that were in the throwing call are lost, counted.
    const lost = () => (thrown ?? []).flatMap((e) => e.resources.apiIds).filter((id) => id.startsWith('last'));
    await until('the valid events after the throw', () => ['first00001', 'first00002', 'last000001', 'last000002'].every((id) => apiIds().includes(id) || lost().includes(id)));

    // Every message was deleted, the hostile ones included (those of the failed delete on their second reading).
    expect(new Set(queue.deletedIds).size).toBe(total);
    const counts = listener.counts();
    expect(counts['receive-failed']).toBe(2);
    expect(counts['delete-failed']).toBe(10);
    expect(counts['received']).toBe(total + 10); // the batch whose delete failed was read twice
    expect(counts['ignored:mapper-error']).toBe(2); // the bomb, read twice
    expect(counts['ignored:malformed']).toBeGreaterThanOrEqual(8);
    expect(counts['ignored:foreign-account']).toBeGreaterThanOrEqual(1);
    expect(counts['ignored:handler-error']).toBe(thrown!.length);
    expect(apiIds()).toEqual(expect.arrayContaining(['first00001', 'first00002']));
    // The same by reason in the metrics.
    expect(metrics.received).toBe(counts['received']);
    expect(metrics.ignored['mapper-error']).toBe(2);
    expect(metrics.ignored['handler-error']).toBe(counts['ignored:handler-error']);
    expect(metrics.queueErrors).toEqual({ receive: 2, delete: 10 });

    // Log lines carry excerpts: no line holds more than 200 characters of any body.
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(2_000);
    expect(lines.some((l) => l.includes('Z'.repeat(201)))).toBe(false);
    const bomb = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.reason === 'mapper-error')!;
    expect(bomb).toMatchObject({ level: 50, body: MAPPER_BOMB, detail: expect.stringMatching(/RangeError/) });
    const big = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.bodyChars === `{"x":"${filler}"`.length)!;
    expect(String(big.body)).toMatch(/^\{"x":"Z{194}…\(\+\d+ chars\)$/);

    // And it keeps going.
    queue.send(valid('afterwards'));
    await until('a later event', () => apiIds().includes('afterwards'));
  }, 60_000);

  it('a failing ReceiveMessage is retried after a growing, bounded wait, then reading goes on', async () => {
    const queue = new FakeQueue();
    queue.failReceives = 8;
    queue.send(valid('a1b2c3d4e5'));
    const delivered: MappedEvent[] = [];
    const { listener, lines } = listen((events) => void delivered.push(...events), { retryMs: 4, maxRetryMs: 32 });
    running = listener;
    listener.start();
    await until('the event', () => delivered.length === 1);
    const waits = lines
      .map((l) => JSON.parse(l) as { msg: string; retryInMs?: number; consecutiveFailures?: number })
      .filter((l) => l.msg.startsWith('cannot read the event queue'));
    expect(waits.map((w) => w.consecutiveFailures)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const bases = [4, 8, 16, 32, 32, 32, 32, 32];
    waits.forEach((w, i) => {
      expect(w.retryInMs).toBeLessThanOrEqual(bases[i]!);
      expect(w.retryInMs).toBeGreaterThanOrEqual(Math.floor(bases[i]! * 0.75));
    });
    expect(listener.counts()['receive-failed']).toBe(8);
    expect(queue.messages.size).toBe(0);
  }, 30_000);

  it('stop() cuts a back-off short', async () => {
    const queue = new FakeQueue();
    queue.failReceives = 1_000;
    const { listener, lines } = listen(() => undefined, { retryMs: 60_000, maxRetryMs: 60_000 });
    listener.start();
    await until('the first back-off', () => lines.some((l) => l.includes('cannot read the event queue')));
    const t0 = Date.now();
    await listener.stop();
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('a callback that rejects drops its events, counted, and nothing else', async () => {
    const queue = new FakeQueue();
    queue.send(valid('a1b2c3d4e5'));
    let calls = 0;
    const { listener } = listen(async () => {
      calls++;
      await Promise.resolve();
      throw new Error('rejected');
    });
    running = listener;
    listener.start();
    await until('the rejection counted', () => (listener.counts()['ignored:handler-error'] ?? 0) >= 1);
    queue.send(valid('b1b2c3d4e5'));
    await until('the next call', () => calls >= 2);
    expect(queue.messages.size).toBe(0);
  });
});
