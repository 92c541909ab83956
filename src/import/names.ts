/**
 * Names for what an import writes: valid in the repository (src/load/layout.ts), unique where
 * they must be, and stable across re-imports: a name depends on the object it names (its own
 * `name`, `desc`, hosts, paths, id), never on what else the gateway holds, except that a clash
 * is settled by a suffix made from the object's id.
 */
import { createHash } from 'node:crypto';

/**
 * `text` as a name of at most `max` characters of a-z, 0-9 and `-`, starting and ending with a
 * letter or digit (`NAME` of src/load/layout.ts for the default 31), or '' when nothing is left.
 */
export function slug(text: string, max = 31): string {
  const lowered = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return lowered.slice(0, max).replace(/-+$/, '');
}

/** A short, stable suffix for `id`: four hex digits of its SHA-256. */
export function idSuffix(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 4);
}

/**
 * Hands out names unique within one namespace: the first candidate that is a valid, free slug;
 * else the first candidate (or `fallback`) with a suffix from `id`, then with a counter (only
 * when two ids' suffixes collide, which stays deterministic for a given set of objects).
 */
export class Names {
  private readonly taken = new Set<string>();

  constructor(
    private readonly max = 31,
    reserved: Iterable<string> = [],
  ) {
    for (const name of reserved) this.taken.add(name);
  }

  /** Takes `name` as it is (a name a previous import chose): false when it is already taken. */
  claim(name: string): boolean {
    if (this.taken.has(name)) return false;
    this.taken.add(name);
    return true;
  }

  take(candidates: readonly (string | undefined)[], id: string, fallback: string): string {
    const slugs = candidates.filter((c): c is string => typeof c === 'string').map((c) => slug(c, this.max)).filter((s) => s.length > 0);
    for (const s of slugs) if (this.claim(s)) return s;
    const base = slugs[0] ?? (slug(fallback, this.max) || 'x');
    const suffix = idSuffix(id);
    const stem = base.slice(0, this.max - suffix.length - 1).replace(/-+$/, '');
    const withId = stem.length > 0 ? `${stem}-${suffix}` : suffix;
    if (this.claim(withId)) return withId;
    for (let n = 2; ; n++) {
      const tail = `-${suffix}-${n}`;
      const name = `${stem.slice(0, this.max - tail.length).replace(/-+$/, '')}${tail}`.replace(/^-/, '');
      if (this.claim(name)) return name;
    }
  }
}

/** The words of a request path, for a name: `/v1/pets/{id}/*` → `v1-pets-id`. */
export function pathWords(uri: string): string {
  return uri.replace(/[{}:*]/g, ' ').trim();
}
