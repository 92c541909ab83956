/**
 * A gateway group's consumers synced to an Admin API gateway (the test server, which checks
 * bodies against APISIX's schemas and refuses an auth key another consumer has), with their
 * secret references resolved at sync time only: the gateway gets the values, no output of
 * tagway shows them (canaries below), a second sync writes nothing, a rotated value writes one
 * object.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCompile } from '../src/app/compile.js';
import { runDriftCheck } from '../src/app/drift.js';
import { runSync, type SyncOutcome } from '../src/app/sync.js';
import { renderDrift } from '../src/cli/render/drift.js';
import { renderRollout, renderRolloutMarkdown } from '../src/cli/render/sync.js';
import { startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { startStandaloneServer } from './support/apisix-standalone-server.js';
import { runCli, synced } from './support/cli-run.js';
import { makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';
import { targetYaml } from './support/target-yaml.js';

const ADMIN = 'TAGWAY_TEST_CONSUMERS_ADMIN';
const ADMIN_KEY = 'admin-key-consumers-5b1e';
/** Distinctive values: on the gateway, never in any output. */
const MOBILE = 'mobile-canary-9d41c7e2f0a3';
const ROTATED = 'mobile-rotated-canary-3e77b0d6';
const OPS = 'ops-file-canary-c2a9e81f';
const G = 'gateway-groups/staging';

function stagingGroup(url: string): string {
  return `name: staging\npublished:\n  petstore: ^1.0\n  orders: 1.0.0\n  catalog: 1.0.0\ninclude: [consumer-groups/mobile-apps, consumers/petstore-mobile]\ntargets:\n${targetYaml('eu-1', 'apisix', url, ADMIN)}`;
}

function expectNoCanary(...texts: string[]): void {
  for (const text of texts) for (const canary of [MOBILE, ROTATED, OPS]) expect(text).not.toContain(canary);
}

/** What the CLI prints of an outcome (the in-memory report holds the plan's objects; the renderers mask their secrets). */
function outputs(outcome: SyncOutcome): string[] {
  if (outcome.kind === 'synced') return [renderRollout(outcome.report), renderRolloutMarkdown(outcome.report)];
  if (outcome.kind === 'dry-run') return [renderDrift(outcome.report)];
  return [];
}

describe('consumers synced to an Admin API gateway', () => {
  let admin: AdminServer;
  let repo: TempRepo;
  const env = (mobile = MOBILE) => ({ [ADMIN]: ADMIN_KEY, TAGWAY_TEST_MOBILE_KEY: mobile });
  const sync = (mobile?: string) => runSync({ cwd: repo.dir, group: 'staging', env: env(mobile), retry: { maxAttempts: 1 } });

  beforeAll(async () => {
    admin = await startAdminServer({ apiKey: ADMIN_KEY });
  });
  afterAll(() => admin.close());
  beforeEach(() => {
    repo = makeExampleRepo({
      [`${G}/group.yaml`]: stagingGroup(admin.url),
      [`${G}/consumers/mobile.yaml`]: 'group: mobile-apps\nplugins:\n  key-auth:\n    key: env:TAGWAY_TEST_MOBILE_KEY\n',
      [`${G}/consumers/ops.yaml`]: 'plugins:\n  basic-auth:\n    username: ops\n    password: file:secrets/ops.key\n',
    });
    fs.mkdirSync(path.join(repo.dir, 'secrets'));
    fs.writeFileSync(path.join(repo.dir, 'secrets', 'ops.key'), `${OPS}\n`);
  });
  afterEach(() => {
    repo.cleanup();
    admin.reset();
  });

  it('writes the resolved values to the gateway, keeps them out of every output, and writes nothing the second time', async () => {
    const first = synced(await sync());
    expect(first.report.targets).toMatchObject([{ status: 'applied' }]);
    const consumers = admin.objects('consumers');
    expect(consumers.get('mobile')).toMatchObject({ username: 'mobile', group_id: 'mobile-apps', plugins: { 'key-auth': { key: MOBILE } } });
    expect(consumers.get('ops')).toMatchObject({ plugins: { 'basic-auth': { username: 'ops', password: OPS } } });
    expect(consumers.get('petstore-mobile')).toMatchObject({ plugins: { 'key-auth': { key: '$env://PETSTORE_MOBILE_KEY' } } });
    expect(admin.objects('consumer_groups').get('mobile-apps')).toMatchObject({ labels: { 'managed-by': 'tagway', 'tagway.group': 'staging' } });
    // The group was written before the consumers that use it.
    const puts = admin.requests.filter((r) => r.method === 'PUT').map((r) => r.path);
    expect(puts.indexOf('/apisix/admin/consumer_groups/mobile-apps')).toBeGreaterThanOrEqual(0);
    expect(puts.indexOf('/apisix/admin/consumer_groups/mobile-apps')).toBeLessThan(puts.indexOf('/apisix/admin/consumers/mobile'));
    await runCompile({ cwd: repo.dir });
    const dist = ['snapshot.json', 'apisix.yaml'].map((f) => fs.readFileSync(path.join(repo.dir, 'dist', 'staging', f), 'utf8'));
    expect(dist[0]).toContain('env:TAGWAY_TEST_MOBILE_KEY');
    expectNoCanary(...outputs(first), ...dist);

    const writes = admin.objectWrites();
    const second = synced(await sync());
    expect(second.report.targets).toMatchObject([{ status: 'in-sync', writes: 0 }]);
    expect(admin.objectWrites()).toBe(writes);

    const dry = await runSync({ cwd: repo.dir, group: 'staging', env: env(), dryRun: true });
    expect(dry.ok).toBe(true);
    expectNoCanary(...outputs(dry));
    const drift = await runDriftCheck({ cwd: repo.dir, group: 'staging', env: env(), retry: { maxAttempts: 1 } });
    expect(drift.ok).toBe(true);
    if (drift.kind === 'checked') expectNoCanary(renderDrift(drift.report));
  });

  it('writes exactly the consumer whose value was rotated, and shows its change masked', async () => {
    synced(await sync());
    const rotatedDrift = await runDriftCheck({ cwd: repo.dir, group: 'staging', env: env(ROTATED), retry: { maxAttempts: 1 } });
    expect(rotatedDrift.ok).toBe(false);
    if (rotatedDrift.kind === 'checked') expectNoCanary(renderDrift(rotatedDrift.report));
    const dry = await runSync({ cwd: repo.dir, group: 'staging', env: env(ROTATED), dryRun: true });
    expectNoCanary(...outputs(dry));
    const writes = admin.objectWrites();
    const rotated = synced(await sync(ROTATED));
    expect(rotated.report.targets).toMatchObject([{ status: 'applied', writes: 1 }]);
    expect(admin.objectWrites() - writes).toBe(1);
    expect(admin.objects('consumers').get('mobile')).toMatchObject({ plugins: { 'key-auth': { key: ROTATED } } });
    expectNoCanary(...outputs(rotated));
  });

  it('deletes a consumer removed from git', async () => {
    synced(await sync());
    repo.remove(`${G}/consumers/ops.yaml`);
    const after = synced(await sync());
    expect(after.report.targets).toMatchObject([{ status: 'applied', writes: 1 }]);
    expect(admin.objects('consumers').has('ops')).toBe(false);
    expect(admin.objects('consumers').has('mobile')).toBe(true);
  });

  it('never overwrites a consumer of the same username that tagway does not own', async () => {
    admin.seed('consumers', 'mobile', { username: 'mobile', plugins: { 'key-auth': { key: 'hand-made' } } });
    const outcome = synced(await sync());
    expect(outcome.ok).toBe(false);
    expect(outcome.report.targets[0]!.conflicts).toEqual([expect.objectContaining({ code: 'unowned', kind: 'consumers', id: 'mobile' })]);
    expect(admin.objects('consumers').get('mobile')).toEqual({ username: 'mobile', plugins: { 'key-auth': { key: 'hand-made' } } });
  });

  it('stops before any write when a reference cannot be resolved, naming it and no value', async () => {
    await expect(runSync({ cwd: repo.dir, group: 'staging', env: { [ADMIN]: ADMIN_KEY } })).rejects.toThrow(
      'consumer mobile key-auth key: environment variable TAGWAY_TEST_MOBILE_KEY (from env:TAGWAY_TEST_MOBILE_KEY) is not set',
    );
    fs.rmSync(path.join(repo.dir, 'secrets', 'ops.key'));
    await expect(sync()).rejects.toThrow('consumer ops basic-auth password: file:secrets/ops.key cannot be read');
    fs.symlinkSync('/etc/hostname', path.join(repo.dir, 'secrets', 'ops.key'));
    await expect(sync()).rejects.toThrow('consumer ops basic-auth password: file:secrets/ops.key leads out of the repository');
    expect(admin.objectWrites()).toBe(0);
  });

  it('keeps the values out of the CLI output, text and JSON', async () => {
    const text = await runCli(['sync', '--group', 'staging'], repo.dir, env(), []);
    expect(text.code).toBe(0);
    const json = await runCli(['sync', '--group', 'staging', '--dry-run', '--format', 'json'], repo.dir, env(ROTATED), []);
    const status = await runCli(['status', '--group', 'staging', '--live'], repo.dir, env(ROTATED), []);
    expectNoCanary(text.stdout, text.stderr, json.stdout, json.stderr, status.stdout, status.stderr);
    expect(admin.objects('consumers').get('mobile')).toMatchObject({ plugins: { 'key-auth': { key: MOBILE } } });
  });
});

describe('consumers synced to a standalone gateway and a file', () => {
  let repo: TempRepo;
  const files = (targets: string) => ({
    [`${G}/group.yaml`]: `name: staging\npublished:\n  petstore: ^1.0\n  orders: 1.0.0\n  catalog: 1.0.0\ninclude: [consumer-groups/mobile-apps, consumers/petstore-mobile]\ntargets:\n${targets}`,
    [`${G}/consumers/mobile.yaml`]: 'plugins:\n  key-auth:\n    key: env:TAGWAY_TEST_MOBILE_KEY\n',
  });
  afterEach(() => repo.cleanup());
  const sync = (mobile: string, extra: Record<string, string> = {}) =>
    runSync({ cwd: repo.dir, group: 'staging', env: { TAGWAY_TEST_MOBILE_KEY: mobile, ...extra }, retry: { maxAttempts: 1 } });

  it('file: writes the values into the gateway\'s file only, nothing the second time, the file again on rotation', async () => {
    repo = makeExampleRepo(files('  - name: local\n    kind: file\n    path: out/staging/apisix.yaml\n'));
    const file = path.join(repo.dir, 'out', 'staging', 'apisix.yaml');
    const first = synced(await sync(MOBILE));
    expect(first.report.targets).toMatchObject([{ status: 'applied', writes: 1 }]);
    expect(fs.readFileSync(file, 'utf8')).toContain(`key: ${MOBILE}`);
    expect(synced(await sync(MOBILE)).report.targets).toMatchObject([{ status: 'in-sync', writes: 0 }]);
    const rotated = synced(await sync(ROTATED));
    expect(rotated.report.targets).toMatchObject([{ status: 'applied', writes: 1, plan: { update: 1 } }]);
    expect(fs.readFileSync(file, 'utf8')).toContain(`key: ${ROTATED}`);
    expectNoCanary(...outputs(rotated));
  });

  it('apisix-standalone: takes the values, and a rotated value under a new digest', async () => {
    const server = await startStandaloneServer({ apiKey: ADMIN_KEY });
    try {
      repo = makeExampleRepo(files(targetYaml('edge-1', 'apisix-standalone', server.url, ADMIN)));
      const first = synced(await sync(MOBILE, { [ADMIN]: ADMIN_KEY }));
      expect(first.report.targets).toMatchObject([{ status: 'applied' }]);
      const mobile = () => (server.config()['consumers'] as Record<string, unknown>[]).find((c) => c['username'] === 'mobile');
      expect(mobile()).toMatchObject({ plugins: { 'key-auth': { key: MOBILE } } });
      expect(synced(await sync(MOBILE, { [ADMIN]: ADMIN_KEY })).report.targets).toMatchObject([{ status: 'in-sync', writes: 0 }]);
      const rotated = synced(await sync(ROTATED, { [ADMIN]: ADMIN_KEY }));
      expect(rotated.report.targets).toMatchObject([{ status: 'applied', writes: 1 }]);
      expect(mobile()).toMatchObject({ plugins: { 'key-auth': { key: ROTATED } } });
      expect(rotated.report.digest).not.toBe(first.report.digest);
      expectNoCanary(...outputs(rotated));
    } finally {
      await server.close();
    }
  });
});
