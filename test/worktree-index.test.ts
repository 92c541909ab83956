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
import { SourceBytes } from '../src/source/file-bytes.js';
import { readWorktree, readWorktreeIndexed } from '../src/source/worktree.js';
import type { SourceTree } from '../src/load/source-file.js';
import { makeRepo } from './support/git-repo.js';
import type { TempRepo } from './support/git-repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** The tree's files with their text: their bytes, or those `bytes` reads for a file listed without. */
function view(tree: SourceTree, bytes?: SourceBytes) {
  const read = (f: SourceTree['files'][number]) => (f.bytes !== null ? f.bytes : bytes!.read(f));
  return {
    files: tree.files.map((f) => ({ path: f.path, oid: f.oid, text: Buffer.from(read(f)).toString('utf8') })).sort((a, b) => (a.path < b.path ? -1 : 1)),
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
    const indexed = view(await readWorktreeIndexed(gitRepo), new SourceBytes(gitRepo));
    expect(indexed).toEqual(walked);
    for (const f of indexed.files) expect(f.oid).toBe(gitBlobId(Buffer.from(f.text)));
  });

  it('reads the bytes of an unchanged file only when they are used', async () => {
    const repo = makeRepo({ files: { 'services/a/service.yaml': 'name: a\n' } });
    repos.push(repo);
    const gitRepo = await openRepo(repo.dir);
    const tree = await readWorktreeIndexed(gitRepo);
    const [file] = tree.files;
    expect(file?.oid).toBe(repo.git('rev-parse', 'HEAD:services/a/service.yaml'));
    expect(file?.bytes).toBeNull();
    fs.writeFileSync(path.join(repo.dir, 'services/a/service.yaml'), 'name: a\n'); // same bytes, rewritten
    expect(Buffer.from(new SourceBytes(gitRepo).read(file!)).toString('utf8')).toBe('name: a\n');
  });

  it('reads many unchanged files by blob id through git, and from the files when git lacks a blob', async () => {
    const files = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`services/s${i}/service.yaml`, `name: s${i}\n`]));
    const repo = makeRepo({ files });
    repos.push(repo);
    const text = (tree: SourceTree, bytes: SourceBytes, file: string) => Buffer.from(bytes.read(tree.files.find((f) => f.path === file)!)).toString('utf8');

    // Changed after the listing: read by its blob id, the file still gives what the id names.
    const gitRepo = await openRepo(repo.dir);
    const byId = await readWorktreeIndexed(gitRepo);
    fs.writeFileSync(path.join(repo.dir, 'services/s7/service.yaml'), 'name: changed\n');
    const read = new SourceBytes(gitRepo);
    await read.load(byId.files);
    expect(text(byId, read, 'services/s7/service.yaml')).toBe('name: s7\n');
    expect(view(byId, read).files.map((f) => f.text)).toEqual(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)).map(([, t]) => t));
    fs.writeFileSync(path.join(repo.dir, 'services/s7/service.yaml'), 'name: s7\n');

    // One blob gone from the object store: every file is read from the worktree.
    const listed = await readWorktreeIndexed(gitRepo);
    const oid = listed.files.find((f) => f.path === 'services/s3/service.yaml')!.oid!;
    fs.rmSync(path.join(repo.dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2)));
    const again = new SourceBytes(await openRepo(repo.dir));
    await again.load(listed.files);
    expect(view(listed, again)).toEqual(view(await readWorktree(repo.dir)));
  });

  it('falls back to the folder walk when git may convert line endings', async () => {
    const repo = makeRepo({ files: { 'services/a/service.yaml': 'name: a\n', '.gitattributes': '*.yaml text eol=crlf\n' } });
    repos.push(repo);
    const tree = await readWorktreeIndexed(await openRepo(repo.dir));
    expect(view(tree)).toEqual(view(await readWorktree(repo.dir)));
    expect(tree.files[0]?.oid).toBe(gitBlobId(fs.readFileSync(path.join(repo.dir, 'services/a/service.yaml'))));
  });
});
