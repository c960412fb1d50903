import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { DriftResponse } from '../model/report-contract.ts';
import { DASHBOARD_CSP, renderDashboard } from '../report/html.ts';
import { secretValues } from '../secrets.ts';
import { renderOpenApi } from './openapi.ts';

/**
 * What the HTTP server may read of the controller. It only reads: no endpoint changes AWS
 * or the controller's state.
 */
export interface ControllerView {
  /** The latest report with the daemon's memory, lease state and source error; undefined before the first pass. */
  drift(now: number): DriftResponse | undefined;
  readiness(): { ready: true } | { ready: false; code: string; message: string };
  /** Liveness: false when no pass has finished within its bound (the copy is stuck; ECS replaces it). */
  liveness?(): { live: true } | { live: false; code: string; message: string };
  metrics(): Promise<{ contentType: string; body: string }>;
  refreshSeconds: number;
}

/**
 * What one client may hold of the server. The port answers a health checker, a Prometheus
 * scraper and a few people's browsers (a browser opens at most 6 connections to a host),
 * so these bounds are far above normal use and far below what would exhaust the task.
 */
export interface ServerLimits {
  /** Time to receive a request's headers (Node's default is 60 s); then 408 and close. */
  headersTimeoutMs: number;
  /** Time to receive a whole request (Node's default is 300 s). */
  requestTimeoutMs: number;
  /** How often the two timeouts above are checked (Node's default is 30 s). */
  checkIntervalMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic at all (a client that stopped reading a response) is closed after this. */
  idleTimeoutMs: number;
  /** Connections open at once; more are closed as they arrive (server.maxConnections). */
  maxConnections: number;
}

export const SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  checkIntervalMs: 1_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
  // Generous: ECS's health check and Prometheus need a few; a client holding many open is
  // cut off by the header timeout within 10 s.
  maxConnections: 256,
};

/** Sent with every response: no MIME sniffing, no caching, nothing framed or run except the dashboard's own style sheet. */
const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
} as const;
/** For everything but the dashboard: JSON and text, nothing a browser should run or frame. */
const DATA_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * One port, read-only: /healthz, /readyz, /drift (?service=NAME), /metrics, / (dashboard),
 * /openapi.json. Errors are JSON with a code; unknown paths 404; methods other than GET
 * and HEAD 405. Every response carries `X-Content-Type-Options: nosniff` and a
 * Content-Security-Policy (the dashboard's allows its own style sheet alone, by hash);
 * every body is scrubbed of values resolved from SecureString parameters. Slow or
 * numerous clients are bounded by `limits`.
 */
export function createControllerServer(view: ControllerView, limits: Partial<ServerLimits> = {}): Server {
  const l = { ...SERVER_LIMITS, ...limits };
  const openapi = renderOpenApi();
  const cache = new RenderCache();
  const server = createServer(
    {
      headersTimeout: l.headersTimeoutMs,
      requestTimeout: l.requestTimeoutMs,
      connectionsCheckingInterval: l.checkIntervalMs,
      keepAliveTimeout: l.keepAliveTimeoutMs,
    },
    (req, res) => {
      void handle(view, openapi, cache, req, res).catch((err: unknown) => {
        if (!res.headersSent) sendError(res, req, 500, 'Internal', err instanceof Error ? err.message : String(err));
        else res.destroy();
      });
    },
  );
  server.maxConnections = l.maxConnections;
  server.timeout = l.idleTimeoutMs;
  // Node answers malformed, oversized and timed-out requests itself, without our headers;
  // answer them here instead, so that every response carries them.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const [status, reason, code] =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'RequestTimeout']
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'Request Header Fields Too Large', 'HeadersTooLarge']
          : [400, 'Bad Request', 'BadRequest'];
    const body = JSON.stringify({ error: { code, message: reason.toLowerCase() } });
    const headers = { ...COMMON_HEADERS, 'Content-Security-Policy': DATA_CSP, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' };
    socket.end(`HTTP/1.1 ${status} ${reason}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`);
  });
  return server;
}

async function handle(view: ControllerView, openapi: string, cache: RenderCache, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return sendError(res, req, 405, 'MethodNotAllowed', `${req.method} is not allowed: every endpoint is read-only (GET, HEAD)`);
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const now = Date.now();
  switch (url.pathname) {
    case '/healthz': {
      const l = view.liveness?.() ?? { live: true };
      return l.live ? sendJson(res, req, 200, { status: 'ok' }) : sendError(res, req, 503, l.code, l.message);
    }
    case '/readyz': {
      const r = view.readiness();
      return r.ready ? sendJson(res, req, 200, { status: 'ready' }) : sendError(res, req, 503, r.code, r.message);
    }
    case '/drift': {
      const drift = view.drift(now);
      if (!drift) return sendError(res, req, 503, 'NoPassYet', 'no pass has completed yet; try again in a moment');
      const only = url.searchParams.get('service');
      if (only === null) return sendText(res, req, 200, 'application/json', cache.driftJson(drift));
      const service = drift.services.find((s) => s.name === only);
      if (!service) return sendError(res, req, 404, 'UnknownService', `no service named ${JSON.stringify(only)} in the latest report`);
      return sendJson(res, req, 200, narrowTo(drift, service.name));
    }
    case '/metrics': {
      const m = await view.metrics();
      return send(res, req, 200, m.contentType, m.body);
    }
    case '/': {
      const drift = view.drift(now);
      if (!drift) return sendError(res, req, 503, 'NoPassYet', 'no pass has completed yet; this page will show the first one');
      return sendText(res, req, 200, 'text/html; charset=utf-8', cache.dashboard(drift, view.refreshSeconds, now), DASHBOARD_CSP);
    }
    case '/openapi.json':
      return send(res, req, 200, 'application/json', openapi);
    default:
      return sendError(res, req, 404, 'NotFound', `no endpoint ${url.pathname}: try /, /drift, /metrics, /healthz, /readyz or /openapi.json`);
  }
}

/** The report for one service: its resources and actions, and a summary counted over them alone. */
function narrowTo(drift: DriftResponse, name: string): DriftResponse {
  const services = drift.services.filter((s) => s.name === name);
  const actions = drift.actions.filter((a) => a.service === name);
  const has = (st: string) => services.filter((s) => s.status === st).length;
  const result = (r: string) => actions.filter((a) => a.result === r).length;
  return {
    ...drift,
    services,
    actions,
    summary: {
      services: services.length,
      inSync: has('InSync'),
      drifted: has('Drifted'),
      missing: has('Missing'),
      orphaned: has('Orphaned'),
      pending: has('Pending'),
      conflicts: has('Conflict'),
      errors: has('Error'),
      actions: actions.length,
      applied: result('applied'),
      failed: result('failed'),
      skipped: result('skipped'),
    },
  };
}

function sendJson(res: ServerResponse, req: IncomingMessage, status: number, body: unknown): void {
  send(res, req, status, 'application/json', JSON.stringify(body));
}

function sendError(res: ServerResponse, req: IncomingMessage, status: number, code: string, message: string): void {
  sendJson(res, req, status, { error: { code, message } });
}

function send(res: ServerResponse, req: IncomingMessage, status: number, contentType: string, text: string, csp = DATA_CSP): void {
  sendText(res, req, status, contentType, secretValues.redact(text), csp);
}

/** A body already scrubbed of secret values. */
function sendText(res: ServerResponse, req: IncomingMessage, status: number, contentType: string, body: string, csp = DATA_CSP): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Security-Policy': csp, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export async function listen(server: Server, port: number, host = '0.0.0.0'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/**
 * /drift and the dashboard, rendered once per pass and served from the cached text; only
 * the few fields that change between passes (the report's age, the lease) are written per
 * request. At 1,000 services /drift is about 1.5 MB of JSON and a dashboard render a deep
 * copy of the report: rendered per request, a dashboard left open or a poller churned
 * several MB of garbage and tens of ms of CPU each time (issue 18). The key is the pass
 * (its id is new every pass; nothing else in the report changes until the next one) and
 * the number of known secret values (a value learnt since is scrubbed from a fresh render).
 */
class RenderCache {
  private drift: { key: string; body: string } | undefined;
  private page: { key: string; head: string; tail: string | undefined } | undefined;

  private static keyOf(drift: DriftResponse): string {
    return `${drift.passId}\u0000${drift.generatedAt}\u0000${secretValues.size}`;
  }

  /** The report as JSON: `ageSeconds` and `lease` per request, the rest as rendered at the pass. */
  driftJson(drift: DriftResponse): string {
    const key = RenderCache.keyOf(drift);
    if (this.drift?.key !== key) {
      const rest: Partial<DriftResponse> = { ...drift };
      delete rest.ageSeconds;
      delete rest.lease;
      this.drift = { key, body: secretValues.redact(JSON.stringify(rest)) };
    }
    const live: Partial<DriftResponse> = { ageSeconds: drift.ageSeconds, ...(drift.lease ? { lease: drift.lease } : {}) };
    const head = secretValues.redact(JSON.stringify(live));
    const body = this.drift.body;
    return body === '{}' ? head : `${head.slice(0, -1)},${body.slice(1)}`;
  }

  /** The dashboard: rendered at the first request after a pass (or a change of leader), the age written per request. */
  dashboard(drift: DriftResponse, refreshSeconds: number, now: number): string {
    const l = drift.lease;
    const key = `${RenderCache.keyOf(drift)}\u0000${refreshSeconds}\u0000${l ? JSON.stringify([l.enabled, l.held, l.holder, l.self, l.lastError ?? null]) : ''}`;
    if (this.page?.key !== key) {
      const marker = `\u0000age-${randomUUID()}\u0000`;
      const html = secretValues.redact(renderDashboard(drift, { refreshSeconds, now, ageMarker: marker }));
      const at = html.indexOf(marker);
      this.page = at < 0 ? { key, head: html, tail: undefined } : { key, head: html.slice(0, at), tail: html.slice(at + marker.length) };
    }
    return this.page.tail === undefined ? this.page.head : `${this.page.head}${Math.round(drift.ageSeconds)}${this.page.tail}`;
  }
}
