/**
 * Adding a kind needs no edit in the sync engine, the targets, the renderers or the test servers:
 * this file registers a fourth kind (test/support/widgets-kind.ts) the way a kind module is
 * registered, by adding it to src/apisix/kinds/registry.ts (here through a module mock), and
 * runs it through the planner, the three targets against the test servers, the snapshot's two
 * files and the diff, with no other change to any of them.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { canonicalJson, sha256Digest, sortKeys } from '../src/core/canonical.js';
import type { ApisixConfig, ApisixKind, ApisixObject } from '../src/model/apisix.js';
import { KINDS, KINDS_TO_DELETE, KIND_NAMES, emptyConfig, kindNamed } from '../src/apisix/kinds/index.js';
import { renderStandaloneYaml } from '../src/apisix/standalone-yaml.js';
import { assembleSnapshot, renderPieces, renderSnapshotJson, renderSnapshotStandalone, snapshotCounts, snapshotJsonText } from '../src/compile/snapshot.js';
import { diffObjects } from '../src/diff/objects.js';
import { MASKED } from '../src/secrets/classify.js';
import { SNAPSHOT_FORMAT, type Snapshot } from '../src/model/snapshot.js';
import { applyPlanToConfig, planSync } from '../src/sync/plan.js';
import { syncTarget } from '../src/sync/sync.js';
import { closeTargets, createTargets } from '../src/sync/targets/create.js';
import type { Target } from '../src/sync/targets/port.js';
import type { SyncSnapshot } from '../src/sync/report.js';
import type { TargetSpec } from '../src/model/target.js';
import { isLeaseRequest, startAdminServer, type AdminServer, type ServerKind } from './support/apisix-admin-server.js';
import { startStandaloneServer, type StandaloneServer } from './support/apisix-standalone-server.js';
import { widgetOwner } from './support/widgets-kind.js';

vi.mock('../src/apisix/kinds/registry.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/apisix/kinds/registry.js')>();
  const { WIDGETS } = await import('./support/widgets-kind.js');
  return { REGISTRY: { ...real.REGISTRY, widgets: WIDGETS } };
});

const GROUP = 'staging';
const KEY = 'widgets-test-key';
const WIDGETS = 'widgets' as ApisixKind;
const labels = { 'managed-by': 'tagway', 'tagway.group': GROUP, 'tagway.service': 'petstore', 'tagway.version': '1.0.0' };

/** A widget of the group: its id is its `key`, its owner is in `desc`. */
function widget(key: string, extra: Record<string, unknown> = {}): ApisixObject {
  return { id: key, key, desc: widgetOwner(GROUP), upstream_id: 'petstore', ...extra };
}

/** A small snapshot of the three real kinds, plus `widgets`. */
function snapshotOf(widgets: readonly ApisixObject[]): SyncSnapshot {
  const apisix = sortKeys({
    ...emptyConfig(),
    upstreams: [{ id: 'petstore', labels, nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }], type: 'roundrobin' }],
    services: [{ id: 'petstore', labels, upstream_id: 'petstore' }],
    routes: [{ id: 'petstore.list', labels, service_id: 'petstore', uris: ['/pets'] }],
    [WIDGETS]: [...widgets].sort((a, b) => (a.id < b.id ? -1 : 1)),
  }) as ApisixConfig;
  return { group: GROUP, apisix, digest: sha256Digest(canonicalJson(apisix)) };
}

const v1 = snapshotOf([widget('w1', { pin: '1234' }), widget('w2')]);
const v2 = snapshotOf([widget('w1', { pin: '1234' })]);

function live(config: Partial<Record<string, readonly ApisixObject[]>>): ApisixConfig {
  return { ...emptyConfig(), ...config } as ApisixConfig;
}

describe('a fourth registered kind', () => {
  it('joins the registry in the order its references give: created last, deleted first', () => {
    expect(KIND_NAMES).toEqual(['plugin_metadata', 'secrets', 'ssls', 'upstreams', 'consumer_groups', 'consumers', 'global_rules', 'plugin_configs', 'services', 'routes', 'stream_routes', 'widgets']);
    expect(KINDS_TO_DELETE.map((k) => k.name)).toEqual(['widgets', 'stream_routes', 'routes', 'services', 'plugin_configs', 'global_rules', 'consumers', 'consumer_groups', 'upstreams', 'ssls', 'secrets', 'plugin_metadata']);
    expect(kindNamed(WIDGETS).singular).toBe('widget');
  });

  describe('the planner', () => {
    it('creates its objects after the kinds they refer to, and deletes them first', () => {
      const first = planSync(v1, emptyConfig());
      expect(first.steps.map((s) => `${s.op} ${s.kind}/${s.id}`)).toEqual([
        'create upstreams/petstore',
        'create services/petstore',
        'create routes/petstore.list',
        'create widgets/w1',
        'create widgets/w2',
      ]);
      const onGateway = applyPlanToConfig(emptyConfig(), first);
      expect(onGateway[WIDGETS].map((o) => o.id)).toEqual(['w1', 'w2']);
      expect(planSync(v1, onGateway).steps).toEqual([]);
      const smaller = planSync({ ...v2, apisix: { ...v2.apisix, routes: [] } }, onGateway);
      expect(smaller.steps.map((s) => `${s.op} ${s.kind}/${s.id}`)).toEqual(['delete widgets/w2', 'delete routes/petstore.list']);
    });

    it('decides ownership by the kind rule: an object it does not claim is a conflict, with the rule hint', () => {
      const foreign = { id: 'w2', key: 'w2', desc: 'made by hand' };
      const plan = planSync(v1, live({ ...v1.apisix, [WIDGETS]: [v1.apisix[WIDGETS][0]!, foreign] }));
      expect(plan.conflicts).toEqual([
        expect.objectContaining({ code: 'unowned', kind: WIDGETS, id: 'w2', hint: expect.stringContaining('set the desc of widget w2 to "tagway:staging"') }),
      ]);
      const other = planSync(v1, live({ ...v1.apisix, [WIDGETS]: [v1.apisix[WIDGETS][0]!, { ...foreign, desc: widgetOwner('prod') }] }));
      expect(other.conflicts).toEqual([expect.objectContaining({ code: 'other-group', message: 'widget w2 on the target belongs to tagway group prod, not staging' })]);
    });

    it('ignores its server fields and its schema defaults', () => {
      const stored = v1.apisix[WIDGETS].map((o) => ({ ...o, create_time: 1, update_time: 2, enabled: true }));
      expect(planSync(v1, live({ ...v1.apisix, [WIDGETS]: stored })).steps).toEqual([]);
    });

    it('follows its references: an upstream a foreign widget still uses is not deleted', () => {
      const legacy = { id: 'legacy', labels, nodes: [], type: 'roundrobin' };
      const using = { id: 'w9', key: 'w9', upstream_id: 'legacy' };
      const plan = planSync(v1, live({ ...v1.apisix, upstreams: [legacy, ...v1.apisix.upstreams], [WIDGETS]: [...v1.apisix[WIDGETS], using] }));
      expect(plan.conflicts).toEqual([
        expect.objectContaining({ code: 'still-referenced', kind: 'upstreams', id: 'legacy', referencedBy: { kind: WIDGETS, id: 'w9' } }),
      ]);
    });
  });

  describe('the targets', () => {
    let admin: AdminServer;
    let standalone: StandaloneServer;
    let dir: string;
    let targets: Target[] = [];

    const target = (spec: TargetSpec): Target => {
      const [made] = createTargets([spec], { env: { KEY }, root: dir, retry: { maxAttempts: 2 }, runtime: { sleep: async () => {}, random: () => 0 } });
      targets.push(made!);
      return made!;
    };

    beforeAll(async () => {
      admin = await startAdminServer({ apiKey: KEY });
      standalone = await startStandaloneServer({ apiKey: KEY });
      dir = await mkdtemp(join(tmpdir(), 'tagway-extra-kind-'));
    });
    afterEach(async () => {
      await closeTargets(targets);
      targets = [];
      admin.reset();
      standalone.reset();
    });
    afterAll(async () => {
      await admin.close();
      await standalone.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('apisix: writes it at its Admin API path, keyed by its id field, and reads it back', async () => {
      const gateway = () => target({ kind: 'apisix', name: 'eu-1', admin_url: admin.url, admin_key: 'env:KEY' });
      expect(await syncTarget(v1, gateway())).toMatchObject({ status: 'applied', writes: 5, error: null });
      const puts = admin.requests.filter((r) => r.method === 'PUT').map((r) => r.path);
      expect(puts.slice(-2)).toEqual(['/apisix/admin/widgets/w1', '/apisix/admin/widgets/w2']);
      const stored = admin.objects(WIDGETS as ServerKind).get('w1')!;
      expect(stored).toMatchObject({ key: 'w1', desc: widgetOwner(GROUP), pin: '1234' });
      expect(stored).not.toHaveProperty('id');
      expect(await syncTarget(v1, gateway())).toMatchObject({ status: 'in-sync', writes: 0 });
      expect(await syncTarget(v2, gateway())).toMatchObject({ status: 'applied', writes: 1 });
      expect(admin.requests.filter((r) => r.method !== 'GET' && !isLeaseRequest(r)).at(-1)).toMatchObject({ method: 'DELETE', path: '/apisix/admin/widgets/w2' });
      expect([...admin.objects(WIDGETS as ServerKind).keys()]).toEqual(['w1']);
    });

    it('apisix: a failed write of it is undone with the rest of the run', async () => {
      const gateway = () => target({ kind: 'apisix', name: 'eu-1', admin_url: admin.url, admin_key: 'env:KEY' });
      admin.faults.add({ method: 'PUT', path: '/apisix/admin/widgets/w2', times: Infinity, action: { kind: 'status', status: 400, body: { error_msg: 'no' } } });
      const report = await syncTarget(v1, gateway());
      expect(report).toMatchObject({ status: 'failed', restore: { attempted: true, ok: true, verified: true } });
      for (const kind of KINDS) expect(admin.objects(kind.name as ServerKind).size).toBe(0);
      const deletes = admin.requests.filter((r) => r.method === 'DELETE' && !isLeaseRequest(r)).map((r) => r.path);
      expect(deletes).toEqual(['/apisix/admin/widgets/w1', '/apisix/admin/routes/petstore.list', '/apisix/admin/services/petstore', '/apisix/admin/upstreams/petstore']);
    });

    it('apisix-standalone: sends it under its standalone key with its own conf version', async () => {
      const edge = () => target({ kind: 'apisix-standalone', name: 'edge-1', admin_url: standalone.url, admin_key: 'env:KEY' });
      expect(await syncTarget(v1, edge())).toMatchObject({ status: 'applied', writes: 1, error: null });
      const config = standalone.config();
      expect(config.widgets).toEqual(v1.apisix[WIDGETS].map(({ id: _id, ...body }) => body));
      expect(config.widgets_conf_version).toBe(1);
      expect(await syncTarget(v1, edge())).toMatchObject({ status: 'in-sync', writes: 0 });
      expect(await syncTarget(v2, edge())).toMatchObject({ status: 'applied', writes: 1 });
      expect(standalone.config()).toMatchObject({ widgets_conf_version: 2, upstreams_conf_version: 1 });
    });

    it('file: writes its list into apisix.yaml and reads it back', async () => {
      const file = () => target({ kind: 'file', name: 'local', path: 'apisix.yaml' });
      expect(await syncTarget(v1, file())).toMatchObject({ status: 'applied', writes: 1, error: null });
      const text = await readFile(join(dir, 'apisix.yaml'), 'utf8');
      expect(text).toBe(renderStandaloneYaml(v1.apisix));
      expect(text).toContain('widgets:\n  - desc: tagway:staging\n    key: w1\n');
      expect(await syncTarget(v1, file())).toMatchObject({ status: 'in-sync', writes: 0 });
    });
  });

  it('gets its list in both files of a snapshot, in each file order', () => {
    const pieces = KINDS.flatMap((kind) => renderPieces('petstore', kind, v1.apisix[kind.name]));
    const snapshot = assembleSnapshot(GROUP, [], pieces, { commit: null, draft: false });
    const whole = { apisix: v1.apisix, digest: snapshot.snapshot.digest, draft: false, format: SNAPSHOT_FORMAT, group: GROUP, provenance: { commit: null, services: [] } };
    expect(snapshot.snapshot.digest).toBe(v1.digest);
    expect(renderSnapshotJson(snapshot)).toBe(snapshotJsonText(whole as unknown as Snapshot));
    expect(renderSnapshotStandalone(snapshot)).toBe(renderStandaloneYaml(v1.apisix));
    expect(snapshotCounts(snapshot)).toEqual({ plugin_metadata: 0, secrets: 0, ssls: 0, upstreams: 1, consumer_groups: 0, consumers: 0, global_rules: 0, plugin_configs: 0, services: 1, routes: 1, stream_routes: 0, widgets: 2 });
  });

  it('is diffed with its declared secret fields masked', () => {
    const changed = snapshotOf([widget('w1', { pin: '9999' }), widget('w2')]);
    const [diff] = diffObjects(v1.apisix, changed.apisix);
    expect(diff).toMatchObject({ kind: WIDGETS, id: 'w1', change: 'changed', fields: [{ path: '/pin', before: MASKED, after: '<masked, changed>', masked: true }] });
  });
});
