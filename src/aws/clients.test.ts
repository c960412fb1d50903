import { ApiGatewayV2Client, GetApisCommand } from '@aws-sdk/client-apigatewayv2';
import { HttpResponse } from '@smithy/protocol-http';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallCounter } from './call-counter.ts';
import { instrument, isThrottle } from './clients.ts';
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
