/**
 * Following a remote: fetch the current branch's upstream (tags included) over HTTP(S) with
 * isomorphic-git, then fast-forward the branch and its work tree. This is what `tagway agent
 * --pull` does before each reconcile; it never merges, rebases or discards anything.
 *
 * Contract of `pullFastForward`:
 * - Fetches every branch and every tag of the remote into `refs/remotes/<remote>/*` and
 *   `refs/tags/*`. A tag that exists locally is never replaced (git's own rule): a version
 *   re-tagged on the remote keeps its original commit here (versions are immutable).
 * - When the remote commit descends from the branch's, moves the branch there and checks it out;
 *   when the branch already contains it, changes nothing; when they have diverged, throws.
 * - Touches the work tree only when it is clean: uncommitted changes to tracked files, or
 *   untracked files the new commit would overwrite, leave branch, index and work tree as they were
 *   and throw.
 * - A fetch that fails part-way leaves no ref behind that names objects the transfer did not
 *   bring (isomorphic-git writes refs before the pack): the remote-tracking refs and tags it
 *   changed are put back.
 * - Errors are GitErrors whose messages name no credentials: a URL is shown without userinfo.
 */
import nodeFs from 'node:fs';
import path from 'node:path';
import git from './isomorphic.js';
import nodeHttp from 'isomorphic-git/http/node';
import { GitError, errorCode } from './errors.js';
import { listRefs, resolveRefName } from './refs.js';
import { updateRefLocked } from './ref-lock.js';
import { openRepo, type GitRepo } from './repo.js';
import { currentBranch } from './revision.js';
import { SecretScrubber } from '../core/scrub.js';

const fs = nodeFs;

/** Where the current branch is fetched from (`branch.<name>.remote` / `.merge`, else origin). */
export interface Upstream {
  readonly branch: string;
  readonly remote: string;
  /** The remote branch as a full ref, e.g. `refs/heads/main`. */
  readonly mergeRef: string;
  /** The remote URL without userinfo (safe to print). */
  readonly url: string;
}

/** HTTP(S) credentials for the remote, sent only when the server asks (401). */
export interface RemoteAuth {
  readonly username: string;
  readonly password: string;
}

export interface PullOptions {
  /** Aborts the transfer, e.g. on a timeout. The refs it changed are put back. */
  readonly signal?: AbortSignal;
  readonly auth?: RemoteAuth;
}

/**
 * - `up-to-date`: the branch is at the remote's commit.
 * - `fast-forwarded`: the branch moved from `from` (null: it had no commit) to `to`, and the work
 *   tree was checked out.
 * - `ahead`: the branch holds commits the remote lacks (and all of the remote's); nothing moved.
 * `newTags` lists tags the fetch created, sorted.
 */
export type PullResult =
  | (Upstream & { readonly kind: 'up-to-date'; readonly commit: string; readonly newTags: readonly string[] })
  | (Upstream & { readonly kind: 'fast-forwarded'; readonly from: string | null; readonly to: string; readonly newTags: readonly string[] })
  | (Upstream & { readonly kind: 'ahead'; readonly commit: string; readonly remoteCommit: string; readonly newTags: readonly string[] });

/** A URL with any `user:password@` removed, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    // Not a URL (scp-like `host:path`, a local path): userinfo can only be before an `@`.
    return url.replace(/^[^@/]*@/, '');
  }
}

/**
 * The upstream of the current branch. Throws GitError on a detached HEAD, a branch without a
 * remote, or a remote that is not http(s) (isomorphic-git speaks only the smart HTTP protocol).
 */
export async function readUpstream(repo: GitRepo): Promise<Upstream> {
  const branch = await currentBranch(repo);
  if (branch === null) {
    throw new GitError(`HEAD of ${repo.dir} is detached; only a branch can follow its remote`, {
      hint: 'check out the branch the clone should follow, e.g. `git switch main`',
    });
  }
  const config = (key: string): Promise<unknown> => git.getConfig({ fs, gitdir: repo.gitdir, path: key });
  const remote = asString(await config(`branch.${branch}.remote`)) ?? 'origin';
  const mergeRef = asString(await config(`branch.${branch}.merge`)) ?? `refs/heads/${branch}`;
  const rawUrl = asString(await config(`remote.${remote}.url`));
  if (rawUrl === null) {
    throw new GitError(`branch ${branch} of ${repo.dir} has no remote to follow (no remote.${remote}.url)`, {
      hint: 'clone the config repository over https, or `git remote add origin https://…`',
    });
  }
  const url = redactUrl(rawUrl);
  if (!/^https?:\/\//i.test(rawUrl)) {
    throw new GitError(`remote ${remote} of ${repo.dir} is ${url}, but only http(s) remotes can be fetched`, {
      hint: `point it at the https URL of the repository: \`git remote set-url ${remote} https://…\``,
    });
  }
  return { branch, remote, mergeRef, url };
}

function asString(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/**
 * Fetches the current branch's remote (all branches and tags) and fast-forwards the branch and
 * its work tree; see the module comment for the contract. Opens the repository afresh, so the
 * isomorphic-git cache does not keep every pack a long-running process ever fetched.
 */
export async function pullFastForward(dir: string, options: PullOptions = {}): Promise<PullResult> {
  const repo = await openRepo(dir);
  if (repo.worktreeGitdir !== repo.gitdir) {
    throw new GitError(`${repo.dir} is a linked worktree; only a repository's main worktree can be fast-forwarded`, {
      hint: 'point the agent at the main checkout of the clone',
    });
  }
  const upstream = await readUpstream(repo);
  const cache = {};
  const remoteCommit = await fetchRemote(repo, upstream, cache, options);

  const localCommit = await resolveRefName(repo, `refs/heads/${upstream.branch}`);
  const { newTags } = remoteCommit;
  if (localCommit === remoteCommit.oid) return { ...upstream, kind: 'up-to-date', commit: localCommit, newTags };
  if (localCommit !== null) {
    if (await isAncestor(repo, cache, remoteCommit.oid, localCommit)) {
      return { ...upstream, kind: 'ahead', commit: localCommit, remoteCommit: remoteCommit.oid, newTags };
    }
    if (!(await isAncestor(repo, cache, localCommit, remoteCommit.oid))) {
      throw new GitError(
        `cannot fast-forward ${upstream.branch} to ${upstream.remote}/${shortRef(upstream.mergeRef)}: they have diverged (local ${localCommit.slice(0, 12)}, remote ${remoteCommit.oid.slice(0, 12)})`,
        {
          hint: `this clone must only follow its remote; \`git reset --hard ${upstream.remote}/${shortRef(upstream.mergeRef)}\` makes it do so again (local commits are lost)`,
        },
      );
    }
  }
  await assertCleanWorktree(repo, cache, upstream.branch, remoteCommit.oid);
  await fastForward(repo, cache, upstream.branch, localCommit, remoteCommit.oid);
  return { ...upstream, kind: 'fast-forwarded', from: localCommit, to: remoteCommit.oid, newTags };
}

function shortRef(ref: string): string {
  return ref.replace(/^refs\/heads\//, '');
}

interface FetchedRemote {
  /** The commit the remote's `mergeRef` points at. */
  readonly oid: string;
  readonly newTags: readonly string[];
}

/** Refs a fetch may write: the remote's tracking refs and the tags. */
async function fetchedRefs(repo: GitRepo, remote: string): Promise<Map<string, string>> {
  const all = new Map<string, string>();
  for (const prefix of [`refs/remotes/${remote}/`, 'refs/tags/']) {
    for (const [ref, oid] of (await listRefs(repo, prefix)).refs) all.set(ref, oid);
  }
  return all;
}

async function fetchRemote(repo: GitRepo, upstream: Upstream, cache: object, options: PullOptions): Promise<FetchedRemote> {
  const before = await fetchedRefs(repo, upstream.remote);
  const signal = options.signal;
  const http = signal === undefined ? nodeHttp : { request: (request: Parameters<typeof nodeHttp.request>[0]) => nodeHttp.request({ ...request, signal }) };
  let result: Awaited<ReturnType<typeof git.fetch>>;
  try {
    result = await git.fetch({
      fs,
      http,
      gitdir: repo.gitdir,
      cache,
      remote: upstream.remote,
      ref: upstream.branch,
      remoteRef: upstream.mergeRef,
      singleBranch: false,
      tags: true,
      ...(options.auth !== undefined ? { onAuth: answerAuth(options.auth) } : {}),
    });
  } catch (error) {
    await restoreRefs(repo, before, upstream.remote);
    throw fetchError(error, upstream, options.auth);
  }
  if (result.fetchHead === null) {
    throw new GitError(`the remote ${upstream.url} has no commits`, { hint: 'push the configuration to it first' });
  }
  const after = await fetchedRefs(repo, upstream.remote);
  const newTags = [...after.keys()]
    .filter((ref) => ref.startsWith('refs/tags/') && !before.has(ref))
    .map((ref) => ref.slice('refs/tags/'.length))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { oid: result.fetchHead, newTags };
}

/** isomorphic-git asks once, on the first 401; a 401 after that is an HttpError. */
function answerAuth(auth: RemoteAuth): () => { username: string; password: string } {
  return () => ({ username: auth.username, password: auth.password });
}

function fetchError(error: unknown, upstream: Upstream, auth: RemoteAuth | undefined): GitError {
  if (error instanceof GitError) return error;
  const withAuth = auth !== undefined;
  const secrets = new SecretScrubber(auth === undefined ? [] : [auth.password]);
  const code = errorCode(error);
  const data = (error as { data?: { statusCode?: number; statusMessage?: string } }).data;
  const where = `cannot fetch ${upstream.url}`;
  if (code === 'HttpError' && data?.statusCode !== undefined) {
    const auth = data.statusCode === 401 || data.statusCode === 403;
    return new GitError(`${where}: HTTP ${data.statusCode}${data.statusMessage ? ` ${secrets.scrub(data.statusMessage)}` : ''}`, {
      hint: !auth
        ? 'check the remote URL and that the server is up'
        : withAuth
          ? 'the server refused the credentials: check TAGWAY_GIT_USERNAME and TAGWAY_GIT_TOKEN'
          : 'the server wants credentials: set TAGWAY_GIT_TOKEN (and TAGWAY_GIT_USERNAME) for the agent',
      cause: error,
    });
  }
  const message = secrets.scrub(scrub(error instanceof Error ? error.message : String(error)));
  return new GitError(`${where}: ${message}`, { hint: 'the next attempt fetches again', cause: error });
}

/** Removes URL userinfo from a message of a lower layer. */
function scrub(message: string): string {
  return message.replace(/(https?:\/\/)[^/\s@]*@/gi, '$1');
}

/**
 * Puts the fetch-written refs back as they were: a changed one to its old value, a new one
 * removed. Only loose ref files are written (isomorphic-git writes loose refs), each through a
 * lock file as git does.
 */
async function restoreRefs(repo: GitRepo, before: ReadonlyMap<string, string>, remote: string): Promise<void> {
  const after = await fetchedRefs(repo, remote).catch(() => new Map<string, string>());
  for (const [ref, oid] of after) {
    const old = before.get(ref);
    if (old === oid) continue;
    if (old === undefined) await fs.promises.unlink(path.join(repo.gitdir, ...ref.split('/'))).catch(() => undefined);
    else await updateRef(repo, ref, oid, old).catch(() => undefined);
  }
}

async function isAncestor(repo: GitRepo, cache: object, ancestor: string, commit: string): Promise<boolean> {
  if (ancestor === commit) return true;
  return git.isDescendent({ fs, gitdir: repo.gitdir, oid: commit, ancestor, depth: -1, cache });
}

/**
 * Refuses (GitError) when tracked files differ from HEAD in the work tree or the index, or when
 * checking out `target` would overwrite files (untracked ones included).
 */
async function assertCleanWorktree(repo: GitRepo, cache: object, branch: string, target: string): Promise<void> {
  const rows = await git.statusMatrix({ fs, dir: repo.dir, gitdir: repo.gitdir, cache });
  // [path, HEAD, workdir, stage]: 1/1/1 is unchanged; 0/2/0 untracked (checked by the dry run below).
  const changed = rows
    .filter(([, head, workdir, stage]) => !(head === 1 && workdir === 1 && stage === 1) && !(head === 0 && stage === 0))
    .map(([file]) => file)
    .sort();
  if (changed.length > 0) throw dirty(repo, branch, target, changed);
  try {
    await git.checkout({ fs, dir: repo.dir, gitdir: repo.gitdir, cache, ref: target, noUpdateHead: true, dryRun: true });
  } catch (error) {
    if (errorCode(error) === 'CheckoutConflictError') {
      const files = (error as { data?: { filepaths?: string[] } }).data?.filepaths ?? [];
      throw dirty(repo, branch, target, files);
    }
    throw error;
  }
}

function dirty(repo: GitRepo, branch: string, target: string, files: readonly string[]): GitError {
  const shown = files.slice(0, 5).join(', ') + (files.length > 5 ? `, and ${files.length - 5} more` : '');
  return new GitError(`the work tree of ${repo.dir} has changes in the way (${shown}); ${branch} was not fast-forwarded to ${target.slice(0, 12)}`, {
    hint: 'this clone is the agent\'s alone: commit and push the change from another clone, and discard it here (`git stash -u` or `git checkout -- .`)',
  });
}

/**
 * Moves `refs/heads/<branch>` from `from` to `to` (compare-and-swap) and checks the branch out.
 * When the checkout fails, the branch is moved back and the error rethrown.
 */
async function fastForward(repo: GitRepo, cache: object, branch: string, from: string | null, to: string): Promise<void> {
  const ref = `refs/heads/${branch}`;
  await updateRef(repo, ref, from, to);
  try {
    await git.checkout({ fs, dir: repo.dir, gitdir: repo.gitdir, cache, ref: branch });
  } catch (error) {
    const undo = from === null ? fs.promises.unlink(path.join(repo.gitdir, ...ref.split('/'))) : updateRef(repo, ref, to, from);
    const undone = await undo.then(
      () => true,
      () => false,
    );
    throw new GitError(
      `checking out ${to.slice(0, 12)} failed: ${error instanceof Error ? error.message : String(error)}${undone ? `; ${branch} was moved back` : `; ${branch} could not be moved back`}`,
      { hint: `compare the work tree with \`git status\`; \`git checkout -f ${branch}\` restores it`, cause: error },
    );
  }
}

/** Sets `ref` to `value` if it is at `expected` (see ref-lock.ts). */
function updateRef(repo: GitRepo, ref: string, expected: string | null, value: string): Promise<void> {
  return updateRefLocked(repo, fs, ref, expected, value, (current) =>
    new GitError(`${ref} moved from ${expected ?? 'nothing'} to ${current ?? 'nothing'} during the fast-forward`, {
      hint: 'another process changes this clone; the next attempt starts over',
    }),
  );
}
