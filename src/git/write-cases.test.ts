/**
 * Cases of the repository writer beside its scenarios (write.test.ts): which repositories it
 * refuses to write, which paths it refuses to change, what its refusals say, modes and reflogs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeRepo, makeTempDir, type FileSpec, type TempRepo } from '../../test/support/git-repo.js';
import { GitError } from './errors.js';
import { openRepo } from './repo.js';
import { applyRepositoryChange, assertWritable, uncommittedPaths, writeTagObject, type RepositoryChange, type Signature } from './write.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

const PERSON = { name: 'Grace Hopper', email: 'grace@example.com', timestamp: 1_700_000_000 };
const UTC: Signature = { ...PERSON, timezoneOffset: 0 };

function scratch(files: Readonly<Record<string, FileSpec>> = { 'g/group.yaml': 'v: 1\n' }): TempRepo {
  const repo = makeRepo({ files });
  cleanups.push(() => repo.cleanup());
  return repo;
}

/** A change of `file` to `content` in one commit on main, by `who`. */
async function commitFile(repo: TempRepo, file: string, content: string, who: Signature = UTC) {
  const r = await openRepo(repo.dir);
  const change: RepositoryChange = {
    branch: 'main',
    head: repo.revParse('HEAD'),
    commits: [{ message: `change ${file}`, changes: [{ path: file, content: new TextEncoder().encode(content) }] }],
    author: who,
    committer: who,
  };
  return applyRepositoryChange(r, change);
}

/** Sets the format version in the header of the repository's index. */
function indexVersion(repo: TempRepo, version: number): void {
  const file = path.join(repo.dir, '.git/index');
  const bytes = fs.readFileSync(file);
  bytes.writeUInt32BE(version, 4);
  fs.writeFileSync(file, bytes);
}

describe('assertWritable', () => {
  const cases: ReadonlyArray<{ readonly name: string; readonly prepare: (repo: TempRepo) => void; readonly refusal: RegExp | null }> = [
    { name: 'an index of format 2', prepare: (repo) => repo.git('update-index', '--index-version', '2'), refusal: null },
    // git writes format 2 when no entry needs format 3's extended flags: the header says 3 here.
    { name: 'an index of format 3', prepare: (repo) => indexVersion(repo, 3), refusal: null },
    { name: 'an index of format 4', prepare: (repo) => repo.git('update-index', '--index-version', '4'), refusal: /has format version 4, which tagway cannot update/ },
    { name: 'no index at all', prepare: (repo) => fs.rmSync(path.join(repo.dir, '.git/index')), refusal: null },
    { name: 'an index cut short (git reads it as format 2)', prepare: (repo) => fs.writeFileSync(path.join(repo.dir, '.git/index'), 'DIRC'), refusal: null },
  ];
  for (const c of cases) {
    it(`${c.refusal === null ? 'accepts' : 'refuses'} ${c.name}`, async () => {
      const repo = scratch();
      c.prepare(repo);
      const writable = assertWritable(await openRepo(repo.dir));
      if (c.refusal === null) await expect(writable).resolves.toBeUndefined();
      else await expect(writable).rejects.toMatchObject({ message: expect.stringMatching(c.refusal), hint: 'convert it with `git update-index --index-version 2`' });
    });
  }

  it('refuses a linked worktree, and so does uncommittedPaths', async () => {
    const repo = scratch();
    const place = makeTempDir();
    cleanups.push(() => place.cleanup());
    const linked = path.join(place.dir, 'linked');
    repo.git('worktree', 'add', '-q', linked);
    const r = await openRepo(linked);
    await expect(assertWritable(r)).rejects.toMatchObject({
      message: expect.stringMatching(/is a linked worktree; tagway writes only in a repository's main worktree$/),
      hint: 'run the command in the main checkout of the repository',
    });
    await expect(uncommittedPaths(r, ['g'])).rejects.toBeInstanceOf(GitError);
  });
});

describe('applyRepositoryChange refuses paths it cannot replace, and changes nothing', () => {
  const cases: ReadonlyArray<{ readonly name: string; readonly file: string; readonly error: string }> = [
    { name: 'a file missing at HEAD', file: 'g/other.yaml', error: 'g/other.yaml does not exist at HEAD' },
    { name: 'a path through a file', file: 'g/group.yaml/inner', error: 'g/group.yaml/inner does not exist at HEAD' },
    { name: 'a folder', file: 'g', error: 'g is not a regular file at HEAD' },
    { name: 'a symbolic link', file: 'link.yaml', error: 'link.yaml is not a regular file at HEAD' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const repo = scratch({ 'g/group.yaml': 'v: 1\n', 'link.yaml': { symlink: 'g/group.yaml' } });
      const head = repo.revParse('HEAD');
      await expect(commitFile(repo, c.file, 'v: 2\n')).rejects.toThrow(new GitError(c.error));
      expect(repo.revParse('HEAD')).toBe(head);
    });
  }
});

/** A change that only creates the version tag svc/v1.0.0 at HEAD: the tag object and the change's outcome. */
async function tagOnly(repo: TempRepo, branch: string | null) {
  const r = await openRepo(repo.dir);
  const head = repo.revParse('HEAD');
  const object = await writeTagObject(r, { name: 'svc/v1.0.0', commit: head, message: 'svc 1.0.0', tagger: UTC });
  const applied = applyRepositoryChange(r, { branch, head, tags: [{ name: 'svc/v1.0.0', object }], commits: [], author: UTC, committer: UTC });
  return { object, applied };
}

describe('applyRepositoryChange', () => {
  it('refuses commits on a detached HEAD', async () => {
    const repo = scratch();
    const r = await openRepo(repo.dir);
    const head = repo.revParse('HEAD');
    const error = await applyRepositoryChange(r, { branch: null, head, commits: [{ message: 'm', changes: [] }], author: UTC, committer: UTC }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).message).toBe('HEAD is detached; tagway commits only on a branch');
    expect((error as GitError).hint).toBe('check out the branch to change, e.g. `git switch main`');
  });

  it('creates tags alone on a detached HEAD, leaving the branch and its reflog as they were', async () => {
    const repo = scratch();
    const head = repo.revParse('HEAD');
    const reflog = fs.readFileSync(path.join(repo.dir, '.git/logs/refs/heads/main'), 'utf8');
    const { object, applied } = await tagOnly(repo, null);
    expect(await applied).toEqual({ commits: [] });
    expect(repo.revParse('refs/tags/svc/v1.0.0')).toBe(object);
    expect(repo.revParse('main')).toBe(head);
    expect(fs.readFileSync(path.join(repo.dir, '.git/logs/refs/heads/main'), 'utf8')).toBe(reflog);
  });

  it('creates tags alone on a branch, leaving the branch where it was', async () => {
    const repo = scratch();
    const head = repo.revParse('HEAD');
    expect(await (await tagOnly(repo, 'main')).applied).toEqual({ commits: [] });
    expect(repo.revParse('main')).toBe(head);
  });

  it('creates no tag for a change without tags', async () => {
    const repo = scratch();
    await commitFile(repo, 'g/group.yaml', 'v: 2\n');
    expect(fs.readdirSync(path.join(repo.dir, '.git/refs/tags'))).toEqual([]);
  });

  it('says a version tag exists, and that versions are immutable', async () => {
    const repo = scratch();
    repo.tag('svc/v1.0.0', { message: 'by git' });
    const error = await (await tagOnly(repo, 'main')).applied.catch((e: unknown) => e);
    expect((error as GitError).message).toBe('refs/tags/svc/v1.0.0 already exists');
    expect((error as GitError).hint).toBe('versions are immutable; choose another version');
  });

  it('says where the branch moved while it worked, and to run the command again', async () => {
    const repo = scratch();
    const r = await openRepo(repo.dir);
    const head = repo.revParse('HEAD');
    const moved = repo.commit('someone else');
    const error = await applyRepositoryChange(r, { branch: 'main', head, commits: [{ message: 'm', changes: [{ path: 'g/group.yaml', content: new Uint8Array() }] }], author: UTC, committer: UTC }).catch(
      (e: unknown) => e,
    );
    expect((error as GitError).message).toBe(`refs/heads/main moved from ${head} to ${moved} while tagway was working`);
    expect((error as GitError).hint).toBe('run the command again');
  });

  it('says which lock file is in the way, and what to do about it', async () => {
    const repo = scratch();
    fs.writeFileSync(path.join(repo.dir, '.git/refs/heads/main.lock'), '');
    const error = await commitFile(repo, 'g/group.yaml', 'v: 2\n').catch((e: unknown) => e);
    expect((error as GitError).message).toBe(`cannot lock refs/heads/main: ${path.join(repo.dir, '.git/refs/heads/main.lock')} exists`);
    expect((error as GitError).hint).toBe('another git process is changing the repository; if none is running, remove the .lock file');
  });

  it('keeps an executable file executable, in the commit and in the work tree', async () => {
    const repo = scratch({ 'bin/run.sh': { content: 'echo 1\n', executable: true } });
    await commitFile(repo, 'bin/run.sh', 'echo 2\n');
    expect(repo.git('ls-tree', 'HEAD', 'bin/run.sh')).toMatch(/^100755 /);
    expect(fs.statSync(path.join(repo.dir, 'bin/run.sh')).mode & 0o777).toBe(0o755);
    expect(repo.git('status', '--porcelain')).toBe('');
  });

  it('writes an ordinary file with mode 644', async () => {
    const repo = scratch();
    await commitFile(repo, 'g/group.yaml', 'v: 2\n');
    expect(fs.statSync(path.join(repo.dir, 'g/group.yaml')).mode & 0o777).toBe(0o644);
  });

  const zones: ReadonlyArray<readonly [number, string]> = [
    [0, '+0000'],
    [-120, '+0200'],
    [330, '-0530'],
    [-765, '+1245'],
  ];
  for (const [timezoneOffset, tz] of zones) {
    it(`records the commit in the branch and HEAD reflogs, zone ${tz}`, async () => {
      const repo = scratch();
      const head = repo.revParse('HEAD');
      const { commits } = await commitFile(repo, 'g/group.yaml', 'v: 2\n', { ...PERSON, timezoneOffset });
      const line = `${head} ${commits[0]} Grace Hopper <grace@example.com> 1700000000 ${tz}\tcommit: change g/group.yaml\n`;
      for (const log of ['.git/logs/refs/heads/main', '.git/logs/HEAD']) expect(fs.readFileSync(path.join(repo.dir, log), 'utf8').endsWith(line)).toBe(true);
    });
  }

  it('creates no reflog that git did not keep', async () => {
    const repo = scratch();
    for (const log of ['.git/logs/refs/heads/main', '.git/logs/HEAD']) fs.rmSync(path.join(repo.dir, log));
    await commitFile(repo, 'g/group.yaml', 'v: 2\n');
    for (const log of ['.git/logs/refs/heads/main', '.git/logs/HEAD']) expect(fs.existsSync(path.join(repo.dir, log))).toBe(false);
  });
});

describe('uncommittedPaths', () => {
  it('lists a file removed from the index but kept in the work tree', async () => {
    const repo = scratch({ 'g/group.yaml': 'v: 1\n', 'g/other.yaml': 'v: 1\n' });
    repo.git('rm', '-q', '--cached', 'g/group.yaml');
    expect(await uncommittedPaths(await openRepo(repo.dir), ['g'])).toEqual(['g/group.yaml']);
  });
});
