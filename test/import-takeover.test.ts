/**
 * The whole way in: a gateway made by hand is imported (`tagway import --publish`), and the first
 * `tagway sync` takes it over. The Admin API test server checks after every request that each
 * (host, method, uri) the gateway served at the start still goes where it went; at the end the
 * gateway holds tagway's objects only (those it took), the originals the import could not express
 * are untouched, and a second sync writes nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runImport } from '../src/app/import.js';
import { runSync } from '../src/app/sync.js';
import { startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { makeCertificate } from './support/certificates.js';
import { synced } from './support/cli-run.js';
import { syntheticGateway } from './support/synthetic-gateway.js';

const KEY = 'takeover-admin-key';
const ENV = { ADMIN_KEY: KEY, GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' };

const dirs: string[] = [];
const servers: AdminServer[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function handMadeGateway(): Promise<AdminServer> {
  const admin = await startAdminServer({ apiKey: KEY, servedSet: true });
  servers.push(admin);
  admin.seed('upstreams', '1', { name: 'pets', type: 'roundrobin', nodes: { '10.0.0.1:8080': 1 } });
  admin.seed('services', '100', { name: 'Pet Store', hosts: ['pets.example.com'], upstream_id: '1', plugins: { 'key-auth': {} } });
  admin.seed('routes', '1000', { name: 'list pets', uri: '/pets', methods: ['GET'], service_id: '100' });
  admin.seed('routes', '1001', { uris: ['/pets/*'], methods: ['GET', 'DELETE'], service_id: '100' });
  admin.seed('routes', '2000', { name: 'health', uri: '/healthz', upstream: { nodes: [{ host: '10.0.0.9', port: 80, weight: 1 }] } });
  admin.seed('consumers', 'alice', { username: 'alice', plugins: { 'key-auth': { key: 'alice-key-1' } } });
  admin.seed('global_rules', '1', { plugins: { prometheus: {} } });
  // Not expressible (no upstream): not imported, so never touched.
  admin.seed('routes', '3000', { uri: '/old', plugins: { redirect: { uri: '/new' } } });
  admin.markServed();
  return admin;
}

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tagway-takeover-'));
  dirs.push(dir);
  return dir;
}

describe('import, then take the gateway over', () => {
  it('never drops a route, retires the originals, leaves what it did not take, then holds still', async () => {
    const admin = await handMadeGateway();
    const dir = tempDir();
    const imported = await runImport({ cwd: dir, from: admin.url, adminKey: 'env:ADMIN_KEY', group: 'production', env: ENV, publish: '1.0.0', check: true });
    expect(imported.check?.report?.differences).toEqual([]);
    expect(imported.published?.ok).toBe(true);

    const env = { ADMIN_KEY: KEY, PRODUCTION_CONSUMER_ALICE_KEY_AUTH_KEY: 'alice-key-1' };
    const dry = await runSync({ cwd: dir, group: 'production', env, dryRun: true });
    expect(dry.kind).toBe('dry-run');
    expect(admin.objects('routes').has('1000')).toBe(true);

    const first = synced(await runSync({ cwd: dir, group: 'production', env }));
    expect(first.ok).toBe(true);
    expect(admin.servedViolations()).toEqual([]);
    expect([...admin.objects('routes').keys()].sort()).toEqual(['3000', 'health.health', 'pet-store.list-pets', 'pet-store.pets']);
    expect([...admin.objects('upstreams').keys()].sort()).toEqual(['health', 'pet-store']);
    expect([...admin.objects('services').keys()].sort()).toEqual(['health', 'pet-store']);
    expect([...admin.objects('global_rules').keys()]).toEqual(['tagway.production.prometheus']);
    // Taken over in place: the same consumer, now labelled the group's, with the same key.
    expect(admin.objects('consumers').get('alice')).toMatchObject({ labels: { 'managed-by': 'tagway', 'tagway.group': 'production' }, plugins: { 'key-auth': { key: 'alice-key-1' } } });
    expect(admin.objects('routes').get('3000')).toMatchObject({ uri: '/old' });

    const before = admin.objectWrites();
    const second = synced(await runSync({ cwd: dir, group: 'production', env }));
    expect(second.report.targets).toMatchObject([{ status: 'in-sync' }]);
    expect(admin.objectWrites()).toBe(before);
  });

  it('leaves a route it cannot write whole, and what it uses, byte for byte as they were', async () => {
    const admin = await startAdminServer({ apiKey: KEY, servedSet: true });
    servers.push(admin);
    admin.seed('upstreams', '1', { name: 'shop', type: 'roundrobin', nodes: { '10.0.0.1:8080': 1 } });
    admin.seed('services', '100', { name: 'shop', hosts: ['shop.example.com'], upstream_id: '1' });
    admin.seed('routes', 'r1', { name: 'list', uri: '/items', methods: ['GET'], service_id: '100' });
    // Without its filter_func this route would take every request for /items/*: it must stay as it is.
    admin.seed('routes', 'r2', { name: 'weird', uri: '/items/*', service_id: '100', filter_func: 'function(vars) return vars.arg_x == "1" end' });
    admin.markServed();
    const before = JSON.stringify(['routes', 'services', 'upstreams'].map((kind) => admin.objects(kind as 'routes').get(kind === 'routes' ? 'r2' : kind === 'services' ? '100' : '1')));

    const dir = tempDir();
    const imported = await runImport({ cwd: dir, from: admin.url, adminKey: 'env:ADMIN_KEY', group: 'production', env: ENV, publish: '1.0.0', check: true });
    expect(imported.unexpressed).toMatchObject([{ kind: 'routes', id: 'r2', reason: expect.stringContaining('filter_func') }]);
    expect(imported.kept.map((k) => `${k.kind} ${k.id}`)).toEqual(['services 100', 'upstreams 1']);
    expect(imported.check?.report?.differences).toEqual([]);
    expect(imported.published?.ok).toBe(true);
    const adopt = fs.readFileSync(path.join(dir, 'gateway-groups/production/adopt.yaml'), 'utf8');
    expect(adopt).not.toMatch(/r2|"100"|"1":/);
    expect(fs.readFileSync(path.join(dir, 'services/shop/service.yaml'), 'utf8')).not.toMatch(/filter_func|weird/);

    const first = synced(await runSync({ cwd: dir, group: 'production', env: { ADMIN_KEY: KEY } }));
    expect(first.ok).toBe(true);
    expect(admin.servedViolations()).toEqual([]);
    expect([...admin.objects('routes').keys()].sort()).toEqual(['r2', 'shop.list']);
    const after = JSON.stringify(['routes', 'services', 'upstreams'].map((kind) => admin.objects(kind as 'routes').get(kind === 'routes' ? 'r2' : kind === 'services' ? '100' : '1')));
    expect(after).toBe(before);
    const second = synced(await runSync({ cwd: dir, group: 'production', env: { ADMIN_KEY: KEY } }));
    expect(second.report.targets).toMatchObject([{ status: 'in-sync' }]);
  });

  it('takes over an upstream\'s client certificate under its new name, and leaves the original to what stays', async () => {
    const admin = await startAdminServer({ apiKey: KEY, servedSet: true });
    servers.push(admin);
    const pair = await makeCertificate({ commonName: 'gateway client' });
    admin.seed('ssls', '1', { type: 'client', cert: pair.cert, key: pair.key });
    admin.seed('upstreams', '1', { name: 'pets', scheme: 'https', nodes: { '10.0.0.1:8443': 1 }, tls: { client_cert_id: '1' } });
    admin.seed('routes', 'r1', { name: 'pets', uri: '/pets', upstream_id: '1' });
    // Node metadata has no place in tagway's files: this upstream stays, and with it the SSL it presents.
    admin.seed('upstreams', '2', { name: 'zoned', scheme: 'https', nodes: [{ host: '10.0.0.2', port: 8443, weight: 1, metadata: { zone: 'a' } }], tls: { client_cert_id: '1' } });
    admin.seed('routes', 'r2', { name: 'zoned', uri: '/zoned', upstream_id: '2' });
    admin.markServed();
    const original = JSON.stringify(admin.objects('ssls').get('1'));

    const dir = tempDir();
    const imported = await runImport({ cwd: dir, from: admin.url, adminKey: 'env:ADMIN_KEY', group: 'production', env: ENV, publish: '1.0.0', check: true });
    expect(imported.kept.map((k) => `${k.kind} ${k.id}`)).toEqual(['ssls 1']);
    expect(imported.check?.report?.differences).toEqual([]);
    expect(imported.published?.ok).toBe(true);
    const env: Record<string, string> = { ADMIN_KEY: KEY };
    for (const v of imported.variables) if (v.kind === 'ssls') env[v.name] = pair.key;

    const first = synced(await runSync({ cwd: dir, group: 'production', env }));
    expect(first.ok).toBe(true);
    expect(admin.servedViolations()).toEqual([]);
    // The original stays as it was, for the upstream that stays; tagway's upstream presents tagway's copy.
    expect(JSON.stringify(admin.objects('ssls').get('1'))).toBe(original);
    const copies = [...admin.objects('ssls').keys()].filter((id) => id !== '1');
    expect(copies).toHaveLength(1);
    expect(admin.objects('ssls').get(copies[0]!)).toMatchObject({ type: 'client', cert: pair.cert });
    const ours = [...admin.objects('upstreams').entries()].filter(([id]) => id !== '2');
    expect(ours.map(([, u]) => (u as { tls?: unknown }).tls)).toEqual([{ client_cert_id: copies[0] }]);
    expect(admin.objects('upstreams').get('2')).toMatchObject({ tls: { client_cert_id: '1' } });
    const second = synced(await runSync({ cwd: dir, group: 'production', env }));
    expect(second.report.targets).toMatchObject([{ status: 'in-sync' }]);
  });

  it('takes over a generated gateway of 100 services of every kind without a gap', async () => {
    const admin = await startAdminServer({ apiKey: KEY, servedSet: true, checks: false });
    servers.push(admin);
    const config = await syntheticGateway(100);
    for (const [kind, list] of Object.entries(config) as [Parameters<AdminServer['seed']>[0], readonly Record<string, unknown>[]][]) {
      for (const obj of list) admin.seed(kind, String(obj['id']), kind === 'consumers' ? obj : Object.fromEntries(Object.entries(obj).filter(([k]) => k !== 'id')));
    }
    admin.markServed();
    const dir = tempDir();
    const imported = await runImport({ cwd: dir, from: admin.url, adminKey: 'env:ADMIN_KEY', group: 'production', env: ENV, publish: '1.0.0', check: true });
    expect(imported.check?.report?.differences).toEqual([]);
    const env: Record<string, string> = { ADMIN_KEY: KEY };
    // The variables hold what the gateway held: the import printed their names, the operator sets them.
    for (const v of imported.variables) {
      const obj = (config as unknown as Record<string, readonly Record<string, unknown>[]>)[v.kind]!.find((o) => String(o['id']) === v.id || o['username'] === v.id)!;
      const value = v.field.split('/').slice(1).reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], obj);
      if (typeof value === 'string') env[v.name] = value;
    }
    const first = synced(await runSync({ cwd: dir, group: 'production', env }));
    expect(first.ok).toBe(true);
    expect(admin.servedViolations()).toEqual([]);
    const second = synced(await runSync({ cwd: dir, group: 'production', env }));
    expect(second.report.targets).toMatchObject([{ status: 'in-sync' }]);
  }, 120_000);
});
