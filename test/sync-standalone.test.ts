/**
 * The `apisix-standalone` target against the API-driven standalone test server: one PUT of the
 * whole configuration, foreign objects kept, versions that only increase.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { emptyConfig } from '../src/apisix/kinds/index.js';
import { canonicalJson, sha256Digest, sortKeys } from '../src/core/canonical.js';
import type { ApisixConfig } from '../src/model/apisix.js';
import { syncTarget } from '../src/sync/sync.js';
import { closeTargets, createTargets } from '../src/sync/targets/create.js';
import type { Target } from '../src/sync/targets/port.js';
import { startStandaloneServer, type StandaloneServer } from './support/apisix-standalone-server.js';
import type { SyncSnapshot } from '../src/sync/report.js';

const KEY = 'f0f0f0f0-standalone-key';

const labels = (service: string, version: string) => ({
  'managed-by': 'tagway',
  'tagway.group': 'edge',
  'tagway.service': service,
  'tagway.version': version,
});

function snapshotOf(version: string, paths: readonly string[] = ['/pets']): SyncSnapshot {
  const l = labels('petstore', version);
  const apisix: ApisixConfig = sortKeys({
    ...emptyConfig(), upstreams: [{ id: 'petstore', labels: l, nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }], type: 'roundrobin' }],
    services: [{ id: 'petstore', labels: l, upstream_id: 'petstore' }],
    routes: paths.map((uri, i) => ({ id: `petstore.r${i}`, labels: l, service_id: 'petstore', uris: [uri] })),
  });
  return { group: 'edge', apisix, digest: sha256Digest(canonicalJson(apisix)) };
}

let server: StandaloneServer;
let targets: Target[] = [];

function edge(): Target {
  const [target] = createTargets([{ kind: 'apisix-standalone', name: 'edge-1', admin_url: server.url, admin_key: 'env:EDGE_KEY' }], {
    env: { EDGE_KEY: KEY },
    root: '.',
    retry: { maxAttempts: 3 },
    runtime: { sleep: async () => {}, random: () => 0 },
  });
  targets.push(target as Target);
  return target as Target;
}

/** Another owner's configuration, written straight to the instance. */
async function putForeign(config: Record<string, unknown>, digest: string): Promise<void> {
  const res = await fetch(`${server.url}/apisix/admin/configs`, {
    method: 'PUT',
    headers: { 'x-api-key': KEY, 'x-digest': digest, 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  expect(res.status).toBe(202);
}

const versions = (config: Record<string, unknown>) =>
  Object.fromEntries(['routes', 'services', 'upstreams', 'consumers'].map((k) => [k, config[`${k}_conf_version`]]));

beforeAll(async () => {
  server = await startStandaloneServer({ apiKey: KEY });
});
afterEach(async () => {
  await closeTargets(targets);
  targets = [];
  server.reset();
});
afterAll(async () => {
  await server.close();
});

describe('sync to an apisix-standalone instance', () => {
  it('writes the snapshot in one PUT with its digest, then writes nothing on a second sync', async () => {
    const snapshot = snapshotOf('1.0.0');
    const report = await syncTarget(snapshot, edge());
    expect(report).toMatchObject({ status: 'applied', writes: 1, runs: { state: 'snapshot', digest: snapshot.digest } });
    expect(server.requests.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual(['/apisix/admin/configs']);
    expect(server.digest()).toBe(snapshot.digest);
    const config = server.config();
    expect({ ...emptyConfig(), upstreams: config.upstreams, services: config.services, routes: config.routes }).toEqual(snapshot.apisix);

    const writes = server.writes();
    expect(await syncTarget(snapshot, edge())).toMatchObject({ status: 'in-sync', writes: 0 });
    expect(server.writes()).toBe(writes);
  });

  it('keeps the objects of other owners and only ever increases conf versions', async () => {
    await putForeign(
      {
        routes: [{ id: 'legacy', uri: '/legacy', upstream_id: 'legacy' }],
        upstreams: [{ id: 'legacy', nodes: [{ host: '10.9.9.9', port: 80, weight: 1 }], type: 'roundrobin' }],
        consumers: [{ username: 'jack' }],
      },
      'someone-else',
    );
    const start = versions(server.config());

    const v1 = snapshotOf('1.0.0');
    expect(await syncTarget(v1, edge())).toMatchObject({ status: 'applied' });
    const afterV1 = server.config();
    expect((afterV1.routes as Array<{ id: string }>).map((r) => r.id)).toEqual(['legacy', 'petstore.r0']);
    expect((afterV1.upstreams as Array<{ id: string }>).map((r) => r.id)).toEqual(['legacy', 'petstore']);
    expect(afterV1.consumers).toEqual([{ username: 'jack' }]);
    expect(versions(afterV1)).toEqual({ routes: start.routes as number + 1, services: start.services as number + 1, upstreams: start.upstreams as number + 1, consumers: start.consumers });

    // Only the routes change in v2: only their version moves.
    const v2 = snapshotOf('1.0.0', ['/pets', '/pets/*']);
    expect(await syncTarget(v2, edge())).toMatchObject({ status: 'applied', plan: { create: 1, update: 0 } });
    const afterV2 = server.config();
    expect(versions(afterV2)).toEqual({ ...versions(afterV1), routes: (versions(afterV1).routes as number) + 1 });
    expect((afterV2.routes as Array<{ id: string }>).map((r) => r.id)).toEqual(['legacy', 'petstore.r0', 'petstore.r1']);
    expect(server.digest()).toBe(v2.digest);
  });

  it('stops on an unowned object at a needed id without writing', async () => {
    await putForeign({ routes: [{ id: 'petstore.r0', uri: '/mine', upstream_id: 'x' }] }, 'someone-else');
    const writes = server.writes();
    const report = await syncTarget(snapshotOf('1.0.0'), edge());
    expect(report).toMatchObject({ status: 'failed', error: { code: 'conflict' }, conflicts: [{ code: 'unowned', kind: 'routes', id: 'petstore.r0' }] });
    expect(server.writes()).toBe(writes);
  });

  it('retries a transient 503 on the PUT', async () => {
    server.faults.add({ method: 'PUT', action: { kind: 'status', status: 503 } });
    expect(await syncTarget(snapshotOf('1.0.0'), edge())).toMatchObject({ status: 'applied' });
    expect(server.digest()).toBe(snapshotOf('1.0.0').digest);
  });

  it('leaves the instance on the previous configuration when the PUT keeps failing', async () => {
    const v1 = snapshotOf('1.0.0');
    await syncTarget(v1, edge());
    server.faults.add({ method: 'PUT', times: Infinity, action: { kind: 'status', status: 500 } });
    const report = await syncTarget(snapshotOf('1.1.0'), edge());
    expect(report).toMatchObject({
      status: 'failed',
      runs: { state: 'previous', digest: v1.digest, services: [{ name: 'petstore', version: '1.0.0' }] },
      error: { code: 'http-error', request: { method: 'PUT', path: '/apisix/admin/configs', status: 500, attempts: 3 } },
      restore: { attempted: false, verified: true },
    });
    expect(server.digest()).toBe(v1.digest);
  });

  it('reports an instance that keeps the digest but not the objects', async () => {
    const v1 = snapshotOf('1.0.0');
    await putForeign({ routes: [{ id: 'legacy', uri: '/legacy', upstream_id: 'legacy' }] }, v1.digest);
    const report = await syncTarget(v1, edge());
    expect(report).toMatchObject({ status: 'failed', writes: 0, error: { code: 'stale-digest' } });
  });

  it('stops before its PUT when another run changed the group between its read and its write', async () => {
    const v1 = snapshotOf('1.0.0');
    await syncTarget(v1, edge());
    const mine = edge();
    // This run reads and plans; another run of the group writes 3.0.0 before this one writes.
    const racing: Target = {
      name: mine.name,
      kind: mine.kind,
      read: () => mine.read(),
      apply: async (plan, ctx) => {
        expect((await syncTarget(snapshotOf('3.0.0', ['/pets', '/toys']), edge())).status).toBe('applied');
        return mine.apply(plan, ctx);
      },
      close: () => mine.close(),
    };
    const report = await syncTarget(snapshotOf('2.0.0'), racing);
    expect(report).toMatchObject({ status: 'failed', writes: 0, error: { code: 'conflict' } });
    expect(report.error?.message).toContain('changed since this run read them');
    expect(report.error?.message).toContain(snapshotOf('3.0.0', ['/pets', '/toys']).digest);
    // The other run's configuration is left whole, not merged with this one's.
    expect(server.digest()).toBe(snapshotOf('3.0.0', ['/pets', '/toys']).digest);
    expect((server.config().routes as unknown[]).length).toBe(2);
  });

  it('reports the digest it holds without reading the configuration', async () => {
    const v1 = snapshotOf('1.0.0');
    const target = edge();
    expect(await target.reportedDigest?.()).toBeNull();
    await syncTarget(v1, target);
    const start = server.requests.length;
    expect(await target.reportedDigest?.()).toBe(v1.digest);
    expect(server.requests.slice(start).map((r) => `${r.method} ${r.path}`)).toEqual(['HEAD /apisix/admin/configs']);
  });

  it('reports a wrong key as an authentication failure without the key', async () => {
    const [target] = createTargets([{ kind: 'apisix-standalone', name: 'edge-1', admin_url: server.url, admin_key: 'env:EDGE_KEY' }], {
      env: { EDGE_KEY: 'wrong-key-42' },
      root: '.',
    });
    targets.push(target as Target);
    const report = await syncTarget(snapshotOf('1.0.0'), target as Target);
    expect(report).toMatchObject({ status: 'failed', error: { code: 'auth', request: { status: 401, attempts: 1 } } });
    expect(JSON.stringify(report)).not.toContain('wrong-key-42');
    expect(server.requests).toHaveLength(1);
  });
});
