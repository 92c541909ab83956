/**
 * A stand-in for APISIX's data plane, for health-check tests: an HTTP proxy on 127.0.0.1 that
 * routes each request by the configuration an Admin API test server holds at that moment, and
 * upstream servers to route to, which can be told to fail.
 *
 * Routing, as APISIX's radixtree router does it for what tagway emits: a route matches on its
 * uris (exact, or a prefix ending in `*`), its hosts (or its service's; `*.example.com`
 * wildcards), its methods; exact uris win over prefixes, longer prefixes over shorter, then the
 * higher `priority`. A route's plugins are its service's overlaid with its own; `proxy-rewrite`
 * (`uri`, `regex_uri`, `headers.set`) and `traffic-split` (`weighted_upstreams`, by weight) are
 * applied. The upstream is the route's, or its service's; the first node with a weight is used,
 * with the Host header `pass_host` asks for. No route: 404 `{"error_msg":"404 Route Not Found"}`;
 * an upstream that does not answer: 502. What it proxied is counted and served at
 * `/apisix/prometheus/metrics` as APISIX's prometheus plugin exports it (`apisix_http_status` by
 * code and route, the `apisix_http_latency` histogram of `type="request"`).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import type { AdminServer } from './apisix-admin-server.js';

type Json = Record<string, unknown>;

export interface DataPlane {
  readonly url: string;
  /** Its Prometheus endpoint, as APISIX's prometheus plugin exports: `apisix_http_status`, `apisix_http_latency`. */
  readonly metricsUrl: string;
  /** Requests received, in order: `METHOD host path`. */
  readonly requests: readonly string[];
  /** Answers every request with this status (as a broken gateway would), until set to null. */
  failWith(status: number | null): void;
  close(): Promise<void>;
}

export interface UpstreamServer {
  readonly host: string;
  readonly port: number;
  /** Requests received: method, path, Host header and headers. */
  readonly requests: readonly { method: string; path: string; host: string; headers: Readonly<Record<string, string | string[] | undefined>> }[];
  /** Answers with this status from now on (null: 200 again). */
  failWith(status: number | null): void;
  /** Answers every `n`th request with 500 (null: none). */
  failEvery(n: number | null): void;
  /** Answers each request after this many milliseconds (0: at once). */
  slowBy(ms: number): void;
  close(): Promise<void>;
}

/** An upstream that answers `{"upstream": name, "path": …, "host": …}` with 200, or the status it was told. */
export async function startUpstream(name: string): Promise<UpstreamServer> {
  const requests: { method: string; path: string; host: string; headers: Record<string, string | string[] | undefined> }[] = [];
  let failing: number | null = null;
  let every: number | null = null;
  let delay = 0;
  const respond = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    req.resume();
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', host: req.headers.host ?? '', headers: { ...req.headers } });
    const status = failing ?? (every !== null && requests.length % every === 0 ? 500 : 200);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ upstream: name, path: req.url, host: req.headers.host, status }));
  };
  const server = http.createServer((req, res) => {
    if (delay > 0) setTimeout(() => respond(req, res), delay);
    else respond(req, res);
  });
  const port = await listen(server);
  return {
    host: '127.0.0.1',
    port,
    requests,
    failWith: (status) => {
      failing = status;
    },
    failEvery: (n) => {
      every = n;
    },
    slowBy: (ms) => {
      delay = ms;
    },
    close: () => close(server),
  };
}

/** APISIX's default latency buckets (ms), `apisix/plugins/prometheus/exporter.lua`. */
const LATENCY_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000];

/** What a data plane counts of what it proxied, exported as APISIX's prometheus plugin does. */
class Counters {
  readonly status = new Map<string, number>();
  readonly latency = new Map<string, number[]>();
  count(route: string, code: number, ms: number): void {
    const key = `${route}\u0000${code}`;
    this.status.set(key, (this.status.get(key) ?? 0) + 1);
    const buckets = this.latency.get(route) ?? new Array<number>(LATENCY_BUCKETS.length + 1).fill(0);
    LATENCY_BUCKETS.forEach((le, i) => {
      if (ms <= le) buckets[i]! += 1;
    });
    buckets[LATENCY_BUCKETS.length]! += 1;
    this.latency.set(route, buckets);
  }
  render(): string {
    const lines = ['# HELP apisix_http_status HTTP status codes per service in APISIX', '# TYPE apisix_http_status counter'];
    for (const [key, n] of this.status) {
      const [route, code] = key.split('\u0000');
      lines.push(`apisix_http_status{code="${code}",route="${route}",matched_uri="",matched_host="",service="",consumer="",node="127.0.0.1"} ${n}`);
    }
    lines.push('# HELP apisix_http_latency HTTP request latency in milliseconds per service in APISIX', '# TYPE apisix_http_latency histogram');
    for (const [route, buckets] of this.latency) {
      LATENCY_BUCKETS.forEach((le, i) => lines.push(`apisix_http_latency_bucket{type="request",route="${route}",service="",consumer="",node="127.0.0.1",le="${le}"} ${buckets[i]}`));
      lines.push(`apisix_http_latency_bucket{type="request",route="${route}",service="",consumer="",node="127.0.0.1",le="+Inf"} ${buckets[LATENCY_BUCKETS.length]}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

/** A data plane routing by what `admin` holds. `random` picks traffic-split upstreams (default: always the first weight). */
export async function startDataPlane(admin: ConfigSource, options: { readonly random?: () => number } = {}): Promise<DataPlane> {
  const requests: string[] = [];
  let failing: number | null = null;
  const random = options.random ?? (() => 0);
  const counters = new Counters();
  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => answer(res, 500, { error_msg: String(error) }));
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const target = new URL(req.url ?? '/', 'http://data-plane.invalid');
    if (target.pathname === METRICS_PATH) {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(counters.render());
      return;
    }
    requests.push(`${method} ${host} ${target.pathname}`);
    const body = await readAll(req);
    if (failing !== null) return answer(res, failing, { error_msg: `${failing}` });
    const route = matchRoute(admin, method, host, target.pathname);
    if (route === null) return answer(res, 404, { error_msg: '404 Route Not Found' });
    const service = typeof route.service_id === 'string' ? admin.objects('services').get(route.service_id) : undefined;
    const plugins = { ...((service?.plugins as Json | undefined) ?? {}), ...((route.plugins as Json | undefined) ?? {}) };
    let path = target.pathname;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
    const rewrite = plugins['proxy-rewrite'] as Json | undefined;
    if (rewrite !== undefined) {
      if (Array.isArray(rewrite.regex_uri)) {
        const [pattern, replacement] = rewrite.regex_uri as [string, string];
        const re = new RegExp(pattern);
        if (re.test(path)) path = path.replace(re, replacement);
      } else if (typeof rewrite.uri === 'string') path = rewrite.uri;
      const set = (rewrite.headers as Json | undefined)?.set as Record<string, string> | undefined;
      for (const [k, v] of Object.entries(set ?? {})) headers[k.toLowerCase()] = v;
    }
    const upstream = chooseUpstream(admin, route, service, plugins['traffic-split'] as Json | undefined, random);
    const node = upstream === undefined ? undefined : firstNode(upstream);
    if (upstream === undefined || node === undefined) return answer(res, 503, { error_msg: 'no upstream' });
    const passHost = (upstream.pass_host as string | undefined) ?? 'pass';
    const upstreamHost = passHost === 'node' ? `${node.host}:${node.port}` : passHost === 'rewrite' ? String(upstream.upstream_host) : (req.headers.host ?? host);
    const started = performance.now();
    try {
      const out = await request(`http://${node.host}:${node.port}${path}${target.search}`, {
        method: method as 'GET',
        headers: { ...headers, host: upstreamHost },
        ...(body.length > 0 ? { body } : {}),
      });
      const text = await out.body.text();
      counters.count(String(route.id), out.statusCode, performance.now() - started);
      res.writeHead(out.statusCode, { 'content-type': String(out.headers['content-type'] ?? 'text/plain') });
      res.end(method === 'HEAD' ? undefined : text);
    } catch {
      counters.count(String(route.id), 502, performance.now() - started);
      answer(res, 502, { error_msg: '502 Bad Gateway' });
    }
  }
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${port}${METRICS_PATH}`,
    requests,
    failWith: (status) => {
      failing = status;
    },
    close: () => close(server),
  };
}

/** What a data plane routes by: a test gateway's objects of a kind, by id (an Admin API test server is one). */
export type ConfigSource = Pick<AdminServer, 'objects'>;

/** Where APISIX's prometheus plugin serves its metrics (on its own port; here on the same one). */
const METRICS_PATH = '/apisix/prometheus/metrics';

function matchRoute(admin: ConfigSource, method: string, host: string, path: string): Json | null {
  const services = admin.objects('services');
  const candidates: { route: Json; exact: boolean; length: number; priority: number }[] = [];
  for (const route of admin.objects('routes').values()) {
    if (route.status === 0) continue;
    const service = typeof route.service_id === 'string' ? services.get(route.service_id) : undefined;
    const hosts = (route.hosts as string[] | undefined) ?? (typeof route.host === 'string' ? [route.host] : undefined) ?? (service?.hosts as string[] | undefined) ?? [];
    if (hosts.length > 0 && !hosts.some((h) => hostMatches(h.toLowerCase(), host))) continue;
    const methods = route.methods as string[] | undefined;
    if (methods !== undefined && !methods.includes(method)) continue;
    const uris = (route.uris as string[] | undefined) ?? (typeof route.uri === 'string' ? [route.uri] : []);
    for (const uri of uris) {
      const exact = !uri.endsWith('*');
      if (exact ? uri !== path : !path.startsWith(uri.slice(0, -1))) continue;
      candidates.push({ route, exact, length: uri.length, priority: typeof route.priority === 'number' ? route.priority : 0 });
    }
  }
  candidates.sort((a, b) => Number(b.exact) - Number(a.exact) || b.length - a.length || b.priority - a.priority);
  return candidates[0]?.route ?? null;
}

function hostMatches(pattern: string, host: string): boolean {
  return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : pattern === host;
}

function chooseUpstream(admin: ConfigSource, route: Json, service: Json | undefined, split: Json | undefined, random: () => number): Json | undefined {
  const upstreams = admin.objects('upstreams');
  const own = (): Json | undefined => {
    for (const holder of [route, service]) {
      if (holder === undefined) continue;
      if (typeof holder.upstream_id === 'string') return upstreams.get(holder.upstream_id);
      if (holder.upstream !== undefined) return holder.upstream as Json;
    }
    return undefined;
  };
  const weighted = ((split?.rules as Json[] | undefined)?.[0]?.weighted_upstreams as Json[] | undefined) ?? [];
  const total = weighted.reduce((n, w) => n + Number(w.weight ?? 0), 0);
  if (total > 0) {
    let pick = random() * total;
    for (const w of weighted) {
      pick -= Number(w.weight ?? 0);
      if (pick < 0 || Number(w.weight ?? 0) === total) {
        if (typeof w.upstream_id === 'string') return upstreams.get(w.upstream_id);
        if (w.upstream !== undefined) return w.upstream as Json;
        return own();
      }
    }
  }
  return own();
}

function firstNode(upstream: Json): { host: string; port: number } | undefined {
  const nodes = upstream.nodes;
  if (Array.isArray(nodes)) {
    const n = (nodes as Json[]).find((x) => Number(x.weight ?? 1) > 0);
    return n === undefined ? undefined : { host: String(n.host), port: Number(n.port ?? 80) };
  }
  for (const [address, weight] of Object.entries((nodes as Record<string, number> | undefined) ?? {})) {
    if (weight > 0) {
      const [h, p] = address.split(':');
      return { host: h!, port: Number(p ?? 80) };
    }
  }
  return undefined;
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
