import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { makeRepo, type TempRepo } from '../../test/support/git-repo.js';
import { GitError } from './errors.js';
import { openRepo } from './repo.js';
import { listVersionTags } from './tags.js';
import { applyRepositoryChange, signatureAt, uncommittedPaths, writeTagObject, type WriteFs } from './write.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

const GROUP = 'gateway-groups/staging/group.yaml';
const OTHER = 'gateway-groups/production/group.yaml';
const ADA = signatureAt({ name: 'Ada Lovelace', email: 'ada@example.com' }, new Date('2024-03-01T12:00:00Z'));
const BOB = signatureAt({ name: 'Bob Builder', email: 'bob@example.com' }, new Date('2024-03-01T12:00:00Z'));

function fixture(): TempRepo {
  const repo = makeRepo({
    files: {
      'services/petstore/service.yaml': 'name: petstore\n',
      [GROUP]: 'name: staging\npublished:\n  petstore: 1.0.0 # pinned\n',
      [OTHER]: 'name: production\npublished:\n  petstore: 1.0.0\n',
    },
  });
  cleanups.push(() => repo.cleanup());
  return repo;
}

/** Everything a failed change must leave as it was: refs, HEAD, index + work tree status, file bytes. */
function state(repo: TempRepo): unknown {
  return {
    refs: repo.git('for-each-ref', '--format=%(refname) %(objectname)'),
    head: repo.git('symbolic-ref', 'HEAD'),
    status: repo.git('status', '--porcelain=v1', '--untracked-files=all'),
    staging: repo.read(GROUP),
    production: repo.read(OTHER),
    locks: fs.readdirSync(`${repo.dir}/.git/refs/heads`).filter((f) => f.endsWith('.lock')),
  };
}

/** node:fs with one operation failing (`times` times) when `match` says so. */
function failing(match: (op: string, file: string) => boolean, times = Infinity): WriteFs {
  let left = times;
  const real = fs.promises;
  const promises = new Proxy(real, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (left > 0 && match(String(prop), String(args[0]))) {
          left--;
          return Promise.reject(Object.assign(new Error(`injected failure: ${String(prop)} ${String(args[0])}`), { code: 'EIO' }));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { promises };
}

const enc = (s: string) => new TextEncoder().encode(s);

async function change(repo: TempRepo, options: { fs?: WriteFs; groups?: readonly string[]; tag?: string } = {}) {
  const r = await openRepo(repo.dir);
  const head = repo.revParse('HEAD');
  const tagName = options.tag ?? 'petstore/v1.1.0';
  const object = await writeTagObject(r, { name: tagName, commit: head, message: 'petstore 1.1.0\n\nroute added: photos', tagger: BOB });
  const groups = options.groups ?? [GROUP];
  return applyRepositoryChange(
    r,
    {
      branch: 'main',
      head,
      tags: [{ name: tagName, object }],
      commits: groups.map((g) => ({ message: `publish petstore 1.1.0 to ${g.split('/')[1]}`, changes: [{ path: g, content: enc(repo.read(g).replace('1.0.0', '1.1.0')) }] })),
      author: ADA,
      committer: BOB,
    },
    options.fs !== undefined ? { fs: options.fs } : {},
  );
}

describe('applyRepositoryChange', () => {
  it('creates an annotated tag and commits that git reads as its own', async () => {
    const repo = fixture();
    const before = repo.revParse('HEAD');
    const { commits } = await change(repo);
    expect(commits).toHaveLength(1);
    expect(repo.revParse('HEAD')).toBe(commits[0]);
    expect(repo.git('cat-file', '-t', 'refs/tags/petstore/v1.1.0')).toBe('tag');
    expect(repo.revParse('petstore/v1.1.0^{commit}')).toBe(before);
    expect(repo.git('tag', '-n1', '-l', 'petstore/*')).toMatch(/^petstore\/v1\.1\.0\s+petstore 1\.1\.0$/);
    expect(repo.git('for-each-ref', '--format=%(taggername) %(taggeremail) %(contents:body)', 'refs/tags/petstore/v1.1.0').trim()).toBe(
      'Bob Builder <bob@example.com> route added: photos',
    );
    expect(repo.git('log', '-1', '--format=%an <%ae>|%cn <%ce>|%s|%ad', '--date=iso-strict')).toMatch(
      /^Ada Lovelace <ada@example\.com>\|Bob Builder <bob@example\.com>\|publish petstore 1\.1\.0 to staging\|2024-03-01T/,
    );
    expect(repo.git('show', '--format=', '--name-only', 'HEAD')).toBe(GROUP);
    expect(repo.git('show', 'HEAD:' + GROUP)).toBe('name: staging\npublished:\n  petstore: 1.1.0 # pinned');
    expect(repo.git('status', '--porcelain')).toBe('');
    expect(repo.git('reflog', '-1', '--format=%gs')).toBe('commit: publish petstore 1.1.0 to staging');
    expect(repo.git('fsck', '--no-dangling', '--strict')).toBe('');
    // tagway reads what it wrote.
    const tags = await listVersionTags(await openRepo(repo.dir));
    expect(tags.map((t) => [t.tag, t.annotated, t.commit])).toEqual([['petstore/v1.1.0', true, before]]);
  });

  it('adds one commit per group on the branch, in order', async () => {
    const repo = fixture();
    const { commits } = await change(repo, { groups: [GROUP, OTHER] });
    expect(repo.git('log', '--format=%s', '-2')).toBe('publish petstore 1.1.0 to production\npublish petstore 1.1.0 to staging');
    expect(repo.git('rev-list', '-2', 'HEAD').split('\n')).toEqual([...commits].reverse());
    expect(repo.git('status', '--porcelain')).toBe('');
  });

  it('keeps unrelated staged and unstaged work as it was', async () => {
    const repo = fixture();
    repo.write('services/petstore/service.yaml', 'name: petstore # staged\n');
    repo.git('add', 'services/petstore/service.yaml');
    repo.write('notes.txt', 'untracked\n');
    await change(repo);
    expect(repo.git('status', '--porcelain')).toBe('M  services/petstore/service.yaml\n?? notes.txt');
    expect(repo.git('show', '--format=', '--name-only', 'HEAD')).toBe(GROUP);
  });

  it('moves a branch whose ref is packed (after git gc)', async () => {
    const repo = fixture();
    repo.git('pack-refs', '--all');
    const { commits } = await change(repo);
    expect(repo.revParse('main')).toBe(commits[0]);
    expect(repo.git('status', '--porcelain')).toBe('');
    expect(repo.git('fsck', '--no-dangling')).toBe('');
  });

  it('refuses a tag that exists, loose or packed, and changes nothing', async () => {
    const repo = fixture();
    repo.tag('petstore/v1.1.0', { message: 'made by git' });
    repo.git('pack-refs', '--all');
    const before = state(repo);
    await expect(change(repo)).rejects.toThrow(/refs\/tags\/petstore\/v1\.1\.0 already exists/);
    expect(state(repo)).toEqual(before);
  });

  it('creates several tags all or none: one that exists leaves none of the others', async () => {
    const repo = fixture();
    const r = await openRepo(repo.dir);
    const head = repo.revParse('HEAD');
    const tag = async (name: string) => ({ name, object: await writeTagObject(r, { name, commit: head, message: name, tagger: BOB }) });
    const tags = [await tag('orders/v1.1.0'), await tag('petstore/v1.1.0')];
    repo.tag('petstore/v1.1.0', { message: 'made by git' });
    const before = state(repo);
    await expect(applyRepositoryChange(r, { branch: 'main', head, tags, commits: [], author: ADA, committer: BOB })).rejects.toThrow(/refs\/tags\/petstore\/v1\.1\.0 already exists/);
    expect(state(repo)).toEqual(before);
    expect(repo.git('tag', '-l', 'orders/*')).toBe('');
  });

  it('refuses when the branch moved after the change was planned (compare-and-swap)', async () => {
    const repo = fixture();
    const r = await openRepo(repo.dir);
    const head = repo.revParse('HEAD');
    repo.commit('someone else');
    const before = state(repo);
    await expect(
      applyRepositoryChange(r, { branch: 'main', head, commits: [{ message: 'x', changes: [{ path: GROUP, content: enc('name: staging\n') }] }], author: ADA, committer: ADA }),
    ).rejects.toBeInstanceOf(GitError);
    expect(state(repo)).toEqual(before);
  });

  it('refuses while another git process holds the branch lock', async () => {
    const repo = fixture();
    fs.writeFileSync(`${repo.dir}/.git/refs/heads/main.lock`, '');
    const refs = repo.git('for-each-ref', '--format=%(refname) %(objectname)');
    await expect(change(repo)).rejects.toThrow(/cannot lock refs\/heads\/main/);
    expect(repo.git('for-each-ref', '--format=%(refname) %(objectname)')).toBe(refs);
    expect(repo.read(GROUP)).toContain('1.0.0');
  });

  describe('a failure in the middle leaves the repository as it was', () => {
    const cases: { name: string; fs: () => WriteFs; groups?: readonly string[] }[] = [
      { name: 'creating the tag ref', fs: () => failing((op, f) => op === 'rename' && f.endsWith('refs/tags/petstore/v1.1.0.lock')) },
      { name: 'moving the branch (tag already created)', fs: () => failing((op, f) => op === 'rename' && f.endsWith('refs/heads/main.lock')) },
      { name: 'writing group.yaml (branch already moved)', fs: () => failing((op, f) => op === 'writeFile' && f.includes('group.yaml.tagway-')) },
      // isomorphic-git retries a failed write once; two failures fail the update, the undo's succeeds.
      { name: 'updating the index (file already replaced)', fs: () => failing((op, f) => op === 'writeFile' && f.endsWith('/.git/index'), 2) },
      {
        name: 'writing the second group of two (first file already replaced)',
        fs: () => failing((op, f) => op === 'writeFile' && f.includes('production/group.yaml.tagway-')),
        groups: [GROUP, OTHER],
      },
    ];
    it.each(cases)('$name', async (c) => {
      const repo = fixture();
      const before = state(repo);
      await expect(change(repo, { fs: c.fs(), ...(c.groups ? { groups: c.groups } : {}) })).rejects.toThrow(/injected failure/);
      expect(state(repo)).toEqual(before);
      expect(repo.git('tag', '-l')).toBe('');
      expect(repo.git('fsck', '--no-dangling')).toBe('');
    });

    it('says what is left to fix when undoing fails too', async () => {
      const repo = fixture();
      const error = await change(repo, { fs: failing((op, f) => op === 'writeFile' && f.endsWith('/.git/index')) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GitError);
      expect((error as GitError).message).toMatch(/undoing the partial change failed/);
      expect((error as GitError).hint).toMatch(/restore gateway-groups\/staging\/group\.yaml/);
    });
  });
});

describe('uncommittedPaths', () => {
  it('lists modified, staged, deleted and untracked files under the prefixes, like git status', async () => {
    const repo = fixture();
    const r = await openRepo(repo.dir);
    expect(await uncommittedPaths(r, ['services/petstore'])).toEqual([]);
    repo.write('services/petstore/extra.yaml', 'x: 1\n');
    repo.write(GROUP, 'name: staging\n');
    expect(await uncommittedPaths(r, ['services/petstore'])).toEqual(['services/petstore/extra.yaml']);
    expect(await uncommittedPaths(r, [GROUP, OTHER])).toEqual([GROUP]);
    repo.git('add', GROUP);
    repo.git('checkout', '--', '.');
    expect(await uncommittedPaths(r, [GROUP])).toEqual([GROUP]);
  });
});
