import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminServer, type AdminServer } from '../../../../test/support/apisix-admin-server.js';
import { ApisixTarget } from './index.js';

let gateway: AdminServer;
beforeAll(async () => {
  gateway = await startAdminServer({ apiKey: null });
});
afterAll(() => gateway.close());

const target = (adminUrl: string) => new ApisixTarget({ kind: 'apisix', name: 'eu-1', admin_url: adminUrl }, { credential: null, retry: { maxAttempts: 1 } });

describe('ApisixTarget', () => {
  // The fleet claims leases in the order of their location: one gateway is one place however its URL ends.
  const locations: ReadonlyArray<readonly [string, string]> = [
    ['http://gw.test:9180', 'http://gw.test:9180'],
    ['http://gw.test:9180/', 'http://gw.test:9180'],
    ['http://gw.test:9180///', 'http://gw.test:9180'],
    ['http://gw.test/admin/', 'http://gw.test/admin'],
    ['http://gw.test//admin', 'http://gw.test//admin'],
  ];
  for (const [url, location] of locations) {
    it(`keeps its lease at ${location} for admin_url ${url}`, async () => {
      const t = target(url);
      expect(t.lease.location).toBe(location);
      await t.close();
    });
  }

  it('writes the record of its checks, which a read then shows', async () => {
    const t = target(gateway.url);
    try {
      await t.recordChecks({ group: 'staging', digest: 'sha256:ab', ok: false, description: 'eu-1: /health 503' });
      expect((await t.read()).checks).toEqual([{ group: 'staging', digest: 'sha256:ab', ok: false, description: 'eu-1: /health 503' }]);
      expect(await t.readReferrers()).toEqual([]);
    } finally {
      await t.close();
      gateway.reset();
    }
  });

  it('reads nothing more once closed', async () => {
    const t = target(gateway.url);
    await t.read();
    await t.close();
    await expect(t.read()).rejects.toThrow();
  });
});
