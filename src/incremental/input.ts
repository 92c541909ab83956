import { GitError } from '../git/errors.js';
import type { GitRepo } from '../git/repo.js';
import type { IgnoredTag } from '../git/tags.js';
import type { SourceTree } from '../load/source-file.js';
import { resolveRevision } from '../git/revision.js';
import { scanVersionTags } from '../git/tags.js';
import { templatesNeeded } from '../compile/compile.js';
import type { CompileInput } from '../compile/compile.js';
import { readRevision, readTemplatesAtTags } from '../source/git-revision.js';
import { listWorktree, readWorktree, treeOfListing, withTemplateFolders } from '../source/worktree.js';
import type { WorktreeListing } from '../source/worktree.js';
import { tagRefsState } from '../git/refs.js';
import type { TagRefsState } from '../git/refs.js';
import { loadApisixValidators } from '../apisix/validator/index.js';
import { loadFileValidators } from '../validate/schemas.js';
import { CompileCache } from './compile-cache.js';
import { UserError } from '../core/errors.js';
import { cloneGaps, withoutMissingBlobs } from './clone-gaps.js';
import { buildMemo } from './build-memo.js';
import { SourceBytes } from '../source/file-bytes.js';
import { missingSources, prefetch, readTreeEarly } from './prefetch.js';
import type { PrefetchOptions } from './prefetch.js';
import type { VersionTag } from '../model/version.js';
import { openConfigRepo, revisionHint } from '../source/config-repo.js';
import { scopeTree } from '../load/scope.js';
import { EVERY_GROUP } from '../model/selection.js';
import type { Selection } from '../model/selection.js';

export interface SourceOptions {
  /** Any folder inside the config repository. */
  readonly cwd: string;
  /** Read the config at this revision instead of the worktree. */
  readonly rev?: string;
  /** Compile worktree templates instead of published versions. */
  readonly draft?: boolean;
  /** Which groups are compiled and whose findings count (default: every group; see `Selection`). */
  readonly selection?: Selection;
  /** False: only findings are wanted, no snapshot (`validate`; see `CompileInput.snapshots`). */
  readonly snapshots?: boolean;
  /**
   * Use the compile cache in `.tagway/cache/` (default true; `TAGWAY_CACHE=0` turns it off).
   * Results are the same either way; only the time differs.
   */
  readonly cache?: boolean;
  /** How work the cache lacks is spread over threads (see prefetch.ts). */
  readonly prefetch?: PrefetchOptions;
  /** The time findings are judged at (`CompileInput.now`): the use cases pass the current time. */
  readonly now?: number;
}

/**
 * Reads everything `compile` needs: files (worktree or revision), tags, templates at tags. With
 * the cache, the input's memo is the cache with the repository's files behind it (build-memo.ts):
 * the files whose results the cache lacks are read (and prepared) before compile runs, and come
 * with their bytes; the others come without, and are read only if compile asks the memo for them.
 * `shared.cache`: a cache already open for this repository (two compiles of one command).
 */
export async function loadCompileInput(
  options: SourceOptions,
  shared: { readonly cache?: CompileCache | null } = {},
  started?: StartedListing,
): Promise<{ repo: GitRepo; input: CompileInput; cache: CompileCache | null }> {
  const useCache = cacheWanted(options);
  const selection = options.selection ?? EVERY_GROUP;
  const { repo, commit, listing } = started ?? (await startListing(options));
  // While git lists the files (its walk for untracked files takes a while), the cache's indexes
  // are read.
  let cache: CompileCache | null = null;
  if (useCache) {
    cache = shared.cache ?? CompileCache.open(repo.dir);
    cache.preloadUnits(selection.groups ?? undefined);
  }
  loadValidators();
  const [listed, tags, ignoredTags] = await listing();
  const tree = scopeTree(listed, selection);
  const bytes = new SourceBytes(repo);
  const memo = cache ? buildMemo(cache, bytes) : null;
  // A cold run on one thread reads every file: git reads them while the templates at tags are looked up.
  const early = cache ? readTreeEarly(tree.files, cache, bytes, options.prefetch) : null;
  const what = {
    ...(options.draft ? { draft: true } : {}),
    selection,
    ...(options.snapshots === false ? { snapshots: false } : {}),
  };
  const needed = templatesNeeded(tree, tags, { ...what, ...(memo ? { memo } : {}) });
  const atTags = await readTemplatesAtTags(repo, needed, { deferred: useCache, ...(cache ? { known: cache } : {}) });
  const clone = cloneGaps(repo, ignoredTags, atTags.missing);
  const input: CompileInput = { tree, tags, templatesAtTags: atTags.templates, commit, ...what, clone, ...(options.now !== undefined ? { now: options.now } : {}) };
  if (!cache || !memo) return { repo, input, cache };
  if (early !== null) await early;
  const cached = { ...input, memo };
  const toRead = missingSources(cached, cache);
  const checked = await withoutMissingBlobs(repo, cached, toRead, bytes);
  const loaded = await prefetch(repo, { ...checked, memo }, cache, bytes, options.prefetch, checked === cached ? toRead : missingSources(checked, cache));
  return { repo, input: loaded, cache };
}

/** The repository, the commit read (null: the worktree) and the listing of its files and tags, under way. */
export interface StartedListing {
  readonly repo: GitRepo;
  readonly commit: string | null;
  /**
   * What git says about the worktree and the version tags, unparsed: for the worktree read
   * through git's index with the cache, when asked for (otherwise null). The tags' state is taken before they are
   * listed, so a tag made meanwhile shows as a change next time, never the other way round.
   */
  readonly raw: Promise<RawListing | null>;
  /**
   * The files and version tags, parsed (from `raw` when there is one) when first asked for, and
   * the tags that look like versions but are not listed (a tag whose objects are missing).
   */
  readonly listing: () => Promise<[SourceTree, readonly VersionTag[], readonly IgnoredTag[]]>;
  /**
   * Once `listing` resolved: whether the files are what `raw` lists (not read from the folders
   * because git's listing could not be trusted) and every version tag's objects were found, so
   * that a later `raw` tells every change (see src/incremental/splice.ts).
   */
  readonly followsRaw: () => boolean;
}

export interface RawListing {
  readonly worktree: WorktreeListing;
  readonly tags: TagRefsState;
}

/**
 * Loads the validators compiled ahead of time while git lists the files, rather than when a file
 * or an object is first checked (docs/performance.md, "Validators are compiled ahead of time").
 */
export function loadValidators(): void {
  loadFileValidators();
  loadApisixValidators();
}

/** Whether the compile cache is used (see `SourceOptions.cache`). */
export function cacheWanted(options: SourceOptions): boolean {
  return options.cache !== false && process.env['TAGWAY_CACHE'] !== '0';
}

/**
 * Opens the repository and starts listing its files (worktree or revision); the caller may work
 * while git runs. With the cache, files git knows unchanged are read only when their bytes are
 * asked for. `eager`: start parsing the files and listing the tags now (the caller will need
 * them); otherwise only git runs until `listing` is first called. `raw`: the caller wants git's
 * raw listing too (a compile that keeps a result record); otherwise `raw` is null.
 */
export async function startListing(options: SourceOptions, { eager = true, raw: wantRaw = false } = {}): Promise<StartedListing> {
  const repo = await openConfigRepo(options.cwd);
  let commit: string | null = null;
  if (options.rev !== undefined) {
    try {
      commit = await resolveRevision(repo, options.rev);
    } catch (error) {
      if (error instanceof GitError) throw new UserError(error.message, error.hint ?? revisionHint(repo), { cause: error });
      throw error;
    }
  }
  const useCache = cacheWanted(options);
  const indexed = !commit && useCache;
  // git starts listing first; the tags' state is read (synchronously) while it runs.
  const worktree = indexed ? listWorktree(repo, options.selection) : null;
  const tagState = indexed && wantRaw ? tagRefsState(repo) : null;
  const raw = worktree && tagState ? worktree.then((w) => (w ? { worktree: w, tags: tagState } : null)) : Promise.resolve(null);
  let parsed: Promise<[SourceTree, readonly VersionTag[], readonly IgnoredTag[]]> | null = null;
  let treeFromRaw = false;
  let tagsWhole = false;
  const listing = () =>
    (parsed ??= Promise.all([
      commit
        ? readRevision(repo, commit, options.rev!, { deferred: useCache })
        : worktree
          ? worktree.then((w) => {
              const tree = w && treeOfListing(repo, w);
              treeFromRaw = tree !== null;
              return tree ? withTemplateFolders(repo.dir, tree) : readWorktree(repo.dir);
            })
          : readWorktree(repo.dir),
      scanVersionTags(repo),
    ]).then(([tree, scan]) => {
      tagsWhole = !scan.ignored.some((t) => t.reason === 'missing-object');
      return [tree, scan.tags, scan.ignored];
    }));
  // Not awaited yet: a rejection is the caller's when it awaits, not an unhandled one meanwhile.
  raw.catch(() => {});
  if (eager) listing().catch(() => {});
  return { repo, commit, raw, listing, followsRaw: () => treeFromRaw && tagsWhole };
}
