/** Object reads shared by the other files of the module: typed, with GitError on absence. */
import fs from 'node:fs';
import git from 'isomorphic-git';
import { GitError, isNotFound } from './errors.js';
import type { GitRepo } from './repo.js';

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export interface RawObject {
  readonly type: ObjectType;
  readonly content: Uint8Array;
}

/** The object's type and undecorated content; null when the repository does not hold it. */
export async function readRawObject(repo: GitRepo, oid: string): Promise<RawObject | null> {
  try {
    const result = await git.readObject({ fs, gitdir: repo.gitdir, oid, format: 'content', cache: repo.cache });
    if (result.format !== 'content') throw new Error(`unexpected object format ${result.format}`);
    return { type: result.type, content: result.object };
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
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

/** Follows tag objects (a tag may point at another tag) to the object they finally name; null when an object is missing. */
export async function peel(repo: GitRepo, oid: string): Promise<Peeled | null> {
  let current = oid;
  let annotated = false;
  // A chain of tags cannot be cyclic (a tag's oid hashes its target), but a corrupt repository
  // should fail rather than spin.
  for (let depth = 0; depth < 100; depth++) {
    const object = await readRawObject(repo, current);
    if (object === null) return null;
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
