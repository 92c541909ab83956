/**
 * `tagway sync` (the built CLI, a process of its own) while another run of the group is under way
 * in this test's process: from the same repository it meets the local lock, from another clone
 * the gateway's lease. `--lock-timeout 0` exits 2 at once naming the other run; a wait ends when
 * the other run is done. The other run is held in the middle of its writes by the test server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runSync, type SyncOutcome } from '../src/app/sync.js';
import { RACE_KEY_VAR, startRaceWorld, type RaceWorld } from './support/race-repo.js';
import { spawnTagway as spawnProcess, type SpawnedCli } from './support/spawn-cli.js';

const KEY = 'lock-cli-admin-key-9d2c47e1b6a0358f';
const ENV = { [RACE_KEY_VAR]: KEY };
const OBJECT_WRITE = /^\/apisix\/admin\/(routes|services|upstreams)\/(?!tagway-lease\.)/;

function spawnTagway(args: readonly string[], cwd: string): SpawnedCli {
  return spawnProcess(args, cwd, ENV);
}

async function waitFor(what: string, probe: () => boolean): Promise<void> {
  for (let i = 0; i < 6000; i += 1) {
    if (probe()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

let world: RaceWorld;

beforeAll(async () => {
  world = await startRaceWorld({ apiKey: KEY });
});
beforeEach(() => world.reset());
afterAll(() => world.close());

/** A sync of `pinned` from the main repository, held at its first object write until `release`. */
async function heldRun(): Promise<{ readonly done: Promise<SyncOutcome>; release(): void }> {
  let release = (): void => {};
  const hold = world.gateway.faults.add({ path: OBJECT_WRITE, action: { kind: 'hold', until: new Promise<void>((resolve) => (release = resolve)) } });
  // The hold may outlast the default request timeout on a busy machine.
  const done = runSync({ cwd: world.repo.dir, group: 'staging', rev: world.pinned, env: ENV, retry: { timeoutMs: 120_000 } });
  await waitFor('the held write', () => hold.hits === 1);
  return { done, release };
}

describe('tagway sync while another run syncs the group', () => {
  it('from the same repository: exits 2 at once with --lock-timeout 0, naming the run that holds the lock', async () => {
    const other = await heldRun();
    try {
      const run = spawnTagway(['sync', '--group', 'staging', '--rev', world.moved, '--lock-timeout', '0'], world.repo.dir);
      expect(await run.exited).toBe(2);
      expect(run.stderr()).toContain('group staging is being synced by another run from this repository');
      expect(run.stderr()).toContain(`tagway sync --group staging --rev ${world.pinned}`);
      expect(run.stderr()).toContain(`pid ${process.pid}`);
      expect(run.stderr()).not.toContain(KEY);
    } finally {
      other.release();
    }
    expect((await other.done).ok).toBe(true);
  });

  it('from another clone: meets the lease on the gateway; fails at once, or waits and then syncs', async () => {
    const other = await heldRun();
    let waiting: SpawnedCli | null = null;
    try {
      const failing = spawnTagway(['sync', '--group', 'staging', '--rev', world.moved, '--lock-timeout', '0', '--format', 'json'], world.clone);
      expect(await failing.exited).toBe(2);
      // Started after the first one ended, since both take the clone's local lock.
      waiting = spawnTagway(['sync', '--group', 'staging', '--rev', world.moved, '--lock-timeout', '5m'], world.clone);
      const json = JSON.parse(failing.stdout()) as { ok: boolean; error: { message: string; hint: string } };
      expect(json.ok).toBe(false);
      expect(json.error.message).toContain('target eu-1 is being synced by another run of group staging');
      expect(json.error.message).toContain(`--rev ${world.pinned}`);
      expect(json.error.hint).toContain('--lock-timeout');
      const w = waiting;
      await waitFor('the waiting notice', () => w.stderr().includes('waiting up to 5m (--lock-timeout)'));
      expect(w.stderr()).toContain(`target eu-1 is being synced by another run: tagway sync --group staging --rev ${world.pinned}`);
    } finally {
      other.release();
    }
    expect((await other.done).ok).toBe(true);
    expect(await waiting.exited).toBe(0);
    expect(waiting.stdout()).toContain('waited for another run: tagway sync --group staging --rev');
    const check = await runSync({ cwd: world.repo.dir, group: 'staging', rev: world.moved, env: ENV, dryRun: true });
    expect(check.kind === 'dry-run' && check.report.targets[0]?.status).toBe('in-sync');
  });
});
