import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gitCliAvailable, withoutGitVariables } from '../git/cli.js';
import type { GitRepo } from '../git/repo.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { gitBlobId } from './blob-id.js';
import { deferredSource } from './deferred-source.js';
import type { Batch, SourceReader } from './deferred-source.js';
import { blobReader } from './git-source.js';
import { CONFIG_ROOTS, MAX_FILE_BYTES, REPO_CONFIG_FILE } from './source-file.js';
import type { SourceFile, SourceTree } from './source-file.js';

/**
 * Reads the config files of a work tree (`services/`, `gateway-groups/`, `tagway.yaml`).
 * Symlinks are followed only when they stay inside the repository; a link that leaves it, a
 * broken link and a linked folder are reported, never read. Files above the size limit are
 * reported without reading them whole. Only genuine I/O failures throw. Every file carries its
 * blob id.
 *
 * Reads are synchronous: tens of thousands of small files are read several times faster one
 * after the other than through promises (docs/performance.md).
 */
export async function readWorktree(root: string): Promise<SourceTree> {
  const rootReal = fs.realpathSync(root);
  const files: SourceFile[] = [];
  const problems: Diagnostic[] = [];
  const walk = (rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(rootReal, rel), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      problems.push(problem('TW1001', rel, `cannot read folder ${rel}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, "Check the folder's permissions."));
      return;
    }
    for (const entry of entries) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isSymbolicLink()) readConfigFile(rootReal, child, true, files, problems);
      else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) readConfigFile(rootReal, child, false, files, problems);
    }
  };
  for (const root of CONFIG_ROOTS) walk(root);
  const config = lstatOrNull(path.join(rootReal, REPO_CONFIG_FILE));
  if (config) readConfigFile(rootReal, REPO_CONFIG_FILE, config.isSymbolicLink(), files, problems);
  return { files, problems };
}

/**
 * The same files as `readWorktree`, with git's help: a tracked file whose stat data matches the
 * index (git's own check, racy timestamps included) takes the index's blob id and is read only
 * when its bytes are used, so a run that finds everything in its cache reads almost nothing.
 * Changed, untracked and linked files are read as `readWorktree` reads them. Falls back to
 * `readWorktree` when git is not available or when git's blob ids could differ from the bytes
 * on disk or from what the folder walk would find: end-of-line or filter conversions configured
 * (`core.autocrlf`, `core.eol`, attributes files), submodules, sparse checkouts, a config folder
 * that is itself a link.
 *
 * `onlyOverlaysOf`: the overlays of other groups may be left out (a compile of those groups does
 * not read them); git is asked not to list them, which saves it and us a third of the work in a
 * repository of three groups. Whatever is listed is what `readWorktree` would read.
 */
export async function readWorktreeIndexed(repo: GitRepo, options: { readonly onlyOverlaysOf?: readonly string[] } = {}): Promise<SourceTree> {
  const listing = await listWorktree(repo, options);
  return (listing && treeOfListing(repo, listing)) ?? readWorktree(repo.dir);
}

/**
 * What git says about the config files of the worktree (`readWorktreeIndexed` reads its files
 * from it): the index's entries (`ls-files -s -v`), the tracked files whose stat data no longer
 * matches the index (`diff-files`) and the untracked ones (`ls-files --others`), as git wrote them.
 */
export interface WorktreeListing {
  readonly indexed: Buffer;
  readonly changed: Buffer;
  readonly untracked: Buffer;
}

/**
 * git's listing of the worktree's config files; null when git is not installed or its blob ids
 * could differ from the bytes on disk (conversions configured, attributes files): `readWorktree`
 * reads the folders then.
 */
export async function listWorktree(repo: GitRepo, options: { readonly onlyOverlaysOf?: readonly string[] } = {}): Promise<WorktreeListing | null> {
  if (!gitCliAvailable()) return null;
  const pathspec = ['--', ...CONFIG_ROOTS, REPO_CONFIG_FILE, ...otherOverlays(repo.dir, options.onlyOverlaysOf)];
  let listing: [Buffer, Buffer, Buffer, Buffer];
  try {
    listing = await Promise.all([
      gitOutput(repo, ['ls-files', '-s', '-v', '-z', ...pathspec]),
      gitOutput(repo, ['diff-files', '--name-only', '-z', ...pathspec]),
      gitOutput(repo, ['ls-files', '--others', '-z', ...pathspec]),
      gitOutput(repo, ['config', '-z', '--get-regexp', '^core\\.(autocrlf|eol|attributesfile)$'], [1]),
    ]);
  } catch {
    return null;
  }
  const [indexed, changed, untracked, conversions] = listing;
  if (conversions.byteLength > 0 && !/^(core\.autocrlf\nfalse\0)*$/i.test(conversions.toString('utf8'))) return null;
  const xdg = process.env['XDG_CONFIG_HOME'] || path.join(process.env['HOME'] ?? '', '.config');
  const attributes = [path.join(repo.dir, '.gitattributes'), path.join(repo.gitdir, 'info', 'attributes'), path.join(xdg, 'git', 'attributes')];
  if (attributes.some((f) => fs.existsSync(f))) return null;
  return { indexed, changed, untracked };
}

/**
 * The files a listing describes: a tracked file git calls unchanged takes the index's blob id and
 * is read when its bytes are used; changed, untracked and linked files are read now, unless
 * `read` (a tree made from the same listing) holds them already. Null when git would list
 * otherwise than the folder walk (nested repositories, skip-worktree entries, submodules,
 * attributes files in the folders): `readWorktree` reads the folders then.
 */
export function treeOfListing(repo: GitRepo, listing: WorktreeListing, read?: SourceTree): SourceTree | null {
  const { indexed, changed, untracked } = listing;
  const rootReal = repo.dir;
  const files: SourceFile[] = [];
  const problems: Diagnostic[] = [];
  const fromDisk = new Set<string>();
  for (const rel of nulSeparated(changed)) fromDisk.add(rel);
  for (const rel of nulSeparated(untracked)) {
    // A folder listed whole is a nested repository, which the folder walk would enter.
    if (rel.endsWith('/') || rel.endsWith('/.gitattributes')) return null;
    fromDisk.add(rel);
  }
  const clean: { rel: string; oid: string }[] = [];
  const seen = new Set<string>();
  for (const record of nulSeparated(indexed)) {
    // `<tag> <mode> <oid> <stage>\t<path>`, fixed widths: tag `H` is a plain cached entry (lower
    // case: assume-unchanged), `S` skip-worktree; modes have six digits, oids forty.
    if (record.charCodeAt(51) !== 9) return null;
    const tag = record[0];
    const mode = record.slice(2, 8);
    const oid = record.slice(9, 49);
    const stage = record[50];
    const rel = record.slice(52);
    if ((CONFIG_ROOTS as readonly string[]).includes(rel) || rel.endsWith('/.gitattributes') || tag === 'S' || mode === '160000') return null;
    if (seen.has(rel)) continue; // the stages of a conflicted path
    seen.add(rel);
    if (tag !== 'H' || stage !== '0' || mode === '120000') fromDisk.add(rel);
    else if (!fromDisk.has(rel) && /\.ya?ml$/.test(rel)) clean.push({ rel, oid });
  }
  const reader = worktreeReader(rootReal);
  const batch = indexedBlobs(repo, reader);
  for (const { rel, oid } of clean) files.push(deferredSource({ path: rel, oid }, reader, { batch }));
  const known = new Map(read?.files.map((f) => [f.path, f]));
  for (const rel of [...fromDisk].sort()) {
    const file = known.get(rel);
    if (file !== undefined) {
      files.push(file);
      continue;
    }
    const st = lstatOrNull(path.join(rootReal, rel));
    if (st === null || st.isDirectory()) continue;
    if (st.isSymbolicLink()) readConfigFile(rootReal, rel, true, files, problems);
    else if (st.isFile() && /\.ya?ml$/.test(rel)) readConfigFile(rootReal, rel, false, files, problems);
  }
  return { files, problems };
}

/** Reads worktree files by path: one reader for thousands of files, not a closure and an origin object each. */
export function worktreeReader(root: string): SourceReader {
  return {
    read: (rel) => readBytes(path.join(root, rel)),
    origin: (rel) => ({ kind: 'file', path: path.join(root, rel) }),
  };
}

/** Below this many files, reading them one by one costs less than starting git. */
const BLOB_BATCH_MIN = 256;

/**
 * Reads many files git calls unchanged (their bytes are their index entries' blobs) by blob id
 * through `git cat-file --batch`, as the benchmark's floor does: git reads its packs, a few files
 * in sequence, on other cores, where reading thousands of small files one by one costs this
 * thread a system call each, and a disk read each once the files have left the page cache. Few
 * files, or a blob git cannot give (a damaged or partial repository), are read from the
 * worktree instead. A blob read by its id is the very content the id names, so the compile
 * cache, keyed by it, can only hold what that content gives.
 */
function indexedBlobs(repo: GitRepo, reader: SourceReader): Batch {
  const blobs = blobReader(repo);
  return {
    async readMany(sources) {
      if (sources.length >= BLOB_BATCH_MIN) {
        try {
          return await blobs.readMany(sources);
        } catch {
          // Read from the worktree below.
        }
      }
      return sources.map((s) => reader.read(s.path));
    },
  };
}

/**
 * Pathspecs leaving out the overlays of the groups other than `groups` found in the worktree
 * (`gateway-groups/<g>/services/<s>.yaml`, as `classifyPath` calls overlays): none when every
 * group is wanted, and none for a folder whose name git's glob would read otherwise.
 */
function otherOverlays(root: string, groups: readonly string[] | undefined): string[] {
  if (groups === undefined) return [];
  let names: string[];
  try {
    names = fs.readdirSync(path.join(root, 'gateway-groups'));
  } catch {
    return [];
  }
  return names.filter((g) => !groups.includes(g) && /^[A-Za-z0-9._-]+$/.test(g)).map((g) => `:(exclude,glob)gateway-groups/${g}/services/*.yaml`);
}

/** Reads one candidate file into `files`, or reports why it cannot be read. */
function readConfigFile(rootReal: string, rel: string, link: boolean, files: SourceFile[], problems: Diagnostic[]): void {
  const abs = path.join(rootReal, rel);
  let target = abs;
  if (link) {
    let real: string;
    try {
      real = fs.realpathSync(abs);
    } catch {
      problems.push(problem('TW1004', rel, `${rel} is a broken symbolic link`, 'Point the link at a file inside the repository, or replace it with the file.'));
      return;
    }
    if (real !== rootReal && !real.startsWith(`${rootReal}${path.sep}`)) {
      problems.push(
        problem('TW1004', rel, `${rel} is a symbolic link to ${real}, outside the repository`, 'Config must live in the repository: copy the file in instead of linking to it.'),
      );
      return;
    }
    const st = fs.statSync(real);
    if (st.isDirectory()) {
      problems.push(problem('TW1004', rel, `${rel} is a symbolic link to a folder; tagway does not follow linked folders`, 'Replace the link with the folder itself.'));
      return;
    }
    if (!st.isFile()) return;
    target = real;
  }
  try {
    const bytes = readBytes(target);
    files.push({ path: rel, bytes, oid: gitBlobId(bytes) });
  } catch (error) {
    problems.push(problem('TW1001', rel, `cannot read ${rel}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, "Check the file's permissions."));
  }
}

/** A file's bytes; an oversized file is handed on as a marker of its size, without reading it whole. */
export function readBytes(file: string): Uint8Array {
  const fd = fs.openSync(file, 'r');
  try {
    // Config files are small: one read into a reused buffer usually gets all of it, without
    // asking for the size first (reads are synchronous, so the buffer is never shared).
    let at = fs.readSync(fd, scratch, 0, FIRST_READ, 0);
    if (at < FIRST_READ) return Buffer.from(scratch.subarray(0, at));
    const { size } = fs.fstatSync(fd);
    if (size > MAX_FILE_BYTES) return new Uint8Array(size);
    let bytes = Buffer.concat([scratch, Buffer.alloc(Math.max(0, size - FIRST_READ))]);
    for (;;) {
      if (at === bytes.byteLength) bytes = Buffer.concat([bytes, Buffer.alloc(bytes.byteLength)]);
      const n = fs.readSync(fd, bytes, at, bytes.byteLength - at, at);
      if (n === 0) break;
      at += n;
    }
    if (at > MAX_FILE_BYTES) return new Uint8Array(at);
    return bytes.subarray(0, at);
  } finally {
    fs.closeSync(fd);
  }
}

const FIRST_READ = 64 * 1024;
const scratch = Buffer.allocUnsafe(FIRST_READ);

function lstatOrNull(file: string): fs.Stats | null {
  try {
    return fs.lstatSync(file);
  } catch {
    return null;
  }
}

/** The records of git's NUL-terminated (`-z`) output. */
export function nulSeparated(out: Buffer): string[] {
  return out.toString('utf8').split('\0').filter((s) => s !== '');
}

/** Runs git in the work tree; exit codes in `ok` besides 0 count as success with no output. */
function gitOutput(repo: GitRepo, args: readonly string[], ok: readonly number[] = []): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // The system configuration is read: whether git converts line endings may be set there.
    const child = spawn('git', ['-C', repo.dir, ...args], { env: withoutGitVariables(), stdio: ['ignore', 'pipe', 'ignore'] });
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

function problem(code: string, file: string, message: string, hint: string): Diagnostic {
  return { code, severity: 'error', message, file, line: 1, column: 1, hint, related: [] };
}
