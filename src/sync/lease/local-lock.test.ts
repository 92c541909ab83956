import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SyncError } from '../errors.js';
import { LOCKS_DIR, acquireLocalLock, type LocalLock } from './local-lock.js';
import type { LeaseClock } from './wait.js';

let root: string;
const held: LocalLock[] = [];

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tagway-lock-'));
});
afterEach(() => {
  for (const lock of held.splice(0)) lock.release();
  fs.rmSync(root, { recursive: true, force: true });
});

async function take(holder: string, timeoutMs = 0, clock?: LeaseClock): Promise<LocalLock> {
  const lock = await acquireLocalLock({ root, group: 'staging', holder, timeoutMs, ...(clock !== undefined ? { clock } : {}) });
  held.push(lock);
  return lock;
}

async function refusal(promise: Promise<unknown>): Promise<SyncError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SyncError);
  return error as SyncError;
}

const lockFile = () => path.join(root, LOCKS_DIR, 'staging.lock');

/** A pid no process has: one that just exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid ?? 0;
}

describe('acquireLocalLock', () => {
  it('lets one run of a group in at a time, names it to the next, and is free again once released', async () => {
    const first = await take('tagway sync --rev a');
    expect(first.held()).toBe(true);
    const error = await refusal(take('tagway sync --rev b'));
    expect(error.code).toBe('locked');
    expect(error.message).toContain('tagway sync --rev a');
    first.release();
    expect(fs.existsSync(lockFile())).toBe(false);
    expect((await take('tagway sync --rev b')).held()).toBe(true);
  });

  it('keeps its folder out of commits', async () => {
    await take('a');
    expect(fs.readFileSync(path.join(root, LOCKS_DIR, '.gitignore'), 'utf8')).toContain('*');
  });

  it('waits for the holder up to the deadline, polling', async () => {
    const first = await take('tagway sync --rev a');
    let time = 0;
    const sleeps: number[] = [];
    const clock: LeaseClock = {
      now: () => time,
      random: () => 0,
      sleep: async (ms) => {
        sleeps.push(ms);
        time += ms;
        if (sleeps.length === 3) first.release();
      },
    };
    const heard: string[] = [];
    const second = await acquireLocalLock({ root, group: 'staging', holder: 'b', timeoutMs: 60_000, clock, onWait: (h) => heard.push(h) });
    held.push(second);
    expect(second.held()).toBe(true);
    expect(sleeps).toEqual([100, 150, 225]);
    expect(heard).toEqual(['tagway sync --rev a']);
  });

  it('gives up at the deadline, naming the holder', async () => {
    await take('tagway sync --rev a');
    let time = 0;
    const clock: LeaseClock = { now: () => time, random: () => 0, sleep: async (ms) => void (time += ms) };
    const error = await refusal(take('b', 5_000, clock));
    expect(error.message).toContain('tagway sync --rev a');
    expect(error.message).toContain('gave up after waiting 5 s');
    expect(time).toBe(5_000);
  });

  it('takes over a lock whose process is gone', async () => {
    fs.mkdirSync(path.dirname(lockFile()), { recursive: true });
    const record = { token: 'dead', pid: deadPid(), host: os.hostname(), holder: 'a run that was killed', startedAt: '2025-01-01T00:00:00Z' };
    fs.writeFileSync(lockFile(), JSON.stringify(record));
    expect((await take('b')).held()).toBe(true);
    expect(fs.readdirSync(path.dirname(lockFile())).sort()).toEqual(['.gitignore', 'staging.lock']);
  });

  it('never judges the lock of another host stale', async () => {
    fs.mkdirSync(path.dirname(lockFile()), { recursive: true });
    const record = { token: 'far', pid: deadPid(), host: `not-${os.hostname()}`, holder: 'a run on another machine', startedAt: '2025-01-01T00:00:00Z' };
    fs.writeFileSync(lockFile(), JSON.stringify(record));
    expect((await refusal(take('b'))).message).toContain('a run on another machine');
  });

  it('takes over a lock file left empty by a run that died creating it, once it is old', async () => {
    fs.mkdirSync(path.dirname(lockFile()), { recursive: true });
    fs.writeFileSync(lockFile(), '');
    expect((await refusal(take('b'))).code).toBe('locked');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lockFile(), old, old);
    expect((await take('b')).held()).toBe(true);
  });

  it('does not remove a lock that is no longer its own', async () => {
    const first = await take('a');
    fs.rmSync(lockFile());
    const second = await take('b');
    expect(first.held()).toBe(false);
    first.release();
    expect(second.held()).toBe(true);
  });
});
