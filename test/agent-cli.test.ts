/**
 * `tagway agent` as an operator runs it: the built CLI, spawned in the agent's clone (pulling over
 * HTTP from the test's git server), against Admin API test servers. `--once` and its exit codes,
 * usage errors, JSON-lines logs without keys, the endpoints of a running agent, and SIGTERM /
 * SIGINT letting the target in flight finish before exit 0.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KIND_NAMES } from '../src/apisix/kinds/index.js';
import { FLEET_KEYS, STAGING_OBJECTS, parseLogLines, startAgentWorld, type AgentWorld } from './support/agent-fixture.js';
import { isLeaseRequest } from './support/apisix-admin-server.js';
import { makeRepo, makeTempDir, runGit } from './support/git-repo.js';
import { spawnTagway as spawnProcess, type SpawnedCli } from './support/spawn-cli.js';

function spawnTagway(args: readonly string[], cwd: string, env: Readonly<Record<string, string>>): SpawnedCli {
  return spawnProcess(args, cwd, env, [...Object.keys(FLEET_KEYS), 'TAGWAY_GIT_TOKEN', 'TAGWAY_GIT_USERNAME']);
}

async function tagway(args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}) {
  const run = spawnTagway(args, cwd, env);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** Polls `test` every 10 ms; fails after `ms` (a bound on the test, not a timing assertion). */
async function waitFor<T>(what: string, test: () => T | undefined | false, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = test();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function logLine(run: SpawnedCli, msg: string): Record<string, unknown> | undefined {
  const complete = run.stdout().slice(0, run.stdout().lastIndexOf('\n') + 1);
  return parseLogLines(complete).find((l) => l['msg'] === msg);
}

function expectNoKey(...texts: string[]): void {
  for (const text of texts) for (const key of Object.values(FLEET_KEYS)) expect(text).not.toContain(key);
}

describe('tagway agent (CLI)', () => {
  let world: AgentWorld;
  beforeEach(async () => {
    world = await startAgentWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  it('--once: one reconcile, JSON-lines logs on stdout, exit 0; again: in sync, nothing written', async () => {
    const first = await tagway(['agent', '--group', 'staging', '--pull', '--once'], world.clone, FLEET_KEYS);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const lines = parseLogLines(first.stdout);
    for (const line of lines) {
      expect(typeof line['time']).toBe('string');
      expect(['debug', 'info', 'warn', 'error']).toContain(line['level']);
      expect(typeof line['msg']).toBe('string');
    }
    expect(lines.map((l) => l['msg'])).toEqual(['agent started', 'syncing', 'target synced', 'reconcile done']);
    expect(lines[0]).toMatchObject({ groups: ['staging'], interval: '30s', pull: true, remote: world.git.url('config.git'), once: true });
    expect(world.fleet[0]!.objects('routes').size).toBe(9);
    const writes = world.fleet[0]!.objectWrites();

    const second = await tagway(['agent', '--group', 'staging', '--pull', '--once', '--log-level', 'debug'], world.clone, FLEET_KEYS);
    expect(second.code).toBe(0);
    // A new process knows no digest yet: it syncs, and finds the target in sync.
    expect(parseLogLines(second.stdout)).toContainEqual(
      expect.objectContaining({ level: 'debug', msg: 'target already in sync', group: 'staging', target: 'eu-1', status: 'in-sync', writes: 0 }),
    );
    expect(world.fleet[0]!.objectWrites()).toBe(writes);
    expectNoKey(first.stdout, second.stdout);
  });

  it('--once exits 1 when a target refuses the key, and prints no key', async () => {
    const wrong = 'wrong-agent-key-61c0d9e2f4a8b735';
    const run = await tagway(['agent', '--group', 'staging', '--once'], world.clone, { ...FLEET_KEYS, TAGWAY_AGENT_EU1_KEY: wrong });
    expect(run.code).toBe(1);
    const failed = parseLogLines(run.stdout).find((l) => l['msg'] === 'target sync failed');
    expect(failed).toMatchObject({ level: 'error', group: 'staging', target: 'eu-1', error: { code: 'auth' } });
    expect(run.stdout).not.toContain(wrong);
    expectNoKey(run.stdout, run.stderr);
    expect(world.fleet[0]!.objectWrites()).toBe(0);
  });

  it('usage errors exit 2 before any reconcile: bad duration, bad listen address, no group', async () => {
    const interval = await tagway(['agent', '--group', 'staging', '--interval', 'soon'], world.clone, FLEET_KEYS);
    expect(interval.code).toBe(2);
    expect(interval.stderr).toContain('--interval soon is not a duration');
    const listen = await tagway(['agent', '--group', 'staging', '--listen', 'localhost'], world.clone, FLEET_KEYS);
    expect(listen.code).toBe(2);
    expect(listen.stderr).toContain('--listen localhost is not host:port');
    const none = await tagway(['agent'], world.clone, FLEET_KEYS);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('error: no group given');
    expect(none.stderr).toContain('--group');
    expect(world.fleet[0]!.requests).toHaveLength(0);
  });

  it('serves its endpoints while running, and SIGINT stops it with exit 0', async () => {
    const run = spawnTagway(['agent', '--group', 'staging', '--pull', '--interval', '1s', '--listen', '127.0.0.1:0'], world.clone, FLEET_KEYS);
    try {
      const listening = await waitFor('the listening line', () => logLine(run, 'listening'));
      const url = String(listening['url']);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      await waitFor('the first reconcile', () => logLine(run, 'reconcile done'));
      const ready = await fetch(`${url}/readyz`);
      expect([ready.status, await ready.text()]).toEqual([200, 'ready\n']);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/^tagway_target_digest_info\{group="staging",target="eu-1",kind="apisix",state="snapshot",digest="sha256:[0-9a-f]{64}"\} 1$/m);
      expect(metrics).toMatch(/^tagway_group_last_successful_sync_timestamp_seconds\{group="staging"\} \d+(\.\d+)?$/m);

      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
      const lines = parseLogLines(run.stdout());
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'stopping: the target in flight finishes first', signal: 'SIGINT' }));
      expect(lines.at(-1)).toMatchObject({ msg: 'agent stopped' });
      expect(run.stderr()).toBe('');
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('SIGTERM during a sync lets the target finish, then exits 0', async () => {
    const eu1 = world.fleet[0]!;
    eu1.faults.add({ method: 'PUT', times: Infinity, action: { kind: 'delay', ms: 100 } });
    const run = spawnTagway(['agent', '--group', 'staging', '--pull', '--interval', '1s', '--listen', '127.0.0.1:0'], world.clone, FLEET_KEYS);
    try {
      await waitFor('the first write', () => eu1.requests.some((r) => r.method === 'PUT' && !isLeaseRequest(r)));
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(KIND_NAMES.reduce((n, kind) => n + eu1.objects(kind).size, 0)).toBe(STAGING_OBJECTS);
      const lines = parseLogLines(run.stdout());
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'target synced', target: 'eu-1', writes: STAGING_OBJECTS }));
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'stopping: the target in flight finishes first', signal: 'SIGTERM' }));
      expect(lines.at(-1)).toMatchObject({ msg: 'agent stopped' });
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});

describe('tagway agent --pull outside an http(s) clone', () => {
  it('exits 2 naming the remote, before any reconcile', async () => {
    const origin = makeRepo({ files: { 'README.md': 'config\n' } });
    const work = makeTempDir('tagway-agent-clone-');
    try {
      runGit(work.dir, ['clone', '--quiet', origin.dir, 'clone']);
      const run = await tagway(['agent', '--group', 'staging', '--pull', '--once'], path.join(work.dir, 'clone'));
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('but only http(s) remotes can be fetched');
      expect(run.stdout).toBe('');
    } finally {
      origin.cleanup();
      work.cleanup();
    }
  });
});
