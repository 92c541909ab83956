/**
 * The version commands as a user runs them: `node bin/run.js <cmd>` from the build (made by
 * `npm test` before the suite runs), their help, output and exit codes.
 */
import { describe, expect, it } from 'vitest';
import { addPetstoreRoute, runVersionCli, versionRepos } from './support/version-repo.js';

const setup = versionRepos();
const tagway = runVersionCli;

describe('version commands on the command line', () => {
  it.each(['publish', 'promote', 'rollback', 'history', 'status'])('%s --help documents the command and exits 0', (command) => {
    const run = tagway(null, command, '--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`$ tagway ${command}`);
    expect(run.stdout).toContain('--format');
    expect(run.stdout).toContain('EXAMPLES');
  });

  it('publish → promote → rollback → history, with exit 0 and readable output', () => {
    const r = setup();
    addPetstoreRoute(r.repo, 'adopt', '/adopt');
    const published = tagway(r, 'publish', 'petstore', '--version', '1.2.0', '--group', 'staging');
    expect(published).toMatchObject({ status: 0, stderr: '' });
    expect(published.stdout).toMatch(/^tagged petstore\/v1\.2\.0 on commit [0-9a-f]{7} \(tag object [0-9a-f]{7}\)\nstaging: petstore \^1\.0 \(1\.1\.0\) → \^1\.0 \(1\.2\.0\)\n  commit [0-9a-f]{7} publish petstore 1\.2\.0 to staging\nnext: tagway sync --group staging \(or the agent, once it pulls this commit\) to take the gateways there\n$/);

    const promoted = tagway(r, 'promote', 'petstore', '--from', 'staging', '--to', 'production');
    expect(promoted.status).toBe(0);
    expect(promoted.stdout).toContain('production: petstore 1.0.0 → 1.2.0');

    const rolledBack = tagway(r, 'rollback', 'petstore', '--group', 'production', '--format', 'json');
    expect(rolledBack.status).toBe(0);
    expect(JSON.parse(rolledBack.stdout)).toMatchObject({ ok: true, tag: 'petstore/v1.0.0', move: { group: 'production', to: { pin: '1.0.0', version: '1.0.0' } } });
    expect(r.repo.git('log', '-1', '--format=%s')).toBe('rollback petstore on production from 1.2.0 to 1.0.0');

    const history = tagway(r, 'history', 'petstore');
    expect(history.status).toBe(0);
    expect(history.stdout).toContain('production pointer changes (oldest first):');
    expect(history.stdout).toMatch(/1\.2\.0 → 1\.0\.0\s+[0-9a-f]{7}\s+rollback petstore on production from 1\.2\.0 to 1\.0\.0/);
    const json = JSON.parse(tagway(r, 'history', 'petstore', '--format', 'json').stdout);
    expect(json.versions.map((v: { version: string }) => v.version)).toEqual(['1.2.0', '1.1.0', '1.0.0']);

    const status = tagway(r, 'status', '--format', 'json');
    expect(status.status).toBe(0);
    const services = JSON.parse(status.stdout).versions.services as { service: string; groups: unknown[] }[];
    expect(services.find((s) => s.service === 'petstore')!.groups).toEqual([
      { group: 'production', pin: '1.0.0', version: '1.0.0', tag: 'petstore/v1.0.0', behind: true, recorded: true },
      { group: 'staging', pin: '^1.0', version: '1.2.0', tag: 'petstore/v1.2.0', behind: false, recorded: true },
    ]);
    expect(services.find((s) => s.service === 'orders')!.groups).toContainEqual(expect.objectContaining({ group: 'staging', recorded: false }));
    const human = tagway(r, 'status').stdout;
    expect(human).toContain('petstore: latest 1.2.0; template published\n  production  1.0.0         behind\n');
    // Pins written by hand, never recorded by tagway.
    expect(human).toContain('orders: latest 1.0.0; template published\n  production  1.0.0  up to date  unrecorded\n  staging     1.0.0  up to date  unrecorded\n');
  });

  it('status says which config files differ from HEAD, which it reads', () => {
    const r = setup();
    const staging = 'gateway-groups/staging/group.yaml';
    r.repo.write(staging, r.repo.read(staging).replace('orders: 1.0.0', 'orders: 9.9.9'));
    const human = tagway(r, 'status');
    expect(human.status).toBe(0);
    expect(human.stdout).toContain('orders: latest 1.0.0; template published\n  production  1.0.0  up to date  unrecorded\n  staging     1.0.0  up to date  unrecorded\n');
    expect(human.stdout).toContain(`\nnot committed: this file differs from HEAD, and status reads HEAD:\n  ${staging}\nRun \`tagway validate\` to check the worktree`);
    expect(JSON.parse(tagway(r, 'status', '--format', 'json').stdout).versions.uncommitted).toEqual([staging]);
    // Another group's file is not this report's.
    expect(tagway(r, 'status', '--group', 'production').stdout).not.toContain('not committed');
    // A group-level object's file is its group's.
    const consumer = 'gateway-groups/staging/consumers/kiosk.yaml';
    r.repo.write(consumer, 'username: kiosk\n');
    expect(JSON.parse(tagway(r, 'status', '--format', 'json').stdout).versions.uncommitted).toEqual([consumer, staging]);
    expect(tagway(r, 'status', '--group', 'production').stdout).not.toContain('not committed');
    r.repo.commit('orders 9.9.9 in staging');
    expect(tagway(r, 'status').stdout).not.toContain('not committed');
  });

  it('rolls back a group that tracks a range to the version the range selected before', () => {
    const r = setup();
    addPetstoreRoute(r.repo, 'adopt', '/adopt');
    expect(tagway(r, 'publish', 'petstore', '--version', '1.2.0', '--group', 'staging').status).toBe(0);

    const history = tagway(r, 'history', 'petstore', '--group', 'staging');
    expect(history.stdout).toMatch(/\^1\.0 \(1\.1\.0\) → \^1\.0 \(1\.2\.0\)\s+[0-9a-f]{7}\s+publish petstore 1\.2\.0 to staging/);

    const refused = tagway(r, 'rollback', 'petstore', '--group', 'staging', '--to', '2.0.0');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('error: group staging never ran petstore 2.0.0 (and it has no tag)');
    expect(refused.stderr).toContain('Versions staging ran before: 1.1.0, 1.0.0.');

    const rolledBack = tagway(r, 'rollback', 'petstore', '--group', 'staging');
    expect(rolledBack).toMatchObject({ status: 0, stderr: '' });
    expect(rolledBack.stdout).toMatch(/^staging: petstore \^1\.0 \(1\.2\.0\) → 1\.1\.0\n  commit [0-9a-f]{7} rollback petstore on staging from 1\.2\.0 to 1\.1\.0\nnext: tagway sync --group staging \(or the agent, once it pulls this commit\) to take the gateways there\n$/);
    expect(r.repo.git('show', 'HEAD:gateway-groups/staging/group.yaml')).toContain('\n  petstore: 1.1.0\n');
    expect(tagway(r, 'rollback', 'petstore', '--group', 'staging', '--to', '1.0.0').status).toBe(0);
    expect(r.repo.git('log', '--format=%s', '-3')).toBe(
      'rollback petstore on staging from 1.1.0 to 1.0.0\nrollback petstore on staging from 1.2.0 to 1.1.0\npublish petstore 1.2.0 to staging',
    );
  });

  it('exits 1 with findings when the template does not validate', () => {
    const r = setup();
    r.repo.write('services/petstore/service.yaml', r.repo.read('services/petstore/service.yaml').replace('type: roundrobin', 'type: roundrobn'));
    r.repo.commit('typo');
    const run = tagway(r, 'publish', 'petstore', '--version', '1.2.0');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('[TW2003]');
    expect(run.stderr).toContain('tagway: nothing was published');
    expect(r.repo.git('tag', '-l', 'petstore/v1.2.0')).toBe('');
  });

  it.each([
    [['publish', 'petstore', '--version', '1.1.0'], /error: petstore\/v1\.1\.0 already exists/],
    [['publish', 'petstore'], /error: no version given for petstore\n  hint: Give it with --version X\.Y\.Z, or as petstore@X\.Y\.Z/],
    [['publish', 'petstore', '--version', '1.2.0', '--bogus'], /Nonexistent flag: --bogus/],
    [['rollback', 'petstore', '--group', 'production'], /error: group production has run no earlier version of petstore/],
    [['history', 'petstore', '--group', 'qa'], /error: there is no gateway group `qa`/],
  ])('exits 2 on a refusal or usage error: %j', (args, message) => {
    const r = setup();
    const run = tagway(r, ...args);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toContain('internal error');
  });

  it.each([
    [['publish', 'petstor', '--version', '1.2.0'], 'error: there is no service petstor: services/petstor/service.yaml does not exist\n  hint: Did you mean `petstore`?'],
    [['promote', 'ordres', '--from', 'staging', '--to', 'production'], 'error: group staging does not publish ordres\n  hint: Did you mean `orders`?'],
    [['rollback', 'petsore', '--group', 'production'], 'error: group production does not publish petsore\n  hint: Did you mean `petstore`?'],
    [['history', 'catalg'], 'error: there is no service `catalg`: no template, no version and no group publishes it\n  hint: Did you mean `catalog`?'],
  ])('names the service meant when a service name is mistyped: %j', (args, message) => {
    const r = setup();
    const run = tagway(r, ...args);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
    expect(r.repo.git('status', '--porcelain')).toBe('');
  });

  it('exits 2 naming the missing identity instead of making one up', () => {
    const r = setup({ identity: false });
    addPetstoreRoute(r.repo, 'adopt', '/adopt');
    const run = tagway(r, 'publish', 'petstore', '--version', '1.2.0', '--group', 'staging');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^error: no git identity is configured: user\.name and user\.email are not set\n  hint: .*--author "Name <email>"/);
    expect(r.repo.git('tag', '-l', 'petstore/v1.2.0')).toBe('');
  });
});
