/**
 * Plugin metadata of a plugin whose metadata schema forbids properties it does not name (TW3048):
 * no plugin APISIX bundles has one today, so this table gives two plugins such a schema.
 */
import { describe, expect, it, vi } from 'vitest';
import { compile } from '../../compile/compile.js';
import { memoryInput } from '../../../test/support/memory-repo.js';

vi.mock('../../apisix/validator/index.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../apisix/validator/index.js')>();
  const strict = { type: 'object', properties: { log_format: { type: 'object' } }, additionalProperties: false };
  return { ...real, metadataSchemaOf: (name: string) => (name === 'http-logger' || name === 'tcp-logger' ? strict : real.metadataSchemaOf(name)) };
});

const G = 'gateway-groups/staging';

describe('plugin metadata whose schema forbids unknown properties', () => {
  const cases: ReadonlyArray<{ readonly plugin: string; readonly body: string; readonly found: readonly string[] }> = [
    { plugin: 'http-logger', body: 'log_format: {}\n', found: [`${G}/plugin-metadata/http-logger.yaml:1:1 error TW3048`] },
    { plugin: 'tcp-logger', body: 'log_format: {}\nid: tcp-logger\n', found: [`${G}/plugin-metadata/tcp-logger.yaml:1:1 error TW3048`, `${G}/plugin-metadata/tcp-logger.yaml:2:1 error TW3049`] },
    { plugin: 'prometheus', body: 'disabled_labels: {}\n', found: [] },
  ];
  for (const c of cases) {
    it(`${c.plugin}: ${c.found.length === 0 ? 'taken' : 'refused, at the file'}`, () => {
      const result = compile(memoryInput({ files: { [`${G}/group.yaml`]: 'name: staging\n', [`${G}/plugin-metadata/${c.plugin}.yaml`]: c.body } }));
      expect(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code}`)).toEqual(c.found);
      if (c.found.length > 0) expect(result.diagnostics[0]!.message).toContain('ownership labels');
    });
  }
});
