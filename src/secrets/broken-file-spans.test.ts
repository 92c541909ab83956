/**
 * Cases of the line rule of secretSpans: a file that does not parse cleanly is also searched
 * line by line, so each secret below is found once by the parser and once by the line rule.
 */
import { describe, expect, it } from 'vitest';
import { secretSpans } from './spans.js';

const BROKEN = '\nbad: [\n';
const spansOf = (text: string) => secretSpans(text).map((s) => `${s.line}:${s.column}-${s.endLine}:${s.endColumn}`);

describe('secret spans of a file that does not parse', () => {
  const cases: ReadonlyArray<readonly [string, string, string[]]> = [
    ['a key in a list in a list', '- - token: abc', ['1:12-1:15', '1:12-1:15']],
    ['a quoted key', '"password": abc', ['1:13-1:16', '1:13-1:16']],
    ['a tab after the colon', 'password:\tabc', ['1:11-1:14', '1:11-1:14']],
    ['two spaces after the colon', 'password:  abc', ['1:12-1:15', '1:12-1:15']],
    ['a quoted value with spaces after it: the line rule masks to the end of the line', '  - token: "abc def"  ', ['1:12-1:21', '1:12-1:23']],
    ['a reference with spaces after it stays visible', 'admin_key: env:KEY   ', []],
    ['a word that looks like a token inside an ordinary value', 'note: a b  ghp_0123456789abcdefghij0123 c', ['1:12-1:40']],
  ];
  for (const [what, line, spans] of cases) {
    it(what, () => {
      expect(spansOf(line + BROKEN)).toEqual(spans);
    });
  }
});
