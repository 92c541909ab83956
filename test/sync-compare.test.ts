/**
 * Planning compares each snapshot object with the live one in place (`sameJson`) instead of
 * through canonical JSON strings; the answer must be the same for every pair of JSON values.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/core/canonical.js';
import { sameJson } from '../src/apisix/normalize.js';

function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function value(next: () => number, depth: number): unknown {
  const r = next();
  if (depth > 3 || r < 0.4) return [0, 1, -0, 2.5, 'a', 'b', '', true, false, null, undefined][Math.floor(next() * 11)];
  if (r < 0.7) return Array.from({ length: Math.floor(next() * 3) }, () => value(next, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 3); i > 0; i--) o[['x', 'y', 'z', '__proto__'][Math.floor(next() * 4)]!] = value(next, depth + 1);
  return o;
}

/** A copy with keys in another order (what a gateway may return). */
function shuffled(v: unknown, next: () => number): unknown {
  if (Array.isArray(v)) return v.map((x) => shuffled(x, next));
  if (v === null || typeof v !== 'object') return v;
  const keys = Object.keys(v).sort(() => next() - 0.5);
  const out: Record<string, unknown> = {};
  for (const k of keys) Object.defineProperty(out, k, { value: shuffled((v as Record<string, unknown>)[k], next), enumerable: true, writable: true, configurable: true });
  return out;
}

describe('sameJson', () => {
  it('agrees with comparing canonical JSON, for equal, reordered and different values', () => {
    const next = random(5);
    for (let i = 0; i < 20000; i++) {
      const a = value(next, 0);
      const b = next() < 0.5 ? shuffled(a, next) : value(next, 0);
      expect(sameJson(a, b)).toBe(canonicalJson(a) === canonicalJson(b));
    }
  });
});
