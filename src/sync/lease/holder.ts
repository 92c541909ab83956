/**
 * Who a run is, as other runs see it in a lease or lock they wait for: the command, the snapshot,
 * the user and machine, the process and when it started. Never a secret: the command is rebuilt
 * from what the caller names (no raw argv, no environment).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';

export interface RunIdentity {
  /** What runs, e.g. `tagway sync --group staging --rev v1`. */
  readonly command: string;
  /** Digest of the snapshot it takes to the group. */
  readonly digest: string;
}

/** This process: user, host, pid, and the start of the run. */
export interface ProcessInfo {
  readonly user: string;
  readonly host: string;
  readonly pid: number;
  readonly startedAt: Date;
}

export function thisProcess(startedAt = new Date()): ProcessInfo {
  let user = '';
  try {
    user = os.userInfo().username;
  } catch {
    // No passwd entry (some containers): fall back to the environment's idea.
  }
  return { user: user || process.env['USER'] || 'unknown', host: os.hostname(), pid: process.pid, startedAt };
}

/** `tagway sync --group staging --rev v1 by ci@runner-7, pid 4242, started 2025-01-01T00:00:00Z, snapshot sha256:…`. */
export function describeRun(run: RunIdentity, info: ProcessInfo = thisProcess()): string {
  const started = info.startedAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `${run.command} by ${info.user}@${info.host}, pid ${info.pid}, started ${started}, snapshot ${run.digest}`;
}

/** A token that tells this run's lease objects and lock files from any other run's. */
export function newRunToken(): string {
  return randomBytes(8).toString('hex');
}

/**
 * Whether the process `pid` of host `host` is known to be gone: only a process of this host can
 * be looked at (EPERM means it exists under another user). A process of another host is never
 * judged gone; a reused pid is taken for alive (the ttl then decides).
 */
export function processGone(host: string, pid: number): boolean {
  if (host !== os.hostname() || !Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
