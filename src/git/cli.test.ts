/**
 * The git-CLI fast paths must return exactly what the isomorphic-git paths return.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo } from '../../test/support/git-repo.js';
import type { TempRepo } from '../../test/support/git-repo.js';
import { openRepo } from './repo.js';
import { gitReader, listTree, readBlobs } from './reader.js';

let repo: TempRepo;
beforeAll(() => {
  const files: Record<string, string | { symlink: string }> = {};
  for (let i = 0; i < 120; i++) files[`services/s${i}/service.yaml`] = `name: s${i}\n`;
  files['services/s0/extra.txt'] = 'x';
  files['gateway-groups/g/group.yaml'] = 'name: g\n';
  files['services/link/service.yaml'] = { symlink: '../s1/service.yaml' };
  repo = makeRepo({ files });
});
afterAll(() => repo.cleanup());

async function both<T>(fn: () => Promise<T>): Promise<[T, T]> {
  const fast = await fn();
  process.env['TAGWAY_GIT_CLI'] = '0';
  try {
    return [fast, await fn()];
  } finally {
    delete process.env['TAGWAY_GIT_CLI'];
  }
}

describe('git CLI fast paths', () => {
  it('list the same tree entries for many prefixes', async () => {
    const r = await openRepo(repo.dir);
    const commit = repo.revParse('HEAD');
    const prefixes = [...Array.from({ length: 100 }, (_, i) => `services/s${i}`), 'services/link/service.yaml', 'gateway-groups', 'nothing/here'];
    const [fast, slow] = await both(() => listTree(r, commit, prefixes));
    expect(fast.length).toBeGreaterThan(100);
    expect(fast).toEqual(slow);
  });

  it('read the same blobs', async () => {
    const r = await openRepo(repo.dir);
    const entries = await listTree(r, repo.revParse('HEAD'), ['services']);
    const oids = entries.map((e) => e.oid);
    const [fast, slow] = await both(() => readBlobs(r, oids));
    expect([...fast.keys()]).toEqual([...slow.keys()]);
    for (const [oid, bytes] of slow) expect(Buffer.from(fast.get(oid)!).equals(bytes)).toBe(true);
  });
});

describe('uncommitted paths', () => {
  it('are the same from git status as from isomorphic-git: changed, staged, deleted, untracked, odd names; nothing outside the prefixes', async () => {
    const scratch = makeRepo({
      files: {
        'services/a/service.yaml': 'name: a\n',
        'services/b/service.yaml': 'name: b\n',
        'services/c/service.yaml': 'name: c\n',
        'services/d d/service.yaml': 'name: d\n',
        'gateway-groups/g/group.yaml': 'name: g\n',
        'docs/notes.md': 'x\n',
      },
    });
    try {
      scratch.write('services/a/service.yaml', 'name: a\n# edited\n');
      scratch.write('services/b/service.yaml', 'name: b\n# staged\n');
      scratch.git('add', 'services/b/service.yaml');
      scratch.git('rm', '-q', 'services/c/service.yaml');
      scratch.write('services/d d/service.yaml', 'name: d\n# a space\n');
      scratch.write('services/é/service.yaml', 'name: e\n');
      scratch.write('gateway-groups/g/services/new.yaml', 'hosts: [x]\n');
      scratch.write('docs/notes.md', 'y\n');
      const r = await openRepo(scratch.dir);
      const [fast, slow] = await both(() => gitReader(r).uncommitted(['services', 'gateway-groups', 'tagway.yaml']));
      expect(fast).toEqual([
        'gateway-groups/g/services/new.yaml',
        'services/a/service.yaml',
        'services/b/service.yaml',
        'services/c/service.yaml',
        'services/d d/service.yaml',
        'services/é/service.yaml',
      ]);
      expect(fast).toEqual(slow);
    } finally {
      scratch.cleanup();
    }
  });
});
