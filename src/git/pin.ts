/**
 * Pins of `group.yaml` (`published: { <service>: <pin> }`) and the tags they select. Pure.
 *
 * A pin is an exact version ('1.2.0', '1.3.0-rc.1') or a node-semver range ('^1.2', '~2.0', '*',
 * '>=1.0 <2'). A range selects the highest matching tag. Pre-releases follow node-semver's rule:
 * a range matches a pre-release only when one of its comparators names a pre-release of the same
 * major.minor.patch ('^1.3.0-rc.1' matches 1.3.0-rc.2, '^1.2' never matches 1.3.0-rc.1).
 */
import semver from 'semver';
import type { VersionTag } from './tags.js';

/** True for a pin that names one version: canonical semver, no `v` prefix, no operator. */
export function isExactVersion(pin: string): boolean {
  return semver.valid(pin) === pin;
}

/**
 * The range a pin denotes, or null when it is not one. An empty pin is refused although
 * node-semver reads '' as '*': an empty value in group.yaml is a mistake, not "track everything".
 */
function pinRange(pin: string): string | null {
  return pin.trim() === '' ? null : semver.validRange(pin);
}

/** True when `pin` is an exact version or a range node-semver understands. */
export function isValidPin(pin: string): boolean {
  return isExactVersion(pin) || pinRange(pin) !== null;
}

/** The highest tag of `service` matching `pin`; null when none matches or the pin is not valid. */
export function resolvePin(tags: readonly VersionTag[], service: string, pin: string): VersionTag | null {
  const candidates = tags.filter((tag) => tag.service === service);
  if (isExactVersion(pin)) return candidates.find((tag) => tag.version === pin) ?? null;
  const range = pinRange(pin);
  if (range === null) return null;
  let best: VersionTag | null = null;
  for (const tag of candidates) {
    if (!semver.satisfies(tag.version, range)) continue;
    if (best === null || semver.gt(tag.version, best.version)) best = tag;
  }
  return best;
}
