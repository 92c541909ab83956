import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAdminServer, type AdminServer } from '../../../../test/support/apisix-admin-server.js';
import { answeringClient } from '../../../../test/support/scripted-admin-client.js';
import { SyncError } from '../../errors.js';
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

describe('AdminLease.claim against the leases a gateway lists', () => {
  const OWN = leaseId('staging', 'own0000000000000');
  const me = (extra: Partial<LeaseRequest> = {}): LeaseRequest => ({ ...run('own'), ...extra });
  /** A listed lease: its etcd item. */
  const item = (token: string, createdIndex: unknown, value: Record<string, unknown> = {}, labels: Record<string, string> = {}) => ({
    key: `/apisix/upstreams/${leaseId('staging', token)}`,
    createdIndex,
    value: { update_time: 1000, desc: `run ${token}`, ...value, labels: { 'tagway.lease': 'staging', 'tagway.lease-ttl': '60', ...labels } },
  });
  const own = (createdIndex: unknown = 10) => item('own0000000000000', createdIndex);

  /** The claim of `me()` (a renewal or not) whose PUT answers `put` (written at gateway time 1000) and whose list holds `list`. */
  async function claim(list: unknown[], options: { readonly renewal?: boolean; readonly put?: number | Error; readonly request?: LeaseRequest } = {}) {
    const client = answeringClient((req) => {
      if (req.method === 'PUT') {
        if (options.put instanceof Error) throw options.put;
        return { status: options.put ?? 201, body: { value: { update_time: 1000 } } };
      }
      if (req.method === 'GET') return { status: 200, body: { total: list.length, list } };
      return { status: 200, body: {} };
    });
    const result = await new AdminLease(client, 'http://gw').claim(options.request ?? me(), options.renewal ?? false);
    return { result, asked: client.asked };
  }
  const list = '/apisix/admin/upstreams?label=tagway.lease';
  const put = `PUT /apisix/admin/upstreams/${OWN}?ttl=60`;
  const removeOwn = `DELETE /apisix/admin/upstreams/${OWN}`;

  const cases: ReadonlyArray<{ readonly name: string; readonly list: unknown[]; readonly renewal?: boolean; readonly put?: number; readonly claim: unknown; readonly deletes?: readonly string[] }> = [
    { name: 'only its own: held', list: [own()], claim: { state: 'held', tookOver: [] } },
    { name: 'an older live lease listed after its own: queued', list: [own(10), item('b000000000000000', 9)], claim: { state: 'queued', holder: 'run b000000000000000' } },
    { name: 'a younger lease listed before its own: held', list: [item('b000000000000000', 11), own(10)], claim: { state: 'held', tookOver: [] } },
    { name: 'creation indexes given as text', list: [own('10'), item('b000000000000000', '9')], claim: { state: 'queued', holder: 'run b000000000000000' } },
    { name: 'another group’s older lease: held', list: [own(), item('b000000000000000', 9, {}, { 'tagway.lease': 'production' })], claim: { state: 'held', tookOver: [] } },
    { name: 'its own gone from the list (removed as expired meanwhile): queued', list: [item('b000000000000000', 9)], claim: { state: 'queued', holder: 'run b000000000000000' } },
    { name: 'its own gone from an empty list: queued behind another run', list: [], claim: { state: 'queued', holder: 'another run' } },
    { name: 'an older lease renewed exactly its ttl ago: queued', list: [own(), item('b000000000000000', 9, { update_time: 940 })], claim: { state: 'queued', holder: 'run b000000000000000' } },
    {
      name: 'an older lease renewed more than its ttl ago: taken over',
      list: [own(), item('b000000000000000', 9, { update_time: 939 })],
      claim: { state: 'held', tookOver: ['run b000000000000000'] },
      deletes: ['DELETE /apisix/admin/upstreams/tagway-lease.staging.b000000000000000'],
    },
    { name: 'an older lease within its own longer ttl: queued', list: [own(), item('b000000000000000', 9, { update_time: 800 }, { 'tagway.lease-ttl': '300' })], claim: { state: 'queued', holder: 'run b000000000000000' } },
    {
      name: 'an older lease whose ttl is no number, taken for 60 s',
      list: [own(), item('b000000000000000', 9, { update_time: 900 }, { 'tagway.lease-ttl': 'soon' })],
      claim: { state: 'held', tookOver: ['run b000000000000000'] },
      deletes: ['DELETE /apisix/admin/upstreams/tagway-lease.staging.b000000000000000'],
    },
    { name: 'an older lease the gateway stamps no time on: queued', list: [own(), item('b000000000000000', 9, { update_time: undefined })], claim: { state: 'queued', holder: 'run b000000000000000' } },
    { name: 'an older lease without a description', list: [own(), item('b000000000000000', 9, { desc: '' })], claim: { state: 'queued', holder: 'a run of tagway (lease tagway-lease.staging.b000000000000000)' } },
    { name: 'an older lease with an id of its own', list: [own(), item('b000000000000000', 9, { id: 'named', desc: undefined })], claim: { state: 'queued', holder: 'a run of tagway (lease named)' } },
    { name: 'a renewal still first: held', list: [own()], renewal: true, put: 200, claim: { state: 'held', tookOver: [] } },
    { name: 'a renewal behind an older live lease: lost', list: [own(10), item('b000000000000000', 9)], renewal: true, put: 200, claim: { state: 'lost', holder: 'run b000000000000000' } },
    { name: 'a renewal that created its object anew: lost', list: [own(10), item('b000000000000000', 11)], renewal: true, put: 201, claim: { state: 'lost', holder: 'run b000000000000000' }, deletes: [removeOwn] },
    { name: 'a renewal whose object is not listed: lost', list: [item('b000000000000000', 11)], renewal: true, put: 200, claim: { state: 'lost', holder: 'run b000000000000000' }, deletes: [removeOwn] },
    { name: 'a renewal alone that created its object anew: lost to nobody', list: [own()], renewal: true, put: 201, claim: { state: 'lost', holder: null }, deletes: [removeOwn] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { result, asked } = await claim(c.list, { ...(c.renewal !== undefined ? { renewal: c.renewal } : {}), ...(c.put !== undefined ? { put: c.put } : {}) });
      expect(result).toEqual(c.claim);
      expect(asked).toEqual([put, `GET ${list}`, ...(c.deletes ?? [])]);
    });
  }

  it('is refused, and removes its object, when the gateway lists no creation index', async () => {
    const { result, asked } = await claim([own(null), item('b000000000000000', 9)]);
    expect(result).toEqual({
      state: 'refused',
      error: { code: 'rejected', target: 'edge', message: 'target edge lists objects without a creation index, so runs cannot be put in order on it' },
    });
    expect(asked).toEqual([put, `GET ${list}`, removeOwn]);
  });

  const refusals: ReadonlyArray<{ readonly name: string; readonly error: Error; readonly outcome: 'refused' | 'throws' }> = [
    { name: 'a PUT rejected', error: new SyncError({ code: 'rejected', message: 'restricted key' }), outcome: 'refused' },
    { name: 'a PUT not authorised', error: new SyncError({ code: 'auth', message: 'forbidden' }), outcome: 'refused' },
    { name: 'a PUT without answer', error: new SyncError({ code: 'unreachable', message: 'no answer' }), outcome: 'throws' },
    { name: 'a PUT answered 503', error: new SyncError({ code: 'http-error', message: '503' }), outcome: 'throws' },
  ];
  for (const c of refusals) {
    it(`${c.outcome === 'refused' ? 'is refused after' : 'fails on'} ${c.name}`, async () => {
      const claiming = claim([own()], { put: c.error });
      if (c.outcome === 'throws') await expect(claiming).rejects.toBe(c.error);
      else expect((await claiming).result).toEqual({ state: 'refused', error: { ...(c.error as SyncError).data, target: 'edge' } });
    });
  }

  const hosts: ReadonlyArray<{ readonly host: string; readonly labelled: boolean }> = [
    { host: 'runner-7', labelled: true },
    { host: 'h'.repeat(256), labelled: true },
    { host: 'h'.repeat(257), labelled: false },
    { host: 'my laptop', labelled: false },
    { host: '', labelled: false },
  ];
  for (const c of hosts) {
    it(`${c.labelled ? 'labels' : 'does not label'} its lease with the host ${JSON.stringify(c.host.length > 20 ? `${c.host.slice(0, 3)}… (${c.host.length})` : c.host)}`, () => {
      const labels = leaseBody(me({ process: { host: c.host, pid: 42 } }))['labels'];
      if (c.labelled) expect(labels).toMatchObject({ 'tagway.lease-host': c.host, 'tagway.lease-pid': '42' });
      else expect(Object.keys(labels as object).filter((k) => k.startsWith('tagway.lease-h') || k.startsWith('tagway.lease-p'))).toEqual([]);
    });
  }
});
