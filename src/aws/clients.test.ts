import { ApiGatewayV2Client, GetApisCommand } from '@aws-sdk/client-apigatewayv2';
import { HttpResponse } from '@smithy/protocol-http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CallCounter } from './call-counter.ts';
import { instrument, isThrottle } from './clients.ts';

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
});
