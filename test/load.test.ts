/**
 * Hostile and broken files: each gets a positioned diagnostic, and nothing throws.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compile } from '../src/compile/compile.js';
import { selectionOf } from '../src/model/selection.js';
import { classifyPath } from '../src/load/layout.js';
import { readWorktree } from '../src/source/worktree.js';
import { memoryInput } from './support/memory-repo.js';

const GROUP = 'name: g\npublished: {}\n';
const T = 'services/web/service.yaml';

function findings(content: string | Uint8Array, file = T) {
  const input = memoryInput({ files: { 'gateway-groups/g/group.yaml': GROUP, [file]: content } });
  // Every file's findings, as validate reports them: no group publishes this template.
  return compile({ ...input, selection: selectionOf({ reportAll: true }) }).diagnostics.map((d) => ({ code: d.code, file: d.file, line: d.line, column: d.column }));
}

describe('loading files', () => {
  it('malformed YAML (TW1005)', () => {
    expect(findings('name: web\nroutes: [\n  - a\n')).toContainEqual({ code: 'TW1005', file: T, line: 3, column: 3 });
  });

  it('duplicate keys (TW1006)', () => {
    expect(findings('name: web\nname: other\nroutes: []\n')).toEqual([{ code: 'TW1006', file: T, line: 2, column: 1 }]);
  });

  it('a tab used for indentation (TW1007)', () => {
    expect(findings('name: web\nroutes:\n\t- name: a\n')).toContainEqual({ code: 'TW1007', file: T, line: 3, column: 1 });
  });

  it('a 10 MB file (TW1003) is reported without parsing it', () => {
    const big = new Uint8Array(10 * 1024 * 1024).fill(0x61);
    expect(findings(big)).toEqual([{ code: 'TW1003', file: T, line: 1, column: 1 }]);
  });

  it('an alias bomb (TW1008)', () => {
    let text = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n';
    let previous = 'a';
    for (let i = 0; i < 9; i++) {
      text += `l${i}: &l${i} [${Array(10).fill(`*${previous}`).join(', ')}]\n`;
      previous = `l${i}`;
    }
    expect(findings(text)).toEqual([{ code: 'TW1008', file: T, line: 2, column: 10 }]);
  });

  it('a file that is not UTF-8 (TW1002), positioned at the bad byte', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('name: web\ndescription: caf'), 0xe9, 0x0a]);
    expect(findings(bytes)).toEqual([{ code: 'TW1002', file: T, line: 2, column: 17 }]);
  });

  it('an empty file and a file holding a list (TW1009)', () => {
    expect(findings('')).toEqual([{ code: 'TW1009', file: T, line: 1, column: 1 }]);
    expect(findings('- a\n- b\n')).toEqual([{ code: 'TW1009', file: T, line: 1, column: 1 }]);
  });

  it('two documents in one file (TW1010)', () => {
    expect(findings('name: web\n---\nname: other\n').map((f) => f.code)).toEqual(['TW1010']);
  });

  it('a folder that is not a valid name, e.g. ../x (TW1012)', () => {
    expect(findings('name: x\nroutes: []\n', 'services/X Y/service.yaml')).toEqual([
      { code: 'TW1012', file: 'services/X Y/service.yaml', line: 1, column: 1 },
    ]);
  });

  it('a YAML file where tagway reads none is a warning (TW1011)', () => {
    expect(findings('a: 1\n', 'services/web/routes.yaml')).toEqual([{ code: 'TW1011', file: 'services/web/routes.yaml', line: 1, column: 1 }]);
  });

  it('a UTF-8 byte-order mark is accepted', () => {
    const input = memoryInput({
      files: { 'gateway-groups/g/group.yaml': `\uFEFF${GROUP}` },
    });
    expect(compile(input).diagnostics).toEqual([]);
  });
});

describe('reading the worktree', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('reports a symlink that leaves the repository (TW1004) and does not read it', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'tagway-outside-'));
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tagway-root-'));
    dirs.push(outside, root);
    fs.writeFileSync(path.join(outside, 'secret.yaml'), 'name: secret\n');
    fs.mkdirSync(path.join(root, 'services/web'), { recursive: true });
    fs.symlinkSync(path.join(outside, 'secret.yaml'), path.join(root, 'services/web/service.yaml'));
    fs.mkdirSync(path.join(root, 'services/api'), { recursive: true });
    fs.writeFileSync(path.join(root, 'services/api/real.txt'), 'name: api\n');
    fs.symlinkSync('real.txt', path.join(root, 'services/api/service.yaml'));
    const tree = await readWorktree(root);
    expect(tree.problems.map((p) => ({ code: p.code, file: p.file, line: p.line }))).toEqual([
      { code: 'TW1004', file: 'services/web/service.yaml', line: 1 },
    ]);
    expect(tree.files.map((f) => f.path)).toEqual(['services/api/service.yaml']);
    expect(new TextDecoder().decode(tree.files[0]!.bytes)).toBe('name: api\n');
  });
});

describe('duplicate keys', () => {
  it('name the key and point at its first occurrence', () => {
    const input = memoryInput({ files: { 'gateway-groups/g/group.yaml': 'name: g\npublished:\n  web: 1.0.0\n  api: 1.0.0\n  web: 2.0.0\n' } });
    const [d] = compile(input).diagnostics;
    expect(d).toMatchObject({ code: 'TW1006', line: 5, column: 3 });
    expect(d!.message).toContain('`web`');
    expect(d!.related).toEqual([expect.objectContaining({ file: 'gateway-groups/g/group.yaml', line: 3, column: 3 })]);
  });
});

describe('YAML syntax errors', () => {
  it('one mistake is reported once, not once per parser complaint at the same place', () => {
    const input = memoryInput({ files: { 'gateway-groups/g/group.yaml': 'name: g\npublished: {}\n', 'services/web/service.yaml': 'a: b\n  c: d\n' } });
    expect(compile({ ...input, selection: selectionOf({ reportAll: true }) }).diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['TW1005', 1, 4]]);
  });
});

describe('where a path sits in the layout', () => {
  const STRAY = {
    kind: 'stray',
    expected:
      'gateway-groups/<group>/group.yaml, gateway-groups/<group>/adopt.yaml, gateway-groups/<group>/services/<service>.yaml, ' +
      'gateway-groups/<group>/consumers/<username>.yaml, gateway-groups/<group>/consumer-groups/<name>.yaml, gateway-groups/<group>/global-rules/<name>.yaml, ' +
      'gateway-groups/<group>/plugin-metadata/<plugin>.yaml, gateway-groups/<group>/secrets/<manager>/<id>.yaml or gateway-groups/<group>/ssls/<name>.yaml',
  };
  const SHARED_STRAY = {
    kind: 'stray',
    expected:
      'gateway-groups/_shared/consumers/<username>.yaml, gateway-groups/_shared/consumer-groups/<name>.yaml, gateway-groups/_shared/global-rules/<name>.yaml, ' +
      'gateway-groups/_shared/plugin-metadata/<plugin>.yaml, gateway-groups/_shared/secrets/<manager>/<id>.yaml or gateway-groups/_shared/ssls/<name>.yaml',
  };
  it('tells templates, groups, overlays, stray and other files apart, odd names included', () => {
    const cases: [string, unknown][] = [
      ['services/petstore/service.yaml', { kind: 'template', service: 'petstore' }],
      ['services//service.yaml', { kind: 'template', service: '' }],
      ['services/a/b/service.yaml', { kind: 'stray', expected: 'services/<service>/service.yaml' }],
      ['services/petstore/notes.md', { kind: 'other' }],
      ['gateway-groups/staging/group.yaml', { kind: 'group', group: 'staging' }],
      ['gateway-groups/staging/services/petstore.yaml', { kind: 'overlay', group: 'staging', service: 'petstore' }],
      ['gateway-groups/staging/services/a.b.yaml', { kind: 'overlay', group: 'staging', service: 'a.b' }],
      ['gateway-groups/staging/services/.yaml', { kind: 'overlay', group: 'staging', service: '' }],
      ['gateway-groups//services/x.yaml', { kind: 'overlay', group: '', service: 'x' }],
      ['gateway-groups/staging/services/x/y.yaml', STRAY],
      ['gateway-groups/staging/extra/x.yaml', STRAY],
      ['gateway-groups/staging/services/x.yml', STRAY],
      ['gateway-groups/x.yaml', STRAY],
      ['gateway-groups/staging/adopt.yaml', { kind: 'adopt', group: 'staging' }],
      ['gateway-groups/staging/services/adopt.yaml', { kind: 'overlay', group: 'staging', service: 'adopt' }],
      ['gateway-groups/_shared/adopt.yaml', SHARED_STRAY],
      ['gateway-groups/staging/consumers/mobile-app.yaml', { kind: 'consumer', group: 'staging', name: 'mobile-app' }],
      ['gateway-groups/staging/consumer-groups/gold.yaml', { kind: 'consumer-group', group: 'staging', name: 'gold' }],
      ['gateway-groups/staging/consumers/a/b.yaml', STRAY],
      ['gateway-groups/staging/consumers/notes.md', { kind: 'other' }],
      ['gateway-groups/staging/secrets/vault/prod.yaml', { kind: 'secret-manager', group: 'staging', name: 'vault/prod' }],
      ['gateway-groups/staging/secrets/prod.yaml', STRAY],
      ['gateway-groups/staging/secrets/vault/a/b.yaml', STRAY],
      ['gateway-groups/staging/secrets/vault/notes.md', { kind: 'other' }],
      ['gateway-groups/_shared/consumers/mobile-app.yaml', { kind: 'consumer', shared: true, name: 'mobile-app' }],
      ['gateway-groups/_shared/consumer-groups/gold.yaml', { kind: 'consumer-group', shared: true, name: 'gold' }],
      ['gateway-groups/_shared/services/petstore.yaml', SHARED_STRAY],
      ['gateway-groups/_shared/group.yaml', SHARED_STRAY],
      ['gateway-groups/_shared/consumers/a/b.yaml', SHARED_STRAY],
      ['gateway-groups/_shared/secrets/vault/main.yaml', { kind: 'secret-manager', shared: true, name: 'vault/main' }],
      ['gateway-groups/_shared/secrets/main.yaml', SHARED_STRAY],
      ['gateway-groups/_shared/global-rules/metrics.yaml', { kind: 'global-rule', shared: true, name: 'metrics' }],
      ['gateway-groups/_shared/README.md', { kind: 'other' }],
      ['tagway.yaml', { kind: 'config' }],
    ];
    for (const [p, role] of cases) expect([p, classifyPath(p)]).toEqual([p, role]);
  });
});
