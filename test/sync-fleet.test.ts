/**
 * Rolling a snapshot out to a group's fleet: batches, halting at the first failed batch, what the
 * report says each target runs, credentials checked before any request, drift across the fleet.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KIND_NAMES } from '../src/apisix/kinds/index.js';
import { canonicalJson, sha256Digest, sortKeys } from '../src/core/canonical.js';
import type { ApisixConfig } from '../src/model/apisix.js';
import type { TargetSpec } from '../src/model/target.js';
import { checkDrift } from '../src/sync/drift.js';
import { SyncError } from '../src/sync/errors.js';
import { syncGroup, type SyncGroupOptions } from '../src/sync/rollout.js';
import { isLeaseRequest, startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { startStandaloneServer, type StandaloneServer } from './support/apisix-standalone-server.js';
import type { SyncSnapshot } from '../src/sync/report.js';
import { emptyConfig } from '../src/apisix/kinds/index.js';

const KEYS = { EU1_KEY: 'key-one-1111111111', EU2_KEY: 'key-two-2222222222', EU3_KEY: 'key-three-33333333' };

function snapshotOf(version: string): SyncSnapshot {
  const l = { 'managed-by': 'tagway', 'tagway.group': 'production', 'tagway.service': 'petstore', 'tagway.version': version };
  const apisix: ApisixConfig = sortKeys({
    ...emptyConfig(), upstreams: [{ id: 'petstore', labels: l, nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }], type: 'roundrobin' }],
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
    expect(report.counts).toEqual({ 'in-sync': 0, applied: 1, failed: 1, skipped: 1, unreachable: 0, interrupted: 0 });
    expect(report.preflight).toEqual({ ok: true, failed: [] });
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

  it('writes nothing anywhere when the preflight cannot read a later target', async () => {
    const down = await startAdminServer();
    await down.close();
    const fleet: TargetSpec[] = [specs[0] as TargetSpec, { kind: 'apisix', name: 'eu-down', admin_url: down.url }, specs[2] as TargetSpec];
    const report = await syncGroup(v1, fleet, options());
    expect(report).toMatchObject({ ok: false, preflight: { ok: false, failed: ['eu-down'] }, halted: null });
    expect(report.targets.map((t) => [t.target, t.status, t.writes, t.runs.state])).toEqual([
      ['eu-1', 'skipped', 0, 'previous'],
      ['eu-down', 'unreachable', 0, 'unknown'],
      ['eu-3', 'skipped', 0, 'previous'],
    ]);
    // Its lease claim, the first request to it, found it down; the preflight then could not read it.
    expect(report.targets[1]?.error).toMatchObject({ code: 'unreachable', phase: 'lease' });
    expect(report.targets[1]?.error?.message).toMatch(/\(during the lease claim\)$/);
    expect(report.targets[0]?.plan).toEqual({ create: 3, update: 0, delete: 0, unchanged: 0 });
    expect(gateways.map((g) => g.objectWrites())).toEqual([0, 0, 0]);
  });

  it('writes nothing anywhere when a later target refuses the key, or has an object in the way', async () => {
    const keyed = await startAdminServer({ apiKey: 'the-real-key-0000' });
    try {
      const fleet: TargetSpec[] = [...specs.slice(0, 2), { kind: 'apisix', name: 'eu-keyed', admin_url: keyed.url, admin_key: 'env:EU3_KEY' }];
      const refused = await syncGroup(v1, fleet, options());
      expect(refused.targets.map((t) => [t.target, t.status])).toEqual([['eu-1', 'skipped'], ['eu-2', 'skipped'], ['eu-keyed', 'failed']]);
      expect(refused.targets[2]?.error).toMatchObject({ code: 'auth', phase: 'preflight' });

      gateways[1]?.seed('routes', 'petstore.list', { uri: '/pets' });
      const blocked = await syncGroup(v1, specs, options());
      expect(blocked.preflight).toEqual({ ok: false, failed: ['eu-2'] });
      expect(blocked.targets[1]).toMatchObject({ status: 'failed', error: { code: 'conflict', phase: 'preflight' }, conflicts: [{ code: 'unowned' }] });
      expect(gateways.map((g) => g.objectWrites()).concat(keyed.objectWrites())).toEqual([0, 0, 0, 0]);
    } finally {
      await keyed.close();
    }
  });

  it('with allowPartial, syncs the targets the preflight could read and reports the others', async () => {
    const down = await startAdminServer();
    await down.close();
    const fleet: TargetSpec[] = [specs[0] as TargetSpec, { kind: 'apisix', name: 'eu-down', admin_url: down.url }, specs[2] as TargetSpec];
    const report = await syncGroup(v1, fleet, options({ allowPartial: true }));
    expect(report).toMatchObject({ ok: false, preflight: { ok: false, failed: ['eu-down'] }, halted: null });
    expect(report.targets.map((t) => [t.target, t.status])).toEqual([['eu-1', 'applied'], ['eu-down', 'unreachable'], ['eu-3', 'applied']]);
  });

  it('writes the first batch from the preflight read, and reads later batches again', async () => {
    const lists = (g: AdminServer | undefined) => (g?.requests ?? []).filter((r) => r.method === 'GET' && r.path.includes('?page='));
    const report = await syncGroup(v1, specs.slice(0, 2), options());
    expect(report.counts.applied).toBe(2);
    // A list per kind: eu-1: the preflight, then the verify (a first sync is read back whole);
    // eu-2: once more before its batch.
    const kinds = KIND_NAMES.length;
    expect([lists(gateways[0]).length, lists(gateways[1]).length]).toEqual([2 * kinds, 3 * kinds]);
    const first = gateways[0]?.requests ?? [];
    expect(first.filter((r) => !isLeaseRequest(r)).findIndex((r) => r.method !== 'GET')).toBe(kinds);
  });

  it('refuses to start when a credential is missing, before any request', async () => {
    const { EU3_KEY: _missing, ...env } = KEYS;
    await expect(syncGroup(v1, specs, options({ env }))).rejects.toSatisfy(
      (error) => error instanceof SyncError && error.code === 'credentials' && error.message.includes('EU3_KEY'),
    );
    expect(gateways.map((g) => g.requests.length)).toEqual([0, 0, 0]);
  });

  it('reads the others, and reports that one as not read, when a credential is missing for a look that writes nothing', async () => {
    await syncGroup(v1, specs, options());
    const { EU3_KEY: _missing, ...env } = KEYS;
    const before = gateways.map((g) => g.requests.length);
    const drift = await checkDrift(v1, specs, options({ env }));
    expect(drift.targets.map((t) => [t.target, t.status])).toEqual([
      ['eu-1', 'in-sync'],
      ['eu-2', 'in-sync'],
      ['eu-3', 'failed'],
    ]);
    expect(drift.inSync).toBe(false);
    expect(drift.targets[2]?.error).toMatchObject({ code: 'credentials', message: expect.stringContaining('EU3_KEY') });
    expect(gateways.map((g, i) => g.requests.length - before[i]!)[2]).toBe(0);
    // What the others answer is still scrubbed of every key of the fleet.
    for (const key of Object.values(KEYS)) expect(JSON.stringify(drift)).not.toContain(key);
  });

  it('never puts a key in a report', async () => {
    gateways[1]?.faults.add({ method: 'PUT', times: Infinity, action: { kind: 'status', status: 500 } });
    const rollout = await syncGroup(v1, specs, options());
    const drift = await checkDrift(v1, specs, options());
    const text = JSON.stringify([rollout, drift]);
    for (const key of Object.values(KEYS)) expect(text).not.toContain(key);
  });
});

/** A snapshot of one service with `routes` routes: every object changes between versions. */
function wideSnapshot(version: string, routes: number): SyncSnapshot {
  const l = { 'managed-by': 'tagway', 'tagway.group': 'production', 'tagway.service': 'petstore', 'tagway.version': version };
  const apisix: ApisixConfig = sortKeys({
    ...emptyConfig(), upstreams: [{ id: 'petstore', labels: l, nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }], type: 'roundrobin' }],
    services: [{ id: 'petstore', labels: l, upstream_id: 'petstore' }],
    routes: Array.from({ length: routes }, (_, i) => ({ id: `petstore.r${String(i).padStart(3, '0')}`, labels: l, service_id: 'petstore', uris: [`/pets/${i}`] })),
  });
  return { group: 'production', apisix, digest: sha256Digest(canonicalJson(apisix)) };
}

/** The group's objects on a gateway, server fields left out. */
function heldBy(gateway: AdminServer | undefined): unknown {
  return Object.fromEntries(
    (['upstreams', 'services', 'routes'] as const).map((kind) => [
      kind,
      [...(gateway?.objects(kind).values() ?? [])].map(({ create_time: _c, update_time: _u, ...rest }) => rest).sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1)),
    ]),
  );
}

/**
 * An `onEvent` that sends SIGINT once eu-1's writes have ended and eu-2 has made a write of its
 * own; `eu1Done` runs once, when eu-1's writes end (before its undo).
 */
function interruptBatch(controller: AbortController, eu1Done: () => void = () => {}): NonNullable<SyncGroupOptions['onEvent']> {
  let done = false;
  let writing = false;
  return (e) => {
    if (e.type === 'writes-ended' && e.target === 'eu-1' && !done) {
      done = true;
      eu1Done();
    }
    if (e.type === 'progress' && e.target === 'eu-2' && e.done > 0) writing = true;
    if (done && writing && !controller.signal.aborted) controller.abort('SIGINT');
  };
}

describe('interrupted rollout', () => {
  const old = wideSnapshot('1.0.0', 30);
  const next = wideSnapshot('2.0.0', 30);

  it('takes every target of the current batch back, the one still writing and the one done', async () => {
    await syncGroup(old, specs, options({ rollout: { batch_size: 3 } }));
    const before = gateways.map(heldBy);
    const writes = gateways.map((g) => g.objectWrites());
    // eu-2 is slow; the signal comes as soon as eu-1 is done and eu-2 has begun.
    gateways[1]?.faults.add({ method: 'PUT', times: Infinity, action: { kind: 'delay', ms: 10 } });
    const controller = new AbortController();
    const events: string[] = [];
    const interrupt = interruptBatch(controller);
    const report = await syncGroup(next, specs, {
      ...options({ rollout: { batch_size: 2 } }),
      concurrency: 2,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'writes-started' || e.type === 'writes-ended') events.push(`${e.type} ${e.target}`);
        interrupt(e);
      },
    });
    expect(report).toMatchObject({ ok: false, interrupted: { by: 'SIGINT', batch: 1 }, halted: null });
    expect(report.targets.map((t) => [t.target, t.status, t.runs.state])).toEqual([
      ['eu-1', 'interrupted', 'previous'],
      ['eu-2', 'interrupted', 'previous'],
      ['eu-3', 'skipped', 'previous'],
    ]);
    expect(report.targets[0]).toMatchObject({ writes: 32, restore: { attempted: true, ok: true, verified: true }, error: { code: 'interrupted' } });
    expect(report.targets[0]?.error?.message).toContain('interrupted by SIGINT while its batch was being written; its 32 writes were taken back');
    expect(report.targets[1]).toMatchObject({ restore: { attempted: true, ok: true, verified: true }, error: { code: 'interrupted' } });
    expect(report.targets[1]?.writes).toBeLessThan(32);
    expect(gateways.map(heldBy)).toEqual(before);
    // eu-2: each of its writes, and one undo write each; eu-3: nothing.
    expect(gateways[1]!.objectWrites() - writes[1]!).toBe(2 * report.targets[1]!.writes);
    expect(gateways[2]!.objectWrites()).toBe(writes[2]);
    expect(events).toEqual(['writes-started eu-1', 'writes-started eu-2', 'writes-ended eu-1', 'writes-ended eu-2', 'writes-started eu-1', 'writes-ended eu-1']);
  });

  // eu-1 has applied the whole snapshot when the signal comes, so its writes are taken back by
  // a second apply; a fault armed then meets only that undo. An undo write that is rejected
  // stops the undo, which is itself undone: eu-1 stays on the snapshot. Undo writes acknowledged
  // and not kept leave the routes on the snapshot and the rest on the old state.
  const undoFaults = [
    {
      name: 'acknowledged but not kept',
      fault: { kind: 'status', status: 200, body: { key: '/apisix/routes/x', value: {} } },
      restore: { attempted: true, ok: true, failures: [], verified: false },
      runs: 'unknown',
      service: '1.0.0',
    },
    {
      name: 'rejected',
      fault: { kind: 'status', status: 400, body: { error_msg: 'etcd is read-only' } },
      restore: { attempted: true, ok: false, failures: [{ request: { method: 'PUT', status: 400, attempts: 1 } }], verified: false },
      runs: 'snapshot',
      service: '2.0.0',
    },
  ] as const;
  for (const { name, fault, restore, runs, service } of undoFaults) {
    it(`says a taken-back target is not restored when its undo writes are ${name}`, async () => {
      await syncGroup(old, specs, options({ rollout: { batch_size: 3 } }));
      gateways[1]?.faults.add({ method: 'PUT', times: Infinity, action: { kind: 'delay', ms: 10 } });
      const controller = new AbortController();
      const report = await syncGroup(next, specs, {
        ...options({ rollout: { batch_size: 2 } }),
        concurrency: 2,
        signal: controller.signal,
        onEvent: interruptBatch(controller, () => gateways[0]?.faults.add({ method: 'PUT', path: '/apisix/admin/routes/', times: Infinity, action: fault })),
      });
      gateways[0]?.faults.clear();
      expect(report.targets[0]).toMatchObject({ target: 'eu-1', status: 'interrupted', writes: 32, restore, runs: { state: runs } });
      expect(report.targets[0]?.error?.message).toContain(restore.ok ? 'its 32 writes were taken back' : 'taking back its 32 writes failed');
      expect(gateways[0]?.objects('routes').get('petstore.r000')?.['labels']).toMatchObject({ 'tagway.version': '2.0.0' });
      expect(gateways[0]?.objects('services').get('petstore')?.['labels']).toMatchObject({ 'tagway.version': service });
    });
  }

  it('keeps earlier batches on the snapshot, and starts no write once stopped', async () => {
    await syncGroup(old, specs, options({ rollout: { batch_size: 3 } }));
    const before = gateways.map(heldBy);
    gateways[1]?.faults.add({ method: 'PUT', times: Infinity, action: { kind: 'delay', ms: 10 } });
    const controller = new AbortController();
    const from = gateways[1]?.requests.length ?? 0;
    const puts = (answered: boolean) => (gateways[1]?.requests.slice(from) ?? []).filter((r) => r.method === 'PUT' && !isLeaseRequest(r) && (!answered || r.status !== 0)).length;
    let atStop = -1;
    const poll = setInterval(() => {
      if (atStop < 0 && puts(true) >= 5) {
        atStop = puts(false);
        controller.abort('SIGTERM');
      }
    }, 1);
    const writesBefore = gateways[1]!.objectWrites();
    const report = await syncGroup(next, specs, { ...options(), concurrency: 2, signal: controller.signal }).finally(() => clearInterval(poll));
    expect(report.interrupted).toEqual({ by: 'SIGTERM', batch: 2 });
    expect(report.targets.map((t) => [t.target, t.status])).toEqual([['eu-1', 'applied'], ['eu-2', 'interrupted'], ['eu-3', 'skipped']]);
    expect([heldBy(gateways[0]), heldBy(gateways[1]), heldBy(gateways[2])]).toEqual([heldBy(gateways[0]), before[1], before[2]]);
    expect((heldBy(gateways[0]) as { routes: { labels: Record<string, string> }[] }).routes[0]?.labels['tagway.version']).toBe('2.0.0');
    // Only the writes in flight at the stop (at most `concurrency`) were started after it.
    const forward = report.targets[1]!.writes;
    expect(forward).toBeLessThanOrEqual(atStop + 2);
    expect(gateways[1]!.objectWrites() - writesBefore).toBe(2 * forward);
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
