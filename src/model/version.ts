/** A version of a service: an annotated (or lightweight) git tag `<service>/v<semver>`. */
export interface VersionTag {
  /** 'petstore' */
  readonly service: string;
  /** '1.2.0' — canonical semver (what `semver.valid` returns for it). */
  readonly version: string;
  /** 'petstore/v1.2.0' */
  readonly tag: string;
  /** Oid the tag ref points at: the tag object when annotated, else the commit. */
  readonly object: string;
  /** The commit the tag finally names. */
  readonly commit: string;
  readonly annotated: boolean;
}
