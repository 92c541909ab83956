/**
 * `tagway history` and `tagway status` after a real publish → promote → rollback sequence, checked
 * against what `git log` and `git tag` say.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../src/core/errors.js';
import { runHistory } from '../src/app/history.js';
import { runPromote } from '../src/app/promote.js';
import { runPublish } from '../src/app/publish.js';
import { runRollback } from '../src/app/rollback.js';
import { runStatus } from '../src/app/status.js';
import { addPetstoreRoute, makeVersionRepo, type VersionRepo } from './support/version-repo.js';

const open: VersionRepo[] = [];
afterEach(() => {
  for (const r of open.splice(0)) r.cleanup();
});

/** petstore 1.2.0 published to staging (range kept), promoted to production, production rolled back. */
async function lifecycle(): Promise<VersionRepo> {
  const r = makeVersionRepo();
  open.push(r);
  addPetstoreRoute(r.repo, 'adopt', '/adopt');
  expect((await runPublish({ ...r.base, service: 'petstore', version: '1.2.0', groups: ['staging'] })).ok).toBe(true);
  expect((await runPromote({ ...r.base, service: 'petstore', from: 'staging', to: 'production' })).ok).toBe(true);
  expect((await runRollback({ ...r.base, service: 'petstore', group: 'production' })).ok).toBe(true);
  return r;
}

describe('history', () => {
  it('lists every version, where each runs now, and each group\'s pointer changes as git log shows them', async () => {
    const { repo } = await lifecycle();
    const report = await runHistory({ cwd: repo.dir, service: 'petstore' });

    expect(report.versions.map((v) => [v.version, v.tag, v.annotated, v.runningIn, v.message.split('\n')[0]])).toEqual([
      ['1.2.0', 'petstore/v1.2.0', true, ['staging'], 'petstore 1.2.0'],
      ['1.1.0', 'petstore/v1.1.0', true, [], 'petstore 1.1.0'],
      ['1.0.0', 'petstore/v1.0.0', true, ['production'], 'petstore 1.0.0'],
    ]);
    for (const v of report.versions) {
      expect(v.commit).toBe(repo.revParse(`${v.tag}^{commit}`));
      expect(v.object).toBe(repo.revParse(`refs/tags/${v.tag}`));
    }
    expect(report.versions[0]!.by).toEqual({ name: 'Ada Operator', email: 'ada@example.com', date: expect.stringMatching(/^2024-02-01T/) });
    expect(report.versions[2]!.by).toMatchObject({ name: 'Tagway Test', date: repo.git('for-each-ref', '--format=%(taggerdate:iso-strict)', 'refs/tags/petstore/v1.0.0') });

    const production = report.groups.find((g) => g.group === 'production')!;
    expect(production.now).toEqual({ pin: '1.0.0', version: '1.0.0', tag: 'petstore/v1.0.0' });
    expect(production.timeline.map((e) => e.commit)).toEqual(repo.git('log', '--reverse', '--format=%H', '--', 'gateway-groups/production/group.yaml').split('\n'));
    expect(production.timeline.map((e) => [e.from, e.to, e.author.name, e.message])).toEqual([
      [null, { pin: '1.0.0', version: '1.0.0' }, 'Tagway Test', 'example configuration'],
      [{ pin: '1.0.0', version: '1.0.0' }, { pin: '1.2.0', version: '1.2.0' }, 'Ada Operator', 'promote petstore 1.2.0 from staging to production'],
      [{ pin: '1.2.0', version: '1.2.0' }, { pin: '1.0.0', version: '1.0.0' }, 'Ada Operator', 'rollback petstore on production from 1.2.0 to 1.0.0'],
    ]);
    const staging = report.groups.find((g) => g.group === 'staging')!;
    expect(staging.now).toEqual({ pin: '^1.0', version: '1.2.0', tag: 'petstore/v1.2.0' });
    // The example's first commit came before any tag, so ^1.0 selected nothing then; by the
    // publish it had moved on to 1.1.0 (tags made in between), as git's dates say.
    expect(staging.timeline.map((e) => [e.from, e.to])).toEqual([
      [null, { pin: '^1.0', version: null }],
      [{ pin: '^1.0', version: '1.1.0' }, { pin: '^1.0', version: '1.2.0' }],
    ]);
    expect(Number(repo.git('log', '-1', '--format=%ct', repo.git('rev-list', '--max-parents=0', 'HEAD')))).toBeLessThan(
      Number(repo.git('for-each-ref', '--format=%(taggerdate:unix)', 'refs/tags/petstore/v1.0.0')),
    );
  });

  it('shows what a range resolves to now, after a tag pushed with git', async () => {
    const { repo } = await lifecycle();
    addPetstoreRoute(repo, 'more', '/more');
    repo.tag('petstore/v1.3.0', { message: 'petstore 1.3.0' });
    const report = await runHistory({ cwd: repo.dir, service: 'petstore', group: 'staging' });
    expect(report.groups.map((g) => [g.group, g.now])).toEqual([['staging', { pin: '^1.0', version: '1.3.0', tag: 'petstore/v1.3.0' }]]);
    expect(report.versions[0]).toMatchObject({ version: '1.3.0', runningIn: ['staging'] });
  });

  it('shows what a range selected at each pointer change, resolved against the tags that existed then', async () => {
    const r = makeVersionRepo();
    open.push(r);
    const { repo } = r;
    // Pin ^1.0 again by hand once 1.0.0 and 1.1.0 exist, with no record: it selected 1.1.0 then.
    repo.write('gateway-groups/staging/group.yaml', repo.read('gateway-groups/staging/group.yaml').replace('petstore: ^1.0 ', 'petstore: ~1.0 '));
    repo.commit('staging: petstore ~1.0');
    repo.write('gateway-groups/staging/group.yaml', repo.read('gateway-groups/staging/group.yaml').replace('petstore: ~1.0 ', 'petstore: ^1.0 '));
    repo.commit('staging: petstore ^1.0');
    addPetstoreRoute(repo, 'more', '/more');
    repo.tag('petstore/v1.2.0', { message: 'petstore 1.2.0' });
    const report = await runHistory({ cwd: repo.dir, service: 'petstore', group: 'staging' });
    expect(report.groups[0]!.timeline.map((e) => [e.message, e.from, e.to])).toEqual([
      ['example configuration', null, { pin: '^1.0', version: null }],
      ['staging: petstore ~1.0', { pin: '^1.0', version: '1.1.0' }, { pin: '~1.0', version: '1.0.0' }],
      ['staging: petstore ^1.0', { pin: '~1.0', version: '1.0.0' }, { pin: '^1.0', version: '1.1.0' }],
    ]);
    expect(report.groups[0]!.now).toEqual({ pin: '^1.0', version: '1.2.0', tag: 'petstore/v1.2.0' });
  });

  it('refuses an unknown group or service', async () => {
    const { repo } = await lifecycle();
    await expect(runHistory({ cwd: repo.dir, service: 'petstore', group: 'qa' })).rejects.toThrow(/no gateway group `qa`/);
    await expect(runHistory({ cwd: repo.dir, service: 'billing' })).rejects.toBeInstanceOf(UserError);
  });
});

describe('status', () => {
  it('gives each service\'s latest version, template state, and what each group runs', async () => {
    const { repo } = await lifecycle();
    const report = await runStatus({ cwd: repo.dir });
    expect(report.ok).toBe(true);
    const petstore = report.versions.services.find((s) => s.service === 'petstore')!;
    expect(petstore).toEqual({
      service: 'petstore',
      latest: { version: '1.2.0', tag: 'petstore/v1.2.0' },
      prerelease: null,
      template: 'published',
      uncommitted: false,
      groups: [
        { group: 'production', pin: '1.0.0', version: '1.0.0', tag: 'petstore/v1.0.0', behind: true, recorded: true },
        { group: 'staging', pin: '^1.0', version: '1.2.0', tag: 'petstore/v1.2.0', behind: false, recorded: true },
      ],
    });
    expect(report.versions.services.map((s) => [s.service, s.template])).toEqual([
      ['catalog', 'published'],
      ['orders', 'published'],
      ['petstore', 'published'],
    ]);
  });

  it('marks as unrecorded a pin whose version group.yaml does not record, until tagway writes it', async () => {
    const r = makeVersionRepo();
    open.push(r);
    const { repo, base } = r;
    const recorded = async () =>
      (await runStatus({ cwd: repo.dir })).versions.services.flatMap((s) => s.groups.map((g) => `${s.service}@${g.group}:${g.version}:${g.recorded}`));
    // The example's pins were written by hand: none is recorded.
    expect(await recorded()).toEqual([
      'catalog@production:1.0.0:false',
      'catalog@staging:1.0.0:false',
      'orders@production:1.0.0:false',
      'orders@staging:1.0.0:false',
      'petstore@production:1.0.0:false',
      'petstore@staging:1.1.0:false',
    ]);
    await runPromote({ ...base, service: 'petstore', from: 'staging', to: 'production' });
    expect(repo.git('show', 'HEAD:gateway-groups/production/group.yaml')).toContain(`petstore: { version: 1.1.0, object: ${repo.revParse('refs/tags/petstore/v1.1.0')} }`);
    expect((await recorded()).filter((g) => g.startsWith('petstore'))).toEqual(['petstore@production:1.1.0:true', 'petstore@staging:1.1.0:false']);
    addPetstoreRoute(repo, 'adopt', '/adopt');
    await runPublish({ ...base, service: 'petstore', version: '1.2.0', groups: ['staging'] });
    expect((await recorded()).filter((g) => g.startsWith('petstore'))).toEqual(['petstore@production:1.1.0:true', 'petstore@staging:1.2.0:true']);
    // A tag made with git moves the range on, past its record.
    addPetstoreRoute(repo, 'more', '/more');
    repo.tag('petstore/v1.3.0', { message: 'petstore 1.3.0' });
    expect((await recorded()).filter((g) => g.startsWith('petstore'))).toEqual(['petstore@production:1.1.0:true', 'petstore@staging:1.3.0:false']);
  });

  it('says when the template changed since the latest version, committed or not', async () => {
    const { repo } = await lifecycle();
    addPetstoreRoute(repo, 'more', '/more');
    repo.write('services/orders/service.yaml', `${repo.read('services/orders/service.yaml')}# edited\n`);
    const services = (await runStatus({ cwd: repo.dir })).versions.services;
    expect(services.find((s) => s.service === 'petstore')).toMatchObject({ template: 'changed', uncommitted: false });
    expect(services.find((s) => s.service === 'orders')).toMatchObject({ template: 'published', uncommitted: true });
  });

  it('counts an uncommitted shared file as every including group\'s', async () => {
    const { repo } = await lifecycle();
    const staging = 'gateway-groups/staging/group.yaml';
    repo.write(staging, repo.read(staging).replace('  - consumers/petstore-mobile\n', '  - consumers/petstore-mobile\n  - consumers/kiosk\n'));
    repo.commit('staging includes the kiosk');
    const kiosk = 'gateway-groups/_shared/consumers/kiosk.yaml';
    repo.write(kiosk, 'plugins: {}\n');
    const uncommitted = async (groups?: string[]) => (await runStatus({ cwd: repo.dir, ...(groups ? { groups } : {}) })).versions.uncommitted;
    expect(await uncommitted()).toEqual([kiosk]);
    expect(await uncommitted(['staging'])).toEqual([kiosk]);
    expect(await uncommitted(['production'])).toEqual([]);
  });

  it('lists pre-releases apart, and shows unpublished services', async () => {
    const { repo } = await lifecycle();
    repo.write('services/billing/service.yaml', 'name: billing\nroutes: []\n');
    repo.commit('billing template');
    repo.tag('petstore/v1.3.0-rc.1', { message: 'rc' });
    const services = (await runStatus({ cwd: repo.dir })).versions.services;
    expect(services.find((s) => s.service === 'billing')).toMatchObject({ latest: null, template: 'unpublished', groups: [] });
    expect(services.find((s) => s.service === 'petstore')).toMatchObject({ latest: { version: '1.2.0' }, prerelease: { version: '1.3.0-rc.1' } });
  });

  it('keeps to the groups asked for', async () => {
    const { repo } = await lifecycle();
    const services = (await runStatus({ cwd: repo.dir, groups: ['production'] })).versions.services;
    expect(services.map((s) => [s.service, s.groups.map((g) => g.group)])).toEqual([
      ['catalog', ['production']],
      ['orders', ['production']],
      ['petstore', ['production']],
    ]);
    await expect(runStatus({ cwd: repo.dir, groups: ['qa'] })).rejects.toThrow(/no gateway group `qa`/);
  });
});
