import { ciKind, missingTagsReason, readCloneState } from '../git/clone.js';
import { GitError } from '../git/errors.js';
import { openRepo } from '../git/repo.js';
import type { GitRepo } from '../git/repo.js';
import { UserError } from '../core/errors.js';

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

/** What to do about a revision that does not resolve: in a clone that may lack tags, fetch them. */
export function revisionHint(repo: GitRepo): string {
  const incomplete = missingTagsReason(readCloneState(repo), ciKind());
  return incomplete === null ? 'Name a branch, tag or commit of this repository.' : `A tag or commit may be missing because ${incomplete.reason}. ${incomplete.hint}`;
}
