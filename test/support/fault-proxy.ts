import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A fault-injecting HTTP proxy in front of the emulator, beside counting-proxy.ts. Point the
 * SDK at it with AWS_ENDPOINT_URL (every service then goes through it). It tells AWS
 * services and operations apart the way AWS does:
 *
 * - the service from the SigV4 credential scope of the Authorization header
 *   (`Credential=AKID/20250101/eu-west-1/elasticloadbalancing/aws4_request`);
 * - the operation from `X-Amz-Target` (JSON protocols: ACM, SSM, DynamoDB, SQS), from
 *   `Action=` (query protocol: ELBv2, EC2), or from the method and path (REST: API Gateway
 *   v2, Route 53, S3).
 *
 * It answers, by explicit rules first and then by a seeded random schedule:
 *
 * - `throttle`: the throttling error in the protocol's own format, without forwarding
 *   (query XML 400 `Throttling`; API Gateway REST JSON 429 `TooManyRequestsException` with
 *   `x-amzn-ErrorType`; Route 53 XML 400 `Throttling`, or `PriorRequestNotComplete` for
 *   ChangeResourceRecordSets; JSON 400 `ThrottlingException` in `__type`; S3 503 `SlowDown`);
 * - `error500` / `error503`: an internal error / service unavailable, without forwarding;
 * - `reset`: the connection destroyed before anything is forwarded;
 * - `lost`: the request forwarded, moto's answer read, then the connection destroyed
 *   instead of answering ("the write happened, the answer was lost");
 * - `lost503`: the request forwarded, then a 503 instead of moto's answer (AWS failing after
 *   the write was committed);
 * - `hang`: the request read and never answered (for timeout tests).
 *
 * `lost` and `lost503` are only drawn for mutating calls (a lost read changes nothing).
 * Every fault is recorded; `enabled = false` switches them all off. Requests under
 * /moto-api/ (reset, state) always pass through untouched and uncounted.
 */

export type FaultKind = 'throttle' | 'error500' | 'error503' | 'reset' | 'lost' | 'lost503' | 'hang';
export const FAULT_KINDS: readonly FaultKind[] = ['throttle', 'error500', 'error503', 'reset', 'lost', 'lost503', 'hang'];

export type Protocol = 'query' | 'json' | 'rest-json' | 'rest-xml' | 'unknown';

export interface CallInfo {
  /** Service as routeyard's call counter names it: ELBv2, APIGateway, Route53, ACM, SSM, DynamoDB, SQS, S3, EC2; else the signing name. */
  service: string;
  operation: string;
  mutating: boolean;
  protocol: Protocol;
  method: string;
  path: string;
  /** The SDK's attempt number for this operation (its `amz-sdk-request: attempt=N; max=M` header), when it says. */
  attempt: number | undefined;
}

export interface InjectedFault {
  at: number;
  kind: FaultKind;
  service: string;
  operation: string;
  /** From an explicit rule (else from the random schedule). */
  rule: boolean;
}

export interface FaultRule {
  kind: FaultKind;
  service?: string | RegExp;
  operation?: string | RegExp;
  mutating?: boolean;
  /** Only this attempt of an operation (1: first tries, never the SDK's retries of them). */
  attempt?: number;
  /** Any other condition on the call (its path names the API, say). */
  match?: (call: CallInfo) => boolean;
  /** Let this many matching calls through first. */
  skip?: number;
  /** Apply to this many matching calls, then stop matching (default: every one). */
  times?: number;
}

/** Weights of the kinds drawn by the random schedule (0 or absent: never). */
export type KindWeights = Partial<Record<FaultKind, number>>;

export interface FaultSchedule {
  seed: number;
  /** Chance that a read (Describe/Get/List/Head) gets a fault. */
  readRate: number;
  /** Chance that a mutating call gets a fault. */
  writeRate: number;
  readKinds: KindWeights;
  writeKinds: KindWeights;
}

export interface FaultSummary {
  total: number;
  byKind: Record<string, number>;
  byService: Record<string, number>;
  byOperation: Record<string, number>;
}

export interface FaultProxy {
  url: string;
  /** false: every request passes through (still counted in `calls`). */
  enabled: boolean;
  setSchedule: (schedule: FaultSchedule | undefined) => void;
  addRule: (rule: FaultRule) => void;
  clearRules: () => void;
  /** Every fault injected, in order. */
  injected: InjectedFault[];
  /** Every request seen (not /moto-api/), with the fault it got, if any. */
  calls: (CallInfo & { at: number; fault?: FaultKind })[];
  summary: (since?: number) => FaultSummary;
  /**
   * Called when a mutating call has reached moto and moto has answered it, before that
   * answer is relayed (or dropped). The answer waits for the returned promise: a test can
   * SIGKILL the client right after the write happened and before it learns the outcome.
   */
  onWrite: ((call: CallInfo) => void | Promise<void>) | undefined;
  /**
   * Called when a request has arrived, before any fault or forwarding; the request waits for
   * the returned promise (a test can SIGKILL the client while a call is in flight). If the
   * client's connection is gone by then, nothing is forwarded.
   */
  onRequest: ((call: CallInfo) => void | Promise<void>) | undefined;
  /** Requests currently held open by `hang`. */
  hanging: () => number;
  close: () => Promise<void>;
}

const READ_ONLY = /^(Describe|Get|List|Head)/;

/** SigV4 signing names to the names routeyard's call counter uses. */
const SERVICE_NAMES: Record<string, string> = {
  elasticloadbalancing: 'ELBv2',
  apigateway: 'APIGateway',
  route53: 'Route53',
  acm: 'ACM',
  ssm: 'SSM',
  dynamodb: 'DynamoDB',
  sqs: 'SQS',
  s3: 'S3',
  ec2: 'EC2',
};

/** The service from the Authorization header's credential scope: `Credential=AKID/date/region/service/aws4_request`. */
export function signingService(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  const m = typeof auth === 'string' ? /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(auth) : null;
  return m?.[1];
}

export function classify(method: string, rawPath: string, headers: IncomingHttpHeaders, body: Buffer): CallInfo {
  const signing = signingService(headers) ?? 'unknown';
  const service = SERVICE_NAMES[signing] ?? signing;
  const url = new URL(rawPath, 'http://proxy.invalid');
  const path = url.pathname;
  const target = headers['x-amz-target'];
  let protocol: Protocol = 'unknown';
  let operation = `${method} ${path}`;
  if (typeof target === 'string' && target.includes('.')) {
    // JSON 1.0 / 1.1: "CertificateManager.RequestCertificate", "AmazonSSM.GetParameters", "DynamoDB_20120810.PutItem".
    protocol = 'json';
    operation = target.slice(target.lastIndexOf('.') + 1);
  } else if (service === 'ELBv2' || service === 'EC2' || (headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    protocol = 'query';
    const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? url.searchParams.get('Action');
    if (action) operation = action;
  } else if (service === 'APIGateway') {
    protocol = 'rest-json';
    operation = apiGatewayV2Operation(method, path) ?? operation;
  } else if (service === 'Route53') {
    protocol = 'rest-xml';
    operation = route53Operation(method, path) ?? operation;
  } else if (service === 'S3') {
    protocol = 'rest-xml';
    operation = s3Operation(method, path) ?? operation;
  }
  const attempt = /attempt=(\d+)/.exec(String(headers['amz-sdk-request'] ?? ''))?.[1];
  return { service, operation, mutating: !READ_ONLY.test(operation), protocol, method, path, attempt: attempt ? Number(attempt) : undefined };
}

/** API Gateway v2 REST paths (/v2/apis/{id}/integrations/{id}, /v2/domainnames/{name}/apimappings, /v2/tags/{arn}, ...). */
function apiGatewayV2Operation(method: string, path: string): string | undefined {
  const seg = path.split('/').filter(Boolean);
  if (seg[0] !== 'v2') return undefined;
  const rest = seg.slice(1);
  if (rest[0] === 'tags') return { GET: 'GetTags', POST: 'TagResource', DELETE: 'UntagResource' }[method];
  const singular: Record<string, string> = {
    apis: 'Api',
    integrations: 'Integration',
    routes: 'Route',
    stages: 'Stage',
    deployments: 'Deployment',
    authorizers: 'Authorizer',
    models: 'Model',
    domainnames: 'DomainName',
    apimappings: 'ApiMapping',
    vpclinks: 'VpcLink',
    integrationresponses: 'IntegrationResponse',
    routeresponses: 'RouteResponse',
  };
  // Walk collection/id pairs; the last collection names the resource.
  let kind: string | undefined;
  let hasId = false;
  for (let i = 0; i < rest.length; i += 2) {
    const coll = rest[i]!;
    if (coll === 'cors' && method === 'DELETE') return 'DeleteCorsConfiguration';
    if (!singular[coll]) return undefined;
    kind = singular[coll];
    hasId = i + 1 < rest.length;
  }
  if (!kind) return undefined;
  if (!hasId) return method === 'GET' ? `Get${kind}s` : method === 'POST' ? `Create${kind}` : undefined;
  return { GET: `Get${kind}`, PATCH: `Update${kind}`, PUT: `Update${kind}`, DELETE: `Delete${kind}` }[method];
}

/** S3, path-style (/bucket/key), the few operations a source needs. */
function s3Operation(method: string, path: string): string | undefined {
  const [bucket, ...key] = path.split('/').filter(Boolean);
  if (!bucket) return method === 'GET' ? 'ListBuckets' : undefined;
  if (key.length === 0) return { GET: 'ListObjectsV2', HEAD: 'HeadBucket', PUT: 'CreateBucket', DELETE: 'DeleteBucket' }[method];
  return { GET: 'GetObject', HEAD: 'HeadObject', PUT: 'PutObject', DELETE: 'DeleteObject' }[method];
}

/** Route 53 REST paths under /2013-04-01/. */
function route53Operation(method: string, path: string): string | undefined {
  const seg = path.split('/').filter(Boolean);
  if (seg[0] !== '2013-04-01') return undefined;
  const [a, b, c] = seg.slice(1);
  if (a === 'hostedzonesbyname') return 'ListHostedZonesByName';
  if (a === 'hostedzonecount') return 'GetHostedZoneCount';
  if (a === 'change' && b) return 'GetChange';
  if (a === 'tags') return method === 'GET' ? 'ListTagsForResource' : 'ChangeTagsForResource';
  if (a === 'hostedzone') {
    if (!b) return method === 'GET' ? 'ListHostedZones' : 'CreateHostedZone';
    if (!c) return { GET: 'GetHostedZone', DELETE: 'DeleteHostedZone', POST: 'UpdateHostedZoneComment' }[method];
    if (c === 'rrset') return method === 'GET' ? 'ListResourceRecordSets' : 'ChangeResourceRecordSets';
    if (c === 'associatevpc') return 'AssociateVPCWithHostedZone';
    if (c === 'disassociatevpc') return 'DisassociateVPCFromHostedZone';
  }
  return undefined;
}

/** The answer a fault gives, in the protocol's own error format. */
export function faultResponse(kind: 'throttle' | 'error500' | 'error503', call: CallInfo): { status: number; headers: Record<string, string>; body: string } {
  const requestId = randomUUID();
  const code =
    kind === 'throttle'
      ? call.protocol === 'json'
        ? 'ThrottlingException'
        : call.protocol === 'rest-json'
          ? 'TooManyRequestsException'
          : call.service === 'Route53' && call.operation === 'ChangeResourceRecordSets'
            ? 'PriorRequestNotComplete'
            : call.service === 'S3'
              ? 'SlowDown'
              : 'Throttling'
      : kind === 'error500'
        ? call.protocol === 'rest-json'
          ? 'InternalServerException'
          : 'InternalFailure'
        : 'ServiceUnavailable';
  const message = kind === 'throttle' ? (call.protocol === 'rest-json' ? 'Too Many Requests' : 'Rate exceeded') : kind === 'error500' ? 'An internal error occurred' : 'Service is unavailable';
  const status = kind === 'error500' ? 500 : kind === 'error503' ? 503 : call.protocol === 'rest-json' ? 429 : call.service === 'S3' ? 503 : 400;
  const base = { 'x-amzn-requestid': requestId };
  switch (call.protocol) {
    case 'json':
      // JSON 1.0/1.1: the error code is `__type` (AwsJsonRpcProtocol.handleError, loadJsonRpcErrorCode).
      return {
        status,
        headers: { ...base, 'content-type': call.service === 'DynamoDB' || call.service === 'SQS' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1' },
        body: JSON.stringify({ __type: code, message }),
      };
    case 'rest-json':
      // restJson1: x-amzn-ErrorType first (loadRestJsonErrorCode); API Gateway appends the coral namespace after ':'.
      return {
        status,
        headers: { ...base, 'content-type': 'application/json', 'x-amzn-errortype': `${code}:http://internal.amazon.com/coral/com.amazon.apigateway/` },
        body: JSON.stringify({ message }),
      };
    case 'rest-xml':
      if (call.service === 'S3') {
        return { status, headers: { ...base, 'content-type': 'application/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>` };
      }
      // Route 53: <ErrorResponse><Error><Code> (loadRestXmlErrorCode reads Error.Code).
      return {
        status,
        headers: { ...base, 'content-type': 'text/xml' },
        body: `<?xml version="1.0"?>\n<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>${status < 500 ? 'Sender' : 'Receiver'}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    default:
      // awsQuery: <ErrorResponse><Error><Code> (AwsQueryProtocol.loadQueryErrorCode).
      return {
        status,
        headers: { ...base, 'content-type': 'text/xml' },
        body: `<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><Error><Type>${status < 500 ? 'Sender' : 'Receiver'}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
  }
}

/** A small seeded PRNG (mulberry32) and a string hash (FNV-1a) to key it. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One seeded generator per PRNG seed; use for anything else a test wants to draw deterministically. */
export function seededRandom(seed: number): () => number {
  return mulberry32(seed);
}

function pick(weights: KindWeights, r: number): FaultKind | undefined {
  const entries = FAULT_KINDS.map((k) => [k, weights[k] ?? 0] as const).filter(([, w]) => w > 0);
  const total = entries.reduce((s, [, w]) => s + w, 0);
  if (total <= 0) return undefined;
  let x = r * total;
  for (const [k, w] of entries) {
    if ((x -= w) < 0) return k;
  }
  return entries[entries.length - 1]![0];
}

function matches(pattern: string | RegExp | undefined, value: string): boolean {
  return pattern === undefined || (typeof pattern === 'string' ? pattern === value : pattern.test(value));
}

export async function startFaultProxy(target: string, options: { schedule?: FaultSchedule } = {}): Promise<FaultProxy> {
  const to = new URL(target);
  let schedule = options.schedule;
  const rules: (FaultRule & { seen: number; applied: number })[] = [];
  // The n-th call of an operation gets the n-th draw of its own generator: the schedule a
  // seed gives does not depend on how concurrent calls of other operations interleave.
  const draws = new Map<string, () => number>();
  const injected: InjectedFault[] = [];
  const calls: FaultProxy['calls'] = [];
  const held = new Set<ServerResponse>();
  const sockets = new Set<Socket>();

  const draw = (call: CallInfo): FaultKind | undefined => {
    if (!schedule) return undefined;
    const key = `${call.service}.${call.operation}`;
    let gen = draws.get(key);
    if (!gen) draws.set(key, (gen = mulberry32(fnv1a(`${schedule.seed}/${key}`))));
    const [hit, which] = [gen(), gen()];
    if (hit >= (call.mutating ? schedule.writeRate : schedule.readRate)) return undefined;
    const kind = pick(call.mutating ? schedule.writeKinds : schedule.readKinds, which);
    // A lost answer only means something for a write.
    if ((kind === 'lost' || kind === 'lost503') && !call.mutating) return 'reset';
    return kind;
  };

  const decide = (call: CallInfo): { kind: FaultKind; rule: boolean } | undefined => {
    for (const rule of rules) {
      if (!matches(rule.service, call.service) || !matches(rule.operation, call.operation)) continue;
      if (rule.mutating !== undefined && rule.mutating !== call.mutating) continue;
      if (rule.attempt !== undefined && rule.attempt !== call.attempt) continue;
      if (rule.match && !rule.match(call)) continue;
      rule.seen += 1;
      if (rule.seen <= (rule.skip ?? 0)) continue;
      if (rule.times !== undefined && rule.applied >= rule.times) continue;
      rule.applied += 1;
      return { kind: rule.kind, rule: true };
    }
    const kind = draw(call);
    return kind ? { kind, rule: false } : undefined;
  };

  const forward = (req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: to.host };
      const upstream = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers }, (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => resolve({ status: up.statusCode ?? 502, headers: up.headers, body: Buffer.concat(chunks) }));
        up.on('error', reject);
      });
      upstream.on('error', reject);
      upstream.end(body);
    });

  const relay = (res: ServerResponse, answer: { status: number; headers: IncomingHttpHeaders; body: Buffer }) => {
    if (res.destroyed || res.socket?.destroyed) return;
    const headers = { ...answer.headers };
    delete headers['transfer-encoding'];
    headers['content-length'] = String(answer.body.length);
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const path = req.url ?? '/';
    const method = req.method ?? 'GET';
    if (path.startsWith('/moto-api')) {
      try {
        relay(res, await forward(req, body));
      } catch {
        if (!res.headersSent) res.writeHead(502).end();
      }
      return;
    }
    const call = classify(method, path, req.headers, body);
    if (proxy.onRequest) {
      try {
        await proxy.onRequest(call);
      } catch {
        // the listener's failure is the test's business
      }
      if (req.socket.destroyed) return;
    }
    const fault = proxy.enabled ? decide(call) : undefined;
    calls.push({ ...call, at: Date.now(), ...(fault ? { fault: fault.kind } : {}) });
    if (fault) injected.push({ at: Date.now(), kind: fault.kind, service: call.service, operation: call.operation, rule: fault.rule });
    switch (fault?.kind) {
      case 'throttle':
      case 'error500':
      case 'error503': {
        const r = faultResponse(fault.kind, call);
        res.writeHead(r.status, { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) });
        res.end(r.body);
        return;
      }
      case 'reset':
        req.socket.destroy();
        return;
      case 'hang':
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      default:
        break;
    }
    let answer: Awaited<ReturnType<typeof forward>>;
    try {
      answer = await forward(req, body);
    } catch {
      if (!res.headersSent) res.writeHead(502).end();
      return;
    }
    if (call.mutating && proxy.onWrite) {
      try {
        await proxy.onWrite(call);
      } catch {
        // the listener's failure is the test's business, not the client's
      }
    }
    if (fault?.kind === 'lost') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'lost503') {
      const r = faultResponse('error503', call);
      res.writeHead(r.status, { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) });
      res.end(r.body);
      return;
    }
    relay(res, answer);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void handle(req, res, Buffer.concat(chunks)));
    req.on('error', () => undefined);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${port}`,
    enabled: true,
    setSchedule: (s) => {
      schedule = s;
      draws.clear();
    },
    addRule: (rule) => rules.push({ ...rule, seen: 0, applied: 0 }),
    clearRules: () => void rules.splice(0),
    injected,
    calls,
    summary: (since = 0) => summarize(injected.filter((f) => f.at >= since)),
    onWrite: undefined,
    onRequest: undefined,
    hanging: () => held.size,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return proxy;
}

export function summarize(faults: readonly InjectedFault[]): FaultSummary {
  const out: FaultSummary = { total: faults.length, byKind: {}, byService: {}, byOperation: {} };
  for (const f of faults) {
    out.byKind[f.kind] = (out.byKind[f.kind] ?? 0) + 1;
    out.byService[f.service] = (out.byService[f.service] ?? 0) + 1;
    const op = `${f.service}.${f.operation}`;
    out.byOperation[op] = (out.byOperation[op] ?? 0) + 1;
  }
  return out;
}
