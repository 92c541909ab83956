/**
 * Canary checks: run the built CLI with canary strings in its environment, and assert that none of
 * them (nor anything else forbidden) shows in its output or in any file it wrote.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { PROJECT_ROOT } from './example-repo.js';

const BIN = path.join(PROJECT_ROOT, 'bin/run.js');

export interface CliRun {
  readonly code: number | null;
  /** Set when the run was killed (it did not end within the timeout). */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `tagway <args>` in `cwd` with `env` added to this process's environment; a run is killed
 * after 60 s. Asynchronous, so that test servers of this process can answer it.
 */
export function runTagway(args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, timeout: 60_000, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Asserts that `text` holds none of `forbidden`; `where` names it in the failure. */
export function expectAbsent(where: string, text: string, forbidden: readonly string[]): void {
  for (const canary of forbidden) expect(text.includes(canary), `${where} holds ${canary}`).toBe(false);
}

/** Asserts that a run ended by itself and printed none of `forbidden`. */
export function expectCleanRun(run: CliRun, label: string, forbidden: readonly string[]): void {
  expect(run.signal, `${label} was killed (a read that waits?)`).toBeNull();
  expectAbsent(`stdout of ${label}`, run.stdout, forbidden);
  expectAbsent(`stderr of ${label}`, run.stderr, forbidden);
}

/**
 * Asserts that no regular file under `folders` of `dir` (default: all of it but git's own folder,
 * so dist/, .tagway/cache/, …) holds any of `forbidden`. A folder that does not exist is skipped.
 */
export function expectCleanFiles(dir: string, forbidden: readonly string[], folders: readonly string[] = ['']): void {
  const walk = (rel: string) => {
    if (!fs.existsSync(path.join(dir, rel))) return;
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (child === '.git') continue;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) expectAbsent(child, fs.readFileSync(path.join(dir, child)).toString('latin1'), forbidden);
    }
  };
  folders.forEach(walk);
}

/** Every command line that prints the findings of a repository that does not compile, in each format it offers. */
export const FINDINGS_RUNS: readonly (readonly string[])[] = [
  ['validate'],
  ['validate', '--format', 'json'],
  ['validate', '--format', 'github'],
  ['compile'],
  ['compile', '--format', 'json'],
  ['sync', '--group', 'staging'],
  ['sync', '--group', 'staging', '--format', 'json'],
  ['diff'],
  ['diff', '--format', 'json'],
  ['diff', '--format', 'markdown'],
];

/** Asserts that a run of `args` printed a finding `code` at `file:line:column`, in the form of the format `args` ask for. */
export function expectFinding(run: CliRun, args: readonly string[], code: string, file: string, line: number, column: number): void {
  const printed = run.stdout + run.stderr;
  const where = file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  if (args.includes('json')) expect(printed).toMatch(new RegExp(`"code": "${code}",[^{}]*"file": "${where}",\\s*"line": ${line},\\s*"column": ${column},`));
  else if (args.includes('github')) expect(printed).toContain(`::error file=${file},line=${line},col=${column},title=tagway ${code}::`);
  else if (args.includes('markdown')) expect(printed).toContain(`| error | ${code} | \`${file}:${line}:${column}\` |`);
  else expect(printed).toMatch(new RegExp(`${where}:${line}:${column} error .*\\[${code}\\]`));
}
