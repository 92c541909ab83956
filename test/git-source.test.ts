/**
 * Templates as committed at their version tags: read through git's command line (one process
 * for tags spread over many commits, `ls-tree` for a commit with many tags) or through the
 * JavaScript reader, the same files come out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openRepo } from '../src/git/repo.js';
import { listVersionTags } from '../src/git/tags.js';
import { readTemplatesAtTags } from '../src/source/git-revision.js';
import { makeRepo } from './support/git-repo.js';
import type { TempRepo } from './support/git-repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
  delete process.env['TAGWAY_GIT_CLI'];
});

/** Services published one commit at a time, with the odd cases a tag can meet. */
function spreadRepo(): TempRepo {
  const repo = makeRepo({ files: { 'README.md': 'config\n' }, commit: 'start' });
  repos.push(repo);
  for (let i = 0; i < 5; i++) {
    repo.write(`services/svc-${i}/service.yaml`, `name: svc-${i}\n`);
    repo.commit(`svc-${i}`);
    repo.tag(`svc-${i}/v1.0.0`, { message: `svc-${i}` });
  }
  repo.write('services/svc-1/service.yaml', 'name: svc-1\n# 1.1\n');
  repo.commit('svc-1 1.1');
  repo.tag('svc-1/v1.1.0');
  // A template that is a link, a service folder that is a file, a tag with no template at all.
  repo.write('services/linked/service.yaml', { symlink: '../svc-0/service.yaml' });
  repo.write('services/flat', 'not a folder\n');
  repo.commit('odd ones');
  for (const tag of ['linked/v1.0.0', 'flat/v1.0.0', 'ghost/v1.0.0']) repo.tag(tag);
  // One commit carrying many tags (listed with one ls-tree).
  for (let i = 0; i < 70; i++) repo.write(`services/many-${i}/service.yaml`, `name: many-${i}\n`);
  repo.commit('many');
  for (let i = 0; i < 70; i++) repo.tag(`many-${i}/v1.0.0`);
  return repo;
}

async function read(repo: TempRepo, cli: boolean): Promise<unknown> {
  if (!cli) process.env['TAGWAY_GIT_CLI'] = '0';
  else delete process.env['TAGWAY_GIT_CLI'];
  const git = await openRepo(repo.dir);
  const tags = await listVersionTags(git);
  const found = (await readTemplatesAtTags(git, tags)).templates;
  return [...found].sort(([a], [b]) => (a < b ? -1 : 1)).map(([tag, f]) => [tag, f.path, f.revision, f.oid, Buffer.from(f.bytes).toString('utf8')]);
}

describe('templates at tags', () => {
  it('are the same read through git or in JavaScript, over many commits, links and missing files', async () => {
    const repo = spreadRepo();
    const viaGit = await read(repo, true);
    expect(viaGit).toEqual(await read(repo, false));
    const tags = (viaGit as [string][]).map(([tag]) => tag);
    expect(tags).toContain('svc-1/v1.1.0');
    expect(tags).toContain('many-69/v1.0.0');
    for (const odd of ['linked/v1.0.0', 'flat/v1.0.0', 'ghost/v1.0.0']) expect(tags).not.toContain(odd);
    expect(viaGit).toContainEqual(['svc-1/v1.0.0', 'services/svc-1/service.yaml', 'svc-1/v1.0.0', expect.any(String), 'name: svc-1\n']);
  });

  it('are read for one tag of a commit through git when asked to', async () => {
    const repo = spreadRepo();
    const git = await openRepo(repo.dir);
    const tags = (await listVersionTags(git)).filter((t) => t.tag === 'svc-3/v1.0.0' || t.tag === 'linked/v1.0.0');
    const found = (await readTemplatesAtTags(git, tags, { byFolder: true })).templates;
    expect([...found.keys()]).toEqual(['svc-3/v1.0.0']);
    expect(Buffer.from(found.get('svc-3/v1.0.0')!.bytes).toString('utf8')).toBe('name: svc-3\n');
  });
});
