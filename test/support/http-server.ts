import * as http from 'http';
import { AddressInfo } from 'net';

/** A request the test server saw. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export type Handler = (req: SeenRequest) => { status: number; body: string } | 'hang';

/**
 * A real HTTP server on 127.0.0.1 at a random port (loopback only). `close()` also ends requests
 * left hanging on purpose.
 */
export async function startServer(handler: Handler): Promise<{ url: string; seen: SeenRequest[]; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(r);
      const answer = handler(r);
      if (answer === 'hang') { hanging.push(res); return; }
      res.writeHead(answer.status, { 'Content-Type': 'text/plain' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * The S2 app as the router shows it: the canary (1.1.0) only to requests carrying the tester
 * header `X-Canary: always`, the stable version (1.0.0) to everyone else. `broken` makes the canary
 * answer wrong: its health check fails and it reports the stable version.
 */
export function canaryBehindHeader(opts: { broken?: boolean } = {}): Handler {
  return (req) => {
    const canary = req.headers['x-canary'] === 'always' && !opts.broken;
    const version = canary ? '1.1.0' : '1.0.0';
    const path = req.url.split('?')[0];
    if (path === '/healthz') return opts.broken ? { status: 500, body: 'redis: connection refused\n' } : { status: 200, body: 'ok\n' };
    if (path === '/version') return { status: 200, body: `${version}\n` };
    if (path === '/') return { status: 200, body: `<html>\n<title>Workshop ${version}</title>\n</html>\n` };
    if (path === '/api/orders' && req.method === 'POST') {
      return req.headers['content-type'] === 'application/json' && req.body.startsWith('{') ? { status: 201, body: '{"id": 42}\n' } : { status: 400, body: 'bad order\n' };
    }
    return { status: 404, body: 'not found\n' };
  };
}
