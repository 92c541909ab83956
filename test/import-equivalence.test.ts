/**
 * The equivalence check on what an import really writes, changed after the compile: a synthetic
 * gateway of every kind (test/support/synthetic-gateway.ts) → `importRepository` → `compile` →
 * one compiled upstream and one consumer's credentials changed → `checkEquivalence` against the
 * gateway, with the import's secret values and what it could not write. Exactly the routes of that
 * upstream and that consumer differ (test/import.test.ts shows the unchanged import equal), and no
 * secret of the gateway appears in the report.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../src/compile/compile.js';
import { importRepository, type ImportedRepository } from '../src/import/to-repository.js';
import { checkEquivalence, type EquivalenceReport } from '../src/import/equivalence.js';
import { renderEquivalence } from '../src/cli/render/equivalence.js';
import type { ApisixConfig } from '../src/model/apisix.js';
import { memoryInput } from './support/memory-repo.js';
import { syntheticGateway } from './support/synthetic-gateway.js';

/** The import's files with a group.yaml publishing each service at 1.0.0, compiled: the group's snapshot objects. */
function compiledFrom(repo: ImportedRepository): ApisixConfig {
  const files: Record<string, string> = {};
  const tags: Record<string, string> = {};
  for (const [path, text] of repo.files) {
    files[path] = text;
    const template = /^services\/([^/]+)\/service\.yaml$/.exec(path);
    if (template) tags[`${template[1]}/v1.0.0`] = text;
  }
  files['gateway-groups/prod/group.yaml'] =
    `name: prod\npublished:\n${repo.services.map((s) => `  ${s}: 1.0.0`).join('\n')}\ntargets:\n  - name: local\n    kind: file\n    path: out/apisix.yaml\n`;
  const result = compile(memoryInput({ files, tags }));
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.snapshots[0]!.apisix;
}

function check(source: ApisixConfig, repo: ImportedRepository, compiled: ApisixConfig): EquivalenceReport {
  return checkEquivalence(source, compiled, { resolveSecret: (ref) => repo.secrets.valueOf(ref), skip: repo.unexpressed });
}

describe('an imported gateway, compiled', () => {
  it('differs where a compiled object is changed, and shows no secret of the gateway', async () => {
    const source = await syntheticGateway(20);
    const repo = importRepository({ format: 'apisix', origin: 'test', config: source, unexpressed: [] }, { group: 'prod' });
    const compiled = structuredClone(compiledFrom(repo)) as unknown as Record<string, Record<string, unknown>[]>;
    compiled.upstreams![0]!.nodes = [{ host: '10.99.0.1', port: 1, weight: 1 }];
    compiled.consumers![1]!.plugins = { 'basic-auth': { username: 'x', password: 'not-the-password' } };
    const report = check(source, repo, compiled as unknown as ApisixConfig);
    expect(new Set(report.differences.map((d) => d.kind))).toEqual(new Set(['consumers', 'routes']));
    expect(report.differences.filter((d) => d.kind === 'consumers').map((d) => d.field)).toEqual(['/plugins/basic-auth/password', '/plugins/basic-auth/username']);
    const text = renderEquivalence(report) + JSON.stringify(report);
    const secrets = source.consumers.flatMap((c) => Object.values(c.plugins ?? {}).flatMap((p) => Object.values(p as object)))
      .filter((v): v is string => typeof v === 'string' && v.startsWith('synthetic-'))
      .concat(source.secrets.map((s) => String(s.token)));
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toContain('not-the-password');
  });
});
