/**
 * Publishing and promoting several services in one command: a tag per service, one commit per
 * group that moves every pin, and all or nothing — when one service fails validation, or a write
 * fails half-way, no tag and no commit is left.
 */
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/core/errors.js';
import { runPromote } from '../src/app/promote.js';
import { parseReleases, runPublish } from '../src/app/publish.js';
import { addPetstoreRoute, failingFs, repoState, runVersionCli, versionRepos, type VersionRepo } from './support/version-repo.js';

const STAGING = 'gateway-groups/staging/group.yaml';
const PRODUCTION = 'gateway-groups/production/group.yaml';
const ORDERS = 'services/orders/service.yaml';

const versionRepo = versionRepos();
/** The example with a new petstore route and a renamed orders route, committed. */
function setup(): VersionRepo {
  const r = versionRepo();
  addPetstoreRoute(r.repo, 'adopt', '/adopt');
  r.repo.write(ORDERS, r.repo.read(ORDERS).replace('name: cancel-order', 'name: cancel'));
  r.repo.commit('orders: rename a route');
  return r;
}

const RELEASES = [
  { service: 'petstore', version: '1.2.0' },
  { service: 'orders', version: '1.1.0' },
];

describe('publish of several services', () => {
  it('makes a tag each and one commit per group that moves every pin', async () => {
    const r = setup();
    const head = r.repo.revParse('HEAD');
    const productionBefore = r.repo.read(PRODUCTION);
    const outcome = await runPublish({ ...r.base, releases: RELEASES, groups: ['staging'] });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    for (const tag of ['orders/v1.1.0', 'petstore/v1.2.0']) {
      expect(r.repo.git('cat-file', '-t', `refs/tags/${tag}`)).toBe('tag');
      expect(r.repo.revParse(`${tag}^{commit}`)).toBe(head);
    }
    expect(r.repo.git('log', '--format=%s', `${head}..HEAD`)).toBe('publish orders 1.1.0, petstore 1.2.0 to staging');
    expect(r.repo.git('show', '--format=', '--name-only', 'HEAD')).toBe(STAGING);
    const staging = r.repo.read(STAGING);
    expect(staging).toContain('  petstore: ^1.0        # tracks the newest 1.x tag\n  orders: 1.1.0\n');
    expect(staging).toContain(`  orders: { version: 1.1.0, object: ${r.repo.revParse('refs/tags/orders/v1.1.0')} }\n`);
    expect(staging).toContain(`  petstore: { version: 1.2.0, object: ${r.repo.revParse('refs/tags/petstore/v1.2.0')} }\n`);
    expect(r.repo.read(PRODUCTION)).toBe(productionBefore);
    expect(outcome.tags.map((t) => t.name)).toEqual(['orders/v1.1.0', 'petstore/v1.2.0']);
    expect(outcome.groups.map((m) => [m.group, m.service, m.to.version, m.commit])).toEqual([
      ['staging', 'orders', '1.1.0', r.repo.revParse('HEAD')],
      ['staging', 'petstore', '1.2.0', r.repo.revParse('HEAD')],
    ]);
    expect(r.repo.git('status', '--porcelain')).toBe('');
  });

  it('with two groups: two commits, each moving both pins', async () => {
    const r = setup();
    const head = r.repo.revParse('HEAD');
    expect((await runPublish({ ...r.base, releases: RELEASES, groups: ['staging', 'production'] })).ok).toBe(true);
    expect(r.repo.git('log', '--format=%s', `${head}..HEAD`)).toBe('publish orders 1.1.0, petstore 1.2.0 to production\npublish orders 1.1.0, petstore 1.2.0 to staging');
    expect(r.repo.read(PRODUCTION)).toContain('  petstore: 1.2.0\n  orders: 1.1.0\n');
  });

  it('makes nothing when one service does not validate', async () => {
    const r = setup();
    r.repo.write(ORDERS, r.repo.read(ORDERS).replace('type: chash', 'type: chsh'));
    r.repo.commit('orders: a typo');
    const before = repoState(r.repo);
    const outcome = await runPublish({ ...r.base, releases: RELEASES, groups: ['staging'] });
    expect(outcome.ok).toBe(false);
    expect(outcome.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.file])).toEqual([['TW2003', ORDERS]]);
    expect(repoState(r.repo)).toEqual(before);
    expect(r.repo.git('tag', '-l', 'petstore/v1.2.0')).toBe('');
  });

  it('makes nothing when one version is refused', async () => {
    const r = setup();
    const before = repoState(r.repo);
    await expect(runPublish({ ...r.base, releases: [RELEASES[0]!, { service: 'orders', version: '1.0.0' }], groups: ['staging'] })).rejects.toThrow(/orders\/v1\.0\.0 already exists/);
    await expect(runPublish({ ...r.base, releases: [RELEASES[0]!, { service: 'petstore', version: '1.3.0' }] })).rejects.toThrow(/petstore is named twice/);
    expect(repoState(r.repo)).toEqual(before);
  });

  it('leaves no tag when creating the second one fails', async () => {
    const r = setup();
    const before = repoState(r.repo);
    const fs = failingFs((op, file) => op === 'open' && file.endsWith('petstore/v1.2.0.lock'));
    await expect(runPublish({ ...r.base, releases: RELEASES, groups: ['staging'], fs })).rejects.toThrow(/injected failure/);
    expect(repoState(r.repo)).toEqual(before);
  });

  it('reads <service>@<version>, and a bare <service> with --version', () => {
    expect(parseReleases(['petstore@1.2.0', 'orders'], '1.1.0')).toEqual([
      { service: 'petstore', version: '1.2.0' },
      { service: 'orders', version: '1.1.0' },
    ]);
    expect(() => parseReleases(['petstore@1.2.0', 'orders'], undefined)).toThrow(UserError);
  });

  it('on the command line', () => {
    const r = setup();
    const run = runVersionCli(r, 'publish', 'petstore@1.2.0', 'orders@1.1.0', '--group', 'staging');
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(run.stdout).toMatch(
      /^tagged orders\/v1\.1\.0 on commit [0-9a-f]{7} \(tag object [0-9a-f]{7}\)\ntagged petstore\/v1\.2\.0 on commit [0-9a-f]{7} \(tag object [0-9a-f]{7}\)\nstaging: orders 1\.0\.0 → 1\.1\.0\nstaging: petstore \^1\.0 \(1\.1\.0\) → \^1\.0 \(1\.2\.0\)\n {2}commit [0-9a-f]{7} publish orders 1\.1\.0, petstore 1\.2\.0 to staging\nnext: tagway sync --group staging \(or the agent, once it pulls this commit\) to take the gateways there\n$/,
    );
    const twice = runVersionCli(r, 'publish', 'catalog@1.1.0', 'catalog@1.2.0');
    expect(twice.status).toBe(2);
    expect(twice.stderr).toContain('error: catalog is named twice');
  });
});

describe('promote of several services', () => {
  it('moves every service in one commit and leaves the ones the target already runs', async () => {
    const r = setup();
    expect((await runPublish({ ...r.base, releases: RELEASES, groups: ['staging'] })).ok).toBe(true);
    const head = r.repo.revParse('HEAD');
    const outcome = await runPromote({ ...r.base, services: ['petstore', 'orders', 'catalog'], from: 'staging', to: 'production' });
    expect(outcome.ok && outcome.moves.map((m) => [m.service, m.from?.version, m.to.version])).toEqual([
      ['orders', '1.0.0', '1.1.0'],
      ['petstore', '1.0.0', '1.2.0'],
    ]);
    expect(r.repo.git('log', '--format=%s', `${head}..HEAD`)).toBe('promote orders 1.1.0, petstore 1.2.0 from staging to production');
    expect(r.repo.read(PRODUCTION)).toContain('  petstore: 1.2.0\n  orders: 1.1.0\n  catalog: 1.0.0\n');

    const again = runVersionCli(r, 'promote', 'petstore', 'catalog', '--from', 'staging', '--to', 'production');
    expect(again.status).toBe(0);
    expect(again.stdout).toBe('production already runs catalog 1.0.0\nproduction already runs petstore 1.2.0; nothing to commit\n');
  });

  it('refuses all when one service is not published in the source group', async () => {
    const r = setup();
    const before = repoState(r.repo);
    await expect(runPromote({ ...r.base, services: ['petstore', 'billing'], from: 'staging', to: 'production' })).rejects.toThrow(/group staging does not publish billing/);
    expect(repoState(r.repo)).toEqual(before);
  });
});
