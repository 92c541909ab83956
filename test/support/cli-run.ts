/**
 * Running the built CLI (`bin/run.js`, after `npm run build`) as a user does, and taking apart
 * what the app functions return or throw: a UserError, a sync that ran.
 */
import { expect } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import type { SyncOutcome } from '../../src/app/sync.js';
import { spawnTagway } from './spawn-cli.js';

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built CLI without blocking the event loop (test servers live in this process), with
 * this process's environment but for `unset`, and `env` on top.
 */
export function runCli(args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}, unset: readonly string[] = []): Promise<Run> {
  const run = spawnTagway(args, cwd, env, unset);
  return run.exited.then((code) => ({ code, stdout: run.stdout(), stderr: run.stderr() }));
}

/** The UserError the promise rejects with (and the test fails when it does not). */
export async function userError(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

export function synced(outcome: SyncOutcome): Extract<SyncOutcome, { kind: 'synced' }> {
  if (outcome.kind !== 'synced') throw new Error(`expected a sync, got ${outcome.kind}`);
  return outcome;
}
