/** Object reads shared by the other files of the module: typed, with MissingObjectError on absence. */
import fs from 'node:fs';
import git from './isomorphic.js';
import { fetchObjects, gitCliAvailable } from './cli.js';
import { readCloneState } from './clone.js';
import type { FetchFailure } from './clone.js';
import { GitError, isNotFound, notFoundOid } from './errors.js';
import type { GitRepo } from './repo.js';
import type { ObjectType } from './missing-object.js';
import { missingObject } from './missing-object.js';

/**
 * Runs an isomorphic-git read that needs `oid` (and, reading through a commit or tag, the objects
 * it names). When an object is absent: in a partial clone it is fetched from the promisor remote,
 * as git's own commands do (isomorphic-git does not), and the read runs again; otherwise, or when
 * the fetch does not bring it, MissingObjectError names it. `type` is `oid`'s type, when known.
 */
export async function readPresent<T>(repo: GitRepo, oid: string, type: ObjectType | null, read: () => Promise<T>): Promise<T> {
  const tried = new Set<string>();
  for (;;) {
    try {
      return await read();
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const missing = notFoundOid(error) ?? oid;
      const missingType = missing === oid ? type : null;
      if (tried.has(missing)) throw missingObject(repo, missing, missingType, { fetch: { kind: 'not-on-remote' }, cause: error });
      tried.add(missing);
      const fetched = await fetchFromPromisor(repo, [missing]);
      if (fetched !== 'fetched') throw missingObject(repo, missing, missingType, { fetch: fetched, cause: error });
    }
  }
}

/** A partial clone's fetches: what each object's fetch came to, and the fetch being gathered. */
interface FetchState {
  readonly outcomes: Map<string, Promise<'fetched' | FetchFailure>>;
  pending: { readonly oids: string[]; readonly run: Promise<'fetched' | FetchFailure> } | null;
}

const fetchStates = new WeakMap<object, FetchState>();

/**
 * Has git fetch `oids` from a partial clone's promisor remote. Objects asked for before this
 * thread next waits go in one fetch, and each object is asked for once per open repository (a
 * failure is not retried). Null when the repository is not a partial clone (nothing to fetch
 * from); otherwise 'fetched' when git fetched them, or why not.
 */
export async function fetchFromPromisor(repo: GitRepo, oids: readonly string[]): Promise<'fetched' | FetchFailure | null> {
  const partial = readCloneState(repo).partial;
  if (partial === null) return null;
  if (!gitCliAvailable()) return { kind: 'no-cli' };
  if (/^(1|true|yes|on)$/i.test(process.env['GIT_NO_LAZY_FETCH'] ?? '')) return { kind: 'disabled' };
  let state = fetchStates.get(repo.cache);
  if (state === undefined) fetchStates.set(repo.cache, (state = { outcomes: new Map(), pending: null }));
  const fetches = state;
  const outcome = (oid: string): Promise<'fetched' | FetchFailure> => {
    const known = fetches.outcomes.get(oid);
    if (known !== undefined) return known;
    if (fetches.pending === null) {
      const batch: string[] = [];
      const run = new Promise<void>((resolve) => setImmediate(resolve)).then(async (): Promise<'fetched' | FetchFailure> => {
        fetches.pending = null;
        try {
          await fetchObjects(repo, partial.remote, partial.filter, batch);
          return 'fetched';
        } catch (error) {
          return { kind: 'failed', message: error instanceof GitError ? error.message.split('\n')[0]! : String(error) };
        }
      });
      fetches.pending = { oids: batch, run };
    }
    fetches.pending.oids.push(oid);
    fetches.outcomes.set(oid, fetches.pending.run);
    return fetches.pending.run;
  };
  const outcomes = await Promise.all(oids.map(outcome));
  return outcomes.find((o) => o !== 'fetched') ?? 'fetched';
}

export interface RawObject {
  readonly type: ObjectType;
  readonly content: Uint8Array;
}

/** The object's type and undecorated content. Throws MissingObjectError when the repository does not hold it. */
export async function readRawObject(repo: GitRepo, oid: string): Promise<RawObject> {
  return readPresent(repo, oid, null, async () => {
    const result = await git.readObject({ fs, gitdir: repo.gitdir, oid, format: 'content', cache: repo.cache });
    if (result.format !== 'content') throw new Error(`unexpected object format ${result.format}`);
    return { type: result.type, content: result.object };
  });
}

const decoder = new TextDecoder();

/** The `object <oid>` header of an annotated tag object. */
function tagTarget(content: Uint8Array, oid: string): string {
  const header = decoder.decode(content.subarray(0, Math.min(content.length, 128)));
  const target = /^object ([0-9a-f]{40})\n/.exec(header)?.[1];
  if (target === undefined) throw new GitError(`malformed tag object ${oid}`);
  return target;
}

export interface Peeled {
  /** The object that is not a tag, reached by following tag objects. */
  readonly oid: string;
  readonly type: Exclude<ObjectType, 'tag'>;
  /** Whether at least one tag object was followed. */
  readonly annotated: boolean;
}

/**
 * Follows tag objects (a tag may point at another tag) to the object they finally name. Throws
 * MissingObjectError when one of them is missing (a tag object after the first is known to be
 * one; the first, and the object finally named, may be anything).
 */
export async function peel(repo: GitRepo, oid: string): Promise<Peeled> {
  let current = oid;
  let annotated = false;
  // A chain of tags cannot be cyclic (a tag's oid hashes its target), but a corrupt repository
  // should fail rather than spin.
  for (let depth = 0; depth < 100; depth++) {
    const object = await readRawObject(repo, current);
    if (object.type !== 'tag') return { oid: current, type: object.type, annotated };
    annotated = true;
    current = tagTarget(object.content, current);
  }
  throw new GitError(`tag chain too long at ${oid}`);
}

/** Parent oids of a commit, in order; null when the commit object is missing. */
export async function commitParents(repo: GitRepo, oid: string): Promise<readonly string[] | null> {
  try {
    const { commit } = await git.readCommit({ fs, gitdir: repo.gitdir, oid, cache: repo.cache });
    return commit.parent;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}
