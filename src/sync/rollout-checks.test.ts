/**
 * `rolloutChecks`: when a rollout has anything to check, which targets are probed and watched, the
 * metric windows before and after a write, against gateways on 127.0.0.1 that answer probes and
 * serve scripted metrics, with a clock that only moves when the checks wait.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyConfig } from '../apisix/kinds/index.js';
import type { ApisixConfig } from '../model/apisix.js';
import type { MetricsCheckSpec, ProbeSpec, TargetSpec } from '../model/target.js';
import type { ProbeRuntime } from './checks/probe.js';
import type { StepSummary, TargetReport } from './report.js';
import { rolloutChecks, type RolloutChecks } from './rollout.js';
import type { Target } from './targets/port.js';

const l = { 'managed-by': 'tagway', 'tagway.group': 'staging', 'tagway.service': 'petstore', 'tagway.version': '1.0.0' };
const apisix: ApisixConfig = {
  ...emptyConfig(),
  services: [{ id: 'petstore', labels: l }],
  routes: [
    { id: 'petstore.list', labels: l, service_id: 'petstore', uris: ['/pets'], methods: ['GET'], hosts: ['pets.example.com'] },
    { id: 'petstore.get', labels: l, service_id: 'petstore', uris: ['/pets/:id'], methods: ['GET'], hosts: ['pets.example.com'] },
  ],
};
const SNAPSHOT = { group: 'staging', apisix, digest: 'sha256:0123456789abcdef0123456789abcdef' };
/** What each target's plan did: created one route. */
const STEPS: StepSummary[] = [{ op: 'create', kind: 'routes', id: 'petstore.list' }];

interface Gateway {
  readonly url: string;
  readonly metricsUrl: string;
  /** Paths asked, in order (`/metrics` for each scrape). */
  readonly asked: string[];
  close(): Promise<void>;
}

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

/** A status counter line of route `petstore.list`. */
const counts = (ok: number, errors: number) => `apisix_http_status{code="200",route="petstore.list"} ${ok}\napisix_http_status{code="500",route="petstore.list"} ${errors}\n`;

/**
 * A gateway: `/broken` answers 500, any other path 200; `/metrics` answers its scrapes in turn
 * (null: a 500), then 500.
 */
async function gateway(scrapes: (string | null)[] = []): Promise<Gateway> {
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    asked.push(path);
    const body = path === '/metrics' ? scrapes.shift() ?? null : path === '/broken' ? null : 'ok';
    res.writeHead(body === null ? 500 : 200).end(body ?? 'down');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const g = { url, metricsUrl: `${url}/metrics`, asked, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  open.push(g);
  return g;
}

/** A clock that moves only by the waits asked of it. */
function clock(): ProbeRuntime & { waits: number[] } {
  let now = 0;
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
    },
  };
}

const apisixSpec = (name: string, extra: Partial<Extract<TargetSpec, { kind: 'apisix' }>> = {}): TargetSpec => ({ kind: 'apisix', name, admin_url: 'http://127.0.0.1:1', ...extra });
const probe = (name: string, path = '/health', extra: Partial<ProbeSpec> = {}): ProbeSpec => ({ name, path, interval: 1, ...extra });
const target = (name: string) => ({ name }) as Target;
const report = (name: string): TargetReport => ({ target: name, kind: 'apisix', status: 'applied', runs: { state: 'snapshot', digest: null, services: [] }, plan: null, steps: STEPS, conflicts: [], writes: 1, error: null, restore: null });
const batchOf = (...names: string[]) => names.map((n) => ({ target: target(n), report: report(n) }));

type Options = Parameters<typeof rolloutChecks>[2];
function checksOf(specs: TargetSpec[], options: Partial<Options> = {}): RolloutChecks {
  const checks = rolloutChecks(SNAPSHOT, specs, { env: {}, ...options });
  if (checks === null) throw new Error('expected checks');
  return checks;
}

/** What each target's checks saw, by name: `probe ok` or `probe FAILED (reason)`. */
async function seen(checks: RolloutChecks, batch: ReturnType<typeof batchOf>, signal?: AbortSignal) {
  const out = await checks.run(batch, signal);
  return Object.fromEntries([...out].map(([name, results]) => [name, results.map((r) => `${r.probe} ${r.ok ? 'ok' : 'FAILED'}${r.reason === null ? '' : ` (${r.reason})`}`)]));
}

describe('whether a rollout has anything to check', () => {
  const file = { kind: 'file', name: 'f', path: 'f.yaml', checks: { probes: [probe('own')] } } as TargetSpec;
  it.each<[string, TargetSpec[], Partial<Options>, boolean]>([
    ['nothing', [apisixSpec('a', { proxy_url: 'http://127.0.0.1:1' })], {}, false],
    ['an empty list of probes', [apisixSpec('a')], { probes: [] }, false],
    ['probes of a file target only', [file], {}, false],
    ['a target with an empty list of probes', [apisixSpec('a', { checks: { probes: [] } })], {}, false],
    ['a target with checks but no probes', [apisixSpec('a', { checks: {} })], {}, false],
    ['probes of the group', [apisixSpec('a')], { probes: [probe('p')] }, true],
    ['probes of changed routes', [apisixSpec('a')], { probeChangedRoutes: true }, true],
    ['a metric check', [apisixSpec('a')], { metrics: {} }, true],
    ['probes of one target among others', [file, apisixSpec('a'), apisixSpec('b', { checks: { probes: [probe('own')] } })], {}, true],
  ])('%s: %s', (_name, specs, options, some) => {
    expect(rolloutChecks(SNAPSHOT, specs, { env: {}, ...options }) !== null).toBe(some);
  });

  it('takes back the failed batch unless the rollout says all, and watches no window before a write without a metric check', () => {
    const specs = [apisixSpec('a')];
    expect(checksOf(specs, { probes: [probe('p')] })).toMatchObject({ snapshot: { group: 'staging', digest: SNAPSHOT.digest }, restore: 'batch' });
    expect(checksOf(specs, { probes: [probe('p')], rollout: { batch_size: 1, restore_on_check_failure: 'all' } }).restore).toBe('all');
    expect('beforeWrite' in checksOf(specs, { probes: [probe('p')] })).toBe(false);
    expect(typeof checksOf(specs, { metrics: {} }).beforeWrite).toBe('function');
  });
});

describe('probing a batch', () => {
  it("sends the group's probes and each target's own through its proxy, and lists no target it cannot check", async () => {
    const [a, b] = [await gateway(), await gateway()];
    const checks = checksOf(
      [
        apisixSpec('a', { proxy_url: a.url, checks: { probes: [probe('mine', '/a-only')] } }),
        apisixSpec('b', { proxy_url: b.url }),
        apisixSpec('c'),
        { kind: 'file', name: 'f', path: 'f.yaml', proxy_url: a.url, checks: { probes: [probe('file', '/file')] } } as TargetSpec,
      ],
      { probes: [probe('health')], probeRuntime: clock() },
    );
    expect(await seen(checks, batchOf('a', 'b', 'c', 'f'))).toEqual({ a: ['health ok', 'mine ok'], b: ['health ok'] });
    expect([a.asked.sort(), b.asked]).toEqual([['/a-only', '/health'], ['/health']]);
  });

  it('with only the targets own probes, sends just those', async () => {
    const a = await gateway();
    const checks = checksOf([apisixSpec('a', { proxy_url: a.url, checks: { probes: [probe('mine', '/a-only')] } })], { probeRuntime: clock() });
    expect(await seen(checks, batchOf('a'))).toEqual({ a: ['mine ok'] });
    expect(a.asked).toEqual(['/a-only']);
  });

  it('probes the routes each plan changed only when asked to', async () => {
    const a = await gateway();
    const specs = [apisixSpec('a', { proxy_url: a.url })];
    expect(await seen(checksOf(specs, { probeChangedRoutes: true, probeRuntime: clock() }), batchOf('a'))).toEqual({ a: ['route petstore.list ok'] });
    expect(a.asked).toEqual(['/pets']);
    expect(await seen(checksOf(specs, { probes: [probe('health')], probeRuntime: clock() }), batchOf('a'))).toEqual({ a: ['health ok'] });
    expect(a.asked).toEqual(['/pets', '/health']);
  });

  it('stops retrying a failing probe once stopped', async () => {
    const a = await gateway();
    const runtime = clock();
    const checks = checksOf([apisixSpec('a', { proxy_url: a.url })], { probes: [probe('broken', '/broken', { failures: 3 })], probeRuntime: runtime });
    const stop = new AbortController();
    stop.abort('SIGINT');
    expect(await seen(checks, batchOf('a'), stop.signal)).toEqual({ a: ['broken FAILED (stopped before it passed)'] });
    expect([a.asked, runtime.waits]).toEqual([['/broken'], []]);
    expect(await seen(checks, batchOf('a'))).toEqual({ a: ['broken FAILED (status 500, expected 200-399)'] });
    expect(a.asked).toHaveLength(4);
  });
});

describe('the metric check of a batch', () => {
  const METRICS: MetricsCheckSpec = { window: 10, max_5xx_ratio: 0.5, max_5xx_increase: 0.05, min_requests: 20 };

  it('watches a window before the write on the targets with a metrics endpoint, and judges the window after against it', async () => {
    // Before the write: 100 requests, no error; after it: 100 requests, 10 errors (10%, up from 0%).
    const a = await gateway([counts(100, 0), counts(200, 0), counts(200, 0), counts(290, 10)]);
    const runtime = clock();
    const checks = checksOf([apisixSpec('a', { proxy_url: a.url, metrics_url: a.metricsUrl }), apisixSpec('b', { proxy_url: a.url })], { metrics: METRICS, probes: [probe('health')], probeRuntime: runtime });
    await checks.beforeWrite!([target('a'), target('b')]);
    expect([a.asked, runtime.waits]).toEqual([['/metrics', '/metrics'], [10_000]]);
    expect(await seen(checks, batchOf('a', 'b'))).toEqual({
      a: ['health ok', 'metrics FAILED (5xx ratio of 1 changed route rose from 0.0% to 10.0%, more than 5.0%)'],
      b: ['health ok'],
    });
    expect(runtime.waits).toEqual([10_000, 10_000]);
    expect(a.asked.filter((p) => p === '/metrics')).toHaveLength(4);
  });

  it.each<[string, (string | null)[]]>([
    ['no window before the write', []],
    ['a window whose first sample could not be read', [null, counts(200, 0)]],
    ['a window whose last sample could not be read', [counts(100, 0), null]],
  ])('judges the window after alone with %s', async (name, before) => {
    const a = await gateway([...before, counts(200, 0), counts(290, 10)]);
    const checks = checksOf([apisixSpec('a', { metrics_url: a.metricsUrl })], { metrics: METRICS, probeRuntime: clock() });
    if (before.length > 0) await checks.beforeWrite!([target('a')]);
    expect(await seen(checks, batchOf('a'))).toEqual({ a: ['metrics ok'] });
  });

  it('watches no window before a write to targets without a metrics endpoint', async () => {
    const a = await gateway();
    const runtime = clock();
    const checks = checksOf([apisixSpec('a', { proxy_url: a.url })], { metrics: METRICS, probeRuntime: runtime });
    await checks.beforeWrite!([target('a')]);
    expect(await seen(checks, batchOf('a'))).toEqual({ a: [] });
    expect([a.asked, runtime.waits]).toEqual([[], []]);
  });

  it('reads no metrics without a metric check', async () => {
    const a = await gateway([counts(1, 0), counts(2, 0)]);
    const runtime = clock();
    const checks = checksOf([apisixSpec('a', { proxy_url: a.url, metrics_url: a.metricsUrl })], { probes: [probe('health')], probeRuntime: runtime });
    expect(await seen(checks, batchOf('a'))).toEqual({ a: ['health ok'] });
    expect([a.asked, runtime.waits]).toEqual([['/health'], []]);
  });

  it.each<[string, (string | null)[]]>([
    ['its first sample', [null, counts(1, 0)]],
    ['its last sample', [counts(1, 0), null]],
  ])('fails a window after the write when %s cannot be read', async (_name, after) => {
    const a = await gateway(after);
    const checks = checksOf([apisixSpec('a', { metrics_url: a.metricsUrl })], { metrics: METRICS, probeRuntime: clock() });
    const out = await checks.run(batchOf('a'));
    expect(out.get('a')).toEqual([
      { probe: 'metrics', ok: false, attempts: 1, request: `GET ${a.metricsUrl.replace('http://', '')}`, status: null, latencyMs: null, reason: 'the metrics endpoint could not be read' },
    ]);
  });

  it.each<[string, Partial<Options>, string]>([
    ['the routes each plan changed', {}, '1 changed route'],
    ['the routes it is told to watch', { watchRoutes: new Set(['petstore.list', 'petstore.get']) }, '2 changed routes'],
    ['every route with routes: all', { watchRoutes: new Set(['petstore.list']), metrics: { ...METRICS, routes: 'all' } }, 'all routes'],
  ])('judges %s', async (_name, options, which) => {
    const a = await gateway([counts(0, 0), counts(5, 0)]);
    const checks = checksOf([apisixSpec('a', { metrics_url: a.metricsUrl })], { metrics: METRICS, probeRuntime: clock(), ...options });
    expect(await seen(checks, batchOf('a'))).toEqual({ a: [`metrics ok (5 requests to ${which} in the window, fewer than 20: not judged)`] });
  });
});
