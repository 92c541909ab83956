import fs from 'node:fs';
import path from 'node:path';
import { GitError } from './errors.js';

/**
 * An open repository. Every read of the git module takes one; all isomorphic-git calls on it share
 * `cache` (parsed pack indexes and packfiles): without it each packed object read re-reads the
 * pack index, which on a large repository costs more than the blob (docs/performance.md,
 * "Reading").
 *
 * The cache only grows; a long-running process that sees many new packs (an agent fetching for
 * days) should open the repository again from time to time.
 */
export interface GitRepo {
  /** Absolute, symlink-free top-level folder of the work tree. */
  readonly dir: string;
  /** Git directory holding objects and refs (the common dir of a linked worktree). */
  readonly gitdir: string;
  /** Git directory of this work tree, holding its HEAD; equals `gitdir` except in a linked worktree. */
  readonly worktreeGitdir: string;
  /** isomorphic-git cache shared by every call on this repository. */
  readonly cache: object;
}

/**
 * Opens the repository whose work tree contains `dir`, walking up to the folder holding `.git`
 * (a folder, or a file `gitdir: <path>` as in submodules and linked worktrees).
 * Throws GitError "not a git repository: <dir>" when there is none. Bare repositories are not
 * work trees and are refused the same way.
 */
export async function openRepo(dir: string): Promise<GitRepo> {
  const start = path.resolve(dir);
  let current: string;
  try {
    current = await fs.promises.realpath(start);
  } catch (error) {
    throw notARepository(start, error);
  }
  for (;;) {
    const dotGit = path.join(current, '.git');
    const stat = await fs.promises.stat(dotGit).catch(() => null);
    if (stat !== null) {
      const worktreeGitdir = stat.isDirectory() ? dotGit : await readGitdirFile(dotGit);
      if (worktreeGitdir !== null && (await isGitdir(worktreeGitdir))) {
        const gitdir = await commonDir(worktreeGitdir);
        await assertSupportedFormat(gitdir);
        return { dir: current, gitdir, worktreeGitdir, cache: {} };
      }
    }
    const parent = path.dirname(current);
    if (parent === current) throw notARepository(start);
    current = parent;
  }
}

function notARepository(dir: string, cause?: unknown): GitError {
  return new GitError(`not a git repository: ${dir}`, {
    hint: 'run the command inside a clone of the config repository, or pass its folder',
    cause,
  });
}

/** `.git` as a file: one line `gitdir: <path>`, the path relative to the file's folder. */
async function readGitdirFile(file: string): Promise<string | null> {
  const text = await fs.promises.readFile(file, 'utf8').catch(() => null);
  const match = text === null ? null : /^gitdir:\s*(.+?)\s*$/m.exec(text);
  const target = match?.[1];
  return target === undefined ? null : path.resolve(path.dirname(file), target);
}

/** The minimum git itself checks before accepting a folder as a git dir: HEAD and objects/ or commondir. */
async function isGitdir(dir: string): Promise<boolean> {
  const exists = (name: string): Promise<boolean> =>
    fs.promises.access(path.join(dir, name)).then(
      () => true,
      () => false,
    );
  return (await exists('HEAD')) && ((await exists('objects')) || (await exists('commondir')));
}

/** A linked worktree's git dir names the main git dir in `commondir`; objects and refs live there. */
async function commonDir(worktreeGitdir: string): Promise<string> {
  const text = await fs.promises.readFile(path.join(worktreeGitdir, 'commondir'), 'utf8').catch(() => null);
  return text === null ? worktreeGitdir : path.resolve(worktreeGitdir, text.trim());
}

/**
 * Repository formats this module cannot read: SHA-256 object ids (isomorphic-git reads SHA-1 only)
 * and the reftable ref store (refs are read from files here). Refusing them up front beats
 * "revision not found" later.
 */
async function assertSupportedFormat(gitdir: string): Promise<void> {
  const config = await fs.promises.readFile(path.join(gitdir, 'config'), 'utf8').catch(() => '');
  if (/^\s*objectformat\s*=\s*sha256\s*$/im.test(config)) {
    throw new GitError(`unsupported repository format (SHA-256 object ids): ${gitdir}`);
  }
  if (/^\s*refstorage\s*=\s*reftable\s*$/im.test(config)) {
    throw new GitError(`unsupported repository format (reftable refs): ${gitdir}`, {
      hint: 'convert it with `git refs migrate --ref-format=files`',
    });
  }
}

/** Commits listed in `shallow`: their parents are not in the repository (a `--depth` clone). */
export async function shallowCommits(repo: GitRepo): Promise<ReadonlySet<string>> {
  const text = await fs.promises.readFile(path.join(repo.gitdir, 'shallow'), 'utf8').catch(() => '');
  return new Set(text.split('\n').filter((line) => line.length > 0));
}

export const SHALLOW_HINT =
  'the clone is shallow; fetch the full history (e.g. `git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout)';

/**
 * Object reads in flight at once across the module. isomorphic-git reads mostly wait on the file
 * system, so a few dozen concurrent reads sharing the repository's cache are about twice as fast
 * as one at a time (docs/performance.md).
 */
export const READ_CONCURRENCY = 32;
