/**
 * One broken group never blocks another: a compile of selected groups fails only on findings in
 * the files those groups are compiled from. `validate` (reportAll) still reports everything.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../src/compile/compile.js';
import { MemoryMemo } from '../src/compile/memo.js';
import { scopeTree } from '../src/load/scope.js';
import { selectionOf } from '../src/model/selection.js';
import { memoryInput } from './support/memory-repo.js';

const WEB = 'name: web\nupstream:\n  nodes:\n    - host: 10.0.0.1\n      port: 80\nroutes:\n  - name: home\n    uris: [/]\n';
const files = (overrides: Record<string, string> = {}) => ({
  'services/web/service.yaml': WEB,
  'gateway-groups/good/group.yaml': 'name: good\npublished:\n  web: 1.0.0\n',
  'gateway-groups/bad/group.yaml': 'name: bad\npublished:\n  web: 9.9.9\n',
  ...overrides,
});

describe('group isolation', () => {
  it('a pin to a missing version in one group does not block compiling another', () => {
    const selected = compile(memoryInput({ files: files(), tags: { 'web/v1.0.0': WEB }, groups: ['good'] }));
    expect(selected.diagnostics).toEqual([]);
    expect(selected.snapshots.map((s) => s.group)).toEqual(['good']);
    const everything = compile(memoryInput({ files: files(), tags: { 'web/v1.0.0': WEB } }));
    expect(everything.diagnostics.map((d) => [d.code, d.file])).toEqual([['TW3004', 'gateway-groups/bad/group.yaml']]);
    expect(everything.snapshots).toEqual([]);
  });

  it('validate of a selection still reports every file (reportAll)', () => {
    const result = compile({ ...memoryInput({ files: files(), tags: { 'web/v1.0.0': WEB }, groups: ['good'] }), selection: selectionOf({ groups: ['good'], reportAll: true }) });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['TW3004']);
  });

  it('an edited template that is not yet published does not block deploying the published version', () => {
    const edited = files({ 'services/web/service.yaml': WEB.replace('routes:', 'rotues: []\nroutes:') });
    const result = compile(memoryInput({ files: edited, tags: { 'web/v1.0.0': WEB }, groups: ['good'] }));
    expect(result.diagnostics).toEqual([]);
    expect(result.snapshots).toHaveLength(1);
  });

  it('a broken template that a selected group runs does block it', () => {
    const broken = WEB.replace('routes:', 'rotues: []\nroutes:');
    const result = compile(memoryInput({ files: files({ 'services/web/service.yaml': broken }), tags: { 'web/v1.0.0': broken }, groups: ['good'] }));
    expect(result.diagnostics.map((d) => d.code)).toEqual(['TW2001']);
    expect(result.snapshots).toEqual([]);
  });

  it('a compile of selected groups does not read the overlays of the others; validate does', () => {
    const withOverlays = files({
      'gateway-groups/good/services/web.yaml': 'hosts: [good.example.com]\n',
      'gateway-groups/bad/services/web.yaml': 'hosts: [bad.example.com\n',
    });
    const read = (reportAll: boolean) => {
      const memo = new MemoryMemo();
      compile({ ...memoryInput({ files: withOverlays, tags: { 'web/v1.0.0': WEB }, groups: ['good'] }), memo, selection: selectionOf({ groups: ['good'], reportAll }) });
      return [...memo.files.keys()].map((key) => key.split('\u0000')[1]).filter((path) => path?.endsWith('/services/web.yaml'));
    };
    expect(read(false)).toEqual(['gateway-groups/good/services/web.yaml']);
    expect(read(true).sort()).toEqual(['gateway-groups/bad/services/web.yaml', 'gateway-groups/good/services/web.yaml']);
  });

  it('an input scoped to some groups refuses to serve more of them, or every file', () => {
    const withOverlays = files({
      'gateway-groups/good/services/web.yaml': 'hosts: [good.example.com]\n',
      'gateway-groups/bad/services/web.yaml': 'hosts: [bad.example.com]\n',
    });
    const input = memoryInput({ files: withOverlays, tags: { 'web/v1.0.0': WEB }, groups: ['good'] });
    const scoped = { ...input, tree: scopeTree(input.tree, selectionOf({ groups: ['good'] })) };
    expect(scoped.tree.files.map((f) => f.path)).not.toContain('gateway-groups/bad/services/web.yaml');
    expect(compile(scoped).snapshots.map((s) => s.group)).toEqual(['good']);
    expect(() => compile({ ...scoped, selection: selectionOf({ groups: ['good'], reportAll: true }) })).toThrow(/holds the overlays of good only/);
    expect(() => compile({ ...scoped, selection: selectionOf({ groups: ['good', 'bad'] }) })).toThrow(/holds the overlays of good only/);
  });
});

