/**
 * `tagway sync` stopped by SIGINT / SIGTERM: the built CLI in a child process, syncing a large
 * group to two Admin API test servers, signalled at seeded random points of the run. Whatever the
 * point, every gateway ends on exactly the state before the run or exactly the new snapshot, the
 * report is printed, and the exit status is 130 / 143.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGroupSnapshot } from '../src/app/group-snapshot.js';
import { canonicalJson } from '../src/core/canonical.js';
import { runSync } from '../src/app/sync.js';
import type { ApisixConfig } from '../src/model/apisix.js';
import { startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import type { TempRepo } from './support/git-repo.js';
import { spawnCli, type SpawnedCli } from './support/spawn-cli.js';
import { makeSyntheticRepo, template } from './support/synthetic-repo.js';

const KEYS = { TAGWAY_SIG_EU1_KEY: 'sig-eu1-key-3c9e1a7f5b2d4086', TAGWAY_SIG_EU2_KEY: 'sig-eu2-key-8b0f2e6d4a1c3957' };
/** Services of the group: 1.0.0 has 4 objects each, 1.1.0 five (a route more), every one changed. */
const SERVICES = 40;
/** Each write waits this long on the gateway, so that a sync takes a while. */
const WRITE_DELAY_MS = 15;

type Held = Record<'upstreams' | 'services' | 'routes', Record<string, unknown>[]>;

/** The objects of a gateway without the fields the server adds, sorted by id. */
function held(server: AdminServer): Held {
  const kind = (k: keyof Held) =>
    [...server.objects(k).values()].map(({ create_time: _c, update_time: _u, ...rest }) => rest).sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1));
  return { upstreams: kind('upstreams'), services: kind('services'), routes: kind('routes') };
}

/** A seeded generator (mulberry32): the same points on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function spawnTagway(args: readonly string[], cwd: string): SpawnedCli {
  return spawnCli(args, cwd, { ...process.env, ...KEYS });
}

/** Polls `test` every 2 ms; fails after `ms` (a bound on the test, not a timing assertion). */
async function waitFor(what: string, test: () => boolean, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!test()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function stagingGroup(eu1: AdminServer, eu2: AdminServer): string {
  const target = (name: string, url: string, key: string) => `  - name: ${name}\n    kind: apisix\n    admin_url: ${url}\n    admin_key: env:${key}\n`;
  const pins = Array.from({ length: SERVICES }, (_, i) => `  svc-${i}: ^1.0`).join('\n');
  return `name: staging\npublished:\n${pins}\ntargets:\n${target('eu-1', eu1.url, 'TAGWAY_SIG_EU1_KEY')}${target('eu-2', eu2.url, 'TAGWAY_SIG_EU2_KEY')}rollout:\n  batch_size: 1\n`;
}

describe('tagway sync under SIGINT and SIGTERM', () => {
  let repo: TempRepo;
  let eu1: AdminServer;
  let eu2: AdminServer;
  let before: Held;
  let after: ApisixConfig;
  /** Requests both gateways receive during a whole sync from `before` to `after`. */
  let requestsOfASync = 0;

  /** Both gateways back on the state before the run, with slow writes; the request logs emptied. */
  function resetFleet(): void {
    for (const server of [eu1, eu2]) {
      server.reset();
      for (const kind of ['upstreams', 'services', 'routes'] as const) for (const obj of before[kind]) server.seed(kind, String(obj.id), obj);
      server.faults.add({ method: 'PUT', times: Infinity, action: { kind: 'delay', ms: WRITE_DELAY_MS } });
      server.faults.add({ method: 'DELETE', times: Infinity, action: { kind: 'delay', ms: WRITE_DELAY_MS } });
    }
  }

  const isBefore = (state: Held) => canonicalJson(state) === canonicalJson(before);
  const isAfter = (state: Held) => canonicalJson(state) === canonicalJson({ upstreams: after.upstreams, services: after.services, routes: after.routes });

  beforeAll(async () => {
    eu1 = await startAdminServer({ apiKey: KEYS.TAGWAY_SIG_EU1_KEY });
    eu2 = await startAdminServer({ apiKey: KEYS.TAGWAY_SIG_EU2_KEY });
    repo = makeSyntheticRepo(SERVICES);
    repo.write('gateway-groups/staging/group.yaml', stagingGroup(eu1, eu2));
    repo.commit('staging: two gateways');
    const first = await runSync({ cwd: repo.dir, group: 'staging', env: KEYS });
    expect(first.ok).toBe(true);
    before = held(eu1);
    expect(held(eu2)).toEqual(before);

    // 1.1.0 of every service adds a route: every object changes (its version label), and some are new.
    repo.writeAll(Object.fromEntries(Array.from({ length: SERVICES }, (_, i) => [`services/svc-${i}/service.yaml`, template(i, '\n  - name: extra\n    uris: [/extra]\n    methods: [GET]')])));
    repo.commit('1.1.0 of every service');
    for (let i = 0; i < SERVICES; i++) repo.tag(`svc-${i}/v1.1.0`, { message: `svc-${i} 1.1.0` });
    const loaded = await loadGroupSnapshot({ cwd: repo.dir, group: 'staging' });
    if (loaded.kind !== 'loaded') throw new Error('the group does not compile');
    after = JSON.parse(JSON.stringify(loaded.snapshot.apisix)) as ApisixConfig;

    // One whole sync, to know how many requests a run makes (and that it gets there).
    resetFleet();
    const whole = spawnTagway(['sync', '--group', 'staging'], repo.dir);
    expect(await whole.exited).toBe(0);
    expect([isAfter(held(eu1)), isAfter(held(eu2))]).toEqual([true, true]);
    requestsOfASync = eu1.requests.length + eu2.requests.length;
  }, 120_000);

  afterAll(async () => {
    await Promise.all([eu1?.close(), eu2?.close()]);
    repo?.cleanup();
  });

  const random = seeded(13);
  // `at`: the share of a whole sync's requests (reads and writes, both gateways) seen before the signal.
  const trials = Array.from({ length: 6 }, (_, i) => ({ signal: (i % 2 === 0 ? 'SIGINT' : 'SIGTERM') as NodeJS.Signals, at: Number(random().toFixed(3)) }));

  it.each(trials)('$signal after $at of the requests: every gateway on exactly the old or the new state, the report printed, exit 130/143', async ({ signal, at }) => {
    resetFleet();
    const point = Math.max(1, Math.floor(at * requestsOfASync));
    const run = spawnTagway(['sync', '--group', 'staging'], repo.dir);
    await waitFor(`request ${point}`, () => eu1.requests.length + eu2.requests.length >= point);
    run.child.kill(signal);
    const code = await run.exited;

    expect(code).toBe(signal === 'SIGINT' ? 130 : 143);
    expect(run.stderr()).toContain(`tagway: ${signal}: stopping`);
    expect(run.stdout()).toContain(`interrupted by ${signal}`);
    expect(run.stdout()).toMatch(/running now:/);
    for (const key of Object.values(KEYS)) expect(run.stdout() + run.stderr()).not.toContain(key);
    for (const server of [eu1, eu2]) {
      const state = held(server);
      expect(isBefore(state) || isAfter(state)).toBe(true);
    }
    // Batches in order: eu-2 is never ahead of eu-1.
    expect(isAfter(held(eu2)) && !isAfter(held(eu1))).toBe(false);
  });

  it('a second signal exits at once, names the targets being written; status --live says mixed, and the next sync converges', async () => {
    resetFleet();
    const run = spawnTagway(['sync', '--group', 'staging'], repo.dir);
    const answeredPuts = () => eu1.requests.filter((r) => r.method === 'PUT' && r.status !== 0).length;
    // More writes done than can be in flight, so that the restore cannot finish them all.
    await waitFor('writes on eu-1', () => answeredPuts() >= 50);
    run.child.kill('SIGINT');
    // From now on a write takes long: the restore is still going when the second signal comes.
    eu1.faults.clear();
    eu1.faults.add({ method: 'PUT', times: Infinity, action: { kind: 'delay', ms: 1_000 } });
    const puts = eu1.requests.filter((r) => r.method === 'PUT').length;
    // Two signals sent before the first is handled are one (POSIX does not queue them): the second
    // goes only once the run has said it is stopping.
    await waitFor('the first signal handled', () => run.stderr().includes('tagway: SIGINT: stopping'));
    await waitFor('the restore', () => eu1.requests.filter((r) => r.method === 'PUT').length > puts);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(run.stderr()).toContain('tagway: SIGINT again: exiting now; eu-1 was being written and may hold a mix of the old and the new configuration');
    // Writes the gateway was still holding land or fail; then it is left as the killed run left it.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    eu1.faults.clear();
    expect(isBefore(held(eu1)) || isAfter(held(eu1))).toBe(false);

    const status = spawnTagway(['status', '--live', '--group', 'staging'], repo.dir);
    expect(await status.exited).toBe(1);
    expect(status.stdout()).toMatch(/eu-1\s+apisix\s+mixed: a sync was stopped half-way, objects of two states/);
    expect(status.stdout()).toMatch(/runs a mix of two states: a sync of group staging to sha256:[0-9a-f]{64} started \S+Z and has not finished/);
    expect(status.stdout()).toContain('2 drifted, 1 of them mixed');

    const again = spawnTagway(['sync', '--group', 'staging'], repo.dir);
    expect(await again.exited).toBe(0);
    expect([isAfter(held(eu1)), isAfter(held(eu2))]).toEqual([true, true]);
  });
});
