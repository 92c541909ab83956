/**
 * The one error type of the git module. A GitError is a user error (a revision that does not
 * resolve, a folder that is not a repository, history missing from a shallow clone): its message
 * names the thing the user typed, and `hint` says what to do about it. Anything else thrown from
 * this module is a bug.
 */
export class GitError extends Error {
  override readonly name: string = 'GitError';
  readonly hint?: string;

  constructor(message: string, options: { readonly hint?: string; readonly cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.hint !== undefined) this.hint = options.hint;
  }
}

/** isomorphic-git signals a missing object or ref with an error whose `code` is 'NotFoundError'. */
export function isNotFound(error: unknown): boolean {
  return errorCode(error) === 'NotFoundError';
}

/** The object id a NotFoundError of isomorphic-git names (`data.what`), when it names one. */
export function notFoundOid(error: unknown): string | null {
  if (!isNotFound(error)) return null;
  const what = (error as { data?: { what?: unknown } }).data?.what;
  return typeof what === 'string' && /^[0-9a-f]{40}$/.test(what) ? what : null;
}

export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
