/**
 * `--dry-run` of publish, promote and rollback: everything is checked and planned as for a real
 * run, what would be made is reported (tags: name, commit, message; commits: message, files and
 * their pointer lines before and after), and nothing is written: refs, index, work tree and
 * object store stay as they were. A real run afterwards makes what the dry run showed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPromote } from '../src/app/promote.js';
import { runPublish } from '../src/app/publish.js';
import { runRollback } from '../src/app/rollback.js';
import { addPetstoreRoute, repoState, runVersionCli, versionRepos, type VersionRepo } from './support/version-repo.js';

const STAGING = 'gateway-groups/staging/group.yaml';
const PRODUCTION = 'gateway-groups/production/group.yaml';

const setup = versionRepos();

/** repoState, plus the index's bytes and every object in the store. */
function everything(r: VersionRepo): unknown {
  return {
    state: repoState(r.repo),
    index: fs.readFileSync(path.join(r.repo.dir, '.git/index')).toString('base64'),
    objects: r.repo.git('cat-file', '--batch-all-objects', '--batch-check'),
  };
}

describe('--dry-run makes nothing and says what it would make', () => {
  it('publish: the tag, and the commit with the pointer lines before and after', async () => {
    const r = setup();
    addPetstoreRoute(r.repo, 'adopt', '/adopt');
    const head = r.repo.revParse('HEAD');
    const before = everything(r);
    const dry = await runPublish({ ...r.base, service: 'petstore', version: '1.2.0', groups: ['production'], dryRun: true });
    expect(everything(r)).toEqual(before);
    expect(dry.ok).toBe(true);
    if (!dry.ok) return;
    expect(dry.dryRun).toBe(true);
    expect(dry.tags).toEqual([{ name: 'petstore/v1.2.0', service: 'petstore', version: '1.2.0', commit: head, object: null, message: expect.stringMatching(/^petstore 1\.2\.0\n\nChanges since 1\.1\.0:\n- route added: adopt/) }]);
    expect(dry.commits).toEqual([
      {
        message: 'publish petstore 1.2.0 to production',
        commit: null,
        files: [
          {
            path: PRODUCTION,
            lines: [
              { op: '-', text: '  petstore: 1.0.0' },
              { op: '+', text: '  petstore: 1.2.0' },
              { op: '+', text: '# Written by tagway: the tag each pin resolved to. validate reports a tag moved since (TW3016).' },
              { op: '+', text: 'locks:' },
              { op: '+', text: '  petstore: { version: 1.2.0, object: <object of the new tag> }' },
            ],
          },
        ],
      },
    ]);
    expect(dry.groups).toEqual([{ group: 'production', service: 'petstore', from: { pin: '1.0.0', version: '1.0.0' }, to: { pin: '1.2.0', version: '1.2.0' }, commit: null, message: 'publish petstore 1.2.0 to production' }]);

    // The real run makes what the dry run showed.
    const real = await runPublish({ ...r.base, service: 'petstore', version: '1.2.0', groups: ['production'] });
    expect(real.ok && real.commits.map((c) => [c.message, c.files])).toEqual(
      dry.commits.map((c) => [c.message, c.files.map((f) => ({ ...f, lines: f.lines.map((l) => ({ ...l, text: l.text.replace('<object of the new tag>', r.repo.revParse('refs/tags/petstore/v1.2.0')) })) }))]),
    );
    expect(real.ok && real.tags[0]!.message).toBe(dry.tags[0]!.message);
  });

  it('publish without a group: only the tag', async () => {
    const r = setup();
    addPetstoreRoute(r.repo, 'adopt', '/adopt');
    const before = everything(r);
    const dry = await runPublish({ ...r.base, service: 'petstore', version: '1.2.0', dryRun: true });
    expect(everything(r)).toEqual(before);
    expect(dry.ok && [dry.tags.map((t) => t.name), dry.commits]).toEqual([['petstore/v1.2.0'], []]);
  });

  it('publish refuses in a dry run what it refuses for real, and reports findings the same', async () => {
    const r = setup();
    await expect(runPublish({ ...r.base, service: 'petstore', version: '1.1.0', dryRun: true })).rejects.toThrow(/already exists/);
    addPetstoreRoute(r.repo, 'list-pets-again', '/pets');
    const before = everything(r);
    const dry = await runPublish({ ...r.base, service: 'petstore', version: '1.2.0', groups: ['production'], dryRun: true });
    expect(dry.ok).toBe(false);
    expect(dry.diagnostics.map((d) => d.code)).toContain('TW3009');
    expect(everything(r)).toEqual(before);
  });

  it('promote: the commit with its lines', async () => {
    const r = setup();
    const before = everything(r);
    const dry = await runPromote({ ...r.base, service: 'petstore', from: 'staging', to: 'production', dryRun: true });
    expect(everything(r)).toEqual(before);
    expect(dry.ok && dry.commits.map((c) => [c.message, c.commit, c.files.map((f) => f.path), c.files[0]!.lines.slice(0, 2)])).toEqual([
      ['promote petstore 1.1.0 from staging to production', null, [PRODUCTION], [{ op: '-', text: '  petstore: 1.0.0' }, { op: '+', text: '  petstore: 1.1.0' }]],
    ]);
  });

  it('rollback: which version, and the pointer lines', async () => {
    const r = setup();
    addPetstoreRoute(r.repo, 'adopt', '/adopt');
    expect((await runPublish({ ...r.base, service: 'petstore', version: '1.2.0', groups: ['staging'] })).ok).toBe(true);
    const before = everything(r);
    const dry = await runRollback({ ...r.base, service: 'petstore', group: 'staging', dryRun: true });
    expect(everything(r)).toEqual(before);
    expect(dry.ok && dry.move).toEqual({ group: 'staging', service: 'petstore', from: { pin: '^1.0', version: '1.2.0' }, to: { pin: '1.1.0', version: '1.1.0' }, commit: null, message: 'rollback petstore on staging from 1.2.0 to 1.1.0' });
    expect(dry.ok && dry.commits[0]!.files[0]!.lines.map((l) => `${l.op}${l.text}`)).toEqual([
      '-  petstore: ^1.0        # tracks the newest 1.x tag',
      '+  petstore: 1.1.0',
      `-  petstore: { version: 1.2.0, object: ${r.repo.revParse('refs/tags/petstore/v1.2.0')} }`,
      `+  petstore: { version: 1.1.0, object: ${r.repo.revParse('refs/tags/petstore/v1.1.0')} }`,
    ]);
  });

  it('on the command line: says it is a dry run, shows tag, message and lines, exits 0', () => {
    const r = setup();
    addPetstoreRoute(r.repo, 'adopt', '/adopt');
    const before = everything(r);
    const run = runVersionCli(r, 'publish', 'petstore', '--version', '1.2.0', '--group', 'staging', '--dry-run');
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(run.stdout).toMatch(
      /^dry run: nothing was written; this is what would be made\nwould tag petstore\/v1\.2\.0 on commit [0-9a-f]{7}, with the message:\n {4}petstore 1\.2\.0\n\n {4}Changes since 1\.1\.0:\n {4}- route added: adopt\nstaging: petstore \^1\.0 \(1\.1\.0\) → \^1\.0 \(1\.2\.0\)\n {2}would commit: publish petstore 1\.2\.0 to staging\n {4}gateway-groups\/staging\/group\.yaml\n {6}\+ # Written by tagway/,
    );
    expect(run.stdout).toContain('      +   petstore: { version: 1.2.0, object: <object of the new tag> }\n');
    expect(everything(r)).toEqual(before);
    const json = JSON.parse(runVersionCli(r, 'rollback', 'petstore', '--group', 'staging', '--dry-run', '--format', 'json').stdout);
    expect(json).toMatchObject({ ok: true, dryRun: true, move: { group: 'staging', to: { version: '1.0.0' }, commit: null }, commits: [{ commit: null, message: 'rollback petstore on staging from 1.1.0 to 1.0.0' }] });
    expect(runVersionCli(r, 'promote', 'petstore', '--from', 'staging', '--to', 'production', '--dry-run').stdout).toContain('  would commit: promote petstore 1.1.0 from staging to production\n');
    expect(everything(r)).toEqual(before);
  });
});
