/**
 * A gateway group's secret managers (gateway-groups/<group>/secrets/<manager>/<id>.yaml) from the
 * repository to the gateways: synced to an Admin API gateway (the test server, which checks each
 * body against its manager's APISIX schema) with their tagway references resolved at sync time
 * only, to a standalone gateway, and shown by the diff; their secrets in no output (canaries).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCompile } from '../src/app/compile.js';
import { runDiff } from '../src/app/diff.js';
import { runSync, type SyncOutcome } from '../src/app/sync.js';
import { renderDrift } from '../src/cli/render/drift.js';
import { renderRollout, renderRolloutMarkdown } from '../src/cli/render/sync.js';
import { renderDiffMarkdown } from '../src/diff/render-markdown.js';
import { renderDiffText } from '../src/diff/render-text.js';
import { startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { startStandaloneServer } from './support/apisix-standalone-server.js';
import { runCli, synced } from './support/cli-run.js';
import { makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';
import { targetYaml } from './support/target-yaml.js';

const ADMIN = 'TAGWAY_TEST_SECRETS_ADMIN';
const ADMIN_KEY = 'admin-key-secrets-81c4';
/** Distinctive values: on the gateway, never in any output. */
const TOKEN = 'vault-token-canary-5e0f19d2';
const AWS_KEY = 'aws-secret-canary-a7d3e4b1';
const G = 'gateway-groups/staging';
const VAULT = 'uri: https://vault.example.com:8200\nprefix: kv/apisix\ntoken: env:TAGWAY_TEST_VAULT_TOKEN\n';
const AWS = 'access_key_id: AKIDEXAMPLE\nsecret_access_key: file:secrets/aws.key\nregion: eu-west-1\n';
const owner = { 'managed-by': 'tagway', 'tagway.group': 'staging' };

function group(targets: string): string {
  return `name: staging\npublished:\n  petstore: ^1.0\n  orders: 1.0.0\n  catalog: 1.0.0\ntargets:\n${targets}`;
}

function expectNoCanary(...texts: string[]): void {
  for (const text of texts) for (const canary of [TOKEN, AWS_KEY]) expect(text).not.toContain(canary);
}

function outputs(outcome: SyncOutcome): string[] {
  if (outcome.kind === 'synced') return [renderRollout(outcome.report), renderRolloutMarkdown(outcome.report)];
  if (outcome.kind === 'dry-run') return [renderDrift(outcome.report)];
  return [];
}

function withManagers(targets: string): TempRepo {
  const repo = makeExampleRepo({ [`${G}/group.yaml`]: group(targets), [`${G}/secrets/vault/prod.yaml`]: VAULT, [`${G}/secrets/aws/main.yaml`]: AWS });
  fs.mkdirSync(path.join(repo.dir, 'secrets'));
  fs.writeFileSync(path.join(repo.dir, 'secrets', 'aws.key'), `${AWS_KEY}\n`);
  return repo;
}

describe('secret managers synced to an Admin API gateway', () => {
  let admin: AdminServer;
  let repo: TempRepo;
  const env = { [ADMIN]: ADMIN_KEY, TAGWAY_TEST_VAULT_TOKEN: TOKEN };
  const sync = () => runSync({ cwd: repo.dir, group: 'staging', env, retry: { maxAttempts: 1 } });

  beforeAll(async () => {
    admin = await startAdminServer({ apiKey: ADMIN_KEY });
  });
  afterAll(() => admin.close());
  beforeEach(() => {
    repo = withManagers(targetYaml('eu-1', 'apisix', admin.url, ADMIN));
  });
  afterEach(() => {
    repo.cleanup();
    admin.reset();
  });

  it('writes them first, with the values resolved and the labels, keeps the values out of every output, and writes nothing the second time', async () => {
    const first = synced(await sync());
    expect(first.report.targets).toMatchObject([{ status: 'applied' }]);
    const secrets = admin.objects('secrets');
    expect(secrets.get('vault/prod')).toMatchObject({ id: 'vault/prod', token: TOKEN, prefix: 'kv/apisix', labels: owner });
    expect(secrets.get('aws/main')).toMatchObject({ id: 'aws/main', secret_access_key: AWS_KEY, access_key_id: 'AKIDEXAMPLE', labels: owner });
    const puts = admin.requests.filter((r) => r.method === 'PUT').map((r) => r.path);
    expect(puts.filter((p) => p.startsWith('/apisix/admin/secrets/')).sort()).toEqual(['/apisix/admin/secrets/aws/main', '/apisix/admin/secrets/vault/main', '/apisix/admin/secrets/vault/prod']);
    // Before the objects whose $secret:// may name them (the lease, an upstream, comes first of all).
    expect(puts.indexOf('/apisix/admin/secrets/vault/prod')).toBeLessThan(puts.indexOf('/apisix/admin/upstreams/petstore'));
    await runCompile({ cwd: repo.dir });
    const dist = ['snapshot.json', 'apisix.yaml'].map((f) => fs.readFileSync(path.join(repo.dir, 'dist', 'staging', f), 'utf8'));
    expect(dist[0]).toContain('"token":"env:TAGWAY_TEST_VAULT_TOKEN"');
    expectNoCanary(...outputs(first), ...dist);

    const writes = admin.objectWrites();
    expect(synced(await sync()).report.targets).toMatchObject([{ status: 'in-sync', writes: 0 }]);
    expect(admin.objectWrites()).toBe(writes);
    const dry = await runSync({ cwd: repo.dir, group: 'staging', env: { ...env, TAGWAY_TEST_VAULT_TOKEN: 'vault-rotated' }, dryRun: true });
    expectNoCanary(...outputs(dry));
    const cli = await runCli(['sync', '--group', 'staging', '--dry-run', '--format', 'json'], repo.dir, { ...env, TAGWAY_TEST_VAULT_TOKEN: 'vault-rotated' }, []);
    const status = await runCli(['status', '--group', 'staging', '--live'], repo.dir, env, []);
    expectNoCanary(cli.stdout, cli.stderr, status.stdout, status.stderr);
  });

  it('deletes a secret manager removed from git, and no other', async () => {
    synced(await sync());
    repo.remove(`${G}/secrets/aws/main.yaml`);
    expect(synced(await sync()).report.targets).toMatchObject([{ status: 'applied', writes: 1 }]);
    expect([...admin.objects('secrets').keys()].sort()).toEqual(['vault/main', 'vault/prod']);
  });

  it('never overwrites a secret manager at the same id that tagway does not own', async () => {
    const theirs = { uri: 'https://vault.other:8200', prefix: 'kv', token: 'theirs' };
    admin.seed('secrets', 'vault/prod', theirs);
    const outcome = synced(await sync());
    expect(outcome.ok).toBe(false);
    expect(outcome.report.targets[0]!.conflicts).toEqual([expect.objectContaining({ code: 'unowned', kind: 'secrets', id: 'vault/prod' })]);
    expect(admin.objects('secrets').get('vault/prod')).toEqual({ id: 'vault/prod', ...theirs });
  });

  it('stops before any write when a token cannot be resolved, naming the reference and no value', async () => {
    await expect(runSync({ cwd: repo.dir, group: 'staging', env: { [ADMIN]: ADMIN_KEY } })).rejects.toThrow(
      'secret manager vault/prod token: environment variable TAGWAY_TEST_VAULT_TOKEN (from env:TAGWAY_TEST_VAULT_TOKEN) is not set',
    );
    expect(admin.objectWrites()).toBe(0);
  });
});

describe('secret managers on a standalone gateway', () => {
  it('are its secrets list, with the values, and a second sync writes nothing', async () => {
    const server = await startStandaloneServer({ apiKey: ADMIN_KEY });
    const repo = withManagers(targetYaml('edge-1', 'apisix-standalone', server.url, ADMIN));
    try {
      const sync = () => runSync({ cwd: repo.dir, group: 'staging', env: { [ADMIN]: ADMIN_KEY, TAGWAY_TEST_VAULT_TOKEN: TOKEN }, retry: { maxAttempts: 1 } });
      const first = synced(await sync());
      expect(first.report.targets).toMatchObject([{ status: 'applied' }]);
      const secrets = server.config()['secrets'] as Record<string, unknown>[];
      // The example's own vault/main besides the two of this test.
      expect(secrets.map((s) => s['id'])).toEqual(['aws/main', 'vault/main', 'vault/prod']);
      expect(secrets[2]).toMatchObject({ token: TOKEN, labels: owner });
      expect(synced(await sync()).report.targets).toMatchObject([{ status: 'in-sync', writes: 0 }]);
      expectNoCanary(...outputs(first));
      // The compiled snapshot file, as sync --snapshot takes it: its secret managers' ids hold a slash.
      await runCompile({ cwd: repo.dir });
      const fromFile = synced(await runSync({ cwd: repo.dir, snapshotFile: 'dist/staging/snapshot.json', env: { [ADMIN]: ADMIN_KEY, TAGWAY_TEST_VAULT_TOKEN: TOKEN } }));
      expect(fromFile.report.targets).toMatchObject([{ status: 'in-sync', writes: 0 }]);
    } finally {
      repo.cleanup();
      await server.close();
    }
  });
});

describe('diff of secret managers between revisions', () => {
  it('lists the one added and the one changed, as objects of the group, references as written', async () => {
    const repo = withManagers('  - name: local\n    kind: file\n    path: out/staging/apisix.yaml\n');
    try {
      repo.git('branch', '-M', 'main');
      repo.git('checkout', '--quiet', '-b', 'change');
      repo.write(`${G}/secrets/vault/prod.yaml`, VAULT.replace('kv/apisix', 'kv/gateway'));
      repo.write(`${G}/secrets/gcp/main.yaml`, 'auth_file: /etc/apisix/gcp.json\n');
      repo.commit('move the vault prefix; add a gcp secret manager');
      const { ok, report } = await runDiff({ cwd: repo.dir, from: 'main', to: 'HEAD' });
      expect(ok).toBe(true);
      const staging = report!.groups.find((g) => g.group === 'staging')!;
      expect(staging.groupObjects.map((o) => [o.change, o.kind, o.id])).toEqual([
        ['added', 'secrets', 'gcp/main'],
        ['changed', 'secrets', 'vault/prod'],
      ]);
      expect(staging.groupObjects[1]!.fields.map((f) => f.path)).toEqual(['/prefix']);
      expect(renderDiffText(report!)).toContain('secret manager gcp/main');
      expect(renderDiffMarkdown(report!)).toContain('added secret manager `gcp/main`');
    } finally {
      repo.cleanup();
    }
  });
});
