/**
 * Two runs of one group at once (docs/concurrent-runs.md): never both report success unless the
 * gateway holds what each reports; the loser waits for the other, or fails naming it. The runs
 * change disjoint parts of the group (test/support/race-repo.ts), from two clones (so they meet
 * at the gateway's lease, not at the local lock), and writes are slowed down so that without a
 * lease both would read the gateway before either writes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runDriftCheck } from '../src/app/drift.js';
import { UserError } from '../src/core/errors.js';
import { runSync, type SyncOptions, type SyncOutcome } from '../src/app/sync.js';
import { AdminClient } from '../src/sync/targets/apisix/client.js';
import { AdminLease } from '../src/sync/targets/apisix/lease.js';
import type { AdminServerOptions } from './support/apisix-admin-server.js';
import { RACE_KEY_VAR, startRaceWorld, type RaceWorld } from './support/race-repo.js';

const KEY = 'race-admin-key-3b9e0c71d5a24f86';
/** Writes of configuration objects (not of lease objects, not lists). */
const OBJECT_WRITE = /^\/apisix\/admin\/(routes|services|upstreams)\/(?!tagway-lease\.)/;
/** Others' upstreams, so that a small plan is verified by reading back only what it wrote. */
const FOREIGN = 60;

type Synced = Extract<SyncOutcome, { kind: 'synced' }>;

function synced(outcome: SyncOutcome): Synced {
  if (outcome.kind !== 'synced') throw new Error(`expected a sync, got ${outcome.kind}`);
  return outcome;
}

/** A race world per `describe`, back on its base revision before each test. */
function raceWorld(options: Omit<AdminServerOptions, 'apiKey'> = {}, reset = true): () => RaceWorld {
  let world: RaceWorld | undefined;
  beforeAll(async () => {
    world = await startRaceWorld({ apiKey: KEY, foreign: FOREIGN, ...options });
  });
  if (reset) beforeEach(() => world?.reset());
  afterAll(() => world?.close());
  return () => world as RaceWorld;
}

function sync(world: RaceWorld, cwd: string, rev: string, extra: Partial<SyncOptions> = {}): Promise<Synced> {
  return runSync({ cwd, group: 'staging', rev, env: world.env, ...extra }).then(synced);
}

/** Whether the gateway holds the group's snapshot at `rev` now (a dry run plans nothing). */
async function holds(world: RaceWorld, rev: string): Promise<boolean> {
  const outcome = await runSync({ cwd: world.repo.dir, group: 'staging', rev, env: world.env, dryRun: true });
  if (outcome.kind !== 'dry-run') throw new Error('expected a dry run');
  return outcome.report.targets.every((t) => t.status === 'in-sync');
}

function leaseObjects(world: RaceWorld): string[] {
  return [...world.gateway.objects('upstreams').keys()].filter((id) => id.startsWith('tagway-lease.'));
}

async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

describe('two syncs of one group from two clones, against one Admin API', () => {
  const world = raceWorld();
  beforeEach(() => {
    world().gateway.faults.add({ path: OBJECT_WRITE, times: Infinity, action: { kind: 'delay', ms: 150 } });
  });

  it('never both report success unless the gateway holds what each reports; the loser names the winner', async () => {
    const w = world();
    const runs = [
      { cwd: w.repo.dir, rev: w.pinned },
      { cwd: w.clone, rev: w.moved },
    ];
    const results = await Promise.all(runs.map((r) => settle(sync(w, r.cwd, r.rev, { lockTimeoutMs: 0 }))));
    for (const [i, result] of results.entries()) {
      if (result.ok && result.value.ok) expect(await holds(w, runs[i]!.rev), `run ${i} reported success`).toBe(true);
    }
    const winners = results.flatMap((r, i) => (r.ok && r.value.ok ? [i] : []));
    expect(winners).toHaveLength(1);
    const loser = results[1 - winners[0]!]!;
    expect(loser.ok).toBe(false);
    const error = (loser as { error: unknown }).error;
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain('target eu-1 is being synced by another run of group staging: tagway sync --group staging');
    expect((error as UserError).message).toContain(`--rev ${runs[winners[0]!]!.rev}`);
    expect((error as UserError).hint).toContain('--lock-timeout');
    expect(leaseObjects(w)).toEqual([]);
  });

  it('lets the second run wait for the first and then sync from what the first left', async () => {
    const w = world();
    const waits: string[] = [];
    const [first, second] = await Promise.all([
      sync(w, w.repo.dir, w.pinned, { lockTimeoutMs: 60_000, onWait: (wait) => waits.push(wait.holder) }),
      sync(w, w.clone, w.moved, { lockTimeoutMs: 60_000, onWait: (wait) => waits.push(wait.holder) }),
    ]);
    expect([first.ok, second.ok]).toEqual([true, true]);
    const waited = [first, second].filter((o) => o.report.targets[0]?.lease?.waitedFor !== null);
    expect(waited).toHaveLength(1);
    const later = waited[0]!;
    const [laterRev, earlierRev] = later === first ? [w.pinned, w.moved] : [w.moved, w.pinned];
    expect(later.report.targets[0]?.lease?.waitedFor).toContain(`--rev ${earlierRev}`);
    expect(waits).toHaveLength(1);
    // The later run planned against what the earlier one left: the gateway holds its snapshot.
    expect(await holds(w, laterRev)).toBe(true);
    expect(later.report.targets[0]?.lease).toMatchObject({ state: 'held', checkedWhole: false });
    expect(leaseObjects(w)).toEqual([]);
  });
});

describe('leases that lapse on a gateway that keeps every object', () => {
  let now = 1_750_000_000;
  const world = raceWorld({ now: () => now, ttl: 'ignore' });
  const DEAD = 'tagway sync --group staging --rev old by ci@runner-1, pid 99, started 2025-01-01T00:00:00Z';

  const seedLease = (updateTime: number) =>
    world().gateway.seed('upstreams', 'tagway-lease.staging.deadbeefdeadbeef', {
      name: 'tagway lease of staging',
      desc: DEAD,
      labels: { 'managed-by': 'tagway', 'tagway.lease': 'staging', 'tagway.lease-ttl': '60' },
      nodes: {},
      type: 'roundrobin',
      update_time: updateTime,
    });

  it('a live lease of a run that is gone blocks the group until it lapses, naming that run', async () => {
    const w = world();
    seedLease(now - 30);
    const writes = w.gateway.objectWrites();
    const error = await sync(w, w.repo.dir, w.pinned, { lockTimeoutMs: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain(DEAD);
    expect(w.gateway.objectWrites()).toBe(writes);
    expect(leaseObjects(w)).toEqual(['tagway-lease.staging.deadbeefdeadbeef']);
  });

  it('takes over a lease that lapsed on the gateway clock, and proves the target by reading it whole', async () => {
    const w = world();
    seedLease(now - 61);
    const outcome = await sync(w, w.repo.dir, w.pinned, { lockTimeoutMs: 0 });
    expect(outcome.ok).toBe(true);
    const lease = outcome.report.targets[0]?.lease;
    expect(lease).toMatchObject({ state: 'unproven', checkedWhole: true });
    expect(lease?.reason).toContain(DEAD);
    expect(leaseObjects(w)).toEqual([]);
  });

  it('a run whose lease lapsed while its writes were held up, and was taken over, does not report success', async () => {
    const w = world();
    let release = (): void => {};
    const hold = w.gateway.faults.add({ path: OBJECT_WRITE, action: { kind: 'hold', until: new Promise<void>((resolve) => (release = resolve)) } });
    const stalled = settle(sync(w, w.repo.dir, w.pinned, { lockTimeoutMs: 0 }));
    for (let i = 0; i < 1000 && hold.hits === 0; i += 1) await new Promise((r) => setTimeout(r, 5));
    expect(hold.hits).toBe(1);

    now += 61;
    const taker = await sync(w, w.clone, w.moved, { lockTimeoutMs: 0 });
    expect(taker.ok).toBe(true);
    expect(taker.report.targets[0]?.lease?.reason).toContain(`--rev ${w.pinned}`);

    release();
    const late = await stalled;
    expect(late.ok).toBe(true);
    const report = (late as { value: Synced }).value;
    expect(report.ok).toBe(false);
    // Its writes landed after the other run's: the verify or the end of the run finds them mixed.
    const target = report.report.targets[0];
    expect(target).toMatchObject({ status: 'failed', lease: { state: 'unproven' } });
    expect(['verify-failed', 'lease-lost']).toContain(target?.error?.code);
    expect(target?.lease?.reason).toMatch(/lapsed/);
  });
});

describe('a lease the gateway drops by its ttl', () => {
  let now = 1_750_000_000;
  const world = raceWorld({ now: () => now });

  it('frees the group by itself once a run that died stops renewing it', async () => {
    const w = world();
    const client = new AdminClient({ target: 'eu-1', baseUrl: w.gateway.url, credential: { ref: `env:${RACE_KEY_VAR}`, value: KEY } });
    try {
      // A run took its lease with ?ttl=60 and was killed.
      await new AdminLease(client, w.gateway.url).claim({ group: 'staging', token: 'deadbeefdeadbeef', holder: 'a run that was killed', process: { host: 'another-runner', pid: 4242 }, ttlSeconds: 60 }, false);
      const blocked = await sync(w, w.repo.dir, w.moved, { lockTimeoutMs: 0 }).catch((e: unknown) => e);
      expect((blocked as Error).message).toContain('a run that was killed');
      now += 60;
      const outcome = await sync(w, w.repo.dir, w.moved, { lockTimeoutMs: 0 });
      expect(outcome.ok).toBe(true);
      expect(outcome.report.targets[0]?.lease).toMatchObject({ state: 'held', reason: null });
    } finally {
      await client.close();
    }
  });
});

describe('a gateway that refuses the lease', () => {
  const world = raceWorld({
    validate: (kind, body) => (kind === 'upstreams' && JSON.stringify(body['labels'] ?? {}).includes('tagway.lease') ? 'this key may not create upstreams' : null),
  });

  it('syncs unproven, verifying by reading the whole target instead of only what it wrote', async () => {
    const w = world();
    const start = w.gateway.requests.length;
    const outcome = await sync(w, w.repo.dir, w.pinned);
    expect(outcome.ok).toBe(true);
    const target = outcome.report.targets[0];
    expect(target).toMatchObject({ status: 'applied', lease: { state: 'unproven', checkedWhole: true } });
    expect(target?.lease?.reason).toContain('this key may not create upstreams');
    const requests = w.gateway.requests.slice(start).map((r) => `${r.method} ${r.path}`);
    // Read before the plan, read again to verify, and once more at the end; never object by object.
    expect(requests.filter((r) => r.startsWith('GET /apisix/admin/routes?page=1'))).toHaveLength(3);
    expect(requests.filter((r) => /^GET \/apisix\/admin\/routes\/./.test(r))).toEqual([]);
  });
});

describe('a gateway that takes the lease', () => {
  const world = raceWorld();

  it('verifies only what the run wrote', async () => {
    const w = world();
    const start = w.gateway.requests.length;
    const outcome = await sync(w, w.repo.dir, w.pinned);
    expect(outcome.report.targets[0]).toMatchObject({ status: 'applied', lease: { state: 'held', checkedWhole: false } });
    const requests = w.gateway.requests.slice(start).map((r) => `${r.method} ${r.path}`);
    expect(requests.filter((r) => r.startsWith('GET /apisix/admin/routes?page=1'))).toHaveLength(1);
  });

  it('keeps lease objects out of plans, diffs, drift and status', async () => {
    const w = world();
    // One of a run in progress, even labelled as the group's.
    w.gateway.seed('upstreams', 'tagway-lease.staging.0123456789abcdef', {
      desc: 'tagway sync --group staging by ci@runner-2, pid 7',
      labels: { 'managed-by': 'tagway', 'tagway.group': 'staging', 'tagway.lease': 'staging', 'tagway.lease-ttl': '60' },
      nodes: {},
    });
    const dry = await runSync({ cwd: w.repo.dir, group: 'staging', rev: w.base, env: w.env, dryRun: true });
    expect(dry.kind === 'dry-run' && dry.report.targets.map((t) => [t.status, t.plan?.steps.length, t.conflicts.length])).toEqual([['in-sync', 0, 0]]);
    const status = await runDriftCheck({ cwd: w.repo.dir, group: 'staging', rev: w.base, env: w.env });
    expect(JSON.stringify(status)).not.toContain('tagway-lease');
    expect(status.kind === 'checked' && status.report.inSync).toBe(true);
  });
});
