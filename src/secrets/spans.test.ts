import { describe, expect, it } from 'vitest';
import { maskLine, secretSpans } from './spans.js';

/** The text of each span, as `line:column text`. */
function found(text: string): string[] {
  const lines = text.split('\n');
  return secretSpans(text).map((s) => {
    const value = s.line === s.endLine ? lines[s.line - 1]!.slice(s.column - 1, s.endColumn - 1) : `${lines[s.line - 1]!.slice(s.column - 1)}…`;
    return `${s.line}:${s.column} ${value}`;
  });
}

describe('secret values in a file', () => {
  const cases: [string, string, string[]][] = [
    ['a literal admin key', 'targets:\n  - name: a\n    admin_key: canary-1\n', ['3:16 canary-1']],
    ['a reference stays visible', 'targets:\n  - name: a\n    admin_key: env:KEY_A\n', []],
    ['APISIX references stay visible', 'plugins:\n  key-auth:\n    key: $secret://vault/1/k\n', []],
    ['an encrypted plugin field', 'plugins:\n  key-auth:\n    key: canary-2\n', ['3:10 canary-2']],
    ['a value that looks like a token anywhere', 'description: ghp_abcdefghijklmnopqrstuvwxyz0123\n', ['1:14 ghp_abcdefghijklmnopqrstuvwxyz0123']],
    ['a flow mapping', 'targets: [{name: a, admin_key: "canary-3"}]\n', ['1:32 "canary-3"']],
    ['a block scalar', 'password: |\n  canary-4\n  more\nname: x\n', ['1:11 |…']],
    ['a file that does not parse: the line rule', 'targets:\n  - name: a\n    admin_key: canary-5\n   bad: [\n', ['3:16 canary-5', '3:16 canary-5']],
    ['a broken file with a reference', 'admin_key: env:KEY\n  x: [\n', []],
    ['nothing secret', 'name: web\nroutes: []\n', []],
    // Read off the lines (a fast read of the file), or read in full when the lines leave doubt.
    ['a secret before a comment', 'targets:\n  - name: a # first\n    admin_key: canary-6 # note\n', ['3:16 canary-6']],
    ['secrets in a sequence of maps', 'consumers:\n  - username: a\n    password: canary-7\n  - username: b\n    password: canary-8\n', ['3:15 canary-7', '5:15 canary-8']],
    ['one quoted, one plain', 'a:\n  password: "canary-9"\nb:\n  password: canary-10\n', ['2:13 "canary-9"', '4:13 canary-10']],
    ['a secret in a file with an anchor', 'base: &b\n  password: canary-11\nother: *b\n', ['2:13 canary-11', '2:13 canary-11']],
  ];
  for (const [what, text, expected] of cases) {
    it(what, () => {
      expect(found(text).sort()).toEqual([...expected].sort());
    });
  }
});

describe('masking a line', () => {
  it('replaces each span and maps columns before, inside and after it', () => {
    const line = maskLine('  admin_key: canary-123 # note', 1, [{ line: 1, column: 14, endLine: 1, endColumn: 24 }]);
    expect(line.text).toBe('  admin_key: <masked> # note');
    expect(line.column(3)).toBe(3);
    expect(line.column(14)).toBe(14);
    expect(line.column(18)).toBe(14);
    expect(line.endColumn(24)).toBe(22);
    expect(line.column(25)).toBe(23);
  });

  it('masks the part of a span that reaches over several lines', () => {
    const span = { line: 1, column: 11, endLine: 3, endColumn: 5 };
    expect(maskLine('password: |', 1, [span]).text).toBe('password: <masked>');
    expect(maskLine('  canary-4', 2, [span]).text).toBe('  <masked>');
    expect(maskLine('  more', 3, [span]).text).toBe('  <masked>re');
    expect(maskLine('name: x', 4, [span]).text).toBe('name: x');
  });

  it('merges overlapping spans', () => {
    const line = maskLine('a: bbbbcccc', 1, [{ line: 1, column: 4, endLine: 1, endColumn: 9 }, { line: 1, column: 6, endLine: 1, endColumn: 12 }]);
    expect(line.text).toBe('a: <masked>');
  });
});
