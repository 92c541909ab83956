import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRepo, makeTempDir, runGit } from '../../test/support/git-repo.js';
import { tracked } from '../../test/support/track.js';
import { GitError } from './errors.js';
import { openRepo } from './repo.js';
import { currentBranch, headCommit, resolveRevision } from './revision.js';
import { listVersionTags } from './tags.js';

const track = tracked();

describe('openRepo', () => {
  it('finds the top-level folder from a subfolder', async () => {
    const repo = track(makeRepo({ files: { 'services/petstore/service.yaml': 'name: petstore\n' } }));
    const opened = await openRepo(path.join(repo.dir, 'services', 'petstore'));
    expect(opened.dir).toBe(repo.git('rev-parse', '--show-toplevel'));
    expect(opened.gitdir).toBe(path.join(repo.dir, '.git'));
    expect(opened.worktreeGitdir).toBe(opened.gitdir);
  });

  it('gives each repository its own cache object', async () => {
    const repo = track(makeRepo());
    const [a, b] = await Promise.all([openRepo(repo.dir), openRepo(repo.dir)]);
    expect(a.cache).not.toBe(b.cache);
  });

  it('throws GitError "not a git repository: <dir>" outside a work tree', async () => {
    const temp = track(makeTempDir());
    await expect(openRepo(temp.dir)).rejects.toThrow(GitError);
    await expect(openRepo(temp.dir)).rejects.toThrow(`not a git repository: ${temp.dir}`);
  });

  it('throws the same error for a folder that does not exist', async () => {
    const temp = track(makeTempDir());
    const missing = path.join(temp.dir, 'nope');
    await expect(openRepo(missing)).rejects.toThrow(`not a git repository: ${missing}`);
  });

  it('refuses a bare repository (no work tree)', async () => {
    const bare = track(makeRepo({ bare: true }));
    await expect(openRepo(bare.dir)).rejects.toThrow(GitError);
  });

  it('follows a `.git` file (separate git dir, as in submodules)', async () => {
    const temp = track(makeTempDir());
    const work = path.join(temp.dir, 'work');
    const gitdir = path.join(temp.dir, 'store.git');
    fs.mkdirSync(work);
    runGit(work, ['init', '--quiet', '-b', 'main', `--separate-git-dir=${gitdir}`]);
    runGit(work, ['commit', '--quiet', '--allow-empty', '-m', 'first'], 1_704_067_200);
    const repo = await openRepo(work);
    expect(repo.dir).toBe(work);
    expect(repo.gitdir).toBe(gitdir);
    expect(await headCommit(repo)).toBe(runGit(work, ['rev-parse', 'HEAD']));
  });

  it('reads HEAD of a linked worktree from its own git dir, objects and refs from the main one', async () => {
    const repo = track(makeRepo({ files: { 'a.txt': 'a\n' } }));
    const main = repo.commit('second');
    const temp = track(makeTempDir());
    const worktree = path.join(temp.dir, 'wt');
    repo.git('worktree', 'add', '--quiet', '-b', 'feature', worktree, 'HEAD~1');
    track({
      cleanup: () => {
        try {
          repo.git('worktree', 'remove', '--force', worktree);
        } catch {
          // the repository may already be gone
        }
      },
    });
    const opened = await openRepo(worktree);
    expect(opened.dir).toBe(worktree);
    expect(opened.gitdir).toBe(path.join(repo.dir, '.git'));
    expect(opened.worktreeGitdir).not.toBe(opened.gitdir);
    expect(await headCommit(opened)).toBe(runGit(worktree, ['rev-parse', 'HEAD']));
    expect(await currentBranch(opened)).toBe('feature');
    expect(await resolveRevision(opened, 'main')).toBe(main);
  });

  it('refuses repository formats it cannot read', async () => {
    const repo = track(makeRepo());
    fs.appendFileSync(path.join(repo.dir, '.git', 'config'), '[extensions]\n\tobjectFormat = sha256\n');
    await expect(openRepo(repo.dir)).rejects.toThrow(/SHA-256/);
  });
});

describe('an unborn branch', () => {
  it('has no head commit, no tags, and a clear error for HEAD', async () => {
    const repo = track(makeRepo({ commit: false }));
    const opened = await openRepo(repo.dir);
    expect(await headCommit(opened)).toBeNull();
    expect(await currentBranch(opened)).toBe('main');
    expect(await listVersionTags(opened)).toEqual([]);
    const error = await resolveRevision(opened, 'HEAD').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).message).toBe('unknown revision: HEAD');
    expect((error as GitError).hint).toMatch(/no commits yet/);
  });
});
