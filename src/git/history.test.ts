import { describe, expect, it } from 'vitest';
import { cloneRepo, makeRepo, type TempRepo } from '../../test/support/git-repo.js';
import { tracked } from '../../test/support/track.js';
import { objectAtPath, parsePointerFile, pointerTimeline, readFileHistory, readTagDetails, versionsRan } from './history.js';
import { openRepo } from './repo.js';
import { listVersionTags } from './tags.js';

const track = tracked();

const FILE = 'gateway-groups/prod/group.yaml';
const group = (pin: string, lock?: string) =>
  `name: prod\npublished:\n  petstore: ${pin}\n${lock ? `locks:\n  petstore: { version: ${lock}, object: ${'a'.repeat(40)} }\n` : ''}`;

/** prod: 1.0.0 → (unrelated commit) → 1.1.0 → ^1.0 locked at 1.1.0 → merge of a side branch setting 1.2.0. */
function pointerRepo(): TempRepo {
  const repo = track(makeRepo({ files: { [FILE]: group('1.0.0') }, commit: 'create prod' }));
  repo.write('README.md', 'unrelated\n');
  repo.commit('unrelated');
  repo.write(FILE, group('1.1.0'));
  repo.commit('prod to 1.1.0');
  repo.write(FILE, group('^1.0', '1.1.0'));
  repo.commit('prod tracks ^1.0');
  repo.git('switch', '-q', '-c', 'side');
  repo.write(FILE, group('1.2.0'));
  repo.commit('side: prod to 1.2.0');
  repo.git('switch', '-q', 'main');
  repo.write('other.txt', 'x\n');
  repo.commit('main moves on');
  repo.git('merge', '-q', '--no-ff', '-m', 'Merge side', 'side');
  return repo;
}

describe('readFileHistory', () => {
  it('lists the first-parent commits that changed the file, oldest first, as `git log --first-parent -- <file>` does', async () => {
    const repo = pointerRepo();
    const history = await readFileHistory(await openRepo(repo.dir), repo.revParse('HEAD'), FILE);
    expect(history.truncated).toBe(false);
    expect(history.revisions.map((r) => r.commit.oid)).toEqual(repo.git('log', '--first-parent', '--reverse', '--format=%H', '--', FILE).split('\n'));
    expect(history.revisions.map((r) => r.commit.message)).toEqual(['create prod', 'prod to 1.1.0', 'prod tracks ^1.0', 'Merge side']);
    expect(history.revisions[3]!.text).toBe(group('1.2.0'));
  });

  it('records a deletion as a revision without text', async () => {
    const repo = pointerRepo();
    repo.remove(FILE);
    repo.commit('drop prod');
    const history = await readFileHistory(await openRepo(repo.dir), repo.revParse('HEAD'), FILE);
    expect(history.revisions.at(-1)).toMatchObject({ text: null, commit: { message: 'drop prod' } });
  });

  it('stops at the edge of a shallow clone and says so', async () => {
    const origin = pointerRepo();
    const shallow = track(cloneRepo(origin, { depth: 2 }));
    const history = await readFileHistory(await openRepo(shallow.dir), shallow.revParse('HEAD'), FILE);
    expect(history.truncated).toBe(true);
    expect(history.revisions.map((r) => r.commit.message)).toEqual(['main moves on', 'Merge side']);
  });
});

describe('pointerTimeline', () => {
  it('keeps the commits where the pin or the recorded version changed, with from → to', async () => {
    const repo = pointerRepo();
    const history = await readFileHistory(await openRepo(repo.dir), repo.revParse('HEAD'), FILE);
    const timeline = pointerTimeline(history, 'petstore');
    expect(timeline.map((c) => [c.commit.message, c.from?.pin ?? null, c.from?.version ?? null, c.to?.pin ?? null, c.to?.version ?? null])).toEqual([
      ['create prod', null, null, '1.0.0', '1.0.0'],
      ['prod to 1.1.0', '1.0.0', '1.0.0', '1.1.0', '1.1.0'],
      ['prod tracks ^1.0', '1.1.0', '1.1.0', '^1.0', '1.1.0'],
      ['Merge side', '^1.0', '1.1.0', '1.2.0', '1.2.0'],
    ]);
    expect(timeline[2]!.to?.object).toBe('a'.repeat(40));
    expect(pointerTimeline(history, 'orders')).toEqual([]);
  });
});

describe('pointerTimeline and versionsRan with the tags\' dates', () => {
  /**
   * prod pins ^1.0 before any tag; 1.0.0 (annotated) and 1.1.0 (lightweight) are tagged; an edit
   * elsewhere in the file; prod pins ~1.0; 1.0.1 is tagged; prod pins 1.1.0.
   */
  function rangeRepo(): TempRepo {
    const repo = track(makeRepo({ files: { [FILE]: group('^1.0') }, commit: 'prod tracks ^1.0' }));
    repo.tag('petstore/v1.0.0', { message: 'petstore 1.0.0' });
    repo.write('README.md', 'one\n');
    repo.commit('work for 1.1');
    repo.tag('petstore/v1.1.0', { annotated: false });
    repo.write(FILE, group('^1.0').replace('name: prod', 'name: prod # renamed?'));
    repo.commit('prod: a comment');
    repo.write(FILE, group('~1.0'));
    repo.commit('prod tracks ~1.0');
    repo.tag('petstore/v1.0.1', { message: 'petstore 1.0.1', target: 'HEAD~3' });
    repo.write(FILE, group('1.1.0'));
    repo.commit('prod to 1.1.0');
    return repo;
  }

  it('resolves a range without a record against the tags created by each commit, and `from` just before it', async () => {
    const repo = rangeRepo();
    const r = await openRepo(repo.dir);
    const history = await readFileHistory(r, repo.revParse('HEAD'), FILE);
    const tags = await readTagDetails(r, await listVersionTags(r));
    const timeline = pointerTimeline(history, 'petstore', tags);
    expect(timeline.map((c) => [c.commit.message, c.from && `${c.from.pin}=${c.from.version}`, c.to && `${c.to.pin}=${c.to.version}`])).toEqual([
      ['prod tracks ^1.0', null, '^1.0=null'],
      ['prod tracks ~1.0', '^1.0=1.1.0', '~1.0=1.0.0'],
      // 1.0.1 tags an old commit, but its tagger date puts it after ~1.0 was pinned.
      ['prod to 1.1.0', '~1.0=1.0.1', '1.1.0=1.1.0'],
    ]);
    expect(versionsRan(timeline, 'petstore', tags)).toEqual(['1.0.0', '1.1.0', '1.0.0', '1.0.1', '1.1.0']);
    // Without the tags, a range without a record selected nothing known.
    expect(versionsRan(pointerTimeline(history, 'petstore'), 'petstore', [])).toEqual(['1.1.0']);
  });

  it('follows a range past its record to the tags created after it, up to now', async () => {
    const repo = track(makeRepo({ files: { [FILE]: group('1.0.0') }, commit: 'prod to 1.0.0' }));
    repo.tag('petstore/v1.0.0', { message: 'petstore 1.0.0' });
    repo.tag('petstore/v1.1.0', { message: 'petstore 1.1.0' });
    repo.write(FILE, group('^1.0', '1.1.0'));
    repo.commit('prod tracks ^1.0, recorded at 1.1.0');
    repo.tag('petstore/v1.2.0', { message: 'petstore 1.2.0' });
    repo.tag('petstore/v2.0.0', { message: 'petstore 2.0.0' });
    repo.tag('petstore/v1.3.0', { message: 'petstore 1.3.0' });
    const r = await openRepo(repo.dir);
    const tags = await readTagDetails(r, await listVersionTags(r));
    const timeline = pointerTimeline(await readFileHistory(r, repo.revParse('HEAD'), FILE), 'petstore', tags);
    expect(timeline.at(-1)?.to).toEqual({ pin: '^1.0', version: '1.1.0', object: 'a'.repeat(40) });
    expect(versionsRan(timeline, 'petstore', tags)).toEqual(['1.0.0', '1.1.0', '1.2.0', '1.3.0']);
  });
});

describe('parsePointerFile', () => {
  it('reads published, locks and include leniently, leaving out entries of the wrong shape', () => {
    const file = parsePointerFile('published: { a: 1.0.0, b: 3, c: ^2 }\nlocks: { a: { version: 1.0.0, object: x }, c: nope }\ninclude: [consumers/k, 3, { x: 1 }]\n');
    expect(file).toEqual({ published: new Map([['a', '1.0.0'], ['c', '^2']]), locks: new Map([['a', { version: '1.0.0', object: 'x' }]]), include: ['consumers/k'] });
    expect(parsePointerFile('published: [')).toBeNull();
    expect(parsePointerFile('')).toEqual({ published: new Map(), locks: new Map(), include: [] });
    expect(parsePointerFile('include: consumers/k\n')?.include).toEqual([]);
  });
});

describe('readTagDetails and objectAtPath', () => {
  it('give the tagger and message of annotated tags and the commit of lightweight ones, as git shows them', async () => {
    const repo = track(makeRepo({ files: { 'services/petstore/service.yaml': 'name: petstore\n' }, commit: 'petstore template' }));
    repo.tag('petstore/v1.0.0', { message: 'petstore 1.0.0\n\nfirst' });
    repo.tag('petstore/v1.1.0');
    const r = await openRepo(repo.dir);
    const details = await readTagDetails(r, await listVersionTags(r));
    expect(details.map((d) => [d.tag, d.annotated, d.message, d.by.name, d.by.timestamp])).toEqual([
      ['petstore/v1.0.0', true, 'petstore 1.0.0\n\nfirst', 'Tagway Test', Number(repo.git('for-each-ref', '--format=%(taggerdate:unix)', 'refs/tags/petstore/v1.0.0'))],
      ['petstore/v1.1.0', false, 'petstore template', 'Tagway Test', Number(repo.git('log', '-1', '--format=%ct'))],
    ]);
    expect(await objectAtPath(r, repo.revParse('HEAD'), 'services/petstore')).toBe(repo.revParse('HEAD:services/petstore'));
    expect(await objectAtPath(r, repo.revParse('HEAD'), 'services/orders')).toBeNull();
  });
});
