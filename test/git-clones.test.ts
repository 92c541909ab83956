/**
 * Incomplete clones, made with the real git CLI: a shallow clone, one without tags, a blobless
 * partial clone, a repository that lost a template blob or tree. Each command says what is
 * missing, what it was needed for and which command fetches it: findings (exit 1) where a
 * configuration cannot be compiled, a user error (exit 2) where a command cannot run at all, and
 * never an internal error (docs/git-clones.md).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCompile, runValidate } from '../src/app/compile.js';
import { runDiff } from '../src/app/diff.js';
import { runHistory } from '../src/app/history.js';
import { runStatus } from '../src/app/status.js';
import { runSync } from '../src/app/sync.js';
import type { Diagnostic } from '../src/model/diagnostic.js';
import { makeExampleRepo, PROJECT_ROOT } from './support/example-repo.js';
import { cloneRepo, deleteLooseObject, type TempRepo } from './support/git-repo.js';
import { tracked } from './support/track.js';

const BIN = path.join(PROJECT_ROOT, 'bin/run.js');
const PRODUCTION = 'gateway-groups/production/group.yaml';
const TEMPLATE = 'services/petstore/service.yaml';

const track = tracked();

/** The example: production pins petstore 1.0.0, staging tracks ^1.0 (1.1.0). */
function example(): TempRepo {
  return track(makeExampleRepo());
}

/** Runs tagway from the build, with only PATH from the environment. */
function tagway(dir: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', GIT_CONFIG_NOSYSTEM: '1', HOME: dir };
  const run = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, env, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const codes = (diagnostics: readonly Diagnostic[]) => diagnostics.map((d) => `${d.code} ${d.file ?? ''}:${d.line ?? 0}`);

/** Everything that compiles the configuration, as findings. */
async function compileFindings(dir: string, options: { readonly cache?: boolean } = {}): Promise<Record<string, readonly Diagnostic[]>> {
  const validated = await runValidate({ cwd: dir, ...options });
  const compiled = await runCompile({ cwd: dir, outDir: path.join(dir, 'out-dist'), ...options });
  const synced = await runSync({ cwd: dir, group: 'production', dryRun: true, env: {} });
  const diffed = await runDiff({ cwd: dir, from: 'HEAD' });
  expect(validated.ok).toBe(false);
  expect(compiled.ok).toBe(false);
  expect(synced.kind).toBe('findings');
  expect(diffed.ok).toBe(false);
  return {
    validate: validated.diagnostics,
    compile: compiled.diagnostics,
    sync: synced.kind === 'findings' ? synced.diagnostics : [],
    diff: diffed.to.diagnostics,
  };
}

describe('a shallow clone (git clone --depth 1)', () => {
  it('names the pinned tags that are not in the clone, and the command that fetches them', async () => {
    const clone = track(cloneRepo(example(), { depth: 1 }));
    expect(clone.git('tag')).toBe('petstore/v1.1.0');
    for (const [command, diagnostics] of Object.entries(await compileFindings(clone.dir))) {
      const pin = diagnostics.find((d) => d.file === PRODUCTION && d.line === 5);
      expect(pin, command).toMatchObject({ code: 'TW3018', message: 'tag petstore/v1.0.0 is not in this clone, and this clone is shallow' });
      expect(pin?.hint).toContain('`git fetch --tags --unshallow origin`');
      expect(diagnostics.map((d) => d.code)).not.toContain('TW3004');
      expect(diagnostics.map((d) => d.code)).not.toContain('TW3015');
    }
    // The command the hint names makes the clone whole.
    clone.git('fetch', '--quiet', '--tags', '--unshallow', 'origin');
    expect((await runValidate({ cwd: clone.dir })).diagnostics).toEqual([]);
  });

  it('status and history say the clone may lack versions and where the history stops, and show the rest', async () => {
    const origin = example();
    origin.write(PRODUCTION, origin.read(PRODUCTION).replace('petstore: 1.0.0', 'petstore: 1.1.0'));
    origin.commit('production: petstore 1.1.0');
    const clone = track(cloneRepo(origin, { depth: 1 }));
    const status = await runStatus({ cwd: clone.dir });
    expect(status.versions.missingTags).toEqual({ reason: 'this clone is shallow', hint: expect.stringContaining('git fetch --tags --unshallow') });
    // The tags are on commits the clone does not hold: what is there is shown, as not in the clone.
    expect(status.versions.services.find((s) => s.service === 'petstore')).toMatchObject({ latest: null, groups: [{ group: 'production', version: null }, { group: 'staging', version: null }] });
    expect(tagway(clone.dir, 'status').stdout).toContain('production  1.1.0 (no such tag in this clone)');

    const history = await runHistory({ cwd: clone.dir, service: 'petstore', group: 'production' });
    const [production] = history.groups;
    expect(production).toMatchObject({
      truncated: true,
      cut: { kind: 'shallow', commit: clone.revParse('HEAD'), message: `the history is truncated at commit ${clone.revParse('HEAD')}: this clone is shallow and holds no earlier commit` },
      now: { pin: '1.1.0', version: null },
    });
    expect(production?.cut?.hint).toContain('`git fetch --unshallow origin`');
    expect(production?.timeline.map((e) => e.to?.pin)).toEqual(['1.1.0']);

    const shown = tagway(clone.dir, 'history', 'petstore');
    expect(shown).toMatchObject({ status: 0, stderr: '' });
    expect(shown.stdout).toContain(`… the history is truncated at commit ${clone.revParse('HEAD')}`);
    expect(shown.stdout).toMatch(/\? → 1\.1\.0/);
  });

  it('on the command line: exit 1 with the finding and the hint, never an internal error', () => {
    const clone = track(cloneRepo(example(), { depth: 1 }));
    const run = tagway(clone.dir, 'validate');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('tag petstore/v1.0.0 is not in this clone, and this clone is shallow [TW3018]');
    expect(run.stderr).toContain('`git fetch --tags --unshallow origin`');
    expect(run.stderr).not.toMatch(/internal error|    at /);
    const rev = tagway(clone.dir, 'compile', '--rev', 'petstore/v1.0.0');
    expect(rev.status).toBe(2);
    expect(rev.stderr).toBe(
      'error: unknown revision: petstore/v1.0.0\n  hint: A tag or commit may be missing because this clone is shallow. Fetch the tags and the rest of the history: `git fetch --tags --unshallow origin`.\n',
    );
  });
});

describe('a clone made without tags (git clone --no-tags)', () => {
  it('names the pinned tags as not in the clone, with `git fetch --tags`', async () => {
    const clone = track(cloneRepo(example(), { noTags: true }));
    const { diagnostics } = await runValidate({ cwd: clone.dir });
    expect(codes(diagnostics)).toEqual([
      `TW3018 ${PRODUCTION}:5`,
      `TW3018 ${PRODUCTION}:6`,
      `TW3018 ${PRODUCTION}:7`,
      'TW3018 gateway-groups/staging/group.yaml:5',
      'TW3018 gateway-groups/staging/group.yaml:6',
      'TW3018 gateway-groups/staging/group.yaml:7',
    ]);
    expect(diagnostics[3]).toMatchObject({ message: 'no tag petstore/v… matching `^1.0` is in this clone, and this clone was made without tags (`remote.origin.tagOpt = --no-tags`)' });
    expect(diagnostics[0]?.hint).toContain('`git fetch --tags origin`');
    clone.git('fetch', '--quiet', '--tags', 'origin');
    expect((await runValidate({ cwd: clone.dir })).diagnostics).toEqual([]);
  });

  it('reports a range that runs an older version than recorded only because of the clone, not as a deleted tag', async () => {
    const origin = example();
    const object = origin.revParse('refs/tags/petstore/v1.1.0');
    origin.write('gateway-groups/staging/group.yaml', `${origin.read('gateway-groups/staging/group.yaml')}locks:\n  petstore: { version: 1.1.0, object: ${object} }\n`);
    origin.commit('staging: record petstore 1.1.0');
    const clone = track(cloneRepo(origin, { noTags: true }));
    clone.git('fetch', '--quiet', 'origin', 'refs/tags/petstore/v1.0.0:refs/tags/petstore/v1.0.0');
    const { diagnostics } = await runValidate({ cwd: clone.dir, groups: ['staging'] });
    const staging = diagnostics.find((d) => d.file === 'gateway-groups/staging/group.yaml' && d.line === 5);
    expect(staging).toMatchObject({ code: 'TW3018', message: 'tag petstore/v1.1.0, which group staging ran, is not in this clone, and this clone was made without tags (`remote.origin.tagOpt = --no-tags`); `^1.0` resolves to 1.0.0 here' });
    expect(diagnostics.map((d) => d.code)).not.toContain('TW3016');
  });
});

describe('a complete clone', () => {
  it('still reports a pin that names no tag as TW3004', async () => {
    const repo = example();
    repo.write(PRODUCTION, repo.read(PRODUCTION).replace('petstore: 1.0.0', 'petstore: 9.9.9'));
    repo.commit('production: a version that does not exist');
    const clone = track(cloneRepo(repo));
    expect((await runValidate({ cwd: clone.dir })).diagnostics).toMatchObject([{ code: 'TW3004', file: PRODUCTION, line: 5, message: 'no tag petstore/v… matches `9.9.9`' }]);
  });
});

describe('a blobless partial clone (git clone --filter=blob:none)', () => {
  it('reads every command through, git fetching the blobs of old versions from the remote', async () => {
    const origin = example();
    const clone = track(cloneRepo(origin, { filter: 'blob:none' }));
    const blob = origin.revParse(`petstore/v1.0.0:${TEMPLATE}`);
    expect(clone.git('rev-list', '--objects', '--missing=print', '--all')).toContain(`?${blob}`);
    expect((await runValidate({ cwd: clone.dir })).diagnostics).toEqual([]);
    expect((await runCompile({ cwd: clone.dir, outDir: path.join(clone.dir, 'out-dist') })).ok).toBe(true);
    expect(await runSync({ cwd: clone.dir, group: 'production', dryRun: true, env: {} })).toMatchObject({ kind: 'dry-run', ok: true });
    expect((await runDiff({ cwd: clone.dir, from: 'HEAD~1', to: 'HEAD' })).ok).toBe(true);
    expect((await runStatus({ cwd: clone.dir })).versions.missingTags).toBeNull();
    expect((await runHistory({ cwd: clone.dir, service: 'petstore' })).versions).toHaveLength(2);
    expect(clone.git('rev-list', '--objects', '--missing=print', '--all')).not.toContain(`?${blob}`);
  });

  it('when the remote cannot be reached: the blob, the template it holds, the pin that needs it, and the fetch that failed', async () => {
    const origin = example();
    const clone = track(cloneRepo(origin, { filter: 'blob:none' }));
    clone.git('remote', 'set-url', 'origin', `file://${path.join(clone.dir, 'no-such-remote')}`);
    const blob = origin.revParse(`petstore/v1.0.0:${TEMPLATE}`);
    for (const [command, diagnostics] of Object.entries(await compileFindings(clone.dir))) {
      expect(diagnostics, command).toMatchObject([
        {
          code: 'TW1016',
          file: PRODUCTION,
          line: 5,
          message: `git blob ${blob} is missing from this clone (needed for the template ${TEMPLATE} at tag petstore/v1.0.0)`,
          hint: expect.stringMatching(/^This is a partial clone \(`--filter=blob:none`\) whose missing objects git fetches from `origin` when they are needed; fetching it failed \(.*\)\. Make sure `origin` can be reached/),
        },
      ]);
    }
    const run = tagway(clone.dir, 'sync', '--group', 'production', '--dry-run');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`git blob ${blob} is missing from this clone`);
    expect(run.stderr).not.toMatch(/internal error|    at /);
  });
});

describe('a repository that lost a template blob', () => {
  it.each([true, false])('reports it at the pin that needs it (compile cache: %s)', async (cache) => {
    const repo = example();
    const blob = repo.revParse(`petstore/v1.0.0:${TEMPLATE}`);
    deleteLooseObject(repo, blob);
    const findings = await compileFindings(repo.dir, { cache });
    for (const [command, diagnostics] of Object.entries(findings)) {
      expect(diagnostics, command).toMatchObject([
        {
          code: 'TW1016',
          file: PRODUCTION,
          line: 5,
          column: 13,
          message: `git blob ${blob} is missing from this clone (needed for the template ${TEMPLATE} at tag petstore/v1.0.0)`,
          hint: expect.stringContaining('`git fsck`'),
        },
      ]);
    }
  });

  it('reports it at the file when the revision compiled holds it, and on the command line', async () => {
    const repo = example();
    const blob = repo.revParse(`petstore/v1.0.0:${TEMPLATE}`);
    deleteLooseObject(repo, blob);
    const { diagnostics } = await runValidate({ cwd: repo.dir, rev: 'petstore/v1.0.0' });
    expect(diagnostics).toContainEqual(expect.objectContaining({ code: 'TW1016', file: TEMPLATE, line: 1, revision: 'petstore/v1.0.0' }));
    const run = tagway(repo.dir, 'validate', '--format', 'json');
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject([{ code: 'TW1016', file: PRODUCTION, line: 5 }]);
  });

  it('history cuts the history of group.yaml where an old version of it is lost, and shows the rest', async () => {
    const repo = example();
    const before = repo.revParse(`HEAD:${PRODUCTION}`);
    repo.write(PRODUCTION, repo.read(PRODUCTION).replace('petstore: 1.0.0', 'petstore: 1.1.0'));
    const changed = repo.commit('production: petstore 1.1.0');
    deleteLooseObject(repo, before);
    const history = await runHistory({ cwd: repo.dir, service: 'petstore', group: 'production' });
    expect(history.groups[0]).toMatchObject({
      truncated: true,
      cut: { kind: 'missing-object', commit: repo.revParse('HEAD~2'), message: expect.stringContaining(`git blob ${before} is missing from this clone`) },
      timeline: [{ commit: changed, to: { pin: '1.1.0' } }],
    });
    const run = tagway(repo.dir, 'history', 'petstore');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`… git blob ${before} is missing from this clone`);
    expect((await runStatus({ cwd: repo.dir })).ok).toBe(true);
  });
});

describe('a repository that lost a tag object', () => {
  it('reports the pin whose tag cannot be read (TW1016), not a version that does not exist', async () => {
    const repo = example();
    const object = repo.revParse('refs/tags/petstore/v1.0.0');
    deleteLooseObject(repo, object);
    const { diagnostics } = await runValidate({ cwd: repo.dir });
    expect(diagnostics).toMatchObject([
      {
        code: 'TW1016',
        file: PRODUCTION,
        line: 5,
        message: `tag petstore/v1.0.0, which \`1.0.0\` selects, cannot be read: git object ${object} is missing from this clone (needed for tag petstore/v1.0.0)`,
        hint: expect.stringContaining('`git fsck`'),
      },
    ]);
  });
});

describe('a repository that lost a tree', () => {
  it('reports the missing tree at the pin, not as a tag without a template (TW3015)', async () => {
    const repo = example();
    const tree = repo.revParse('petstore/v1.0.0:services/petstore');
    deleteLooseObject(repo, tree);
    for (const [command, diagnostics] of Object.entries(await compileFindings(repo.dir))) {
      expect(diagnostics, command).toMatchObject([
        { code: 'TW1016', file: PRODUCTION, line: 5, message: expect.stringMatching(new RegExp(`^git tree ${tree} is missing from this clone \\(needed for the folder services/petstore at commit [0-9a-f]{40}, for the template ${TEMPLATE} at tag petstore/v1\\.0\\.0\\)$`)) },
      ]);
    }
    const status = await runStatus({ cwd: repo.dir });
    expect(status.ok).toBe(true);
  });

  it('compile --rev of a revision whose files cannot be listed is a user error (exit 2) naming the tree', () => {
    const repo = example();
    const tree = repo.revParse('petstore/v1.0.0:services/petstore');
    deleteLooseObject(repo, tree);
    const run = tagway(repo.dir, 'compile', '--rev', 'petstore/v1.0.0');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^error: git tree ${tree} is missing from this clone \\(needed for the folder services/petstore at commit [0-9a-f]{40}, for the configuration at petstore/v1\\.0\\.0\\)\\n  hint: .*\`git fsck\``));
    expect(run.stderr).not.toMatch(/internal error|    at /);
  });

  it('status names the tree it cannot read when the latest version lost it, and goes on', async () => {
    const repo = example();
    const tree = repo.revParse('petstore/v1.1.0:services');
    repo.write(TEMPLATE, `${repo.read(TEMPLATE)}# next\n`);
    repo.commit('petstore: work after 1.1.0');
    deleteLooseObject(repo, tree);
    const status = await runStatus({ cwd: repo.dir });
    expect(status.versions.services.find((s) => s.service === 'petstore')).toMatchObject({
      template: 'unknown',
      missing: { message: `git tree ${tree} is missing from this clone (needed for the folder services/petstore at tag petstore/v1.1.0)` },
    });
    expect(status.versions.services.find((s) => s.service === 'orders')).toMatchObject({ template: 'published' });
    const run = tagway(repo.dir, 'status');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('petstore: latest 1.1.0; template state unknown');
    expect(run.stdout).toContain(`git tree ${tree} is missing from this clone`);
  });
});
