import { GitError } from '../git/errors.js';
import { openRepo } from '../git/repo.js';
import type { GitRepo } from '../git/repo.js';
import { resolveRevision } from '../git/revision.js';
import { listVersionTags } from '../git/tags.js';
import { compile, templatesNeeded } from '../compile/compile.js';
import type { CompileInput, CompileResult } from '../compile/compile.js';
import { readRevision, readTemplatesAtTags } from '../load/git-source.js';
import { readWorktree } from '../load/worktree.js';
import { UserError } from './errors.js';

export interface SourceOptions {
  /** Any folder inside the config repository. */
  readonly cwd: string;
  /** Read the config at this revision instead of the worktree. */
  readonly rev?: string;
  /** Compile worktree templates instead of published versions. */
  readonly draft?: boolean;
  readonly groups?: readonly string[];
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

/** Reads everything `compile` needs: files (worktree or revision), tags, templates at tags. */
export async function loadCompileInput(options: SourceOptions): Promise<{ repo: GitRepo; input: CompileInput }> {
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
  const tree = commit ? await readRevision(repo, commit, options.rev!) : await readWorktree(repo.dir);
  const tags = await listVersionTags(repo);
  const selection = { ...(options.draft ? { draft: true } : {}), ...(options.groups ? { groups: options.groups } : {}) };
  const needed = templatesNeeded(tree, tags, selection);
  const templatesAtTags = await readTemplatesAtTags(repo, needed);
  return { repo, input: { tree, tags, templatesAtTags, commit, ...selection } };
}

/** Loads and compiles; the result is what `validate` reports and what `compile` writes. */
export async function compileRepository(options: SourceOptions): Promise<{ repo: GitRepo; result: CompileResult }> {
  const { repo, input } = await loadCompileInput(options);
  return { repo, result: compile(input) };
}
