/**
 * The sync scenarios, end to end: `runSync` on the bundled example repository, whose
 * staging group targets one gateway. On GitHub (.github/workflows/e2e.yml) the gateway is a real
 * `apache/apisix` — in etcd mode through the Admin API, and in API-driven standalone mode — named
 * by `TAGWAY_E2E_ADMIN_URL` / `TAGWAY_E2E_STANDALONE_URL` (see test/support/e2e-gateway.ts);
 * without them the same scenarios run against the in-process test servers. Only the data-plane
 * check needs a real APISIX and is skipped without one.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCompile } from '../src/app/compile.js';
import { runPublish } from '../src/app/publish.js';
import { runSync, type SyncOutcome, type SyncOptions } from '../src/app/sync.js';
import { configDigest } from '../src/compile/snapshot.js';
import { LABEL_GROUP, LABEL_MANAGED_BY, type ApisixKind, type ApisixObject } from '../src/model/apisix.js';
import { KIND_NAMES, kindNamed } from '../src/apisix/kinds/index.js';
import type { Snapshot } from '../src/model/snapshot.js';
import { resolveSecretReferences } from '../src/sync/secret-references.js';
import { describeGateway, e2eEnvironment, eventually, openGateway, SEEDED_LABEL, type E2eGateway, type GatewayKind } from './support/e2e-gateway.js';
import { makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';

const E2E = e2eEnvironment();
const GROUP = 'staging';
const KEY_VAR = 'TAGWAY_E2E_TARGET_KEY';
/** A real gateway needs a moment per request; a full scenario stays well below this. */
const SCENARIO_TIMEOUT = 60_000;

function stagingGroup(kind: GatewayKind, url: string, published = 'petstore: ^1.0\n  orders: 1.0.0\n  catalog: 1.0.0'): string {
  return `name: ${GROUP}\npublished:\n  ${published}\ntargets:\n  - name: e2e-1\n    kind: ${kind}\n    admin_url: ${url}\n    admin_key: env:${KEY_VAR}\n`;
}

function synced(outcome: SyncOutcome): Extract<SyncOutcome, { kind: 'synced' }> {
  if (outcome.kind !== 'synced') throw new Error(`expected a sync, got ${outcome.kind}`);
  return outcome;
}

/** The ids of each kind of a snapshot or of the group's objects on the gateway. */
async function ownedIds(gateway: E2eGateway): Promise<Record<ApisixKind, string[]>> {
  const out = {} as Record<ApisixKind, string[]>;
  for (const kind of KIND_NAMES) {
    const objects = await gateway.objects(kind);
    out[kind] = [...objects.entries()]
      .filter(([, o]) => kindNamed(kind).ownership.claimedBy(o as ApisixObject) === GROUP)
      .map(([id]) => id)
      .sort();
  }
  return out;
}

function snapshotIds(snapshot: Snapshot): Record<ApisixKind, string[]> {
  const out = {} as Record<ApisixKind, string[]>;
  for (const kind of KIND_NAMES) out[kind] = snapshot.apisix[kind].map((o) => o.id).sort();
  return out;
}

function objectCount(snapshot: Snapshot): number {
  return KIND_NAMES.reduce((n, kind) => n + snapshot.apisix[kind].length, 0);
}

for (const kind of ['apisix', 'apisix-standalone'] as const) {
  describe(`sync scenarios: ${kind} target on ${describeGateway(kind, E2E)}`, { timeout: SCENARIO_TIMEOUT }, () => {
    let gateway: E2eGateway;
    let repo: TempRepo;
    let snapshot: Snapshot;
    /** Writes per applied change: one per object for the Admin API, one PUT for standalone. */
    const writesFor = (objects: number) => (kind === 'apisix' ? objects : 1);
    const sync = async (extra: Partial<SyncOptions> = {}) =>
      synced(await runSync({ cwd: repo.dir, group: GROUP, env: { [KEY_VAR]: gateway.key }, ...extra }));

    beforeAll(async () => {
      gateway = await openGateway(kind, E2E);
      await gateway.clear(GROUP);
      repo = makeExampleRepo({ 'gateway-groups/staging/group.yaml': stagingGroup(kind, gateway.url) });
      const compiled = await runCompile({ cwd: repo.dir, outDir: 'dist' });
      const found = compiled.snapshots.find((s) => s.group === GROUP);
      if (found === undefined) throw new Error('the example does not compile');
      snapshot = found;
    }, SCENARIO_TIMEOUT);
    afterAll(async () => {
      await gateway?.clear(GROUP);
      await gateway?.close();
      repo?.cleanup();
    }, SCENARIO_TIMEOUT);

    it('first sync to an empty gateway creates every object of the snapshot', async () => {
      const outcome = await sync();
      expect(outcome.ok).toBe(true);
      expect(outcome.report.targets).toMatchObject([
        { target: 'e2e-1', status: 'applied', writes: writesFor(objectCount(snapshot)), plan: { create: objectCount(snapshot), update: 0, delete: 0 } },
      ]);
      expect(await ownedIds(gateway)).toEqual(snapshotIds(snapshot));
    });

    /** The digest a sync gives the snapshot, whose references (the example's certificate files) it resolves. */
    const resolvedDigest = () => resolveSecretReferences(snapshot, { env: {}, root: repo.dir }).snapshot.digest;

    it('a second sync of the same snapshot writes nothing', async () => {
      const outcome = await sync();
      expect(outcome.report.targets).toMatchObject([
        { status: 'in-sync', writes: 0, plan: { create: 0, update: 0, delete: 0, unchanged: objectCount(snapshot) }, runs: { state: 'snapshot', digest: resolvedDigest() } },
      ]);
    });

    it('a one-route change makes exactly one write, and syncing the repository again undoes it', async () => {
      const apisix = {
        ...snapshot.apisix,
        routes: snapshot.apisix.routes.map((r) => (r.id === 'petstore.list-pets' ? { ...r, methods: ['GET', 'HEAD'] } : r)),
      };
      const changed = { ...snapshot, apisix, digest: configDigest(apisix) };
      const file = path.join(repo.dir, 'dist', 'one-route.json');
      fs.writeFileSync(file, JSON.stringify(changed));

      const outcome = await sync({ snapshotFile: file });
      expect(outcome.report.targets).toMatchObject([{ status: 'applied', writes: 1 }]);
      expect(outcome.report.targets[0]?.steps).toEqual([{ op: 'update', kind: 'routes', id: 'petstore.list-pets', fields: ['/methods'] }]);
      expect((await gateway.objects('routes')).get('petstore.list-pets')?.['methods']).toEqual(['GET', 'HEAD']);

      const back = await sync();
      expect(back.report.targets).toMatchObject([{ status: 'applied', writes: 1, plan: { update: 1, create: 0, delete: 0 } }]);
      expect((await gateway.objects('routes')).get('petstore.list-pets')?.['methods']).toEqual(['GET']);
    });

    it('a new version that changes one route writes that route and the service object, nothing else', async () => {
      // Through git, as an operator does it: edit the template, commit, publish; staging tracks ^1.0.
      const template = 'services/petstore/service.yaml';
      const before = repo.read(template);
      repo.write(template, before.replace(/(- name: list-pets\n(?: {4}.*\n)*? {4}methods: )\[GET\]/, '$1[GET, HEAD]'));
      expect(repo.read(template)).not.toBe(before);
      repo.commit('petstore: list-pets answers HEAD');
      const published = await runPublish({ cwd: repo.dir, service: 'petstore', version: '1.2.0', author: 'Reader <reader@example.com>' });
      expect(published.ok).toBe(true);

      const outcome = await sync();
      expect(outcome.report.targets).toMatchObject([{ status: 'applied', writes: writesFor(2), plan: { create: 0, update: 2, delete: 0 } }]);
      expect(outcome.report.targets[0]?.steps).toEqual([
        { op: 'update', kind: 'services', id: 'petstore', fields: ['/labels/tagway.version'] },
        { op: 'update', kind: 'routes', id: 'petstore.list-pets', fields: ['/methods'] },
      ]);
      expect(outcome.report.targets[0]?.runs.services).toContainEqual({ name: 'petstore', version: '1.2.0' });
      expect((await gateway.objects('routes')).get('petstore.list-pets')?.['methods']).toEqual(['GET', 'HEAD']);
    });

    it('removing a service from the group deletes its objects, routes first', async () => {
      const groupFile = 'gateway-groups/staging/group.yaml';
      const before = repo.read(groupFile);
      repo.write(groupFile, stagingGroup(kind, gateway.url, 'petstore: ^1.0\n  orders: 1.0.0'));
      try {
        const outcome = await sync();
        expect(outcome.report.targets).toMatchObject([{ status: 'applied', writes: writesFor(4), plan: { delete: 4, create: 0, update: 0 } }]);
        expect(outcome.report.targets[0]?.steps).toEqual([
          { op: 'delete', kind: 'routes', id: 'catalog.products' },
          { op: 'delete', kind: 'routes', id: 'catalog.search' },
          { op: 'delete', kind: 'services', id: 'catalog' },
          { op: 'delete', kind: 'upstreams', id: 'catalog' },
        ]);
        const ids = await ownedIds(gateway);
        for (const k of KIND_NAMES) expect(ids[k].filter((id) => id === 'catalog' || id.startsWith('catalog.'))).toEqual([]);
      } finally {
        repo.write(groupFile, before);
      }
      expect((await sync()).report.targets).toMatchObject([{ status: 'applied', plan: { create: 4 } }]);
    });

    it('an unowned object in the way stops the sync before any write; once adopted, the sync goes through', async () => {
      await gateway.clear(GROUP);
      const unowned = { uri: '/someone-elses', upstream: { type: 'roundrobin', nodes: { '127.0.0.1:1980': 1 } }, labels: { [SEEDED_LABEL]: 'unowned' } };
      await gateway.put('routes', 'petstore.pet', unowned);

      const blocked = await sync();
      expect(blocked.ok).toBe(false);
      expect(blocked.report.targets).toMatchObject([{ status: 'failed', writes: 0, error: { code: 'conflict' }, restore: null }]);
      expect(blocked.report.targets[0]?.conflicts).toMatchObject([{ code: 'unowned', kind: 'routes', id: 'petstore.pet' }]);
      expect(await ownedIds(gateway)).toEqual({ secrets: [], upstreams: [], consumer_groups: [], consumers: [], ssls: [], global_rules: [], plugin_metadata: [], plugin_configs: [], stream_routes: [], services: [], routes: [] });
      expect((await gateway.objects('routes')).get('petstore.pet')).toMatchObject({ uri: '/someone-elses' });

      // Adopting, as the conflict's hint says: add the two ownership labels on the gateway.
      const live = (await gateway.objects('routes')).get('petstore.pet') ?? {};
      await gateway.put('routes', 'petstore.pet', { ...live, labels: { [LABEL_MANAGED_BY]: 'tagway', [LABEL_GROUP]: GROUP } });
      const adopted = await sync();
      expect(adopted.ok).toBe(true);
      expect(adopted.report.targets[0]?.steps).toContainEqual(expect.objectContaining({ op: 'update', kind: 'routes', id: 'petstore.pet' }));
      expect(await ownedIds(gateway)).toEqual(snapshotIds(snapshot));
      const route = (await gateway.objects('routes')).get('petstore.pet');
      expect(route).toMatchObject({ service_id: 'petstore', uris: ['/pets/*'] });
      expect(route?.['uri']).toBeUndefined();
    });
  });
}

describe.skipIf(E2E.adminUrl === undefined || E2E.proxyUrl === undefined)(
  'the data plane serves what was synced (needs a real APISIX: set TAGWAY_E2E_ADMIN_URL, TAGWAY_E2E_ADMIN_KEY and TAGWAY_E2E_PROXY_URL)',
  { timeout: SCENARIO_TIMEOUT },
  () => {
    let gateway: E2eGateway;
    let repo: TempRepo;
    const proxy = (E2E.proxyUrl ?? '').replace(/\/+$/, '');
    /** Status of one request to the data plane; node:http, because fetch may not send a Host of our choosing. */
    const status = (method: string, urlPath: string, host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(`${proxy}${urlPath}`, { method, headers: { host }, timeout: 5_000 }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: no answer within 5 s`)));
        req.on('error', reject);
        req.end();
      });

    beforeAll(async () => {
      gateway = await openGateway('apisix', E2E);
      await gateway.clear(GROUP);
      repo = makeExampleRepo({ 'gateway-groups/staging/group.yaml': stagingGroup('apisix', gateway.url) });
    }, SCENARIO_TIMEOUT);
    afterAll(async () => {
      await gateway?.clear(GROUP);
      await gateway?.close();
      repo?.cleanup();
    }, SCENARIO_TIMEOUT);

    it('routes appear on the data plane after a sync and disappear after their removal', async () => {
      const env = { [KEY_VAR]: gateway.key };
      // orders runs key-auth, so a request without a key is answered 401 by the gateway itself.
      const orders = () => status('POST', '/orders/', 'api.staging.example.com');
      // The data plane follows etcd a moment behind the Admin API (the scenarios above just cleared it).
      expect(await eventually(async () => (await orders()) === 404)).toBe(true);
      expect(synced(await runSync({ cwd: repo.dir, group: GROUP, env })).ok).toBe(true);
      expect(await eventually(async () => (await orders()) === 401)).toBe(true);

      repo.write('gateway-groups/staging/group.yaml', stagingGroup('apisix', gateway.url, 'petstore: ^1.0\n  catalog: 1.0.0'));
      expect(synced(await runSync({ cwd: repo.dir, group: GROUP, env })).ok).toBe(true);
      expect(await eventually(async () => (await orders()) === 404)).toBe(true);
    });
  },
);
