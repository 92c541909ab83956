/**
 * Health-gated rollouts: after each batch, probes go through each target's data plane (a
 * stand-in that routes by what the Admin API test server holds); a batch that fails them is taken
 * back and the rollout halts, so the later batches never see the change.
 */
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Digest, sortKeys } from '../src/core/canonical.js';
import type { ApisixConfig } from '../src/model/apisix.js';
import type { ProbeSpec, TargetSpec } from '../src/model/target.js';
import type { SyncSnapshot } from '../src/sync/report.js';
import { syncGroup, type SyncGroupOptions } from '../src/sync/rollout.js';
import { isLeaseRequest, startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { startStandaloneServer } from './support/apisix-standalone-server.js';
import { startDataPlane, startUpstream, type DataPlane, type UpstreamServer } from './support/data-plane.js';
import { emptyConfig } from '../src/apisix/kinds/index.js';

const TOKEN = 'probe-token-canary-7f3a9c';

let upstream: UpstreamServer;
let gateways: AdminServer[];
let planes: DataPlane[];
let specs: TargetSpec[];

/** The group's one service: `/pets` on petstore.example.com, behind `path_prefix` stripping when `strip` says so. */
function snapshotOf(version: string, change: { uri?: string; rewrite?: string } = {}): SyncSnapshot {
  const l = { 'managed-by': 'tagway', 'tagway.group': 'staging', 'tagway.service': 'petstore' };
  const apisix: ApisixConfig = sortKeys({
    ...emptyConfig(), upstreams: [{ id: 'petstore', labels: l, nodes: [{ host: upstream.host, port: upstream.port, weight: 1 }], type: 'roundrobin' }],
    services: [{ id: 'petstore', labels: { ...l, 'tagway.version': version }, upstream_id: 'petstore', hosts: ['petstore.example.com'] }],
    routes: [
      {
        id: 'petstore.list',
        labels: l,
        service_id: 'petstore',
        uris: [change.uri ?? '/pets'],
        methods: ['GET'],
        ...(change.rewrite !== undefined ? { plugins: { 'proxy-rewrite': { uri: change.rewrite } } } : {}),
      },
    ],
  });
  return { group: 'staging', apisix, digest: sha256Digest(canonicalJson(apisix)) };
}

const PROBE: ProbeSpec = { name: 'list-pets', path: '/pets', host: 'petstore.example.com', status: [200], body: '"upstream":"pets"', failures: 2, interval: 0 };

function options(extra: Partial<SyncGroupOptions> = {}): SyncGroupOptions {
  // Probes wait no wall-clock time between their requests.
  return { env: { PROBE_TOKEN: TOKEN }, root: '.', retry: { maxAttempts: 2 }, runtime: { sleep: async () => {} }, probeRuntime: { sleep: async () => {}, now: () => performance.now() }, probes: [PROBE], ...extra };
}

/** What a gateway serves for the probe's request, read through its data plane. */
async function serves(plane: DataPlane): Promise<number> {
  const res = await request(`${plane.url}/pets`, { headers: { host: 'petstore.example.com' } });
  await res.body.dump();
  return res.statusCode;
}

const writesOf = (g: AdminServer) => g.requests.filter((r) => r.method !== 'GET' && !isLeaseRequest(r)).length;

beforeAll(async () => {
  upstream = await startUpstream('pets');
  gateways = await Promise.all([1, 2, 3].map(() => startAdminServer({ apiKey: null })));
  planes = await Promise.all(gateways.map((g) => startDataPlane(g)));
  specs = gateways.map((g, i) => ({ kind: 'apisix', name: `eu-${i + 1}`, admin_url: g.url, proxy_url: planes[i]!.url }));
});
afterEach(() => {
  for (const g of gateways) g.reset();
  for (const p of planes) p.failWith(null);
  upstream.failWith(null);
});
afterAll(async () => {
  await Promise.all([...gateways.map((g) => g.close()), ...planes.map((p) => p.close()), upstream.close()]);
});

describe('a rollout gated on health checks', () => {
  it('a good change rolls through every batch, each target checked through its data plane', async () => {
    const report = await syncGroup(snapshotOf('1.0.0'), specs, options({ rollout: { batch_size: 1 } }));
    expect(report).toMatchObject({ ok: true, halted: null, counts: { applied: 3 } });
    for (const t of report.targets) {
      expect(t.checks).toEqual([{ probe: 'list-pets', ok: true, attempts: 1, request: 'GET petstore.example.com /pets', status: 200, latencyMs: expect.any(Number), reason: null }]);
    }
    expect(await Promise.all(planes.map(serves))).toEqual([200, 200, 200]);
  });

  it('a change that breaks the route is stopped at the first batch and taken back there; later batches never see it', async () => {
    await syncGroup(snapshotOf('1.0.0'), specs, options({ rollout: { batch_size: 1 } }));
    const before = gateways.map(writesOf);
    const broken = snapshotOf('1.1.0', { uri: '/pet' });
    const report = await syncGroup(broken, specs, options({ rollout: { batch_size: 1 } }));

    expect(report.ok).toBe(false);
    expect(report.halted).toEqual({ batch: 1, failed: ['eu-1'], checks: { restored: ['eu-1'] } });
    const [eu1, eu2, eu3] = report.targets;
    expect(eu1).toMatchObject({
      status: 'failed',
      error: { code: 'checks-failed', message: expect.stringContaining('target eu-1: its health checks failed (list-pets: status 404, expected 200); its 2 writes were taken back') },
      restore: { attempted: true, ok: true, verified: true },
      runs: { state: 'previous' },
      checks: [{ probe: 'list-pets', ok: false, attempts: 2, status: 404, reason: 'status 404, expected 200' }],
    });
    expect([eu2?.status, eu3?.status]).toEqual(['skipped', 'skipped']);
    // eu-1 serves the route again; eu-2 and eu-3 were never written.
    expect(await Promise.all(planes.map(serves))).toEqual([200, 200, 200]);
    expect(gateways.map(writesOf).map((n, i) => n - before[i]!)).toEqual([4, 0, 0]);
  });

  it('a rewrite that sends the wrong path upstream fails on the body, not on the status', async () => {
    await syncGroup(snapshotOf('1.0.0'), specs, options({ rollout: { batch_size: 2 } }));
    upstream.failWith(null);
    // The upstream still answers 200, but for another service's name.
    const report = await syncGroup(snapshotOf('1.1.0', { rewrite: '/other' }), specs, options({ rollout: { batch_size: 2 }, probes: [{ ...PROBE, body: '"path":"/pets"' }] }));
    expect(report.halted).toEqual({ batch: 1, failed: ['eu-1', 'eu-2'], checks: { restored: ['eu-1', 'eu-2'] } });
    expect(report.targets[0]?.checks?.[0]?.reason).toBe('the body does not match /"path":"\\/pets"/');
  });

  it('with restore_on_check_failure: all, the batches before the failed one are taken back too', async () => {
    await syncGroup(snapshotOf('1.0.0'), specs, options({ rollout: { batch_size: 1 } }));
    planes[1]!.failWith(503);
    const report = await syncGroup(snapshotOf('1.1.0'), specs, options({ rollout: { batch_size: 1, restore_on_check_failure: 'all' } }));
    expect(report.halted).toEqual({ batch: 2, failed: ['eu-2'], checks: { restored: ['eu-2', 'eu-1'] } });
    expect(report.targets.map((t) => [t.target, t.status, t.error?.code ?? null, t.runs.state])).toEqual([
      ['eu-1', 'failed', 'checks-failed', 'previous'],
      ['eu-2', 'failed', 'checks-failed', 'previous'],
      ['eu-3', 'skipped', null, 'previous'],
    ]);
    expect(report.targets[0]?.error?.message).toContain('the health checks of eu-2 in a later batch failed, and restore_on_check_failure is all');
    // eu-1's record of its checks says why it was taken back, not that they passed.
    expect(gateways[0]!.objects('upstreams').get('tagway-lease.staging.checks')).toMatchObject({
      labels: { 'tagway.checks-result': 'failed' },
      desc: expect.stringMatching(/^checks of sha256:[0-9a-f]{12} passed, then taken back at \S+Z: the checks of eu-2 in a later batch failed$/),
    });
    // The version label is on the APISIX service alone: both are back on 1.0.0.
    expect(gateways.slice(0, 2).map((g) => g.objects('services').get('petstore')?.labels)).toEqual([
      expect.objectContaining({ 'tagway.version': '1.0.0' }),
      expect.objectContaining({ 'tagway.version': '1.0.0' }),
    ]);
  });

  it('with the default, a later failure leaves the earlier batches on the new snapshot', async () => {
    await syncGroup(snapshotOf('1.0.0'), specs, options({ rollout: { batch_size: 1 } }));
    planes[1]!.failWith(503);
    const report = await syncGroup(snapshotOf('1.1.0'), specs, options({ rollout: { batch_size: 1 } }));
    expect(report.targets.map((t) => [t.target, t.status, t.runs.state])).toEqual([
      ['eu-1', 'applied', 'snapshot'],
      ['eu-2', 'failed', 'previous'],
      ['eu-3', 'skipped', 'previous'],
    ]);
  });

  it('a target already in sync that fails its checks fails, with nothing to take back', async () => {
    await syncGroup(snapshotOf('1.0.0'), specs, options({ rollout: { batch_size: 3 } }));
    upstream.failWith(500);
    const report = await syncGroup(snapshotOf('1.0.0'), specs, options({ rollout: { batch_size: 3 } }));
    expect(report.halted).toEqual({ batch: 1, failed: ['eu-1', 'eu-2', 'eu-3'], checks: { restored: [] } });
    expect(report.targets.map((t) => [t.status, t.restore, t.runs.state])).toEqual([
      ['failed', null, 'snapshot'],
      ['failed', null, 'snapshot'],
      ['failed', null, 'snapshot'],
    ]);
  });

  it('probes each route a plan reaches when asked to, and stops a new route whose upstream is down', async () => {
    await syncGroup(snapshotOf('1.0.0'), specs, options({ rollout: { batch_size: 1 } }));
    // 1.1.0 adds a route with an upstream of its own that nothing listens on.
    const base = snapshotOf('1.1.0');
    const l = { 'managed-by': 'tagway', 'tagway.group': 'staging', 'tagway.service': 'petstore' };
    const apisix = sortKeys({
      ...base.apisix,
      routes: [...base.apisix.routes, { id: 'petstore.photos', labels: l, service_id: 'petstore', uris: ['/photos/*'], methods: ['GET', 'POST'], upstream: { type: 'roundrobin', nodes: [{ host: '127.0.0.1', port: 1, weight: 1 }] } }],
    }) as ApisixConfig;
    const broken: SyncSnapshot = { group: 'staging', apisix, digest: sha256Digest(canonicalJson(apisix)) };
    const report = await syncGroup(broken, specs, options({ rollout: { batch_size: 1 }, probes: [], probeChangedRoutes: true }));
    expect(report.halted).toEqual({ batch: 1, failed: ['eu-1'], checks: { restored: ['eu-1'] } });
    // The routes the plan's writes reach: the new one, and (its service's version label changed) the service's other route.
    expect(report.targets[0]?.checks).toEqual([
      { probe: 'route petstore.list', ok: true, attempts: 1, request: 'GET petstore.example.com /pets', status: 200, latencyMs: expect.any(Number), reason: null },
      { probe: 'route petstore.photos', ok: false, attempts: 3, request: 'GET petstore.example.com /photos/probe', status: 502, latencyMs: expect.any(Number), reason: 'status 502, expected 100-499' },
    ]);
    expect(gateways[0]!.objects('routes').has('petstore.photos')).toBe(false);

    // The same route with a live upstream passes, and an unchanged target is not probed at all.
    const fixed = sortKeys({ ...apisix, routes: apisix.routes.map((r) => (r.id === 'petstore.photos' ? { ...r, upstream: { type: 'roundrobin', nodes: [{ host: upstream.host, port: upstream.port, weight: 1 }] } } : r)) }) as ApisixConfig;
    const good = await syncGroup({ group: 'staging', apisix: fixed, digest: sha256Digest(canonicalJson(fixed)) }, specs, options({ rollout: { batch_size: 1 }, probes: [], probeChangedRoutes: true }));
    expect(good.ok).toBe(true);
    expect(good.targets.map((t) => t.checks?.map((c) => [c.probe, c.status]))).toEqual([
      [['route petstore.list', 200], ['route petstore.photos', 200]],
      [['route petstore.list', 200], ['route petstore.photos', 200]],
      [['route petstore.list', 200], ['route petstore.photos', 200]],
    ]);
    // Nothing written on a second sync: nothing reached, nothing probed.
    const again = await syncGroup({ group: 'staging', apisix: fixed, digest: sha256Digest(canonicalJson(fixed)) }, specs, options({ rollout: { batch_size: 1 }, probes: [], probeChangedRoutes: true }));
    expect(again.targets.map((t) => t.checks ?? [])).toEqual([[], [], []]);
  });

  it("reads each gateway's metrics over a window after the write, and takes back a change whose 5xx ratio is too high", async () => {
    const flaky = await startUpstream('flaky');
    flaky.failEvery(2);
    try {
      const withMetrics = specs.map((t, i) => ({ ...t, metrics_url: planes[i]!.metricsUrl }));
      // Traffic while the rollout waits out a window: 20 requests through every gateway.
      const traffic = async () => {
        for (const plane of planes) for (let i = 0; i < 20; i++) await serves(plane);
      };
      const checks = { probes: [], metrics: { window: 1, max_5xx_ratio: 0.1, min_requests: 10 }, probeRuntime: { sleep: traffic, now: () => performance.now() } };
      await syncGroup(snapshotOf('1.0.0'), withMetrics, options({ rollout: { batch_size: 1 } }));
      // 1.1.0 sends the route to an upstream that fails every other request; a single probe could pass by luck.
      const base = snapshotOf('1.1.0');
      const apisix = sortKeys({ ...base.apisix, routes: base.apisix.routes.map((r) => ({ ...r, upstream: { type: 'roundrobin', nodes: [{ host: flaky.host, port: flaky.port, weight: 1 }] } })) }) as ApisixConfig;
      const report = await syncGroup({ group: 'staging', apisix, digest: sha256Digest(canonicalJson(apisix)) }, withMetrics, options({ rollout: { batch_size: 1 }, ...checks }));
      expect(report.halted).toEqual({ batch: 1, failed: ['eu-1'], checks: { restored: ['eu-1'] } });
      expect(report.targets[0]?.checks).toEqual([
        { probe: 'metrics', ok: false, attempts: 1, request: `GET ${new URL(planes[0]!.metricsUrl).host}/apisix/prometheus/metrics`, status: 200, latencyMs: null, reason: '5xx ratio of 1 changed route 50.0% (10 of 20), above 10.0%' },
      ]);
      expect(flaky.requests.length).toBe(20);

      // The same change to a healthy upstream passes; a target with no changed route is not judged.
      flaky.failEvery(null);
      const healthy = await syncGroup({ group: 'staging', apisix, digest: sha256Digest(canonicalJson(apisix)) }, withMetrics, options({ rollout: { batch_size: 3 }, ...checks }));
      expect(healthy.ok).toBe(true);
      expect(healthy.targets.map((t) => t.checks?.map((c) => [c.ok, c.reason]))).toEqual([[[true, null]], [[true, null]], [[true, null]]]);
      const again = await syncGroup({ group: 'staging', apisix, digest: sha256Digest(canonicalJson(apisix)) }, withMetrics, options({ rollout: { batch_size: 3 }, ...checks }));
      expect(again.targets[0]?.checks?.[0]?.reason).toBe('0 requests to 0 changed routes in the window, fewer than 10: not judged');
    } finally {
      await flaky.close();
    }
  });

  it('fails a gateway whose upstream answers slower than the latency budget', async () => {
    await syncGroup(snapshotOf('1.0.0'), specs, options({ rollout: { batch_size: 1 } }));
    upstream.slowBy(120);
    try {
      const report = await syncGroup(snapshotOf('1.1.0'), specs, options({ rollout: { batch_size: 1 }, probes: [{ ...PROBE, latency_ms: 50, failures: 1 }] }));
      expect(report.halted).toEqual({ batch: 1, failed: ['eu-1'], checks: { restored: ['eu-1'] } });
      expect(report.targets[0]?.checks?.[0]?.reason).toMatch(/^took \d+ ms, more than 50 ms$/);
    } finally {
      upstream.slowBy(0);
    }
  });

  it("runs a gateway's own probes beside the group's", async () => {
    const own = specs.map((t, i) => (i === 1 ? { ...t, checks: { probes: [{ name: 'eu-2 only', path: '/nothing-here', host: 'petstore.example.com', status: [200], failures: 1, interval: 0 }] } } : t));
    const report = await syncGroup(snapshotOf('1.0.0'), own, options({ rollout: { batch_size: 1 } }));
    expect(report.targets.map((t) => t.checks?.map((c) => [c.probe, c.ok]))).toEqual([[['list-pets', true]], [['list-pets', true], ['eu-2 only', false]], undefined]);
    expect(report.halted).toEqual({ batch: 2, failed: ['eu-2'], checks: { restored: ['eu-2'] } });
  });

  it('takes back a standalone gateway whose checks fail, under the digest it held before', async () => {
    const standalone = await startStandaloneServer({ apiKey: null });
    // The data plane routes by the configuration the standalone instance holds.
    const plane = await startDataPlane({
      objects: (kind) => new Map(((standalone.config() as unknown as Record<string, { id: string }[]>)[kind] ?? []).map((o) => [o.id, o as unknown as Record<string, unknown>])),
    });
    try {
      const target: TargetSpec[] = [{ kind: 'apisix-standalone', name: 'sa-1', admin_url: standalone.url, proxy_url: plane.url }];
      const first = await syncGroup(snapshotOf('1.0.0'), target, options());
      expect(first.ok).toBe(true);
      const held = standalone.digest();
      const report = await syncGroup(snapshotOf('1.1.0', { uri: '/pet' }), target, options());
      expect(report.halted).toEqual({ batch: 1, failed: ['sa-1'], checks: { restored: ['sa-1'] } });
      expect(report.targets[0]).toMatchObject({ status: 'failed', restore: { ok: true, verified: true } });
      expect(standalone.digest()).toBe(held);
      expect(await serves(plane)).toBe(200);
    } finally {
      await Promise.all([plane.close(), standalone.close()]);
    }
  });

  it('a stop while a batch is checked takes it back as interrupted, not as failed, and keeps earlier batches', async () => {
    await syncGroup(snapshotOf('1.0.0'), specs, options({ rollout: { batch_size: 1 } }));
    const stop = new AbortController();
    // Targets whose writes are done ('done' comes before a batch's checks).
    let written = 0;
    // The second batch's probe waits between requests: the stop comes then.
    const probeRuntime = {
      sleep: async () => {
        if (written === 2) stop.abort('SIGTERM');
      },
      now: () => performance.now(),
    };
    upstream.failWith(null);
    const probe = { ...PROBE, failures: 3 };
    const report = await syncGroup(snapshotOf('1.1.0'), specs, {
      ...options({ rollout: { batch_size: 1, restore_on_check_failure: 'all' }, probes: [probe], probeRuntime }),
      signal: stop.signal,
      onEvent: (e) => {
        if (e.type === 'phase' && e.phase === 'done') written += 1;
        // The second batch's probes fail, then wait.
        if (written === 2) upstream.failWith(500);
      },
    });
    expect(report.interrupted).toEqual({ by: 'SIGTERM', batch: 2 });
    expect(report.halted).toBeNull();
    expect(report.targets.map((t) => [t.target, t.status, t.error?.code ?? null, t.runs.state])).toEqual([
      ['eu-1', 'applied', null, 'snapshot'],
      ['eu-2', 'interrupted', 'interrupted', 'previous'],
      ['eu-3', 'skipped', null, 'previous'],
    ]);
  });

  it('sends header references resolved, and never shows them', async () => {
    const probe: ProbeSpec = { ...PROBE, headers: { Authorization: 'env:PROBE_TOKEN', Accept: 'application/json' } };
    const report = await syncGroup(snapshotOf('1.0.0'), specs, options({ probes: [probe] }));
    expect(report.ok).toBe(true);
    expect(upstream.requests.at(-1)?.headers).toMatchObject({ authorization: TOKEN, accept: 'application/json' });
    expect(JSON.stringify(report)).not.toContain(TOKEN);
  });

  it('an unset header variable stops the rollout before any request', async () => {
    const probe: ProbeSpec = { ...PROBE, headers: { Authorization: 'env:PROBE_TOKEN' } };
    await expect(syncGroup(snapshotOf('1.0.0'), specs, options({ probes: [probe], env: {} }))).rejects.toMatchObject({
      data: { code: 'credentials', message: expect.stringContaining('environment variable PROBE_TOKEN (from headers.Authorization: env:PROBE_TOKEN) is not set') },
    });
    expect(gateways.map((g) => g.requests.length)).toEqual([0, 0, 0]);
  });
});
