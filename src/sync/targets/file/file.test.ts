import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Digest, sortKeys } from '../../../core/canonical.js';
import { renderStandaloneYaml } from '../../../apisix/standalone-yaml.js';
import type { ApisixConfig } from '../../../model/apisix.js';
import { emptyConfig } from '../../../apisix/kinds/index.js';
import { planSync } from '../../plan.js';
import { syncTarget } from '../../sync.js';
import { writeFileAtomic } from './apply.js';
import { FileTarget } from './index.js';
import type { SyncSnapshot } from '../../report.js';

const labels = (service: string, version = '1.0.0') => ({
  'managed-by': 'tagway',
  'tagway.group': 'staging',
  'tagway.service': service,
  'tagway.version': version,
});

function snapshot(version = '1.0.0', methods = ['GET']): SyncSnapshot {
  const apisix: ApisixConfig = sortKeys({
    ...emptyConfig(), upstreams: [{ id: 'petstore', labels: labels('petstore', version), nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }], type: 'roundrobin' }],
    services: [{ id: 'petstore', labels: labels('petstore', version), upstream_id: 'petstore' }],
    routes: [{ id: 'petstore.list', labels: labels('petstore', version), methods, service_id: 'petstore', uris: ['/pets'] }],
  });
  return { group: 'staging', apisix, digest: sha256Digest(canonicalJson(apisix)) };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tagway-file-target-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('file target', () => {
  it('reads a missing file as an empty configuration', async () => {
    const target = new FileTarget({ kind: 'file', name: 'local', path: 'out/apisix.yaml' }, dir);
    expect(await target.read()).toEqual({ config: emptyConfig(), digest: null });
  });

  it('writes the standalone file on the first sync and nothing on the second', async () => {
    const target = new FileTarget({ kind: 'file', name: 'local', path: 'out/staging/apisix.yaml' }, dir);
    const first = await syncTarget(snapshot(), target);
    expect(first).toMatchObject({ status: 'applied', writes: 1, runs: { state: 'snapshot', digest: snapshot().digest } });
    const path = join(dir, 'out/staging/apisix.yaml');
    const text = await readFile(path, 'utf8');
    expect(text).toBe(renderStandaloneYaml(snapshot().apisix));
    expect(text.endsWith('#END\n')).toBe(true);

    const before = await stat(path);
    const second = await syncTarget(snapshot(), target);
    expect(second).toMatchObject({ status: 'in-sync', writes: 0, plan: { create: 0, update: 0, delete: 0, unchanged: 3 } });
    const after = await stat(path);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('does not rewrite unchanged content even when asked to apply', async () => {
    const target = new FileTarget({ kind: 'file', name: 'local', path: 'apisix.yaml' }, dir);
    await syncTarget(snapshot(), target);
    const before = await stat(join(dir, 'apisix.yaml'));
    const plan = { ...planSync(snapshot(), (await target.read()).config) };
    expect(await target.apply(plan, { concurrency: 1 })).toEqual({ ok: true, writes: 0 });
    expect((await stat(join(dir, 'apisix.yaml'))).ino).toBe(before.ino);
  });

  it('replaces the file by rename (new inode) and leaves no temporary file', async () => {
    const target = new FileTarget({ kind: 'file', name: 'local', path: 'apisix.yaml' }, dir);
    await syncTarget(snapshot(), target);
    const before = await stat(join(dir, 'apisix.yaml'));
    const report = await syncTarget(snapshot('1.1.0', ['GET', 'HEAD']), target);
    expect(report).toMatchObject({ status: 'applied', writes: 1, plan: { update: 3 } });
    expect((await stat(join(dir, 'apisix.yaml'))).ino).not.toBe(before.ino);
    expect(await readdir(dir)).toEqual(['apisix.yaml']);
  });

  it('keeps objects and sections of other owners', async () => {
    const path = join(dir, 'apisix.yaml');
    await writeFile(
      path,
      [
        'routes:',
        '  - id: legacy',
        '    uri: /legacy',
        '    upstream_id: legacy',
        'upstreams:',
        '  - id: legacy',
        '    nodes: { "10.0.0.9:80": 1 }',
        'consumers:',
        '  - username: jack',
        '#END',
        '',
      ].join('\n'),
    );
    const target = new FileTarget({ kind: 'file', name: 'local', path: 'apisix.yaml' }, dir);
    expect(await syncTarget(snapshot(), target)).toMatchObject({ status: 'applied' });
    const doc = parse(await readFile(path, 'utf8')) as Record<string, Array<{ id?: string; username?: string }>>;
    expect(doc.routes?.map((r) => r.id)).toEqual(['legacy', 'petstore.list']);
    expect(doc.upstreams?.map((u) => u.id)).toEqual(['legacy', 'petstore']);
    expect(doc.consumers).toEqual([{ username: 'jack' }]);
    expect(await syncTarget(snapshot(), target)).toMatchObject({ status: 'in-sync' });
  });

  it('stops on an unowned object at a needed id without writing', async () => {
    const path = join(dir, 'apisix.yaml');
    const text = 'routes:\n  - id: petstore.list\n    uri: /mine\n    upstream_id: x\n#END\n';
    await writeFile(path, text);
    const report = await syncTarget(snapshot(), new FileTarget({ kind: 'file', name: 'local', path: 'apisix.yaml' }, dir));
    expect(report).toMatchObject({ status: 'failed', writes: 0, error: { code: 'conflict' }, conflicts: [{ code: 'unowned', id: 'petstore.list' }] });
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  it('retires an original an adoption replaces in the same write as its replacement', async () => {
    const path = join(dir, 'apisix.yaml');
    await writeFile(path, 'routes:\n  - id: "1000"\n    uri: /pets\n    upstream_id: petstore\n#END\n');
    const adopting = { ...snapshot(), adopt: { routes: { '1000': 'petstore.list' } } };
    const report = await syncTarget(adopting, new FileTarget({ kind: 'file', name: 'local', path: 'apisix.yaml' }, dir));
    expect(report).toMatchObject({ status: 'applied', writes: 1 });
    const doc = parse(await readFile(path, 'utf8')) as Record<string, Array<{ id?: string }>>;
    expect(doc.routes?.map((r) => r.id)).toEqual(['petstore.list']);
  });

  it('reports a file that is not YAML', async () => {
    await writeFile(join(dir, 'apisix.yaml'), 'routes: [\n');
    const report = await syncTarget(snapshot(), new FileTarget({ kind: 'file', name: 'local', path: 'apisix.yaml' }, dir));
    expect(report).toMatchObject({ status: 'failed', error: { code: 'invalid-live-state' } });
  });
});

describe('writeFileAtomic', () => {
  it('removes its temporary file when the rename fails, leaving the old path as it was', async () => {
    const path = join(dir, 'taken');
    await mkdir(join(path, 'inside'), { recursive: true });
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow();
    expect((await readdir(dir)).sort()).toEqual(['taken']);
    expect(await readdir(path)).toEqual(['inside']);
  });
});
