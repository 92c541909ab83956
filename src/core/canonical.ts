import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted by code point at every level, no insignificant whitespace,
 * `undefined` members dropped. Same value → same bytes, whatever order keys were inserted in.
 * (Sort-then-stringify: the fastest of the options measured, see docs/performance.md.)
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(inKeyOrder(value));
}

/** Pretty canonical JSON (two-space indent, trailing newline), for files people read. */
export function canonicalJsonPretty(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

/** `sha256:<hex>` of the UTF-8 bytes of `text`. */
export function sha256Digest(text: string): string {
  // Text that is all ASCII (one UTF-8 byte per UTF-16 unit; canonical JSON nearly always is)
  // has the same bytes in Latin-1, which are hashed without transcoding (docs/performance.md,
  // "Sync").
  const ascii = text.length >= ASCII_FIRST && Buffer.byteLength(text, 'utf8') === text.length;
  return `sha256:${createHash('sha256').update(text, ascii ? 'latin1' : 'utf8').digest('hex')}`;
}

/** Texts from this length on are measured for ASCII first (see sha256Digest). */
const ASCII_FIRST = 1 << 16;

/** A deep copy of `value` whose objects have their keys in code-point order. */
export function sortKeys<T>(value: T): T {
  return sortValue(value) as T;
}

/**
 * `sortKeys(value)` for reading only: the parts of `value` whose objects have their keys in
 * code-point order and no `undefined` member already are taken as they are, not copied (emitted
 * objects are all of that but for configurations written in YAML); `value` itself when all of it
 * is. JSON.stringify of either is the same canonical JSON.
 */
export function inKeyOrder<T>(value: T): T {
  return reordered(value) as T;
}

function reordered(value: unknown): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const now = reordered(item);
      if (now !== item && copy === null) copy = value.slice(0, i);
      copy?.push(now);
    }
    return copy ?? value;
  }
  if (value === null || typeof value !== 'object') return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return sortValue(value);
  const source = value as Record<string, unknown>;
  // Most objects are taken as they are: checked first, walking the keys without listing them.
  // The check stops at the first key out of order, undefined member or member that changes;
  // members before it are known to stay, and a changed one is not worked out twice (which would
  // double at each level of a nested change). An enumerable key inherited from a changed
  // Object.prototype comes after the own keys and is never written: JSON.stringify and the copy
  // below take own keys only.
  let previous: string | null = null;
  let stop = -1;
  let changed: unknown;
  let outOfOrder = false;
  let index = 0;
  for (const key in source) {
    if (previous !== null && !(previous < key)) {
      outOfOrder = true;
      break;
    }
    const v = source[key];
    if (v === undefined) {
      stop = index;
      break;
    }
    const now = reordered(v);
    if (now !== v) {
      stop = index;
      changed = now;
      break;
    }
    previous = key;
    index += 1;
  }
  if (!outOfOrder && stop < 0) return value;
  const keys = Object.keys(source);
  // The check may have stopped before a key out of order: the whole list decides.
  for (let i = 1; i < keys.length && !outOfOrder; i++) outOfOrder = !(keys[i - 1]! < keys[i]!);
  if (outOfOrder) sortKeyList(keys);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const v = source[key];
    if (v === undefined) continue;
    setMember(out, key, outOfOrder || i > stop ? reordered(v) : i < stop ? v : changed);
  }
  return out;
}

/** Sets `out[key]`; a `__proto__` key (YAML allows it) stays a key, not the object's prototype. */
function setMember(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/**
 * Sorts an object's keys by UTF-16 code unit (which orders BMP text by code point, as `<` does),
 * as `Array.prototype.sort()` does: in place, left as they are when in order already (most
 * objects), and without the work array the built-in sort allocates (objects have a few keys
 * each, and a compile sorts tens of thousands of them).
 */
function sortKeyList(keys: string[]): void {
  let inOrder = true;
  for (let i = 1; i < keys.length && inOrder; i++) inOrder = !(keys[i - 1]! > keys[i]!);
  if (inOrder) return;
  if (keys.length > 32) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > key; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = key;
  }
}

function sortValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortValue);
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const keys = Object.keys(source);
  sortKeyList(keys);
  for (const key of keys) {
    const v = source[key];
    if (v !== undefined) setMember(out, key, sortValue(v));
  }
  return out;
}
