/**
 * `tagway diff` on real repositories: two revisions of the bundled example, formats, masking,
 * and exit codes of the built CLI (`npm test` builds first).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument, visit } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDiff } from '../src/app/diff.js';
import { loadCompileInput } from '../src/incremental/input.js';
import { compile } from '../src/compile/compile.js';
import { diffSnapshots } from '../src/diff/index.js';
import type { GroupDiff } from '../src/diff/index.js';
import { makeExampleRepo, PROJECT_ROOT } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';
import { makeRepo, makeTempDir } from './support/git-repo.js';

const BIN = path.join(PROJECT_ROOT, 'bin/run.js');

function tagway(args: string[], cwd: string) {
  const run = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function group(groups: readonly GroupDiff[], name: string): GroupDiff {
  const found = groups.find((g) => g.group === name);
  if (!found) throw new Error(`no group ${name} in the diff`);
  return found;
}

/** The same YAML, written differently: keys in reverse order, lists in flow style, comments, 4-space indent. */
function reformat(text: string): string {
  const doc = parseDocument(text);
  visit(doc, {
    Map(_, node) {
      node.items.reverse();
    },
    Seq(_, node) {
      node.flow = true;
    },
  });
  doc.comment = ' reformatted: same content, other layout';
  return doc.toString({ indent: 4 });
}

/** A template whose routes are listed in reverse order. */
function reverseRoutes(text: string): string {
  const doc = parseDocument(text);
  const routes = doc.get('routes', true) as { items: unknown[] } | undefined;
  routes?.items.reverse();
  return doc.toString();
}

describe('diff of two revisions of the example', () => {
  let repo: TempRepo;
  let main: string;
  beforeAll(() => {
    repo = makeExampleRepo();
    main = repo.revParse('main');
    repo.git('checkout', '--quiet', '-b', 'change');
    // A version bump by a pin change: production moves petstore to 1.1.0, which adds a route.
    repo.write('gateway-groups/production/group.yaml', repo.read('gateway-groups/production/group.yaml').replace('petstore: 1.0.0', 'petstore: 1.1.0'));
    // An overlay node change: staging's petstore moves to another instance.
    repo.write('gateway-groups/staging/services/petstore.yaml', repo.read('gateway-groups/staging/services/petstore.yaml').replace('10.10.1.11', '10.10.1.12'));
    repo.commit('promote petstore 1.1.0 to production; move a staging instance');
  });
  afterAll(() => repo.cleanup());

  it('compares the worktree with the merge base of the default branch by default', async () => {
    const { ok, report } = await runDiff({ cwd: repo.dir });
    expect(ok).toBe(true);
    expect(report!.from).toEqual({ label: 'merge base with main', commit: main, draft: false });
    expect(report!.to).toEqual({ label: 'worktree', commit: null, draft: false });
    expect(report!.changed).toBe(true);
    expect(report!.groups.map((g) => [g.group, g.status])).toEqual([
      ['production', 'changed'],
      ['staging', 'changed'],
    ]);
  });

  it('a pin change shows the version bump, the route it adds and the routing that starts', async () => {
    const production = group((await runDiff({ cwd: repo.dir })).report!.groups, 'production');
    expect(production.services).toHaveLength(1);
    const petstore = production.services[0]!;
    expect(petstore.version).toEqual({ before: '1.0.0', after: '1.1.0' });
    expect(petstore.objects.filter((o) => o.change !== 'relabelled').map((o) => [o.change, o.kind, o.id])).toEqual([['added', 'routes', 'petstore.pet-photos']]);
    expect(production.counts).toEqual({ added: 1, removed: 0, changed: 0, relabelled: 1 });
    expect(petstore.objects.find((o) => o.change === 'added')!.patch).toContain('+  - /pets/*/photos');
    expect(production.impact).toEqual([
      { change: 'starts', host: 'petstore.example.com', path: '/pets/*/photos', methods: ['GET', 'POST'], routes: ['petstore.pet-photos'], causes: [] },
    ]);
  });

  it('an overlay change shows the changed upstream field and the routes it reroutes, with no version change', async () => {
    const staging = group((await runDiff({ cwd: repo.dir })).report!.groups, 'staging');
    const petstore = staging.services[0]!;
    expect(petstore.version).toEqual({ before: '1.1.0', after: '1.1.0' });
    expect(petstore.objects.map((o) => [o.change, o.kind, o.id, o.fields.map((f) => f.path)])).toEqual([['changed', 'upstreams', 'petstore', ['/nodes']]]);
    expect(petstore.objects[0]!.patch).toMatch(/-  - host: 10\.10\.1\.11\n\+  - host: 10\.10\.1\.12/);
    const upstream = [{ kind: 'upstreams', id: 'petstore' }];
    expect(staging.impact.map((r) => [r.change, r.host, r.path, r.methods.join(' '), r.routes, r.causes])).toEqual([
      ['changes', 'petstore.staging.example.com', '/pets', 'GET', ['petstore.list-pets'], upstream],
      ['changes', 'petstore.staging.example.com', '/pets', 'POST', ['petstore.create-pet'], upstream],
      ['changes', 'petstore.staging.example.com', '/pets/*', 'GET PUT DELETE', ['petstore.pet'], upstream],
      ['changes', 'petstore.staging.example.com', '/pets/*/photos', 'GET POST', ['petstore.pet-photos'], upstream],
    ]);
  });

  it('--to a revision gives the same diff as its checked-out worktree; --group limits it', async () => {
    const worktree = await runDiff({ cwd: repo.dir });
    const head = await runDiff({ cwd: repo.dir, to: 'HEAD', from: 'main' });
    expect(head.report!.groups).toEqual(worktree.report!.groups);
    expect(head.report!.to.commit).toBe(repo.revParse('HEAD'));
    const only = await runDiff({ cwd: repo.dir, groups: ['staging'] });
    expect(only.report!.groups.map((g) => g.group)).toEqual(['staging']);
  });

  it('a group added by the change is compared with nothing, and can be selected', async () => {
    const added = makeExampleRepo();
    try {
      added.write('gateway-groups/qa/group.yaml', 'name: qa\npublished:\n  orders: 1.0.0\ntargets:\n  - name: local\n    kind: file\n    path: out/qa/apisix.yaml\n');
      const { report } = await runDiff({ cwd: added.dir, groups: ['qa'] });
      const qa = group(report!.groups, 'qa');
      expect(qa.status).toBe('added');
      expect(qa.services.map((s) => [s.service, s.version])).toEqual([['orders', { before: null, after: '1.0.0' }]]);
      expect(qa.impact.map((r) => [r.change, r.host, r.path])).toEqual([
        ['starts', 'api.example.com', '/orders/'],
        ['starts', 'api.example.com', '/orders/*'],
        ['starts', 'api.example.com', '/orders/*/cancel'],
      ]);
    } finally {
      added.cleanup();
    }
  });

  it('--draft shows what publishing the worktree templates would change', async () => {
    const draft = makeExampleRepo();
    try {
      draft.write('services/orders/service.yaml', `${draft.read('services/orders/service.yaml')}  - name: order-history\n    uris: [/history]\n    methods: [GET]\n`);
      const published = await runDiff({ cwd: draft.dir });
      expect(published.report!.changed).toBe(false);
      const { report } = await runDiff({ cwd: draft.dir, draft: true });
      expect(report!.to.draft).toBe(true);
      const orders = group(report!.groups, 'production').services.find((s) => s.service === 'orders')!;
      expect(orders.version).toEqual({ before: '1.0.0', after: 'draft' });
      expect(orders.objects.map((o) => [o.change, o.id])).toEqual([['added', 'orders.order-history']]);
      // Only services whose draft differs from what the group runs; no object shows as merely relabelled.
      expect(report!.groups.map((g) => [g.group, g.services.map((s) => s.service), g.counts.relabelled])).toEqual([
        ['production', ['orders', 'petstore'], 0],
        ['staging', ['orders'], 0],
      ]);
      const text = tagway(['diff', '--draft', '--group', 'staging'], draft.dir).stdout;
      expect(text).toMatch(/\nstaging: changes, 1 added\n {2}digest .*\n {2}orders: 1\.0\.0 → draft\n {4}\+ route orders\.order-history\n/);
      expect(text).not.toContain('catalog');
    } finally {
      draft.cleanup();
    }
  });
});

describe('no phantom changes', () => {
  it('reformatted group and overlay files, reordered keys and comments change nothing', async () => {
    const repo = makeExampleRepo();
    try {
      for (const file of ['gateway-groups/production/group.yaml', 'gateway-groups/staging/group.yaml', 'gateway-groups/staging/services/petstore.yaml', 'gateway-groups/production/services/catalog.yaml']) {
        repo.write(file, reformat(repo.read(file)));
      }
      expect(repo.read('gateway-groups/production/group.yaml')).toContain('published:\n    catalog: 1.0.0\n    orders: 1.0.0\n    petstore: 1.0.0\n');
      const { report } = await runDiff({ cwd: repo.dir });
      expect(report!.changed).toBe(false);
      expect(report!.groups.every((g) => g.status === 'unchanged' && g.services.length === 0 && g.impact.length === 0)).toBe(true);
    } finally {
      repo.cleanup();
    }
  });

  it('reformatted templates with their routes in another order compile to the same objects', async () => {
    const repo = makeExampleRepo();
    try {
      for (const service of ['catalog', 'orders', 'petstore']) {
        const file = `services/${service}/service.yaml`;
        repo.write(file, reformat(reverseRoutes(repo.read(file))));
      }
      repo.commit('reformat the templates');
      const side = async (rev: string) => compile((await loadCompileInput({ cwd: repo.dir, rev, draft: true })).input);
      const before = await side('HEAD~1');
      const after = await side('HEAD');
      expect(before.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(after.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(diffSnapshots(before.snapshots, after.snapshots).map((g) => g.status)).toEqual(['unchanged', 'unchanged']);
    } finally {
      repo.cleanup();
    }
  });
});

describe('secrets', () => {
  const SECRET = 'pk-live-4f9a8b7c6d5e';
  const NEXT_SECRET = 'pk-live-0a1b2c3d4e5f';
  const withSecret = (template: string, secret: string) =>
    template.replace('plugins:\n  cors:\n', `plugins:\n  proxy-rewrite:\n    headers:\n      set:\n        X-Api-Key: ${secret}\n        Authorization: $env://PETSTORE_TOKEN\n  cors:\n`);
  let repo: TempRepo;
  beforeAll(() => {
    const template = fs.readFileSync(path.join(PROJECT_ROOT, 'services/petstore/service.yaml'), 'utf8');
    repo = makeExampleRepo({ 'services/petstore/service.yaml': withSecret(template, SECRET) });
    repo.write('services/petstore/service.yaml', repo.read('services/petstore/service.yaml').replace(SECRET, NEXT_SECRET));
  });
  afterAll(() => repo.cleanup());

  it('are masked in every format, a changed one still shows as changed, references stay visible', () => {
    for (const format of ['text', 'markdown', 'json']) {
      const { code, stdout } = tagway(['diff', '--draft', '--format', format], repo.dir);
      expect(code).toBe(0);
      expect(stdout).not.toContain(SECRET);
      expect(stdout).not.toContain(NEXT_SECRET);
      expect(stdout).toContain('<masked, changed>');
    }
    const json = JSON.parse(tagway(['diff', '--draft', '--format', 'json'], repo.dir).stdout);
    const service = json.groups[0].services.find((s: { service: string }) => s.service === 'petstore');
    const object = service.objects.find((o: { kind: string }) => o.kind === 'services');
    expect(object.fields).toContainEqual({ path: '/plugins/proxy-rewrite/headers/set/X-Api-Key', op: 'replace', before: '<masked>', after: '<masked, changed>', masked: true });
    expect(object.patch).toContain('Authorization: $env://PETSTORE_TOKEN');
  });
});

describe('tagway diff on the command line', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = makeExampleRepo();
  });
  afterAll(() => repo.cleanup());

  it('exits 0 with no changes, also with --exit-code', () => {
    const run = tagway(['diff', '--exit-code'], repo.dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('No changes in 2 groups.');
  });

  it('exits 0 with changes, and 1 with --exit-code', () => {
    const changed = makeExampleRepo();
    try {
      changed.write('gateway-groups/staging/services/orders.yaml', changed.read('gateway-groups/staging/services/orders.yaml').replace('10.10.2.11', '10.10.2.13'));
      const plain = tagway(['diff'], changed.dir);
      expect(plain.code).toBe(0);
      expect(plain.stdout).toContain('staging: changes, 1 changed');
      expect(plain.stdout).toContain('production: no changes');
      expect(plain.stdout).toMatch(/\n1 group of 2 changes\.\n$/);
      expect(tagway(['diff', '--exit-code'], changed.dir).code).toBe(1);
      expect(tagway(['diff', '--exit-code', '--group', 'production'], changed.dir).code).toBe(0);
    } finally {
      changed.cleanup();
    }
  });

  it('exits 1 and prints the findings when a side does not compile', () => {
    const broken = makeExampleRepo();
    try {
      broken.write('gateway-groups/staging/group.yaml', broken.read('gateway-groups/staging/group.yaml').replace('orders: 1.0.0', 'orders: 9.9.9'));
      const text = tagway(['diff'], broken.dir);
      expect(text.code).toBe(1);
      expect(text.stderr).toMatch(/gateway-groups\/staging\/group\.yaml:\d+:\d+ error/);
      expect(text.stderr).toContain('worktree does not compile, so there is no diff');
      const markdown = tagway(['diff', '--format', 'markdown'], broken.dir);
      expect(markdown.code).toBe(1);
      expect(markdown.stdout).toContain('no diff, the configuration does not compile');
      expect(markdown.stdout).toContain('`gateway-groups/staging/group.yaml:');
      const json = JSON.parse(tagway(['diff', '--format', 'json'], broken.dir).stdout);
      expect(json).toMatchObject({ ok: false, changed: false, groups: [] });
      expect(json.diagnostics.to[0]).toMatchObject({ severity: 'error', file: 'gateway-groups/staging/group.yaml' });
    } finally {
      broken.cleanup();
    }
  });

  it('exits 2 on an unknown revision, outside a repository, without a default branch, and on a usage error', () => {
    const unknown = tagway(['diff', '--from', 'no-such-branch'], repo.dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown revision: no-such-branch');
    const temp = makeTempDir();
    const trunk = makeRepo({ branch: 'trunk', files: { 'README.md': 'x\n' } });
    try {
      expect(tagway(['diff'], temp.dir).code).toBe(2);
      const noDefault = tagway(['diff'], trunk.dir);
      expect(noDefault.code).toBe(2);
      expect(noDefault.stderr).toContain('--from');
    } finally {
      temp.cleanup();
      trunk.cleanup();
    }
    expect(tagway(['diff', '--to', 'HEAD', '--worktree'], repo.dir).code).toBe(2);
    expect(tagway(['diff', '--format', 'html'], repo.dir).code).toBe(2);
  });

  it('json has the documented shape', () => {
    const changed = makeExampleRepo();
    try {
      changed.write('gateway-groups/production/group.yaml', changed.read('gateway-groups/production/group.yaml').replace('petstore: 1.0.0', 'petstore: 1.1.0'));
      const doc = JSON.parse(tagway(['diff', '--format', 'json'], changed.dir).stdout);
      expect(Object.keys(doc)).toEqual(['format', 'ok', 'changed', 'from', 'to', 'groups', 'diagnostics']);
      expect(doc).toMatchObject({ format: 'tagway.diff/v1', ok: true, changed: true, diagnostics: { from: [], to: [] } });
      expect(Object.keys(doc.from)).toEqual(['label', 'commit', 'draft']);
      const production = doc.groups[0];
      expect(Object.keys(production)).toEqual(['group', 'status', 'digest', 'counts', 'services', 'groupObjects', 'impact']);
      expect(Object.keys(production.digest)).toEqual(['before', 'after']);
      expect(Object.keys(production.counts)).toEqual(['added', 'removed', 'changed', 'relabelled']);
      expect(Object.keys(production.services[0])).toEqual(['service', 'version', 'objects']);
      const added = production.services[0].objects.find((o: { change: string }) => o.change === 'added');
      expect(Object.keys(added)).toEqual(['kind', 'id', 'service', 'change', 'fields', 'patch']);
      expect(Object.keys(added.fields[0])).toEqual(['path', 'op', 'after', 'masked']);
      expect(Object.keys(production.impact[0])).toEqual(['change', 'host', 'path', 'methods', 'routes', 'causes']);

      // Every field name of the shape is documented.
      const documented = fs.readFileSync(path.join(PROJECT_ROOT, 'docs/diff.md'), 'utf8');
      const keys = new Set<string>();
      const collect = (value: unknown, inFields: boolean): void => {
        if (Array.isArray(value)) value.forEach((v) => collect(v, inFields));
        else if (value !== null && typeof value === 'object') {
          for (const [k, v] of Object.entries(value)) {
            keys.add(k);
            // Field values are gateway objects, not part of the shape.
            if (!(inFields && (k === 'before' || k === 'after'))) collect(v, k === 'fields');
          }
        }
      };
      collect(doc, false);
      for (const key of keys) expect(documented, `docs/diff.md documents "${key}"`).toContain(`\`${key}\``);
    } finally {
      changed.cleanup();
    }
  });
});
