import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, inKeyOrder, sha256Digest, sortKeys } from './canonical.js';

/**
 * Canonical JSON written the slow, obvious way: entries sorted by code unit at every level, except
 * that keys which are array indices come first, in numeric order, as JavaScript lists the keys
 * of every object (so JSON.parse and JSON.stringify keep that order, and so does the digest).
 */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : reference(v))).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  const index = (k: string) => (/^(0|[1-9][0-9]*)$/.test(k) && Number(k) < 2 ** 32 - 1 ? Number(k) : null);
  entries.sort(([a], [b]) => {
    const [x, y] = [index(a), index(b)];
    if (x !== null || y !== null) return x === null ? 1 : y === null ? -1 : x - y;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
}

describe('canonicalJson', () => {
  it('sorts keys in any order they come in, and leaves objects already in order as they are', () => {
    const keys = ['b', 'a', '10', '9', 'Z', 'é', 'a-b', 'a_b', '', '__proto__', 'z'];
    let seed = 7;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const make = (depth: number): unknown => {
        const out: Record<string, unknown> = {};
        const shuffled = [...keys].sort(() => next() - 0.5).slice(0, 1 + Math.floor(next() * keys.length));
        if (round % 2 === 0) shuffled.sort();
        for (const k of shuffled) {
          const v = depth > 0 && next() < 0.3 ? make(depth - 1) : next() < 0.1 ? undefined : next() < 0.2 ? [depth > 0 ? make(depth - 1) : null, 1] : k.length;
          Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
        }
        return out;
      };
      const value = make(2);
      expect(canonicalJson(value)).toBe(reference(value));
      expect(JSON.stringify(sortKeys(value))).toBe(reference(value));
      expect(JSON.stringify(inKeyOrder(value))).toBe(reference(value));
    }
  });

  it('takes an object already in canonical order as it is, and copies any other', () => {
    const ordered = { a: 1, b: [{ c: null, d: 'x' }, 2], e: { f: {} } };
    expect(inKeyOrder(ordered)).toBe(ordered);
    // Out of order at any depth, an undefined member, integer-like keys (listed in numeric order), a
    // non-plain object (JSON.stringify would write a Date as its toJSON): each is copied.
    for (const value of [{ b: 1, a: 2 }, { a: [{ d: 1, c: 2 }] }, { a: { b: undefined } }, { 9: 1, 10: 2 }, { a: new Date(0) }]) {
      const view = inKeyOrder(value);
      expect(view).not.toBe(value);
      expect(JSON.stringify(view)).toBe(reference(value));
    }
  });

  it('works out a change deep down once, not once per way of reaching it', () => {
    // A member out of order 20 levels down, read through a getter that counts its reads.
    let reads = 0;
    const inner = Object.defineProperty({}, 'b', { get: () => (reads += 1), enumerable: true });
    Object.defineProperty(inner, 'a', { value: 0, enumerable: true });
    let value: Record<string, unknown> = inner;
    for (let depth = 0; depth < 20; depth++) value = { a: value, z: depth };
    const view = inKeyOrder(value);
    // Read when checked and when copied: a second walk of every changed level would read it 2^20 times.
    expect(reads).toBeLessThanOrEqual(2);
    let expected = '{"a":0,"b":2}';
    for (let depth = 0; depth < 20; depth++) expected = `{"a":${expected},"z":${depth}}`;
    expect(JSON.stringify(view)).toBe(expected);
  });

  it('writes own keys only, even with an enumerable key inherited from Object.prototype', () => {
    Object.defineProperty(Object.prototype, 'zz', { value: { b: 1, a: 2 }, enumerable: true, writable: true, configurable: true });
    try {
      for (const value of [{ a: 1 }, { b: { d: 1, c: 2 }, a: 1 }, { x: [{ y: 1 }] }]) {
        expect(JSON.stringify(inKeyOrder(value))).toBe(JSON.stringify(sortKeys(value)));
      }
    } finally {
      delete (Object.prototype as Record<string, unknown>).zz;
    }
  });

  it('keeps a __proto__ key as a key', () => {
    const value = JSON.parse('{"b":1,"__proto__":{"x":1}}') as unknown;
    expect(canonicalJson(value)).toBe('{"__proto__":{"x":1},"b":1}');
    expect(Object.getPrototypeOf(sortKeys(value))).toBe(Object.prototype);
  });
});

describe('sha256Digest', () => {
  const reference = (text: string) => `sha256:${createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex')}`;

  it('hashes the UTF-8 bytes, long ASCII texts (hashed as Latin-1) and others alike', () => {
    const long = 'a'.repeat(1 << 17);
    // Latin-1 would keep only the low byte of these units, all of them ASCII bytes: 0xD83D → '=',
    // 0xDE00 → NUL, 0x0141 → 'A'. They must be hashed as UTF-8.
    for (const text of ['', 'short é', long, `${long}é`, `${long}\u00ff`, `${long}😀`, `${long}\ud83d`, `${long}\u0141`, `é${long}`]) {
      expect(sha256Digest(text)).toBe(reference(text));
    }
  });
});
