/**
 * The compiler on real git repositories: golden snapshots of the bundled example (byte-exact),
 * determinism, order independence, and digests that follow the effective config only.
 * Set UPDATE_GOLDEN=1 to rewrite the golden files after an intended change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
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

  it('compiles what the example inputs say, checked without the golden files', async () => {
    const { input } = await loadCompileInput({ cwd: repo.dir });
    const first = compile(input);
    const second = compile((await loadCompileInput({ cwd: repo.dir })).input);
    expect(first.diagnostics).toEqual([]);
    type Node = { host: string; port: number; weight?: number };
    type Route = { name: string; uris: string[] };
    type Template = { hosts?: string[]; path_prefix?: string; routes: Route[] };
    type Overlay = { hosts?: string[]; path_prefix?: string; upstream?: { nodes?: Node[]; discovery?: { type: string; service_name: string } }; canary?: { weight: number; nodes: Node[] } };
    const withWeights = (nodes: readonly Node[]) => nodes.map((n) => ({ host: n.host, port: n.port, weight: n.weight ?? 1 }));

    for (const snapshot of first.snapshots) {
      const group = snapshot.group;
      expect(second.snapshots.find((s) => s.group === group)?.digest, `${group}: digest of a second compile`).toBe(snapshot.digest);
      const published = parseYaml(repo.read(`gateway-groups/${group}/group.yaml`)).published as Record<string, string>;
      const { upstreams, services, routes } = snapshot.apisix;
      expect(services.map((s) => s.id)).toEqual(Object.keys(published).sort());

      for (const [name, pin] of Object.entries(published)) {
        // An exact pin is the version; a range is the highest matching tag, by git's version sort.
        const version = /^\d+\.\d+\.\d+$/.test(pin) ? pin : repo.git('tag', '--list', `${name}/v${pin.replace(/^\^(\d+).*$/, '$1')}.*`, '--sort=-v:refname').split('\n')[0]!.slice(`${name}/v`.length);
        const template = parseYaml(repo.git('show', `${name}/v${version}:services/${name}/service.yaml`)) as Template;
        const overlay = (parseYaml(repo.read(`gateway-groups/${group}/services/${name}.yaml`)) ?? {}) as Overlay;
        const owned = { 'managed-by': 'tagway', 'tagway.group': group, 'tagway.service': name };
        const where = `${group}/${name}`;

        const service = services.find((s) => s.id === name)!;
        expect(service.labels, where).toMatchObject({ ...owned, 'tagway.version': version });
        expect(service['hosts'], where).toEqual(overlay.hosts ?? template.hosts);

        const prefix = overlay.path_prefix ?? template.path_prefix ?? '';
        const ours = routes.filter((r) => r.labels?.['tagway.service'] === name);
        expect(ours.map((r) => r.id).sort(), where).toEqual(template.routes.map((r) => `${name}.${r.name}`).sort());
        for (const route of template.routes) {
          const emitted = ours.find((r) => r.id === `${name}.${route.name}`)!;
          expect(emitted['uris'], `${where}.${route.name}`).toEqual(route.uris.map((u) => `${prefix}${u}`));
          expect(emitted['service_id']).toBe(name);
        }

        const upstream = upstreams.find((u) => u.id === name)!;
        expect(service['upstream_id']).toBe(name);
        if (overlay.upstream?.discovery !== undefined) {
          expect(upstream, where).toMatchObject({ discovery_type: overlay.upstream.discovery.type, service_name: overlay.upstream.discovery.service_name });
          expect(upstream['nodes'], where).toBeUndefined();
        } else {
          expect(upstream['nodes'], where).toEqual(withWeights(overlay.upstream!.nodes!));
        }
        const canary = upstreams.find((u) => u.id === `${name}.canary`);
        if (overlay.canary === undefined) {
          expect(canary, where).toBeUndefined();
        } else {
          expect(canary?.['nodes'], where).toEqual(withWeights(overlay.canary.nodes));
          expect(service['plugins'], where).toMatchObject({ 'traffic-split': { rules: [{ weighted_upstreams: [{ upstream_id: `${name}.canary`, weight: overlay.canary.weight }, { weight: 100 - overlay.canary.weight }] }] } });
        }
        // The version is on the APISIX service only, so a new version rewrites no other object.
        for (const object of [upstream, ...(canary === undefined ? [] : [canary]), ...ours]) {
          expect(object.labels, `${where}: ${object.id}`).toMatchObject(owned);
          expect(object.labels, `${where}: ${object.id}`).not.toHaveProperty(['tagway.version']);
        }
      }
      expect(upstreams).toHaveLength(Object.keys(published).length + upstreams.filter((u) => u.id.endsWith('.canary')).length);
      expect(routes.every((r) => Object.keys(published).includes(String(r.labels?.['tagway.service'])))).toBe(true);
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
