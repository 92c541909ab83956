/**
 * Reading the worktree with git's index (blob ids of unchanged files taken from it, their bytes
 * read only when used) finds the same files with the same bytes and blob ids as walking the
 * folders, whatever state the files are in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openRepo } from '../src/git/repo.js';
import { gitBlobId } from '../src/load/blob-id.js';
import { readWorktree, readWorktreeIndexed } from '../src/load/worktree.js';
import type { SourceTree } from '../src/load/source-file.js';
import { makeRepo } from './support/git-repo.js';
import type { TempRepo } from './support/git-repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

function view(tree: SourceTree) {
  return {
    files: tree.files.map((f) => ({ path: f.path, oid: f.oid, text: Buffer.from(f.bytes).toString('utf8') })).sort((a, b) => (a.path < b.path ? -1 : 1)),
    problems: tree.problems,
  };
}

describe('the worktree read with the git index', () => {
  it('matches the folder walk: changed, staged, untracked, ignored, deleted, linked and non-YAML files', async () => {
    const repo = makeRepo({
      files: {
        'services/a/service.yaml': 'name: a\n',
        'services/b/service.yaml': 'name: b\n',
        'services/c/service.yaml': 'name: c\n',
        'services/c/README.md': 'not config\n',
        'gateway-groups/g/group.yaml': 'name: g\n',
        'gateway-groups/g/services/a.yaml': 'hosts: [a]\n',
        'gateway-groups/g/services/link.yaml': { symlink: 'a.yaml' },
        'tagway.yaml': 'plugins: []\n',
        '.gitignore': 'ignored.yaml\n',
      },
    });
    repos.push(repo);
    repo.write('services/a/service.yaml', 'name: a\ndescription: changed\n'); // modified, not staged
    repo.write('services/b/service.yaml', 'name: b\ndescription: staged\n');
    repo.git('add', 'services/b/service.yaml'); // staged
    repo.remove('services/c/service.yaml'); // deleted
    repo.write('services/d/service.yaml', 'name: d\n'); // untracked
    repo.write('services/d/ignored.yaml', 'name: ignored\n'); // ignored, still a config folder file
    repo.write('gateway-groups/g/services/out.yaml', { symlink: '../../../../outside.yaml' }); // leaves the repository
    const gitRepo = await openRepo(repo.dir);
    const walked = view(await readWorktree(repo.dir));
    const indexed = view(await readWorktreeIndexed(gitRepo));
    expect(indexed).toEqual(walked);
    for (const f of indexed.files) expect(f.oid).toBe(gitBlobId(Buffer.from(f.text)));
  });

  it('reads the bytes of an unchanged file only when they are used', async () => {
    const repo = makeRepo({ files: { 'services/a/service.yaml': 'name: a\n' } });
    repos.push(repo);
    const tree = await readWorktreeIndexed(await openRepo(repo.dir));
    const [file] = tree.files;
    expect(file?.oid).toBe(repo.git('rev-parse', 'HEAD:services/a/service.yaml'));
    fs.writeFileSync(path.join(repo.dir, 'services/a/service.yaml'), 'name: a\n'); // same bytes, rewritten
    expect(Buffer.from(file!.bytes).toString('utf8')).toBe('name: a\n');
  });

  it('falls back to the folder walk when git may convert line endings', async () => {
    const repo = makeRepo({ files: { 'services/a/service.yaml': 'name: a\n', '.gitattributes': '*.yaml text eol=crlf\n' } });
    repos.push(repo);
    const tree = await readWorktreeIndexed(await openRepo(repo.dir));
    expect(view(tree)).toEqual(view(await readWorktree(repo.dir)));
    expect(tree.files[0]?.oid).toBe(gitBlobId(fs.readFileSync(path.join(repo.dir, 'services/a/service.yaml'))));
  });
});
