import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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

describe('acquireLocalLock when other runs move at the same time', () => {
  const fresh = (holder: string) => JSON.stringify({ token: holder, pid: process.ppid, host: os.hostname(), holder, startedAt: '2025-01-01T00:00:00Z' });
  const stale = () => JSON.stringify({ token: 'dead', pid: deadPid(), host: os.hostname(), holder: 'a run that was killed', startedAt: '2025-01-01T00:00:00Z' });
  const writeLock = (text: string) => {
    fs.mkdirSync(path.dirname(lockFile()), { recursive: true });
    fs.writeFileSync(lockFile(), text);
  };
  afterEach(() => vi.restoreAllMocks());
  const rename = fs.renameSync;
  /** Another run's lock file in place of the lock file, written aside and renamed over it (so a new file). */
  const replaceLock = (text: string) => {
    fs.writeFileSync(`${lockFile()}.new`, text);
    rename(`${lockFile()}.new`, lockFile());
  };

  /** Runs `meanwhile` right before the first rename of the lock file (the break of a stale lock). */
  function beforeBreak(meanwhile: () => void): void {
    let first = true;
    vi.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
      if (first && from === lockFile()) {
        first = false;
        meanwhile();
      }
      rename(from, to);
    });
  }

  it('puts back a fresh lock another run took in place of the stale one it breaks', async () => {
    writeLock(stale());
    // Another waiter broke the stale lock first, and a new run took the lock.
    beforeBreak(() => replaceLock(fresh('the run that took it meanwhile')));
    expect((await refusal(take('b'))).message).toContain('the run that took it meanwhile');
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8'))).toMatchObject({ holder: 'the run that took it meanwhile' });
    expect(fs.readdirSync(path.dirname(lockFile())).sort()).toEqual(['.gitignore', 'staging.lock']);
  });

  it('puts back a fresh lock that got the inode number of the stale one it breaks', async () => {
    writeLock(stale());
    // Removed, then created again: a file system reuses the number of the inode just freed.
    beforeBreak(() => {
      fs.rmSync(lockFile());
      fs.writeFileSync(lockFile(), fresh('the run that took it meanwhile'));
    });
    expect((await refusal(take('b'))).message).toContain('the run that took it meanwhile');
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8'))).toMatchObject({ holder: 'the run that took it meanwhile' });
  });

  it('leaves the lock to a third run that took it while it put the second back', async () => {
    writeLock(stale());
    beforeBreak(() => {
      replaceLock(fresh('the second run'));
      const link = fs.linkSync;
      vi.spyOn(fs, 'linkSync').mockImplementation((from, to) => {
        fs.writeFileSync(lockFile(), fresh('the third run'));
        link(from, to);
      });
    });
    expect((await refusal(take('b'))).message).toContain('the third run');
    expect(fs.readdirSync(path.dirname(lockFile())).sort()).toEqual(['.gitignore', 'staging.lock']);
  });

  it('takes the lock when another waiter removed the stale one first', async () => {
    writeLock(stale());
    beforeBreak(() => fs.rmSync(lockFile()));
    const lock = await take('b');
    expect(lock.held()).toBe(true);
  });

  it('takes the lock released while it looked at it', async () => {
    writeLock(fresh('a run that is ending'));
    const open = fs.openSync;
    let looks = 0;
    vi.spyOn(fs, 'openSync').mockImplementation(((file: fs.PathLike, flags: fs.OpenMode, mode?: fs.Mode | null) => {
      if (flags === 'r' && (looks += 1) === 1) fs.rmSync(lockFile());
      return open(file, flags, mode);
    }) as typeof fs.openSync);
    expect((await take('b')).held()).toBe(true);
  });

  it('gives up, naming no holder, on a lock that keeps coming and going', async () => {
    fs.mkdirSync(path.dirname(lockFile()), { recursive: true });
    vi.spyOn(fs, 'openSync').mockImplementation(((_file: fs.PathLike, flags?: fs.OpenMode) => {
      throw Object.assign(new Error('moving'), { code: flags === 'r' ? 'ENOENT' : 'EEXIST' });
    }) as typeof fs.openSync);
    const error = await refusal(take('b'));
    expect(error.message).toBe(`group staging is being synced by another run from this repository: runs that keep taking ${lockFile()}`);
    expect(error.data.hint).toContain(`delete ${lockFile()}`);
  });

  const unreadable: ReadonlyArray<{ readonly name: string; readonly text: string }> = [
    { name: 'a record without a pid', text: JSON.stringify({ token: 't', host: os.hostname(), holder: 'h', startedAt: 's' }) },
    { name: 'a record whose pid is a string', text: JSON.stringify({ token: 't', pid: '1', host: os.hostname(), holder: 'h', startedAt: 's' }) },
    { name: 'a record without a start', text: JSON.stringify({ token: 't', pid: 1, host: os.hostname(), holder: 'h' }) },
    { name: 'a list', text: '[1, 2]' },
    { name: 'half a record', text: '{"token": "t", "pid"' },
  ];
  for (const c of unreadable) {
    it(`takes a lock file holding ${c.name} for one being written, and over once it is old`, async () => {
      writeLock(c.text);
      expect((await refusal(take('b'))).message).toBe(`group staging is being synced by another run from this repository: a run whose lock file ${lockFile()} is being written`);
      const old = new Date(Date.now() - 60_000);
      fs.utimesSync(lockFile(), old, old);
      expect((await take('b')).held()).toBe(true);
    });
  }
});

describe('acquireLocalLock where the repository cannot hold a lock', () => {
  afterEach(() => vi.restoreAllMocks());
  const cases: ReadonlyArray<{ readonly name: string; readonly fail: 'mkdirSync' | 'openSync'; readonly code: string; readonly outcome: 'unguarded' | 'fails' }> = [
    { name: 'a read-only checkout (EROFS)', fail: 'mkdirSync', code: 'EROFS', outcome: 'unguarded' },
    { name: 'a folder it may not write (EACCES)', fail: 'mkdirSync', code: 'EACCES', outcome: 'unguarded' },
    { name: 'a folder it may not write (EPERM)', fail: 'mkdirSync', code: 'EPERM', outcome: 'unguarded' },
    { name: 'a full disk (ENOSPC)', fail: 'mkdirSync', code: 'ENOSPC', outcome: 'fails' },
    { name: 'a lock file it may not create (EACCES)', fail: 'openSync', code: 'EACCES', outcome: 'unguarded' },
    { name: 'a lock file it may not create (EROFS)', fail: 'openSync', code: 'EROFS', outcome: 'unguarded' },
    { name: 'a lock file it may not create (EPERM)', fail: 'openSync', code: 'EPERM', outcome: 'unguarded' },
    { name: 'a lock file it cannot create (EIO)', fail: 'openSync', code: 'EIO', outcome: 'fails' },
  ];
  for (const c of cases) {
    it(`${c.outcome === 'unguarded' ? 'runs unguarded in' : 'fails on'} ${c.name}`, async () => {
      vi.spyOn(fs, c.fail).mockImplementation(() => {
        throw Object.assign(new Error(c.code), { code: c.code });
      });
      const taking = take('b');
      if (c.outcome === 'fails') {
        await expect(taking).rejects.toMatchObject({ code: c.code });
        return;
      }
      const lock = await taking;
      expect(lock.path).toBeNull();
      expect(lock.held()).toBe(false);
      vi.restoreAllMocks();
      expect(fs.existsSync(lockFile())).toBe(false);
    });
  }
});

describe('a local lock and the exit of its process', () => {
  it('removes its lock at exit until released, and stops listening once released', async () => {
    const before = process.listenerCount('exit');
    const lock = await take('a');
    expect(process.listenerCount('exit')).toBe(before + 1);
    process.listeners('exit').at(-1)?.call(process, 0);
    expect(fs.existsSync(lockFile())).toBe(false);
    lock.release();
    expect(process.listenerCount('exit')).toBe(before);
  });
});
