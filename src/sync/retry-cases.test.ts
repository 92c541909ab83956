/** Cases of reading `Retry-After` and of wording limits. */
import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry.js';
import { describeLimit } from './timeouts.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  const cases: ReadonlyArray<readonly [string, number | null]> = [
    ['0', 0],
    ['12', 12_000],
    ['120', 120_000],
    [' 3 ', 3000],
    ['x5', null],
    ['5x', null],
  ];
  for (const [value, ms] of cases) {
    it(`reads ${JSON.stringify(value)} as ${ms === null ? 'nothing' : `${ms} ms`}`, () => {
      expect(parseRetryAfter(value, now)).toBe(ms);
    });
  }
});

describe('describeLimit', () => {
  const cases: ReadonlyArray<readonly [number, string]> = [
    [999, '999 ms'],
    [1000, '1 s'],
    [1500, '1.5 s'],
    [1550, '1550 ms'],
    [100, '100 ms'],
  ];
  for (const [ms, text] of cases) {
    it(`words ${ms} ms as ${text}`, () => {
      expect(describeLimit(ms)).toBe(text);
    });
  }
});
