/**
 * `tagway promote` and `tagway rollback` on real repositories: the commits they make as git shows
 * them, the default rollback target from the history of group.yaml, which versions `--to` accepts,
 * that the overlay is kept, and that a rollback equals `git revert` of the publish commit.
 */
import { describe, expect, it } from 'vitest';
import { runCompile } from '../src/app/compile.js';
import { UserError } from '../src/core/errors.js';
import { runPromote } from '../src/app/promote.js';
import { runPublish } from '../src/app/publish.js';
import { runRollback, versionPath } from '../src/app/rollback.js';
import { addPetstoreRoute, failingFs, repoState, versionRepos, type VersionRepo } from './support/version-repo.js';

const setup = versionRepos();

const PRODUCTION = 'gateway-groups/production/group.yaml';
const OVERLAY = 'gateway-groups/production/services/petstore.yaml';

async function petstoreIn(cwd: string, group: string): Promise<{ version: string; nodes: unknown }> {
  const compiled = await runCompile({ cwd, groups: [group] });
  expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const snapshot = compiled.snapshots[0]!;
  return {
    version: snapshot.provenance.services.find((s) => s.name === 'petstore')!.version,
    nodes: snapshot.apisix.upstreams.find((u) => u.id === 'petstore')!.nodes,
  };
}

/** The lines of a group.yaml after tagway added its `locks:` record below `published`. */
function editedLines(text: string): string[] {
  const lines = text.split('\n');
  const published = lines.indexOf('published:');
  const at = lines.findIndex((l, i) => i > published && !l.startsWith(' '));
  return [...lines.slice(0, at), '# Written by tagway: the tag each pin resolved to. validate reports a tag moved since (TW3016).', 'locks:', ...lines.slice(at)];
}

/** Publishes petstore `version` (a new route first) and points production at it. */
async function publishToProduction({ repo, base }: VersionRepo, version: string): Promise<void> {
  addPetstoreRoute(repo, `r${version.replace(/\./g, '-')}`, `/r/${version}`);
  const outcome = await runPublish({ ...base, service: 'petstore', version, groups: ['production'] });
  expect(outcome.ok).toBe(true);
}

describe('promote', () => {
  it('points the target group at the version the source group runs now, in one commit', async () => {
    const r = setup();
    const { repo, base } = r;
    const before = repo.read(PRODUCTION);
    const outcome = await runPromote({ ...base, service: 'petstore', from: 'staging', to: 'production' });
    expect(outcome.ok && outcome.moves).toEqual([expect.objectContaining({ group: 'production', service: 'petstore', from: { pin: '1.0.0', version: '1.0.0' }, to: { pin: '1.1.0', version: '1.1.0' } })]);
    expect(repo.git('log', '-1', '--format=%s|%an', '--', PRODUCTION)).toBe('promote petstore 1.1.0 from staging to production|Ada Operator');
    expect(repo.git('show', '--format=', '--name-only', 'HEAD')).toBe(PRODUCTION);
    expect(repo.read(PRODUCTION)).toBe(
      before.replace('  petstore: 1.0.0\n', '  petstore: 1.1.0\n').replace(
        '  catalog: 1.0.0\n',
        `  catalog: 1.0.0\n# Written by tagway: the tag each pin resolved to. validate reports a tag moved since (TW3016).\nlocks:\n  petstore: { version: 1.1.0, object: ${repo.revParse('refs/tags/petstore/v1.1.0')} }\n`,
      ),
    );
    expect(repo.git('tag', '-l', 'petstore/*')).toBe('petstore/v1.0.0\npetstore/v1.1.0'); // no new tag
    expect((await petstoreIn(repo.dir, 'production')).version).toBe('1.1.0');
  });

  it('commits nothing when the target already runs that version', async () => {
    const { repo, base } = setup();
    await runPromote({ ...base, service: 'petstore', from: 'staging', to: 'production' });
    const before = repoState(repo);
    const again = await runPromote({ ...base, service: 'petstore', from: 'staging', to: 'production' });
    expect(again.ok && again.moves).toEqual([]);
    expect(repoState(repo)).toEqual(before);
  });

  it.each([
    [{ from: 'staging', to: 'staging' }, /--from and --to both name staging/],
    [{ from: 'qa', to: 'production' }, /there is no gateway group `qa`/],
    [{ service: 'billing', from: 'staging', to: 'production' }, /group staging does not publish billing/],
  ])('refuses %j', async (options, error) => {
    const { repo, base } = setup();
    const before = repoState(repo);
    await expect(runPromote({ ...base, service: 'petstore', ...options })).rejects.toThrow(error);
    expect(repoState(repo)).toEqual(before);
  });

  it('refuses a version whose tag moved since the source group recorded it', async () => {
    const r = setup();
    await publishToProduction(r, '1.2.0');
    await runPublish({ ...r.base, service: 'petstore', version: '1.3.0', groups: ['staging'], message: 'x' });
    r.repo.tag('petstore/v1.3.0', { message: 'moved', target: 'HEAD~2', force: true });
    const error = await runPromote({ ...r.base, service: 'petstore', from: 'staging', to: 'production' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(/tag petstore\/v1\.3\.0 was moved or re-created since staging recorded it/);
  });
});

describe('versionPath', () => {
  it.each([
    [['1.0.0', '1.1.0', '1.2.0'], ['1.0.0', '1.1.0', '1.2.0']],
    [['1.0.0', '1.1.0', '1.2.0', '1.1.0'], ['1.0.0', '1.1.0']],
    [['1.0.0', '1.1.0', '1.2.0', '1.0.0'], ['1.0.0']],
    [['1.0.0', '1.1.0', '1.0.0', '1.2.0'], ['1.0.0', '1.2.0']],
    [['1.0.0', '1.0.0'], ['1.0.0']],
  ])('%j → %j', (versions, path) => {
    expect(versionPath(versions)).toEqual(path);
  });
});

describe('rollback', () => {
  it('goes back to the version the group ran before, keeping the overlay, in one commit naming both versions', async () => {
    const r = setup();
    const { repo, base } = r;
    const overlay = repo.read(OVERLAY);
    const nodesBefore = (await petstoreIn(repo.dir, 'production')).nodes;
    await publishToProduction(r, '1.2.0');
    const published = repo.revParse('HEAD');

    const outcome = await runRollback({ ...base, service: 'petstore', group: 'production' });

    expect(outcome.ok && outcome.move).toMatchObject({ from: { pin: '1.2.0', version: '1.2.0' }, to: { pin: '1.0.0', version: '1.0.0' } });
    expect(repo.git('log', '-1', '--format=%s|%an <%ae>')).toBe('rollback petstore on production from 1.2.0 to 1.0.0|Ada Operator <ada@example.com>');
    expect(repo.git('diff', '--name-only', published, 'HEAD')).toBe(PRODUCTION);
    expect(repo.read(OVERLAY)).toBe(overlay);
    expect(repo.git('status', '--porcelain')).toBe('');
    const after = await petstoreIn(repo.dir, 'production');
    expect(after).toEqual({ version: '1.0.0', nodes: nodesBefore });
    expect(repo.git('log', '--format=%s', '--', PRODUCTION).split('\n')).toEqual([
      'rollback petstore on production from 1.2.0 to 1.0.0',
      'publish petstore 1.2.0 to production',
      'example configuration',
    ]);
  });

  it('rolling back again keeps going back, then says there is nothing earlier', async () => {
    const r = setup();
    const { base } = r;
    await runPromote({ ...base, service: 'petstore', from: 'staging', to: 'production' }); // 1.0.0 → 1.1.0
    await publishToProduction(r, '1.2.0'); // → 1.2.0
    const first = await runRollback({ ...base, service: 'petstore', group: 'production' });
    expect(first.ok && first.move.to.version).toBe('1.1.0');
    const second = await runRollback({ ...base, service: 'petstore', group: 'production' });
    expect(second.ok && second.move.to.version).toBe('1.0.0');
    await expect(runRollback({ ...base, service: 'petstore', group: 'production' })).rejects.toThrow(
      /group production has run no earlier version of petstore than 1\.0\.0/,
    );
  });

  it('--to accepts only a version the group ran, and lists those when refused', async () => {
    const r = setup();
    const { repo, base } = r;
    await publishToProduction(r, '1.2.0'); // production ran 1.0.0, runs 1.2.0; 1.1.0 never ran there
    const before = repoState(repo);
    const error = await runRollback({ ...base, service: 'petstore', group: 'production', to: '1.1.0' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(
      'group production never ran petstore 1.1.0; a rollback goes back only to a version the group ran',
    );
    expect((error as UserError).hint).toMatch(/^Versions production ran before: 1\.0\.0\./);
    expect(repoState(repo)).toEqual(before);
    await expect(runRollback({ ...base, service: 'petstore', group: 'production', to: '1.2.0' })).rejects.toThrow(/already runs petstore 1\.2\.0/);
    await expect(runRollback({ ...base, service: 'petstore', group: 'production', to: '^1.0' })).rejects.toThrow(/exact version/);
    const outcome = await runRollback({ ...base, service: 'petstore', group: 'production', to: '1.0.0' });
    expect(outcome.ok && outcome.move.to.version).toBe('1.0.0');
  });

  describe('a group that tracks a range', () => {
    const STAGING = 'gateway-groups/staging/group.yaml';

    /** staging pins ^1.0 with no record; its range selected 1.0.0, then 1.1.0 as the tags were made. */
    async function publishToStaging(r: VersionRepo, version: string): Promise<void> {
      addPetstoreRoute(r.repo, `r${version.replace(/\./g, '-')}`, `/r/${version}`);
      const outcome = await runPublish({ ...r.base, service: 'petstore', version, groups: ['staging'] });
      expect(outcome.ok && outcome.groups[0]!.to.pin).toBe('^1.0'); // the range is kept
    }

    it('goes back to what the range selected before, writes the exact version and drops the comment about the range', async () => {
      const r = setup();
      const { repo, base } = r;
      const before = repo.read(STAGING);
      expect(before).toContain('  petstore: ^1.0        # tracks the newest 1.x tag\n');
      await publishToStaging(r, '1.2.0');

      const outcome = await runRollback({ ...base, service: 'petstore', group: 'staging' });

      expect(outcome.ok && outcome.move).toMatchObject({ from: { pin: '^1.0', version: '1.2.0' }, to: { pin: '1.1.0', version: '1.1.0' } });
      expect(repo.git('log', '-1', '--format=%s')).toBe('rollback petstore on staging from 1.2.0 to 1.1.0');
      expect(repo.git('show', '--format=', '--name-only', 'HEAD')).toBe(STAGING);
      const lock = `  petstore: { version: 1.1.0, object: ${repo.revParse('refs/tags/petstore/v1.1.0')} }`;
      expect(repo.git('diff', '-U0', 'HEAD~1', 'HEAD').split('\n').filter((l) => /^[-+] /.test(l))).toEqual([
        '-  petstore: ^1.0        # tracks the newest 1.x tag',
        '+  petstore: 1.1.0',
        `-  petstore: { version: 1.2.0, object: ${repo.revParse('refs/tags/petstore/v1.2.0')} }`,
        `+${lock}`,
      ]);
      // Every other line, comments included, is as it was before the publish.
      expect(repo.read(STAGING).split('\n').filter((l) => !l.startsWith('  petstore:'))).toEqual(
        editedLines(before).filter((l) => !l.startsWith('  petstore:')),
      );
      expect(repo.git('status', '--porcelain')).toBe('');
      expect((await petstoreIn(repo.dir, 'staging')).version).toBe('1.1.0');

      const second = await runRollback({ ...base, service: 'petstore', group: 'staging' });
      expect(second.ok && second.move.to).toEqual({ pin: '1.0.0', version: '1.0.0' });
      await expect(runRollback({ ...base, service: 'petstore', group: 'staging' })).rejects.toThrow(
        /group staging has run no earlier version of petstore than 1\.0\.0/,
      );
    });

    it('--to accepts the versions the range selected, and lists them when refused', async () => {
      const r = setup();
      const { repo, base } = r;
      await publishToStaging(r, '1.2.0');
      const error = await runRollback({ ...base, service: 'petstore', group: 'staging', to: '1.0.1' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toBe('group staging never ran petstore 1.0.1 (and it has no tag); a rollback goes back only to a version the group ran');
      expect((error as UserError).hint).toMatch(/^Versions staging ran before: 1\.1\.0, 1\.0\.0\./);
      const outcome = await runRollback({ ...base, service: 'petstore', group: 'staging', to: '1.0.0' });
      expect(outcome.ok && outcome.move.to).toEqual({ pin: '1.0.0', version: '1.0.0' });
      expect(repo.git('log', '-1', '--format=%s')).toBe('rollback petstore on staging from 1.2.0 to 1.0.0');
    });

    it('counts tags made with git: a lightweight tag from its commit date, an annotated one from its tagger date', async () => {
      const r = setup();
      const { repo, base } = r;
      const old = repo.git('rev-list', '--max-parents=0', 'HEAD'); // the commit that pinned ^1.0
      // Tagged now on the first commit: the tagger date says it came after 1.1.0, so the range
      // (already at 1.1.0) never selected it.
      repo.tag('petstore/v1.0.5', { message: 'late fix of 1.0', target: old });
      addPetstoreRoute(repo, 'lw', '/lw');
      repo.tag('petstore/v1.2.0', { annotated: false }); // no date of its own: its commit's
      addPetstoreRoute(repo, 'later', '/later');
      repo.tag('petstore/v1.3.0', { message: 'petstore 1.3.0' });

      const error = await runRollback({ ...base, service: 'petstore', group: 'staging', to: '1.0.5' }).catch((e: unknown) => e);
      expect((error as UserError).hint).toMatch(/^Versions staging ran before: 1\.2\.0, 1\.1\.0, 1\.0\.0\./);
      const outcome = await runRollback({ ...base, service: 'petstore', group: 'staging' });
      expect(outcome.ok && outcome.move).toMatchObject({ from: { pin: '^1.0', version: '1.3.0' }, to: { pin: '1.2.0', version: '1.2.0' } });
      expect(repo.git('log', '-1', '--format=%s')).toBe('rollback petstore on staging from 1.3.0 to 1.2.0');
      expect(repo.read(STAGING)).toContain('\n  petstore: 1.2.0\n');
    });

    it('after a promote, rolls the exact pin of the other group back as before', async () => {
      const r = setup();
      const { base } = r;
      await publishToStaging(r, '1.2.0');
      await runPromote({ ...base, service: 'petstore', from: 'staging', to: 'production' });
      const outcome = await runRollback({ ...base, service: 'petstore', group: 'production' });
      expect(outcome.ok && outcome.move.to).toEqual({ pin: '1.0.0', version: '1.0.0' });
    });
  });

  it('refuses to go back to a version whose tag was moved since the group ran it', async () => {
    const r = setup();
    await publishToProduction(r, '1.2.0');
    await publishToProduction(r, '1.3.0');
    r.repo.tag('petstore/v1.2.0', { message: 'moved', target: 'HEAD~3', force: true });
    await expect(runRollback({ ...r.base, service: 'petstore', group: 'production' })).rejects.toThrow(
      /tag petstore\/v1\.2\.0 was moved or re-created since production ran it/,
    );
  });

  it('leaves the repository as it was when the commit fails', async () => {
    const r = setup();
    await publishToProduction(r, '1.2.0');
    const before = repoState(r.repo);
    await expect(
      runRollback({ ...r.base, service: 'petstore', group: 'production', fs: failingFs((op, f) => op === 'rename' && f.endsWith('refs/heads/main.lock')) }),
    ).rejects.toThrow(/injected failure/);
    expect(repoState(r.repo)).toEqual(before);
  });

  describe('equals `git revert` of the publish commit', () => {
    /** Two identical repositories where production ran 1.2.0 (recorded by tagway) and then 1.3.0. */
    async function pair(): Promise<[VersionRepo, VersionRepo]> {
      const made: VersionRepo[] = [];
      for (let i = 0; i < 2; i++) {
        const r = setup();
        await publishToProduction(r, '1.2.0');
        await publishToProduction(r, '1.3.0');
        made.push(r);
      }
      expect(made[0]!.repo.revParse('HEAD')).toBe(made[1]!.repo.revParse('HEAD'));
      return made as [VersionRepo, VersionRepo];
    }

    it('byte for byte: the same tree', async () => {
      const [a, b] = await pair();
      await runRollback({ ...a.base, service: 'petstore', group: 'production' });
      b.repo.git('revert', '--no-edit', 'HEAD');
      expect(a.repo.revParse('HEAD^{tree}')).toBe(b.repo.revParse('HEAD^{tree}'));
      expect(a.repo.read(PRODUCTION)).toBe(b.repo.read(PRODUCTION));
      expect(await petstoreIn(a.repo.dir, 'production')).toEqual(await petstoreIn(b.repo.dir, 'production'));
      // and tagway's history reads the revert as a rollback too: the next rollback goes to 1.0.0 in both.
      const nextA = await runRollback({ ...a.base, service: 'petstore', group: 'production' });
      const nextB = await runRollback({ ...b.base, service: 'petstore', group: 'production' });
      expect([nextA.ok && nextA.move.to.version, nextB.ok && nextB.move.to.version]).toEqual(['1.0.0', '1.0.0']);
    });

    it('of the first publish (before any record): the same snapshot', async () => {
      const a = setup();
      const b = setup();
      await publishToProduction(a, '1.2.0');
      await publishToProduction(b, '1.2.0');
      await runRollback({ ...a.base, service: 'petstore', group: 'production' });
      b.repo.git('revert', '--no-edit', 'HEAD');
      const [sa, sb] = [await runCompile({ cwd: a.repo.dir, groups: ['production'] }), await runCompile({ cwd: b.repo.dir, groups: ['production'] })];
      expect(sa.snapshots[0]!.digest).toBe(sb.snapshots[0]!.digest);
      expect(sa.snapshots[0]!.provenance.services).toEqual(sb.snapshots[0]!.provenance.services);
    });
  });
});
