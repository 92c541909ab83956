/**
 * Reads through the `git` command line, when it is installed: `git cat-file --batch` reads
 * thousands of blobs in one process instead of object by object in JavaScript, and `git ls-tree
 * -r` lists a tree without inflating it object by object (docs/performance.md has the figures).
 * Results are identical to the isomorphic-git paths, which stay the fallback (and are used when
 * TAGWAY_GIT_CLI=0); reader.ts alone chooses between them.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitError } from './errors.js';
import { missingObject } from './missing-object.js';
import type { GitRepo } from './repo.js';

let available: boolean | undefined;

/** True when a `git` executable answers, unless TAGWAY_GIT_CLI=0 turns the fast paths off. */
export function gitCliAvailable(): boolean {
  if (process.env['TAGWAY_GIT_CLI'] === '0') return false;
  if (available === undefined) {
    const probe = spawnSync('git', ['--version'], { stdio: 'ignore' });
    available = probe.status === 0;
  }
  return available;
}

/** This process's environment without the `GIT_*` variables that would point git elsewhere. */
export function withoutGitVariables(): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) out[k] = v;
  return out;
}

/**
 * The environment git reads objects in: no surrounding GIT_DIR / GIT_WORK_TREE redirects the read
 * to another repository, and replace refs are not followed (the JavaScript reader does not follow
 * them either, so every path reads the same objects).
 */
export function gitEnv(): NodeJS.ProcessEnv {
  const out = withoutGitVariables();
  out['GIT_CONFIG_NOSYSTEM'] = '1';
  out['GIT_NO_REPLACE_OBJECTS'] = '1';
  // Kept: the user's way of telling git not to fetch a partial clone's missing objects.
  const noLazyFetch = process.env['GIT_NO_LAZY_FETCH'];
  if (noLazyFetch !== undefined) out['GIT_NO_LAZY_FETCH'] = noLazyFetch;
  return out;
}

/**
 * Fetches objects of a partial clone from its promisor remote, in one request, the way git itself
 * fetches the objects a command finds missing (promisor-remote.c): by id, with the clone's
 * filter, writing no refs and no FETCH_HEAD. Never prompts for credentials. Rejects with the
 * first line git printed when the fetch fails.
 */
export async function fetchObjects(repo: GitRepo, remote: string, filter: string | null, oids: readonly string[]): Promise<void> {
  const args = ['fetch', remote, '--no-tags', '--no-write-fetch-head', '--recurse-submodules=no', '--quiet'];
  if (filter !== null) args.push(`--filter=${filter}`);
  args.push('--stdin');
  // `fetch.negotiationAlgorithm=noop`: the objects are wanted by id, no history to negotiate.
  const env = { GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'fetch.negotiationAlgorithm', GIT_CONFIG_VALUE_0: 'noop' };
  await runGit(repo, args, Buffer.from(`${oids.join('\n')}\n`), 'pipe', env);
}

/**
 * git's output. With `spool` it goes to a temporary file, read once git is done: git never waits
 * for this thread to take its output (a pipe holds 64 KiB), so it works at its own pace while
 * this thread does other work, and megabytes of output come back in one read instead of many.
 */
async function run(repo: GitRepo, args: readonly string[], input?: Buffer, spool = false): Promise<Buffer> {
  if (!spool) return runGit(repo, args, input, 'pipe');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tagway-git-'));
  const file = path.join(dir, 'out');
  try {
    const fd = fs.openSync(file, 'w');
    try {
      await runGit(repo, args, input, fd);
    } finally {
      fs.closeSync(fd);
    }
    return fs.readFileSync(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs git with `input` on its stdin; its stdout is collected (`pipe`) or goes to the file `fd`. */
function runGit(repo: GitRepo, args: readonly string[], input: Buffer | undefined, stdout: 'pipe' | number, env: NodeJS.ProcessEnv = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [`--git-dir=${repo.gitdir}`, ...args], { env: { ...gitEnv(), ...env }, stdio: ['pipe', stdout, 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    // git may exit before it reads its (empty) stdin, e.g. `ls-tree`: the pipe then breaks with
    // EPIPE, which would otherwise be an unhandled error event. The exit code tells the outcome.
    child.stdin?.on('error', () => {});
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new GitError(`git ${args[0]} failed: ${Buffer.concat(err).toString('utf8').trim() || `exit ${code}`}`));
    });
    child.stdin?.end(input ?? Buffer.alloc(0));
  });
}

/** From this many blobs on, git's output goes through a temporary file (see `run`). */
const SPOOL_BLOBS = 256;
/** Blobs per git process when there are many: this thread mostly waits for them (one per core for 30,000). */
const BLOBS_PER_PROCESS = 8192;

/**
 * Blobs by oid via `git cat-file --batch`; `missing` lists the oids the repository lacks (in a
 * partial clone, those git could not fetch: git fetches a missing object when it is asked for).
 * Tens of thousands are split between as many processes as there are cores: this thread mostly
 * waits for them (docs/performance.md, "A cold run reads blobs, not files").
 */
export async function catFileBatch(repo: GitRepo, oids: readonly string[]): Promise<{ blobs: Map<string, Uint8Array>; missing: string[] }> {
  const processes = Math.max(1, Math.min(os.availableParallelism(), Math.floor(oids.length / BLOBS_PER_PROCESS)));
  if (processes === 1) return catFilePart(repo, oids);
  const size = Math.ceil(oids.length / processes);
  const parts = await Promise.all(Array.from({ length: processes }, (_, i) => catFilePart(repo, oids.slice(i * size, (i + 1) * size))));
  return { blobs: new Map(parts.flatMap((part) => [...part.blobs])), missing: parts.flatMap((part) => part.missing) };
}

async function catFilePart(repo: GitRepo, oids: readonly string[]): Promise<{ blobs: Map<string, Uint8Array>; missing: string[] }> {
  const out = await run(repo, ['cat-file', '--batch'], Buffer.from(`${oids.join('\n')}\n`), oids.length >= SPOOL_BLOBS);
  const blobs = new Map<string, Uint8Array>();
  const missing: string[] = [];
  let at = 0;
  for (const oid of oids) {
    const eol = out.indexOf(0x0a, at);
    const header = out.toString('utf8', at, eol);
    const [, type, size] = header.split(' ');
    if (type === 'missing' || size === undefined) {
      missing.push(oid);
      at = eol + 1;
      continue;
    }
    if (type !== 'blob') throw new GitError(`not a blob: ${oid}`);
    const start = eol + 1;
    const end = start + Number(size);
    blobs.set(oid, new Uint8Array(out.buffer, out.byteOffset + start, end - start));
    at = end + 1;
  }
  return { blobs, missing };
}

/** One blob, synchronously (`git cat-file blob`); MissingObjectError when git cannot give it. */
export function catFileBlobSync(repo: GitRepo, oid: string): Uint8Array {
  const result = spawnSync('git', [`--git-dir=${repo.gitdir}`, 'cat-file', 'blob', oid], { env: gitEnv(), maxBuffer: 1 << 30 });
  if (result.status !== 0) throw missingObject(repo, oid, 'blob');
  return new Uint8Array(result.stdout.buffer, result.stdout.byteOffset, result.stdout.byteLength);
}

/**
 * git's output for `args` run in the work tree `dir` (`git -C dir`); exit codes in `ok` besides 0
 * count as success with no output. Unlike the reads of objects above, the system configuration
 * is read: whether git converts line endings may be set there.
 */
export function worktreeGit(dir: string, args: readonly string[], ok: readonly number[] = []): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', dir, ...args], { env: withoutGitVariables(), stdio: ['ignore', 'pipe', 'ignore'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else if (code !== null && ok.includes(code)) resolve(Buffer.alloc(0));
      else reject(new Error(`git ${args[0]} exited ${code}`));
    });
  });
}

/** The oids among `oids` the repository lacks, by `git cat-file --batch-check` (which fetches a partial clone's, as above). */
export async function catFileMissing(repo: GitRepo, oids: readonly string[]): Promise<string[]> {
  const out = await run(repo, ['cat-file', '--batch-check'], Buffer.from(`${oids.join('\n')}\n`));
  return out
    .toString('utf8')
    .split('\n')
    .flatMap((line) => (line.endsWith(' missing') ? [line.slice(0, -' missing'.length)] : []));
}

/**
 * The entries of the trees `names` name (`<rev>:<path>`, no newline in them), read by one
 * `git cat-file --batch`; null for a name that names something other than a tree (a file), and
 * undefined for one git could not resolve: nothing is at that path, or an object on the way to
 * it is missing (git does not say which). Blobs only, as `lsTree` lists them (no folders, no
 * submodules).
 */
export async function treesByName(repo: GitRepo, names: readonly string[]): Promise<(CliTreeEntry[] | null | undefined)[]> {
  if (names.length === 0) return [];
  const out = await run(repo, ['cat-file', '--batch'], Buffer.from(`${names.join('\n')}\n`));
  const trees: (CliTreeEntry[] | null | undefined)[] = [];
  let at = 0;
  for (const name of names) {
    const eol = out.indexOf(0x0a, at);
    if (eol < 0) throw new GitError(`git cat-file --batch stopped before ${name}`);
    const [oid, type, size, ...rest] = out.toString('utf8', at, eol).split(' ');
    at = eol + 1;
    // `<name> missing` (or `ambiguous`): nothing follows.
    if (rest.length > 0 || size === undefined || !/^[0-9a-f]{40}$/.test(oid ?? '')) {
      trees.push(undefined);
      continue;
    }
    const body = out.subarray(at, at + Number(size));
    at += Number(size) + 1;
    trees.push(type === 'tree' ? treeEntries(body) : null);
  }
  return trees;
}

/** The blobs of a tree object: `<mode> <name>\0<20-byte oid>` each. */
function treeEntries(body: Buffer): CliTreeEntry[] {
  const entries: CliTreeEntry[] = [];
  for (let at = 0; at < body.length; ) {
    const space = body.indexOf(0x20, at);
    const nul = body.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 21 > body.length) throw new GitError('a tree object git cannot have written');
    const mode = body.toString('latin1', at, space);
    // Regular files (100644, 100755, old 1006xx) and links (120000) are blobs; 40000 is a
    // folder, 160000 a submodule.
    if (mode.startsWith('100') || mode === '120000') entries.push({ path: body.toString('utf8', space + 1, nul), oid: body.toString('hex', nul + 1, nul + 21), mode });
    at = nul + 21;
  }
  return entries;
}

export interface CliTreeEntry {
  readonly path: string;
  readonly oid: string;
  readonly mode: string;
}

/** Every blob under `prefixes` at `commit` via `git ls-tree -r -z` (paths as git prints them). */
export async function lsTree(repo: GitRepo, commit: string, prefixes: readonly string[]): Promise<CliTreeEntry[]> {
  const out = await run(repo, ['ls-tree', '-r', '-z', '--full-tree', commit, '--', ...prefixes]);
  const entries: CliTreeEntry[] = [];
  for (const record of out.toString('utf8').split('\0')) {
    if (record === '') continue;
    const tab = record.indexOf('\t');
    const [mode, type, oid] = record.slice(0, tab).split(' ');
    if (type !== 'blob' || mode === undefined || oid === undefined) continue;
    entries.push({ path: record.slice(tab + 1), oid, mode });
  }
  return entries;
}

