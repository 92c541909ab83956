/**
 * Fault injection and the HTTP harness shared by the in-process APISIX test servers
 * (`apisix-admin-server.ts`, `apisix-standalone-server.ts`).
 *
 * A fault is armed with `faults.add({ method?, path?, times?, action })` and meets the next
 * matching requests *before* the server looks at them: before the token check, before the body
 * is read, before any state is touched. So a faulted `status`, `rate-limit`, `hang` or `drop`
 * never changes server state; a `delay` or `hold` only postpones normal handling.
 *
 * Every request lands in `requests` on arrival, in arrival order; its `status` is filled in when
 * the response has been sent (0 means it never was: dropped, hung, or still being handled).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultAction =
  /** Answer with this status (and body: a string as is, anything else as JSON) instead of handling. */
  | { readonly kind: 'status'; readonly status: number; readonly body?: unknown }
  /** Answer with this status and `{"error_msg": "… headers: <the request's headers as JSON>"}`: a gateway that echoes the key. */
  | { readonly kind: 'echo-headers'; readonly status: number }
  /** 429 with `Retry-After: <retryAfter>` (seconds). */
  | { readonly kind: 'rate-limit'; readonly retryAfter: number }
  /** Wait `ms`, then handle the request normally. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Wait until `until` settles (the test decides when), then handle the request normally. */
  | { readonly kind: 'hold'; readonly until: Promise<unknown> }
  /** Never answer; the connection stays open until the client gives up or the server closes. */
  | { readonly kind: 'hang' }
  /** Destroy the socket without writing a response. */
  | { readonly kind: 'drop' };

export type FaultKind = FaultAction['kind'];

export interface FaultRule {
  /** HTTP method to match, case-insensitive; any method when absent. */
  readonly method?: string;
  /** Prefix of the request target (path + query), or a RegExp searched in it; any when absent. */
  readonly path?: string | RegExp;
  /** How many matching requests the rule meets; default 1, `Infinity` for every one. */
  readonly times?: number;
  readonly action: FaultAction;
}

export interface FaultHandle {
  /** Requests this rule has met so far. */
  readonly hits: number;
  /** Requests it will still meet: `Infinity` for a permanent rule, 0 once spent or removed. */
  readonly remaining: number;
  /** Disarms the rule. */
  remove(): void;
}

interface ArmedRule {
  readonly method: string | undefined;
  readonly path: string | RegExp | undefined;
  readonly action: FaultAction;
  remaining: number;
  hits: number;
}

/** An ordered set of armed fault rules; the first armed rule that matches a request wins. */
export class Faults {
  #rules: ArmedRule[] = [];

  add(rule: FaultRule): FaultHandle {
    const times = rule.times ?? 1;
    if (!(times > 0)) throw new RangeError(`fault times must be > 0, got ${String(times)}`);
    checkAction(rule.action);
    const armed: ArmedRule = {
      method: rule.method?.toUpperCase(),
      path: rule.path,
      action: rule.action,
      remaining: times,
      hits: 0,
    };
    this.#rules.push(armed);
    return {
      get hits() {
        return armed.hits;
      },
      get remaining() {
        return armed.remaining;
      },
      remove: () => {
        armed.remaining = 0;
        this.#rules = this.#rules.filter((r) => r !== armed);
      },
    };
  }

  /** Disarms every rule. */
  clear(): void {
    for (const rule of this.#rules) rule.remaining = 0;
    this.#rules = [];
  }

  /** Number of rules still armed. */
  get armed(): number {
    return this.#rules.length;
  }

  /** Finds the fault for a request and uses up one of its times; `undefined` when none matches. */
  take(method: string, target: string): FaultAction | undefined {
    const upper = method.toUpperCase();
    const index = this.#rules.findIndex(
      (r) => (r.method === undefined || r.method === upper) && pathMatches(r.path, target),
    );
    const rule = this.#rules[index];
    if (rule === undefined) return undefined;
    rule.hits += 1;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.#rules.splice(index, 1);
    return rule.action;
  }
}

function pathMatches(pattern: string | RegExp | undefined, target: string): boolean {
  if (pattern === undefined) return true;
  // `search` ignores `lastIndex`, so a /g or /y RegExp matches the same way every time.
  return typeof pattern === 'string' ? target.startsWith(pattern) : target.search(pattern) !== -1;
}

function checkAction(action: FaultAction): void {
  switch (action.kind) {
    case 'status':
    case 'echo-headers':
      if (!Number.isInteger(action.status) || action.status < 100 || action.status > 599) {
        throw new RangeError(`fault status must be an HTTP status, got ${String(action.status)}`);
      }
      return;
    case 'rate-limit':
      if (!(action.retryAfter >= 0)) throw new RangeError('fault retryAfter must be >= 0 seconds');
      return;
    case 'delay':
      if (!(action.ms >= 0)) throw new RangeError('fault delay must be >= 0 ms');
      return;
    case 'hold':
    case 'hang':
    case 'drop':
      return;
  }
}

export interface RequestRecord {
  readonly method: string;
  /** Request target as received: path plus query string. */
  readonly path: string;
  /** Status sent; 0 when no response was sent (dropped, hung, or still in progress). */
  readonly status: number;
  /** The injected fault that met this request, if one did. */
  readonly fault?: FaultKind;
}

type MutableRecord = { -readonly [K in keyof RequestRecord]: RequestRecord[K] };

const WRITE_METHODS: ReadonlySet<string> = new Set(['PUT', 'POST', 'PATCH', 'DELETE']);

/** Number of write requests (PUT, POST, PATCH, DELETE) in a log, answered or not. */
export function countWrites(requests: readonly RequestRecord[]): number {
  let n = 0;
  for (const r of requests) if (WRITE_METHODS.has(r.method)) n += 1;
  return n;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface FaultyHttpServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly faults: Faults;
  /** Live log; emptied in place by `clearRequests`, so references to it stay valid. */
  readonly requests: readonly RequestRecord[];
  clearRequests(): void;
  /** Stops listening and ends every open connection, hung and delayed requests included. */
  close(): Promise<void>;
}

/**
 * Serves `handler` on 127.0.0.1 with an ephemeral port, behind fault injection and the request
 * log. A handler that throws gets a 500 (or, after headers went out, a destroyed socket).
 */
export async function listenWithFaults(handler: RequestHandler): Promise<FaultyHttpServer> {
  const faults = new Faults();
  const requests: MutableRecord[] = [];
  const delays = new Set<NodeJS.Timeout>();

  const run = (req: IncomingMessage, res: ServerResponse): void => {
    let result: void | Promise<void>;
    try {
      result = handler(req, res);
    } catch (error) {
      failed(res, error);
      return;
    }
    if (result instanceof Promise) result.catch((error: unknown) => failed(res, error));
  };

  const server = createServer((req, res) => {
    const record: MutableRecord = { method: req.method ?? '', path: req.url ?? '', status: 0 };
    requests.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });

    const action = faults.take(record.method, record.path);
    if (action === undefined) {
      run(req, res);
      return;
    }
    record.fault = action.kind;
    switch (action.kind) {
      case 'status': {
        req.resume();
        const body = action.body;
        if (typeof body === 'string') {
          res.writeHead(action.status, { 'Content-Type': 'text/plain' }).end(body);
        } else {
          const payload = body === undefined ? { error_msg: `injected fault: status ${action.status}` } : body;
          res.writeHead(action.status, { 'Content-Type': 'application/json' }).end(`${JSON.stringify(payload)}\n`);
        }
        return;
      }
      case 'echo-headers':
        req.resume();
        res.writeHead(action.status, { 'Content-Type': 'application/json' }).end(`${JSON.stringify({ error_msg: `invalid request, headers: ${JSON.stringify(req.headers)}` })}\n`);
        return;
      case 'rate-limit':
        req.resume();
        res
          .writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': String(action.retryAfter) })
          .end(`${JSON.stringify({ error_msg: 'injected fault: rate limited' })}\n`);
        return;
      case 'delay': {
        const timer = setTimeout(() => {
          delays.delete(timer);
          run(req, res);
        }, action.ms);
        delays.add(timer);
        return;
      }
      case 'hold': {
        const release = (): void => {
          if (!res.destroyed) run(req, res);
        };
        action.until.then(release, release);
        return;
      }
      case 'hang':
        req.resume();
        return;
      case 'drop':
        req.socket.destroy();
        return;
    }
  });
  // Benchmarks keep many keep-alive sockets busy; the defaults would cut idle ones mid-run.
  server.keepAliveTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const timer of delays) clearTimeout(timer);
        delays.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function failed(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  res
    .writeHead(500, { 'Content-Type': 'application/json' })
    .end(`${JSON.stringify({ error_msg: `test server error: ${message}` })}\n`);
}
