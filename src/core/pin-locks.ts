/**
 * Integrity records of group pointers (`locks:` in group.yaml). Pure.
 *
 * `publish`, `promote` and `rollback` write, beside each pin they set, the version it resolved to
 * and the oid its tag ref pointed at (the tag object of an annotated tag, the commit of a
 * lightweight one). A version is immutable, so when the pin still resolves to that version but
 * the tag now names another object, the tag was moved or re-created: an error, never accepted.
 */
import semver from 'semver';
import { isExactVersion, isValidPin } from './pins.js';

export interface PinLock {
  readonly version: string;
  /** The oid `refs/tags/<service>/v<version>` pointed at when the lock was written. */
  readonly object: string;
}

/**
 * A lock applies to a pin that names its version, or to a range its version satisfies. A range
 * that now resolves to a newer tag has moved on legitimately; the lock then describes an earlier
 * state and is not compared (see the tag-integrity rule).
 */
export function lockFits(pin: string, version: string): boolean {
  if (pin === version) return true;
  if (isExactVersion(pin) || !isValidPin(pin) || semver.valid(version) !== version) return false;
  return semver.satisfies(version, pin, { includePrerelease: false });
}
