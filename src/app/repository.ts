import { GitError } from '../git/errors.js';
import { openRepo } from '../git/repo.js';
import type { GitRepo } from '../git/repo.js';
import { resolveRevision } from '../git/revision.js';
import { listVersionTags } from '../git/tags.js';
import { compile, scopedInput, templatesNeeded } from '../compile/compile.js';
import type { CompileInput, CompileResult } from '../compile/compile.js';
import { readRevision, readTemplatesAtTags } from '../load/git-source.js';
import { readWorktree, readWorktreeIndexed } from '../load/worktree.js';
import { CompileCache } from './compile-cache.js';
import { UserError } from './errors.js';
import { prefetch } from './prefetch.js';
import type { PrefetchOptions } from './prefetch.js';

export interface SourceOptions {
  /** Any folder inside the config repository. */
  readonly cwd: string;
  /** Read the config at this revision instead of the worktree. */
  readonly rev?: string;
  /** Compile worktree templates instead of published versions. */
  readonly draft?: boolean;
  readonly groups?: readonly string[];
  /**
   * With `groups`: read and report every file, not only those the selected groups are compiled
   * from (`validate --group`; see `CompileInput.reportAll`).
   */
  readonly reportAll?: boolean;
  /** False: only findings are wanted, no snapshot (`validate`; see `CompileInput.snapshots`). */
  readonly snapshots?: boolean;
  /**
   * Use the compile cache in `.tagway/cache/` (default true; `TAGWAY_CACHE=0` turns it off).
   * Results are the same either way; only the time differs.
   */
  readonly cache?: boolean;
  /** How work the cache lacks is spread over threads (see prefetch.ts). */
  readonly prefetch?: PrefetchOptions;
}

/** Opens the config repository, turning git's "not a repository" into a user error. */
export async function openConfigRepo(cwd: string): Promise<GitRepo> {
  try {
    return await openRepo(cwd);
  } catch (error) {
    if (error instanceof GitError) {
      throw new UserError(error.message, 'Run tagway inside a git repository holding services/ and gateway-groups/ (tagway init creates one).', { cause: error });
    }
    throw error;
  }
}

/**
 * Reads everything `compile` needs: files (worktree or revision), tags, templates at tags. With
 * the cache, the input carries it as its memo, files whose results it holds are read only if
 * compile asks for their bytes, and the rest is read (and prepared) before compile runs.
 * `shared.cache`: a cache already open for this repository (two compiles of one command).
 */
export async function loadCompileInput(
  options: SourceOptions,
  shared: { readonly cache?: CompileCache | null } = {},
): Promise<{ repo: GitRepo; input: CompileInput; cache: CompileCache | null }> {
  const repo = await openConfigRepo(options.cwd);
  let commit: string | null = null;
  if (options.rev !== undefined) {
    try {
      commit = await resolveRevision(repo, options.rev);
    } catch (error) {
      if (error instanceof GitError) throw new UserError(error.message, 'Name a branch, tag or commit of this repository.', { cause: error });
      throw error;
    }
  }
  const useCache = options.cache !== false && process.env['TAGWAY_CACHE'] !== '0';
  const deferred = { deferred: useCache };
  const listing = Promise.all([
    commit ? readRevision(repo, commit, options.rev!, deferred) : useCache ? readWorktreeIndexed(repo) : readWorktree(repo.dir),
    listVersionTags(repo),
  ]);
  // While git lists the files (its walk for untracked files takes a while), the cache's indexes
  // are read.
  let cache: CompileCache | null = null;
  if (useCache) {
    cache = shared.cache ?? CompileCache.open(repo.dir);
    cache.preloadUnits(options.groups);
  }
  const [tree, tags] = await listing;
  const selection = {
    ...(options.draft ? { draft: true } : {}),
    ...(options.groups ? { groups: options.groups } : {}),
    ...(options.reportAll ? { reportAll: true } : {}),
    ...(options.snapshots === false ? { snapshots: false } : {}),
  };
  const needed = templatesNeeded(tree, tags, { ...selection, ...(cache ? { memo: cache } : {}) });
  const templatesAtTags = await readTemplatesAtTags(repo, needed, { ...deferred, ...(cache ? { known: cache } : {}) });
  const input = scopedInput({ tree, tags, templatesAtTags, commit, ...selection, ...(cache ? { memo: cache } : {}) });
  if (cache) await prefetch(input, cache, options.prefetch);
  return { repo, input, cache };
}

/**
 * Loads and compiles; the result is what `validate` reports and what `compile` writes (`files`:
 * whether the snapshots' files will be written, see `CompileInput.files`).
 */
export async function compileRepository(
  options: SourceOptions,
  files = true,
  reportAll = false,
): Promise<{ repo: GitRepo; result: CompileResult }> {
  const { repo, input, cache } = await loadCompileInput(reportAll ? { ...options, reportAll: true } : options);
  const result = compile(files ? input : { ...input, files: false });
  cache?.save();
  return { repo, result };
}
