import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const equal = { baseMs: 10_000, maxMs: 60_000, jitter: 'equal' } as const;
  const full = { baseMs: 100, maxMs: 1_000, jitter: 'full' } as const;

  it('equal jitter: doubles per failure from the base, up to the cap, in [ceiling/2, ceiling)', () => {
    expect([1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n, equal, () => 0))).toEqual([5_000, 10_000, 20_000, 30_000, 30_000, 30_000]);
    expect([1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n, equal, () => 0.999999))).toEqual([9_999, 19_999, 39_999, 59_999, 59_999, 59_999]);
  });

  it('full jitter: doubles per failure from the base, up to the cap, in [0, ceiling)', () => {
    expect([1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n, full, () => 0.999999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect([1, 2, 3].map((n) => backoffDelay(n, full, () => 0))).toEqual([0, 0, 0]);
  });

  it('is zero without failures', () => {
    expect(backoffDelay(0, equal, () => 0.5)).toBe(0);
    expect(backoffDelay(0, full, () => 0.5)).toBe(0);
  });
});
