import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { quickLocate, readLines, unclosedOpening } from './quick-locate.js';
import { joinPointer, parseYamlFileWithPositions } from './yaml-file.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Every YAML file of the example and the test fixtures. */
function corpus(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) out.push({ name: path.relative(ROOT, p), text: fs.readFileSync(p, 'utf8') });
    }
  };
  for (const d of ['services', 'gateway-groups', 'test/fixtures']) walk(path.join(ROOT, d));
  return out;
}

/** Texts written to find the edges of reading by lines. */
const EDGES: Record<string, string> = {
  comments: 'a: 1 # one\n# between\nb:  two   # two\nc: x#y\n',
  'compact sequence': 'hosts:\n- a.example.com\n- b.example.com # b\nnext: 1\n',
  'indented sequence of maps': 'routes:\n  - name: list\n    uris: [/items]\n    methods:\n      - GET\n  -   name: two\n      priority: 3\n',
  'nested maps': 'upstream:\n  timeout:\n    connect: 3\n    send: 10\n  nodes:\n    - host: 10.0.0.1\n      port: 8080\n',
  'quoted scalars': 'a: "x: y"\nb: \'it\'\'s\'\nc: "q\\"#" # c\nd: 1\n',
  'multi-line quoted scalar': 'a: "multi\n  line"\nd: 1\n',
  'flow collections': 'a: {x: 1, y: [1, 2]}\nb: [1,\n  2]\nc: 3\n',
  'block scalars': 'a: |\n  b: 1\n  c: 2\nd: >-\n  folded\n  text\ne: 5\n',
  'multi-line plain': 'a: one\n  two\nb: three\n',
  'non-string keys': 'true: 1\n1: one\n0x1f: hex\nnull: n\n"q": 2\nkey: 3\n',
  'item scalars': 'list:\n  - one\n  - two # c\n  -\n    three\n  - - nested\n',
  'empty values': 'a:\nb: ~\nc: null\nd:\n  e:\n',
  'crlf': 'a: 1\r\nb:\r\n  c: two\r\n',
  'keys with colons': 'a:b: 1\nurl: http://x.example/y\nc: 2\n',
  'tabs': 'a:\n\tb: 1\nc: 2\n',
  'document marker': '---\na: 1\n',
  'indented root': '  a: 1\n  b: 2\n',
  'value with colon': 'a: b:c\nd: e: f\n',
  'deep comment': 'a: 1\n    # deeper comment\nb: 2\n',
  'dash keys': 'plugins:\n  limit-count:\n    count: 1\n  proxy-rewrite:\n    uri: /x\n',
  'sequence item maps with comments': 'r:\n  # first\n  - n: 1 # x\n\n    m: 2\n  - n: 3\n',
};

/** A service template as they are written. */
const TEMPLATE = `name: svc-1
description: Synthetic service 1 # what it is
labels:
  team: team-1
hosts:
  - api.example.com
path_prefix: /svc-1
plugins:
  limit-count:
    count: 101
    time_window: 60
    key: remote_addr
upstream:
  type: roundrobin
  upstream_host: backend.internal
  timeout:
    connect: 3
  nodes:
    - host: 10.1.0.1
      port: 8080
    - host: 10.1.0.2
      port: 8080

routes:
  - name: list
    uris: [/items]
    methods: [GET]
  - name: item
    uris:
      - /items/*
    methods:
      - GET
      - PUT
    plugins:
      proxy-rewrite:
        headers:
          set:
            X-Service: svc-1
  - name: create
    uris: [/items]
    priority: 2
`;

/** Every pointer into `data`, the document's own first. */
function pointers(data: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [at];
  if (Array.isArray(data)) data.forEach((v, i) => out.push(...pointers(v, [...at, i])));
  else if (data !== null && typeof data === 'object') for (const [k, v] of Object.entries(data)) out.push(...pointers(v, [...at, k]));
  return out;
}

/**
 * Asks for every pointer of the text (and one missing below each), key and value, and checks each
 * answer against the positioned parse. `plain`: how many asked for a map entry's key or a scalar
 * value (what reading by lines is for), `answered`: how many of those it answered.
 */
function compare(name: string, text: string): { plain: number; answered: number } {
  const full = parseYamlFileWithPositions({ path: name, bytes: new TextEncoder().encode(text) });
  if (!full.ok) return { plain: 0, answered: 0 };
  const lines = readLines(text);
  let plain = 0;
  let answered = 0;
  for (const segs of pointers(full.file.data)) {
    const segments = segs.map(String);
    const value = segs.reduce<unknown>((v, s) => (v as Record<string | number, unknown>)[s], full.file.data);
    for (const probe of [segments, [...segments, 'missing']]) {
      for (const key of [false, true]) {
        const isPlain = probe === segments && segs.length > 0 && (key ? typeof segs[segs.length - 1] === 'string' : value === null || typeof value !== 'object');
        if (isPlain) plain++;
        const quick = lines === null ? null : quickLocate(lines, probe, key);
        if (quick === null) continue;
        if (isPlain) answered++;
        const pointer = joinPointer(...probe);
        const { line, column, endLine, endColumn } = full.file.locate(pointer, { key });
        expect({ name, pointer, key, ...quick }).toEqual({ name, pointer, key, line, column, endLine, endColumn });
      }
    }
  }
  return { plain, answered };
}

describe('quickLocate gives the positioned parse\'s span, or nothing', () => {
  // Texts where reading by lines must still answer (the others may give nothing at all).
  const ANSWERED = ['comments', 'compact sequence', 'indented sequence of maps', 'nested maps', 'quoted scalars', 'item scalars', 'crlf', 'dash keys', 'sequence item maps with comments'];
  it.each(Object.entries(EDGES))('%s', (name, text) => {
    const { answered } = compare(name, text);
    if (ANSWERED.includes(name)) expect(answered).toBeGreaterThan(0);
  });

  it('on every YAML file of the example and the fixtures', () => {
    const files = corpus();
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) compare(f.name, f.text);
  });

  it('answers for the plain keys and scalars config files are made of', () => {
    const { plain, answered } = compare('service.yaml', TEMPLATE);
    // All but the items of flow sequences (`uris: [/items]`).
    expect(answered / plain).toBeGreaterThan(0.85);
  });

  it.each([
    ['a key', 'upstream:\n  upstream_host: backend\n', ['upstream', 'upstream_host'], true, { line: 2, column: 3, endLine: 2, endColumn: 16 }],
    ['a value', 'upstream:\n  upstream_host: backend # x\n', ['upstream', 'upstream_host'], false, { line: 2, column: 18, endLine: 2, endColumn: 25 }],
    ['an item', 'routes:\n  - name: a\n  - name: b\n', ['routes', '1', 'name'], false, { line: 3, column: 11, endLine: 3, endColumn: 12 }],
    ['a quoted value', 'a: "b"\n', ['a'], false, null],
    ['a file with a multi-line quoted scalar', 'a: "b\nc: d"\n', ['c'], false, 'unreadable'],
    ['a missing key', 'a: 1\n', ['b'], false, null],
    ['a key after a quoted key', 'a: 1\n"q": 2\nb: 3\n', ['b'], false, null],
    ['a key after an explicit key', 'a: 1\n? k\n: v\nb: 3\n', ['b'], false, null],
    ['a key written twice, at its first line', 'a: 1\nb: 2\na: 3\n', ['a'], false, { line: 1, column: 4, endLine: 1, endColumn: 5 }],
  ])('%s', (_name, text, segments, key, expected) => {
    const lines = readLines(text);
    if (expected === 'unreadable') expect(lines).toBeNull();
    else expect(quickLocate(lines!, segments, key)).toEqual(expected);
  });

  it('answers every lookup in a text by its own block, however many are asked', () => {
    const pins = Array.from({ length: 2000 }, (_, i) => `  svc-${i}: 1.0.${i}`);
    const lines = readLines(`name: staging\npublished:\n${pins.join('\n')}\nother:\n  svc-7: x\n`)!;
    for (const i of [1999, 0, 1000, 7]) {
      const column = `  svc-${i}: `.length + 1;
      expect(quickLocate(lines, ['published', `svc-${i}`], false)).toEqual({ line: i + 3, column, endLine: i + 3, endColumn: column + `1.0.${i}`.length });
    }
    expect(quickLocate(lines, ['other', 'svc-7'], false)).toEqual({ line: 2004, column: 10, endLine: 2004, endColumn: 11 });
    expect(quickLocate(lines, ['published', 'svc-2000'], false)).toBeNull();
  });
});

describe('unclosedOpening: the line that left a bracket or quote open', () => {
  it.each([
    ['a flow sequence after a key', 'name: a\nroutes: [\n  - x\n', 4, { line: 2, column: 9, opens: '[' }],
    ['a flow map in a list item', 'items:\n  - { a: 1\n  - b\n', 4, { line: 2, column: 5, opens: '{' }],
    ['a double-quoted scalar', 'a: "x\nb: 1\n', 3, { line: 1, column: 4, opens: '"' }],
    ['a single-quoted one', "a: 'it''s\n", 2, { line: 1, column: 4, opens: "'" }],
    ['the last of two, before the error', 'a: [\nb: [\nc: 1\n', 3, { line: 2, column: 4, opens: '[' }],
    ['none after the error line', 'a: 1\nb: [\n', 2, null],
    ['closed brackets and quotes, comments: none', 'a: [1, 2]  # [\nb: "q]"\n# [ open\nc: { d: "}" }\n', 5, null],
  ])('%s', (_name, text, before, expected) => {
    expect(unclosedOpening(text, before)).toEqual(expected);
  });
});
