import { Pool, type Dispatcher } from 'undici';
import { SecretScrubber } from '../../../core/scrub.js';
import type { Credential } from '../../credentials.js';
import { SyncError, type FailedRequest } from '../../errors.js';
import { utf8Text } from '../../../core/text.js';
import {
  DEFAULT_RETRY_POLICY,
  SYSTEM_RUNTIME,
  isRetryableStatus,
  parseRetryAfter,
  retryDelay,
  type RetryPolicy,
  type Runtime,
} from '../../retry.js';
import { DEFAULT_TIMEOUTS, describeLimit, type RequestTimeouts } from '../../timeouts.js';

export interface AdminClientOptions {
  /** Target name, for messages. */
  readonly target: string;
  /** Base URL of the Admin API (`http://host:9180`); a path prefix is kept. */
  readonly baseUrl: string;
  /** Sent as `X-API-KEY`; null sends no key. */
  readonly credential: Credential | null;
  /** What gateway texts are scrubbed of besides this client's own key (the fleet's other keys). */
  readonly scrubber?: SecretScrubber;
  /** Connections in the pool (the most requests in flight at once). Default 16. */
  readonly connections?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Time limits (default `DEFAULT_TIMEOUTS`). */
  readonly timeouts?: Partial<RequestTimeouts>;
  readonly runtime?: Partial<Runtime>;
  /** Replaces the connection pool (tests pass a `MockAgent` pool); not closed by `close()`. */
  readonly dispatcher?: Dispatcher;
}

export type AdminMethod = 'GET' | 'HEAD' | 'PUT' | 'DELETE';

export interface AdminRequest {
  readonly method: AdminMethod;
  /** Path below the base URL, starting with `/`, query included. */
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Statuses besides 2xx handed back instead of thrown (e.g. 404 on a DELETE). */
  readonly allow?: readonly number[];
}

export interface AdminResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Parsed JSON body; null when empty or not JSON. */
  readonly body: unknown;
}

interface Attempt {
  readonly status: number;
  readonly headers: Record<string, string | undefined>;
  readonly text: string;
}

const NETWORK_PROBLEM = Symbol('network');

/**
 * A small client for APISIX's Admin API (and its standalone `/configs` endpoint) on an undici
 * `Pool`: keep-alive connections, many requests in flight (`fetch` is several times slower here,
 * see docs/performance.md). Every request is retried on network errors, 5xx and 429 with full-jitter
 * backoff, honouring `Retry-After`, each attempt under a timeout, up to `maxAttempts`, all within
 * one time limit per request (`timeouts.requestMs`); 401/403 throws `auth` at once. The key is
 * sent as `X-API-KEY`; any gateway text that goes into an error is scrubbed of it and of the
 * fleet's other keys.
 */
export class AdminClient {
  readonly target: string;
  readonly #origin: string;
  readonly #prefix: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #policy: RetryPolicy;
  readonly #timeouts: RequestTimeouts;
  readonly #runtime: Runtime;
  readonly #key: string | null;
  readonly #keyRef: string | null;
  readonly #scrubber: SecretScrubber;

  constructor(options: AdminClientOptions) {
    const url = new URL(options.baseUrl);
    this.target = options.target;
    this.#origin = url.origin;
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#runtime = { ...SYSTEM_RUNTIME, ...options.runtime };
    this.#key = options.credential?.value ?? null;
    this.#keyRef = options.credential?.ref ?? null;
    this.#scrubber = (options.scrubber ?? SecretScrubber.none).with(this.#key);
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ??
      new Pool(this.#origin, {
        connections: options.connections ?? 16,
        connectTimeout: this.#timeouts.connectMs,
        headersTimeout: this.#timeouts.headersMs,
        bodyTimeout: this.#timeouts.bodyMs,
      });
  }

  /**
   * Sends `req` with retries, all of them within the request time limit (`timeouts.requestMs`):
   * an attempt gets what is left of it (at most `timeoutMs`), and no retry waits past it. Returns
   * 2xx (and `allow`ed) responses; throws `SyncError` otherwise.
   */
  async request(req: AdminRequest): Promise<AdminResponse> {
    const policy = this.#policy;
    const now = this.#runtime.now;
    const deadline = now() + this.#timeouts.requestMs;
    let last: { status: number | null; problem: string; gatewayMessage?: string } = { status: null, problem: '' };
    let attempts = 0;
    let outOfTime = false;
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt += 1) {
      attempts = attempt;
      let result: Attempt | typeof NETWORK_PROBLEM;
      let problem = '';
      try {
        result = await this.#once(req, Math.max(1, Math.min(policy.timeoutMs, deadline - now())));
      } catch (error) {
        if (error instanceof SyncError) throw error;
        problem = this.#describeNetworkError(error);
        result = NETWORK_PROBLEM;
      }

      let retryAfter: number | null = null;
      if (result === NETWORK_PROBLEM) {
        last = { status: null, problem };
      } else {
        const { status } = result;
        if ((status >= 200 && status < 300) || req.allow?.includes(status)) {
          return { status, headers: result.headers, body: parseJson(result.text) };
        }
        const gatewayMessage = this.#scrub(gatewayText(result.text));
        if (status === 401 || status === 403) {
          throw new SyncError({
            code: 'auth',
            target: this.target,
            message: `authentication failed for target ${this.target}: ${status} on ${req.method} ${req.path}`,
            hint: this.#keyRef
              ? `check that ${this.#keyRef} holds the admin key of ${this.target} (and that this client may reach its Admin API)`
              : `${this.target} requires an admin key: set admin_key: env:<VARIABLE> for it in group.yaml`,
            request: this.#failed(req, status, attempt),
            ...(gatewayMessage ? { gatewayMessage } : {}),
          });
        }
        if (!isRetryableStatus(status)) {
          throw new SyncError({
            code: 'rejected',
            target: this.target,
            message: `target ${this.target} rejected ${req.method} ${req.path}: ${status}${gatewayMessage ? ` ${gatewayMessage}` : ''}`,
            request: this.#failed(req, status, attempt),
            ...(gatewayMessage ? { gatewayMessage } : {}),
          });
        }
        last = { status, problem: `${status}${gatewayMessage ? ` ${gatewayMessage}` : ''}`, ...(gatewayMessage ? { gatewayMessage } : {}) };
        retryAfter = parseRetryAfter(result.headers['retry-after'], now());
      }
      if (attempt < policy.maxAttempts) {
        const wait = retryDelay(attempt, policy, this.#runtime.random, retryAfter);
        if (now() + wait >= deadline) {
          outOfTime = true;
          break;
        }
        await this.#runtime.sleep(wait);
      }
    }

    const request = this.#failed(req, last.status, attempts);
    const tries = `${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}`;
    const limit = `the request time limit of ${describeLimit(this.#timeouts.requestMs)}`;
    if (last.status === null) {
      throw new SyncError({
        code: 'unreachable',
        target: this.target,
        message: outOfTime
          ? `target ${this.target} is unreachable: ${req.method} ${req.path} got no answer within ${limit} (${tries}; last: ${last.problem})`
          : `target ${this.target} is unreachable: ${req.method} ${req.path} failed ${attempts} times (${last.problem})`,
        hint: outOfTime
          ? `check that the Admin API of ${this.target} answers at its admin_url; the target's timeouts: in group.yaml (connect, headers, body, request; seconds) set the limits`
          : `check that the Admin API of ${this.target} listens at its admin_url and is reachable from here`,
        request,
      });
    }
    throw new SyncError({
      code: 'http-error',
      target: this.target,
      message: outOfTime
        ? `target ${this.target} kept failing ${req.method} ${req.path}: ${last.problem} (${tries} within ${limit})`
        : `target ${this.target} kept failing ${req.method} ${req.path}: ${last.problem} (after ${tries})`,
      request,
      ...(last.gatewayMessage !== undefined ? { gatewayMessage: last.gatewayMessage } : {}),
    });
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  /** One attempt, given up after `limitMs` whatever it waits for. */
  async #once(req: AdminRequest, limitMs: number): Promise<Attempt> {
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (this.#key !== null) headers['x-api-key'] = this.#key;
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['content-type'] = 'application/json';
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new RequestTimeout(limitMs)), limitMs);
    try {
      const res = await this.#dispatcher.request({
        origin: this.#origin,
        path: `${this.#prefix}${req.path}`,
        method: req.method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: controller.signal,
        // Also on the pool; repeated here for a dispatcher passed in (tests).
        headersTimeout: this.#timeouts.headersMs,
        bodyTimeout: this.#timeouts.bodyMs,
      });
      const text = utf8Text(new Uint8Array(await res.body.arrayBuffer()));
      const out: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        out[name.toLowerCase()] = Array.isArray(value) ? value[0] : value;
      }
      return { status: res.statusCode, headers: out, text };
    } catch (error) {
      if (controller.signal.aborted && controller.signal.reason instanceof RequestTimeout) throw controller.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  #describeNetworkError(error: unknown): string {
    if (error instanceof RequestTimeout) return error.message;
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
    const limits = this.#timeouts;
    if (code === 'UND_ERR_CONNECT_TIMEOUT') return `no connection within ${describeLimit(limits.connectMs)}`;
    if (code === 'UND_ERR_HEADERS_TIMEOUT') return `no response headers within ${describeLimit(limits.headersMs)}`;
    if (code === 'UND_ERR_BODY_TIMEOUT') return `the response body stopped for ${describeLimit(limits.bodyMs)}`;
    if (code === 'UND_ERR_INVALID_ARG') {
      throw new SyncError({ code: 'internal', target: this.target, message: `internal error: invalid request (${errorMessage(error)})` });
    }
    const message = this.#scrub(errorMessage(error));
    return code && !message.includes(code) ? `${message} (${code})` : message;
  }

  #failed(req: AdminRequest, status: number | null, attempts: number): FailedRequest {
    return { method: req.method, path: req.path, status, attempts };
  }

  #scrub(text: string): string {
    return this.#scrubber.scrub(text);
  }
}

class RequestTimeout extends Error {
  constructor(ms: number) {
    super(`no complete response within ${describeLimit(ms)}`);
    this.name = 'RequestTimeout';
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** APISIX's error text: `error_msg` (Admin API) or `message` (404 "Key not found"), else the body. */
function gatewayText(text: string): string {
  const body = parseJson(text);
  if (typeof body === 'object' && body !== null) {
    const record = body as Record<string, unknown>;
    for (const field of ['error_msg', 'message']) {
      const value = record[field];
      if (typeof value === 'string') return value;
    }
  }
  const trimmed = text.trim();
  return trimmed.length > 300 ? `${trimmed.slice(0, 300)}…` : trimmed;
}
