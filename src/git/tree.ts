/**
 * Files of a commit read in JavaScript (isomorphic-git): tree listing and blob reads, object by
 * object. reader.ts puts them behind `GitReader`, beside git's command line; nothing else
 * chooses between the two.
 */
import fs from 'node:fs';
import git from './isomorphic.js';
import { mapBounded } from '../core/bounded.js';
import { READ_CONCURRENCY } from './repo.js';
import { GitError, errorCode } from './errors.js';
import { fetchFromPromisor, readPresent } from './objects.js';
import type { GitRepo } from './repo.js';
import { MissingObjectError } from './missing-object.js';
import { missingObject } from './missing-object.js';

export interface TreeEntry {
  /** Repository-relative path with forward slashes. */
  readonly path: string;
  /** Blob oid. */
  readonly oid: string;
  /** '100644' file, '100755' executable, '120000' symlink (the blob holds the link target). */
  readonly mode: string;
}

interface RawEntry {
  readonly path: string;
  readonly oid: string;
  readonly mode: string;
  readonly type: string;
}

/**
 * `prefixes` as repository-relative paths without leading `./` or `/` or trailing `/`; '' is the
 * whole tree. A `..` segment is refused: it cannot name anything inside a tree.
 */
export function normalisePrefix(prefix: string): string {
  const parts = prefix.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw new GitError(`invalid path prefix: ${prefix}`);
  return parts.join('/');
}

/**
 * The entries of a tree (of a commit's or tag's tree when `oid` names one of those). `folder`:
 * the tree's path in the commit being listed, for a MissingObjectError's context; null for the
 * root, whose oid may be of any of those kinds.
 */
async function readTreeEntries(repo: GitRepo, oid: string, commit: string, folder: string | null): Promise<readonly RawEntry[]> {
  try {
    return await readPresent(repo, oid, folder === null ? null : 'tree', async () => (await git.readTree({ fs, gitdir: repo.gitdir, oid, cache: repo.cache })).tree);
  } catch (error) {
    if (error instanceof MissingObjectError) throw error.withContext(folder === null ? `the files of commit ${commit}` : `the folder ${folder} at commit ${commit}`);
    if (errorCode(error) === 'ObjectTypeError') throw new GitError(`not a commit or tree: ${oid}`, { cause: error });
    throw error;
  }
}

/**
 * Every blob under `wanted` (normalised prefixes, see `normalisePrefix`; '' is the whole tree) at
 * `commit` (a commit, tag or tree oid), recursively, by reading tree objects one by one. Sorted by
 * path in code point (UTF-8 byte) order, which is also the order of `git ls-tree -r`.
 */
export async function walkTree(repo: GitRepo, commit: string, wanted: readonly string[]): Promise<TreeEntry[]> {
  const root = await readTreeEntries(repo, commit, commit, null);
  const trees = new Map<string, Promise<readonly RawEntry[]>>();
  const readTree = (oid: string, folder: string): Promise<readonly RawEntry[]> => {
    let entries = trees.get(oid);
    if (entries === undefined) {
      entries = readTreeEntries(repo, oid, commit, folder);
      trees.set(oid, entries);
    }
    return entries;
  };

  const found = new Map<string, TreeEntry>();
  const addBlob = (path: string, entry: RawEntry): void => {
    if (entry.type === 'blob') found.set(path, { path, oid: entry.oid, mode: entry.mode });
  };
  /** Folders still to list: [repository path, tree oid]. Walked level by level, reads bounded. */
  let level: (readonly [string, string])[] = [];
  for (const prefix of wanted) {
    if (prefix === '') {
      level.push(['', '']);
      continue;
    }
    let entries = root;
    const parts = prefix.split('/');
    for (const [i, part] of parts.entries()) {
      const entry = indexOf(entries).get(part);
      if (entry === undefined) break;
      if (i === parts.length - 1) {
        if (entry.type === 'tree') level.push([prefix, entry.oid]);
        else addBlob(prefix, entry);
      } else if (entry.type === 'tree') {
        entries = await readTree(entry.oid, parts.slice(0, i + 1).join('/'));
      } else {
        break;
      }
    }
  }
  const seen = new Set<string>();
  while (level.length > 0) {
    const todo = level.filter(([dir]) => !seen.has(dir));
    todo.forEach(([dir]) => seen.add(dir));
    const listed = await mapBounded(todo, READ_CONCURRENCY, ([dir, oid]) => (oid === '' ? Promise.resolve(root) : readTree(oid, dir)));
    level = [];
    todo.forEach(([dir], i) => {
      for (const entry of listed[i] ?? []) {
        const path = dir === '' ? entry.path : `${dir}/${entry.path}`;
        if (entry.type === 'tree') level.push([path, entry.oid]);
        else addBlob(path, entry);
      }
    });
  }
  // UTF-16 comparison (`<`) departs from code point order for characters beyond U+FFFF.
  return [...found.values()]
    .map((entry) => ({ entry, key: Buffer.from(entry.path, 'utf8') }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map(({ entry }) => entry);
}

const indexes = new WeakMap<readonly RawEntry[], Map<string, RawEntry>>();

/** Entries of a tree by name, built once per listed tree (many prefixes share a folder). */
function indexOf(entries: readonly RawEntry[]): Map<string, RawEntry> {
  let index = indexes.get(entries);
  if (!index) indexes.set(entries, (index = new Map(entries.map((e) => [e.path, e]))));
  return index;
}

/** The content of one blob. Throws MissingObjectError when the repository does not hold it. */
export async function readBlob(repo: GitRepo, oid: string): Promise<Uint8Array> {
  try {
    return await readPresent(repo, oid, 'blob', async () => (await git.readBlob({ fs, gitdir: repo.gitdir, oid, cache: repo.cache })).blob);
  } catch (error) {
    if (errorCode(error) === 'ObjectTypeError') throw new GitError(`not a blob: ${oid}`, { cause: error });
    throw error;
  }
}

/**
 * Many blobs, READ_CONCURRENCY at a time through the repository's shared cache: each distinct oid
 * once, in the order of first appearance; the blobs the repository does not hold are left out of
 * `blobs` and listed in `missing`.
 */
export async function readBlobsOneByOne(repo: GitRepo, unique: readonly string[]): Promise<{ blobs: Map<string, Uint8Array>; missing: Map<string, MissingObjectError> }> {
  const missing = new Map<string, MissingObjectError>();
  const read = await mapBounded(unique, READ_CONCURRENCY, (oid) =>
    readBlob(repo, oid).catch((error: unknown) => {
      if (error instanceof MissingObjectError) return error;
      throw error;
    }),
  );
  const blobs = new Map<string, Uint8Array>();
  unique.forEach((oid, i) => {
    const bytes = read[i]!;
    if (bytes instanceof MissingObjectError) missing.set(oid, bytes);
    else blobs.set(oid, bytes);
  });
  return { blobs, missing };
}

/**
 * The blobs among `unique` the repository does not hold, looked up one by one without reading
 * the others' content. In a partial clone they are fetched first, as a read would.
 */
export async function missingBlobsOneByOne(repo: GitRepo, unique: readonly string[]): Promise<Map<string, MissingObjectError>> {
  const missing = new Map<string, MissingObjectError>();
  const absent = (await mapBounded(unique, READ_CONCURRENCY, async (oid) => ((await hasObject(repo, oid)) ? null : oid))).filter((o) => o !== null);
  if (absent.length === 0) return missing;
  const fetched = await fetchFromPromisor(repo, absent);
  for (const oid of absent) {
    if (fetched === 'fetched' && (await hasObject(repo, oid))) continue;
    missing.set(oid, missingObject(repo, oid, 'blob', { fetch: fetched === 'fetched' ? { kind: 'not-on-remote' } : fetched }));
  }
  return missing;
}

async function hasObject(repo: GitRepo, oid: string): Promise<boolean> {
  try {
    // Deflated: a loose object is found without being inflated.
    await git.readObject({ fs, gitdir: repo.gitdir, oid, format: 'deflated', cache: repo.cache });
    return true;
  } catch (error) {
    if (errorCode(error) === 'NotFoundError') return false;
    throw error;
  }
}

/** `GitReader.uncommitted` by isomorphic-git's status, which hashes every file it lists. */
export async function uncommittedByStatusMatrix(repo: GitRepo, prefixes: readonly string[]): Promise<string[]> {
  const rows = await git.statusMatrix({
    fs,
    dir: repo.dir,
    gitdir: repo.gitdir,
    filepaths: [...prefixes],
    cache: {},
    refresh: false,
  });
  return rows
    .filter(([, head, workdir, stage]) => !(head === 1 && workdir === 1 && stage === 1))
    .map(([file]) => file)
    .sort();
}
