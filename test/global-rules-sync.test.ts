/**
 * A gateway group's global rules and plugin metadata from the config repository to gateways:
 * compiled into the group's snapshot, synced to the Admin API test server (which checks bodies
 * against APISIX's schemas and keeps plugin metadata as APISIX does), written once, deleted when
 * their file goes, never written over an object tagway does not own; carried by a standalone
 * gateway and a file target; shown by the diff; a secret field of plugin metadata resolved at
 * sync time and shown in no output.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCompile } from '../src/app/compile.js';
import { runDiff } from '../src/app/diff.js';
import { runSync, type SyncOutcome } from '../src/app/sync.js';
import { renderDrift } from '../src/cli/render/drift.js';
import { renderRollout, renderRolloutMarkdown } from '../src/cli/render/sync.js';
import { renderDiffText } from '../src/diff/render-text.js';
import { startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { startStandaloneServer } from './support/apisix-standalone-server.js';
import { runCli, synced } from './support/cli-run.js';
import { makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';
import { targetYaml } from './support/target-yaml.js';

const ADMIN = 'TAGWAY_TEST_GLOBAL_ADMIN';
const ADMIN_KEY = 'admin-key-global-7c2d';
/** A secret of plugin metadata: on the gateway, never in any output. */
const AZURE = 'azure-canary-41f0d9b3e6';
const G = 'gateway-groups/staging';
const owner = { 'managed-by': 'tagway', 'tagway.group': 'staging' };

function stagingGroup(targets: string): string {
  return `name: staging\npublished:\n  petstore: ^1.0\n  orders: 1.0.0\n  catalog: 1.0.0\ntargets:\n${targets}`;
}

/** The example's staging group (a global rule running prometheus, prometheus's metadata) and two files more. */
function files(targets: string): Record<string, string> {
  return {
    [`${G}/group.yaml`]: stagingGroup(targets),
    [`${G}/global-rules/client-ip.yaml`]: 'plugins:\n  real-ip:\n    source: http_x_forwarded_for\n',
    [`${G}/plugin-metadata/azure-functions.yaml`]: 'master_apikey: env:TAGWAY_TEST_AZURE_KEY\n',
  };
}

function outputs(outcome: SyncOutcome): string[] {
  if (outcome.kind === 'synced') return [renderRollout(outcome.report), renderRolloutMarkdown(outcome.report)];
  if (outcome.kind === 'dry-run') return [renderDrift(outcome.report)];
  return [];
}

function expectNoCanary(...texts: string[]): void {
  for (const text of texts) expect(text).not.toContain(AZURE);
}

describe('global rules and plugin metadata synced to an Admin API gateway', () => {
  let admin: AdminServer;
  let repo: TempRepo;
  const env = { [ADMIN]: ADMIN_KEY, TAGWAY_TEST_AZURE_KEY: AZURE };
  const sync = () => runSync({ cwd: repo.dir, group: 'staging', env, retry: { maxAttempts: 1 } });

  beforeAll(async () => {
    admin = await startAdminServer({ apiKey: ADMIN_KEY });
  });
  afterAll(() => admin.close());
  beforeEach(() => {
    repo = makeExampleRepo(files(targetYaml('eu-1', 'apisix', admin.url, ADMIN)));
  });
  afterEach(() => {
    repo.cleanup();
    admin.reset();
  });

  it('compiles them into the snapshot, writes them once, with the secret resolved and shown nowhere', async () => {
    const compiled = await runCompile({ cwd: repo.dir, groups: ['staging'] });
    expect(compiled.ok).toBe(true);
    const snapshot = JSON.parse(fs.readFileSync(path.join(repo.dir, 'dist', 'staging', 'snapshot.json'), 'utf8'));
    expect(snapshot.apisix.global_rules.map((r: { id: string }) => r.id)).toEqual(['tagway.staging.client-ip', 'tagway.staging.observability']);
    expect(snapshot.apisix.plugin_metadata.map((m: { id: string }) => m.id)).toEqual(['azure-functions', 'prometheus']);

    const first = synced(await sync());
    expect(first.report.targets).toMatchObject([{ status: 'applied' }]);
    expect(admin.objects('global_rules').get('tagway.staging.observability')).toEqual({
      id: 'tagway.staging.observability',
      plugins: { prometheus: { prefer_name: true } },
      create_time: expect.any(Number),
      update_time: expect.any(Number),
    });
    expect(admin.objects('plugin_metadata').get('prometheus')).toEqual({
      id: 'prometheus',
      labels: owner,
      disabled_labels: { bandwidth: ['node'], http_latency: ['node'], http_status: ['node'] },
    });
    expect(admin.objects('plugin_metadata').get('azure-functions')).toEqual({ id: 'azure-functions', labels: owner, master_apikey: AZURE });
    expectNoCanary(...outputs(first), ...['snapshot.json', 'apisix.yaml'].map((f) => fs.readFileSync(path.join(repo.dir, 'dist', 'staging', f), 'utf8')));

    const writes = admin.objectWrites();
    expect(synced(await sync()).report.targets).toMatchObject([{ status: 'in-sync', writes: 0 }]);
    expect(admin.objectWrites()).toBe(writes);
    const dry = await runSync({ cwd: repo.dir, group: 'staging', env: { ...env, TAGWAY_TEST_AZURE_KEY: `${AZURE}-rotated` }, dryRun: true });
    expect(dry.ok).toBe(true);
    expectNoCanary(...outputs(dry));
    expect(outputs(dry).join('\n')).toContain('plugin metadata azure-functions');
  });

  it('deletes a global rule and plugin metadata whose file was removed, and nothing it does not own', async () => {
    admin.seed('global_rules', '1', { plugins: { 'request-id': {} } });
    admin.seed('global_rules', 'tagway.production.metrics', { plugins: { 'server-info': {} } });
    admin.seed('plugin_metadata', 'http-logger', { log_format: { host: '$host' } });
    synced(await sync());
    repo.remove(`${G}/global-rules/client-ip.yaml`);
    repo.remove(`${G}/plugin-metadata/azure-functions.yaml`);
    const after = synced(await sync());
    expect(after.report.targets).toMatchObject([{ status: 'applied', writes: 2, plan: { delete: 2 } }]);
    expect([...admin.objects('global_rules').keys()].sort()).toEqual(['1', 'tagway.production.metrics', 'tagway.staging.observability']);
    expect([...admin.objects('plugin_metadata').keys()].sort()).toEqual(['http-logger', 'prometheus']);
  });

  it('refuses to write over a global rule or plugin metadata at its id that tagway does not own, saying how to hand it over', async () => {
    admin.seed('global_rules', 'tagway.staging.observability-x', { plugins: {} });
    admin.seed('global_rules', 'tagway.staging.client-ip', { plugins: { 'real-ip': { source: 'http_x_real_ip' } } });
    admin.seed('plugin_metadata', 'prometheus', { disabled_labels: {} });
    // The id says whose a global rule is: one at tagway's id of this group is the group's, and is updated.
    const outcome = synced(await sync());
    expect(outcome.ok).toBe(false);
    const conflicts = outcome.report.targets[0]!.conflicts;
    expect(conflicts).toEqual([expect.objectContaining({ code: 'unowned', kind: 'plugin_metadata', id: 'prometheus' })]);
    expect(conflicts[0]!.hint).toContain('"tagway.group": "staging"');
    expect(admin.objects('plugin_metadata').get('prometheus')).toEqual({ id: 'prometheus', disabled_labels: {} });
    expect(admin.objects('global_rules').get('tagway.staging.client-ip')).toMatchObject({ plugins: { 'real-ip': { source: 'http_x_real_ip' } } });
  });

  it('stops on a global rule made by hand that holds one of the group\'s plugins, as APISIX refuses the second, and leaves the gateway as it was', async () => {
    admin.seed('global_rules', '1', { plugins: { prometheus: {} } });
    const outcome = synced(await sync());
    expect(outcome.ok).toBe(false);
    expect(JSON.stringify(outcome.report.targets[0]!.error)).toContain("plugin 'prometheus' already exists in global rule with id '1'");
    expect([...admin.objects('global_rules').keys()]).toEqual(['1']);
    expect(admin.objects('plugin_metadata').size).toBe(0);
  });

  it('keeps the secret out of the CLI output, text and JSON, and status --live', async () => {
    const text = await runCli(['sync', '--group', 'staging'], repo.dir, env, []);
    expect(text.code).toBe(0);
    const rotated = { ...env, TAGWAY_TEST_AZURE_KEY: `${AZURE}-rotated` };
    const json = await runCli(['sync', '--group', 'staging', '--dry-run', '--format', 'json'], repo.dir, rotated, []);
    const status = await runCli(['status', '--group', 'staging', '--live'], repo.dir, rotated, []);
    const live = await runCli(['diff', '--live', '--group', 'staging'], repo.dir, rotated, []);
    expect(status.stdout).toContain('azure-functions');
    expectNoCanary(text.stdout, text.stderr, json.stdout, json.stderr, status.stdout, status.stderr, live.stdout, live.stderr);
    expect(admin.objects('plugin_metadata').get('azure-functions')).toMatchObject({ master_apikey: AZURE });
  });
});

describe('global rules and plugin metadata on a standalone gateway and in a file', () => {
  let repo: TempRepo;
  afterEach(() => repo.cleanup());
  const sync = (extra: Record<string, string> = {}) =>
    runSync({ cwd: repo.dir, group: 'staging', env: { TAGWAY_TEST_AZURE_KEY: AZURE, ...extra }, retry: { maxAttempts: 1 } });

  it('file: lists them under global_rules and plugin_metadata, and writes nothing the second time', async () => {
    repo = makeExampleRepo(files('  - name: local\n    kind: file\n    path: out/staging/apisix.yaml\n'));
    expect(synced(await sync()).report.targets).toMatchObject([{ status: 'applied', writes: 1 }]);
    const text = fs.readFileSync(path.join(repo.dir, 'out', 'staging', 'apisix.yaml'), 'utf8');
    expect(text).toContain('global_rules:\n  - id: tagway.staging.client-ip\n');
    expect(text).toContain('plugin_metadata:\n  - id: azure-functions\n');
    expect(text).toContain(`master_apikey: ${AZURE}`);
    expect(synced(await sync()).report.targets).toMatchObject([{ status: 'in-sync', writes: 0 }]);
  });

  it('apisix-standalone: takes them in its configuration, and nothing the second time', async () => {
    const server = await startStandaloneServer({ apiKey: ADMIN_KEY });
    try {
      repo = makeExampleRepo(files(targetYaml('edge-1', 'apisix-standalone', server.url, ADMIN)));
      const first = synced(await sync({ [ADMIN]: ADMIN_KEY }));
      expect(first.report.targets).toMatchObject([{ status: 'applied' }]);
      expect((server.config()['global_rules'] as { id: string }[]).map((r) => r.id)).toEqual(['tagway.staging.client-ip', 'tagway.staging.observability']);
      expect(server.config()['plugin_metadata']).toEqual([
        { id: 'azure-functions', labels: owner, master_apikey: AZURE },
        { disabled_labels: { bandwidth: ['node'], http_latency: ['node'], http_status: ['node'] }, id: 'prometheus', labels: owner },
      ]);
      expect(synced(await sync({ [ADMIN]: ADMIN_KEY })).report.targets).toMatchObject([{ status: 'in-sync', writes: 0 }]);
      expectNoCanary(...outputs(first));
    } finally {
      await server.close();
    }
  });
});

describe('diff of global rules and plugin metadata between revisions', () => {
  it('lists each as an object of its own, field by field', async () => {
    const repo = makeExampleRepo();
    try {
      repo.git('branch', '-M', 'main');
      repo.git('checkout', '--quiet', '-b', 'change');
      repo.write(`${G}/global-rules/client-ip.yaml`, 'plugins:\n  real-ip:\n    source: http_x_forwarded_for\n');
      repo.write(`${G}/plugin-metadata/prometheus.yaml`, 'disabled_labels:\n  http_status: [node, consumer]\n');
      repo.commit('trust the client ip header; fewer prometheus labels');
      const { ok, report } = await runDiff({ cwd: repo.dir, from: 'main', to: 'HEAD' });
      expect(ok).toBe(true);
      const staging = report!.groups.find((g) => g.group === 'staging')!;
      expect(staging.groupObjects.map((o) => [o.change, o.kind, o.id])).toEqual([
        ['changed', 'plugin_metadata', 'prometheus'],
        ['added', 'global_rules', 'tagway.staging.client-ip'],
      ]);
      const text = renderDiffText(report!);
      expect(text).toContain('global rule tagway.staging.client-ip');
      expect(text).toContain('plugin metadata prometheus');
    } finally {
      repo.cleanup();
    }
  });
});
