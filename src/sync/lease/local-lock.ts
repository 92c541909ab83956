/**
 * The local lock: one run of a group at a time per repository on this machine
 * (docs/concurrent-runs.md). It is the only guard of `file` targets, which are local files, and
 * spares gateway targets a wait on their leases when both runs start from one clone.
 *
 * `<root>/.tagway/locks/<group>.lock`, created with O_EXCL, holds the run's token, pid, host and
 * description. A lock whose process is gone (same host, no such pid) is stale and is taken over;
 * a lock of another host (a shared folder) is never judged stale. A run that cannot create the
 * folder (a read-only checkout) runs unguarded on this machine rather than not at all.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SyncError } from '../errors.js';
import { newRunToken, processGone } from './holder.js';
import { SYSTEM_LEASE_CLOCK, describeWait, retryUntil, type Attempt, type LeaseClock } from './wait.js';

export const LOCKS_DIR = path.join('.tagway', 'locks');

/** A lock file with no readable record this much older than now was left by a run that died while creating it. */
const UNREADABLE_STALE_MS = 10_000;

export interface LocalLockOptions {
  /** Root of the config repository. */
  readonly root: string;
  readonly group: string;
  /** This run, for the messages of runs that wait (`describeRun`). */
  readonly holder: string;
  /** How long to wait for another run's lock; 0 fails at once. */
  readonly timeoutMs: number;
  readonly clock?: LeaseClock;
  /** Called when the lock is found held, once per holder. */
  readonly onWait?: (holder: string) => void;
}

export interface LocalLock {
  /** The lock file; null when the repository cannot hold one and the run is unguarded here. */
  readonly path: string | null;
  /** Whether the lock file is still this run's (always false when unguarded). */
  held(): boolean;
  /** Removes the lock file if it is still this run's. */
  release(): void;
}

interface LockRecord {
  readonly token: string;
  readonly pid: number;
  readonly host: string;
  readonly holder: string;
  readonly startedAt: string;
}

interface FoundLock {
  readonly record: LockRecord | null;
  readonly ino: number;
  readonly mtimeMs: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorCode(error: unknown): string | undefined {
  return isRecord(error) && typeof error.code === 'string' ? error.code : undefined;
}

function parseRecord(text: string): LockRecord | null {
  try {
    const value: unknown = JSON.parse(text);
    if (!isRecord(value)) return null;
    const { token, pid, host, holder, startedAt } = value;
    if (typeof token !== 'string' || typeof pid !== 'number' || typeof host !== 'string' || typeof holder !== 'string' || typeof startedAt !== 'string') return null;
    return { token, pid, host, holder, startedAt };
  } catch {
    return null;
  }
}

/** The lock at `file` as found, or null when there is none (released meanwhile). */
function readLock(file: string): FoundLock | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
  try {
    const stat = fs.fstatSync(fd);
    return { record: parseRecord(fs.readFileSync(fd, 'utf8')), ino: stat.ino, mtimeMs: stat.mtimeMs };
  } finally {
    fs.closeSync(fd);
  }
}

/** Left by a run that is gone: its process is not alive on this host, or it died before writing the file. */
function isStale(found: FoundLock): boolean {
  if (found.record === null) return Date.now() - found.mtimeMs > UNREADABLE_STALE_MS;
  return processGone(found.record.host, found.record.pid);
}

/**
 * Whether `moved` is the lock file `found` was: the same inode, and, since a file system reuses the
 * number of an inode just freed, the same record and modification time.
 */
function sameLock(moved: FoundLock, found: FoundLock): boolean {
  return moved.ino === found.ino && moved.mtimeMs === found.mtimeMs && moved.record?.token === found.record?.token;
}

/**
 * Removes the stale lock `found` without removing a fresh one created in its place meanwhile: the
 * file is renamed aside (atomic), and if what was moved is not the stale file (another waiter broke
 * it first and a new run took the lock), it is linked back (which never overwrites) and the aside
 * name removed.
 */
function breakStale(file: string, found: FoundLock): void {
  const aside = `${file}.stale-${newRunToken()}`;
  try {
    fs.renameSync(file, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  try {
    const moved = readLock(aside);
    if (moved !== null && !sameLock(moved, found)) fs.linkSync(aside, file);
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

/** Creates the lock file with O_EXCL: `created`, `exists`, or `unavailable` (the folder cannot hold it). */
function tryCreate(file: string, record: LockRecord): 'created' | 'exists' | 'unavailable' {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o644);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EEXIST') return 'exists';
    if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') return 'unavailable';
    throw error;
  }
  try {
    fs.writeSync(fd, `${JSON.stringify(record)}\n`);
  } finally {
    fs.closeSync(fd);
  }
  return 'created';
}

function ensureFolder(dir: string): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const ignore = path.join(dir, '.gitignore');
    if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '# tagway run locks: never commit\n*\n');
    return true;
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') return false;
    throw error;
  }
}

const UNGUARDED: LocalLock = { path: null, held: () => false, release: () => {} };

/**
 * Takes the group's local lock, waiting up to `timeoutMs` for another run to release it. Throws a
 * `locked` SyncError naming that run when the wait ends first.
 */
export async function acquireLocalLock(options: LocalLockOptions): Promise<LocalLock> {
  const clock = options.clock ?? SYSTEM_LEASE_CLOCK;
  const dir = path.join(options.root, LOCKS_DIR);
  if (!ensureFolder(dir)) return UNGUARDED;
  const file = path.join(dir, `${encodeURIComponent(options.group)}.lock`);
  const mine: LockRecord = { token: newRunToken(), pid: process.pid, host: os.hostname(), holder: options.holder, startedAt: new Date().toISOString() };

  const attempt = async (): Promise<Attempt<boolean>> => {
    // A stale lock broken (or a lock released meanwhile) is tried again at once, a few times.
    for (let tries = 0; tries < 5; tries += 1) {
      const created = tryCreate(file, mine);
      if (created !== 'exists') return { kind: 'done', value: created === 'created' };
      const found = readLock(file);
      if (found === null) continue;
      if (isStale(found)) {
        breakStale(file, found);
        continue;
      }
      return { kind: 'busy', holder: found.record?.holder ?? `a run whose lock file ${file} is being written` };
    }
    return { kind: 'busy', holder: `runs that keep taking ${file}` };
  };
  const outcome = await retryUntil(attempt, { deadline: clock.now() + options.timeoutMs, clock, ...(options.onWait !== undefined ? { onBusy: options.onWait } : {}) });
  if (outcome.kind === 'busy') {
    throw new SyncError({
      code: 'locked',
      message:
        `group ${options.group} is being synced by another run from this repository: ${outcome.holder}` +
        (options.timeoutMs > 0 ? `; gave up after waiting ${describeWait(options.timeoutMs)}` : ''),
      hint:
        `wait for that run to finish, or allow a longer wait with --lock-timeout; a lock whose process is gone is taken over ` +
        `by itself (if its pid now belongs to an unrelated process, delete ${file})`,
    });
  }
  if (!outcome.value) return UNGUARDED;

  const held = (): boolean => {
    try {
      return readLock(file)?.record?.token === mine.token;
    } catch {
      return false;
    }
  };
  // A run that exits without unwinding (process.exit, an uncaught error) still removes its lock.
  const onExit = (): void => {
    if (held()) fs.rmSync(file, { force: true });
  };
  process.on('exit', onExit);
  return {
    path: file,
    held,
    release: () => {
      process.off('exit', onExit);
      onExit();
    },
  };
}
