import { ApiGatewayV2Client, CreateApiCommand, CreateRouteCommand, GetApisCommand, UpdateRouteCommand } from '@aws-sdk/client-apigatewayv2';
import { HttpResponse } from '@smithy/protocol-http';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallCounter } from './call-counter.ts';
import { DeadlineExceeded, createAwsClients, instrument, isThrottle } from './clients.ts';
import { withDeadline } from './api-scheduler.ts';
import { OutcomeUnknownError } from './lost-answers.ts';
import type { ApiScheduler } from './api-scheduler.ts';

/** A transport that answers every request with the given status and error type (no AWS involved). */
function answering(statusCode: number, errorType?: string) {
  let requests = 0;
  return {
    get requests() {
      return requests;
    },
    handler: {
      handle: async () => {
        requests++;
        const body = errorType ? JSON.stringify({ message: 'slow down' }) : JSON.stringify({ items: [] });
        return {
          response: new HttpResponse({
            statusCode,
            headers: { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) },
            body: Readable.from([Buffer.from(body)]),
          }),
        };
      },
    },
  };
}

function client(handler: object, maxAttempts = 2) {
  return new ApiGatewayV2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts, requestHandler: handler as never });
}

describe('client factory middleware', () => {
  it('counts one call per operation, by service and operation, and whether it mutates', async () => {
    const counter = new CallCounter();
    const t = answering(200);
    const c = client(t.handler);
    instrument(c, 'APIGateway', counter);
    await c.send(new GetApisCommand({}));
    await c.send(new GetApisCommand({}));
    expect(counter.snapshot()).toMatchObject({ total: 2, mutating: 0, throttled: 0, retries: 0, byService: { APIGateway: 2 }, byOperation: { 'APIGateway.GetApis': 2 } });
    expect(t.requests).toBe(2);
  });

  it('counts every throttled attempt and every retry', async () => {
    const counter = new CallCounter();
    const t = answering(429, 'TooManyRequestsException');
    const c = client(t.handler, 2);
    instrument(c, 'APIGateway', counter);
    await expect(c.send(new GetApisCommand({}))).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    expect(t.requests).toBe(2);
    expect(counter.snapshot()).toMatchObject({ total: 1, throttled: 2, retries: 1 });
  });

  it('recognises the SDK throttling error names', () => {
    expect(isThrottle({ name: 'ThrottlingException' })).toBe(true);
    expect(isThrottle({ name: 'Whatever', $metadata: { httpStatusCode: 429 } })).toBe(true);
    expect(isThrottle({ name: 'TooManyRulesException' })).toBe(false);
  });

  describe('pacing happens before signing (SigV4 signatures expire 5 minutes after signing)', () => {
    afterEach(() => vi.useRealTimers());

    /** A transport that records each request's signing time (X-Amz-Date) and the time it was sent. */
    function recordingTransport() {
      const seen: { signedAt: number; sentAt: number }[] = [];
      return {
        seen,
        handler: {
          handle: async (req: { headers: Record<string, string> }) => {
            const d = req.headers['x-amz-date']!; // yyyymmddThhmmssZ
            const signedAt = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));
            seen.push({ signedAt, sentAt: Date.now() });
            return {
              response: new HttpResponse({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: Readable.from([Buffer.from('{"items":[]}')]) }),
            };
          },
        },
      };
    }

    it('no request is signed before its token: a queue ten minutes long still sends freshly signed requests', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2026-11-25T12:00:00Z'));
      const counter = new CallCounter();
      const t = recordingTransport();
      const c = client(t.handler);
      // A bucket whose every token takes ten minutes of (simulated) waiting.
      const slow = { acquire: async () => void vi.setSystemTime(Date.now() + 10 * 60_000), onThrottle: () => {} } as unknown as ApiScheduler;
      instrument(c, 'APIGateway', counter, slow);
      await Promise.all([c.send(new GetApisCommand({})), c.send(new GetApisCommand({})), c.send(new GetApisCommand({}))]);
      expect(t.seen).toHaveLength(3);
      for (const r of t.seen) expect(r.sentAt - r.signedAt).toBeLessThan(5 * 60_000);
    });

    it('each retry takes a token of its own before it is signed again', async () => {
      const counter = new CallCounter();
      const t = answering(429, 'TooManyRequestsException');
      const c = client(t.handler, 3);
      let tokens = 0;
      instrument(c, 'APIGateway', counter, { acquire: async () => void tokens++, onThrottle: () => {} } as unknown as ApiScheduler);
      await expect(c.send(new GetApisCommand({}))).rejects.toMatchObject({ name: 'TooManyRequestsException' });
      expect(t.requests).toBe(3);
      expect(tokens).toBe(3);
    });
  });
});

/**
 * A transport whose every request fails: the connection resets after the request was sent (a
 * lost answer) or is refused before it (surely not sent); or, through `answering`, a 502 or a
 * throttle.
 */
function losing(kind: 'reset' | '502' | 'refused' | 'throttle') {
  if (kind === '502') return answering(502, 'BadGateway');
  if (kind === 'throttle') return answering(429, 'TooManyRequestsException');
  let requests = 0;
  const error = kind === 'reset' ? { message: 'socket hang up', code: 'ECONNRESET' } : { message: 'connect ECONNREFUSED 127.0.0.1:1', code: 'ECONNREFUSED' };
  return {
    get requests() {
      return requests;
    },
    handler: {
      handle: async () => {
        requests++;
        throw Object.assign(new Error(error.message), { code: error.code });
      },
    },
  };
}

describe('lost answers (non-idempotent creates are never sent twice)', () => {
  it.each(['reset', '502'] as const)('CreateApi after a %s: one request, an OutcomeUnknown error the SDK does not retry, counted', async (kind) => {
    const counter = new CallCounter();
    const t = losing(kind);
    const c = client(t.handler, 3);
    instrument(c, 'APIGateway', counter);
    await expect(c.send(new CreateApiCommand({ Name: 'x', ProtocolType: 'HTTP' }))).rejects.toBeInstanceOf(OutcomeUnknownError);
    expect(t.requests).toBe(1);
    expect(counter.snapshot()).toMatchObject({ retries: 0, lostAnswers: 1 });
  });

  it('CreateRoute likewise; an update (idempotent) and a read keep the SDK retries', async () => {
    for (const [cmd, attempts] of [
      [new CreateRouteCommand({ ApiId: 'a', RouteKey: '$default' }), 1],
      [new UpdateRouteCommand({ ApiId: 'a', RouteId: 'r', Target: 'integrations/i' }), 3],
      [new GetApisCommand({}), 3],
    ] as const) {
      const t = losing('reset');
      const c = client(t.handler, 3);
      instrument(c, 'APIGateway', new CallCounter());
      await expect(c.send(cmd as never)).rejects.toBeDefined();
      expect(t.requests, cmd.constructor.name).toBe(attempts);
    }
  });

  it('a create that was surely not sent (connection refused) or was throttled is retried as usual', async () => {
    for (const kind of ['refused', 'throttle'] as const) {
      const t = losing(kind);
      const c = client(t.handler, 3);
      instrument(c, 'APIGateway', new CallCounter());
      await expect(c.send(new CreateApiCommand({ Name: 'x', ProtocolType: 'HTTP' }))).rejects.not.toBeInstanceOf(OutcomeUnknownError);
      expect(t.requests, kind).toBe(3);
    }
  });
});

describe('the pass deadline', () => {
  it('cuts off a call in flight at once, and no retry follows', async () => {
    let requests = 0;
    const hang = { handle: () => (requests++, new Promise<never>(() => {})) };
    const c = client(hang, 3);
    instrument(c, 'APIGateway', new CallCounter());
    const deadline = new AbortController();
    const call = withDeadline(deadline.signal, () => c.send(new GetApisCommand({})));
    setTimeout(() => deadline.abort(), 20);
    await expect(call).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(requests).toBe(1);
  });

  it('a call started after the deadline is not sent at all', async () => {
    let requests = 0;
    const c = client({ handle: async () => (requests++, { response: new HttpResponse({ statusCode: 200, body: Readable.from([Buffer.from('{}')]) }) }) }, 3);
    instrument(c, 'APIGateway', new CallCounter());
    const deadline = new AbortController();
    deadline.abort();
    await expect(withDeadline(deadline.signal, () => c.send(new GetApisCommand({})))).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(requests).toBe(0);
  });
});

describe('ACM is paced per operation (ACM user guide, quotas: ListCertificates 1/s, DescribeCertificate and ListTagsForCertificate 10/s)', () => {
  it('the factory gives ACM a 10/s budget and ListCertificates its own 1/s one', () => {
    const { schedulers } = createAwsClients();
    expect(schedulers.ACM!.pace()).toBe(10);
    expect(schedulers['ACM.ListCertificates']!.pace()).toBe(1);
    // Half of Parameter Store's default 40 per second, which every application reading its configuration shares.
    expect(schedulers.SSM!.pace()).toBe(20);
  });

  it('each call takes its token from its operation\'s scheduler', async () => {
    const { ACMClient, DescribeCertificateCommand, ListCertificatesCommand } = await import('@aws-sdk/client-acm');
    const acm = new ACMClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, requestHandler: answering(200).handler as never });
    const taken: string[] = [];
    const pacer = (name: string) => ({ acquire: async () => void taken.push(name), onThrottle: () => {} }) as unknown as ApiScheduler;
    instrument(acm, 'ACM', new CallCounter(), (op) => (op === 'ListCertificates' ? pacer('list') : pacer('acm')));
    await acm.send(new ListCertificatesCommand({})).catch(() => {});
    await acm.send(new DescribeCertificateCommand({ CertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/x' })).catch(() => {});
    expect(taken).toEqual(['list', 'acm']);
  });
});
