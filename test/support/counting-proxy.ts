import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A pass-through HTTP proxy in front of the emulator that records every request it
 * forwards: the test's own count of what a controller sent to one AWS service, kept apart
 * from the controller's metrics. Point a service at it with AWS_ENDPOINT_URL_<SERVICE>.
 */
export interface CountingProxy {
  url: string;
  requests: { at: number; method: string; path: string }[];
  close: () => Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const to = new URL(target);
  const requests: CountingProxy['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ at: Date.now(), method: req.method ?? '', path: req.url ?? '' });
    const upstream = request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
