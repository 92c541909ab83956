/**
 * What a clone lacks that the configuration may need, as plain data for compile: read by
 * src/app from the git module (src/git/clone.ts, src/git/errors.ts), reported by compile as
 * findings about the clone (TW1016, TW3018) rather than about the configuration.
 */

/** A git object the repository does not hold. */
export interface MissingObject {
  readonly oid: string;
  /** Null when the reader could not tell. */
  readonly type: 'blob' | 'tree' | 'commit' | 'tag' | null;
  /** The object, and what it was needed for. */
  readonly message: string;
  /** The command that fetches it, for this kind of clone. */
  readonly hint: string;
}

/** A version tag whose ref is in the clone but whose tag object or commit is not. */
export interface BrokenTag {
  readonly service: string;
  readonly version: string;
  readonly tag: string;
  readonly missing: MissingObject;
}

export interface CloneGaps {
  /**
   * Why version tags may be missing from this clone although they exist on its remote (a shallow
   * clone, one made without tags), and the command that fetches them; null when the clone holds
   * every tag, so that a tag that is not here does not exist.
   */
  readonly tags: { readonly reason: string; readonly hint: string } | null;
  /** By tag name. */
  readonly brokenTags: ReadonlyMap<string, BrokenTag>;
  /** Tags whose template at the tag could not be read (its tree or blob is missing), by tag name. */
  readonly templates: ReadonlyMap<string, MissingObject>;
}

/** A clone that lacks nothing. */
export const COMPLETE_CLONE: CloneGaps = { tags: null, brokenTags: new Map(), templates: new Map() };
