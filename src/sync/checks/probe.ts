/**
 * Health checks: HTTP probes sent through a gateway's data plane after its batch is written
 * (docs/health-checks.md). A probe passes after `successes` answers in a row that meet every
 * expectation, and fails after `failures` in a row that do not, or when its deadline passes.
 *
 * A probe's header values may be `env:NAME` references: they are resolved before the rollout's
 * first write (like an Admin API key) and never appear in a result. A result carries the status,
 * the time and a short reason, never a response body.
 */
import { request, type Dispatcher } from 'undici';
import type { ProbeSpec } from '../../model/target.js';
import { resolveCredential, type Env } from '../credentials.js';

/** What one probe saw on one target. */
export interface ProbeResult {
  readonly probe: string;
  readonly ok: boolean;
  /** Requests sent. */
  readonly attempts: number;
  /** `METHOD host path`, as sent (never a header). */
  readonly request: string;
  /** The status of the last answer; null when none came. */
  readonly status: number | null;
  /** Milliseconds the last answer took; null when none came. */
  readonly latencyMs: number | null;
  /** Why the last answer failed the probe; for a passed check null, or a note (a metric check not judged). */
  readonly reason: string | null;
}

/** A probe ready to send: defaults applied, header references resolved. */
export interface ReadyProbe {
  readonly spec: ProbeSpec;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly status: readonly (readonly [number, number])[];
  readonly body: RegExp | null;
  /** With a 404 whose body matches it: the gateway matched no route (derived probes, derived.ts). */
  readonly unrouted?: RegExp;
  readonly successes: number;
  readonly failures: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly deadlineMs: number;
}

/** Waits and clock, replaceable in tests. */
export interface ProbeRuntime {
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now: () => number;
}

export const SYSTEM_PROBE_RUNTIME: ProbeRuntime = {
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted === true) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
  now: () => performance.now(),
};

/**
 * Applies a probe's defaults and resolves its header references (a missing variable throws the
 * `credentials` SyncError that an Admin API key's would, naming the probe and header).
 */
export function readyProbe(spec: ProbeSpec, env: Env, group: string): ReadyProbe {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    headers[name.toLowerCase()] = value.startsWith('env:') ? resolveCredential(value, env, { target: `${group} (probe ${spec.name})`, field: `headers.${name}` }).value : value;
  }
  return {
    spec,
    method: spec.method ?? 'GET',
    headers,
    status: (spec.status ?? ['200-399']).map(statusRange),
    body: spec.body === undefined ? null : new RegExp(spec.body),
    successes: spec.successes ?? 1,
    failures: spec.failures ?? 3,
    intervalMs: (spec.interval ?? 1) * 1000,
    timeoutMs: (spec.timeout ?? 5) * 1000,
    deadlineMs: (spec.deadline ?? 60) * 1000,
  };
}

function statusRange(s: number | string): readonly [number, number] {
  if (typeof s === 'number') return [s, s];
  const [from, to] = s.split('-').map(Number) as [number, number];
  return [from, to];
}

function describeStatuses(ranges: readonly (readonly [number, number])[]): string {
  return ranges.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(', ');
}

/**
 * Sends `probe` to the data plane at `proxyUrl` until it passes or fails. With `signal` aborted it
 * stops between two requests and fails ("stopped").
 */
export async function runProbe(probe: ReadyProbe, proxyUrl: string, options: { readonly dispatcher?: Dispatcher; readonly runtime?: ProbeRuntime; readonly signal?: AbortSignal } = {}): Promise<ProbeResult> {
  const runtime = options.runtime ?? SYSTEM_PROBE_RUNTIME;
  // Appended to the proxy's URL (its path prefix kept), never resolved against it: a path such as
  // `//other.example/x` must not send the probe, and its headers, to another host.
  const url = new URL(`${proxyUrl.replace(/\/+$/, '')}/${probe.spec.path.replace(/^\/+/, '')}`);
  if (url.origin !== new URL(proxyUrl).origin) throw new Error(`probe ${probe.spec.name}: its path leaves the gateway's proxy_url`);
  const host = probe.spec.host ?? url.host;
  const described = `${probe.method} ${host} ${probe.spec.path}`;
  const started = runtime.now();
  let attempts = 0;
  let passed = 0;
  let failed = 0;
  let last: { status: number | null; latencyMs: number | null; reason: string | null } = { status: null, latencyMs: null, reason: null };
  for (;;) {
    attempts += 1;
    last = await sendOnce(probe, url, host, runtime, options.dispatcher);
    if (last.reason === null) {
      passed += 1;
      failed = 0;
      if (passed >= probe.successes) return { probe: probe.spec.name, ok: true, attempts, request: described, ...last };
    } else {
      failed += 1;
      passed = 0;
      if (failed >= probe.failures) return { probe: probe.spec.name, ok: false, attempts, request: described, ...last };
    }
    if (options.signal?.aborted === true) return { probe: probe.spec.name, ok: false, attempts, request: described, ...last, reason: 'stopped before it passed' };
    if (runtime.now() - started + probe.intervalMs > probe.deadlineMs) {
      const why = last.reason ?? `${passed} of ${probe.successes} passing answers in a row`;
      return { probe: probe.spec.name, ok: false, attempts, request: described, ...last, reason: `deadline of ${probe.deadlineMs / 1000} s passed (${why})` };
    }
    await runtime.sleep(probe.intervalMs, options.signal);
  }
}

async function sendOnce(
  probe: ReadyProbe,
  url: URL,
  host: string,
  runtime: ProbeRuntime,
  dispatcher: Dispatcher | undefined,
): Promise<{ status: number | null; latencyMs: number | null; reason: string | null }> {
  const t0 = runtime.now();
  try {
    const res = await request(url, {
      method: probe.method as Dispatcher.HttpMethod,
      headers: { ...probe.headers, host },
      headersTimeout: probe.timeoutMs,
      bodyTimeout: probe.timeoutMs,
      // The whole request, connecting included, within the probe's timeout.
      signal: AbortSignal.timeout(probe.timeoutMs),
      ...(dispatcher !== undefined ? { dispatcher } : {}),
    });
    const body = probe.body === null && probe.unrouted === undefined ? (await res.body.dump(), '') : await res.body.text();
    const latencyMs = Math.round(runtime.now() - t0);
    const status = res.statusCode;
    if (!probe.status.some(([a, b]) => status >= a && status <= b)) return { status, latencyMs, reason: `status ${status}, expected ${describeStatuses(probe.status)}` };
    if (status === 404 && probe.unrouted?.test(body) === true) return { status, latencyMs, reason: 'no route matched (the gateway answered its own 404)' };
    if (probe.body !== null && !probe.body.test(body)) return { status, latencyMs, reason: `the body does not match /${probe.body.source}/` };
    if (probe.spec.latency_ms !== undefined && latencyMs > probe.spec.latency_ms) return { status, latencyMs, reason: `took ${latencyMs} ms, more than ${probe.spec.latency_ms} ms` };
    return { status, latencyMs, reason: null };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { status: null, latencyMs: null, reason: `no answer (${code ?? (error as Error).name})` };
  }
}
