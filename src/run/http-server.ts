import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DriftResponse } from '../model/report-contract.ts';
import { renderDashboard } from '../report/html.ts';
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
 * One port, read-only: /healthz, /readyz, /drift (?service=NAME), /metrics, / (dashboard),
 * /openapi.json. Errors are JSON with a code; unknown paths 404; methods other than GET
 * and HEAD 405.
 */
export function createControllerServer(view: ControllerView): Server {
  const openapi = renderOpenApi();
  return createServer((req, res) => {
    void handle(view, openapi, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, req, 500, 'Internal', err instanceof Error ? err.message : String(err));
      else res.destroy();
    });
  });
}

async function handle(view: ControllerView, openapi: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
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
      if (only === null) return sendJson(res, req, 200, drift);
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
      return send(res, req, 200, 'text/html; charset=utf-8', renderDashboard(drift, { refreshSeconds: view.refreshSeconds, now }));
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

function send(res: ServerResponse, req: IncomingMessage, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export async function listen(server: Server, port: number, host = '0.0.0.0'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
