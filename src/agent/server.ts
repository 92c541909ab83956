/**
 * The agent's HTTP endpoints, for probes and scraping:
 * - `GET /healthz`: 200 while the process runs (liveness);
 * - `GET /readyz`: 200 when the first reconcile is done and the last one succeeded, else 503
 *   with the reason (readiness: a failing fleet, a group that does not compile, a failed pull);
 * - `GET /metrics`: Prometheus text exposition.
 * HEAD works wherever GET does; other methods get 405, other paths 404. Bodies are plain text.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EXPOSITION_CONTENT_TYPE } from './metrics.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * `host:port`, `[ipv6]:port`, `:port` (every IPv4 interface, as Go programs read it) or a bare
 * port (127.0.0.1 only). Null when malformed. Port 0 asks the system for a free port (tests).
 */
export function parseListen(text: string): ListenAddress | null {
  const input = text.trim();
  const bare = /^\d{1,5}$/.test(input);
  const match = bare ? null : /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(input);
  if (!bare && match === null) return null;
  const port = Number(bare ? input : match?.[3]);
  if (!(port >= 0 && port <= 65535)) return null;
  const host = bare ? '127.0.0.1' : (match?.[1] ?? match?.[2] ?? '');
  return { host: host === '' ? '0.0.0.0' : host, port };
}

export interface AgentEndpoints {
  health(): { readonly ready: boolean; readonly reason: string };
  metrics(): string;
}

export interface AgentServer {
  /** `http://host:port` actually bound (the real port when 0 was asked). */
  readonly url: string;
  close(): Promise<void>;
}

export async function startAgentServer(endpoints: AgentEndpoints, address: ListenAddress): Promise<AgentServer> {
  const server = createServer((req, res) => handle(endpoints, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${bound.port}`,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function handle(endpoints: AgentEndpoints, req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  const method = req.method ?? 'GET';
  const path = new URL(req.url ?? '/', 'http://agent').pathname;
  const send = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
    res.end(method === 'HEAD' ? undefined : body);
  };
  const known = path === '/healthz' || path === '/readyz' || path === '/metrics';
  if (!known) return send(404, 'not found\n');
  if (method !== 'GET' && method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(405, 'method not allowed\n');
  }
  if (path === '/healthz') return send(200, 'ok\n');
  if (path === '/readyz') {
    const health = endpoints.health();
    return send(health.ready ? 200 : 503, `${health.reason}\n`);
  }
  return send(200, endpoints.metrics(), EXPOSITION_CONTENT_TYPE);
}
