/**
 * Metric checks: what a gateway's own Prometheus endpoint (APISIX's `prometheus` plugin,
 * `metrics_url` of a target) says about the routes a sync changed, over a window after the write,
 * against a threshold and against a window before it (docs/health-checks.md).
 *
 * From APISIX's exporter (`apisix/plugins/prometheus/exporter.lua`): `apisix_http_status` counts
 * responses by `code` and `route` (the route's id, or its name with `prefer_name`; tagway gives
 * routes their id as name, so both match), and `apisix_http_latency` is a histogram in
 * milliseconds by `type` (`request` is the whole request) and `route`.
 */
import { request } from 'undici';
import type { MetricsCheckSpec } from '../../model/target.js';
import type { ProbeResult } from './probe.js';

/** Counters of one scrape: responses by route and code, request latency buckets by route. */
export interface MetricsSample {
  /** When it was taken, in the probe runtime's milliseconds. */
  readonly at: number;
  readonly status: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Per route: cumulative bucket counts by upper bound (ms), `+Inf` included. */
  readonly latency: ReadonlyMap<string, ReadonlyMap<number, number>>;
}

/** One series of a text exposition: name, labels, value. */
export interface Series {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * The series of a Prometheus text exposition (format 0.0.4): comments and blank lines skipped,
 * label values unescaped (`\\`, `\"`, `\n`), a timestamp after the value ignored. A line that does
 * not read as a series is skipped.
 */
export function parseExposition(text: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const series = parseLine(line);
    if (series !== null) out.push(series);
  }
  return out;
}

function parseLine(line: string): Series | null {
  const name = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(line)?.[0];
  if (name === undefined) return null;
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at += 1;
    for (;;) {
      while (line[at] === ' ' || line[at] === ',') at += 1;
      if (line[at] === '}') {
        at += 1;
        break;
      }
      const key = /^[A-Za-z_][A-Za-z0-9_]*/.exec(line.slice(at))?.[0];
      if (key === undefined || line[at + key.length] !== '=' || line[at + key.length + 1] !== '"') return null;
      at += key.length + 2;
      let value = '';
      for (;;) {
        const c = line[at];
        if (c === undefined) return null;
        at += 1;
        if (c === '"') break;
        if (c === '\\') {
          const next = line[at];
          at += 1;
          value += next === 'n' ? '\n' : (next ?? '');
        } else value += c;
      }
      labels[key] = value;
    }
  }
  const rest = line.slice(at).trim().split(/\s+/);
  const value = parseValue(rest[0] ?? '');
  return Number.isNaN(value) ? null : { name, labels, value };
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return text === '' ? NaN : Number(text);
}

/** The counters of a scrape that the checks use. */
export function sampleOf(series: readonly Series[], at: number): MetricsSample {
  const status = new Map<string, Map<string, number>>();
  const latency = new Map<string, Map<number, number>>();
  for (const s of series) {
    const route = s.labels.route;
    if (route === undefined || route === '') continue;
    if (s.name === 'apisix_http_status') {
      const code = s.labels.code ?? '';
      const codes = status.get(route) ?? new Map<string, number>();
      codes.set(code, (codes.get(code) ?? 0) + s.value);
      status.set(route, codes);
    } else if (s.name === 'apisix_http_latency_bucket' && s.labels.type === 'request') {
      const le = parseValue(s.labels.le ?? '');
      if (Number.isNaN(le)) continue;
      const buckets = latency.get(route) ?? new Map<number, number>();
      // Series that differ in other labels (consumer, node) add up.
      buckets.set(le, (buckets.get(le) ?? 0) + s.value);
      latency.set(route, buckets);
    }
  }
  return { at, status, latency };
}

/** Reads a gateway's metrics; throws on no answer or a status other than 200. */
export async function scrape(url: string, at: number, timeoutMs = 5_000): Promise<MetricsSample> {
  const res = await request(url, { method: 'GET', headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
  return sampleOf(parseExposition(text), at);
}

/** Requests and 5xx answers of `routes` (null: every route) between two samples. */
export function errorsBetween(from: MetricsSample, to: MetricsSample, routes: ReadonlySet<string> | null): { requests: number; errors: number } {
  let requests = 0;
  let errors = 0;
  for (const [route, codes] of to.status) {
    if (routes !== null && !routes.has(route)) continue;
    const before = from.status.get(route);
    for (const [code, count] of codes) {
      // A counter that went down (the gateway restarted) counts from zero.
      const start = before?.get(code) ?? 0;
      const n = count >= start ? count - start : count;
      requests += n;
      if (code.startsWith('5')) errors += n;
    }
  }
  return { requests, errors };
}

/** The `q` quantile (0..1) of request latency of `routes` between two samples: the upper bound of its bucket, in ms; null without requests. */
export function latencyQuantile(from: MetricsSample, to: MetricsSample, routes: ReadonlySet<string> | null, q: number): number | null {
  const buckets = new Map<number, number>();
  for (const [route, les] of to.latency) {
    if (routes !== null && !routes.has(route)) continue;
    const before = from.latency.get(route);
    for (const [le, count] of les) {
      const start = before?.get(le) ?? 0;
      buckets.set(le, (buckets.get(le) ?? 0) + (count >= start ? count - start : count));
    }
  }
  const sorted = [...buckets.entries()].sort(([a], [b]) => a - b);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  return sorted.find(([, cumulative]) => cumulative >= q * total)?.[0] ?? null;
}

/** The metric check's settings with their defaults. */
export interface ReadyMetricsCheck {
  readonly windowMs: number;
  readonly max5xxRatio: number;
  readonly max5xxIncrease: number | null;
  readonly maxP95Ms: number | null;
  readonly minRequests: number;
  readonly routes: 'changed' | 'all';
}

export function readyMetricsCheck(spec: MetricsCheckSpec): ReadyMetricsCheck {
  return {
    windowMs: (spec.window ?? 30) * 1000,
    max5xxRatio: spec.max_5xx_ratio ?? 0.05,
    max5xxIncrease: spec.max_5xx_increase ?? null,
    maxP95Ms: spec.max_p95_ms ?? null,
    minRequests: spec.min_requests ?? 20,
    routes: spec.routes ?? 'changed',
  };
}

const ratioText = (r: number) => `${(r * 100).toFixed(1)}%`;

/**
 * Judges the window after a write (`after`: its first and last sample) against the settings, and
 * against the window before it (`before`) when there is one with enough requests. `routes`: the
 * routes judged (null: all). The result reads like a probe's, named `metrics`.
 */
export function judgeMetrics(check: ReadyMetricsCheck, url: string, before: readonly [MetricsSample, MetricsSample] | null, after: readonly [MetricsSample, MetricsSample], routes: ReadonlySet<string> | null): ProbeResult {
  const base = { probe: 'metrics', attempts: 1, request: `GET ${displayUrl(url)}`, status: 200, latencyMs: null };
  const now = errorsBetween(after[0], after[1], routes);
  const which = routes === null ? 'all routes' : `${routes.size} changed route${routes.size === 1 ? '' : 's'}`;
  if (now.requests < check.minRequests) return { ...base, ok: true, reason: `${now.requests} requests to ${which} in the window, fewer than ${check.minRequests}: not judged` };
  const ratio = now.errors / now.requests;
  if (ratio > check.max5xxRatio) return { ...base, ok: false, reason: `5xx ratio of ${which} ${ratioText(ratio)} (${now.errors} of ${now.requests}), above ${ratioText(check.max5xxRatio)}` };
  if (check.max5xxIncrease !== null && before !== null) {
    const then = errorsBetween(before[0], before[1], routes);
    if (then.requests >= check.minRequests) {
      const was = then.errors / then.requests;
      if (ratio - was > check.max5xxIncrease) return { ...base, ok: false, reason: `5xx ratio of ${which} rose from ${ratioText(was)} to ${ratioText(ratio)}, more than ${ratioText(check.max5xxIncrease)}` };
    }
  }
  if (check.maxP95Ms !== null) {
    const p95 = latencyQuantile(after[0], after[1], routes, 0.95);
    if (p95 !== null && p95 > check.maxP95Ms) return { ...base, ok: false, reason: `p95 latency of ${which} up to ${p95} ms, above ${check.maxP95Ms} ms` };
  }
  return { ...base, ok: true, reason: null };
}

/** A URL without credentials or query, for reports. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return '(metrics url)';
  }
}
