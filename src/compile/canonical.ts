import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted by code point at every level, no insignificant whitespace,
 * `undefined` members dropped. Same value → same bytes, whatever order keys were inserted in.
 * (Sort-then-stringify: the fastest of the options measured, see docs/performance.md.)
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** Pretty canonical JSON (two-space indent, trailing newline), for files people read. */
export function canonicalJsonPretty(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

/** `sha256:<hex>` of the UTF-8 bytes of `text`. */
export function sha256Digest(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** A deep copy of `value` whose objects have their keys in code-point order. */
export function sortKeys<T>(value: T): T {
  return sortValue(value) as T;
}

function sortValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortValue);
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // Default sort compares UTF-16 code units, which orders BMP text by code point, as `<` does.
  // Most objects have their keys in order already (emitted objects, parsed canonical JSON):
  // checked first, since a sort allocates even then.
  const keys = Object.keys(source);
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      keys.sort();
      break;
    }
  }
  for (const key of keys) {
    const v = source[key];
    if (v === undefined) continue;
    // A `__proto__` key (YAML allows it) must stay a key, not set the copy's prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: sortValue(v), enumerable: true, writable: true, configurable: true });
    else out[key] = sortValue(v);
  }
  return out;
}
