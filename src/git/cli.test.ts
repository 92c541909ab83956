/**
 * The git-CLI fast paths must return exactly what the isomorphic-git paths return.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo } from '../../test/support/git-repo.js';
import type { TempRepo } from '../../test/support/git-repo.js';
import { openRepo } from './repo.js';
import { listTree, readBlobs } from './reader.js';

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
