/**
 * Rolling a snapshot out to a group's fleet: batches, halting at the first failed batch, what the
 * report says each target runs, credentials checked before any request, drift across the fleet.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Digest, sortKeys } from '../src/compile/canonical.js';
import type { ApisixConfig } from '../src/model/apisix.js';
import type { TargetSpec } from '../src/model/target.js';
import { checkDrift } from '../src/sync/drift.js';
import { SyncError } from '../src/sync/errors.js';
import { syncGroup, type SyncGroupOptions } from '../src/sync/rollout.js';
import type { SyncSnapshot } from '../src/sync/sync.js';
import { startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { startStandaloneServer, type StandaloneServer } from './support/apisix-standalone-server.js';

const KEYS = { EU1_KEY: 'key-one-1111111111', EU2_KEY: 'key-two-2222222222', EU3_KEY: 'key-three-33333333' };

function snapshotOf(version: string): SyncSnapshot {
  const l = { 'managed-by': 'tagway', 'tagway.group': 'production', 'tagway.service': 'petstore', 'tagway.version': version };
  const apisix: ApisixConfig = sortKeys({
    upstreams: [{ id: 'petstore', labels: l, nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }], type: 'roundrobin' }],
    services: [{ id: 'petstore', labels: l, upstream_id: 'petstore' }],
    routes: [{ id: 'petstore.list', labels: l, service_id: 'petstore', uris: ['/pets'], methods: ['GET'] }],
  });
  return { group: 'production', apisix, digest: sha256Digest(canonicalJson(apisix)) };
}

const v1 = snapshotOf('1.0.0');
const v2 = snapshotOf('2.0.0');

let gateways: AdminServer[];
let specs: TargetSpec[];
let sleeps = 0;

function options(extra: Partial<SyncGroupOptions> = {}): SyncGroupOptions {
  return {
    env: KEYS,
    root: '.',
    retry: { maxAttempts: 3 },
    runtime: {
      sleep: async () => {
        sleeps += 1;
      },
    },
    ...extra,
  };
}

beforeAll(async () => {
  gateways = await Promise.all([1, 2, 3].map(() => startAdminServer({ apiKey: null })));
  specs = gateways.map((g, i) => ({ kind: 'apisix', name: `eu-${i + 1}`, admin_url: g.url, admin_key: `env:EU${i + 1}_KEY` }));
});
afterEach(() => {
  for (const g of gateways) g.reset();
  sleeps = 0;
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
});

describe('fleet rollout', () => {
  it('syncs every target, then finds every target in sync', async () => {
    const first = await syncGroup(v1, specs, options());
    expect(first).toMatchObject({ ok: true, halted: null, counts: { applied: 3 } });
    const second = await syncGroup(v1, specs, options());
    expect(second).toMatchObject({ ok: true, counts: { 'in-sync': 3 } });
  });

  it('halts at the first failed target, skips the rest, and says which digest each one runs', async () => {
    await syncGroup(v1, specs, options());
    gateways[1]?.faults.add({ method: 'PUT', path: '/apisix/admin/routes/', times: Infinity, action: { kind: 'status', status: 503 } });
    const report = await syncGroup(v2, specs, options());
    expect(report.ok).toBe(false);
    expect(report.halted).toEqual({ batch: 2, failed: ['eu-2'] });
    expect(report.counts).toEqual({ 'in-sync': 0, applied: 1, failed: 1, skipped: 1, unreachable: 0 });
    expect(report.targets.map((t) => [t.target, t.status, t.runs.state, t.runs.digest, t.runs.services])).toEqual([
      ['eu-1', 'applied', 'snapshot', v2.digest, [{ name: 'petstore', version: '2.0.0' }]],
      ['eu-2', 'failed', 'previous', null, [{ name: 'petstore', version: '1.0.0' }]],
      ['eu-3', 'skipped', 'previous', null, [{ name: 'petstore', version: '1.0.0' }]],
    ]);
    expect(report.targets[1]).toMatchObject({ restore: { verified: true }, error: { code: 'http-error', request: { method: 'PUT' } } });
    expect(gateways[2]?.objectWrites()).toBe(3); // the v1 sync only: the skipped target was read, never written (its lease aside)
  });

  it('syncs a batch concurrently and halts after it when one of its targets fails', async () => {
    gateways[0]?.faults.add({ method: 'PUT', times: Infinity, action: { kind: 'status', status: 500 } });
    const report = await syncGroup(v1, specs, options({ rollout: { batch_size: 2 } }));
    expect(report.targets.map((t) => t.status)).toEqual(['failed', 'applied', 'skipped']);
    expect(report.halted).toEqual({ batch: 1, failed: ['eu-1'] });
    expect(report.targets[2]?.runs).toEqual({ state: 'previous', digest: null, services: [] });
  });

  it('counts an unreachable target as a failed batch', async () => {
    const down = await startAdminServer();
    await down.close();
    const fleet: TargetSpec[] = [specs[0] as TargetSpec, { kind: 'apisix', name: 'eu-down', admin_url: down.url }, specs[2] as TargetSpec];
    const report = await syncGroup(v1, fleet, options());
    expect(report.targets.map((t) => t.status)).toEqual(['applied', 'unreachable', 'skipped']);
    expect(report.targets[1]?.runs.state).toBe('unknown');
  });

  it('refuses to start when a credential is missing, before any request', async () => {
    const { EU3_KEY: _missing, ...env } = KEYS;
    await expect(syncGroup(v1, specs, options({ env }))).rejects.toSatisfy(
      (error) => error instanceof SyncError && error.code === 'credentials' && error.message.includes('EU3_KEY'),
    );
    expect(gateways.map((g) => g.requests.length)).toEqual([0, 0, 0]);
  });

  it('never puts a key in a report', async () => {
    gateways[1]?.faults.add({ method: 'PUT', times: Infinity, action: { kind: 'status', status: 500 } });
    const rollout = await syncGroup(v1, specs, options());
    const drift = await checkDrift(v1, specs, options());
    const text = JSON.stringify([rollout, drift]);
    for (const key of Object.values(KEYS)) expect(text).not.toContain(key);
  });
});

describe('mixed fleet', () => {
  let standalone: StandaloneServer;
  let dir: string;
  beforeAll(async () => {
    standalone = await startStandaloneServer({ apiKey: null });
    dir = await mkdtemp(join(tmpdir(), 'tagway-fleet-'));
  });
  afterAll(async () => {
    await standalone.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('syncs apisix, apisix-standalone and file targets, and reports drift per target', async () => {
    const fleet: TargetSpec[] = [
      specs[0] as TargetSpec,
      { kind: 'apisix-standalone', name: 'edge-1', admin_url: standalone.url },
      { kind: 'file', name: 'local', path: 'out/production/apisix.yaml' },
    ];
    const opts = options({ root: dir, rollout: { batch_size: 3 } });
    expect(await syncGroup(v1, fleet, opts)).toMatchObject({ ok: true, counts: { applied: 3 } });
    expect((await checkDrift(v1, fleet, opts)).inSync).toBe(true);

    const drift = await checkDrift(v2, fleet, opts);
    expect(drift.inSync).toBe(false);
    expect(drift.targets.map((t) => [t.target, t.status, t.objects.length])).toEqual([
      ['eu-1', 'drifted', 3],
      ['edge-1', 'drifted', 3],
      ['local', 'drifted', 3],
    ]);
    expect(drift.targets[1]?.runs).toEqual({ state: 'previous', digest: v1.digest, services: [{ name: 'petstore', version: '1.0.0' }] });
    expect(drift.targets[0]?.plan?.steps.map((s) => `${s.op} ${s.kind}/${s.id}`)).toEqual([
      'update upstreams/petstore',
      'update services/petstore',
      'update routes/petstore.list',
    ]);
  });
});
