import fs from 'node:fs';
import git from 'isomorphic-git';
import { describe, expect, it } from 'vitest';
import { makeRepo, type TempRepo } from '../../test/support/git-repo.js';
import { tracked } from '../../test/support/track.js';
import { openRepo } from './repo.js';
import { resolvePin } from '../core/pins.js';
import { listVersionTags, parseVersionTagName, scanVersionTags } from './tags.js';
import type { VersionTag } from '../model/version.js';

const track = tracked();

/** What the git CLI says a tag is: the listing must agree with it field by field. */
function expectedTag(repo: TempRepo, tag: string): Omit<VersionTag, 'service' | 'version'> {
  const object = repo.revParse(`refs/tags/${tag}`);
  return {
    tag,
    object,
    commit: repo.revParse(`refs/tags/${tag}^{commit}`),
    annotated: repo.git('cat-file', '-t', object) === 'tag',
  };
}

/** petstore 1.0.0 (annotated), 1.1.0 (lightweight), 1.10.0 and 1.9.0 (annotated), 2.0.0-rc.1; billing 0.1.0. */
function releaseRepo(): TempRepo {
  const repo = track(makeRepo({ files: { 'services/petstore/service.yaml': 'name: petstore\n' } }));
  repo.tag('petstore/v1.0.0', { annotated: true });
  repo.write('services/petstore/service.yaml', 'name: petstore # 1.1\n');
  repo.commit('petstore 1.1');
  repo.tag('petstore/v1.1.0');
  repo.write('services/billing/service.yaml', 'name: billing\n');
  repo.commit('billing');
  repo.tag('billing/v0.1.0', { message: 'first billing release' });
  repo.tag('petstore/v1.10.0', { annotated: true });
  repo.tag('petstore/v1.9.0', { annotated: true, target: 'HEAD~1' });
  repo.tag('petstore/v2.0.0-rc.1', { annotated: true });
  return repo;
}

const RELEASES = ['billing/v0.1.0', 'petstore/v1.0.0', 'petstore/v1.1.0', 'petstore/v1.9.0', 'petstore/v1.10.0', 'petstore/v2.0.0-rc.1'];

describe('listVersionTags', () => {
  it('lists annotated and lightweight tags with the ids the git CLI reports, sorted by service then semver', async () => {
    const repo = releaseRepo();
    const tags = await listVersionTags(await openRepo(repo.dir));
    expect(tags.map((t) => t.tag)).toEqual(RELEASES);
    for (const tag of tags) {
      expect(tag).toEqual({ ...expectedTag(repo, tag.tag), service: tag.tag.split('/')[0], version: tag.tag.split('/v')[1] });
    }
    expect(tags.find((t) => t.tag === 'petstore/v1.0.0')?.annotated).toBe(true);
    expect(tags.find((t) => t.tag === 'petstore/v1.1.0')?.annotated).toBe(false);
  });

  it('ignores tags that are not `<service>/v<semver>`', async () => {
    const repo = track(makeRepo());
    for (const name of ['v1.0.0', 'release-2024', 'petstore/1.0.0', 'petstore/latest', 'team/petstore/v1.0.0', 'petstore/v1.2', 'PetStore/v1.0.0', 'petstore/v1.0.0+build.7', 'petstore/vv1.0.0', 'a-/v1.0.0']) {
      repo.tag(name);
    }
    repo.tag('petstore/v1.0.0');
    const opened = await openRepo(repo.dir);
    expect((await listVersionTags(opened)).map((t) => t.tag)).toEqual(['petstore/v1.0.0']);
    const { ignored } = await scanVersionTags(opened);
    expect(ignored.map(({ tag, reason }) => [tag, reason])).toEqual([
      ['PetStore/v1.0.0', 'bad-service-name'],
      ['a-/v1.0.0', 'bad-service-name'],
      ['petstore/v1.0.0+build.7', 'not-semver'],
      ['petstore/v1.2', 'not-semver'],
    ]);
  });

  it('ignores a version tag that does not name a commit', async () => {
    const repo = track(makeRepo({ files: { 'a.txt': 'a\n' } }));
    repo.tag('petstore/v1.0.0', { target: 'HEAD^{tree}' });
    const { tags, ignored } = await scanVersionTags(await openRepo(repo.dir));
    expect(tags).toEqual([]);
    expect(ignored).toEqual([{ tag: 'petstore/v1.0.0', object: repo.revParse('HEAD^{tree}'), reason: 'not-a-commit' }]);
  });

  it('peels a tag of a tag to the commit', async () => {
    const repo = track(makeRepo());
    repo.tag('petstore/v1.0.0', { annotated: true });
    repo.tag('petstore/v1.0.1', { annotated: true, target: 'petstore/v1.0.0' });
    const [, nested] = await listVersionTags(await openRepo(repo.dir));
    expect(nested).toMatchObject(expectedTag(repo, 'petstore/v1.0.1'));
    expect(nested?.commit).toBe(repo.revParse('HEAD'));
  });

  it('reads the same tags after `git pack-refs --all` and after `git gc`', async () => {
    const repo = releaseRepo();
    const loose = await listVersionTags(await openRepo(repo.dir));
    repo.git('pack-refs', '--all');
    expect(fs.readdirSync(`${repo.dir}/.git/refs/tags`)).toEqual([]);
    expect(await listVersionTags(await openRepo(repo.dir))).toEqual(loose);
    repo.git('gc', '--quiet', '--prune=now');
    expect(repo.git('count-objects', '-v')).toMatch(/^count: 0$/m);
    expect(await listVersionTags(await openRepo(repo.dir))).toEqual(loose);
  });

  it('lets a loose ref override its packed entry and its peeled line', async () => {
    const repo = releaseRepo();
    repo.git('pack-refs', '--all');
    repo.commit('hotfix');
    // Re-create an annotated packed tag as a lightweight loose one: the stale `^<oid>` line of
    // packed-refs must not apply to it any more.
    repo.tag('petstore/v1.0.0', { force: true });
    repo.tag('petstore/v1.1.0', { force: true, annotated: true });
    const tags = await listVersionTags(await openRepo(repo.dir));
    expect(tags.find((t) => t.tag === 'petstore/v1.0.0')).toMatchObject({ ...expectedTag(repo, 'petstore/v1.0.0'), annotated: false });
    expect(tags.find((t) => t.tag === 'petstore/v1.1.0')).toMatchObject({ ...expectedTag(repo, 'petstore/v1.1.0'), annotated: true });
  });

  it('leaves out a tag deleted after packing', async () => {
    const repo = releaseRepo();
    repo.git('pack-refs', '--all');
    repo.git('tag', '-d', 'petstore/v1.9.0');
    const tags = await listVersionTags(await openRepo(repo.dir));
    expect(tags.map((t) => t.tag)).toEqual(RELEASES.filter((t) => t !== 'petstore/v1.9.0'));
  });

  it('reads annotated tags written by isomorphic-git, which the git CLI accepts', async () => {
    const repo = track(makeRepo());
    await git.annotatedTag({
      fs,
      dir: repo.dir,
      ref: 'petstore/v3.0.0',
      message: 'Release petstore/v3.0.0',
      tagger: { name: 'Tagway Test', email: 'test@tagway.invalid', timestamp: 1_704_067_200, timezoneOffset: 0 },
    });
    repo.git('fsck', '--strict', '--no-progress');
    expect(repo.git('cat-file', '-t', 'petstore/v3.0.0')).toBe('tag');
    const [tag] = await listVersionTags(await openRepo(repo.dir));
    expect(tag).toMatchObject({ ...expectedTag(repo, 'petstore/v3.0.0'), annotated: true });
  });

  it('feeds resolvePin: ranges pick the highest match, no match is null', async () => {
    const tags = await listVersionTags(await openRepo(releaseRepo().dir));
    expect(resolvePin(tags, 'petstore', '^1')?.tag).toBe('petstore/v1.10.0');
    expect(resolvePin(tags, 'petstore', '~1.1')?.tag).toBe('petstore/v1.1.0');
    expect(resolvePin(tags, 'petstore', '*')?.tag).toBe('petstore/v1.10.0');
    expect(resolvePin(tags, 'petstore', '2.0.0-rc.1')?.tag).toBe('petstore/v2.0.0-rc.1');
    expect(resolvePin(tags, 'petstore', '^2')).toBeNull();
    expect(resolvePin(tags, 'billing', '1.0.0')).toBeNull();
  });
});

describe('parseVersionTagName', () => {
  it.each([
    ['petstore/v1.2.0', { kind: 'version', service: 'petstore', version: '1.2.0' }],
    ['a/v0.0.1-alpha.1', { kind: 'version', service: 'a', version: '0.0.1-alpha.1' }],
    [`${'a'.repeat(31)}/v1.0.0`, { kind: 'version', service: 'a'.repeat(31), version: '1.0.0' }],
    [`${'a'.repeat(32)}/v1.0.0`, { kind: 'malformed', reason: 'bad-service-name' }],
    ['petstore/v01.2.0', { kind: 'malformed', reason: 'not-semver' }],
    ['petstore/v1.2.0/extra', { kind: 'malformed', reason: 'not-semver' }],
    ['petstore/1.2.0', { kind: 'other' }],
    ['petstore/vnext', { kind: 'other' }],
    ['v1.2.0', { kind: 'other' }],
  ])('%s', (name, expected) => {
    expect(parseVersionTagName(name)).toEqual(expected);
  });
});
