/**
 * Kinds of clone, told from the repository's files, and objects missing from them: raised as
 * MissingObjectError where they are read, fetched from a partial clone's remote as git would.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cloneRepo, deleteLooseObject, makeRepo, type TempRepo } from '../../test/support/git-repo.js';
import { tracked } from '../../test/support/track.js';
import { ciKind, missingTagsReason, readCloneState, shallowHistoryHint } from './clone.js';
import { readFileHistory } from './history.js';
import { openRepo } from './repo.js';
import { resolveRevision } from './revision.js';
import { scanVersionTags } from './tags.js';
import { listTree, missingBlobs, readBlobs, readBlobsPresent } from './reader.js';
import { readBlob } from './tree.js';
import { MissingObjectError } from './missing-object.js';

const track = tracked();
afterEach(() => {
  delete process.env['TAGWAY_GIT_CLI'];
});

const TEMPLATE = 'services/petstore/service.yaml';

/** petstore 1.0.0 and 1.1.0 tagged, then a third commit; every object loose. */
function origin(): TempRepo {
  const repo = track(makeRepo({ files: { [TEMPLATE]: 'name: petstore\n', 'gateway-groups/prod/group.yaml': 'name: prod\n' } }));
  repo.tag('petstore/v1.0.0', { message: 'petstore 1.0.0' });
  repo.write(TEMPLATE, 'name: petstore # 1.1\n');
  repo.commit('petstore 1.1');
  repo.tag('petstore/v1.1.0', { message: 'petstore 1.1.0' });
  repo.write('gateway-groups/prod/group.yaml', 'name: prod # edited\n');
  repo.commit('prod edited');
  return repo;
}

describe('readCloneState', () => {
  it('tells a complete clone, a shallow one, one without tags and a partial one apart', () => {
    const source = origin();
    expect(readCloneState({ gitdir: path.join(source.dir, '.git') })).toEqual({ shallow: false, partial: null, noTags: null, remote: null });
    const full = track(cloneRepo(source));
    expect(readCloneState({ gitdir: path.join(full.dir, '.git') })).toEqual({ shallow: false, partial: null, noTags: null, remote: 'origin' });
    const shallow = track(cloneRepo(source, { depth: 1 }));
    expect(shallow.git('rev-parse', '--is-shallow-repository')).toBe('true');
    expect(readCloneState({ gitdir: path.join(shallow.dir, '.git') })).toMatchObject({ shallow: true, partial: null });
    const noTags = track(cloneRepo(source, { noTags: true }));
    expect(readCloneState({ gitdir: path.join(noTags.dir, '.git') })).toMatchObject({ shallow: false, noTags: 'origin' });
    const partial = track(cloneRepo(source, { filter: 'blob:none' }));
    expect(readCloneState({ gitdir: path.join(partial.dir, '.git') })).toMatchObject({ shallow: false, partial: { remote: 'origin', filter: 'blob:none' } });
  });

  it('names the command that fetches missing tags, and the checkout options in GitHub Actions', () => {
    const shallow = { shallow: true, partial: null, noTags: null, remote: 'origin' } as const;
    expect(missingTagsReason(shallow, null)).toEqual({ reason: 'this clone is shallow', hint: expect.stringContaining('`git fetch --tags --unshallow origin`') });
    expect(missingTagsReason(shallow, 'github')?.hint).toContain('`fetch-depth: 0` and `fetch-tags: true`');
    expect(missingTagsReason({ ...shallow, shallow: false, noTags: 'origin' }, null)?.hint).toContain('`git fetch --tags origin`');
    expect(missingTagsReason({ ...shallow, shallow: false }, null)).toBeNull();
    expect(shallowHistoryHint(shallow, null)).toContain('`git fetch --unshallow origin`');
    expect(ciKind({ GITHUB_ACTIONS: 'true' })).toBe('github');
    expect(ciKind({})).toBeNull();
  });
});

describe('a blob missing from a damaged repository', () => {
  it('is a MissingObjectError naming the blob, with the hint for a damaged repository, through git and in JavaScript', async () => {
    const source = origin();
    const blob = source.revParse(`petstore/v1.0.0:${TEMPLATE}`);
    deleteLooseObject(source, blob);
    const repo = await openRepo(source.dir);
    for (const cli of [true, false]) {
      if (!cli) process.env['TAGWAY_GIT_CLI'] = '0';
      const error = await readBlob(repo, blob).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MissingObjectError);
      expect(error).toMatchObject({ oid: blob, objectType: 'blob', message: `git blob ${blob} is missing from this clone` });
      expect((error as MissingObjectError).hint).toMatch(/damaged.*`git fsck`/);
      const many = Array.from({ length: 70 }, (_, i) => (i === 0 ? blob : source.revParse(`HEAD:${TEMPLATE}`)));
      const { blobs, missing } = await readBlobsPresent(repo, many);
      expect([...missing.keys()]).toEqual([blob]);
      expect(blobs.size).toBe(1);
      await expect(readBlobs(repo, [blob])).rejects.toThrow(MissingObjectError);
      expect([...(await missingBlobs(repo, many)).keys()]).toEqual([blob]);
    }
  });

  it('says what it was needed for as the error travels up', async () => {
    const source = origin();
    const blob = source.revParse(`petstore/v1.0.0:${TEMPLATE}`);
    deleteLooseObject(source, blob);
    const error = (await readBlob(await openRepo(source.dir), blob).catch((e: unknown) => e)) as MissingObjectError;
    const outer = error.withContext('the template at tag petstore/v1.0.0').withContext('group prod');
    expect(outer.message).toBe(`git blob ${blob} is missing from this clone (needed for the template at tag petstore/v1.0.0, for group prod)`);
    expect(outer.toData()).toEqual({ oid: blob, type: 'blob', message: outer.message, hint: error.hint });
  });
});

describe('a tree missing from a damaged repository', () => {
  it('is a MissingObjectError naming the tree and its folder, through git and in JavaScript', async () => {
    const source = origin();
    const tree = source.revParse('petstore/v1.0.0:services/petstore');
    deleteLooseObject(source, tree);
    const repo = await openRepo(source.dir);
    const commit = source.revParse('petstore/v1.0.0^{commit}');
    for (const large of [true, false]) {
      const error = await listTree(repo, commit, ['services/petstore'], { large }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MissingObjectError);
      expect(error).toMatchObject({ oid: tree, objectType: 'tree' });
      expect((error as Error).message).toContain(`(needed for the folder services/petstore at commit ${commit})`);
    }
    // A folder that is not there is not missing.
    expect(await listTree(repo, commit, ['services/orders'])).toEqual([]);
  });
});

describe('a tag whose object is missing', () => {
  it('is left out of the version tags, with the missing object named', async () => {
    const source = origin();
    const object = source.revParse('refs/tags/petstore/v1.0.0');
    deleteLooseObject(source, object);
    const scan = await scanVersionTags(await openRepo(source.dir));
    expect(scan.tags.map((t) => t.tag)).toEqual(['petstore/v1.1.0']);
    expect(scan.ignored).toEqual([
      {
        tag: 'petstore/v1.0.0',
        object,
        reason: 'missing-object',
        missing: { oid: object, type: null, message: `git object ${object} is missing from this clone (needed for tag petstore/v1.0.0)`, hint: expect.stringMatching(/damaged/) },
      },
    ]);
    await expect(resolveRevision(await openRepo(source.dir), 'petstore/v1.0.0')).rejects.toThrow(`(needed for the revision petstore/v1.0.0)`);
  });
});

describe('a blobless partial clone', () => {
  it('has git fetch a missing blob from the promisor remote, read through git or in JavaScript', async () => {
    const source = origin();
    const blob = source.revParse(`petstore/v1.0.0:${TEMPLATE}`);
    // Many blobs are read by `git cat-file`, which fetches them itself; one is read in JavaScript,
    // and tagway has git fetch it.
    for (const cli of [true, false]) {
      const clone = track(cloneRepo(source, { filter: 'blob:none' }));
      expect(clone.git('rev-list', '--objects', '--missing=print', '--all')).toContain(`?${blob}`);
      const repo = await openRepo(clone.dir);
      const read = cli ? (await readBlobs(repo, Array.from({ length: 70 }, () => blob))).get(blob) : await readBlob(repo, blob);
      expect(Buffer.from(read!).toString('utf8')).toBe('name: petstore\n');
      expect(clone.git('rev-list', '--objects', '--missing=print', '--all')).not.toContain(`?${blob}`);
    }
  });

  it('fetches the missing blobs of a history in one go, and cuts the history where the remote cannot be reached', async () => {
    const source = origin();
    const clone = track(cloneRepo(source, { filter: 'blob:none' }));
    const repo = await openRepo(clone.dir);
    const history = await readFileHistory(repo, clone.revParse('HEAD'), TEMPLATE);
    expect(history.revisions.map((r) => r.text)).toEqual(['name: petstore\n', 'name: petstore # 1.1\n']);

    const offline = track(cloneRepo(source, { filter: 'blob:none' }));
    offline.git('remote', 'set-url', 'origin', `file://${path.join(offline.dir, 'gone')}`);
    const cut = await readFileHistory(await openRepo(offline.dir), offline.revParse('HEAD'), TEMPLATE);
    expect(cut.revisions.map((r) => r.text)).toEqual(['name: petstore # 1.1\n']);
    expect(cut.cut).toMatchObject({ kind: 'missing-object', commit: source.revParse('petstore/v1.0.0^{commit}') });
    if (cut.cut?.kind !== 'missing-object') throw new Error('unreachable');
    expect(cut.cut.error.message).toContain(`git blob ${source.revParse(`petstore/v1.0.0:${TEMPLATE}`)} is missing from this clone`);
    expect(cut.cut.error.hint).toMatch(/partial clone \(`--filter=blob:none`\).*fetching it failed/);
  });

  it('says why a missing blob was not fetched: no git command line, fetching turned off, or the remote cannot be reached', async () => {
    const source = origin();
    const blob = source.revParse(`petstore/v1.0.0:${TEMPLATE}`);
    const clone = track(cloneRepo(source, { filter: 'blob:none' }));
    process.env['TAGWAY_GIT_CLI'] = '0';
    const noCli = (await readBlob(await openRepo(clone.dir), blob).catch((e: unknown) => e)) as MissingObjectError;
    expect(noCli).toBeInstanceOf(MissingObjectError);
    expect(noCli.hint).toContain(`\`git cat-file -e ${blob}\``);
    delete process.env['TAGWAY_GIT_CLI'];
    process.env['GIT_NO_LAZY_FETCH'] = '1';
    try {
      const off = (await readBlob(await openRepo(clone.dir), blob).catch((e: unknown) => e)) as MissingObjectError;
      expect(off.fetch).toEqual({ kind: 'disabled' });
      expect(off.hint).toContain('GIT_NO_LAZY_FETCH');
    } finally {
      delete process.env['GIT_NO_LAZY_FETCH'];
    }
    fs.rmSync(source.dir, { recursive: true, force: true });
    const gone = (await readBlob(await openRepo(clone.dir), blob).catch((e: unknown) => e)) as MissingObjectError;
    expect(gone).toBeInstanceOf(MissingObjectError);
    expect(gone.fetch).toMatchObject({ kind: 'failed' });
    expect(gone.hint).toMatch(/Make sure `origin` can be reached/);
  });
});
