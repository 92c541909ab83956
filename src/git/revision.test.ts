import { describe, expect, it } from 'vitest';
import { cloneRepo, makeRepo, type TempRepo } from '../../test/support/git-repo.js';
import { tracked } from '../../test/support/track.js';
import { GitError } from './errors.js';
import { openRepo } from './repo.js';
import { currentBranch, defaultBranch, headCommit, mergeBase, resolveRevision } from './revision.js';

const track = tracked();

/**
 * main: c1 ─ c2 ─ c3 ─ merge(c3, f2)   feature: c2 ─ f1 ─ f2
 * tags: petstore/v1.0.0 (annotated, c2), light (lightweight, c1)
 */
function historyRepo(): TempRepo {
  const repo = track(makeRepo({ files: { 'a.txt': '1\n' } }));
  repo.tag('light');
  repo.write('a.txt', '2\n');
  repo.commit('c2');
  repo.tag('petstore/v1.0.0', { annotated: true });
  repo.git('switch', '--quiet', '-c', 'feature');
  repo.write('b.txt', 'f1\n');
  repo.commit('f1');
  repo.write('b.txt', 'f2\n');
  repo.commit('f2');
  repo.git('switch', '--quiet', 'main');
  repo.write('a.txt', '3\n');
  repo.commit('c3');
  repo.git('merge', '--quiet', '--no-ff', '-m', 'merge feature', 'feature');
  return repo;
}

const REVISIONS = [
  'HEAD',
  '@',
  'HEAD~1',
  'HEAD~',
  'HEAD~3',
  'HEAD^',
  'HEAD^1',
  'HEAD^2',
  'HEAD^2~1',
  'HEAD^0',
  'HEAD^^',
  'HEAD~1^{commit}',
  'main',
  'feature',
  'refs/heads/feature',
  'heads/feature',
  'light',
  'petstore/v1.0.0',
  'petstore/v1.0.0^{}',
  'petstore/v1.0.0^{commit}',
  'petstore/v1.0.0~1',
  'tags/petstore/v1.0.0',
  'refs/tags/petstore/v1.0.0',
];

describe('resolveRevision', () => {
  it('resolves revisions as `git rev-parse` does, before and after packing', async () => {
    const repo = historyRepo();
    const expected = REVISIONS.map((rev) => repo.revParse(`${rev}^{commit}`));
    const resolveAll = async (): Promise<string[]> => {
      const opened = await openRepo(repo.dir);
      return Promise.all(REVISIONS.map((rev) => resolveRevision(opened, rev)));
    };
    expect(await resolveAll()).toEqual(expected);
    repo.git('gc', '--quiet', '--prune=now');
    expect(await resolveAll()).toEqual(expected);
  });

  it('resolves full and abbreviated oids, in either case', async () => {
    const repo = historyRepo();
    const opened = await openRepo(repo.dir);
    const head = repo.revParse('HEAD');
    const short = repo.git('rev-parse', '--short', 'HEAD~1');
    expect(await resolveRevision(opened, head)).toBe(head);
    expect(await resolveRevision(opened, head.toUpperCase())).toBe(head);
    expect(await resolveRevision(opened, short)).toBe(repo.revParse('HEAD~1'));
    expect(await resolveRevision(opened, short.toUpperCase())).toBe(repo.revParse('HEAD~1'));
    expect(await resolveRevision(opened, `${short}~1`)).toBe(repo.revParse('HEAD~2'));
    // an annotated tag object's oid peels to its commit
    expect(await resolveRevision(opened, repo.revParse('refs/tags/petstore/v1.0.0'))).toBe(
      repo.revParse('petstore/v1.0.0^{commit}'),
    );
  });

  it('prefers a ref to an oid prefix with the same name, as git does', async () => {
    const repo = historyRepo();
    const prefix = repo.revParse('HEAD~1').slice(0, 7);
    repo.git('branch', prefix, 'feature');
    expect(await resolveRevision(await openRepo(repo.dir), prefix)).toBe(repo.revParse(prefix));
    expect(repo.revParse(prefix)).toBe(repo.revParse('feature'));
  });

  it('resolves remote branches of a clone', async () => {
    const origin = historyRepo();
    const clone = track(cloneRepo(origin));
    const opened = await openRepo(clone.dir);
    expect(await resolveRevision(opened, 'origin/feature')).toBe(origin.revParse('feature'));
    expect(await resolveRevision(opened, 'origin')).toBe(origin.revParse('main'));
  });

  it.each([
    ['nope', /^unknown revision: nope$/],
    ['HEAD~10', /^unknown revision: HEAD~10$/],
    ['HEAD^3', /^unknown revision: HEAD\^3$/],
    ['main@{1}', /^unsupported revision syntax/],
    ['HEAD:a.txt', /^unsupported revision syntax/],
    ['main..feature', /^unsupported revision syntax/],
    ['HEAD^{tree}', /^unsupported revision syntax/],
    ['', /^unsupported revision syntax/],
    ['0000000000000000000000000000000000000000', /^unknown revision/],
    ['deadbeef', /^unknown revision: deadbeef$/],
  ])('throws GitError naming %j', async (rev, message) => {
    const opened = await openRepo(historyRepo().dir);
    const error = await resolveRevision(opened, rev).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).message).toMatch(message);
  });

  it('refuses an oid that names a blob or a tree', async () => {
    const repo = historyRepo();
    const opened = await openRepo(repo.dir);
    await expect(resolveRevision(opened, repo.revParse('HEAD:a.txt'))).rejects.toThrow(/names a blob, not a commit/);
    await expect(resolveRevision(opened, repo.revParse('HEAD^{tree}'))).rejects.toThrow(/names a tree, not a commit/);
  });

  it('reports an ambiguous oid prefix', async () => {
    // Deterministic content, so the same two blobs share a 4-digit prefix on every run.
    const files: Record<string, string> = {};
    for (let i = 0; i < 600; i++) files[`f/${i}`] = `${i}\n`;
    const repo = track(makeRepo({ files }));
    const oids = repo.git('rev-list', '--objects', '--all').split('\n').map((line) => line.slice(0, 40));
    const seen = new Set<string>();
    const prefix = oids.map((oid) => oid.slice(0, 4)).find((p) => seen.has(p) || !seen.add(p));
    expect(prefix).toBeDefined();
    await expect(resolveRevision(await openRepo(repo.dir), prefix ?? '')).rejects.toThrow(/^ambiguous revision/);
  });

  it('explains a walk past the edge of a shallow clone', async () => {
    const origin = historyRepo();
    const clone = track(cloneRepo(origin, { depth: 1 }));
    expect(clone.git('rev-parse', '--is-shallow-repository')).toBe('true');
    const opened = await openRepo(clone.dir);
    expect(await resolveRevision(opened, 'HEAD')).toBe(origin.revParse('HEAD'));
    const error = await resolveRevision(opened, 'HEAD~1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).message).toBe('unknown revision: HEAD~1');
    expect((error as GitError).hint).toMatch(/shallow/);
  });
});

describe('headCommit and currentBranch', () => {
  it('follow HEAD on a branch and when detached', async () => {
    const repo = historyRepo();
    let opened = await openRepo(repo.dir);
    expect(await headCommit(opened)).toBe(repo.revParse('HEAD'));
    expect(await currentBranch(opened)).toBe('main');
    repo.git('switch', '--quiet', '--detach', 'HEAD~1');
    opened = await openRepo(repo.dir);
    expect(await headCommit(opened)).toBe(repo.revParse('HEAD'));
    expect(await currentBranch(opened)).toBeNull();
  });
});

describe('defaultBranch', () => {
  it('is the local main branch of a repository without remotes', async () => {
    const repo = historyRepo();
    expect(await defaultBranch(await openRepo(repo.dir))).toEqual({
      name: 'main',
      ref: 'refs/heads/main',
      commit: repo.revParse('main'),
    });
  });

  it("is the branch origin/HEAD names in a clone, even from another branch's checkout", async () => {
    const origin = track(makeRepo({ branch: 'trunk' }));
    const clone = track(cloneRepo(origin));
    clone.git('switch', '--quiet', '-c', 'topic');
    clone.commit('topic work');
    expect(await defaultBranch(await openRepo(clone.dir))).toEqual({
      name: 'trunk',
      ref: 'refs/remotes/origin/trunk',
      commit: origin.revParse('trunk'),
    });
  });

  it('is null when no candidate exists', async () => {
    const repo = track(makeRepo({ branch: 'trunk' }));
    expect(await defaultBranch(await openRepo(repo.dir))).toBeNull();
  });
});

describe('mergeBase', () => {
  it('agrees with `git merge-base`', async () => {
    const repo = historyRepo();
    repo.git('switch', '--quiet', '-c', 'next', 'HEAD~1');
    repo.write('c.txt', 'next\n');
    repo.commit('next');
    const opened = await openRepo(repo.dir);
    expect(await mergeBase(opened, 'next', 'feature')).toBe(repo.git('merge-base', 'next', 'feature'));
    expect(await mergeBase(opened, 'main', 'next')).toBe(repo.git('merge-base', 'main', 'next'));
    expect(await mergeBase(opened, 'main', 'main~2')).toBe(repo.revParse('main~2'));
  });

  it('works in a shallow clone, and is null when the shared history was not fetched', async () => {
    const origin = historyRepo();
    const clone = track(cloneRepo(origin, { depth: 1 }));
    clone.write('local.txt', 'x\n');
    clone.commit('local work');
    clone.git('fetch', '--quiet', '--depth', '1', 'origin', 'feature:refs/remotes/origin/feature');
    const opened = await openRepo(clone.dir);
    expect(await mergeBase(opened, 'HEAD', 'origin/main')).toBe(origin.revParse('main'));
    expect(await mergeBase(opened, 'HEAD', 'origin/feature')).toBeNull();
  });

  it('is null for unrelated histories', async () => {
    const repo = historyRepo();
    repo.git('switch', '--quiet', '--orphan', 'unrelated');
    repo.commit('root of another history');
    expect(await mergeBase(await openRepo(repo.dir), 'main', 'unrelated')).toBeNull();
  });
});
