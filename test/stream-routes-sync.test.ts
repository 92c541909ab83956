/**
 * A service's stream routes from its template to the gateways: created after the upstream they
 * use, nothing written by a second sync, a version that changes only a stream route writes it
 * (and the service's version label); a gateway without stream in its proxy_mode refuses them and
 * the target stays as it was. To an Admin API gateway and a file.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../src/app/sync.js';
import { startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { synced } from './support/cli-run.js';
import { makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';
import { PETSTORE_TEMPLATE as T, STAGING_FILE_TARGET, STAGING_GROUP as G, publishPetstore as publish, stagingWith, syncStagingFileTwice } from './support/petstore-versions.js';
import { targetYaml } from './support/target-yaml.js';

const ADMIN = 'TAGWAY_TEST_STREAM_ROUTES_ADMIN';
const ADMIN_KEY = 'admin-key-stream-routes-41af';

function withStream(template: string, port: number): string {
  return `${template}stream_routes:\n  - name: tcp\n    server_port: ${port}\n`;
}

const adminTarget = (url: string) => targetYaml('eu-1', 'apisix', url, ADMIN);

describe('stream routes synced to an Admin API gateway', () => {
  let admin: AdminServer;
  let repo: TempRepo;
  let base: string;
  const sync = () => runSync({ cwd: repo.dir, group: 'staging', env: { [ADMIN]: ADMIN_KEY }, retry: { maxAttempts: 1 } });
  const writes = (since: number) => admin.requests.slice(since).filter((r) => r.method === 'PUT' && !r.path.includes('tagway-lease')).map((r) => r.path);

  beforeAll(async () => {
    admin = await startAdminServer({ apiKey: ADMIN_KEY });
    repo = makeExampleRepo({ [G]: stagingWith(adminTarget(admin.url)) });
    base = repo.read(T);
  });
  afterAll(async () => {
    repo.cleanup();
    await admin.close();
  });

  it('creates the stream route after its upstream, and writes nothing the second time', async () => {
    publish(repo, '1.2.0', withStream(base, 9100));
    expect(synced(await sync()).report.targets).toMatchObject([{ status: 'applied' }]);
    expect(admin.objects('stream_routes').get('petstore.tcp')).toMatchObject({
      server_port: 9100,
      upstream_id: 'petstore',
      labels: { 'managed-by': 'tagway', 'tagway.group': 'staging', 'tagway.service': 'petstore' },
    });
    const written = writes(0);
    expect(written.indexOf('/apisix/admin/upstreams/petstore')).toBeLessThan(written.indexOf('/apisix/admin/stream_routes/petstore.tcp'));
    const before = admin.objectWrites();
    expect(synced(await sync()).report.targets).toMatchObject([{ status: 'in-sync', writes: 0 }]);
    expect(admin.objectWrites()).toBe(before);
  });

  it('writes the stream route alone (and the version on the service) when a version changes only it', async () => {
    publish(repo, '1.3.0', withStream(base, 9101));
    const since = admin.requests.length;
    expect(synced(await sync()).report.targets).toMatchObject([{ status: 'applied', writes: 2 }]);
    expect(writes(since)).toEqual(['/apisix/admin/services/petstore', '/apisix/admin/stream_routes/petstore.tcp']);
  });
});

describe('stream routes where the gateway does not proxy streams', () => {
  let admin: AdminServer;
  let repo: TempRepo;
  afterEach(async () => {
    repo.cleanup();
    await admin.close();
  });

  it("fails the target with APISIX's answer and leaves it as it was", async () => {
    admin = await startAdminServer({ apiKey: ADMIN_KEY, streamMode: false });
    repo = makeExampleRepo({ [G]: stagingWith(adminTarget(admin.url)) });
    publish(repo, '1.2.0', withStream(repo.read(T), 9100));
    const outcome = synced(await runSync({ cwd: repo.dir, group: 'staging', env: { [ADMIN]: ADMIN_KEY }, retry: { maxAttempts: 1 } }));
    expect(outcome.ok).toBe(false);
    const [target] = outcome.report.targets;
    expect(target).toMatchObject({ status: 'failed', restore: { verified: true } });
    expect(target!.error?.message).toContain('stream mode is disabled');
    expect(admin.objects('routes').size).toBe(0);
  });
});

describe('stream routes in a file target', () => {
  let repo: TempRepo;
  afterEach(() => repo.cleanup());

  it('the standalone apisix.yaml carries stream_routes; nothing written the second time', async () => {
    repo = makeExampleRepo({ [G]: stagingWith(STAGING_FILE_TARGET) });
    publish(repo, '1.2.0', withStream(repo.read(T), 9100));
    expect(await syncStagingFileTwice(repo)).toMatch(/^stream_routes:\n  - id: petstore\.tcp\n/m);
  });
});
