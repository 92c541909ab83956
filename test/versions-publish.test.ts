/**
 * `tagway publish` on real repositories: the tag and commits it makes, as the git CLI sees them;
 * what it refuses; and that a refusal or a failure half-way leaves the repository as it was.
 */
import { describe, expect, it } from 'vitest';
import { runCompile, runValidate } from '../src/app/compile.js';
import { UserError } from '../src/core/errors.js';
import { runPublish } from '../src/app/publish.js';
import { listVersionTags, openRepo } from '../src/git/index.js';
import { addPetstoreRoute, failingFs, OPERATOR, repoState, versionRepos, type VersionRepo } from './support/version-repo.js';

const setup = versionRepos();

const STAGING = 'gateway-groups/staging/group.yaml';
const PRODUCTION = 'gateway-groups/production/group.yaml';
const TEMPLATE = 'services/petstore/service.yaml';

describe('publish', () => {
  it('tags HEAD with an annotated tag whose generated message says what changed since the previous version', async () => {
    const { repo, base } = setup();
    const template = repo.read(TEMPLATE);
    repo.write(TEMPLATE, template.replace(/plugins:\n  cors:\n.*\n.*\n/, '').replace('    uris: [/pets]\n    methods: [GET]', '    uris: [/pets]\n    methods: [GET, HEAD]'));
    repo.commit('petstore: drop cors, HEAD on list-pets');
    addPetstoreRoute(repo, 'adopt', '/adopt');
    const head = repo.revParse('HEAD');

    const outcome = await runPublish({ ...base, service: 'petstore', version: '1.2.0' });

    expect(outcome.ok).toBe(true);
    expect(repo.git('cat-file', '-t', 'refs/tags/petstore/v1.2.0')).toBe('tag');
    expect(repo.revParse('petstore/v1.2.0^{commit}')).toBe(head);
    expect(repo.revParse('HEAD')).toBe(head); // no group: no commit
    expect(repo.git('tag', '-n20', '-l', 'petstore/v1.2.0')).toBe(
      [
        'petstore/v1.2.0 petstore 1.2.0',
        '    ',
        '    Changes since 1.1.0:',
        '    - route added: adopt',
        '    - route changed: list-pets (methods)',
        '    - plugin removed: cors',
      ].join('\n'),
    );
    expect(repo.git('for-each-ref', '--format=%(taggername) %(taggeremail) %(taggerdate:iso-strict)', 'refs/tags/petstore/v1.2.0')).toMatch(
      /^Ada Operator <ada@example\.com> 2024-02-01T/,
    );
    expect(repo.git('show', '--no-patch', '--format=%H', 'petstore/v1.2.0').split('\n').at(-1)).toBe(head);
    const tags = await listVersionTags(await openRepo(repo.dir));
    expect(tags.find((t) => t.tag === 'petstore/v1.2.0')).toMatchObject({ annotated: true, commit: head, object: repo.revParse('refs/tags/petstore/v1.2.0') });
  });

  it('uses the message given with -m', async () => {
    const { repo, base } = setup();
    addPetstoreRoute(repo, 'adopt', '/adopt');
    await runPublish({ ...base, service: 'petstore', version: '1.2.0', message: 'petstore 1.2.0: adoption' });
    expect(repo.git('tag', '-n9', '-l', 'petstore/v1.2.0')).toBe('petstore/v1.2.0 petstore 1.2.0: adoption');
  });

  it('points each --group at the new version in a commit of its own, keeping the file as written', async () => {
    const { repo, base } = setup();
    addPetstoreRoute(repo, 'adopt', '/adopt');
    const head = repo.revParse('HEAD');
    const stagingBefore = repo.read(STAGING);

    const outcome = await runPublish({ ...base, service: 'petstore', version: '1.2.0', groups: ['staging', 'production'] });

    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(repo.git('log', '--format=%s|%an <%ae>', `${head}..HEAD`)).toBe(
      'publish petstore 1.2.0 to production|Ada Operator <ada@example.com>\npublish petstore 1.2.0 to staging|Ada Operator <ada@example.com>',
    );
    expect(repo.git('log', '--format=%s', '-1', '--', STAGING)).toBe('publish petstore 1.2.0 to staging');
    expect(repo.git('show', '--format=', '--name-only', 'HEAD~1')).toBe(STAGING);
    expect(repo.git('show', '--format=', '--name-only', 'HEAD')).toBe(PRODUCTION);
    expect(repo.git('status', '--porcelain')).toBe('');

    const object = repo.revParse('refs/tags/petstore/v1.2.0');
    // staging tracks ^1.0, which now selects 1.2.0: the range stays, the record is added; every
    // other line, comments included, is as it was.
    const staging = repo.read(STAGING);
    expect(staging).toContain('  petstore: ^1.0        # tracks the newest 1.x tag\n');
    expect(staging).toContain(`locks:\n  petstore: { version: 1.2.0, object: ${object} }\n`);
    expect(staging.split('\n').filter((line) => !stagingBefore.split('\n').includes(line))).toHaveLength(3);
    expect(repo.git('diff', '--numstat', 'HEAD~2', 'HEAD~1')).toBe(`3\t0\t${STAGING}`);
    // production pins 1.0.0 exactly: the pin changes.
    expect(repo.git('diff', '--unified=0', 'HEAD~1', 'HEAD', '--', PRODUCTION).split('\n').filter((l) => /^[-+] /.test(l) || /^[-+][a-z#]/.test(l))).toEqual([
      '-  petstore: 1.0.0',
      '+  petstore: 1.2.0',
      '+# Written by tagway: the tag each pin resolved to. validate reports a tag moved since (TW3016).',
      '+locks:',
      `+  petstore: { version: 1.2.0, object: ${object} }`,
    ]);
    expect(outcome.groups.map((g) => [g.group, g.from, g.to])).toEqual([
      ['staging', { pin: '^1.0', version: '1.1.0' }, { pin: '^1.0', version: '1.2.0' }],
      ['production', { pin: '1.0.0', version: '1.0.0' }, { pin: '1.2.0', version: '1.2.0' }],
    ]);

    expect((await runValidate({ cwd: repo.dir })).ok).toBe(true);
    const compiled = await runCompile({ cwd: repo.dir, groups: ['production'] });
    expect(compiled.snapshots[0]!.provenance.services.find((s) => s.name === 'petstore')).toMatchObject({ version: '1.2.0', tag: 'petstore/v1.2.0' });
  });

  it('records the commit as the integrity object of a lightweight tag made with the git CLI', async () => {
    const { repo, base } = setup();
    repo.tag('orders/v1.1.0');
    repo.write('services/orders/service.yaml', repo.read('services/orders/service.yaml').replace('name: cancel-order', 'name: cancel'));
    repo.commit('orders: rename a route');
    const outcome = await runPublish({ ...base, service: 'orders', version: '1.2.0' });
    expect(outcome.ok && outcome.tags[0]!.message).toBe('orders 1.2.0\n\nChanges since 1.1.0:\n- route added: cancel\n- route removed: cancel-order\n');
  });

  describe('refuses, and changes nothing', () => {
    const cases: { name: string; prepare?: (r: VersionRepo) => void; options: Record<string, unknown>; error: RegExp }[] = [
      { name: 'an existing version', options: { version: '1.1.0' }, error: /petstore\/v1\.1\.0 already exists; versions are unique and immutable/ },
      { name: 'a version not greater than the newest', options: { version: '1.0.5' }, error: /1\.0\.5 is not greater than petstore's newest version 1\.1\.0/ },
      { name: 'a version with a v', options: { version: 'v1.2.0' }, error: /`v1\.2\.0` is not a version/ },
      { name: 'build metadata', options: { version: '1.2.0+build.1' }, error: /is not a version/ },
      {
        name: 'uncommitted changes to the template',
        prepare: ({ repo }) => repo.write(TEMPLATE, `${repo.read(TEMPLATE)}# edited\n`),
        options: {},
        error: /services\/petstore\/service\.yaml has uncommitted changes/,
      },
      {
        name: 'an untracked file in the template folder',
        prepare: ({ repo }) => repo.write('services/petstore/notes.yaml', 'x: 1\n'),
        options: {},
        error: /services\/petstore\/notes\.yaml has uncommitted changes/,
      },
      {
        name: 'uncommitted changes to a group.yaml it would commit',
        prepare: ({ repo }) => repo.write(STAGING, `${repo.read(STAGING)}# edited\n`),
        options: { groups: ['staging'] },
        error: /gateway-groups\/staging\/group\.yaml has uncommitted changes/,
      },
      { name: 'an unknown group', options: { groups: ['qa'] }, error: /there is no gateway group `qa` at HEAD/ },
      { name: 'an unknown service', options: { service: 'billing' }, error: /there is no service billing: services\/billing\/service\.yaml does not exist/ },
      {
        name: 'a new service whose template is not committed yet',
        prepare: ({ repo }) => repo.write('services/billing/service.yaml', 'name: billing\n'),
        options: { service: 'billing' },
        error: /services\/billing\/service\.yaml is not committed at HEAD/,
      },
      { name: 'a malformed --author', options: { author: 'ada@example.com' }, error: /--author must be "Name <email>"/ },
      {
        name: 'a detached HEAD when groups are to be changed',
        prepare: ({ repo }) => repo.git('checkout', '-q', '--detach'),
        options: { groups: ['staging'] },
        error: /HEAD is detached/,
      },
    ];
    it.each(cases)('$name', async (c) => {
      const r = setup();
      addPetstoreRoute(r.repo, 'adopt', '/adopt');
      c.prepare?.(r);
      const before = repoState(r.repo);
      const error = await runPublish({ ...r.base, service: 'petstore', version: '1.2.0', ...c.options }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(c.error);
      expect(repoState(r.repo)).toEqual(before);
    });

    it('a missing git identity, without making one up', async () => {
      const r = setup({ identity: false });
      addPetstoreRoute(r.repo, 'adopt', '/adopt');
      const before = repoState(r.repo);
      const error = await runPublish({ ...r.base, service: 'petstore', version: '1.2.0', groups: ['staging'] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toBe('no git identity is configured: user.name and user.email are not set');
      expect((error as UserError).hint).toMatch(/git config user\.name/);
      expect(repoState(r.repo)).toEqual(before);
    });
  });

  it('publishes a lower version with --allow-lower', async () => {
    const { repo, base } = setup();
    const outcome = await runPublish({ ...base, service: 'petstore', version: '1.0.1', allowLower: true });
    expect(outcome.ok).toBe(true);
    expect(repo.git('tag', '-n1', '-l', 'petstore/v1.0.1')).toBe('petstore/v1.0.1 petstore 1.0.1');
    expect(outcome.ok && outcome.tags[0]!.message).toMatch(/Changes since 1\.0\.0:\n- route added: pet-photos/);
  });

  it('tags a detached HEAD when no group is to be changed', async () => {
    const { repo, base } = setup();
    addPetstoreRoute(repo, 'adopt', '/adopt');
    repo.git('checkout', '-q', '--detach');
    expect((await runPublish({ ...base, service: 'petstore', version: '1.2.0' })).ok).toBe(true);
    expect(repo.revParse('petstore/v1.2.0^{commit}')).toBe(repo.revParse('HEAD'));
  });

  it('uses --author for the commits and the configured identity as committer and tagger', async () => {
    const { repo, base } = setup();
    addPetstoreRoute(repo, 'adopt', '/adopt');
    await runPublish({ ...base, service: 'petstore', version: '1.2.0', groups: ['staging'], author: 'Grace Hopper <grace@example.com>' });
    expect(repo.git('log', '-1', '--format=%an <%ae>|%cn <%ce>')).toBe(`Grace Hopper <grace@example.com>|${OPERATOR.name} <${OPERATOR.email}>`);
    expect(repo.git('for-each-ref', '--format=%(taggername)', 'refs/tags/petstore/v1.2.0')).toBe(OPERATOR.name);
  });

  it('uses --author for everything when no identity is configured', async () => {
    const { repo, base } = setup({ identity: false });
    addPetstoreRoute(repo, 'adopt', '/adopt');
    await runPublish({ ...base, service: 'petstore', version: '1.2.0', groups: ['staging'], author: 'Grace Hopper <grace@example.com>' });
    expect(repo.git('log', '-1', '--format=%an|%cn')).toBe('Grace Hopper|Grace Hopper');
  });

  describe('refuses an invalid result with findings, and writes nothing', () => {
    it('a template that does not pass its schema', async () => {
      const { repo, base } = setup();
      repo.write(TEMPLATE, repo.read(TEMPLATE).replace('type: roundrobin', 'type: roundrobn'));
      repo.commit('typo');
      const before = repoState(repo);
      const outcome = await runPublish({ ...base, service: 'petstore', version: '1.2.0' });
      expect(outcome.ok).toBe(false);
      expect(outcome.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.file, d.line])).toEqual([['TW2003', TEMPLATE, 13]]);
      expect(repoState(repo)).toEqual(before);
    });

    it('a version that would make a target group invalid (a route conflict in production)', async () => {
      const { repo, base } = setup();
      addPetstoreRoute(repo, 'list-pets-again', '/pets');
      const before = repoState(repo);
      const outcome = await runPublish({ ...base, service: 'petstore', version: '1.2.0', groups: ['production'] });
      expect(outcome.ok).toBe(false);
      expect(outcome.diagnostics.map((d) => d.code)).toContain('TW3009');
      expect(repoState(repo)).toEqual(before);
    });
  });

  describe('a failure half-way leaves the repository as it was: no tag without its pointer commit', () => {
    it.each([
      ['moving the branch', (op: string, f: string) => op === 'rename' && f.endsWith('refs/heads/main.lock')],
      ['writing group.yaml', (op: string, f: string) => op === 'rename' && f.includes('group.yaml.tagway-')],
      ['creating the tag', (op: string, f: string) => op === 'open' && f.endsWith('petstore/v1.2.0.lock')],
    ])('%s', async (_name, match) => {
      const { repo, base } = setup();
      addPetstoreRoute(repo, 'adopt', '/adopt');
      const before = repoState(repo);
      await expect(runPublish({ ...base, service: 'petstore', version: '1.2.0', groups: ['staging', 'production'], fs: failingFs(match) })).rejects.toThrow(
        /injected failure/,
      );
      expect(repoState(repo)).toEqual(before);
      expect(repo.git('tag', '-l', 'petstore/v1.2.0')).toBe('');
      // and the same command then succeeds
      expect((await runPublish({ ...base, service: 'petstore', version: '1.2.0', groups: ['staging', 'production'] })).ok).toBe(true);
    });
  });
});
