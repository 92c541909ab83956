/**
 * Adopting a running gateway (docs/adoption.md): a gateway filled by hand (numeric ids, a route
 * through a service to an upstream, a consumer, an SSL, a global rule, plugin metadata), a
 * repository whose snapshot replaces those objects, and the adoption record that maps them. The
 * Admin API test server keeps the served set: after every request, every (host, method, uri)
 * served at the start still goes where it went. A sync takes the gateway over without a gap,
 * a second one plans nothing; a sync that fails in its first or second stage, or is stopped,
 * leaves a state the next sync finishes; a dry run shows the plan and writes nothing.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runSync, type SyncOutcome } from '../src/app/sync.js';
import { renderDryRun, renderRollout } from '../src/cli/render/sync.js';
import { driftJson, renderDrift } from '../src/cli/render/drift.js';
import { startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { makeCertificate } from './support/certificates.js';
import { synced } from './support/cli-run.js';
import { writeExampleTls } from './support/example-repo.js';
import { makeRepo, type TempRepo } from './support/git-repo.js';
import { SHOP_PETSTORE as PETSTORE } from './support/shop-petstore.js';
import { targetYaml } from './support/target-yaml.js';

const ADMIN = 'TAGWAY_TEST_ADOPT_ADMIN';
const ADMIN_KEY = 'admin-key-adopt-5e1b';
/** Alice's key: on the gateway, never in any output. */
const ALICE = 'alice-canary-8d2f61c0a7';
const G = 'gateway-groups/staging';
const owner = { 'managed-by': 'tagway', 'tagway.group': 'staging' };
const TLS = await makeCertificate({ names: ['shop.example'], notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 365 * 86_400_000) });
/** A line of the SSL's private key: on the gateway, never in any output. */
const KEY_LINE = TLS.key.split('\n')[1]!;
const NODES = [{ host: '10.0.0.1', port: 80, weight: 1 }];

const ADOPT = `# yaml-language-server: $schema=../../schemas/adopt.schema.json
routes:
  "1000": petstore.list-pets
  "1001": petstore.get-pet
services:
  "s1": petstore
upstreams:
  "u1": petstore
consumers:
  alice: alice
ssls:
  "7": shop
global_rules:
  "1": tagway.staging.observability
plugin_metadata:
  prometheus: prometheus
`;

function files(adminUrl: string): Record<string, string> {
  return {
    'services/petstore/service.yaml': PETSTORE,
    [`${G}/group.yaml`]: `name: staging\npublished:\n  petstore: 1.0.0\ntargets:\n${targetYaml('eu-1', 'apisix', adminUrl, ADMIN)}`,
    [`${G}/consumers/alice.yaml`]: 'plugins:\n  key-auth:\n    key: env:TAGWAY_TEST_ALICE_KEY\n',
    [`${G}/ssls/shop.yaml`]: 'snis: [shop.example]\ncert: file:tls/staging.crt\nkey: file:tls/staging.key\n',
    [`${G}/global-rules/observability.yaml`]: 'plugins:\n  prometheus:\n    prefer_name: true\n',
    [`${G}/plugin-metadata/prometheus.yaml`]: 'disabled_labels:\n  http_status: [node]\n',
    [`${G}/adopt.yaml`]: ADOPT,
  };
}

/** The gateway as its operators filled it by hand, plus objects the record does not list. */
function fillByHand(admin: AdminServer): void {
  admin.seed('upstreams', 'u1', { type: 'roundrobin', nodes: NODES });
  admin.seed('services', 's1', { upstream_id: 'u1', hosts: ['shop.example'] });
  admin.seed('routes', '1000', { uris: ['/pets'], methods: ['GET'], service_id: 's1' });
  admin.seed('routes', '1001', { uris: ['/pets/*'], methods: ['GET'], service_id: 's1' });
  admin.seed('consumers', 'alice', { username: 'alice', plugins: { 'key-auth': { key: ALICE } } });
  admin.seed('ssls', '7', { snis: ['shop.example'], cert: TLS.cert, key: TLS.key });
  admin.seed('global_rules', '1', { plugins: { prometheus: {} } });
  admin.seed('plugin_metadata', 'prometheus', { disabled_labels: { http_status: ['node'] } });
  // Not listed: left as they are.
  admin.seed('upstreams', 'u2', { type: 'roundrobin', nodes: [{ host: '10.0.0.2', port: 80, weight: 1 }] });
  admin.seed('routes', '2000', { uri: '/legacy', upstream_id: 'u2' });
  admin.markServed();
}

function outputs(outcome: SyncOutcome): string {
  if (outcome.kind === 'synced') return renderRollout(outcome.report);
  if (outcome.kind === 'dry-run') return `${renderDryRun(outcome.report)}${renderDrift(outcome.report)}`;
  return '';
}

describe('adopting a running gateway', () => {
  let admin: AdminServer;
  let repo: TempRepo;
  const env = { [ADMIN]: ADMIN_KEY, TAGWAY_TEST_ALICE_KEY: ALICE };
  const sync = (extra: { dryRun?: boolean } = {}) => runSync({ cwd: repo.dir, group: 'staging', env, retry: { maxAttempts: 1 }, ...extra });
  const ids = (kind: Parameters<AdminServer['objects']>[0]) => [...admin.objects(kind).keys()].sort();

  beforeAll(async () => {
    admin = await startAdminServer({ apiKey: ADMIN_KEY, servedSet: true });
  });
  afterAll(() => admin.close());
  beforeEach(() => {
    repo = makeRepo({ files: files(admin.url), commit: 'petstore as the gateway runs it' });
    repo.tag('petstore/v1.0.0', { message: 'petstore 1.0.0' });
    writeExampleTls(repo.dir, TLS);
    fillByHand(admin);
  });
  afterEach(() => {
    repo.cleanup();
    admin.reset();
  });

  /** The end state: the replacements in place, the originals gone, the others as they were. */
  function expectTakenOver(): void {
    expect(ids('routes')).toEqual(['2000', 'petstore.get-pet', 'petstore.list-pets']);
    expect(ids('services')).toEqual(['petstore']);
    expect(ids('upstreams')).toEqual(['petstore', 'u2']);
    expect(ids('ssls')).toEqual(['shop']);
    expect(ids('global_rules')).toEqual(['tagway.staging.observability']);
    expect(admin.objects('consumers').get('alice')).toMatchObject({ username: 'alice', labels: owner });
    expect(admin.objects('plugin_metadata').get('prometheus')).toMatchObject({ labels: owner });
    expect(admin.objects('routes').get('2000')).toMatchObject({ uri: '/legacy', upstream_id: 'u2' });
    expect(admin.servedViolations()).toEqual([]);
  }

  it('takes every listed object over without a moment where a route served nothing or went elsewhere; a second sync plans nothing', async () => {
    const first = synced(await sync());
    expect(first.ok).toBe(true);
    const [target] = first.report.targets;
    expect(target).toMatchObject({ status: 'applied', plan: { takeover: 2, retire: 6 } });
    expect(target!.steps.filter((s) => s.adoption === 'takeover').map((s) => `${s.kind}/${s.id}`)).toEqual(['plugin_metadata/prometheus', 'consumers/alice']);
    expect(target!.steps.filter((s) => s.adoption === 'retire').map((s) => `${s.kind}/${s.id}`)).toEqual([
      'global_rules/1',
      'routes/1000',
      'routes/1001',
      'services/s1',
      'upstreams/u1',
      'ssls/7',
    ]);
    expectTakenOver();
    const text = outputs(first);
    expect(text).toContain('route 1000  [retired: replaced by petstore.list-pets]');
    expect(text).toContain('[taken over in place]');
    expect(text).not.toContain(ALICE);
    expect(JSON.stringify(first)).not.toContain(ALICE);

    // The retired global rule went right before its replacement, which holds its plugin.
    const writes = admin.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
    expect(writes.indexOf('DELETE /apisix/admin/global_rules/1') + 1).toBe(writes.indexOf('PUT /apisix/admin/global_rules/tagway.staging.observability'));
    // Every other original went after every replacement was written.
    const lastPut = Math.max(...writes.map((w, i) => (w.startsWith('PUT') && !w.includes('tagway-lease') ? i : -1)));
    for (const original of ['routes/1000', 'routes/1001', 'services/s1', 'upstreams/u1', 'ssls/7']) {
      expect(writes.indexOf(`DELETE /apisix/admin/${original}`)).toBeGreaterThan(lastPut);
    }

    const before = admin.objectWrites();
    const second = synced(await sync());
    expect(second.report.targets).toMatchObject([{ status: 'in-sync', writes: 0, plan: { create: 0, update: 0, delete: 0 } }]);
    expect(admin.objectWrites()).toBe(before);
  });

  it('a dry run shows takeovers and retirements and writes nothing', async () => {
    const dry = await sync({ dryRun: true });
    expect(dry.kind).toBe('dry-run');
    if (dry.kind !== 'dry-run') return;
    expect(dry.report.inSync).toBe(false);
    expect(dry.report.targets[0]!.plan?.counts).toMatchObject({ takeover: 2, retire: 6 });
    const text = outputs(dry);
    expect(text).toContain('2 taken over in place, 6 to retire');
    expect(text).toContain('then, once those hold:');
    expect(text).toContain('- route 1000  [retired: replaced by petstore.list-pets]');
    expect(text).toContain('to retire (replaced by adoption)');
    expect(text).not.toContain(ALICE);
    // --format json: the retired SSL's key (a canary) is masked like any object body.
    const json = JSON.stringify(driftJson(dry.report));
    expect(json).toContain('"retiredFor":"shop"');
    expect(json).not.toContain(KEY_LINE);
    expect(json).not.toContain(ALICE);
    expect(admin.objectWrites()).toBe(0);
    expect(ids('routes')).toEqual(['1000', '1001', '2000']);
  });

  it('a first stage that fails half-way is taken back; the next sync finishes the job', async () => {
    admin.faults.add({ method: 'PUT', path: '/apisix/admin/routes/petstore.list-pets', times: Infinity, action: { kind: 'status', status: 500, body: { error_msg: 'etcd write failed' } } });
    const failed = synced(await sync());
    expect(failed.report.targets).toMatchObject([{ status: 'failed', error: { phase: 'apply' }, restore: { verified: true } }]);
    expect(ids('routes')).toEqual(['1000', '1001', '2000']);
    expect(ids('global_rules')).toEqual(['1']);
    expect(admin.servedViolations()).toEqual([]);

    admin.faults.clear();
    expect(synced(await sync()).report.targets).toMatchObject([{ status: 'applied' }]);
    expectTakenOver();
  });

  it('a second stage that fails half-way leaves the replacements holding; the next sync retires what is left', async () => {
    admin.faults.add({ method: 'DELETE', path: '/apisix/admin/upstreams/u1', times: Infinity, action: { kind: 'status', status: 500, body: { error_msg: 'etcd delete failed' } } });
    const failed = synced(await sync());
    const [target] = failed.report.targets;
    expect(target).toMatchObject({ status: 'failed', error: { phase: 'apply' }, runs: { state: 'snapshot' }, restore: { verified: true } });
    expect(target!.error!.message).toContain('the replacements hold');
    expect(ids('routes')).toContain('petstore.list-pets');
    expect(admin.servedViolations()).toEqual([]);

    // status --live sees the originals still there: not in sync.
    const dry = await sync({ dryRun: true });
    expect(dry.kind === 'dry-run' && dry.report.inSync).toBe(false);

    admin.faults.clear();
    const finished = synced(await sync());
    expect(finished.report.targets).toMatchObject([{ status: 'applied', plan: { create: 0, update: 0, delete: 0, retire: 5 } }]);
    expectTakenOver();
  });

  for (const stage of [1, 2]) {
    it(`a sync stopped in its ${stage === 1 ? 'first' : 'second'} stage leaves a state the next sync finishes`, async () => {
      const stop = new AbortController();
      let started = 0;
      // Stopped once a write of that stage is made: the writes in flight finish, no other starts.
      const outcome = await runSync({
        cwd: repo.dir,
        group: 'staging',
        env,
        retry: { maxAttempts: 1 },
        concurrency: 1,
        signal: stop.signal,
        onEvent: (e) => {
          if (e.type === 'writes-started') started += 1;
          if (e.type === 'progress' && started === stage && e.done > 0 && !stop.signal.aborted) stop.abort('SIGINT');
        },
      });
      expect(outcome.ok).toBe(false);
      expect(synced(outcome).report.targets).toMatchObject([{ status: 'interrupted' }]);
      expect(admin.servedViolations()).toEqual([]);
      expect(ids('routes')).toContain(stage === 1 ? '1000' : 'petstore.list-pets');
      expect(synced(await sync()).ok).toBe(true);
      expectTakenOver();
    });
  }

  it('keeps an original that an unlisted object still uses, and says so', async () => {
    admin.seed('routes', '3000', { uri: '/admin', service_id: 's1' });
    admin.markServed();
    const outcome = synced(await sync());
    expect(outcome.ok).toBe(true);
    const [target] = outcome.report.targets;
    expect(target!.kept).toEqual([
      expect.objectContaining({ kind: 'upstreams', id: 'u1', referencedBy: { kind: 'services', id: 's1' } }),
      expect.objectContaining({ kind: 'services', id: 's1', referencedBy: { kind: 'routes', id: '3000' } }),
    ]);
    expect(outputs(outcome)).toContain('warning: service s1 is replaced by petstore but was kept on the gateway: route 3000, which stays, still uses it');
    expect(ids('services')).toEqual(['petstore', 's1']);
    expect(ids('routes')).toEqual(['2000', '3000', 'petstore.get-pet', 'petstore.list-pets']);
    expect(admin.servedViolations()).toEqual([]);
    expect(synced(await sync()).report.targets).toMatchObject([{ status: 'in-sync' }]);
  });
});

describe('adopting a gateway written in one piece (a file target)', () => {
  let repo: TempRepo;
  afterEach(() => repo.cleanup());

  it('swaps the originals for their replacements in one write; a second sync plans nothing', async () => {
    const target = '  - name: local\n    kind: file\n    path: out/apisix.yaml\n';
    const record = 'routes:\n  "1000": petstore.list-pets\n  "1001": petstore.get-pet\nservices:\n  s1: petstore\nupstreams:\n  u1: petstore\n';
    repo = makeRepo({
      files: {
        'services/petstore/service.yaml': PETSTORE,
        [`${G}/group.yaml`]: `name: staging\npublished:\n  petstore: 1.0.0\ntargets:\n${target}`,
        [`${G}/adopt.yaml`]: record,
        'out/apisix.yaml':
          'routes:\n  - id: "1000"\n    uris: [/pets]\n    methods: [GET]\n    service_id: s1\n  - id: "1001"\n    uris: [/pets/*]\n    methods: [GET]\n    service_id: s1\n' +
          '  - id: "2000"\n    uri: /legacy\n    upstream_id: u1\nservices:\n  - id: s1\n    upstream_id: u1\n    hosts: [shop.example]\n' +
          'upstreams:\n  - id: u1\n    type: roundrobin\n    nodes:\n      - host: 10.0.0.1\n        port: 80\n        weight: 1\n#END\n',
      },
      commit: 'petstore as the gateway runs it',
    });
    repo.tag('petstore/v1.0.0', { message: 'petstore 1.0.0' });
    const first = synced(await runSync({ cwd: repo.dir, group: 'staging', env: {} }));
    expect(first.ok).toBe(true);
    // Route 2000 stays and uses u1: u1 is kept, the rest retired, all in the one write.
    expect(first.report.targets).toMatchObject([{ status: 'applied', writes: 1, plan: { create: 4, delete: 0, retire: 3 }, kept: [{ kind: 'upstreams', id: 'u1' }] }]);
    const file = repo.read('out/apisix.yaml');
    expect(file).not.toMatch(/id: "?(1000|1001|s1)"?\n/);
    expect(file).toContain('id: petstore.list-pets');
    expect(file).toContain('id: u1');
    expect(synced(await runSync({ cwd: repo.dir, group: 'staging', env: {} })).report.targets).toMatchObject([{ status: 'in-sync' }]);
  });
});

describe('a rollout stopped while a batch is written', () => {
  let eu1: AdminServer;
  let eu2: AdminServer;
  let repo: TempRepo;
  beforeAll(async () => {
    eu1 = await startAdminServer({ apiKey: ADMIN_KEY, servedSet: true });
    eu2 = await startAdminServer({ apiKey: ADMIN_KEY, servedSet: true });
  });
  afterAll(async () => {
    await eu1.close();
    await eu2.close();
  });
  afterEach(() => repo.cleanup());

  it('takes back both stages of a target that finished, originals before replacements go; the next sync finishes', async () => {
    const group = `name: staging\npublished:\n  petstore: 1.0.0\ntargets:\n${targetYaml('eu-1', 'apisix', eu1.url, ADMIN)}${targetYaml('eu-2', 'apisix', eu2.url, ADMIN)}rollout:\n  batch_size: 2\n`;
    repo = makeRepo({ files: { ...files(eu1.url), [`${G}/group.yaml`]: group }, commit: 'petstore on two gateways' });
    repo.tag('petstore/v1.0.0', { message: 'petstore 1.0.0' });
    writeExampleTls(repo.dir, TLS);
    fillByHand(eu1);
    fillByHand(eu2);
    const env = { [ADMIN]: ADMIN_KEY, TAGWAY_TEST_ALICE_KEY: ALICE };
    let release!: () => void;
    // eu-2 waits at its first write until eu-1 has done both stages; then the signal comes.
    eu2.faults.add({ method: 'PUT', path: '/apisix/admin/upstreams/petstore', action: { kind: 'hold', until: new Promise<void>((resolve) => (release = resolve)) } });
    const stop = new AbortController();
    let ended = 0;
    const outcome = synced(
      await runSync({
        cwd: repo.dir,
        group: 'staging',
        env,
        retry: { maxAttempts: 1 },
        signal: stop.signal,
        onEvent: (e) => {
          if (e.type === 'writes-ended' && e.target === 'eu-1' && ++ended === 2) {
            stop.abort('SIGINT');
            release();
          }
        },
      }),
    );
    expect(outcome.report.interrupted).toMatchObject({ by: 'SIGINT', batch: 1 });
    expect(outcome.report.targets).toMatchObject([{ target: 'eu-1', status: 'interrupted', restore: { ok: true, verified: true } }, { target: 'eu-2', status: 'interrupted' }]);
    for (const admin of [eu1, eu2]) {
      expect([...admin.objects('routes').keys()].sort()).toEqual(['1000', '1001', '2000']);
      expect([...admin.objects('global_rules').keys()]).toEqual(['1']);
      expect(admin.servedViolations()).toEqual([]);
    }
    eu2.faults.clear();
    expect(synced(await runSync({ cwd: repo.dir, group: 'staging', env, retry: { maxAttempts: 1 } })).ok).toBe(true);
    for (const admin of [eu1, eu2]) {
      expect([...admin.objects('routes').keys()].sort()).toEqual(['2000', 'petstore.get-pet', 'petstore.list-pets']);
      expect(admin.servedViolations()).toEqual([]);
    }
  });
});

