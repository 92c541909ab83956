/**
 * Revisions as `git rev-parse` reads them, for the commands that take one (`compile --rev`,
 * `diff <a> <b>`): HEAD, branches, tags, remote branches, full refs, full or abbreviated oids,
 * followed by any number of `~N`, `^N`, `^{commit}` / `^{}`. Not supported (GitError): reflog
 * (`@{…}`), `:path`, `^{/text}`, ranges (`a..b`).
 */
import fs from 'node:fs';
import git from './isomorphic.js';
import { GitError, errorCode } from './errors.js';
import { commitParents, peel } from './objects.js';
import type { Peeled } from './objects.js';
import { dwimRef, readSymbolicRef, resolveRefName } from './refs.js';
import { SHALLOW_HINT, shallowCommits, type GitRepo } from './repo.js';
import { MissingObjectError } from './missing-object.js';
import { neededFor } from './missing-object.js';

const FULL_OID = /^[0-9a-fA-F]{40}$/;
/** git accepts abbreviations of 4 hex digits or more (MINIMUM_ABBREV). */
const SHORT_OID = /^[0-9a-fA-F]{4,39}$/;

type Step = { readonly kind: 'ancestor'; readonly n: number } | { readonly kind: 'parent'; readonly n: number };

/** Splits `<base><suffix>*`; `~`, `^` and `:` cannot occur in ref names, so the first one ends the base. */
function parseRevision(rev: string): { readonly base: string; readonly steps: readonly Step[] } | null {
  const end = rev.search(/[~^]/);
  const base = end < 0 ? rev : rev.slice(0, end);
  let rest = end < 0 ? '' : rev.slice(end);
  const steps: Step[] = [];
  while (rest.length > 0) {
    const match = /^(?:~(\d*)|\^\{(commit)?\}|\^(\d*))/.exec(rest);
    if (match === null) return null;
    if (match[1] !== undefined) steps.push({ kind: 'ancestor', n: match[1] === '' ? 1 : Number(match[1]) });
    else if (match[3] !== undefined) steps.push({ kind: 'parent', n: match[3] === '' ? 1 : Number(match[3]) });
    // `^{commit}` and `^{}` peel to the commit, which every revision here already is.
    rest = rest.slice(match[0].length);
  }
  return { base, steps };
}

function unknownRevision(rev: string, hint?: string): GitError {
  return new GitError(`unknown revision: ${rev}`, hint === undefined ? {} : { hint });
}

/** The object `base` names, before peeling: a ref (git's lookup order), then an oid. */
async function resolveBase(repo: GitRepo, rev: string, base: string): Promise<string> {
  if (base === '@') base = 'HEAD';
  if (FULL_OID.test(base)) return base.toLowerCase();
  const ref = await dwimRef(repo, base);
  if (ref !== null) return ref.oid;
  if (SHORT_OID.test(base)) {
    try {
      return await git.expandOid({ fs, gitdir: repo.gitdir, oid: base.toLowerCase(), cache: repo.cache });
    } catch (error) {
      if (errorCode(error) === 'AmbiguousError') {
        throw new GitError(`ambiguous revision: ${rev} (${base} is the prefix of several objects)`, {
          hint: 'use more digits of the object id',
        });
      }
      if (errorCode(error) !== 'NotFoundError') throw error;
    }
  }
  if (base === 'HEAD' && (await readSymbolicRef(repo, 'HEAD')) !== null) {
    throw unknownRevision(rev, 'the current branch has no commits yet');
  }
  throw unknownRevision(rev);
}

/**
 * The commit oid a revision names, as `git rev-parse --verify <rev>^{commit}` prints it.
 * Throws GitError naming `rev` when it does not resolve, is ambiguous, names something other than
 * a commit, or walks past the start of the history (or past the edge of a shallow clone).
 */
export async function resolveRevision(repo: GitRepo, rev: string): Promise<string> {
  const parsed = parseRevision(rev);
  if (parsed === null || parsed.base.length === 0 || /@\{|\.\.|:/.test(rev)) {
    throw new GitError(`unsupported revision syntax: ${rev}`, {
      hint: 'use a branch, tag or commit id, optionally followed by ~N or ^N',
    });
  }
  const object = await resolveBase(repo, rev, parsed.base);
  let target: Peeled;
  try {
    target = await neededFor(`the revision ${rev}`, () => peel(repo, object));
  } catch (error) {
    // An object id typed in full names nothing here: unknown, not missing.
    if (error instanceof MissingObjectError && error.oid === object && FULL_OID.test(parsed.base)) throw unknownRevision(rev);
    throw error;
  }
  if (target.type !== 'commit') throw new GitError(`${rev} names a ${target.type}, not a commit`);
  let commit = target.oid;
  let shallow: ReadonlySet<string> | null = null;
  const parentsOf = async (oid: string): Promise<readonly string[]> => {
    shallow ??= await shallowCommits(repo);
    const parents = shallow.has(oid) ? null : await commitParents(repo, oid);
    if (parents === null) throw unknownRevision(rev, `the history of ${rev} is not in this clone; ${SHALLOW_HINT}`);
    return parents;
  };
  for (const step of parsed.steps) {
    const hops = step.kind === 'ancestor' ? step.n : step.n === 0 ? 0 : 1;
    for (let i = 0; i < hops; i++) {
      const parents = await parentsOf(commit);
      const next = parents[step.kind === 'ancestor' ? 0 : step.n - 1];
      if (next === undefined) throw unknownRevision(rev, 'the history is shorter than that');
      commit = next;
    }
  }
  return commit;
}

/** The commit HEAD points at; null on an unborn branch (a repository with no commit yet). */
export async function headCommit(repo: GitRepo): Promise<string | null> {
  return resolveRefName(repo, 'HEAD');
}

/** The branch HEAD is on ('main'), or null when HEAD is detached (as in most CI checkouts). */
export async function currentBranch(repo: GitRepo): Promise<string | null> {
  const target = await readSymbolicRef(repo, 'HEAD');
  return target?.startsWith('refs/heads/') === true ? target.slice('refs/heads/'.length) : null;
}

export interface DefaultBranch {
  /** Branch name without remote, e.g. 'main'. */
  readonly name: string;
  /** Full ref it was found as: 'refs/remotes/origin/main' or 'refs/heads/main'. */
  readonly ref: string;
  readonly commit: string;
}

/**
 * The branch pull requests merge into, for `diff` without a base. In order: the branch
 * `origin/HEAD` names (set by `git clone` and `git remote set-head`), local `main`, local
 * `master`, `origin/main`, `origin/master`; null when none exists — the caller then asks for an
 * explicit base. Only the remote named `origin` is consulted; other remote names are ambiguous.
 */
export async function defaultBranch(repo: GitRepo): Promise<DefaultBranch | null> {
  const candidates: string[] = [];
  const originHead = await readSymbolicRef(repo, 'refs/remotes/origin/HEAD');
  if (originHead?.startsWith('refs/remotes/origin/') === true) candidates.push(originHead);
  candidates.push('refs/heads/main', 'refs/heads/master', 'refs/remotes/origin/main', 'refs/remotes/origin/master');
  for (const ref of candidates) {
    const commit = await resolveRefName(repo, ref);
    if (commit === null) continue;
    const name = ref.replace(/^refs\/(heads|remotes\/origin)\//, '');
    return { name, ref, commit };
  }
  return null;
}

/**
 * The best common ancestor of two revisions (`git merge-base a b`); null when they share no
 * history — or none that a shallow clone holds. With several equally good bases (criss-cross
 * merges) the smallest oid is returned, so the answer is stable.
 */
export async function mergeBase(repo: GitRepo, a: string, b: string): Promise<string | null> {
  const [left, right] = await Promise.all([resolveRevision(repo, a), resolveRevision(repo, b)]);
  let bases: string[];
  try {
    bases = (await git.findMergeBase({ fs, gitdir: repo.gitdir, oids: [left, right], cache: repo.cache })) as string[];
  } catch (error) {
    if (errorCode(error) === 'NotFoundError') {
      throw new GitError(`cannot find the merge base of ${a} and ${b}: history is missing`, { hint: SHALLOW_HINT, cause: error });
    }
    throw error;
  }
  return [...bases].sort()[0] ?? null;
}
