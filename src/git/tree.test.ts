import { describe, expect, it } from 'vitest';
import { makeRepo, type TempRepo } from '../../test/support/git-repo.js';
import { tracked } from '../../test/support/track.js';
import { GitError } from './errors.js';
import { openRepo } from './repo.js';
import { listTree, readBlobs, type TreeEntry } from './reader.js';
import { readBlob } from './tree.js';
import { MissingObjectError } from './missing-object.js';

const track = tracked();

const FILES = {
  'services/petstore/service.yaml': 'name: petstore\n',
  'services/petstore/docs/README.md': '# petstore\n',
  'services/petstore-v2/service.yaml': 'name: petstore-v2\n',
  'services/billing/service.yaml': 'name: billing\n',
  'gateway-groups/staging/group.yaml': 'name: staging\n',
  'gateway-groups/staging/services/petstore.yaml': 'upstream: {}\n',
  'scripts/deploy.sh': { content: '#!/bin/sh\n', executable: true },
  'services/petstore/current': { symlink: 'service.yaml' },
  'a.b': 'dot\n',
  'a-b': 'dash\n',
  'a/b': 'slash\n',
  'ü.txt': 'non-ascii\n',
} as const;

/** `git ls-tree -r` of the blobs of a commit (gitlinks and trees left out). */
function gitLsTree(repo: TempRepo, rev: string, ...paths: string[]): TreeEntry[] {
  const out = repo.git('-c', 'core.quotePath=false', 'ls-tree', '-r', '--full-tree', rev, '--', ...paths);
  return out
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [meta = '', path = ''] = line.split('\t');
      const [mode = '', type = '', oid = ''] = meta.split(' ');
      return { type, entry: { path, oid, mode } };
    })
    .filter(({ type }) => type === 'blob')
    .map(({ entry }) => entry);
}

describe('listTree', () => {
  it('lists every blob of a commit as `git ls-tree -r` does, in the same order', async () => {
    const repo = track(makeRepo({ files: FILES }));
    const entries = await listTree(await openRepo(repo.dir), repo.revParse('HEAD'));
    expect(entries).toEqual(gitLsTree(repo, 'HEAD'));
    expect(entries.map((e) => e.path)).toContain('ü.txt');
  });

  it('reports file modes: symlink 120000, executable 100755, file 100644', async () => {
    const repo = track(makeRepo({ files: FILES }));
    const opened = await openRepo(repo.dir);
    const entries = await listTree(opened, repo.revParse('HEAD'));
    const mode = (path: string): string | undefined => entries.find((e) => e.path === path)?.mode;
    expect(mode('services/petstore/current')).toBe('120000');
    expect(mode('scripts/deploy.sh')).toBe('100755');
    expect(mode('services/petstore/service.yaml')).toBe('100644');
    const link = entries.find((e) => e.path === 'services/petstore/current');
    expect(new TextDecoder().decode(await readBlob(opened, link?.oid ?? ''))).toBe('service.yaml');
  });

  it('limits the listing to folders under the given prefixes', async () => {
    const repo = track(makeRepo({ files: FILES }));
    const opened = await openRepo(repo.dir);
    const head = repo.revParse('HEAD');
    const petstore = gitLsTree(repo, 'HEAD', 'services/petstore/');
    expect(petstore.map((e) => e.path)).toEqual([
      'services/petstore/current',
      'services/petstore/docs/README.md',
      'services/petstore/service.yaml',
    ]);
    expect(await listTree(opened, head, ['services/petstore'])).toEqual(petstore);
    expect(await listTree(opened, head, ['services/petstore/'])).toEqual(petstore);
    expect(await listTree(opened, head, ['./services/petstore'])).toEqual(petstore);
    expect(await listTree(opened, head, [''])).toEqual(gitLsTree(repo, 'HEAD'));
  });

  it('merges overlapping prefixes without duplicates and lists a file named as a prefix', async () => {
    const repo = track(makeRepo({ files: FILES }));
    const opened = await openRepo(repo.dir);
    const head = repo.revParse('HEAD');
    const entries = await listTree(opened, head, ['services/petstore', 'services', 'gateway-groups/staging/group.yaml']);
    expect(entries).toEqual(gitLsTree(repo, 'HEAD', 'gateway-groups/staging/group.yaml', 'services'));
  });

  it('lists nothing for a prefix that names nothing', async () => {
    const repo = track(makeRepo({ files: FILES }));
    const opened = await openRepo(repo.dir);
    const head = repo.revParse('HEAD');
    expect(await listTree(opened, head, ['services/unknown'])).toEqual([]);
    expect(await listTree(opened, head, ['services/petstore/service.yaml/x'])).toEqual([]);
  });

  it('reads the tree of an older commit and of an annotated tag', async () => {
    const repo = track(makeRepo({ files: FILES }));
    repo.tag('petstore/v1.0.0', { annotated: true });
    repo.remove('services/billing');
    repo.commit('drop billing');
    const opened = await openRepo(repo.dir);
    const tagged = gitLsTree(repo, 'petstore/v1.0.0');
    expect(await listTree(opened, repo.revParse('HEAD~1'))).toEqual(tagged);
    expect(await listTree(opened, repo.revParse('refs/tags/petstore/v1.0.0'))).toEqual(tagged);
    expect(await listTree(opened, repo.revParse('HEAD'), ['services/billing'])).toEqual([]);
  });

  it('leaves out submodules (gitlinks)', async () => {
    const repo = track(makeRepo({ files: { 'a.txt': 'a\n' } }));
    repo.git('update-index', '--add', '--cacheinfo', `160000,${repo.revParse('HEAD')},vendor/sub`);
    repo.commit('add a submodule entry', { staged: true });
    const entries = await listTree(await openRepo(repo.dir), repo.revParse('HEAD'));
    expect(entries.map((e) => e.path)).toEqual(['a.txt']);
  });

  it('throws GitError for an object the repository does not hold', async () => {
    const repo = track(makeRepo());
    await expect(listTree(await openRepo(repo.dir), '1'.repeat(40))).rejects.toThrow(GitError);
  });

  it('refuses a prefix that leaves the tree', async () => {
    const repo = track(makeRepo());
    await expect(listTree(await openRepo(repo.dir), repo.revParse('HEAD'), ['services/../..'])).rejects.toThrow(
      /invalid path prefix/,
    );
  });
});

describe('readBlob and readBlobs', () => {
  it('read loose and packed blobs byte for byte', async () => {
    const binary = Uint8Array.from({ length: 256 }, (_, i) => i);
    const files = { ...FILES, 'bin/all-bytes': binary };
    const expected = new Map<string, Uint8Array>(
      Object.entries(files).map(([path, spec]) => [
        path,
        typeof spec === 'string' ? Buffer.from(spec) : spec instanceof Uint8Array ? spec
          : 'symlink' in spec ? Buffer.from(spec.symlink) : Buffer.from(spec.content),
      ]),
    );
    const repo = track(makeRepo({ files }));
    const head = repo.revParse('HEAD');
    const check = async (): Promise<void> => {
      const opened = await openRepo(repo.dir);
      const entries = await listTree(opened, head);
      const blobs = await readBlobs(opened, entries.map((e) => e.oid));
      expect(entries.map((e) => e.path).sort()).toEqual([...expected.keys()].sort());
      for (const entry of entries) {
        expect(Buffer.from(blobs.get(entry.oid) ?? [])).toEqual(Buffer.from(expected.get(entry.path) ?? []));
      }
    };
    await check();
    repo.git('gc', '--quiet', '--prune=now');
    expect(repo.git('count-objects', '-v')).toMatch(/^count: 0$/m);
    await check();
  });

  it('returns each distinct oid once, in order of first appearance', async () => {
    const repo = track(makeRepo({ files: { 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'a\n' } }));
    const opened = await openRepo(repo.dir);
    const [a, b] = ['a.txt', 'b.txt'].map((f) => repo.revParse(`HEAD:${f}`));
    const blobs = await readBlobs(opened, [b ?? '', a ?? '', b ?? '']);
    expect([...blobs.keys()]).toEqual([b, a]);
    expect(await readBlobs(opened, [])).toEqual(new Map());
  });

  it('throws MissingObjectError for a missing blob, GitError for a non-blob', async () => {
    const repo = track(makeRepo({ files: { 'a.txt': 'a\n' } }));
    const opened = await openRepo(repo.dir);
    await expect(readBlob(opened, '2'.repeat(40))).rejects.toThrow(`git blob ${'2'.repeat(40)} is missing from this clone`);
    await expect(readBlobs(opened, ['2'.repeat(40)])).rejects.toThrow(MissingObjectError);
    await expect(readBlob(opened, repo.revParse('HEAD'))).rejects.toThrow(GitError);
  });
});
