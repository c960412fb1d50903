import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { describeError } from '../../errors.ts';

export interface QueuedMessage {
  id: string;
  body: string;
  receiptHandle: string;
}

/** The SQS queue EventBridge feeds with CloudTrail events: long-poll, then delete what was read. */
export class EventQueue {
  private readonly sqs: SQSClient;
  readonly url: string;

  constructor(sqs: SQSClient, url: string) {
    this.sqs = sqs;
    this.url = url;
  }

  /** Up to 10 messages, waiting up to `waitSeconds` (SQS allows 0..20) for the first. */
  async receive(waitSeconds: number, abortSignal?: AbortSignal): Promise<QueuedMessage[]> {
    const out = await this.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: this.url, MaxNumberOfMessages: 10, WaitTimeSeconds: Math.min(20, Math.max(0, Math.round(waitSeconds))) }),
      abortSignal ? { abortSignal } : {},
    );
    return (out.Messages ?? []).flatMap((m) => (m.ReceiptHandle ? [{ id: m.MessageId ?? m.ReceiptHandle, body: m.Body ?? '', receiptHandle: m.ReceiptHandle }] : []));
  }

  /**
   * Delete read messages. DeleteMessageBatch takes at most 10 entries, with ids unique in the
   * batch (letters, digits, "-" and "_", up to 80), and may fail some entries while the call
   * succeeds: those come back in `Failed`, and are returned here (they will be read again).
   * A batch whose call fails (throttled, a network error) fails all its entries, returned
   * the same way; the other batches are still sent. Never throws.
   */
  async delete(messages: QueuedMessage[]): Promise<{ id: string; reason: string }[]> {
    const failed: { id: string; reason: string }[] = [];
    for (let i = 0; i < messages.length; i += 10) {
      const batch = messages.slice(i, i + 10);
      try {
        const out = await this.sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: this.url, Entries: batch.map((m, j) => ({ Id: String(j), ReceiptHandle: m.receiptHandle })) }),
        );
        for (const f of out.Failed ?? []) failed.push({ id: batch[Number(f.Id)]?.id ?? String(f.Id), reason: `${f.Code ?? 'Failed'}: ${f.Message ?? ''}` });
      } catch (err) {
        const reason = describeError(err);
        for (const m of batch) failed.push({ id: m.id, reason });
      }
    }
    return failed;
  }
}

/** The account in a queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>). */
export function accountOfQueueUrl(url: string): string | undefined {
  return /\/(\d{12})\/[^/]+\/?$/.exec(new URL(url).pathname)?.[1];
}
