/**
 * `tagway import` end to end: a gateway made by hand (the Admin API test server, or a standalone
 * file) becomes a config repository, which compiles back to the same objects, publishes, and
 * imports again to the same bytes. Secrets never reach a file or the output.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runImport, type ImportOutcome } from '../src/app/import.js';
import { startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { runGit } from './support/git-repo.js';
import { runCli, userError } from './support/cli-run.js';
import { makeExampleRepo, writeExampleTls } from './support/example-repo.js';
import { syntheticGateway } from './support/synthetic-gateway.js';
import { loadGroupSnapshot } from '../src/app/group-snapshot.js';
import { resolveSecretReferences } from '../src/sync/secret-references.js';
import type { ApisixConfig, ApisixKind } from '../src/model/apisix.js';

const CANARY = 'canary-import-4b1d';
const GIT_IDENTITY = { GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' };

/** A gateway as people make it by hand: numeric ids, a service with routes, a consumer, a global rule. */
function seedGateway(server: AdminServer): void {
  server.seed('upstreams', '1', { name: 'pets backend', type: 'roundrobin', nodes: { '10.0.0.1:8080': 1, '10.0.0.2:8080': 1 } });
  server.seed('services', '100', { name: 'Pet Store', desc: 'Pets', hosts: ['pets.example.com'], upstream_id: '1', plugins: { 'key-auth': {} } });
  server.seed('routes', '1000', { name: 'list pets', uri: '/pets', methods: ['GET'], service_id: '100' });
  server.seed('routes', '1001', { uris: ['/pets/*'], methods: ['GET', 'DELETE'], service_id: '100', priority: 2 });
  server.seed('routes', '2000', { name: 'health', uri: '/healthz', upstream: { type: 'roundrobin', nodes: [{ host: '10.0.0.9', port: 80, weight: 1 }] } });
  server.seed('consumers', 'alice', { username: 'alice', plugins: { 'key-auth': { key: CANARY } } });
  server.seed('global_rules', '1', { plugins: { prometheus: {} } });
}

let server: AdminServer;
const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tagway-import-'));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  server = await startAdminServer();
  seedGateway(server);
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function live(cwd: string, more: Partial<Parameters<typeof runImport>[0]> = {}): Promise<ImportOutcome> {
  return runImport({ cwd, from: server.url, adminKey: 'env:ADMIN_KEY', group: 'production', env: { ADMIN_KEY: server.apiKey!, ...GIT_IDENTITY }, ...more });
}

function treeText(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name === '.git') continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(`${path.relative(dir, p)}\n${fs.readFileSync(p, 'utf8')}`);
    }
  };
  walk(dir);
  return out.join('\n');
}

describe('import from a live gateway', () => {
  it('makes an empty folder a config repository of the gateway, with no secret in it', async () => {
    const dir = tempDir();
    const outcome = await live(dir);
    expect(outcome.createdRepository).toBe(true);
    expect(outcome.services).toEqual(['health', 'pet-store']);
    expect(outcome.written).toEqual(
      expect.arrayContaining([
        'gateway-groups/production/adopt.yaml',
        'gateway-groups/production/consumers/alice.yaml',
        'gateway-groups/production/global-rules/prometheus.yaml',
        'gateway-groups/production/group.yaml',
        'gateway-groups/production/services/pet-store.yaml',
        'services/health/service.yaml',
        'services/pet-store/service.yaml',
      ]),
    );
    expect(fs.existsSync(path.join(dir, 'schemas/service.schema.json'))).toBe(true);
    expect(treeText(dir)).not.toContain(CANARY);
    expect(JSON.stringify(outcome)).not.toContain(CANARY);
    expect(outcome.variables.map((v) => v.name)).toEqual(['PRODUCTION_CONSUMER_ALICE_KEY_AUTH_KEY']);
    expect(fs.readFileSync(path.join(dir, 'gateway-groups/production/group.yaml'), 'utf8')).toContain('admin_key: env:ADMIN_KEY');
    expect(outcome.adoption).toEqual({ consumers: 1, global_rules: 1, routes: 3, services: 1, upstreams: 1 });
  });

  it('writes the same bytes when the same gateway is imported again', async () => {
    const dir = tempDir();
    await live(dir);
    const first = treeText(dir);
    const again = await live(dir);
    expect(again.written).toEqual([]);
    expect(treeText(dir)).toBe(first);
  });

  it('writes nothing on a dry run, and says what it would write', async () => {
    const dir = tempDir();
    const outcome = await live(dir, { dryRun: true });
    expect(outcome.dryRun).toBe(true);
    expect(outcome.written.length).toBeGreaterThan(0);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('refuses a live gateway without its key reference, before reading anything', async () => {
    const before = server.requests.length;
    await expect(runImport({ cwd: tempDir(), from: server.url, group: 'production', env: {} })).rejects.toThrow(/Admin API key/);
    expect(server.requests.length).toBe(before);
  });

  it('names the variable, never the key, when the key reference is not set', async () => {
    const error = await userError(runImport({ cwd: tempDir(), from: server.url, adminKey: 'env:NOT_SET_HERE', group: 'production', env: {} }));
    expect(error.message).toContain('NOT_SET_HERE');
  });

  it('commits the files and tags every service with --publish', async () => {
    const dir = tempDir();
    const outcome = await live(dir, { publish: '1.0.0' });
    expect(outcome.published?.ok).toBe(true);
    expect(runGit(dir, ['tag', '--list']).split('\n').sort()).toEqual(['health/v1.0.0', 'pet-store/v1.0.0']);
    expect(runGit(dir, ['status', '--porcelain', '--', 'services', 'gateway-groups'])).toBe('');
  });
});

/** A gateway server holding `config` as if made by hand (no checks: the objects come as they are). */
async function gatewayOf(config: ApisixConfig): Promise<AdminServer> {
  const gateway = await startAdminServer({ checks: false });
  for (const [kind, list] of Object.entries(config) as [ApisixKind, readonly Record<string, unknown>[]][]) {
    for (const obj of list) gateway.seed(kind, String(obj['id']), kind === 'consumers' ? obj : Object.fromEntries(Object.entries(obj).filter(([k]) => k !== 'id')));
  }
  return gateway;
}

describe('import --check: what was written compiles back to the source', () => {
  it('on a gateway made by hand: no difference, no secret left uncompared', async () => {
    const outcome = await live(tempDir(), { check: true });
    expect(outcome.check?.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(outcome.check?.report?.differences).toEqual([]);
    expect(outcome.check?.report?.notCompared).toEqual([]);
    expect(outcome.check?.report?.compared).toBeGreaterThan(0);
  });

  it('on the bundled example, its tagway labels taken off, as if it had been made by hand', async () => {
    const repo = makeExampleRepo();
    try {
      writeExampleTls(repo.dir);
      const loaded = await loadGroupSnapshot({ cwd: repo.dir, group: 'staging' });
      if (loaded.kind !== 'loaded') throw new Error('the example does not compile');
      const resolved = resolveSecretReferences(loaded.snapshot, { env: {}, root: repo.dir }).snapshot.apisix;
      const handMade = Object.fromEntries(
        Object.entries(resolved).map(([kind, list]) => [
          kind,
          (list as readonly Record<string, unknown>[]).map((obj) => {
            const labels = Object.fromEntries(Object.entries((obj['labels'] as Record<string, string> | undefined) ?? {}).filter(([k]) => k !== 'managed-by' && !k.startsWith('tagway.')));
            const { labels: _labels, ...rest } = obj;
            // A global rule's id was tagway's; by hand it is a number.
            const id = kind === 'global_rules' ? '1' : obj['id'];
            return { ...rest, id, ...(Object.keys(labels).length > 0 ? { labels } : {}) };
          }),
        ]),
      ) as unknown as ApisixConfig;
      const gateway = await gatewayOf(handMade);
      try {
        const outcome = await runImport({ cwd: tempDir(), from: gateway.url, adminKey: 'env:K', group: 'staging', env: { K: gateway.apiKey! }, check: true });
        expect(outcome.unexpressed).toEqual([]);
        expect(outcome.check?.report?.differences).toEqual([]);
        // The canary comes back as a canary, the SSL with its key as a variable to set.
        expect(outcome.written).toContain('gateway-groups/staging/ssls/staging.yaml');
        expect(outcome.variables.map((v) => `${v.kind} ${v.field}`)).toContain('ssls /key');
      } finally {
        await gateway.close();
      }
    } finally {
      repo.cleanup();
    }
  });

  it('on a generated gateway of 1,000 services with every kind', async () => {
    const gateway = await gatewayOf(await syntheticGateway(1000));
    try {
      const outcome = await runImport({ cwd: tempDir(), from: gateway.url, adminKey: 'env:K', group: 'production', env: { K: gateway.apiKey! }, check: true });
      expect(outcome.services.length).toBeGreaterThan(1000);
      expect(outcome.check?.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(outcome.check?.report?.differences).toEqual([]);
      expect(outcome.check?.report?.compared).toBeGreaterThan(3000);
    } finally {
      await gateway.close();
    }
  }, 120_000);
});

describe('import from an ADC file', () => {
  it('writes the services, consumers and global rules, with the credentials as variables, and checks equal', async () => {
    const file = path.join(tempDir(), 'adc.yaml');
    fs.writeFileSync(
      file,
      [
        'services:',
        '  - name: httpbin',
        '    hosts: [httpbin.example.com]',
        '    upstream:',
        '      nodes:',
        '        - { host: 10.0.0.5, port: 80, weight: 100 }',
        '    routes:',
        '      - { name: get, uris: [/get], methods: [GET] }',
        'consumers:',
        '  - username: jack',
        '    credentials:',
        `      - { name: key, type: key-auth, config: { key: ${CANARY} } }`,
        'global_rules:',
        '  prometheus: { prefer_name: true }',
        '',
      ].join('\n'),
    );
    const dir = tempDir();
    const outcome = await runImport({ cwd: dir, from: file, group: 'staging', env: {}, check: true });
    expect(outcome.source.format).toBe('adc');
    expect(outcome.services).toEqual(['httpbin']);
    expect(outcome.variables.map((v) => v.name)).toEqual(['STAGING_CONSUMER_JACK_KEY_AUTH_KEY']);
    expect(outcome.check?.report?.differences).toEqual([]);
    expect(outcome.adoption).toEqual({});
    expect(treeText(dir)).not.toContain(CANARY);
  });
});

describe('import from an OpenAPI document', () => {
  const SPEC = path.join(__dirname, 'fixtures/openapi/petstore-3.0.yaml');

  it('writes one service and its overlay, compiles, and re-imports keeping what was added by hand', async () => {
    const dir = tempDir();
    const first = await runImport({ cwd: dir, from: SPEC, group: 'staging', env: {}, check: true });
    expect(first.source.format).toBe('openapi');
    expect(first.services).toHaveLength(1);
    expect(first.check?.compiled).toBe(true);
    const name = first.services[0]!;
    const templateFile = path.join(dir, `services/${name}/service.yaml`);
    expect(first.written).toEqual(expect.arrayContaining([`services/${name}/service.yaml`, 'gateway-groups/staging/group.yaml']));
    // A plugin added by hand, and a comment, survive a re-import of a changed document.
    fs.writeFileSync(templateFile, `# reviewed by the platform team\n${fs.readFileSync(templateFile, 'utf8')}plugins:\n  limit-count: { count: 10, time_window: 60 }\n`);
    const changed = path.join(tempDir(), 'petstore.yaml');
    fs.writeFileSync(changed, `${fs.readFileSync(SPEC, 'utf8')}`.replace(/\npaths:\n/, '\npaths:\n  /health:\n    get:\n      operationId: health\n      responses: { "200": { description: ok } }\n'));
    const again = await runImport({ cwd: dir, from: changed, group: 'staging', env: {}, check: true });
    expect(again.services).toEqual([name]);
    expect(again.changes).toContainEqual({ kind: 'added', route: 'health' });
    const text = fs.readFileSync(templateFile, 'utf8');
    expect(text).toContain('# reviewed by the platform team');
    expect(text).toContain('limit-count');
    expect(again.check?.compiled).toBe(true);
  });

  it('reports a broken document at its line and column and writes nothing', async () => {
    const dir = tempDir();
    const bad = path.join(tempDir(), 'bad.yaml');
    fs.writeFileSync(bad, 'openapi: 3.0.3\ninfo: { title: x, version: "1" }\npaths: []\n');
    const outcome = await runImport({ cwd: dir, from: bad, group: 'staging', env: {} });
    expect(outcome.findings?.diagnostics[0]).toMatchObject({ file: bad, line: 3 });
    expect(outcome.written).toEqual([]);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('import from a standalone file', () => {
  it('writes the same services as from the Admin API, and a file target', async () => {
    const dir = tempDir();
    const file = path.join(tempDir(), 'apisix.yaml');
    fs.writeFileSync(
      file,
      [
        'upstreams:',
        '  - id: 1',
        '    nodes:',
        '      "10.0.0.1:8080": 1',
        'routes:',
        '  - id: 1',
        '    name: orders',
        '    uri: /orders/*',
        '    upstream_id: 1',
        '#END',
        '',
      ].join('\n'),
    );
    const outcome = await runImport({ cwd: dir, from: file, group: 'edge', env: {} });
    expect(outcome.source.format).toBe('standalone');
    expect(outcome.services).toEqual(['orders']);
    expect(outcome.written).not.toContain('gateway-groups/edge/adopt.yaml');
    expect(fs.readFileSync(path.join(dir, 'gateway-groups/edge/group.yaml'), 'utf8')).toContain('kind: file');
  });
});

describe('the command', () => {
  it('prints what it wrote and the variables to set, never a secret, and exits 1 for what it could not import', async () => {
    const gateway = await startAdminServer();
    try {
      seedGateway(gateway);
      gateway.seed('routes', '3000', { uri: '/legacy', plugins: { redirect: { uri: '/new' } } });
      const dir = tempDir();
      const run = await runCli(['import', gateway.url, '--admin-key', 'env:ADMIN_KEY', '--group', 'production', '-C', dir], dir, { ADMIN_KEY: gateway.apiKey! });
      expect(run.stderr).toBe('');
      expect(run.stdout).toContain('PRODUCTION_CONSUMER_ALICE_KEY_AUTH_KEY');
      expect(run.stdout).toContain('routes 3000: it goes to no upstream');
      expect(run.stdout + run.stderr).not.toContain(CANARY);
      expect(run.stdout + run.stderr).not.toContain(gateway.apiKey!);
      expect(run.code).toBe(1);
      const json = await runCli(['import', gateway.url, '--admin-key', 'env:ADMIN_KEY', '--group', 'production', '-C', dir, '--format', 'json'], dir, { ADMIN_KEY: gateway.apiKey! });
      const report = JSON.parse(json.stdout) as ImportOutcome;
      expect(report.written).toEqual([]);
      expect(report.unexpressed.map((u) => u.id)).toEqual(['3000']);
      expect(json.stdout).not.toContain(CANARY);
    } finally {
      await gateway.close();
    }
  });
});

describe('--publish when --check does not pass', () => {
  it('says nothing was committed or tagged and why, in text and JSON, and suggests no sync', async () => {
    // Two routes that match the same requests: APISIX takes both, tagway's compile refuses the conflict.
    const gateway = await startAdminServer({ checks: false });
    try {
      gateway.seed('upstreams', '1', { name: 'shop', nodes: { '10.0.0.1:8080': 1 } });
      gateway.seed('routes', '1', { name: 'a', uri: '/items', upstream_id: '1' });
      gateway.seed('routes', '2', { name: 'b', uri: '/items', upstream_id: '1' });
      const dir = tempDir();
      const args = ['import', gateway.url, '--admin-key', 'env:ADMIN_KEY', '--group', 'production', '-C', dir, '--check', '--publish', '1.0.0'];
      const run = await runCli(args, dir, { ADMIN_KEY: gateway.apiKey!, ...GIT_IDENTITY });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/not published: --check: what was written does not compile \(findings above\); nothing was committed or tagged/);
      const next = run.stdout.slice(run.stdout.indexOf('\nnext:'));
      expect(next).toContain('settle what --check found');
      expect(next).not.toMatch(/sync/);
      expect(runGit(dir, ['tag', '--list'])).toBe('');

      const json = JSON.parse((await runCli([...args, '--format', 'json'], dir, { ADMIN_KEY: gateway.apiKey!, ...GIT_IDENTITY })).stdout) as ImportOutcome;
      expect(json.published).toBeNull();
      expect(json.publishSkipped).toBe('--check: what was written does not compile (findings above)');
      expect(json.next.join('\n')).not.toMatch(/sync/);
    } finally {
      await gateway.close();
    }
  });

  it('publishes when --check passes, with no word of skipping', async () => {
    const dir = tempDir();
    const outcome = await live(dir, { publish: '1.0.0', check: true });
    expect(outcome.published?.ok).toBe(true);
    expect(outcome.publishSkipped).toBeNull();
  });
});

describe('the --check summary', () => {
  it('says how many objects of each kind were compared, and names what was left out as the import does', async () => {
    const gateway = await startAdminServer();
    try {
      seedGateway(gateway);
      gateway.seed('routes', '4000', { uri: '/filtered', upstream_id: '1', filter_func: 'function(vars) return true end' });
      gateway.seed('upstreams', 'tw', { nodes: { '10.0.0.5:80': 1 }, labels: { 'managed-by': 'tagway', 'tagway.group': 'other' } });
      const dir = tempDir();
      const run = await runCli(['import', gateway.url, '--admin-key', 'env:ADMIN_KEY', '--group', 'production', '-C', dir, '--check'], dir, { ADMIN_KEY: gateway.apiKey!, PRODUCTION_CONSUMER_ALICE_KEY_AUTH_KEY: CANARY });
      expect(run.stdout).toContain('left out 1 object tagway manages already');
      expect(run.stdout).toContain('not imported (1 object)');
      expect(run.stdout).toContain(
        'compared 6 objects of the source (consumers 1, global_rules 1, routes 3, services 1): 0 differences in 0 objects; 0 fields not compared (secret references); left out: 1 object not imported, 1 object tagway manages already',
      );
      expect(run.stdout).not.toContain(CANARY);
    } finally {
      await gateway.close();
    }
  });
});

describe('the next steps', () => {
  it('are commands that run as printed, -C after the command name', async () => {
    const dir = tempDir();
    const outcome = await live(dir);
    const commands = outcome.next.filter((s) => s.startsWith('tagway '));
    expect(commands.length).toBeGreaterThanOrEqual(2);
    for (const c of commands) expect(c).toMatch(new RegExp(`^tagway [a-z]+ .* -C ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    runGit(dir, ['add', '-A']);
    runGit(dir, ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', 'commit', '-q', '-m', 'Import the gateway']);
    const publish = commands.find((c) => c.startsWith('tagway publish '))!;
    // From another folder, as a user would: -C is what points at the repository.
    const run = await runCli(publish.split(' ').slice(1), os.tmpdir(), GIT_IDENTITY);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(runGit(dir, ['tag', '--list']).split('\n').sort()).toEqual(['health/v1.0.0', 'pet-store/v1.0.0']);
  });
});
