/** Cases of masking one line of a code frame: which parts are masked, and where columns go. */
import { describe, expect, it } from 'vitest';
import type { TextSpan } from '../model/diagnostic.js';
import { maskLine } from './spans.js';

const on = (line: number, column: number, endColumn: number, endLine = line): TextSpan => ({ line, column, endLine, endColumn });

describe('maskLine masks', () => {
  const cases: ReadonlyArray<{ readonly name: string; readonly content: string; readonly spans: TextSpan[]; readonly text: string }> = [
    { name: 'spans given out of order', content: 'k: aa b cc d', spans: [on(1, 9, 11), on(1, 4, 6)], text: 'k: <masked> b <masked> d' },
    { name: 'touching spans as one', content: 'k: aabb', spans: [on(1, 4, 6), on(1, 6, 8)], text: 'k: <masked>' },
    { name: 'nothing for an empty span', content: 'k: aabb', spans: [on(1, 5, 5)], text: 'k: aabb' },
    { name: 'nothing for a span of another line', content: 'k: aabb', spans: [on(2, 1, 3), on(0, 1, 3)], text: 'k: aabb' },
    { name: 'up to the end of the line for a span past it', content: 'k: aa', spans: [on(1, 4, 99)], text: 'k: <masked>' },
    { name: 'from the first column for a span before it', content: 'k: aa', spans: [on(1, 0, 3)], text: '<masked> aa' },
    { name: 'from the indent for a span that started on an earlier line', content: '    aa bb', spans: [on(0, 9, 7, 1)], text: '    <masked> bb' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(maskLine(c.content, 1, c.spans).text).toBe(c.text);
    });
  }
});

describe('maskLine maps the columns of `k: bb x` with bb masked', () => {
  // k=1 :=2 ' '=3 b=4 b=5 ' '=6 x=7; masked: `k: <masked> x`, the mask from 4 to 12.
  const line = maskLine('k: bb x', 1, [on(1, 4, 6)]);
  const cases: ReadonlyArray<readonly [number, number, number]> = [
    // original column, as a start column, as an end column
    [1, 1, 1],
    [3, 3, 3],
    [4, 4, 4],
    [5, 4, 12],
    [6, 12, 12],
    [7, 13, 13],
    [8, 14, 14],
  ];
  for (const [original, column, endColumn] of cases) {
    it(`column ${original} → ${column}, end column ${original} → ${endColumn}`, () => {
      expect(line.text).toBe('k: <masked> x');
      expect(line.column(original)).toBe(column);
      expect(line.endColumn(original)).toBe(endColumn);
    });
  }
});
