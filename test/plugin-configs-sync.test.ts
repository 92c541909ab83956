/**
 * A service's plugin configs from its template to the gateways: created with the route that uses
 * them (plugin config first, as APISIX checks a route's plugin_config_id), nothing written by a
 * second sync, a version that changes only the plugin config writes it (and the service's
 * version label), no route; a plugin config left behind is deleted after the route stops using
 * it. To an Admin API gateway, an API-driven standalone one and a file; and shown by the diff.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDiff } from '../src/app/diff.js';
import { runSync } from '../src/app/sync.js';
import { renderDiffText } from '../src/diff/render-text.js';
import { startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { startStandaloneServer } from './support/apisix-standalone-server.js';
import { synced } from './support/cli-run.js';
import { makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';
import { PETSTORE_TEMPLATE as T, STAGING_FILE_TARGET, STAGING_GROUP as G, publishPetstore as publish, stagingWith, syncStagingFileTwice } from './support/petstore-versions.js';
import { targetYaml } from './support/target-yaml.js';

const ADMIN = 'TAGWAY_TEST_PLUGIN_CONFIGS_ADMIN';
const ADMIN_KEY = 'admin-key-plugin-configs-7c2d';
const LIST_PETS = '    uris: [/pets]\n    methods: [GET]\n';

/** The example's petstore with a plugin config `limits` (at `count`) that route list-pets uses. */
function withLimits(template: string, count: number): string {
  const configs = `plugin_configs:\n  limits:\n    desc: list rate limit\n    plugins:\n      limit-count:\n        count: ${count}\n        time_window: 60\n        rejected_code: 429\nroutes:\n`;
  return template.replace('routes:\n', configs).replace(LIST_PETS, `${LIST_PETS}    plugin_config: limits\n`);
}

describe('plugin configs synced to an Admin API gateway', () => {
  let admin: AdminServer;
  let repo: TempRepo;
  let base: string;
  const sync = () => runSync({ cwd: repo.dir, group: 'staging', env: { [ADMIN]: ADMIN_KEY }, retry: { maxAttempts: 1 } });
  const puts = (since: number) => admin.requests.slice(since).filter((r) => r.method === 'PUT' || r.method === 'DELETE').map((r) => `${r.method} ${r.path}`);

  beforeAll(async () => {
    admin = await startAdminServer({ apiKey: ADMIN_KEY });
    repo = makeExampleRepo({ [G]: stagingWith(targetYaml('eu-1', 'apisix', admin.url, ADMIN)) });
    base = repo.read(T);
  });
  afterAll(async () => {
    repo.cleanup();
    await admin.close();
  });

  it('creates the plugin config before the route that uses it, and writes nothing the second time', async () => {
    publish(repo, '1.2.0', withLimits(base, 100));
    const first = synced(await sync());
    expect(first.report.targets).toMatchObject([{ status: 'applied' }]);
    expect(admin.objects('plugin_configs').get('petstore.limits')).toMatchObject({
      desc: 'list rate limit',
      labels: { 'managed-by': 'tagway', 'tagway.group': 'staging', 'tagway.service': 'petstore' },
      plugins: { 'limit-count': { count: 100 } },
    });
    expect(admin.objects('routes').get('petstore.list-pets')).toMatchObject({ plugin_config_id: 'petstore.limits' });
    const written = puts(0);
    expect(written.indexOf('PUT /apisix/admin/plugin_configs/petstore.limits')).toBeGreaterThanOrEqual(0);
    expect(written.indexOf('PUT /apisix/admin/plugin_configs/petstore.limits')).toBeLessThan(written.indexOf('PUT /apisix/admin/routes/petstore.list-pets'));

    const writes = admin.objectWrites();
    expect(synced(await sync()).report.targets).toMatchObject([{ status: 'in-sync', writes: 0 }]);
    expect(admin.objectWrites()).toBe(writes);
  });

  it('writes the plugin config alone (and the version on the service) when a version changes only it', async () => {
    publish(repo, '1.3.0', withLimits(base, 50));
    const since = admin.requests.length;
    const changed = synced(await sync());
    expect(changed.report.targets).toMatchObject([{ status: 'applied', writes: 2 }]);
    expect(puts(since).filter((r) => !r.includes('tagway-lease'))).toEqual(['PUT /apisix/admin/plugin_configs/petstore.limits', 'PUT /apisix/admin/services/petstore']);
    expect(admin.objects('plugin_configs').get('petstore.limits')).toMatchObject({ plugins: { 'limit-count': { count: 50 } } });
  });

  it('deletes a plugin config no longer in the template after the route that used it changed', async () => {
    publish(repo, '1.4.0', base);
    const since = admin.requests.length;
    expect(synced(await sync()).report.targets).toMatchObject([{ status: 'applied' }]);
    const written = puts(since);
    expect(written.indexOf('DELETE /apisix/admin/plugin_configs/petstore.limits')).toBeGreaterThan(written.indexOf('PUT /apisix/admin/routes/petstore.list-pets'));
    expect(admin.objects('plugin_configs').size).toBe(0);
    expect(admin.objects('routes').get('petstore.list-pets')?.['plugin_config_id']).toBeUndefined();
  });
});

describe('plugin configs synced to a standalone gateway and a file', () => {
  let repo: TempRepo;
  afterEach(() => repo.cleanup());

  it('file: the standalone apisix.yaml carries plugin_configs; nothing written the second time', async () => {
    repo = makeExampleRepo({ [G]: stagingWith(STAGING_FILE_TARGET) });
    publish(repo, '1.2.0', withLimits(repo.read(T), 100));
    const file = await syncStagingFileTwice(repo);
    expect(file).toMatch(/^plugin_configs:\n  - desc: list rate limit\n    id: petstore\.limits\n/m);
    expect(file).toContain('    plugin_config_id: petstore.limits\n');
  });

  it('apisix-standalone: takes the plugin config with the routes, then nothing new', async () => {
    const server = await startStandaloneServer({ apiKey: ADMIN_KEY });
    try {
      repo = makeExampleRepo({ [G]: stagingWith(targetYaml('edge-1', 'apisix-standalone', server.url, ADMIN)) });
      publish(repo, '1.2.0', withLimits(repo.read(T), 100));
      const sync = () => runSync({ cwd: repo.dir, group: 'staging', env: { [ADMIN]: ADMIN_KEY }, retry: { maxAttempts: 1 } });
      expect(synced(await sync()).report.targets).toMatchObject([{ status: 'applied' }]);
      expect(server.config()['plugin_configs']).toEqual([expect.objectContaining({ id: 'petstore.limits', plugins: { 'limit-count': { count: 100, rejected_code: 429, time_window: 60 } } })]);
      expect(synced(await sync()).report.targets).toMatchObject([{ status: 'in-sync', writes: 0 }]);
    } finally {
      await server.close();
    }
  });
});

describe('diff of plugin configs between revisions', () => {
  let repo: TempRepo;
  beforeAll(() => {
    // main runs petstore 1.1.0; the change publishes 1.2.0, with the plugin config, and pins it.
    repo = makeExampleRepo({ [G]: stagingWith(STAGING_FILE_TARGET).replace('^1.0', '1.1.0') });
    repo.git('branch', '-M', 'main');
    repo.git('checkout', '--quiet', '-b', 'change');
    publish(repo, '1.2.0', withLimits(repo.read(T), 100));
    repo.write(G, repo.read(G).replace('petstore: 1.1.0', 'petstore: 1.2.0'));
    repo.commit('staging: petstore 1.2.0');
  });
  afterAll(() => repo.cleanup());

  it("shows the plugin config added and the route's plugin_config_id among the service's objects", async () => {
    const { ok, report } = await runDiff({ cwd: repo.dir, from: 'main', to: 'HEAD' });
    expect(ok).toBe(true);
    const petstore = report!.groups.find((g) => g.group === 'staging')!.services.find((s) => s.service === 'petstore')!;
    const objects = petstore.objects.filter((o) => o.change !== 'relabelled');
    expect(objects.map((o) => [o.change, o.kind, o.id])).toEqual([
      ['added', 'plugin_configs', 'petstore.limits'],
      ['changed', 'routes', 'petstore.list-pets'],
    ]);
    expect(objects[1]!.fields.map((f) => f.path)).toEqual(['/plugin_config_id']);
    expect(renderDiffText(report!)).toContain('plugin config petstore.limits');
  });
});
