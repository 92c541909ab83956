import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAdminServer, type AdminServer } from '../../../../test/support/apisix-admin-server.js';
import type { LeaseRequest } from '../port.js';
import { AdminClient } from './client.js';
import { AdminLease, leaseBody, leaseId } from './lease.js';

/** The gateway's clock (epoch seconds), moved by the tests. */
let now = 1_750_000_000;
let gateway: AdminServer;
let keeping: AdminServer;
const clients: AdminClient[] = [];

function leaseOn(server: AdminServer): AdminLease {
  const client = new AdminClient({ target: 'eu-1', baseUrl: server.url, credential: null, retry: { maxAttempts: 1 } });
  clients.push(client);
  return new AdminLease(client, server.url);
}

function run(name: string, group = 'staging'): LeaseRequest {
  return { group, token: name.padEnd(16, '0').slice(0, 16), holder: `tagway sync --rev ${name}`, process: { host: os.hostname(), pid: process.pid }, ttlSeconds: 60 };
}

beforeAll(async () => {
  gateway = await startAdminServer({ apiKey: null, now: () => now });
  keeping = await startAdminServer({ apiKey: null, now: () => now, ttl: 'ignore' });
});
afterEach(() => {
  gateway.reset();
  keeping.reset();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all([gateway.close(), keeping.close()]);
});

describe('AdminLease', () => {
  it('holds for the first run, queues the second behind it, and passes on when released', async () => {
    const lease = leaseOn(gateway);
    expect(await lease.claim(run('a'), false)).toEqual({ state: 'held', tookOver: [] });
    expect(await lease.claim(run('b'), false)).toEqual({ state: 'queued', holder: 'tagway sync --rev a' });
    expect(await lease.claim(run('a'), true)).toEqual({ state: 'held', tookOver: [] });
    await lease.release(run('a'));
    expect(await lease.claim(run('b'), false)).toEqual({ state: 'held', tookOver: [] });
  });

  it('takes over at once a lease whose process on this host is gone, and waits for one of another host', async () => {
    const lease = leaseOn(gateway);
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    expect(await lease.claim({ ...run('a'), process: { host: os.hostname(), pid: gone } }, false)).toMatchObject({ state: 'held' });
    expect(await lease.claim(run('b'), false)).toEqual({ state: 'held', tookOver: ['tagway sync --rev a'] });
    await lease.release(run('b'));
    expect(await lease.claim({ ...run('c'), process: { host: 'elsewhere', pid: gone } }, false)).toMatchObject({ state: 'held' });
    expect(await lease.claim(run('d'), false)).toEqual({ state: 'queued', holder: 'tagway sync --rev c' });
  });

  it('is an unreferenced upstream with no nodes, written with a ttl, that says who holds it', async () => {
    const lease = leaseOn(gateway);
    await lease.claim(run('a'), false);
    const put = gateway.requests.find((r) => r.method === 'PUT');
    expect(put?.path).toBe(`/apisix/admin/upstreams/${leaseId('staging', 'a000000000000000')}?ttl=60`);
    expect(gateway.objects('upstreams').get(leaseId('staging', 'a000000000000000'))).toMatchObject({
      desc: 'tagway sync --rev a',
      labels: { 'managed-by': 'tagway', 'tagway.lease': 'staging', 'tagway.lease-ttl': '60', 'tagway.lease-host': os.hostname(), 'tagway.lease-pid': String(process.pid) },
      nodes: {},
    });
    // APISIX's desc holds at most 256 characters.
    expect(leaseBody({ ...run('a'), holder: 'x'.repeat(300) })['desc']).toHaveLength(256);
    // Lists the group's leases by label, unpaged.
    expect(gateway.requests.some((r) => r.path === '/apisix/admin/upstreams?label=tagway.lease')).toBe(true);
  });

  it('gives exactly one of many runs claiming at once the lease', async () => {
    const lease = leaseOn(gateway);
    const claims = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((name) => lease.claim(run(name), false)));
    expect(claims.filter((c) => c.state === 'held')).toHaveLength(1);
    expect(claims.filter((c) => c.state === 'queued')).toHaveLength(5);
  });

  it('keeps the leases of groups apart', async () => {
    const lease = leaseOn(gateway);
    expect(await lease.claim(run('a', 'staging'), false)).toMatchObject({ state: 'held' });
    expect(await lease.claim(run('b', 'production'), false)).toMatchObject({ state: 'held' });
  });

  it('takes over a lease whose update_time is older than its ttl on the gateway clock, and its holder finds it lost', async () => {
    const lease = leaseOn(keeping);
    await lease.claim(run('a'), false);
    now += 30;
    expect(await lease.claim(run('b'), false)).toMatchObject({ state: 'queued' });
    now += 31; // a's last write is 61 s old, b's queued one 31 s
    expect(await lease.claim(run('b'), false)).toEqual({ state: 'held', tookOver: ['tagway sync --rev a'] });
    expect(keeping.objects('upstreams').has(leaseId('staging', 'a000000000000000'))).toBe(false);
    expect(await lease.claim(run('a'), true)).toEqual({ state: 'lost', holder: 'tagway sync --rev b' });
    // The lost run leaves no object behind.
    expect(keeping.objects('upstreams').has(leaseId('staging', 'a000000000000000'))).toBe(false);
  });

  it('finds a lease the gateway dropped by its ttl lost, and lets the next run hold without a takeover', async () => {
    const lease = leaseOn(gateway);
    await lease.claim(run('a'), false);
    now += 61;
    expect(await lease.claim(run('b'), false)).toEqual({ state: 'held', tookOver: [] });
    expect(await lease.claim(run('a'), true)).toEqual({ state: 'lost', holder: 'tagway sync --rev b' });
  });

  it('stays held across renewals that come in time', async () => {
    const lease = leaseOn(keeping);
    await lease.claim(run('a'), false);
    for (let i = 0; i < 5; i += 1) {
      now += 50;
      expect(await lease.claim(run('a'), true)).toEqual({ state: 'held', tookOver: [] });
    }
    expect(await lease.claim(run('b'), false)).toMatchObject({ state: 'queued' });
  });

  it('is refused when the gateway will not store it', async () => {
    const refusing = await startAdminServer({ apiKey: null, validate: (kind, body) => (kind === 'upstreams' && JSON.stringify(body).includes('tagway.lease') ? 'restricted key' : null) });
    try {
      const claim = await leaseOn(refusing).claim(run('a'), false);
      expect(claim).toMatchObject({ state: 'refused', error: { code: 'rejected', gatewayMessage: 'restricted key' } });
    } finally {
      await refusing.close();
    }
  });
});
