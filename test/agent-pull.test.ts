/**
 * `pullFastForward` (src/git/remote.ts) against a real smart-HTTP server (git's http-backend): an
 * author pushes to a bare repository, the agent's clone (made by `git clone` over HTTP) follows.
 * Fast-forwards only, tags included and never replaced, a work tree with changes in the way left
 * alone, and no ref left naming objects a broken transfer did not bring.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitError } from '../src/git/errors.js';
import { pullFastForward, readUpstream, redactUrl, type PullResult } from '../src/git/remote.js';
import { openRepo } from '../src/git/repo.js';
import { makeRepo, makeTempDir, runGit, type TempRepo } from './support/git-repo.js';
import { gitAsync, startGitHttpServer, type GitHttpServer } from './support/git-http-server.js';

interface Setup {
  readonly author: TempRepo;
  readonly bare: string;
  readonly clone: string;
  readonly server: GitHttpServer;
  cleanup(): Promise<void>;
}

/** An author repository with one commit and tag, its bare copy served over HTTP, and a clone of that. */
async function setup(auth?: { username: string; password: string }): Promise<Setup> {
  const author = makeRepo({ files: { 'config.yaml': 'version: 1\n' } });
  author.tag('svc/v1.0.0', { message: 'svc 1.0.0' });
  const root = makeTempDir('tagway-git-root-');
  runGit(root.dir, ['clone', '--quiet', '--bare', author.dir, 'config.git']);
  const server = await startGitHttpServer({ root: root.dir, ...(auth !== undefined ? { auth } : {}) });
  const work = makeTempDir('tagway-agent-clone-');
  const url = auth === undefined ? server.url('config.git') : server.url('config.git').replace('http://', `http://${auth.username}:${auth.password}@`);
  await gitAsync(work.dir, ['clone', '--quiet', url, 'clone']);
  const clone = path.join(work.dir, 'clone');
  if (auth !== undefined) await gitAsync(clone, ['remote', 'set-url', 'origin', server.url('config.git')]);
  return {
    author,
    bare: path.join(root.dir, 'config.git'),
    clone,
    server,
    cleanup: async () => {
      await server.close();
      author.cleanup();
      root.cleanup();
      work.cleanup();
    },
  };
}

/** The author commits a change and pushes it (and its tags) to the bare repository. */
function publish(s: Setup, file: string, content: string, tag?: string): string {
  s.author.write(file, content);
  const commit = s.author.commit(`change ${file}`);
  if (tag !== undefined) s.author.tag(tag, { message: tag });
  s.author.git('push', '--quiet', s.bare, 'main', ...(tag !== undefined ? [`refs/tags/${tag}`] : []));
  return commit;
}

function expectKind<K extends PullResult['kind']>(result: PullResult, kind: K): Extract<PullResult, { kind: K }> {
  expect(result.kind).toBe(kind);
  return result as Extract<PullResult, { kind: K }>;
}

async function pullError(dir: string, options: Parameters<typeof pullFastForward>[1] = {}): Promise<GitError> {
  const error = await pullFastForward(dir, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitError);
  return error as GitError;
}

describe('pullFastForward over HTTP', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup();
  });
  afterEach(async () => {
    await s.cleanup();
  });

  it('is up to date right after the clone', async () => {
    const result = expectKind(await pullFastForward(s.clone), 'up-to-date');
    expect(result).toMatchObject({ branch: 'main', remote: 'origin', mergeRef: 'refs/heads/main', url: s.server.url('config.git'), newTags: [] });
    expect(result.commit).toBe(s.author.revParse('HEAD'));
  });

  it('fast-forwards the branch and the work tree to a pushed commit, and fetches the new tag', async () => {
    const before = s.author.revParse('HEAD');
    const commit = publish(s, 'config.yaml', 'version: 2\n', 'svc/v2.0.0');
    publish(s, 'added/file.yaml', 'new: true\n');
    const head = s.author.revParse('HEAD');
    const result = expectKind(await pullFastForward(s.clone), 'fast-forwarded');
    expect(result).toMatchObject({ from: before, to: head, newTags: ['svc/v2.0.0'] });
    expect(fs.readFileSync(path.join(s.clone, 'config.yaml'), 'utf8')).toBe('version: 2\n');
    expect(fs.readFileSync(path.join(s.clone, 'added/file.yaml'), 'utf8')).toBe('new: true\n');
    // The git CLI agrees: the branch moved, the tag is there, nothing is left to commit.
    expect(await gitAsync(s.clone, ['rev-parse', 'HEAD'])).toBe(head);
    expect(await gitAsync(s.clone, ['rev-parse', 'svc/v2.0.0^{commit}'])).toBe(commit);
    expect(await gitAsync(s.clone, ['status', '--porcelain'])).toBe('');
    expect(await gitAsync(s.clone, ['cat-file', '-t', 'svc/v2.0.0'])).toBe('tag');
  });

  it('refuses to touch a work tree with uncommitted changes to tracked files', async () => {
    const before = s.author.revParse('HEAD');
    publish(s, 'config.yaml', 'version: 2\n', 'svc/v2.0.0');
    fs.writeFileSync(path.join(s.clone, 'config.yaml'), 'local edit\n');
    const error = await pullError(s.clone);
    expect(error.message).toContain('has changes in the way (config.yaml)');
    expect(error.message).toContain('main was not fast-forwarded');
    expect(await gitAsync(s.clone, ['rev-parse', 'HEAD'])).toBe(before);
    expect(fs.readFileSync(path.join(s.clone, 'config.yaml'), 'utf8')).toBe('local edit\n');
    // The fetch itself went through: the tag is known, the branch waits for a clean tree.
    expect(await gitAsync(s.clone, ['tag', '--list', 'svc/*'])).toBe('svc/v1.0.0\nsvc/v2.0.0');
  });

  it('refuses when a staged change is in the index', async () => {
    publish(s, 'config.yaml', 'version: 2\n');
    fs.writeFileSync(path.join(s.clone, 'staged.yaml'), 'x: 1\n');
    await gitAsync(s.clone, ['add', 'staged.yaml']);
    expect((await pullError(s.clone)).message).toContain('(staged.yaml)');
  });

  it('refuses when an untracked file would be overwritten, and keeps untracked files out of the way', async () => {
    publish(s, 'added.yaml', 'from the remote\n');
    fs.writeFileSync(path.join(s.clone, 'added.yaml'), 'untracked here\n');
    expect((await pullError(s.clone)).message).toContain('(added.yaml)');
    expect(fs.readFileSync(path.join(s.clone, 'added.yaml'), 'utf8')).toBe('untracked here\n');

    fs.rmSync(path.join(s.clone, 'added.yaml'));
    fs.mkdirSync(path.join(s.clone, 'out'));
    fs.writeFileSync(path.join(s.clone, 'out/apisix.yaml'), 'written by a file target\n');
    expectKind(await pullFastForward(s.clone), 'fast-forwarded');
    expect(fs.readFileSync(path.join(s.clone, 'out/apisix.yaml'), 'utf8')).toBe('written by a file target\n');
    expect(fs.readFileSync(path.join(s.clone, 'added.yaml'), 'utf8')).toBe('from the remote\n');
  });

  it('refuses a non-fast-forward: local and remote history diverged', async () => {
    await gitAsync(s.clone, ['-c', 'user.name=Local', '-c', 'user.email=local@tagway.invalid', 'commit', '--quiet', '--allow-empty', '-m', 'local']);
    const local = await gitAsync(s.clone, ['rev-parse', 'HEAD']);
    publish(s, 'config.yaml', 'version: 2\n');
    const error = await pullError(s.clone);
    expect(error.message).toMatch(/cannot fast-forward main to origin\/main: they have diverged/);
    expect(error.hint).toContain('git reset --hard origin/main');
    expect(await gitAsync(s.clone, ['rev-parse', 'HEAD'])).toBe(local);
  });

  it('leaves a branch that is ahead of its remote where it is', async () => {
    await gitAsync(s.clone, ['-c', 'user.name=Local', '-c', 'user.email=local@tagway.invalid', 'commit', '--quiet', '--allow-empty', '-m', 'local']);
    const local = await gitAsync(s.clone, ['rev-parse', 'HEAD']);
    const result = expectKind(await pullFastForward(s.clone), 'ahead');
    expect(result).toMatchObject({ commit: local, remoteCommit: s.author.revParse('HEAD') });
  });

  it('never replaces a tag that exists locally, even when the remote moved it', async () => {
    const original = await gitAsync(s.clone, ['rev-parse', 'refs/tags/svc/v1.0.0']);
    publish(s, 'config.yaml', 'version: 2\n');
    s.author.tag('svc/v1.0.0', { message: 'moved', force: true });
    s.author.git('push', '--quiet', '--force', s.bare, 'refs/tags/svc/v1.0.0');
    expectKind(await pullFastForward(s.clone), 'fast-forwarded');
    expect(await gitAsync(s.clone, ['rev-parse', 'refs/tags/svc/v1.0.0'])).toBe(original);
  });

  it('a transfer cut half-way leaves no tag or remote ref naming objects it did not bring', async () => {
    const before = await gitAsync(s.clone, ['rev-parse', 'refs/remotes/origin/main']);
    publish(s, 'big.bin', 'x'.repeat(64 * 1024) + Math.random().toString(), 'svc/v2.0.0');
    s.server.cutNextFetch(200);
    const error = await pullError(s.clone);
    expect(error.message).toContain(`cannot fetch ${s.server.url('config.git')}`);
    expect(await gitAsync(s.clone, ['tag', '--list'])).toBe('svc/v1.0.0');
    expect(await gitAsync(s.clone, ['rev-parse', 'refs/remotes/origin/main'])).toBe(before);
    expect(await gitAsync(s.clone, ['fsck', '--connectivity-only', '--no-dangling'])).toBe('');
    // The next attempt brings everything.
    expectKind(await pullFastForward(s.clone), 'fast-forwarded');
    expect(await gitAsync(s.clone, ['tag', '--list'])).toBe('svc/v1.0.0\nsvc/v2.0.0');
  });

  it('a server error is a GitError naming the URL, and nothing moves', async () => {
    publish(s, 'config.yaml', 'version: 2\n');
    s.server.faults.add({ times: Infinity, action: { kind: 'status', status: 503, body: 'maintenance' } });
    const error = await pullError(s.clone);
    expect(error.message).toBe(`cannot fetch ${s.server.url('config.git')}: HTTP 503 Service Unavailable`);
    expect(await gitAsync(s.clone, ['rev-parse', 'HEAD'])).toBe(await gitAsync(s.clone, ['rev-parse', 'refs/remotes/origin/main']));
  });
});

describe('pullFastForward with a remote that wants credentials', () => {
  const auth = { username: 'agent', password: 'git-token-3c9e1f7a5b20d468' };
  let s: Setup;
  beforeEach(async () => {
    s = await setup(auth);
  });
  afterEach(async () => {
    await s.cleanup();
  });

  it('sends the credentials it is given, and says which ones to set when it has none', async () => {
    publish(s, 'config.yaml', 'version: 2\n');
    const refused = await pullError(s.clone);
    expect(refused.message).toContain('HTTP 401');
    expect(refused.hint).toContain('TAGWAY_GIT_TOKEN');
    const wrong = await pullError(s.clone, { auth: { username: 'agent', password: 'wrong-token-0000' } });
    expect(wrong.hint).toContain('refused the credentials');
    expect(`${wrong.message} ${wrong.hint ?? ''}`).not.toContain('wrong-token-0000');
    expectKind(await pullFastForward(s.clone, { auth }), 'fast-forwarded');
  });
});

describe('readUpstream', () => {
  it('refuses a detached HEAD and a remote that is not http(s)', async () => {
    const origin = makeRepo({ files: { 'a.txt': 'a\n' } });
    const work = makeTempDir('tagway-agent-clone-');
    try {
      runGit(work.dir, ['clone', '--quiet', origin.dir, 'clone']);
      const dir = path.join(work.dir, 'clone');
      const local = await pullError(dir);
      expect(local.message).toMatch(/^remote origin of .* is .*, but only http\(s\) remotes can be fetched$/);
      runGit(dir, ['checkout', '--quiet', '--detach']);
      await expect(readUpstream(await openRepo(dir))).rejects.toThrow(/HEAD of .* is detached/);
    } finally {
      origin.cleanup();
      work.cleanup();
    }
  });

  it('redactUrl drops userinfo and leaves other URLs alone', () => {
    expect(redactUrl('https://agent:s3cret@git.example.com/config.git')).toBe('https://git.example.com/config.git');
    expect(redactUrl('https://git.example.com/config.git')).toBe('https://git.example.com/config.git');
    expect(redactUrl('git@github.com:org/config.git')).toBe('github.com:org/config.git');
  });
});
