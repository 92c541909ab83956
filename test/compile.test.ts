/**
 * The compiler on real git repositories: golden snapshots of the bundled example (byte-exact),
 * determinism, order independence, and digests that follow the effective config only.
 * Set UPDATE_GOLDEN=1 to rewrite the golden files after an intended change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../src/compile/compile.js';
import { configDigest, renderSnapshotJson, renderSnapshotStandalone } from '../src/compile/snapshot.js';
import { loadCompileInput } from '../src/incremental/input.js';
import { runCompile } from '../src/app/compile.js';
import type { TempRepo } from './support/git-repo.js';
import { makeExampleRepo, PROJECT_ROOT } from './support/example-repo.js';

const GOLDEN = path.join(PROJECT_ROOT, 'test/fixtures/example/expected');

let repo: TempRepo;
beforeAll(() => {
  repo = makeExampleRepo();
});
afterAll(() => repo.cleanup());

function golden(rel: string, actual: string): void {
  const file = path.join(GOLDEN, rel);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
  }
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}

describe('compile on the bundled example', () => {
  it('matches the golden snapshots byte for byte', async () => {
    const { input } = await loadCompileInput({ cwd: repo.dir });
    const result = compile(input);
    expect(result.diagnostics).toEqual([]);
    expect(result.snapshots.map((s) => s.group)).toEqual(['production', 'staging']);
    for (const s of result.snapshots) {
      expect(s.digest).toBe(configDigest(s.apisix));
      // The files as compile puts them together for writing.
      const files = result.files!.get(s.group)!;
      golden(`${s.group}/snapshot.json`, renderSnapshotJson(files));
      golden(`${s.group}/apisix.yaml`, renderSnapshotStandalone(files));
    }
  });

  it('resolves ranges to the newest matching tag and exact pins to their tag', async () => {
    const { input } = await loadCompileInput({ cwd: repo.dir });
    const byGroup = new Map(compile(input).snapshots.map((s) => [s.group, s]));
    const versions = (g: string) => Object.fromEntries(byGroup.get(g)!.provenance.services.map((s) => [s.name, s.version]));
    expect(versions('staging')).toEqual({ catalog: '1.0.0', orders: '1.0.0', petstore: '1.1.0' });
    expect(versions('production')).toEqual({ catalog: '1.0.0', orders: '1.0.0', petstore: '1.0.0' });
    expect(byGroup.get('staging')!.apisix.routes.map((r) => r.id)).toContain('petstore.pet-photos');
    expect(byGroup.get('production')!.apisix.routes.map((r) => r.id)).not.toContain('petstore.pet-photos');
  });

  it('gives the same bytes whatever order the files are listed in', async () => {
    const { input } = await loadCompileInput({ cwd: repo.dir });
    const texts = (result: ReturnType<typeof compile>) => result.snapshots.map((s) => renderSnapshotJson(result.files!.get(s.group)!));
    const reference = texts(compile(input));
    for (const seed of [1, 2, 3]) {
      const files = shuffle([...input.tree.files], seed);
      const tags = shuffle([...input.tags], seed + 10);
      const templatesAtTags = new Map(shuffle([...input.templatesAtTags], seed + 20));
      const again = compile({ ...input, tree: { ...input.tree, files }, tags, templatesAtTags });
      expect(texts(again)).toEqual(reference);
    }
  });

  it('gives the same digest for two commits with the same effective config', async () => {
    const before = await loadCompileInput({ cwd: repo.dir, rev: 'HEAD' });
    repo.write(
      'gateway-groups/production/services/orders.yaml',
      '# reformatted, same meaning\nupstream: { nodes: [ { port: 8080, host: 10.20.2.11 }, { host: 10.20.2.12, port: 8080 } ] }\n',
    );
    repo.commit('production: reformat the orders overlay');
    const after = await loadCompileInput({ cwd: repo.dir, rev: 'HEAD' });
    const a = compile(before.input).snapshots.find((s) => s.group === 'production')!;
    const b = compile(after.input).snapshots.find((s) => s.group === 'production')!;
    expect(a.provenance.commit).not.toBe(b.provenance.commit);
    expect(b.digest).toBe(a.digest);
  });

  it('changes the digest when what reaches the gateway changes', async () => {
    const { input } = await loadCompileInput({ cwd: repo.dir, draft: true });
    const draft = compile(input).snapshots.find((s) => s.group === 'production')!;
    const published = compile((await loadCompileInput({ cwd: repo.dir })).input).snapshots.find((s) => s.group === 'production')!;
    expect(draft.draft).toBe(true);
    expect(draft.digest).not.toBe(published.digest);
  });

  it('writes both files per group, and rewrites nothing when nothing changed', async () => {
    const first = await runCompile({ cwd: repo.dir, outDir: 'build' });
    expect(first.ok).toBe(true);
    expect(first.groups.every((g) => g.changed)).toBe(true);
    const yaml = fs.readFileSync(path.join(repo.dir, 'build/staging/apisix.yaml'), 'utf8');
    expect(yaml.endsWith('#END\n')).toBe(true);
    const second = await runCompile({ cwd: repo.dir, outDir: 'build' });
    expect(second.groups.some((g) => g.changed)).toBe(false);
    expect(fs.readdirSync(path.join(repo.dir, 'build/staging')).sort()).toEqual(['apisix.yaml', 'snapshot.json']);
  });

  it('writes nothing when there is an error', async () => {
    const broken = makeExampleRepo({ 'gateway-groups/staging/services/orders.yaml': 'upstream:\n  type: chash\n' });
    try {
      const outcome = await runCompile({ cwd: broken.dir });
      expect(outcome.ok).toBe(false);
      expect(outcome.diagnostics.map((d) => d.code)).toContain('TW3003');
      expect(fs.existsSync(path.join(broken.dir, 'dist'))).toBe(false);
    } finally {
      broken.cleanup();
    }
  });
});

/** Deterministic Fisher–Yates shuffle (the test must not depend on Math.random). */
function shuffle<T>(items: T[], seed: number): T[] {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
