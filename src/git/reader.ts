/**
 * The reads of a repository that the source adapters (src/source) and the build (src/incremental) do —
 * tree listings, blobs by id (many at once, or one synchronously), which blobs are missing,
 * git's listing of a work tree and the paths that differ from HEAD — behind one interface, `GitReader`. Whether git's command line or
 * isomorphic-git does them is decided here and nowhere else (`gitReader`): the command line when a
 * `git` executable answers (TAGWAY_GIT_CLI=0 turns it off), isomorphic-git otherwise. Both give
 * the same results (cli.test.ts); the command line reads many objects in one process and is the
 * only one that lists the index or reads a blob synchronously.
 */
import { catFileBatch, catFileBlobSync, catFileMissing, gitCliAvailable, lsTree, treesByName, worktreeGit } from './cli.js';
import { GitError } from './errors.js';
import type { MissingObjectError } from './missing-object.js';
import { missingObject } from './missing-object.js';
import type { GitRepo } from './repo.js';
import { missingBlobsOneByOne, normalisePrefix, readBlobsOneByOne, uncommittedByStatusMatrix, walkTree } from './tree.js';
import type { TreeEntry } from './tree.js';

export type { TreeEntry } from './tree.js';

export interface GitReader {
  /**
   * Every blob under `prefixes` (repository-relative folders, e.g. ['services/petstore']) at
   * `commit` (a commit, tag or tree oid), recursively; no prefixes or [] = the whole tree. A
   * prefix that names a file lists that file; one that names nothing lists nothing. Submodules
   * (gitlinks) are not blobs and are left out. Sorted by path in code point (UTF-8 byte) order,
   * which is also the order of `git ls-tree -r`. `large`: the prefixes hold many objects (whole
   * config folders). A missing tree is a MissingObjectError naming it.
   */
  listTree(commit: string, prefixes?: readonly string[], options?: { readonly large?: boolean }): Promise<TreeEntry[]>;
  /**
   * The entries of the trees `names` name (`<rev>:<path>`), in one read: null for a name that
   * names something other than a tree, undefined for one that does not resolve (nothing at that
   * path, or an object on the way is missing). Null as a whole when this reader cannot read trees
   * by name: list the commits' trees instead.
   */
  treesByName(names: readonly string[]): Promise<(TreeEntry[] | null | undefined)[] | null>;
  /** Each distinct blob of `oids` once; those the repository does not hold are in `missing`. */
  readBlobs(oids: readonly string[]): Promise<{ blobs: Map<string, Uint8Array>; missing: Map<string, MissingObjectError> }>;
  /** Whether `readBlobSync` can read (it throws otherwise). */
  readonly synchronous: boolean;
  /** One blob, synchronously. MissingObjectError when the repository does not hold it. */
  readBlobSync(oid: string): Uint8Array;
  /**
   * The blobs among `oids` the repository does not hold, without reading the others' content:
   * what a read of them would throw. In a partial clone they are fetched first, as a read would.
   */
  missingBlobs(oids: readonly string[]): Promise<Map<string, MissingObjectError>>;
  /**
   * git's own account of the work tree's files under `pathspec` (raw `-z` output, unparsed); null
   * when this reader cannot list the index, or git failed.
   */
  listWorktree(pathspec: readonly string[]): Promise<WorktreeGitListing | null>;
  /**
   * Paths under `prefixes` whose work tree or index content differs from HEAD, untracked files
   * included and ignored files left out (`git status --porcelain -- <prefixes>`), sorted
   * (`Array.prototype.sort`). Reads only (the index's stat cache is not refreshed).
   */
  uncommitted(prefixes: readonly string[]): Promise<string[]>;
}

/** What git says about a work tree's files, as git wrote it. */
export interface WorktreeGitListing {
  /** `ls-files -s -v -z`: the index's entries. */
  readonly indexed: Buffer;
  /** `diff-files --name-only -z`: tracked files whose stat data no longer matches the index. */
  readonly changed: Buffer;
  /** `ls-files --others -z`: untracked files (ignored ones too). */
  readonly untracked: Buffer;
  /** `config -z --get-regexp` of the settings that convert what git stores (`core.autocrlf`, `core.eol`, `core.attributesfile`). */
  readonly conversions: Buffer;
}

/** The reader of `repo`: git's command line when installed, isomorphic-git otherwise. */
export function gitReader(repo: GitRepo): GitReader {
  return gitCliAvailable() ? new CliReader(repo) : new JsReader(repo);
}

/** Below this many objects one git process costs more than reading them in JavaScript. */
const CLI_THRESHOLD = 64;

/** isomorphic-git alone. */
class JsReader implements GitReader {
  readonly synchronous: boolean = false;
  constructor(protected readonly repo: GitRepo) {}

  listTree(commit: string, prefixes: readonly string[] = []): Promise<TreeEntry[]> {
    return walkTree(this.repo, commit, wantedPrefixes(prefixes));
  }

  async treesByName(_names: readonly string[]): Promise<(TreeEntry[] | null | undefined)[] | null> {
    return null;
  }

  readBlobs(oids: readonly string[]): Promise<{ blobs: Map<string, Uint8Array>; missing: Map<string, MissingObjectError> }> {
    return readBlobsOneByOne(this.repo, [...new Set(oids)]);
  }

  readBlobSync(oid: string): Uint8Array {
    throw new GitError(`cannot read blob ${oid} synchronously without the git command line`);
  }

  async missingBlobs(oids: readonly string[]): Promise<Map<string, MissingObjectError>> {
    const unique = [...new Set(oids)];
    return unique.length === 0 ? new Map() : missingBlobsOneByOne(this.repo, unique);
  }

  async listWorktree(_pathspec: readonly string[]): Promise<WorktreeGitListing | null> {
    return null;
  }

  async uncommitted(prefixes: readonly string[]): Promise<string[]> {
    return uncommittedByStatusMatrix(this.repo, prefixes);
  }
}

/** git's command line for many objects and what only it can do; isomorphic-git for a few objects. */
class CliReader extends JsReader {
  override readonly synchronous = true;

  override async listTree(commit: string, prefixes: readonly string[] = [], options: { readonly large?: boolean } = {}): Promise<TreeEntry[]> {
    const wanted = wantedPrefixes(prefixes);
    if (wanted.length >= CLI_THRESHOLD || options.large === true) {
      // Listing the common folders once beats walking thousands of prefixes one by one.
      const roots = [...new Set(wanted.map((p) => p.split('/')[0]!))];
      const wantedSet = new Set(wanted);
      /** The path itself or one of its folders was asked for. */
      const inside = (path: string): boolean => {
        if (wantedSet.has('')) return true;
        for (let p = path; p !== ''; p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '') if (wantedSet.has(p)) return true;
        return false;
      };
      // git fails without naming the object it could not read (a missing tree): the walk below
      // meets the same failure and names it.
      const listed = await lsTree(this.repo, commit, roots.includes('') ? [] : roots).catch(() => null);
      if (listed !== null) {
        return listed
          .filter((e) => inside(e.path))
          .map((entry) => ({ entry, key: Buffer.from(entry.path, 'utf8') }))
          .sort((a, b) => Buffer.compare(a.key, b.key))
          .map(({ entry }) => entry);
      }
    }
    return walkTree(this.repo, commit, wanted);
  }

  override async treesByName(names: readonly string[]): Promise<(TreeEntry[] | null | undefined)[]> {
    return treesByName(this.repo, names);
  }

  override async readBlobs(oids: readonly string[]): Promise<{ blobs: Map<string, Uint8Array>; missing: Map<string, MissingObjectError> }> {
    const unique = [...new Set(oids)];
    if (unique.length < CLI_THRESHOLD) return readBlobsOneByOne(this.repo, unique);
    const read = await catFileBatch(this.repo, unique);
    const missing = new Map<string, MissingObjectError>();
    for (const oid of read.missing) missing.set(oid, missingObject(this.repo, oid, 'blob'));
    return { blobs: read.blobs, missing };
  }

  override readBlobSync(oid: string): Uint8Array {
    return catFileBlobSync(this.repo, oid);
  }

  override async missingBlobs(oids: readonly string[]): Promise<Map<string, MissingObjectError>> {
    const unique = [...new Set(oids)];
    if (unique.length < CLI_THRESHOLD) return super.missingBlobs(unique);
    const missing = new Map<string, MissingObjectError>();
    for (const oid of await catFileMissing(this.repo, unique)) missing.set(oid, missingObject(this.repo, oid, 'blob'));
    return missing;
  }

  override async listWorktree(pathspec: readonly string[]): Promise<WorktreeGitListing | null> {
    const dir = this.repo.dir;
    try {
      const [indexed, changed, untracked, conversions] = await Promise.all([
        worktreeGit(dir, ['ls-files', '-s', '-v', '-z', ...pathspec]),
        worktreeGit(dir, ['diff-files', '--name-only', '-z', ...pathspec]),
        worktreeGit(dir, ['ls-files', '--others', '-z', ...pathspec]),
        worktreeGit(dir, ['config', '-z', '--get-regexp', '^core\\.(autocrlf|eol|attributesfile)$'], [1]),
      ]);
      return { indexed, changed, untracked, conversions };
    } catch {
      return null;
    }
  }

  /** isomorphic-git's status hashes every file it lists: at 10,000 services, seconds where git takes a tenth of one. */
  override async uncommitted(prefixes: readonly string[]): Promise<string[]> {
    // -z: paths as they are, each ended by NUL; --no-renames: a rename is its two paths.
    const out = await worktreeGit(this.repo.dir, ['status', '--porcelain=v1', '-z', '--no-renames', '--untracked-files=all', '--', ...prefixes]);
    const paths = out
      .toString('utf8')
      .split('\0')
      .filter((entry) => entry.length > 3)
      .map((entry) => entry.slice(3));
    return [...new Set(paths)].sort();
  }
}

/** `prefixes` normalised and without repeats; [''] (the whole tree) for none. */
function wantedPrefixes(prefixes: readonly string[]): string[] {
  return prefixes.length === 0 ? [''] : [...new Set(prefixes.map(normalisePrefix))];
}

/*
 * The reads above as functions of a repository, for callers that read a file or two (the
 * version commands); each asks `gitReader` which reader does it.
 */

/** See `GitReader.listTree`. */
export function listTree(repo: GitRepo, commit: string, prefixes: readonly string[] = [], options: { readonly large?: boolean } = {}): Promise<TreeEntry[]> {
  return gitReader(repo).listTree(commit, prefixes, options);
}

/** See `GitReader.readBlobs`. */
export function readBlobsPresent(repo: GitRepo, oids: readonly string[]): Promise<{ blobs: Map<string, Uint8Array>; missing: Map<string, MissingObjectError> }> {
  return gitReader(repo).readBlobs(oids);
}

/**
 * Many blobs; the map holds each distinct oid once, in the order of first appearance in `oids`.
 * Throws MissingObjectError naming the first blob the repository does not hold.
 */
export async function readBlobs(repo: GitRepo, oids: readonly string[]): Promise<Map<string, Uint8Array>> {
  const { blobs, missing } = await readBlobsPresent(repo, oids);
  const first = missing.values().next();
  if (!first.done) throw first.value;
  return blobs;
}

/** See `GitReader.missingBlobs`. */
export function missingBlobs(repo: GitRepo, oids: readonly string[]): Promise<Map<string, MissingObjectError>> {
  return gitReader(repo).missingBlobs(oids);
}
