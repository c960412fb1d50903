import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventQueue, accountOfQueueUrl } from './event-queue.ts';

// SQS API reference: ReceiveMessage MaxNumberOfMessages 1..10, WaitTimeSeconds 0..20;
// DeleteMessageBatch at most 10 entries, each Id unique within the batch, [A-Za-z0-9_-]{1,80},
// and entries can fail while the call succeeds (Failed[]). moto enforces none of this.
const sqsMock = mockClient(SQSClient);
const URL_ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/routeyard-hints';

describe('EventQueue: what SQS accepts', () => {
  beforeEach(() => sqsMock.reset());

  it('asks for at most 10 messages and a long-poll wait within 0..20 s', async () => {
    sqsMock.on(ReceiveMessageCommand).resolves({ Messages: [{ MessageId: 'm', ReceiptHandle: 'r', Body: '{}' }] });
    const q = new EventQueue(new SQSClient({ region: 'eu-west-1' }), URL_);
    await q.receive(60);
    await q.receive(-3);
    const calls = sqsMock.commandCalls(ReceiveMessageCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.WaitTimeSeconds)).toEqual([20, 0]);
    for (const c of calls) expect(c.MaxNumberOfMessages).toBeLessThanOrEqual(10);
  });

  it('deletes in batches of at most 10 with ids SQS accepts, and returns the entries that failed', async () => {
    sqsMock.on(DeleteMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) =>
      input.Entries.length === 5 ? { Successful: [], Failed: [{ Id: '3', Code: 'ReceiptHandleIsInvalid', SenderFault: true, Message: 'gone' }] } : { Successful: [], Failed: [] },
    );
    const q = new EventQueue(new SQSClient({ region: 'eu-west-1' }), URL_);
    const messages = Array.from({ length: 25 }, (_, i) => ({ id: `m${i}`, body: '{}', receiptHandle: `r${i}` }));
    const failed = await q.delete(messages);
    const batches = sqsMock.commandCalls(DeleteMessageBatchCommand).map((c) => c.args[0].input.Entries ?? []);
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    for (const b of batches) {
      expect(new Set(b.map((e) => e.Id)).size).toBe(b.length);
      for (const e of b) expect(e.Id).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    }
    expect(batches.flat().map((e) => e.ReceiptHandle)).toEqual(messages.map((m) => m.receiptHandle));
    expect(failed).toEqual([{ id: 'm23', reason: 'ReceiptHandleIsInvalid: gone' }]);
  });

  it('a batch whose DeleteMessageBatch call fails fails its entries; the other batches are still sent', async () => {
    let call = 0;
    sqsMock.on(DeleteMessageBatchCommand).callsFake(() => {
      if (++call === 1) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      return { Successful: [], Failed: [] };
    });
    const q = new EventQueue(new SQSClient({ region: 'eu-west-1', maxAttempts: 1 }), URL_);
    const messages = Array.from({ length: 15 }, (_, i) => ({ id: `m${i}`, body: '{}', receiptHandle: `r${i}` }));
    const failed = await q.delete(messages);
    expect(sqsMock.commandCalls(DeleteMessageBatchCommand)).toHaveLength(2);
    expect(failed.map((f) => f.id)).toEqual(messages.slice(0, 10).map((m) => m.id));
    expect(failed[0]!.reason).toMatch(/ThrottlingException: Rate exceeded/);
  });

  it('a message without a body is read as an empty body', async () => {
    sqsMock.on(ReceiveMessageCommand).resolves({ Messages: [{ MessageId: 'm', ReceiptHandle: 'r' }, { MessageId: 'n' }] });
    const q = new EventQueue(new SQSClient({ region: 'eu-west-1' }), URL_);
    expect(await q.receive(0)).toEqual([{ id: 'm', body: '', receiptHandle: 'r' }]);
  });

  it('takes the account from the queue URL', () => {
    expect(accountOfQueueUrl(URL_)).toBe('123456789012');
    expect(accountOfQueueUrl('http://127.0.0.1:5000/123456789012/q')).toBe('123456789012');
    expect(accountOfQueueUrl('https://example.com/queue')).toBeUndefined();
  });
});
