/**
 * Version tags: `<service>/v<semver>` (docs/architecture.md §2). The tag list is an input of `compile`, so it
 * is read once here and passed around as data.
 */
import semver from 'semver';
import { isExactVersion } from '../core/pins.js';
import { mapBounded } from '../core/bounded.js';
import { READ_CONCURRENCY } from './repo.js';
import type { MissingObject } from '../model/clone.js';
import { peel } from './objects.js';
import type { Peeled } from './objects.js';
import { listRefs, readPackedRefs } from './refs.js';
import type { GitRepo } from './repo.js';
import type { VersionTag } from '../model/version.js';
import { MissingObjectError } from './missing-object.js';


/** A tag that looks like a version tag (`<something>/v<digit>…`) but is not listed, and why. */
export interface IgnoredTag {
  readonly tag: string;
  readonly object: string;
  readonly reason: 'bad-service-name' | 'not-semver' | 'not-a-commit' | 'missing-object';
  /** With 'missing-object': the object (the tag object, or the commit it names) and how to fetch it. */
  readonly missing?: MissingObject;
}

/** Service (and every other) names: DNS-label-like, 1–31 characters (docs/architecture.md §2). */
export const NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,29}[a-z0-9])?$/;

export type TagName =
  | { readonly kind: 'version'; readonly service: string; readonly version: string }
  | { readonly kind: 'malformed'; readonly reason: 'bad-service-name' | 'not-semver' }
  | { readonly kind: 'other' };

/**
 * Classifies a tag name (without `refs/tags/`). The version must be written canonically:
 * 'v1.2.0' and 'v1.3.0-rc.1' are versions; 'v1.2', 'v01.2.0', 'vv1.2.0' and build metadata
 * ('v1.2.0+build.5') are not — build metadata has no precedence in semver, so two such tags could
 * claim one version, and a version must be unique per service.
 */
export function parseVersionTagName(tag: string): TagName {
  const match = /^([^/]+)\/v(.*)$/.exec(tag);
  const service = match?.[1];
  const raw = match?.[2];
  if (service === undefined || raw === undefined || !/^\d/.test(raw)) return { kind: 'other' };
  if (!NAME_PATTERN.test(service)) return { kind: 'malformed', reason: 'bad-service-name' };
  if (!isExactVersion(raw)) return { kind: 'malformed', reason: 'not-semver' };
  return { kind: 'version', service, version: raw };
}

/** Total order of version tags: service (code point), then semver precedence ascending. */
export function compareVersionTags(a: VersionTag, b: VersionTag): number {
  return orderTags(a, b, (v) => new semver.SemVer(v));
}

/** `compareVersionTags`, with each version parsed once (a sort compares each many times). */
function versionTagOrder(): (a: VersionTag, b: VersionTag) => number {
  const parsed = new Map<string, semver.SemVer>();
  const version = (v: string) => {
    let p = parsed.get(v);
    if (p === undefined) parsed.set(v, (p = new semver.SemVer(v)));
    return p;
  };
  return (a, b) => orderTags(a, b, version);
}

function orderTags(a: VersionTag, b: VersionTag, version: (v: string) => semver.SemVer): number {
  if (a.service !== b.service) return a.service < b.service ? -1 : 1;
  const byVersion = a.version === b.version ? 0 : version(a.version).compare(version(b.version));
  return byVersion || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0);
}

export interface VersionTagScan {
  /** Sorted by `compareVersionTags`. */
  readonly tags: readonly VersionTag[];
  /** Tags that look like versions but are not usable, sorted by tag name (for diagnostics). */
  readonly ignored: readonly IgnoredTag[];
}

/**
 * All version tags, plus the near-misses a validator may want to warn about. A tag must name a
 * commit (directly, or through annotated tag objects) to be a version; a tag whose objects are
 * missing (a broken or partial clone) is reported as ignored rather than failing the listing.
 */
export async function scanVersionTags(repo: GitRepo, options: { readonly services?: ReadonlySet<string> } = {}): Promise<VersionTagScan> {
  const prefix = 'refs/tags/';
  // With `services`: the refs under refs/tags/<service>/ only (a version tag of a service is named so).
  const prefixes = options.services ? [...options.services].sort().map((s) => `${prefix}${s}/`) : [prefix];
  const packed = await readPackedRefs(repo, options.services ? { prefixes } : {});
  const refs = new Map<string, string>();
  const packedOnly = new Set<string>();
  for (const p of prefixes) {
    const listed = await listRefs(repo, p, packed);
    for (const [ref, oid] of listed.refs) refs.set(ref, oid);
    for (const ref of listed.packedOnly) packedOnly.add(ref);
  }
  const ignored: IgnoredTag[] = [];
  const candidates: { service: string; version: string; tag: string; object: string; ref: string }[] = [];
  for (const [ref, object] of refs) {
    const tag = ref.slice(prefix.length);
    const name = parseVersionTagName(tag);
    if (name.kind === 'malformed') ignored.push({ tag, object, reason: name.reason });
    else if (name.kind === 'version') candidates.push({ service: name.service, version: name.version, tag, object, ref });
  }
  // packed-refs records the peeled target of every packed tag (the `^<oid>` lines), so packed
  // tags need no object reads, which cost far more than reading the file (docs/performance.md,
  // "Tags and pins"). The type of the peeled object is taken on trust from git.
  // Those are known at once; only the others (loose refs) are read, a few at a time.
  const targets: (Peeled | MissingObjectError | undefined)[] = candidates.map(({ ref, object }) => {
    if (!packed.tagsPeeled || !packedOnly.has(ref)) return undefined;
    const peeled = packed.peeled.get(ref);
    return { oid: peeled ?? object, type: 'commit', annotated: peeled !== undefined };
  });
  const unread = candidates.flatMap((_, i) => (targets[i] === undefined ? [i] : []));
  const read = await mapBounded(unread, READ_CONCURRENCY, (i) =>
    peel(repo, candidates[i]!.object).catch((error: unknown) => {
      if (error instanceof MissingObjectError) return error.withContext(`tag ${candidates[i]!.tag}`);
      throw error;
    }),
  );
  unread.forEach((i, k) => (targets[i] = read[k]));
  const tags: VersionTag[] = [];
  candidates.forEach(({ service, version, tag, object }, i) => {
    const target = targets[i];
    if (target === undefined) {
      ignored.push({ tag, object, reason: 'missing-object' });
    } else if (target instanceof MissingObjectError) {
      ignored.push({ tag, object, reason: 'missing-object', missing: target.toData() });
    } else if (target.type !== 'commit') {
      ignored.push({ tag, object, reason: 'not-a-commit' });
    } else {
      tags.push({ service, version, tag, object, commit: target.oid, annotated: target.annotated });
    }
  });
  tags.sort(versionTagOrder());
  ignored.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  return { tags, ignored };
}

/**
 * All tags named `<service>/v<semver>` that name a commit; other tags are ignored (see
 * `scanVersionTags` for the ones worth a warning). Sorted by service, then semver ascending.
 */
export async function listVersionTags(repo: GitRepo): Promise<VersionTag[]> {
  return [...(await scanVersionTags(repo)).tags];
}
