import { ciKind, missingObjectHint, readCloneState } from './clone.js';
import type { CloneState, FetchFailure } from './clone.js';
import { GitError } from './errors.js';
import type { GitRepo } from './repo.js';
import type { MissingObject } from '../model/clone.js';

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

/**
 * An object the repository does not hold: a blob or tree left out of a partial clone (that git
 * could not fetch), a commit beyond the edge of a shallow clone, or an object lost from a damaged
 * repository. Raised where isomorphic-git or the git command line finds it absent, naming the
 * object; each caller on the way up adds what it needed the object for (`withContext`), so the
 * message ends up saying e.g. "blob c45f… is missing from this clone (needed for the template
 * services/petstore/service.yaml at tag petstore/v1.2.0)". The hint names the command that fetches
 * it, for the kind of clone this is (src/git/clone.ts).
 */
export class MissingObjectError extends GitError {
  override readonly name = 'MissingObjectError';
  declare readonly hint: string;
  readonly oid: string;
  /** Null when the reader could not tell (an object named by a path, or met inside another). */
  readonly objectType: ObjectType | null;
  /** What the object was needed for, innermost first. */
  readonly neededFor: readonly string[];
  readonly clone: CloneState;
  /** Why tagway's fetch of it from a partial clone's remote did not bring it; null when none was tried. */
  readonly fetch: FetchFailure | null;

  constructor(
    details: {
      readonly oid: string;
      readonly type: ObjectType | null;
      readonly clone: CloneState;
      readonly neededFor?: readonly string[];
      readonly fetch?: FetchFailure | null;
    },
    options: { readonly cause?: unknown } = {},
  ) {
    const neededFor = details.neededFor ?? [];
    const fetch = details.fetch ?? null;
    const what = `${details.type ?? 'object'} ${details.oid}`;
    super(`git ${what} is missing from this clone${neededFor.length > 0 ? ` (needed for ${neededFor.join(', for ')})` : ''}`, {
      hint: missingObjectHint(details.clone, details.oid, fetch, ciKind()),
      ...(options.cause !== undefined ? { cause: options.cause } : {}),
    });
    this.oid = details.oid;
    this.objectType = details.type;
    this.neededFor = neededFor;
    this.clone = details.clone;
    this.fetch = fetch;
  }

  /** The same error, saying what the object was needed for at the caller's level. */
  withContext(what: string): MissingObjectError {
    return new MissingObjectError(
      { oid: this.oid, type: this.objectType, clone: this.clone, neededFor: [...this.neededFor, what], fetch: this.fetch },
      { cause: this.cause ?? this },
    );
  }

  /** As plain data, for a finding. */
  toData(): MissingObject {
    return { oid: this.oid, type: this.objectType, message: this.message, hint: this.hint };
  }
}

/** A MissingObjectError for `oid` in `repo`, reading what kind of clone it is. */
export function missingObject(
  repo: Pick<GitRepo, 'gitdir'>,
  oid: string,
  type: ObjectType | null,
  options: { readonly fetch?: FetchFailure | null; readonly cause?: unknown } = {},
): MissingObjectError {
  return new MissingObjectError({ oid, type, clone: readCloneState(repo), fetch: options.fetch ?? null }, { cause: options.cause });
}

/** Runs `read`, adding `what` to a MissingObjectError it throws. */
export async function neededFor<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof MissingObjectError) throw error.withContext(what);
    throw error;
  }
}
