import { ApiGatewayV2Client, GetApisCommand, GetIntegrationsCommand, UpdateIntegrationCommand } from '@aws-sdk/client-apigatewayv2';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudTrailEvent, hostileEventBodies } from '../support/events.ts';
import { resourceWrites, startDaemon, sumCounter, waitFor, type RunningDaemon } from '../support/daemon.ts';
import { exampleDoc, freshEmulator, routeyard, writeDoc } from '../support/harness.ts';

/**
 * Event hints: an SQS queue in moto carries EventBridge-shaped CloudTrail events (the shape
 * AWS delivers); the controller runs with a long interval and window, so only the event can
 * explain a repair within seconds.
 */
const apigw = () => new ApiGatewayV2Client({});
const sqs = () => new SQSClient({});
const HEADER = 'X-Target-Service';

let daemon: RunningDaemon;
let queueUrl: string;
let webhook: { url: string; messages: Record<string, unknown>[]; close: () => Promise<void> };

/** A webhook receiver, as a Slack incoming webhook would be: it records each JSON body. */
async function startWebhook(): Promise<typeof webhook> {
  const messages: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      messages.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, messages, close: () => new Promise((r) => server.close(() => r())) };
}

async function integrationOf(service: string) {
  const api = ((await apigw().send(new GetApisCommand({}))).Items ?? []).find((a) => a.Tags?.['routeyard:service'] === service)!;
  const integration = (await apigw().send(new GetIntegrationsCommand({ ApiId: api.ApiId! }))).Items![0]!;
  return { apiId: api.ApiId!, integration };
}

async function switchToAppend(service: string): Promise<string> {
  const { apiId, integration } = await integrationOf(service);
  await apigw().send(
    new UpdateIntegrationCommand({
      ApiId: apiId,
      IntegrationId: integration.IntegrationId!,
      RequestParameters: { [`overwrite:header.${HEADER}`]: '', [`append:header.${HEADER}`]: service },
    }),
  );
  return apiId;
}

const repaired = async (service: string) => {
  const params = (await integrationOf(service)).integration.RequestParameters ?? {};
  return params[`overwrite:header.${HEADER}`] === service && !params[`append:header.${HEADER}`];
};

const send = (body: string) => sqs().send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
const hints = async (result: string, reason?: string) =>
  sumCounter(await daemon.metrics(), 'routeyard_event_hints_total', (l) => l.result === result && (reason === undefined || l.reason === reason));

describe('event hints from an SQS queue fed by EventBridge', () => {
  beforeAll(async () => {
    await freshEmulator();
    const doc = exampleDoc();
    expect((await routeyard(['--reconcile-once'], doc)).exitCode).toBe(0);
    queueUrl = (await sqs().send(new CreateQueueCommand({ QueueName: 'routeyard-hints' }))).QueueUrl!;
    webhook = await startWebhook();
    daemon = await startDaemon([
      '--source', `file:${writeDoc(doc)}`, '--interval', '10m', '--verify-within', '1h', '--events-queue', queueUrl,
      '--notify-webhook', webhook.url, '--report-url', 'https://routeyard.internal.acmecorp.com/',
    ]);
    await waitFor('the first pass', 60, async () => ((await daemon.drift())?.outcome === 'InSync' ? true : undefined));
  }, 120_000);

  afterAll(async () => {
    await daemon?.stop();
    await webhook?.close();
  });

  it('an integration switched to append: and announced by its CloudTrail event is repaired within 5 s', async () => {
    const apiId = await switchToAppend('loopback-app');
    const sentAt = Date.now();
    await send(cloudTrailEvent('apigateway.amazonaws.com', 'UpdateIntegration', { apiId, integrationId: 'whatever' }));
    const after = await waitFor('the repair', 10, async () => ((await repaired('loopback-app')) ? Date.now() - sentAt : undefined), 100);
    console.log(`repaired ${(after / 1000).toFixed(2)} s after the event was put on the queue`);
    expect(after).toBeLessThanOrEqual(5_000);
    await waitFor('the drift metric', 10, async () =>
      sumCounter(await daemon.metrics(), 'routeyard_drift_detected_total', (l) => l.by === 'event') >= 1 ? true : undefined,
    );
    expect(await hints('mapped')).toBeGreaterThanOrEqual(1);
    expect(await daemon.metrics()).toMatch(/^routeyard_event_hint_lag_seconds_count [1-9]/m);
  }, 30_000);

  it('malformed, unknown and foreign events change nothing, are counted and leave the queue', async () => {
    // The repair above is followed by a verifying pass 2 s later: let it run first, or it could
    // land in this test's window and count as a pass these events caused.
    await waitFor('the verifying pass after the repair', 10, async () => ((await daemon.drift())?.recentPasses?.[0]?.trigger === 'verify' ? true : undefined));
    const { apiId: ours } = await integrationOf('zeropoint-app');
    const writesBefore = resourceWrites(await daemon.metrics());
    const receivedBefore = await hints('received');
    const passesBefore = (await daemon.drift())!.recentPasses!.length;
    const bodies = [
      '{not json',
      JSON.stringify({ 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2', detail: { state: 'running' } }),
      cloudTrailEvent('s3.amazonaws.com', 'PutObject', { bucketName: 'b', key: 'k' }),
      cloudTrailEvent('apigateway.amazonaws.com', 'UpdateIntegration', { apiId: ours }, { recipientAccountId: '210987654321' }),
      cloudTrailEvent('apigateway.amazonaws.com', 'UpdateIntegration', { apiId: ours }, { awsRegion: 'ap-southeast-2' }),
      cloudTrailEvent('apigateway.amazonaws.com', 'UpdateIntegration', { apiId: 'zz99zz99zz' }), // another API
    ];
    for (const b of bodies) await send(b);
    await waitFor('every message read', 15, async () => ((await hints('received')) - receivedBefore >= bodies.length ? true : undefined));
    await new Promise((r) => setTimeout(r, 1_500)); // the merge window, then the ownership check
    expect(await hints('ignored', 'malformed')).toBeGreaterThanOrEqual(1);
    expect(await hints('ignored', 'unknown')).toBeGreaterThanOrEqual(2);
    expect(await hints('ignored', 'foreign-account')).toBe(1);
    expect(await hints('ignored', 'foreign-region')).toBe(1);
    expect(await hints('ignored', 'not-owned')).toBe(1);
    expect(resourceWrites(await daemon.metrics())).toBe(writesBefore);
    const passes = (await daemon.drift())!.recentPasses!;
    expect(passes.length, JSON.stringify(passes.map((p) => [p.trigger, p.at, p.actionsApplied]))).toBe(passesBefore); // not even a pass
    const attrs = await sqs().send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    expect(attrs.Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  }, 30_000);

  it('the webhook got one message for the drift and one for the repair, and no repeat', async () => {
    await waitFor('the repair message', 10, async () => (webhook.messages.some((m) => m.event === 'repaired') ? true : undefined));
    await new Promise((r) => setTimeout(r, 3_000));
    const mine = webhook.messages.filter((m) => m.service === 'loopback-app');
    expect(mine.map((m) => m.event)).toEqual(['drift', 'repaired']);
    expect(webhook.messages).toHaveLength(2);
    expect(mine[0]).toMatchObject({
      status: 'Drifted',
      previousStatus: 'InSync',
      reportUrl: 'https://routeyard.internal.acmecorp.com/drift?service=loopback-app',
      diffPaths: expect.arrayContaining(['integration.requestParameters["append:header.X-Target-Service"]']),
    });
    expect(String(mine[0]!.text)).toMatch(/^routeyard: loopback-app drift found/);
    expect(sumCounter(await daemon.metrics(), 'routeyard_notifications_total', (l) => l.result === 'sent')).toBe(2);
  }, 30_000);

  // Last in this file: it repairs loopback-app a second time (two more webhook messages).
  it('hostile messages (malformed percent-encoding, wrong types, deep nesting, a huge field) in one batch with a valid event: the controller stays up and acts on the valid one', async () => {
    const receivedBefore = await hints('received');
    const mappedBefore = await hints('mapped');
    const apiId = await switchToAppend('loopback-app');
    const hostile = hostileEventBodies(apiId);
    const reasons = [...new Set(hostile.map((h) => h.reason))];
    const ignoredBefore = new Map(await Promise.all(reasons.map(async (r) => [r, await hints('ignored', r)] as const)));
    const valid = cloudTrailEvent('apigateway.amazonaws.com', 'UpdateIntegration', { apiId, integrationId: 'whatever' });
    // The small ones and the valid event in one SendMessageBatch (10 at most), so one receive can
    // carry them together, the valid one last; the large ones on their own.
    const small = hostile.filter((h) => h.body.length < 20_000);
    const large = hostile.filter((h) => h.body.length >= 20_000);
    expect(small.length).toBeLessThanOrEqual(9);
    for (const h of large) await send(h.body);
    const sent = await sqs().send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [...small.map((h, i) => ({ Id: `h${i}`, MessageBody: h.body })), { Id: 'valid', MessageBody: valid }] }),
    );
    expect(sent.Failed ?? []).toEqual([]);
    const total = hostile.length + 1;

    /** Fails at once, with the end of its log, if the controller has exited. */
    const alive = async () => {
      await new Promise((r) => setTimeout(r, 50)); // an exit seen by the child's 'exit' event
      if (daemon.proc.exitCode !== null || daemon.proc.signalCode !== null) {
        throw new Error(`the controller exited (${daemon.proc.exitCode ?? daemon.proc.signalCode}):\n${daemon.logs().slice(-3_000)}`);
      }
    };
    await waitFor('every message read', 20, async () => (await alive(), (await hints('received')) - receivedBefore >= total ? true : undefined));
    await waitFor('the repair by the valid event', 15, async () => (await alive(), (await repaired('loopback-app')) ? true : undefined), 100);
    await alive();
    expect((await fetch(`${daemon.url}healthz`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500)); // the merge window, then the ownership check of the not-owned ones
    for (const r of reasons) expect(await hints('ignored', r), r).toBe(ignoredBefore.get(r)! + hostile.filter((h) => h.reason === r).length);
    expect(await hints('mapped')).toBe(mappedBefore + 1); // the valid one, and only it, named a managed resource
    const attrs = await sqs().send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    expect(attrs.Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
    // Log lines carry bounded excerpts, never a whole message.
    const longest = Math.max(...daemon.logs().split('\n').map((l) => l.length));
    expect(longest).toBeLessThan(4_000);
  }, 60_000);
});
