/**
 * Pins of `group.yaml` (`published: { <service>: <pin> }`) and the tags they select. Pure.
 *
 * A pin is an exact version ('1.2.0', '1.3.0-rc.1') or a node-semver range ('^1.2', '~2.0', '*',
 * '>=1.0 <2'). A range selects the highest matching tag. Pre-releases follow node-semver's rule:
 * a range matches a pre-release only when one of its comparators names a pre-release of the same
 * major.minor.patch ('^1.3.0-rc.1' matches 1.3.0-rc.2, '^1.2' never matches 1.3.0-rc.1).
 */
import semver from 'semver';
import type { VersionTag } from '../model/version.js';

/** True for a pin that names one version: canonical semver, no `v` prefix, no operator. */
export function isExactVersion(pin: string): boolean {
  return remember(exact, pin, () => semver.valid(pin) === pin);
}

/**
 * The range a pin denotes, or null when it is not one. An empty pin is refused although
 * node-semver reads '' as '*': an empty value in group.yaml is a mistake, not "track everything".
 */
function pinRange(pin: string): semver.Range | null {
  return remember(ranges, pin, () => {
    const valid = pin.trim() === '' ? null : semver.validRange(pin);
    return valid === null ? null : new semver.Range(valid);
  });
}

/** True when `pin` is an exact version or a range node-semver understands. */
export function isValidPin(pin: string): boolean {
  return isExactVersion(pin) || pinRange(pin) !== null;
}

/** The highest tag of `service` matching `pin`; null when none matches or the pin is not valid. */
export function resolvePin(tags: readonly VersionTag[], service: string, pin: string): VersionTag | null {
  // Callers usually pass the service's own tags: then there is nothing to filter.
  const candidates = tags.every((tag) => tag.service === service) ? tags : tags.filter((tag) => tag.service === service);
  if (isExactVersion(pin)) return candidates.find((tag) => tag.version === pin) ?? null;
  const range = pinRange(pin);
  if (range === null) return null;
  let best: VersionTag | null = null;
  let bestVersion: semver.SemVer | null = null;
  for (const tag of candidates) {
    const version = parsedVersion(tag.version);
    if (version === null || !range.test(version)) continue;
    if (bestVersion === null || version.compare(bestVersion) > 0) {
      best = tag;
      bestVersion = version;
    }
  }
  return best;
}

/*
 * Pins and versions repeat across thousands of services (`1.0.0`, `^1.0`), and building node-semver
 * objects is most of the cost of resolving them, so each distinct string is parsed once. Pure
 * functions of the string, so remembering them changes no result.
 */
const exact = new Map<string, boolean>();
const ranges = new Map<string, semver.Range | null>();
const versions = new Map<string, semver.SemVer | null>();

function parsedVersion(version: string): semver.SemVer | null {
  return remember(versions, version, () => semver.parse(version));
}

function remember<T>(memo: Map<string, T>, key: string, make: () => T): T {
  const known = memo.get(key);
  if (known !== undefined || memo.has(key)) return known as T;
  const value = make();
  if (memo.size >= 50_000) memo.clear();
  memo.set(key, value);
  return value;
}
