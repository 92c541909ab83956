/**
 * The built CLI (`bin/run.js`, which runs `dist/`) in a child process, without blocking the
 * event loop: the test servers it talks to live in the test's process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from './example-repo.js';

export const BIN = path.join(PROJECT_ROOT, 'bin/run.js');

export interface SpawnedCli {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The exit status (null when a signal ended it). */
  readonly exited: Promise<number | null>;
}

/** Runs `tagway <args>` in `cwd` with exactly `env` (plus `NO_COLOR=1`). */
export function spawnCli(args: readonly string[], cwd: string, env: Readonly<Record<string, string | undefined>>): SpawnedCli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/**
 * Runs `tagway <args>` in `cwd` with this process's environment without the variables named in
 * `unset` (so a test decides what the child sees), plus `env`.
 */
export function spawnTagway(args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}, unset: readonly string[] = []): SpawnedCli {
  const base: Record<string, string | undefined> = { ...process.env };
  for (const name of unset) delete base[name];
  return spawnCli(args, cwd, { ...base, ...env });
}
