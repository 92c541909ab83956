/**
 * The built CLI (`bin/run.js`, run from `dist/`) as a child process that does not block the event
 * loop, so test servers in the test's own process keep answering it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from './example-repo.js';

export const BIN = path.join(PROJECT_ROOT, 'bin/run.js');

export interface Spawned {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<number | null>;
}

/**
 * Starts `tagway <args>` in `cwd` with this process's environment, `NO_COLOR`, without the
 * variables named in `unset` (so a test decides what the child sees), plus `env`.
 */
export function spawnTagway(args: readonly string[], cwd: string, env: Readonly<Record<string, string>>, unset: readonly string[] = []): Spawned {
  const base: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  for (const name of unset) delete base[name];
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...base, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}
