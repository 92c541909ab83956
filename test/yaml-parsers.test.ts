/**
 * The fast path of src/load/yaml-file.ts reads most files with js-yaml 4 and the rest with
 * js-yaml 5 (YAML 1.2's core schema, as `yaml` reads it too). Wherever `READ_DIFFERENTLY` lets
 * js-yaml 4 through, both must give the same data; where they differ, it must not.
 */
import { CORE_SCHEMA, load } from 'js-yaml';
import { CORE_SCHEMA as CORE_SCHEMA_4, load as load4 } from 'js-yaml-4';
import { describe, expect, it } from 'vitest';
import { parseYamlFile, READ_DIFFERENTLY, readsDifferently } from '../src/load/yaml-file.js';
import { exampleFiles } from './support/example-repo.js';

const read5 = (text: string): string => {
  try {
    return JSON.stringify(load(text, { schema: CORE_SCHEMA }));
  } catch {
    return 'error';
  }
};
const read4 = (text: string): string => {
  try {
    return JSON.stringify(load4(text, { schema: CORE_SCHEMA_4 }));
  } catch {
    return 'error';
  }
};

/** Every string of up to `n` characters of `alphabet`. */
function* strings(alphabet: string, n: number, prefix = ''): Generator<string> {
  if (prefix.length > 0) yield prefix;
  if (prefix.length === n) return;
  for (const c of alphabet) yield* strings(alphabet, n, prefix + c);
}

describe('readsDifferently', () => {
  it('is READ_DIFFERENTLY on every short text of the characters that matter, and on longer random ones', () => {
    const alphabet = ' \t\n\r:?[]{},-+.0bxo#a\u2028\u00a0';
    let matched = 0;
    for (const text of strings(alphabet, 4)) {
      const expected = READ_DIFFERENTLY.test(text);
      if (expected) matched += 1;
      if (readsDifferently(text) !== expected) expect({ text, readsDifferently: !expected }).toEqual({ text, readsDifferently: expected });
    }
    let seed = 3;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let n = 0; n < 50_000; n++) {
      let text = '';
      for (let k = 5 + Math.floor(next() * 40); k > 0; k--) text += alphabet[Math.floor(next() * alphabet.length)];
      expect(readsDifferently(text)).toBe(READ_DIFFERENTLY.test(text));
    }
    for (const text of Object.values(exampleFiles())) expect(readsDifferently(text)).toBe(READ_DIFFERENTLY.test(text));
    // Both answers occur.
    expect(matched).toBeGreaterThan(1000);
  });
});

describe('js-yaml 4 is used only where it reads as YAML 1.2 core does', () => {
  it('scalars as values, keys and flow items', () => {
    let differing = 0;
    let checked = 0;
    const forms = [...strings('01+-._xobeEinfINa:~', 3), ...strings('01+-.xob_eE', 4)];
    for (const s of forms) {
      for (const text of [`v: ${s}\n`, `${s}: v\n`, `v: [${s}, 1]\n`, `- ${s}\n`]) {
        const same = read4(text) === read5(text);
        if (!same) differing += 1;
        if (!READ_DIFFERENTLY.test(text)) {
          checked += 1;
          expect({ text, same }).toEqual({ text, same: true });
        }
      }
    }
    // The comparison finds real differences, and the guard lets most text through.
    expect(differing).toBeGreaterThan(100);
    expect(checked).toBeGreaterThan(forms.length * 3);
  });

  it('complex keys, tags, block scalars and the bundled example', () => {
    for (const text of ['? [a, b]\n: 1\n', '[a, b]: 1\n', '{a: 1}: 2\n', 'x:\n  ? k\n  : v\n']) {
      expect(READ_DIFFERENTLY.test(text)).toBe(true);
    }
    const others = [
      'a: !!str 12\n',
      'a: !!int "12"\n',
      'a: |\n  line 1\n  line 2\n',
      'a: >-\n  folded\n  text\n',
      'a: "esc \\u00e9 \\t"\n',
      "a: 'it''s'\n",
      'a: [1, 2.5, -3, 1e3, .inf, -.inf, .nan, ~, null, true, false, 0o17, 0x1F]\n',
      '<<: {a: 1}\nb: 2\n',
      ...Object.values(exampleFiles()),
    ];
    for (const text of others) {
      expect(READ_DIFFERENTLY.test(text) ? 'guarded' : read4(text)).toBe(READ_DIFFERENTLY.test(text) ? 'guarded' : read5(text));
    }
  });

  it('a file reads the same with or without an anchor elsewhere in it', () => {
    const text = 'name: web\npriority: -0x10\nweight: +.5\nkey: 0b11\nlabel: 1_000\n';
    const plain = parseYamlFile({ path: 'a.yaml', bytes: Buffer.from(text) });
    const anchored = parseYamlFile({ path: 'a.yaml', bytes: Buffer.from(`${text}x: &a 1\ny: *a\n`) });
    if (!plain.ok || !anchored.ok) throw new Error('expected both to parse');
    expect(plain.file.data).toEqual({ name: 'web', priority: '-0x10', weight: 0.5, key: '0b11', label: '1_000' });
    expect(anchored.file.data).toMatchObject(plain.file.data as object);
  });
});
