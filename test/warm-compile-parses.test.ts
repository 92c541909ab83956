/**
 * A warm compile parses no template whose unit's record the memo holds, also when a group has a
 * global rule: the rule that compares a global rule's plugins with each service's (TW3045) reads
 * where a template sets each plugin from the unit's record, located there once a finding needed it.
 * Every parse is counted through a mock of the YAML parser's module.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { compile } from '../src/compile/compile.js';
import type { CompileInput } from '../src/compile/input.js';
import { MemoryMemo } from '../src/compile/memo.js';
import { gitBlobId } from '../src/load/blob-id.js';
import type { InputFile } from '../src/load/source-file.js';
import { sourceKey } from '../src/model/diagnostic.js';
import { memoryInput } from './support/memory-repo.js';
import { overlay, template } from './support/synthetic-repo.js';

const parses = vi.hoisted(() => [] as string[]);

vi.mock('../src/load/yaml-file.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/load/yaml-file.js')>();
  return {
    ...real,
    parseYamlFile: (...args: Parameters<typeof real.parseYamlFile>) => {
      parses.push(args[0].path);
      return real.parseYamlFile(...args);
    },
  };
});

beforeEach(() => {
  parses.length = 0;
});

const SERVICES = [0, 1, 2];

/** Three services staging publishes at tags, and (with `rule`) a global rule with plugins two of them also run. */
function input(rule: string | null) {
  const files: Record<string, string> = {
    'gateway-groups/staging/group.yaml': `name: staging\npublished:\n${SERVICES.map((i) => `  svc-${i}: ^1.0\n`).join('')}targets:\n  - name: local\n    kind: file\n    path: out/staging/apisix.yaml\n`,
  };
  const tags: Record<string, string> = {};
  for (const i of SERVICES) {
    // svc-2 runs no plugin of the global rule: no finding about it
    const text = i === 2 ? template(i).replace(/ {2}limit-count: .*/, '  cors: {}').replace('proxy-rewrite:', 'response-rewrite:') : template(i);
    files[`services/svc-${i}/service.yaml`] = `# a draft the group does not run\n${text}`;
    files[`gateway-groups/staging/services/svc-${i}.yaml`] = overlay(i, 'staging');
    tags[`svc-${i}/v1.0.0`] = text;
  }
  if (rule !== null) files['gateway-groups/staging/global-rules/edge.yaml'] = rule;
  return memoryInput({ files, tags });
}

const RULE = 'plugins:\n  proxy-rewrite: { uri: /x }\n  limit-count: { count: 10, time_window: 60, key: remote_addr }\n  prometheus: {}\n';

const templateParses = () => parses.filter((path) => path.startsWith('services/'));

/** `given` with every file named by its blob id and given without its bytes (as a compile at a revision gets them), and a memo that reads them, recording each read. */
function withoutBytes(given: CompileInput): { readonly input: CompileInput; readonly memo: MemoryMemo; readonly reads: string[] } {
  const held = new Map<string, Uint8Array>();
  const strip = (file: InputFile): InputFile => {
    held.set(sourceKey(file.path, file.revision), file.bytes!);
    return { path: file.path, bytes: null, oid: gitBlobId(file.bytes!), ...(file.revision !== undefined ? { revision: file.revision } : {}) };
  };
  const reads: string[] = [];
  const memo = new MemoryMemo((file) => {
    reads.push(file.path);
    return held.get(sourceKey(file.path, file.revision))!;
  });
  const input: CompileInput = {
    ...given,
    tree: { ...given.tree, files: given.tree.files.map(strip) },
    templatesAtTags: new Map([...given.templatesAtTags].map(([tag, file]) => [tag, strip(file)])),
  };
  return { input, memo, reads };
}

describe('a warm compile of a group with a global rule parses no template', () => {
  it('TW3045 from the units\' records: the same findings, byte for byte, as the cold compile', () => {
    const memo = new MemoryMemo();
    const cold = compile({ ...input(RULE), memo });
    const found = cold.diagnostics.filter((d) => d.code === 'TW3045');
    expect(found.map((d) => [d.message, d.related.map((r) => [r.file, r.revision, r.line, r.column, r.message])])).toEqual([
      ['plugin proxy-rewrite of global rule edge is also on service svc-0, so APISIX runs it twice on its requests', [['services/svc-0/service.yaml', 'svc-0/v1.0.0', 26, 9, 'proxy-rewrite on route item of service svc-0']]],
      ['plugin proxy-rewrite of global rule edge is also on service svc-1, so APISIX runs it twice on its requests', [['services/svc-1/service.yaml', 'svc-1/v1.0.0', 26, 9, 'proxy-rewrite on route item of service svc-1']]],
      ['plugin limit-count of global rule edge is also on service svc-0, so APISIX runs it twice on its requests', [['services/svc-0/service.yaml', 'svc-0/v1.0.0', 8, 16, 'limit-count on service svc-0']]],
      ['plugin limit-count of global rule edge is also on service svc-1, so APISIX runs it twice on its requests', [['services/svc-1/service.yaml', 'svc-1/v1.0.0', 8, 16, 'limit-count on service svc-1']]],
    ]);
    expect(templateParses().length).toBeGreaterThan(0);

    parses.length = 0;
    const warm = compile({ ...input(RULE), memo });
    expect(templateParses()).toEqual([]);
    expect(JSON.stringify(warm.diagnostics)).toBe(JSON.stringify(cold.diagnostics));
    expect(warm.snapshots.map((s) => s.digest)).toEqual(cold.snapshots.map((s) => s.digest));
  });

  it('a global rule added after the records were made: only the templates it finds in are parsed, once', () => {
    const memo = new MemoryMemo();
    compile({ ...input(null), memo });
    expect(templateParses().length).toBeGreaterThan(0);
    parses.length = 0;
    const first = compile({ ...input(RULE), memo });
    // svc-2 runs none of the rule's plugins: its template is not parsed to find that out
    expect([...new Set(templateParses())].sort()).toEqual(['services/svc-0/service.yaml', 'services/svc-1/service.yaml']);
    parses.length = 0;
    const again = compile({ ...input(RULE), memo });
    expect(templateParses()).toEqual([]);
    const cold = compile(input(RULE));
    expect(first.diagnostics.filter((d) => d.code === 'TW3045')).toHaveLength(4);
    expect(JSON.stringify(first.diagnostics)).toBe(JSON.stringify(cold.diagnostics));
    expect(JSON.stringify(again.diagnostics)).toBe(JSON.stringify(cold.diagnostics));
  });

  it('nor reads one given without its bytes: a related place is named, not framed, so its file is not read', () => {
    const { input: lazy, memo, reads } = withoutBytes(input(RULE));
    const cold = compile({ ...lazy, memo });
    expect(cold.diagnostics.filter((d) => d.code === 'TW3045')).toHaveLength(4);
    expect([...cold.sources.keys()]).toEqual([sourceKey('gateway-groups/staging/global-rules/edge.yaml', undefined)]);
    reads.length = 0;
    parses.length = 0;
    const warm = compile({ ...lazy, memo });
    expect(reads.filter((path) => path.startsWith('services/'))).toEqual([]);
    expect(JSON.stringify(warm.diagnostics)).toBe(JSON.stringify(cold.diagnostics));
    expect(warm.sources).toEqual(cold.sources);
  });
});
