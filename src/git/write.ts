/**
 * Every write tagway makes to a repository: annotated version tags, and commits that change
 * files (a group's `group.yaml`) on the current branch. Objects are written with isomorphic-git;
 * refs with git's own lock-file protocol (`<ref>.lock`, then rename), so a concurrent `git`
 * process either waits for us or we refuse.
 *
 * Contract of `applyRepositoryChange`: it either does everything (tag refs created, branch moved,
 * work tree file and index entry updated) or leaves refs, work tree and index as they were.
 * Objects written on the way (tag, blobs, trees, commits) stay in the object store unreferenced
 * until `git gc` prunes them, exactly as after an aborted `git commit`.
 */
import nodeFs from 'node:fs';
import path from 'node:path';
import git from './isomorphic.js';
import { GitError } from './errors.js';
import type { Person } from './identity.js';
import type { GitRepo } from './repo.js';
import { refPath, updateRefLocked } from './ref-lock.js';
import { gitReader } from './reader.js';

/**
 * The file system every write goes through (and isomorphic-git with it). Production code passes
 * nothing and gets node:fs; tests pass a wrapper that fails one chosen operation.
 */
export interface WriteFs {
  readonly promises: typeof nodeFs.promises;
}

const NODE_FS: WriteFs = { promises: nodeFs.promises };

/** A person at a moment, as commit and tag headers carry it. */
export interface Signature extends Person {
  /** Seconds since the epoch. */
  readonly timestamp: number;
  /** Minutes, as `Date#getTimezoneOffset` returns them (positive west of UTC). */
  readonly timezoneOffset: number;
}

export function signatureAt(person: Person, date: Date): Signature {
  return {
    name: person.name,
    email: person.email,
    timestamp: Math.floor(date.getTime() / 1000),
    timezoneOffset: date.getTimezoneOffset(),
  };
}

export interface FileChange {
  /** Repository-relative path of a file that exists at the parent commit. */
  readonly path: string;
  readonly content: Uint8Array;
}

export interface CommitPlan {
  readonly message: string;
  readonly changes: readonly FileChange[];
}

export interface RepositoryChange {
  /** Branch HEAD is on; commits are added to it. Required when `commits` is not empty. */
  readonly branch: string | null;
  /** The commit HEAD named when the change was planned; the branch must still point there. */
  readonly head: string;
  /** Tag refs to create (their objects written beforehand by `writeTagObject`), all or none. */
  readonly tags?: readonly { readonly name: string; readonly object: string }[];
  /** Commits to add on top of `head`, in order, each changing the files it lists. */
  readonly commits: readonly CommitPlan[];
  readonly author: Signature;
  readonly committer: Signature;
}

export interface AppliedChange {
  /** The new commits, in order; the last one is the branch's new head. */
  readonly commits: readonly string[];
}

/** Commit and tag messages end with one newline, as `git commit` and `git tag` write them. */
function gitMessage(message: string): string {
  return `${message.replace(/\s+$/, '')}\n`;
}

/**
 * Writes an annotated tag object naming `commit` and returns its oid; no ref is created (that is
 * part of `applyRepositoryChange`, so a failed change leaves no tag behind).
 */
export async function writeTagObject(
  repo: GitRepo,
  tag: { readonly name: string; readonly commit: string; readonly message: string; readonly tagger: Signature },
  options: { readonly fs?: WriteFs } = {},
): Promise<string> {
  return git.writeTag({
    fs: options.fs ?? NODE_FS,
    gitdir: repo.gitdir,
    // isomorphic-git ends the rendered tag with a newline of its own.
    tag: { object: tag.commit, type: 'commit', tag: tag.name, tagger: { ...tag.tagger }, message: gitMessage(tag.message).slice(0, -1) },
  });
}

/**
 * Refuses to write in repositories where isomorphic-git's index handling would be wrong: a linked
 * worktree (its index and HEAD live apart from the objects) and index format 4.
 */
export async function assertWritable(repo: GitRepo): Promise<void> {
  assertMainWorktree(repo);
  const handle = await nodeFs.promises.open(path.join(repo.gitdir, 'index'), 'r').catch(() => null);
  if (handle === null) return;
  try {
    const header = Buffer.alloc(8);
    const { bytesRead } = await handle.read(header, 0, 8, 0);
    const version = bytesRead === 8 ? header.readUInt32BE(4) : 2;
    if (version !== 2 && version !== 3) {
      throw new GitError(`the index of ${repo.dir} has format version ${version}, which tagway cannot update`, {
        hint: 'convert it with `git update-index --index-version 2`',
      });
    }
  } finally {
    await handle.close();
  }
}

/**
 * Applies a planned change all or nothing (see the module comment). Order: objects (blobs, trees,
 * commits), tag refs, branch ref (compare-and-swap against `head`), then each changed file in the
 * work tree and its index entry. A failure undoes the completed steps in reverse and rethrows; when
 * an undo step fails too, the GitError says what is left to fix by hand.
 */
export async function applyRepositoryChange(
  repo: GitRepo,
  change: RepositoryChange,
  options: { readonly fs?: WriteFs } = {},
): Promise<AppliedChange> {
  const fsc = options.fs ?? NODE_FS;
  if (change.commits.length > 0 && change.branch === null) {
    throw new GitError('HEAD is detached; tagway commits only on a branch', { hint: 'check out the branch to change, e.g. `git switch main`' });
  }
  const branchRef = change.branch === null ? null : `refs/heads/${change.branch}`;

  // Objects first: nothing refers to them until a ref does, so a failure here changes nothing.
  const commits: string[] = [];
  const finalFiles = new Map<string, { readonly content: Uint8Array; readonly before: Uint8Array; readonly mode: string }>();
  let parent = change.head;
  for (const plan of change.commits) {
    let tree = (await git.readCommit({ fs: fsc, gitdir: repo.gitdir, oid: parent })).commit.tree;
    for (const file of plan.changes) {
      const blob = await git.writeBlob({ fs: fsc, gitdir: repo.gitdir, blob: file.content });
      const replaced = await replaceBlob(repo, fsc, tree, file.path.split('/'), blob, file.path);
      tree = replaced.tree;
      const earlier = finalFiles.get(file.path);
      finalFiles.set(file.path, { content: file.content, before: earlier?.before ?? (await readBlobAt(repo, fsc, change.head, file.path)), mode: replaced.mode });
    }
    parent = await git.writeCommit({
      fs: fsc,
      gitdir: repo.gitdir,
      commit: { message: gitMessage(plan.message), tree, parent: [parent], author: { ...change.author }, committer: { ...change.committer } },
    });
    commits.push(parent);
  }

  const undo: { readonly what: string; readonly run: () => Promise<void> }[] = [];
  try {
    for (const tag of change.tags ?? []) {
      const tagRef = `refs/tags/${tag.name}`;
      await updateRef(repo, fsc, tagRef, null, tag.object);
      undo.push({ what: `delete the tag ${tag.name}`, run: () => deleteLooseRef(repo, fsc, tagRef, tag.object) });
    }
    if (branchRef !== null && commits.length > 0) {
      const last = commits[commits.length - 1]!;
      await updateRef(repo, fsc, branchRef, change.head, last);
      undo.push({ what: `reset ${branchRef} to ${change.head}`, run: () => updateRef(repo, fsc, branchRef, last, change.head) });
      for (const [file, { content, before, mode }] of finalFiles) {
        undo.push({ what: `restore ${file}`, run: () => writeWorktreeFile(repo, fsc, file, before, mode) });
        await writeWorktreeFile(repo, fsc, file, content, mode);
      }
    }
  } catch (error) {
    const failed: string[] = [];
    for (const step of undo.reverse()) {
      try {
        await step.run();
      } catch {
        failed.push(step.what);
      }
    }
    if (failed.length > 0) {
      throw new GitError(`${(error as Error).message}; undoing the partial change failed, the repository needs a manual fix`, {
        hint: `still to do: ${failed.join('; ')}`,
        cause: error,
      });
    }
    throw error;
  }
  if (branchRef !== null && commits.length > 0) await appendReflogs(repo, fsc, branchRef, change, commits);
  return { commits };
}

async function readBlobAt(repo: GitRepo, fsc: WriteFs, commit: string, filepath: string): Promise<Uint8Array> {
  const { blob } = await git.readBlob({ fs: fsc, gitdir: repo.gitdir, oid: commit, filepath });
  return blob;
}

/** A copy of tree `treeOid` with the file at `parts` pointing at `blob` (mode kept); the file must exist. */
async function replaceBlob(
  repo: GitRepo,
  fsc: WriteFs,
  treeOid: string,
  parts: readonly string[],
  blob: string,
  fullPath: string,
): Promise<{ readonly tree: string; readonly mode: string }> {
  const { tree } = await git.readTree({ fs: fsc, gitdir: repo.gitdir, oid: treeOid });
  const [name, ...rest] = parts;
  const entry = tree.find((e) => e.path === name);
  if (entry === undefined) throw new GitError(`${fullPath} does not exist at HEAD`);
  let replacement: { readonly oid: string; readonly mode: string };
  let mode: string;
  if (rest.length === 0) {
    if (entry.type !== 'blob' || entry.mode === '120000') throw new GitError(`${fullPath} is not a regular file at HEAD`);
    replacement = { oid: blob, mode: entry.mode };
    mode = entry.mode;
  } else {
    if (entry.type !== 'tree') throw new GitError(`${fullPath} does not exist at HEAD`);
    const inner = await replaceBlob(repo, fsc, entry.oid, rest, blob, fullPath);
    replacement = { oid: inner.tree, mode: entry.mode };
    mode = inner.mode;
  }
  const next = tree.map((e) => (e.path === name ? { ...e, ...replacement } : e));
  return { tree: await git.writeTree({ fs: fsc, gitdir: repo.gitdir, tree: next }), mode };
}

/** Sets `ref` to `value` if it is at `expected` (see ref-lock.ts). */
function updateRef(repo: GitRepo, fsc: WriteFs, ref: string, expected: string | null, value: string): Promise<void> {
  return updateRefLocked(repo, fsc, ref, expected, value, (current) =>
    new GitError(
      expected === null ? `${ref} already exists` : `${ref} moved from ${expected} to ${current ?? 'nothing'} while tagway was working`,
      { hint: expected === null ? 'versions are immutable; choose another version' : 'run the command again' },
    ),
  );
}

/** Removes a loose ref this module created, if it still holds `value`. */
async function deleteLooseRef(repo: GitRepo, fsc: WriteFs, ref: string, value: string): Promise<void> {
  const file = refPath(repo, ref);
  const current = (await fsc.promises.readFile(file, 'utf8').catch(() => '')).trim();
  if (current === value) await fsc.promises.unlink(file);
}

/**
 * Replaces a work tree file (temporary file + rename, mode kept) and records the new content in the
 * index, so `git status` shows nothing to commit for it.
 */
async function writeWorktreeFile(repo: GitRepo, fsc: WriteFs, filepath: string, content: Uint8Array, mode: string): Promise<void> {
  const file = path.join(repo.dir, ...filepath.split('/'));
  const temp = `${file}.tagway-${process.pid}.tmp`;
  try {
    await fsc.promises.writeFile(temp, content, { mode: mode === '100755' ? 0o755 : 0o644 });
    await fsc.promises.rename(temp, file);
  } catch (error) {
    await fsc.promises.unlink(temp).catch(() => undefined);
    throw error;
  }
  await git.add({ fs: fsc, dir: repo.dir, gitdir: repo.gitdir, filepath, force: true, cache: {} });
}

/** `<old> <new> Name <email> <seconds> <+hhmm>\t<message>` lines, as `git reflog` reads them. Best effort. */
async function appendReflogs(
  repo: GitRepo,
  fsc: WriteFs,
  branchRef: string,
  change: RepositoryChange,
  commits: readonly string[],
): Promise<void> {
  const who = change.committer;
  const offset = -who.timezoneOffset;
  const tz = `${offset < 0 ? '-' : '+'}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}${String(Math.abs(offset) % 60).padStart(2, '0')}`;
  let previous = change.head;
  const lines: string[] = [];
  change.commits.forEach((plan, i) => {
    const oid = commits[i]!;
    const subject = plan.message.split('\n', 1)[0] ?? '';
    lines.push(`${previous} ${oid} ${who.name} <${who.email}> ${who.timestamp} ${tz}\tcommit: ${subject}\n`);
    previous = oid;
  });
  for (const log of [path.join(repo.gitdir, 'logs', ...branchRef.split('/')), path.join(repo.worktreeGitdir, 'logs', 'HEAD')]) {
    const exists = await fsc.promises.stat(log).then(
      () => true,
      () => false,
    );
    if (exists) await fsc.promises.appendFile(log, lines.join('')).catch(() => undefined);
  }
}

/** isomorphic-git looks for the index and HEAD beside the objects; a linked worktree keeps its own. */
function assertMainWorktree(repo: GitRepo): void {
  if (repo.worktreeGitdir !== repo.gitdir) {
    throw new GitError(`${repo.dir} is a linked worktree; tagway writes only in a repository's main worktree`, {
      hint: 'run the command in the main checkout of the repository',
    });
  }
}

/**
 * Paths under `prefixes` whose work tree or index content differs from HEAD, untracked files
 * included and ignored files left out (`GitReader.uncommitted`), sorted. Reads only. Throws
 * GitError in a linked worktree.
 */
export async function uncommittedPaths(repo: GitRepo, prefixes: readonly string[]): Promise<string[]> {
  assertMainWorktree(repo);
  return gitReader(repo).uncommitted(prefixes);
}
