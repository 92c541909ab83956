/**
 * The `apisix` target against the stateful Admin API test server: what a sync writes, in which
 * order, what it leaves alone, and how it survives faults.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Digest, sortKeys } from '../src/core/canonical.js';
import type { ApisixConfig, ApisixKind, ApisixObject } from '../src/model/apisix.js';
import type { ApisixTargetSpec } from '../src/model/target.js';
import { checkDriftTargets } from '../src/sync/drift.js';
import { syncTarget } from '../src/sync/sync.js';
import { closeTargets, createTargets } from '../src/sync/targets/create.js';
import type { Target } from '../src/sync/targets/port.js';
import { isLeaseRequest, startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import type { SyncSnapshot } from '../src/sync/report.js';
import type { TargetReport } from '../src/sync/report.js';
import { KIND_NAMES, emptyConfig, perKind } from '../src/apisix/kinds/index.js';

const KEY = 'edd1c9f034335f136f87ad84b625c8f1';
const GROUP = 'staging';
const KINDS: readonly ApisixKind[] = ['upstreams', 'services', 'routes'];

const labels = (service: string, version: string) => ({
  'managed-by': 'tagway',
  'tagway.group': GROUP,
  'tagway.service': service,
  'tagway.version': version,
});

interface ServiceDef {
  readonly name: string;
  readonly version?: string;
  readonly nodes?: string;
  readonly routes: Readonly<Record<string, { readonly uri: string; readonly methods?: readonly string[] }>>;
}

/** A snapshot of small, valid, labelled APISIX objects: one upstream and one service per service. */
function snapshotOf(...defs: ServiceDef[]): SyncSnapshot {
  const upstreams: ApisixObject[] = [];
  const services: ApisixObject[] = [];
  const routes: ApisixObject[] = [];
  for (const def of defs) {
    const l = labels(def.name, def.version ?? '1.0.0');
    upstreams.push({ id: def.name, labels: l, type: 'roundrobin', nodes: [{ host: def.nodes ?? '10.0.0.1', port: 8080, weight: 1 }] });
    services.push({ id: def.name, labels: l, upstream_id: def.name });
    for (const [name, r] of Object.entries(def.routes)) {
      routes.push({ id: `${def.name}.${name}`, labels: l, service_id: def.name, uris: [r.uri], methods: [...(r.methods ?? ['GET'])] });
    }
  }
  const byId = (a: ApisixObject, b: ApisixObject) => (a.id < b.id ? -1 : 1);
  const apisix: ApisixConfig = sortKeys({ ...emptyConfig(), upstreams: upstreams.sort(byId), services: services.sort(byId), routes: routes.sort(byId) });
  return { group: GROUP, apisix, digest: sha256Digest(canonicalJson(apisix)) };
}

const petstore: ServiceDef = { name: 'petstore', routes: { list: { uri: '/pets' }, get: { uri: '/pets/*' } } };
const orders: ServiceDef = { name: 'orders', routes: { create: { uri: '/orders', methods: ['POST'] } } };

let server: AdminServer;
let targets: Target[] = [];
let sleeps: number[] = [];

/**
 * A target of the test server. A request's time limit is long enough that a loaded machine never
 * reaches it (a retried write would count twice); the test of a hung request passes a short one.
 */
function gateway(overrides: Partial<ApisixTargetSpec> = {}, env: Record<string, string> = { EU1_KEY: KEY }, timeoutMs = 5000): Target {
  const spec: ApisixTargetSpec = { kind: 'apisix', name: 'eu-1', admin_url: server.url, admin_key: 'env:EU1_KEY', ...overrides };
  const [target] = createTargets([spec], {
    env,
    root: '.',
    retry: { maxAttempts: 4, timeoutMs },
    runtime: {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    },
  });
  targets.push(target as Target);
  return target as Target;
}

/** The server's objects without the fields it adds (`create_time`, `update_time`). */
function stored(kind: ApisixKind): Record<string, unknown>[] {
  return [...server.objects(kind).values()]
    .map(({ create_time: _c, update_time: _u, ...rest }) => rest)
    .sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1));
}

function storedConfig(): Record<ApisixKind, Record<string, unknown>[]> {
  return perKind((kind) => stored(kind.name));
}

/** Every request since `start`, as `METHOD path`. */
function requestsSince(start: number, on: AdminServer = server): string[] {
  return on.requests.slice(start).filter((r) => !isLeaseRequest(r)).map((r) => `${r.method} ${r.path}`);
}

/** Writes of configuration since `start` (a run's lease and its record of an unfinished run left out). */
function writesSince(start: number): Array<string> {
  return server.requests.slice(start).filter((r) => r.method !== 'GET' && !isLeaseRequest(r)).map((r) => `${r.method} ${r.path}`);
}

async function syncOk(snapshot: SyncSnapshot, target = gateway()): Promise<TargetReport> {
  const report = await syncTarget(snapshot, target);
  expect(report.error).toBeNull();
  return report;
}

beforeAll(async () => {
  server = await startAdminServer({ apiKey: KEY });
});
afterEach(async () => {
  await closeTargets(targets);
  targets = [];
  sleeps = [];
  server.reset();
});
afterAll(async () => {
  await server.close();
});

describe('sync to an apisix gateway', () => {
  it('first sync to an empty gateway creates upstreams, then services, then routes', async () => {
    const snapshot = snapshotOf(petstore, orders);
    const report = await syncOk(snapshot);
    expect(report).toMatchObject({
      status: 'applied',
      writes: 7,
      plan: { create: 7, update: 0, delete: 0, unchanged: 0 },
      runs: { state: 'snapshot', digest: snapshot.digest, services: [{ name: 'orders', version: '1.0.0' }, { name: 'petstore', version: '1.0.0' }] },
    });
    expect(storedConfig()).toEqual(snapshot.apisix);
    const kindsInOrder = writesSince(0).map((w) => w.split('/')[3]);
    expect(kindsInOrder).toEqual(['upstreams', 'upstreams', 'services', 'services', 'routes', 'routes', 'routes']);
  });

  it('a second sync of the same snapshot writes nothing', async () => {
    const snapshot = snapshotOf(petstore, orders);
    await syncOk(snapshot);
    const before = server.writes();
    const report = await syncOk(snapshot);
    expect(report).toMatchObject({ status: 'in-sync', writes: 0, plan: { unchanged: 7 } });
    expect(server.writes()).toBe(before);
  });

  it('a one-route change makes exactly one write', async () => {
    await syncOk(snapshotOf(petstore, orders));
    const start = server.requests.length;
    const changed = snapshotOf({ ...petstore, routes: { ...petstore.routes, list: { uri: '/pets', methods: ['GET', 'HEAD'] } } }, orders);
    const report = await syncOk(changed);
    expect(report).toMatchObject({ status: 'applied', writes: 1, steps: [{ op: 'update', kind: 'routes', id: 'petstore.list', fields: ['/methods'] }] });
    expect(writesSince(start)).toEqual(['PUT /apisix/admin/routes/petstore.list']);
    expect(storedConfig()).toEqual(changed.apisix);
  });

  it('removing a service deletes its routes, then the service, then its upstream', async () => {
    await syncOk(snapshotOf(petstore, orders));
    const start = server.requests.length;
    const report = await syncOk(snapshotOf(petstore));
    expect(report).toMatchObject({ status: 'applied', plan: { delete: 3, unchanged: 4 } });
    expect(writesSince(start)).toEqual([
      'DELETE /apisix/admin/routes/orders.create',
      'DELETE /apisix/admin/services/orders',
      'DELETE /apisix/admin/upstreams/orders',
    ]);
    expect(storedConfig()).toEqual(snapshotOf(petstore).apisix);
  });

  it('never touches objects it does not own', async () => {
    server.seed('upstreams', 'legacy', { nodes: [{ host: '10.9.9.9', port: 80, weight: 1 }], type: 'roundrobin' });
    server.seed('routes', 'legacy', { uri: '/legacy', upstream_id: 'legacy', labels: { team: 'web' } });
    server.seed('routes', 'prod-only', { uri: '/p', upstream_id: 'legacy', labels: { ...labels('x', '1.0.0'), 'tagway.group': 'production' } });
    const start = server.requests.length;
    await syncOk(snapshotOf(petstore));
    await syncOk(snapshotOf());
    expect(writesSince(start).filter((w) => w.includes('legacy') || w.includes('prod-only'))).toEqual([]);
    expect([...server.objects('routes').keys()].sort()).toEqual(['legacy', 'prod-only']);
  });

  it('stops before any write when an unowned object sits at a needed id, and says how to adopt it', async () => {
    server.seed('routes', 'petstore.list', { uri: '/pets', upstream_id: 'elsewhere' });
    const before = server.writes();
    const report = await syncTarget(snapshotOf(petstore), gateway());
    expect(report).toMatchObject({
      status: 'failed',
      writes: 0,
      error: { code: 'conflict', objects: [{ kind: 'routes', id: 'petstore.list' }] },
      conflicts: [{ code: 'unowned', kind: 'routes', id: 'petstore.list' }],
      runs: { state: 'previous' },
    });
    expect(report.error?.hint).toContain('"tagway.group": "staging"');
    expect(server.writes()).toBe(before);

    // Adopted: the labels are added by hand, and the next sync takes the object over.
    server.seed('routes', 'petstore.list', { uri: '/pets', upstream_id: 'elsewhere', labels: { 'managed-by': 'tagway', 'tagway.group': GROUP } });
    expect(await syncOk(snapshotOf(petstore))).toMatchObject({ status: 'applied', plan: { update: 1 } });
    expect(storedConfig()).toEqual(snapshotOf(petstore).apisix);
  });

  it('writes nothing when an object to delete is still used by a stream route, plugin config or consumer', async () => {
    // (Consumers, plugin configs and stream routes are kinds tagway writes: the planner sees them
    // among the objects read.)
    await syncOk(snapshotOf(petstore, orders));
    const split = { 'traffic-split': { rules: [{ weighted_upstreams: [{ upstream_id: 'orders', weight: 1 }] }] } };
    server.seed('stream_routes', 'tcp-orders', { server_port: 9100, service_id: 'orders' });
    server.seed('plugin_configs', 'canary', { plugins: split });
    server.seed('consumers', 'jack', { plugins: split });
    const before = server.writes();
    // petstore changes too: the plan has writes besides the deletes, and none of them may start.
    const report = await syncTarget(snapshotOf({ ...petstore, version: '1.1.0' }), gateway());
    expect(report).toMatchObject({ status: 'failed', writes: 0, restore: null, error: { code: 'conflict' } });
    expect(report.conflicts.map((c) => [c.code, `${c.kind}/${c.id}`, c.referencedBy])).toEqual([
      // The planner's own objects (a consumer) are looked at before the kinds it only reads.
      ['still-referenced', 'upstreams/orders', { kind: 'consumers', id: 'jack' }],
      ['still-referenced', 'services/orders', { kind: 'stream_routes', id: 'tcp-orders' }],
    ]);
    expect(report.conflicts[1]?.message).toBe('service orders is no longer in the snapshot, but stream route tcp-orders still uses it, so it cannot be deleted');
    expect(server.writes()).toBe(before);
  });

  it('reads only the kinds it writes, a delete too, and as none those a gateway does not serve', async () => {
    const plain = await startAdminServer({ apiKey: KEY, streamMode: false, unsupported: ['consumer_groups'] });
    try {
      const target = gateway({ admin_url: plain.url });
      expect(await syncTarget(snapshotOf(petstore, orders), target)).toMatchObject({ status: 'applied' });
      // Kinds tagway writes read as none where the gateway has no such type (consumer groups) or
      // has it switched off (stream routes without stream in proxy_mode).
      expect(plain.requests.filter((r) => /consumer_groups/.test(r.path)).map((r) => r.status)).toEqual([404, 404]);
      expect(plain.requests.filter((r) => /stream_routes/.test(r.path)).map((r) => r.status)).toEqual([400, 400]);
      const lists = (from: number) => plain.requests.slice(from).filter((r) => r.method === 'GET' && !isLeaseRequest(r)).map((r) => r.path.split('?')[0]!.replace('/apisix/admin/', ''));
      const first = lists(0).length;
      expect(await syncTarget(snapshotOf(petstore), target)).toMatchObject({ status: 'applied', plan: { delete: 3 } });
      // No kind is read for its references alone (referrer-kinds.ts): a plan that deletes reads
      // the lists of the kinds it writes, as one that does not.
      expect([...new Set(lists(0).filter((p) => !p.includes('/')))].sort()).toEqual([...KIND_NAMES].sort());
      expect(lists(0).length).toBe(2 * first);
    } finally {
      await plain.close();
    }
  });

  it('retries transient faults (5xx, 429 with Retry-After, dropped and hung connections) and succeeds', async () => {
    server.faults.add({ method: 'PUT', path: '/apisix/admin/upstreams/', action: { kind: 'status', status: 503 } });
    server.faults.add({ method: 'PUT', path: '/apisix/admin/services/', action: { kind: 'rate-limit', retryAfter: 3 } });
    server.faults.add({ method: 'PUT', path: '/apisix/admin/routes/petstore.get', action: { kind: 'drop' } });
    server.faults.add({ method: 'GET', path: '/apisix/admin/routes', action: { kind: 'hang' } });
    const snapshot = snapshotOf(petstore);
    const report = await syncOk(snapshot, gateway({}, undefined, 300));
    expect(report).toMatchObject({ status: 'applied', writes: 4 });
    expect(sleeps).toContain(3000);
    expect(storedConfig()).toEqual(snapshot.apisix);
    expect(server.requests.filter((r) => r.fault !== undefined)).toHaveLength(4);
  });

  it('restores every changed object when a write keeps failing, and verifies the restore', async () => {
    const v1 = snapshotOf(petstore, orders);
    await syncOk(v1);
    const before = storedConfig();
    const beforeCreateTimes = [...server.objects('routes').values()].map((r) => r.create_time);

    // v2 moves petstore to new nodes and a new upstream version, adds a route and a service,
    // removes orders; every PUT of a route fails.
    const v2 = snapshotOf(
      { ...petstore, version: '1.1.0', nodes: '10.0.0.2', routes: { ...petstore.routes, search: { uri: '/pets/search' } } },
      { name: 'billing', routes: { pay: { uri: '/pay' } } },
    );
    server.faults.add({ method: 'PUT', path: '/apisix/admin/routes/', times: Infinity, action: { kind: 'status', status: 500, body: { error_msg: 'etcd write failed' } } });
    const report = await syncTarget(v2, gateway());

    expect(report).toMatchObject({
      status: 'failed',
      runs: { state: 'previous', services: [{ name: 'orders', version: '1.0.0' }, { name: 'petstore', version: '1.0.0' }] },
      error: { code: 'http-error', gatewayMessage: 'etcd write failed', request: { method: 'PUT', status: 500, attempts: 4 } },
      restore: { attempted: true, ok: true, failures: [], verified: true },
    });
    expect(report.error?.request?.path).toMatch(/^\/apisix\/admin\/routes\//);
    // Object by object, the gateway holds what it held before the run.
    server.faults.clear();
    expect(storedConfig()).toEqual(before);
    expect(server.objects('upstreams').has('billing')).toBe(false);
    expect(server.objects('services').has('billing')).toBe(false);
    expect(server.objects('upstreams').get('petstore')?.nodes).toEqual([{ host: '10.0.0.1', port: 8080, weight: 1 }]);
    expect([...server.objects('routes').values()].map((r) => r.create_time)).toEqual(beforeCreateTimes);
  });

  it('re-creates what it deleted when a delete keeps failing', async () => {
    await syncOk(snapshotOf(petstore, orders));
    const before = storedConfig();
    server.faults.add({ method: 'DELETE', path: '/apisix/admin/upstreams/orders', times: Infinity, action: { kind: 'status', status: 503 } });
    const report = await syncTarget(snapshotOf({ ...petstore, version: '1.0.1' }), gateway());
    expect(report).toMatchObject({
      status: 'failed',
      error: { request: { method: 'DELETE', path: '/apisix/admin/upstreams/orders' } },
      restore: { attempted: true, ok: true, verified: true },
    });
    server.faults.clear();
    expect(storedConfig()).toEqual(before);
  });

  it('reports a rejected write with APISIX error message, after restoring', async () => {
    await syncOk(snapshotOf(orders));
    const before = storedConfig();
    server.faults.add({ method: 'PUT', path: '/apisix/admin/routes/petstore.list', action: { kind: 'status', status: 400, body: { error_msg: 'invalid configuration: property "uris" validation failed' } } });
    const report = await syncTarget(snapshotOf(orders, petstore), gateway());
    expect(report).toMatchObject({
      status: 'failed',
      error: {
        code: 'rejected',
        gatewayMessage: 'invalid configuration: property "uris" validation failed',
        request: { method: 'PUT', path: '/apisix/admin/routes/petstore.list', status: 400, attempts: 1 },
      },
      restore: { attempted: true, ok: true, verified: true },
    });
    expect(storedConfig()).toEqual(before);
  });

  it('reports a wrong key as an authentication failure, without retrying or printing the key', async () => {
    const wrongKey = 'not-the-key-0123456789';
    const report = await syncTarget(snapshotOf(petstore), gateway({}, { EU1_KEY: wrongKey }));
    expect(report).toMatchObject({ status: 'failed', error: { code: 'auth', request: { status: 401, attempts: 1 } } });
    // Each request was sent once: the three list requests run concurrently, none is retried.
    const paths = server.requests.map((r) => r.path);
    expect(server.requests.every((r) => r.method === 'GET' && r.status === 401)).toBe(true);
    expect(new Set(paths).size).toBe(paths.length);
    expect(sleeps).toEqual([]);
    expect(JSON.stringify(report)).not.toContain(wrongKey);
  });

  it('reports an unreachable gateway', async () => {
    const closed = await startAdminServer();
    const url = closed.url;
    await closed.close();
    const report = await syncTarget(snapshotOf(petstore), gateway({ admin_url: url }));
    expect(report).toMatchObject({ status: 'unreachable', runs: { state: 'unknown', digest: null }, plan: null, error: { code: 'unreachable', request: { attempts: 4 } } });
  });

  it('does not leak the key into any report', async () => {
    await syncOk(snapshotOf(petstore));
    server.faults.add({ method: 'PUT', times: Infinity, action: { kind: 'status', status: 500 } });
    const failed = await syncTarget(snapshotOf(orders), gateway());
    server.faults.clear();
    const drift = await checkDriftTargets(snapshotOf(orders), [gateway()]);
    for (const out of [failed, drift]) expect(JSON.stringify(out)).not.toContain(KEY);
  });

  it('plans nothing on a second sync to a gateway that stores schema defaults (APISIX < 3.14)', async () => {
    const oldApisix = await startAdminServer({
      apiKey: KEY,
      validate: (kind, body) => {
        const conf = body as Record<string, unknown>;
        if (kind === 'upstreams') Object.assign(conf, { hash_on: 'vars', scheme: 'http', pass_host: 'pass' });
        if (kind === 'routes') {
          Object.assign(conf, { priority: 0, status: 1 });
          if (conf.plugins) (conf.plugins as Record<string, Record<string, unknown>>)['limit-count'] = { count: 5, time_window: 60, policy: 'local', rejected_code: 503 };
        }
        return null;
      },
    });
    try {
      const snapshot = snapshotOf(petstore);
      const withPlugin: SyncSnapshot = {
        ...snapshot,
        apisix: { ...snapshot.apisix, routes: snapshot.apisix.routes.map((r) => ({ ...r, plugins: { 'limit-count': { count: 5, time_window: 60 } } })) },
      };
      const target = gateway({ admin_url: oldApisix.url });
      expect(await syncTarget(withPlugin, target)).toMatchObject({ status: 'applied' });
      const writes = oldApisix.writes();
      expect(await syncTarget(withPlugin, target)).toMatchObject({ status: 'in-sync', writes: 0 });
      expect(oldApisix.writes()).toBe(writes);
    } finally {
      await oldApisix.close();
    }
  });
});

describe('the restore after a sync fails mid-way', () => {
  // v1 runs; v2 moves petstore's upstream to new nodes and adds a route. The upstream is written
  // (the first phase), then the gateway rejects the new route, so the run restores the upstream.
  const v1 = snapshotOf(petstore, orders);
  const v2 = snapshotOf({ ...petstore, nodes: '10.0.0.2', routes: { ...petstore.routes, search: { uri: '/pets/search' } } }, orders);
  const UPSTREAM = '/apisix/admin/upstreams/petstore';
  const OLD_NODES = [{ host: '10.0.0.1', port: 8080, weight: 1 }];
  const NEW_NODES = [{ host: '10.0.0.2', port: 8080, weight: 1 }];

  /** Syncs v1, arms the rejected route and `undoFault` for the undo's PUT of the upstream, and syncs v2. */
  async function failMidway(undoFault?: Parameters<AdminServer['faults']['add']>[0]['action'], times = 1): Promise<{ report: TargetReport; before: ReturnType<typeof storedConfig> }> {
    await syncOk(v1);
    const before = storedConfig();
    server.faults.add({ method: 'PUT', path: '/apisix/admin/routes/petstore.search', times: Infinity, action: { kind: 'status', status: 400, body: { error_msg: 'invalid configuration' } } });
    if (undoFault !== undefined) {
      // The run's own write of the upstream goes through; the undo's meets the fault.
      server.faults.add({ method: 'PUT', path: UPSTREAM, action: { kind: 'delay', ms: 0 } });
      server.faults.add({ method: 'PUT', path: UPSTREAM, times, action: undoFault });
    }
    const report = await syncTarget(v2, gateway());
    server.faults.clear();
    expect(report).toMatchObject({ status: 'failed', writes: 1, error: { code: 'rejected', request: { method: 'PUT', path: '/apisix/admin/routes/petstore.search' } } });
    return { report, before };
  }

  it('succeeds and is verified: the gateway holds the old state, and the report says so', async () => {
    const { report, before } = await failMidway();
    expect(report).toMatchObject({
      runs: { state: 'previous', services: [{ name: 'orders', version: '1.0.0' }, { name: 'petstore', version: '1.0.0' }] },
      restore: { attempted: true, ok: true, failures: [], verified: true },
    });
    expect(storedConfig()).toEqual(before);
    expect(server.objects('upstreams').get('petstore')?.nodes).toEqual(OLD_NODES);
  });

  it('fails when an undo write fails: not ok, the failed request listed, not verified, runs unknown', async () => {
    const { report } = await failMidway({ kind: 'status', status: 400, body: { error_msg: 'etcd is read-only' } }, Infinity);
    expect(report.restore).toEqual({
      attempted: true,
      ok: false,
      failures: [{ request: { method: 'PUT', path: UPSTREAM, status: 400, attempts: 1 }, message: expect.stringContaining('etcd is read-only') }],
      verified: false,
    });
    expect(report.runs).toEqual({ state: 'unknown', digest: null, services: [] });
    expect(server.objects('upstreams').get('petstore')?.nodes).toEqual(NEW_NODES);
  });

  it('is not verified when every undo write was acknowledged but the gateway does not hold the old state', async () => {
    // Answered as a successful PUT, never handled: the upstream keeps the run's new nodes.
    const { report } = await failMidway({ kind: 'status', status: 200, body: { key: '/apisix/upstreams/petstore', value: {} } });
    expect(report.restore).toEqual({ attempted: true, ok: true, failures: [], verified: false });
    expect(report.runs).toEqual({ state: 'unknown', digest: null, services: [] });
    expect(server.objects('upstreams').get('petstore')?.nodes).toEqual(NEW_NODES);
  });
});

describe('drift of an apisix gateway', () => {
  it('is in sync after a sync, and drifted (objects and fields) after a change by hand', async () => {
    const snapshot = snapshotOf(petstore, orders);
    await syncOk(snapshot);
    expect((await checkDriftTargets(snapshot, [gateway()])).inSync).toBe(true);

    const route = server.objects('routes').get('petstore.list') as Record<string, unknown>;
    server.seed('routes', 'petstore.list', { ...route, uris: ['/pets', '/animals'] });
    server.seed('upstreams', 'stray', { nodes: [], labels: labels('stray', '0.1.0') });
    server.seed('routes', 'not-ours', { uri: '/x', upstream_id: 'petstore' });
    const writes = server.writes();
    const report = await checkDriftTargets(snapshot, [gateway()]);
    expect(server.writes()).toBe(writes);
    expect(report.inSync).toBe(false);
    expect(report.targets[0]).toMatchObject({
      status: 'drifted',
      objects: [
        { kind: 'routes', id: 'petstore.list', state: 'changed', fields: [{ path: '/uris', op: 'replace', before: ['/pets', '/animals'], after: ['/pets'] }] },
        { kind: 'upstreams', id: 'stray', state: 'extra' },
      ],
    });
  });

  it('is unreachable when the gateway cannot be reached', async () => {
    const closed = await startAdminServer();
    await closed.close();
    const report = await checkDriftTargets(snapshotOf(petstore), [gateway({ admin_url: closed.url })]);
    expect(report.targets[0]).toMatchObject({ status: 'unreachable', error: { code: 'unreachable' } });
  });
});

describe('the record of a run that did not finish', () => {
  const RECORD = 'tagway-lease.staging.unfinished';

  it('is written before the first write, removed after the last, and not there when nothing changes', async () => {
    const v1 = snapshotOf(petstore);
    const start = server.requests.length;
    await syncOk(v1);
    const writes = server.requests.slice(start).filter((r) => r.method !== 'GET' && !r.path.includes('tagway-lease.staging.0'));
    expect(writes[0]).toMatchObject({ method: 'PUT', path: `/apisix/admin/upstreams/${RECORD}` });
    expect(writes.filter((r) => !r.path.includes('/tagway-lease.')).length).toBe(4);
    expect(writes.at(-1)).toMatchObject({ method: 'DELETE', path: `/apisix/admin/upstreams/${RECORD}` });
    expect(server.objects('upstreams').has(RECORD)).toBe(false);
    const again = server.requests.length;
    await syncOk(v1);
    expect(server.requests.slice(again).some((r) => r.path.includes(RECORD))).toBe(false);
  });

  it('stays when the undo of a failed run fails, so the target shows as mixed even for a change of nodes alone; a completed sync removes it', async () => {
    const v1 = snapshotOf(petstore, orders);
    await syncOk(v1);
    // Same versions, new nodes, orders removed: no version label tells the two states apart. The
    // delete of orders' upstream keeps failing, and so does the undo that re-creates its service.
    const v2 = snapshotOf({ ...petstore, nodes: '10.0.0.2' });
    server.faults.add({ method: 'DELETE', path: '/apisix/admin/upstreams/orders', times: Infinity, action: { kind: 'status', status: 500, body: { error_msg: 'etcd write failed' } } });
    server.faults.add({ method: 'PUT', path: '/apisix/admin/services/orders', times: Infinity, action: { kind: 'status', status: 500, body: { error_msg: 'etcd write failed' } } });
    const failed = await syncTarget(v2, gateway());
    expect(failed).toMatchObject({ status: 'failed', restore: { attempted: true, ok: false } });
    expect(server.objects('upstreams').has(RECORD)).toBe(true);
    const drift = await checkDriftTargets(v2, [gateway()]);
    expect(drift.targets[0]?.runs.state).toBe('mixed');
    server.faults.clear();
    expect(await syncOk(v2)).toMatchObject({ status: 'applied' });
    expect(server.objects('upstreams').has(RECORD)).toBe(false);
    expect((await checkDriftTargets(v1, [gateway()])).targets[0]?.runs.state).toBe('previous');
  });

  it('is removed after an undo that took every write back', async () => {
    await syncOk(snapshotOf(petstore));
    server.faults.add({ method: 'PUT', path: '/apisix/admin/upstreams/petstore', times: Infinity, action: { kind: 'status', status: 400, body: { error_msg: 'no' } } });
    const report = await syncTarget(snapshotOf({ ...petstore, nodes: '10.0.0.9' }), gateway());
    expect(report).toMatchObject({ status: 'failed', restore: { ok: true, verified: true } });
    expect(server.objects('upstreams').has(RECORD)).toBe(false);
  });

  it('left by a run that died is removed by the next sync, even when it finds the target in sync', async () => {
    const v1 = snapshotOf(petstore);
    await syncOk(v1);
    server.seed('upstreams', RECORD, { nodes: {}, desc: 'a sync that died', labels: { 'managed-by': 'tagway', 'tagway.unfinished': GROUP, 'tagway.unfinished-digest': v1.digest } });
    expect((await checkDriftTargets(snapshotOf({ ...petstore, nodes: '10.0.0.3' }), [gateway()])).targets[0]?.runs.state).toBe('mixed');
    expect(await syncTarget(v1, gateway())).toMatchObject({ status: 'in-sync', writes: 0 });
    expect(server.objects('upstreams').has(RECORD)).toBe(false);
  });
});

describe('verify after a successful apply', () => {
  /** Routes tagway does not own, so the gateway holds many objects besides the group's. */
  function fill(n: number, on: AdminServer = server): void {
    for (let i = 0; i < n; i += 1) on.seed('routes', `other.${String(i).padStart(5, '0')}`, { uri: `/other/${i}`, labels: { team: 'web' } });
  }

  /** The requests after the last write of the run that started at `start`. */
  function afterWrites(start: number, on: AdminServer = server): string[] {
    const all = requestsSince(start, on);
    let last = -1;
    all.forEach((r, i) => {
      if (!r.startsWith('GET ')) last = i;
    });
    expect(last).toBeGreaterThanOrEqual(0);
    return all.slice(last + 1);
  }

  const isList = (request: string) => request.includes('?page=');

  /** A service with `n` routes: 2 + n objects. */
  const wide = (name: string, n: number): ServiceDef => ({
    name,
    routes: Object.fromEntries(Array.from({ length: n }, (_, i) => [`r${String(i).padStart(3, '0')}`, { uri: `/${name}/${i}` }])),
  });

  const owned = () => ({ ...storedConfig(), routes: stored('routes').filter((r) => !String(r.id).startsWith('other.')) });

  it('reads back only the objects a small plan wrote: one GET each, no list', async () => {
    fill(100);
    await syncOk(snapshotOf(petstore, orders));
    const start = server.requests.length;
    // Create a route, update a route, and remove orders (route, service, upstream): 5 steps, 107 objects.
    const v2 = snapshotOf({ ...petstore, routes: { ...petstore.routes, list: { uri: '/pets', methods: ['GET', 'HEAD'] }, search: { uri: '/pets/search' } } });
    const report = await syncOk(v2);
    expect(report).toMatchObject({ status: 'applied', writes: 5, plan: { create: 1, update: 1, delete: 3 }, runs: { state: 'snapshot', digest: v2.digest } });
    expect(report.writes).toBe(writesSince(start).length);

    const verify = afterWrites(start);
    expect(verify.filter(isList)).toEqual([]);
    expect([...verify].sort()).toEqual(
      [
        'GET /apisix/admin/routes/petstore.search',
        'GET /apisix/admin/routes/petstore.list',
        'GET /apisix/admin/routes/orders.create',
        'GET /apisix/admin/services/orders',
        'GET /apisix/admin/upstreams/orders',
      ].sort(),
    );
    // The read before the run listed every kind tagway writes, and, as the plan deletes an
    // upstream and a service, the kinds it only reads that could still use them.
    expect(requestsSince(start).filter(isList).map((r) => r.split('?')[0]?.split('/')[3]).sort()).toEqual(
      ['consumer_groups', 'consumers', 'global_rules', 'plugin_configs', 'plugin_metadata', 'routes', 'secrets', 'services', 'ssls', 'stream_routes', 'upstreams'],
    );
    expect(owned()).toEqual(v2.apisix);
  });

  it('lists the whole gateway when the plan is not small: 1/8 of the objects read, or more than 256 steps', async () => {
    fill(100);
    // 12 steps on 100 objects: fewer than 1/8, read back one by one.
    let start = server.requests.length;
    expect(await syncOk(snapshotOf(wide('a', 10)))).toMatchObject({ status: 'applied', writes: 12 });
    let verify = afterWrites(start);
    expect(verify).toHaveLength(12);
    expect(verify.filter(isList)).toEqual([]);

    // 13 steps on 100 objects (13 × 8 = 104 ≥ 100): listed.
    server.reset();
    fill(100);
    start = server.requests.length;
    expect(await syncOk(snapshotOf(wide('a', 11)))).toMatchObject({ status: 'applied', writes: 13 });
    verify = afterWrites(start);
    expect(verify.filter(isList).map((r) => r.split('?')[0]).sort()).toEqual(KIND_NAMES.map((k) => `GET /apisix/admin/${k}`).sort());
    expect(verify.filter((r) => !isList(r))).toEqual([]);

    // A first sync to an empty gateway is read whole.
    server.reset();
    start = server.requests.length;
    await syncOk(snapshotOf(petstore));
    expect(afterWrites(start).filter(isList)).toHaveLength(KIND_NAMES.length);
  });

  it('lists the whole gateway after more than 256 writes, however large it is', async () => {
    fill(2100);
    // 256 steps (upstream, service, 254 routes) on 2,100 objects: read back one by one.
    let start = server.requests.length;
    expect(await syncOk(snapshotOf(wide('a', 254)))).toMatchObject({ status: 'applied', writes: 256 });
    let verify = afterWrites(start);
    expect(verify).toHaveLength(256);
    expect(verify.filter(isList)).toEqual([]);

    // 257 steps on 2,100 objects (257 × 8 = 2,056 < 2,100): listed.
    server.reset();
    fill(2100);
    start = server.requests.length;
    expect(await syncOk(snapshotOf(wide('a', 255)))).toMatchObject({ status: 'applied', writes: 257 });
    verify = afterWrites(start);
    expect(verify.length).toBeGreaterThan(0);
    expect(verify.every(isList)).toBe(true);
  });

  it('catches an update the gateway acknowledged but did not keep', async () => {
    fill(100);
    await syncOk(snapshotOf(petstore, orders));
    const start = server.requests.length;
    // Answered as a successful PUT, never handled: the stored route stays as it was.
    server.faults.add({
      method: 'PUT',
      path: '/apisix/admin/routes/petstore.list',
      action: { kind: 'status', status: 200, body: { key: '/apisix/routes/petstore.list', value: {} } },
    });
    const v2 = snapshotOf({ ...petstore, routes: { ...petstore.routes, list: { uri: '/pets', methods: ['GET', 'HEAD'] } } }, orders);
    const report = await syncTarget(v2, gateway());
    expect(report).toMatchObject({
      status: 'failed',
      writes: 1,
      runs: { state: 'previous' },
      error: { code: 'verify-failed', objects: [{ kind: 'routes', id: 'petstore.list' }] },
      restore: null,
    });
    expect(report.error?.message).toContain('update routes/petstore.list');
    expect(writesSince(start)).toEqual(['PUT /apisix/admin/routes/petstore.list']);
    expect(afterWrites(start)).toEqual(['GET /apisix/admin/routes/petstore.list']);
  });

  it('catches a created object the gateway stored differently', async () => {
    let alter = false;
    const altering = await startAdminServer({
      apiKey: KEY,
      validate: (kind, body) => {
        if (alter && kind === 'routes' && body.id === 'petstore.search') (body as Record<string, unknown>).uris = ['/altered'];
        return null;
      },
    });
    try {
      fill(100, altering);
      const target = gateway({ admin_url: altering.url });
      expect(await syncTarget(snapshotOf(petstore), target)).toMatchObject({ status: 'applied' });
      alter = true;
      const start = altering.requests.length;
      const report = await syncTarget(snapshotOf({ ...petstore, routes: { ...petstore.routes, search: { uri: '/pets/search' } } }), target);
      expect(report).toMatchObject({
        status: 'failed',
        writes: 1,
        runs: { state: 'unknown' },
        error: { code: 'verify-failed', objects: [{ kind: 'routes', id: 'petstore.search' }] },
      });
      expect(report.error?.message).toContain('update routes/petstore.search');
      expect(afterWrites(start, altering)).toEqual(['GET /apisix/admin/routes/petstore.search']);
      expect(altering.objects('routes').get('petstore.search')?.uris).toEqual(['/altered']);
    } finally {
      await altering.close();
    }
  });

  it('catches a deleted object that is still there', async () => {
    fill(100);
    await syncOk(snapshotOf(petstore, orders));
    const start = server.requests.length;
    server.faults.add({
      method: 'DELETE',
      path: '/apisix/admin/routes/petstore.get',
      action: { kind: 'status', status: 200, body: { deleted: '1', key: '/apisix/routes/petstore.get' } },
    });
    const report = await syncTarget(snapshotOf({ ...petstore, routes: { list: { uri: '/pets' } } }, orders), gateway());
    expect(report).toMatchObject({
      status: 'failed',
      writes: 1,
      error: { code: 'verify-failed', objects: [{ kind: 'routes', id: 'petstore.get' }] },
    });
    expect(report.error?.message).toContain('delete routes/petstore.get');
    expect(server.objects('routes').has('petstore.get')).toBe(true);
    expect(afterWrites(start)).toEqual(['GET /apisix/admin/routes/petstore.get']);
  });

  it('reports writes exactly when some writes of a small plan did not land', async () => {
    fill(100);
    await syncOk(snapshotOf(petstore, orders));
    const start = server.requests.length;
    server.faults.add({ method: 'PUT', path: '/apisix/admin/routes/orders.create', action: { kind: 'status', status: 200, body: {} } });
    const v2 = snapshotOf({ ...petstore, version: '1.1.0' }, { ...orders, version: '1.1.0' });
    const report = await syncTarget(v2, gateway());
    expect(report).toMatchObject({ status: 'failed', writes: 7, plan: { update: 7 }, error: { code: 'verify-failed', objects: [{ kind: 'routes', id: 'orders.create' }] } });
    expect(writesSince(start)).toHaveLength(7);
    expect(afterWrites(start).filter(isList)).toEqual([]);
  });

  it('plans against read-back objects as against listed ones (a gateway that stores schema defaults)', async () => {
    const oldApisix = await startAdminServer({
      apiKey: KEY,
      validate: (kind, body) => {
        const conf = body as Record<string, unknown>;
        if (kind === 'upstreams') Object.assign(conf, { hash_on: 'vars', scheme: 'http', pass_host: 'pass' });
        if (kind === 'routes') Object.assign(conf, { priority: 0, status: 1 });
        return null;
      },
    });
    try {
      fill(100, oldApisix);
      const target = gateway({ admin_url: oldApisix.url });
      expect(await syncTarget(snapshotOf(petstore), target)).toMatchObject({ status: 'applied' });
      const start = oldApisix.requests.length;
      const changed = snapshotOf({ ...petstore, nodes: '10.0.0.9', routes: { ...petstore.routes, list: { uri: '/pets', methods: ['GET', 'HEAD'] } } });
      expect(await syncTarget(changed, target)).toMatchObject({ status: 'applied', writes: 2, error: null });
      expect([...afterWrites(start, oldApisix)].sort()).toEqual(['GET /apisix/admin/routes/petstore.list', 'GET /apisix/admin/upstreams/petstore']);
      expect(await syncTarget(changed, target)).toMatchObject({ status: 'in-sync' });
    } finally {
      await oldApisix.close();
    }
  });

  it('reads the whole gateway to verify a restore, however small the plan', async () => {
    fill(100);
    await syncOk(snapshotOf(petstore, orders));
    const start = server.requests.length;
    server.faults.add({ method: 'PUT', path: '/apisix/admin/routes/petstore.list', times: Infinity, action: { kind: 'status', status: 500 } });
    const report = await syncTarget(snapshotOf({ ...petstore, version: '1.1.0' }, orders), gateway());
    expect(report).toMatchObject({ status: 'failed', error: { code: 'http-error' }, restore: { attempted: true, verified: true } });
    expect(afterWrites(start).filter(isList)).toHaveLength(KIND_NAMES.length);
  });
});

describe('readBack of an apisix target', () => {
  it('returns objects as read() does, and null for absent ones, in the order asked', async () => {
    server.seed('upstreams', 'u1', { nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }], type: 'roundrobin', create_time: 1, update_time: 2 });
    server.seed('routes', '7', { id: 7, uri: '/seven', upstream_id: 'u1' });
    server.seed('routes', 'r.a', { uris: ['/a'], upstream_id: 'u1', labels: labels('a', '1.0.0') });
    const target = gateway();
    const readBack = target.readBack?.bind(target);
    if (readBack === undefined) throw new Error('the apisix target has no readBack');
    const start = server.requests.length;
    const entries = await readBack(
      [
        { kind: 'routes', id: 'r.a' },
        { kind: 'routes', id: 'gone' },
        { kind: 'routes', id: '7' },
        { kind: 'upstreams', id: 'u1' },
      ],
      { concurrency: 2 },
    );
    const { config } = await target.read();
    const listed = (kind: ApisixKind, id: string) => config[kind].find((o) => o.id === id);
    expect(entries).toEqual([
      { kind: 'routes', id: 'r.a', object: listed('routes', 'r.a') },
      { kind: 'routes', id: 'gone', object: null },
      { kind: 'routes', id: '7', object: listed('routes', '7') },
      { kind: 'upstreams', id: 'u1', object: listed('upstreams', 'u1') },
    ]);
    expect(entries[2]?.object?.id).toBe('7');
    expect(entries[3]?.object).toMatchObject({ create_time: 1, update_time: 2 });
    expect(requestsSince(start).slice(0, 4).sort()).toEqual([
      'GET /apisix/admin/routes/7',
      'GET /apisix/admin/routes/gone',
      'GET /apisix/admin/routes/r.a',
      'GET /apisix/admin/upstreams/u1',
    ]);
  });
});
