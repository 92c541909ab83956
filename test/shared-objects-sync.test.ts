/**
 * A consumer written once (gateway-groups/_shared/consumers/kiosk.yaml) and included by two
 * gateway groups reaches each group's gateways with that group's ownership labels and the value
 * its secret reference has where that group's sync runs; a second sync writes nothing; a group
 * that stops including it deletes it from its gateways only; an unowned consumer of the same
 * username is refused; the diff shows a change of the shared file in every including group.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runDiff } from '../src/app/diff.js';
import { runSync, type SyncOutcome } from '../src/app/sync.js';
import { renderRollout } from '../src/cli/render/sync.js';
import { startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { synced } from './support/cli-run.js';
import { makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';
import { targetYaml } from './support/target-yaml.js';

const ADMIN = 'TAGWAY_TEST_SHARED_ADMIN';
const ADMIN_KEY = 'admin-key-shared-8c2d';
/** Each group's value of the one reference: on its gateway, never in any output. */
const VALUE = { staging: 'kiosk-staging-canary-41e9b7', production: 'kiosk-production-canary-d07c3a' } as const;
type Group = keyof typeof VALUE;
const KIOSK = 'gateway-groups/_shared/consumers/kiosk.yaml';
const PINS = { staging: '  petstore: ^1.0\n  orders: 1.0.0\n  catalog: 1.0.0\n', production: '  petstore: 1.0.0\n  orders: 1.0.0\n  catalog: 1.0.0\n' };

function groupFile(group: Group, target: string, include: boolean): string {
  return `name: ${group}\npublished:\n${PINS[group]}${include ? 'include: [consumers/kiosk]\n' : ''}targets:\n${target}`;
}

const apisixTarget = (url: string) => targetYaml('gw', 'apisix', url, ADMIN);
const fileTarget = (group: Group) => `  - name: local\n    kind: file\n    path: out/${group}/apisix.yaml\n`;

function expectNoValue(...texts: string[]): void {
  for (const text of texts) for (const value of Object.values(VALUE)) expect(text).not.toContain(value);
}

const rendered = (outcome: SyncOutcome) => (outcome.kind === 'synced' ? renderRollout(outcome.report) : '');

describe('a shared consumer synced to two groups\' gateways', () => {
  const admin = {} as Record<Group, AdminServer>;
  let repo: TempRepo;
  const sync = (group: Group) => runSync({ cwd: repo.dir, group, env: { [ADMIN]: ADMIN_KEY, TAGWAY_TEST_KIOSK_KEY: VALUE[group] }, retry: { maxAttempts: 1 } });
  const include = (group: Group, on: boolean) => repo.write(`gateway-groups/${group}/group.yaml`, groupFile(group, apisixTarget(admin[group].url), on));

  beforeAll(async () => {
    admin.staging = await startAdminServer({ apiKey: ADMIN_KEY });
    admin.production = await startAdminServer({ apiKey: ADMIN_KEY });
  });
  afterAll(async () => {
    await admin.staging.close();
    await admin.production.close();
  });
  beforeEach(() => {
    repo = makeExampleRepo({
      'gateway-groups/staging/group.yaml': groupFile('staging', apisixTarget(admin.staging.url), true),
      'gateway-groups/production/group.yaml': groupFile('production', apisixTarget(admin.production.url), true),
      [KIOSK]: 'desc: the lobby kiosk\nplugins:\n  key-auth:\n    key: env:TAGWAY_TEST_KIOSK_KEY\n',
    });
  });
  afterEach(() => {
    repo.cleanup();
    admin.staging.reset();
    admin.production.reset();
  });

  it('reaches both, each with its group\'s label and value, and writes nothing the second time', async () => {
    for (const group of ['staging', 'production'] as const) {
      const first = synced(await sync(group));
      expect(first.report.targets).toMatchObject([{ status: 'applied' }]);
      expect(admin[group].objects('consumers').get('kiosk')).toMatchObject({
        username: 'kiosk',
        desc: 'the lobby kiosk',
        labels: { 'managed-by': 'tagway', 'tagway.group': group },
        plugins: { 'key-auth': { key: VALUE[group] } },
      });
      expectNoValue(rendered(first), JSON.stringify(first.report.targets.map((t) => t.status)));
    }
    for (const group of ['staging', 'production'] as const) {
      const writes = admin[group].objectWrites();
      expect(synced(await sync(group)).report.targets).toMatchObject([{ status: 'in-sync', writes: 0 }]);
      expect(admin[group].objectWrites()).toBe(writes);
    }
  });

  it('is deleted from a group that stops including it, and from the last one when the file goes', async () => {
    synced(await sync('staging'));
    synced(await sync('production'));
    include('production', false);
    expect(synced(await sync('production')).report.targets).toMatchObject([{ status: 'applied', writes: 1 }]);
    expect(admin.production.objects('consumers').has('kiosk')).toBe(false);
    expect(synced(await sync('staging')).report.targets).toMatchObject([{ status: 'in-sync', writes: 0 }]);
    expect(admin.staging.objects('consumers').has('kiosk')).toBe(true);

    include('staging', false);
    repo.remove(KIOSK);
    expect(synced(await sync('staging')).report.targets).toMatchObject([{ status: 'applied', writes: 1 }]);
    expect(admin.staging.objects('consumers').has('kiosk')).toBe(false);
  });

  it('never overwrites the same consumer owned by another group (both gateways one by mistake)', async () => {
    admin.production.seed('consumers', 'kiosk', { username: 'kiosk', plugins: { 'key-auth': { key: 'hand-made' } }, labels: { 'managed-by': 'tagway', 'tagway.group': 'staging' } });
    const outcome = synced(await sync('production'));
    expect(outcome.ok).toBe(false);
    expect(outcome.report.targets[0]!.conflicts).toEqual([expect.objectContaining({ code: 'other-group', kind: 'consumers', id: 'kiosk' })]);
    expect(admin.production.objects('consumers').get('kiosk')).toMatchObject({ plugins: { 'key-auth': { key: 'hand-made' } } });
  });
});

describe('a shared consumer in standalone files and in the diff', () => {
  let repo: TempRepo;
  afterEach(() => repo.cleanup());

  it('is written into each group\'s file with that group\'s value', async () => {
    repo = makeExampleRepo({
      'gateway-groups/staging/group.yaml': groupFile('staging', fileTarget('staging'), true),
      'gateway-groups/production/group.yaml': groupFile('production', fileTarget('production'), true),
      [KIOSK]: 'plugins:\n  key-auth:\n    key: env:TAGWAY_TEST_KIOSK_KEY\n',
    });
    for (const group of ['staging', 'production'] as const) {
      const outcome = synced(await runSync({ cwd: repo.dir, group, env: { TAGWAY_TEST_KIOSK_KEY: VALUE[group] }, retry: { maxAttempts: 1 } }));
      expect(outcome.report.targets).toMatchObject([{ status: 'applied' }]);
      const file = fs.readFileSync(path.join(repo.dir, 'out', group, 'apisix.yaml'), 'utf8');
      expect(file).toContain(`key: ${VALUE[group]}`);
      expect(file).toContain(`tagway.group: ${group}`);
      expect(file).not.toContain(VALUE[group === 'staging' ? 'production' : 'staging']);
    }
  });

  it('shows a change of the shared file in every group that includes it', async () => {
    repo = makeExampleRepo({
      'gateway-groups/staging/group.yaml': groupFile('staging', fileTarget('staging'), true),
      'gateway-groups/production/group.yaml': groupFile('production', fileTarget('production'), false),
      [KIOSK]: 'plugins:\n  key-auth:\n    key: env:TAGWAY_TEST_KIOSK_KEY\n',
    });
    repo.commit('the kiosk in staging');
    repo.git('branch', '-M', 'main');
    repo.git('checkout', '--quiet', '-b', 'change');
    repo.write(KIOSK, 'desc: the lobby kiosk\nplugins:\n  key-auth:\n    key: env:TAGWAY_TEST_KIOSK_KEY\n');
    repo.write('gateway-groups/production/group.yaml', groupFile('production', fileTarget('production'), true));
    repo.commit('describe the kiosk; production takes it too');
    const { ok, report } = await runDiff({ cwd: repo.dir, from: 'main', to: 'HEAD' });
    expect(ok).toBe(true);
    const objects = (group: string) => report!.groups.find((g) => g.group === group)!.groupObjects.map((o) => [o.change, o.kind, o.id, o.fields.map((f) => f.path)]);
    expect(objects('staging')).toEqual([['changed', 'consumers', 'kiosk', ['/desc']]]);
    expect(objects('production')).toEqual([['added', 'consumers', 'kiosk', expect.anything()]]);
  });
});
