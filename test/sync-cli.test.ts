/**
 * `tagway sync` as a user meets it: the app function (`runSync`) and the built CLI on the bundled
 * example, with its `file` targets and with a fleet of Admin API test servers. Exit codes 0 / 1 / 2,
 * drafts and tampered snapshots refused, keys never printed.
 */
import { renderStandaloneYaml } from '../src/apisix/standalone-yaml.js';
import { resolveSecretReferences } from '../src/sync/secret-references.js';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCompile } from '../src/app/compile.js';
import { configDigest } from '../src/compile/snapshot.js';
import { runDriftCheck } from '../src/app/drift.js';
import { runSync, type SyncOutcome } from '../src/app/sync.js';
import { renderDrift } from '../src/cli/render/drift.js';
import { renderRollout } from '../src/cli/render/sync.js';
import { startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { runCli, synced, userError, type Run } from './support/cli-run.js';
import { makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';
import { targetYaml } from './support/target-yaml.js';
import type { RolloutReport } from '../src/sync/report.js';

/**
 * Objects of the example groups: both hold the shared consumer and consumer group; staging has a
 * canary upstream, petstore 1.1.0's extra route, a global rule, plugin metadata, a secret
 * manager and a certificate; production has its own consumer web-shop.
 */
const STAGING_OBJECTS = 22;
const STAGING_ROUTES = 9;
const PRODUCTION_OBJECTS = 17;

/** Key values that must never appear in any output. */
const KEYS = { TAGWAY_TEST_EU1_KEY: 'eu1-admin-key-7f3a9c2e51d04b68', TAGWAY_TEST_EU2_KEY: 'eu2-admin-key-0c8d2b7e94a15f36' };

/** The example's staging group.yaml with another `targets:` list. */
function stagingGroup(targets: string): string {
  return `name: staging\npublished:\n  petstore: ^1.0\n  orders: 1.0.0\n  catalog: 1.0.0\ninclude: [consumer-groups/mobile-apps, consumers/petstore-mobile]\ntargets:\n${targets}rollout:\n  batch_size: 1\n`;
}

const LOCAL_TARGET = '  - name: local\n    kind: file\n    path: out/staging/apisix.yaml\n';

/** Runs the built CLI without the fleet's key variables of this process. */
function tagway(args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): Promise<Run> {
  return runCli(args, cwd, env, Object.keys(KEYS));
}

function expectNoKey(...texts: string[]): void {
  for (const text of texts) for (const key of Object.values(KEYS)) expect(text).not.toContain(key);
}

function dryRun(outcome: SyncOutcome): Extract<SyncOutcome, { kind: 'dry-run' }> {
  if (outcome.kind !== 'dry-run') throw new Error(`expected a dry run, got ${outcome.kind}`);
  return outcome;
}

describe('runSync on the example repository (file targets)', () => {
  let repo: TempRepo;
  beforeEach(() => {
    repo = makeExampleRepo();
  });
  afterEach(() => repo.cleanup());

  it('writes each group\'s standalone file on the first sync and nothing on the second', async () => {
    for (const [group, objects] of [['staging', STAGING_OBJECTS], ['production', PRODUCTION_OBJECTS]] as const) {
      const first = synced(await runSync({ cwd: repo.dir, group, env: {} }));
      expect(first.ok).toBe(true);
      expect(first.report.targets).toMatchObject([{ target: 'local', kind: 'file', status: 'applied', writes: 1, plan: { create: objects } }]);
      const file = path.join(repo.dir, 'out', group, 'apisix.yaml');
      const compiled = await runCompile({ cwd: repo.dir });
      // What the compiled snapshot holds, with the values of its references (staging's certificate files).
      const resolved = resolveSecretReferences(compiled.snapshots.find((s) => s.group === group)!, { env: {}, root: repo.dir }).snapshot;
      expect(fs.readFileSync(file, 'utf8')).toBe(renderStandaloneYaml(resolved.apisix));
      expect(first.report.digest).toBe(resolved.digest);

      const mtime = fs.statSync(file).mtimeMs;
      const second = synced(await runSync({ cwd: repo.dir, group, env: {} }));
      expect(second.report.targets).toMatchObject([{ status: 'in-sync', writes: 0, plan: { create: 0, update: 0, delete: 0, unchanged: objects } }]);
      expect(fs.statSync(file).mtimeMs).toBe(mtime);
    }
  });

  it('--dry-run plans every object and writes nothing', async () => {
    const outcome = dryRun(await runSync({ cwd: repo.dir, group: 'staging', dryRun: true, env: {} }));
    expect(outcome.ok).toBe(true);
    expect(outcome.report.targets[0]?.plan?.counts).toEqual({ create: STAGING_OBJECTS, update: 0, delete: 0, unchanged: 0 });
    expect(fs.existsSync(path.join(repo.dir, 'out'))).toBe(false);
  });

  it('compiles the group at --rev, with the targets of that revision', async () => {
    repo.write('gateway-groups/staging/group.yaml', stagingGroup('  - name: elsewhere\n    kind: file\n    path: out/elsewhere.yaml\n'));
    const outcome = synced(await runSync({ cwd: repo.dir, group: 'staging', rev: 'HEAD', env: {} }));
    expect(outcome.report.targets.map((t) => t.target)).toEqual(['local']);
    expect(outcome.snapshot.source).toEqual({ kind: 'compiled', commit: repo.revParse('HEAD') });
    // From the worktree, the edited group.yaml is taken as it is, and named.
    const fromWorktree = synced(await runSync({ cwd: repo.dir, group: 'staging', env: {} }));
    expect(fromWorktree.snapshot.source).toEqual({ kind: 'compiled', commit: null, uncommitted: ['gateway-groups/staging/group.yaml'] });
  });

  it('reports findings and contacts no target when the group does not compile', async () => {
    repo.write('gateway-groups/staging/services/petstore.yaml', 'hosts: [petstore.staging.example.com]\nroutes: []\n');
    const outcome = await runSync({ cwd: repo.dir, group: 'staging', env: {} });
    expect(outcome.kind).toBe('findings');
    expect(outcome.ok).toBe(false);
    if (outcome.kind === 'findings') expect(outcome.diagnostics.some((d) => d.severity === 'error')).toBe(true);
    expect(fs.existsSync(path.join(repo.dir, 'out'))).toBe(false);
  });

  it('two targets of one name: findings at the second (TW3017), from a compile or with --snapshot, and nothing synced', async () => {
    await runCompile({ cwd: repo.dir });
    repo.write('gateway-groups/staging/group.yaml', stagingGroup(`${LOCAL_TARGET}  - name: local\n    kind: file\n    path: out/other.yaml\n`));
    // Compiled twice (the second from the compile cache), and with the snapshot compiled before.
    const compiled = [await runSync({ cwd: repo.dir, group: 'staging', env: {} }), await runSync({ cwd: repo.dir, group: 'staging', env: {} })];
    for (const outcome of [...compiled, await runSync({ cwd: repo.dir, snapshotFile: 'dist/staging/snapshot.json', env: {} })]) {
      expect(outcome.kind).toBe('findings');
      if (outcome.kind !== 'findings') continue;
      expect(outcome.diagnostics.map((d) => [d.code, d.file, d.line, d.column])).toEqual([['TW3017', 'gateway-groups/staging/group.yaml', 11, 11]]);
      expect(outcome.diagnostics[0]?.related).toMatchObject([{ line: 8, column: 11, message: 'first used here' }]);
    }
    expect(fs.existsSync(path.join(repo.dir, 'out'))).toBe(false);
  });

  it('--snapshot syncs a compiled snapshot with the targets of its group', async () => {
    await runCompile({ cwd: repo.dir });
    const outcome = synced(await runSync({ cwd: repo.dir, snapshotFile: 'dist/staging/snapshot.json', env: {} }));
    expect(outcome.ok).toBe(true);
    expect(outcome.snapshot.source).toEqual({ kind: 'file', path: path.join(repo.dir, 'dist/staging/snapshot.json'), signature: null });
    expect(outcome.report.targets).toMatchObject([{ target: 'local', status: 'applied' }]);
  });

  it('--snapshot takes a snapshot compiled before consumers were managed: none of them', async () => {
    await runCompile({ cwd: repo.dir });
    const file = path.join(repo.dir, 'dist/staging/snapshot.json');
    const snapshot = JSON.parse(fs.readFileSync(file, 'utf8')) as { apisix: Record<string, unknown>; digest: string };
    delete snapshot.apisix['consumers'];
    delete snapshot.apisix['consumer_groups'];
    snapshot.digest = configDigest(snapshot.apisix as never);
    const old = path.join(repo.dir, 'old-snapshot.json');
    fs.writeFileSync(old, JSON.stringify(snapshot, null, 2));
    const outcome = synced(await runSync({ cwd: repo.dir, snapshotFile: old, env: {} }));
    expect(outcome.ok).toBe(true);
    const written = fs.readFileSync(path.join(repo.dir, 'out/staging/apisix.yaml'), 'utf8');
    expect(written).not.toMatch(/^consumers:\n  - /m);
  });

  it('--snapshot refuses a snapshot whose content does not match its digest', async () => {
    await runCompile({ cwd: repo.dir });
    const file = path.join(repo.dir, 'dist/staging/snapshot.json');
    const snapshot = JSON.parse(fs.readFileSync(file, 'utf8'));
    snapshot.apisix.routes[0].uris = ['/tampered'];
    fs.writeFileSync(file, JSON.stringify(snapshot));
    const error = await userError(runSync({ cwd: repo.dir, snapshotFile: file, env: {} }));
    expect(error.message).toContain(`says digest ${snapshot.digest}`);
    expect(fs.existsSync(path.join(repo.dir, 'out'))).toBe(false);
  });

  it('--snapshot checks the digest whatever the layout: an edited line, a second apisix key, a key given twice, a file formatted anew', async () => {
    await runCompile({ cwd: repo.dir });
    const file = path.join(repo.dir, 'dist/staging/snapshot.json');
    const text = fs.readFileSync(file, 'utf8');
    const snapshot = JSON.parse(text);
    const line = JSON.stringify(snapshot.apisix.routes[0]);
    expect(text).toContain(`      ${line}`);

    // One object's line edited, the layout kept.
    fs.writeFileSync(file, text.replace(line, JSON.stringify({ ...snapshot.apisix.routes[0], uris: ['/tampered'] })));
    expect((await userError(runSync({ cwd: repo.dir, snapshotFile: file, env: {} }))).message).toContain(`says digest ${snapshot.digest}`);

    // The compiled objects left in place, and a second `apisix` after them (JSON.parse keeps the last).
    const other = { ...snapshot.apisix, routes: [{ ...snapshot.apisix.routes[0], uris: ['/tampered'] }] };
    fs.writeFileSync(file, text.replace(/\n}\n$/, `,\n  "apisix": ${JSON.stringify(other)}\n}\n`));
    expect((await userError(runSync({ cwd: repo.dir, snapshotFile: file, env: {} }))).message).toContain(`says digest ${snapshot.digest}`);

    // A key given twice in one object's line, with a digest of the lines as written: the digest
    // must cover what JSON.parse keeps (the last), not the text.
    const linesDigest = (t: string) => {
      const kinds = ['consumer_groups', 'consumers', 'global_rules', 'plugin_configs', 'plugin_metadata', 'routes', 'secrets', 'services', 'ssls', 'stream_routes', 'upstreams'].map((kind) => {
        if (t.includes(`    "${kind}": []`)) return `"${kind}":[]`;
        const from = t.indexOf(`    "${kind}": [\n`);
        const lines = t.slice(from, t.indexOf('\n    ]', from)).split('\n').slice(1);
        return `"${kind}":[${lines.map((l) => l.trim().replace(/,$/, '')).join(',')}]`;
      });
      return `sha256:${createHash('sha256').update(`{${kinds.join(',')}}`).digest('hex')}`;
    };
    expect(linesDigest(text)).toBe(snapshot.digest);
    const doubled = text.replace(line, line.replace(/}$/, ',"uris":["/hijack"]}'));
    fs.writeFileSync(file, doubled.replace(snapshot.digest, linesDigest(doubled)));
    expect((await userError(runSync({ cwd: repo.dir, snapshotFile: file, env: {} }))).message).toContain('it was changed after it was compiled');

    // The same content formatted otherwise is the same snapshot.
    fs.writeFileSync(file, JSON.stringify(snapshot, null, 4));
    expect(synced(await runSync({ cwd: repo.dir, snapshotFile: file, env: {} })).ok).toBe(true);
    expect(fs.existsSync(path.join(repo.dir, 'out'))).toBe(true);
  });

  it('--snapshot refuses drafts, files that are not snapshots, and a snapshot of another group', async () => {
    await runCompile({ cwd: repo.dir, draft: true, outDir: 'drafts' });
    expect((await userError(runSync({ cwd: repo.dir, snapshotFile: 'drafts/staging/snapshot.json', env: {} }))).message).toContain('is a draft');
    fs.writeFileSync(path.join(repo.dir, 'not-a-snapshot.json'), '{"format":"tagway.snapshot/v1"}');
    expect((await userError(runSync({ cwd: repo.dir, snapshotFile: 'not-a-snapshot.json', env: {} }))).message).toContain('is not a tagway snapshot');
    await runCompile({ cwd: repo.dir });
    const other = await userError(runSync({ cwd: repo.dir, group: 'production', snapshotFile: 'dist/staging/snapshot.json', env: {} }));
    expect(other.message).toContain('is for group staging, not production');
    expect(fs.existsSync(path.join(repo.dir, 'out'))).toBe(false);
  });

  it('an unknown --target, and a group without targets, are usage errors that say what there is', async () => {
    const unknown = await userError(runSync({ cwd: repo.dir, group: 'staging', targets: ['eu-9'], env: {} }));
    expect(unknown.message).toContain('unknown target eu-9');
    expect(unknown.hint).toContain('are: local');
    repo.write('gateway-groups/staging/group.yaml', 'name: staging\npublished:\n  petstore: ^1.0\n  orders: 1.0.0\n  catalog: 1.0.0\n');
    expect((await userError(runSync({ cwd: repo.dir, group: 'staging', env: {} }))).message).toContain('has no targets');
  });
});

/** The example repository whose staging fleet is two Admin API test servers and a file. */
async function startFleet(): Promise<{ eu1: AdminServer; eu2: AdminServer; repo: TempRepo }> {
  const eu1 = await startAdminServer({ apiKey: KEYS.TAGWAY_TEST_EU1_KEY });
  const eu2 = await startAdminServer({ apiKey: KEYS.TAGWAY_TEST_EU2_KEY });
  const repo = makeExampleRepo({
    'gateway-groups/staging/group.yaml': stagingGroup(
      targetYaml('eu-1', 'apisix', eu1.url, 'TAGWAY_TEST_EU1_KEY') + targetYaml('eu-2', 'apisix', eu2.url, 'TAGWAY_TEST_EU2_KEY') + LOCAL_TARGET,
    ),
  });
  return { eu1, eu2, repo };
}

function resetFleet(eu1: AdminServer, eu2: AdminServer, repo: TempRepo): void {
  eu1.reset();
  eu2.reset();
  fs.rmSync(path.join(repo.dir, 'out'), { recursive: true, force: true });
}

async function stopFleet(eu1: AdminServer, eu2: AdminServer, repo: TempRepo): Promise<void> {
  await Promise.all([eu1.close(), eu2.close()]);
  repo.cleanup();
}

describe('runSync against Admin API test servers', () => {
  let eu1: AdminServer;
  let eu2: AdminServer;
  let repo: TempRepo;

  beforeAll(async () => {
    ({ eu1, eu2, repo } = await startFleet());
  });
  afterEach(() => resetFleet(eu1, eu2, repo));
  afterAll(() => stopFleet(eu1, eu2, repo));

  it('creates every object on the first sync and writes nothing on the second', async () => {
    const first = synced(await runSync({ cwd: repo.dir, group: 'staging', env: KEYS }));
    expect(first.report).toMatchObject({ ok: true, counts: { applied: 3 } });
    expect(first.report.targets.map((t) => [t.target, t.writes])).toEqual([['eu-1', STAGING_OBJECTS], ['eu-2', STAGING_OBJECTS], ['local', 1]]);
    expect(eu1.objects('routes').size).toBe(STAGING_ROUTES);
    const writes = eu1.objectWrites() + eu2.objectWrites();

    const second = synced(await runSync({ cwd: repo.dir, group: 'staging', env: KEYS }));
    expect(second.report).toMatchObject({ ok: true, counts: { 'in-sync': 3 } });
    expect(eu1.objectWrites() + eu2.objectWrites()).toBe(writes);
    expectNoKey(JSON.stringify([first, second]));
  });

  it('--target syncs only the named targets, in fleet order', async () => {
    const outcome = synced(await runSync({ cwd: repo.dir, group: 'staging', targets: ['local', 'eu-2'], env: KEYS }));
    expect(outcome.report.targets.map((t) => t.target)).toEqual(['eu-2', 'local']);
    expect(eu1.requests).toHaveLength(0);
  });

  it('--dry-run reads every target and writes to none', async () => {
    const outcome = dryRun(await runSync({ cwd: repo.dir, group: 'staging', dryRun: true, env: KEYS }));
    expect(outcome.report.targets.map((t) => [t.target, t.status, t.plan?.steps.length])).toEqual([
      ['eu-1', 'drifted', STAGING_OBJECTS],
      ['eu-2', 'drifted', STAGING_OBJECTS],
      ['local', 'drifted', STAGING_OBJECTS],
    ]);
    expect(eu1.writes() + eu2.writes()).toBe(0);
    expect(fs.existsSync(path.join(repo.dir, 'out'))).toBe(false);
  });

  it('an unset key variable is a usage error before any request, naming the variable only', async () => {
    const error = await userError(runSync({ cwd: repo.dir, group: 'staging', env: { TAGWAY_TEST_EU1_KEY: KEYS.TAGWAY_TEST_EU1_KEY } }));
    expect(error.message).toContain('TAGWAY_TEST_EU2_KEY');
    expectNoKey(error.message, error.hint ?? '');
    expect(eu1.requests.length + eu2.requests.length).toBe(0);
  });

  it('a wrong key is an authentication failure of that target, and the key is in no report or text', async () => {
    const wrong = 'wrong-key-b9e0d1c2a3f45678';
    const outcome = synced(await runSync({ cwd: repo.dir, group: 'staging', env: { ...KEYS, TAGWAY_TEST_EU1_KEY: wrong } }));
    expect(outcome.report.targets.map((t) => [t.target, t.status])).toEqual([['eu-1', 'failed'], ['eu-2', 'skipped'], ['local', 'skipped']]);
    expect(outcome.report.targets[0]?.error?.code).toBe('auth');
    expect(eu1.objectWrites()).toBe(0);
    const text = JSON.stringify(outcome) + renderRollout(outcome.report);
    expect(text).not.toContain(wrong);
    expectNoKey(text);
  });

  it('a gateway that rejects a write: restored, rollout halted, the report says who runs what', async () => {
    await runSync({ cwd: repo.dir, group: 'staging', targets: ['local'], env: KEYS });
    eu2.faults.add({
      method: 'PUT',
      path: '/apisix/admin/routes/',
      times: Infinity,
      action: { kind: 'status', status: 400, body: { error_msg: 'invalid configuration: property "uris" validation failed' } },
    });
    const outcome = synced(await runSync({ cwd: repo.dir, group: 'staging', env: KEYS }));
    expect(outcome.ok).toBe(false);
    expect(outcome.report.halted).toEqual({ batch: 2, failed: ['eu-2'] });
    expect(outcome.report.targets.map((t) => [t.target, t.status, t.runs.state])).toEqual([
      ['eu-1', 'applied', 'snapshot'],
      ['eu-2', 'failed', 'previous'],
      ['local', 'skipped', 'snapshot'],
    ]);
    expect(outcome.report.targets[1]).toMatchObject({
      error: { code: 'rejected', request: { method: 'PUT', status: 400 }, gatewayMessage: 'invalid configuration: property "uris" validation failed' },
      restore: { verified: true },
    });
    for (const kind of ['upstreams', 'services', 'routes'] as const) expect(eu2.objects(kind).size).toBe(0);
  });

  it('a gateway that never answers fails within the time limits of its group.yaml, naming the target and the phase', async () => {
    const file = 'gateway-groups/staging/group.yaml';
    const original = repo.read(file);
    const limits = '    timeouts: { connect: 0.2, headers: 0.1, body: 0.1, request: 0.3 }\n';
    repo.write(file, stagingGroup(targetYaml('eu-1', 'apisix', eu1.url, 'TAGWAY_TEST_EU1_KEY') + limits + targetYaml('eu-2', 'apisix', eu2.url, 'TAGWAY_TEST_EU2_KEY') + limits));
    try {
      // eu-2 accepts every request and answers none: its lease claim gives up, and as the
      // preflight cannot read it, no object is written anywhere.
      eu2.faults.add({ times: Infinity, action: { kind: 'hang' } });
      const hung = synced(await runSync({ cwd: repo.dir, group: 'staging', env: KEYS }));
      expect(hung.report.targets.map((t) => [t.target, t.status])).toEqual([['eu-1', 'skipped'], ['eu-2', 'unreachable']]);
      const claim = hung.report.targets[1]?.error;
      expect(claim).toMatchObject({ code: 'unreachable', phase: 'lease' });
      expect(claim?.message).toMatch(/^target eu-2 is unreachable: PUT \/apisix\/admin\/upstreams\/tagway-lease\.staging\.\S+ got no answer within the request time limit of 300 ms \(\d attempts?; last: .+\) \(during the lease claim\)$/);
      expect(eu1.objectWrites() + eu2.objectWrites()).toBe(0);

      // Answers everything but reads of the group's objects: the preflight read gives up.
      eu2.faults.clear();
      eu2.faults.add({ method: 'GET', path: /\?page=/, times: Infinity, action: { kind: 'hang' } });
      const unread = synced(await runSync({ cwd: repo.dir, group: 'staging', env: KEYS }));
      expect(unread.report.targets.map((t) => [t.target, t.status])).toEqual([['eu-1', 'skipped'], ['eu-2', 'unreachable']]);
      expect(unread.report.targets[1]?.error).toMatchObject({ code: 'unreachable', phase: 'preflight' });
      expect(unread.report.targets[1]?.error?.message).toMatch(/^target eu-2 is unreachable: GET \/apisix\/admin\/\w+\?page=1&page_size=500 got no answer within the request time limit of 300 ms \(\d attempts?; last: .+\) \(during the preflight read\)$/);
      expect(eu1.objectWrites() + eu2.objectWrites()).toBe(0);

      // Answers reads, hangs on writes: the apply fails in time, and the restore too.
      eu2.faults.clear();
      eu2.faults.add({ method: 'PUT', path: /^\/apisix\/admin\/\w+\/(?!tagway-lease\.)/, times: Infinity, action: { kind: 'hang' } });
      const apply = synced(await runSync({ cwd: repo.dir, group: 'staging', env: KEYS }));
      expect(apply.report.targets.map((t) => [t.target, t.status])).toEqual([['eu-1', 'applied'], ['eu-2', 'failed']]);
      expect(apply.report.targets[1]?.error).toMatchObject({ code: 'unreachable', phase: 'apply', request: { method: 'PUT' } });
      expect(apply.report.targets[1]?.error?.message).toContain('got no answer within the request time limit of 300 ms');
      expect(apply.report.targets[1]?.error?.message).toMatch(/\(during apply\)$/);
    } finally {
      repo.write(file, original);
    }
  });

  it('runDriftCheck compares each target with the compiled snapshot, field by field', async () => {
    await runSync({ cwd: repo.dir, group: 'staging', env: KEYS });
    const route = eu1.objects('routes').get('petstore.list-pets');
    eu1.seed('routes', 'petstore.list-pets', { ...route, methods: ['GET', 'HEAD'] });
    eu2.faults.add({ times: Infinity, action: { kind: 'drop' } });
    const outcome = await runDriftCheck({ cwd: repo.dir, group: 'staging', env: KEYS, retry: { maxAttempts: 1 } });
    if (outcome.kind !== 'checked') throw new Error('expected a drift report');
    expect(outcome.ok).toBe(false);
    expect(outcome.report.targets.map((t) => [t.target, t.status])).toEqual([
      ['eu-1', 'drifted'],
      ['eu-2', 'unreachable'],
      ['local', 'in-sync'],
    ]);
    expect(outcome.report.targets[0]?.objects).toEqual([
      { kind: 'routes', id: 'petstore.list-pets', state: 'changed', fields: [{ path: '/methods', op: 'replace', before: ['GET', 'HEAD'], after: ['GET'] }] },
    ]);
    const text = renderDrift(outcome.report);
    expect(text).toMatch(/eu-1\s+apisix\s+drifted: 1 changed/);
    expect(text).toContain('changed  route petstore.list-pets');
    expect(text).toContain('/methods: target ["GET","HEAD"]; snapshot ["GET"]');
    expect(text).toMatch(/eu-2\s+apisix\s+unreachable/);
    expect(text).toMatch(/local\s+file\s+in sync/);
  });
});

describe('the sync command', () => {
  let eu1: AdminServer;
  let eu2: AdminServer;
  let repo: TempRepo;
  const env = { ...KEYS };

  beforeAll(async () => {
    ({ eu1, eu2, repo } = await startFleet());
  });
  afterEach(() => resetFleet(eu1, eu2, repo));
  afterAll(() => stopFleet(eu1, eu2, repo));

  it('exit 0: one line per target, then a summary; the second sync makes 0 writes', async () => {
    const first = await tagway(['sync', '--group', 'staging'], repo.dir, env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/eu-1\s+apisix\s+applied\s+22 writes\s+runs sha256:[0-9a-f]{12}\n/);
    expect(first.stdout).toMatch(/local\s+file\s+applied\s+1 write\s+runs sha256:[0-9a-f]{12}\n/);
    expect(first.stdout).toContain('+ route petstore.pet-photos');
    expect(first.stdout).toContain('staging: 3 applied; 45 writes');
    const second = await tagway(['sync', '--group', 'staging'], repo.dir, env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/eu-2\s+apisix\s+in sync\s+0 writes/);
    expect(second.stdout).toContain('staging: 3 in sync; 0 writes');
    expectNoKey(first.stdout, first.stderr, second.stdout, second.stderr);
  });

  it('--format json prints the rollout report', async () => {
    const run = await tagway(['sync', '--group', 'staging', '--format', 'json', '--target', 'eu-1'], repo.dir, env);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as RolloutReport;
    expect(report).toMatchObject({ group: 'staging', ok: true, halted: null, counts: { applied: 1 } });
    expect(report.targets[0]).toMatchObject({ target: 'eu-1', kind: 'apisix', status: 'applied', writes: STAGING_OBJECTS });
  });

  it('--format json tells progress as JSON lines on stderr; --quiet tells none; a pipe gets no line for a short sync', async () => {
    const json = await tagway(['sync', '--group', 'staging', '--format', 'json', '--target', 'eu-1'], repo.dir, env);
    expect(json.code).toBe(0);
    const events = json.stderr.trim().split('\n').map((line) => JSON.parse(line) as { event: string; target: string; phase?: string; done?: number; total?: number });
    expect(events.filter((e) => e.event === 'phase').map((e) => e.phase)).toEqual(['preflight', 'apply', 'verify', 'done']);
    expect(events.filter((e) => e.event === 'progress').at(-1)).toEqual({ event: 'progress', target: 'eu-1', phase: 'apply', done: STAGING_OBJECTS, total: STAGING_OBJECTS });
    resetFleet(eu1, eu2, repo);
    const quiet = await tagway(['sync', '--group', 'staging', '--format', 'json', '--target', 'eu-1', '--quiet'], repo.dir, env);
    expect([quiet.code, quiet.stderr]).toEqual([0, '']);
    resetFleet(eu1, eu2, repo);
    const text = await tagway(['sync', '--group', 'staging', '--target', 'eu-1'], repo.dir, env);
    expect([text.code, text.stderr]).toEqual([0, '']);
    expectNoKey(json.stdout, json.stderr);
  });

  it('--dry-run prints each plan and writes nothing', async () => {
    const run = await tagway(['sync', '--group', 'staging', '--dry-run'], repo.dir, env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('nothing is written');
    expect(run.stdout).toMatch(/eu-1\s+apisix\s+would change 22 objects: 22 to create/);
    expect(run.stdout).toContain('    + route petstore.list-pets');
    expect(eu1.writes() + eu2.writes()).toBe(0);
    expect(fs.existsSync(path.join(repo.dir, 'out'))).toBe(false);
    const json = await tagway(['sync', '--group', 'staging', '--dry-run', '--format', 'json'], repo.dir, env);
    expect(JSON.parse(json.stdout).targets[0].plan.counts).toEqual({ create: STAGING_OBJECTS, update: 0, delete: 0, unchanged: 0 });
  });

  it('exit 2 for a tampered or draft --snapshot, with nothing written', async () => {
    expect((await tagway(['compile'], repo.dir)).code).toBe(0);
    const file = path.join(repo.dir, 'dist/staging/snapshot.json');
    const snapshot = JSON.parse(fs.readFileSync(file, 'utf8'));
    snapshot.apisix.routes[0].uris = ['/tampered'];
    fs.writeFileSync(path.join(repo.dir, 'tampered.json'), JSON.stringify(snapshot));
    const tampered = await tagway(['sync', '--snapshot', 'tampered.json'], repo.dir, env);
    expect(tampered.code).toBe(2);
    expect(tampered.stderr).toContain('it was changed after it was compiled');

    expect((await tagway(['compile', '--draft', '--out', 'drafts'], repo.dir)).code).toBe(0);
    const draft = await tagway(['sync', '--snapshot', 'drafts/staging/snapshot.json'], repo.dir, env);
    expect(draft.code).toBe(2);
    expect(draft.stderr).toContain('is a draft');
    expect(eu1.requests.length + eu2.requests.length).toBe(0);
  });

  it('exit 2 when a key variable is unset: the message names it and no key is printed', async () => {
    const run = await tagway(['sync', '--group', 'staging'], repo.dir, { TAGWAY_TEST_EU1_KEY: KEYS.TAGWAY_TEST_EU1_KEY });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('environment variable TAGWAY_TEST_EU2_KEY');
    expectNoKey(run.stdout, run.stderr);
    expect(eu1.requests.length + eu2.requests.length).toBe(0);
  });

  it('exit 2 for an unknown --target, listing the targets; and without --group or --snapshot', async () => {
    const run = await tagway(['sync', '--group', 'staging', '--target', 'eu-9'], repo.dir, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown target eu-9 in group staging');
    expect(run.stderr).toContain('are: eu-1, eu-2, local');
    const bare = await tagway(['sync'], repo.dir, env);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('--group');
  });

  it('exit 1 when a gateway fails: the failed request, APISIX\'s message, restored, who runs what', async () => {
    eu2.faults.add({
      method: 'PUT',
      path: '/apisix/admin/routes/',
      times: Infinity,
      action: { kind: 'status', status: 400, body: { error_msg: 'invalid configuration: property "uris" validation failed' } },
    });
    const run = await tagway(['sync', '--group', 'staging'], repo.dir, env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/eu-2\s+apisix\s+failed/);
    expect(run.stdout).toMatch(/request: PUT \/apisix\/admin\/routes\/\S+ → 400 after 1 attempt/);
    expect(run.stdout).toContain('APISIX said: invalid configuration: property "uris" validation failed');
    expect(run.stdout).toContain('restored: yes; the read-back matches the state before the run');
    expect(run.stdout).toContain('rollout halted at batch 2 (eu-2 failed)');
    expect(run.stdout).toMatch(/running now:\n\s+sha256:[0-9a-f]{12} \(this snapshot\):\s+eu-1\n\s+nothing of this group:\s+eu-2, local\n/);
    expectNoKey(run.stdout, run.stderr);
  });

  it('exit 1 when the restore fails: the text and the JSON say restored NO, with each failed undo request', async () => {
    // Every route is rejected, so the run takes back the upstreams and services it created; the
    // gateway rejects the deletes of the upstreams.
    const rejectRoutes = (): void => {
      eu2.faults.add({ method: 'PUT', path: '/apisix/admin/routes/', times: Infinity, action: { kind: 'status', status: 400, body: { error_msg: 'invalid configuration' } } });
      eu2.faults.add({ method: 'DELETE', path: /^\/apisix\/admin\/upstreams\/(?!tagway-)/, times: Infinity, action: { kind: 'status', status: 400, body: { error_msg: 'etcd is read-only' } } });
    };
    rejectRoutes();
    const text = await tagway(['sync', '--group', 'staging', '--target', 'eu-2'], repo.dir, env);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/eu-2\s+apisix\s+failed/);
    expect(text.stdout).toMatch(/restored: NO; \d+ undo requests? failed:/);
    expect(text.stdout).toMatch(/DELETE \/apisix\/admin\/upstreams\/petstore → 400: .*etcd is read-only/);
    expect(text.stdout).not.toContain('restored: yes');

    resetFleet(eu1, eu2, repo);
    rejectRoutes();
    const json = await tagway(['sync', '--group', 'staging', '--target', 'eu-2', '--format', 'json'], repo.dir, env);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as RolloutReport;
    const target = report.targets[0];
    expect(report.ok).toBe(false);
    expect(target).toMatchObject({ target: 'eu-2', status: 'failed', runs: { state: 'unknown' }, restore: { attempted: true, ok: false, verified: false } });
    expect(target?.restore?.failures).toContainEqual({ request: { method: 'DELETE', path: '/apisix/admin/upstreams/petstore', status: 400, attempts: 1 }, message: expect.stringContaining('etcd is read-only') });
    expect(target?.restore?.failures.every((f) => f.request.method === 'DELETE' && f.request.path.startsWith('/apisix/admin/upstreams/'))).toBe(true);
    expect(eu2.objects('upstreams').has('petstore')).toBe(true);
  });

  it('exit 1 when every undo request succeeded but the read-back differs: restored NOT verified', async () => {
    // The deletes of the upstreams are answered as done and never handled.
    eu2.faults.add({ method: 'PUT', path: '/apisix/admin/routes/', times: Infinity, action: { kind: 'status', status: 400, body: { error_msg: 'invalid configuration' } } });
    eu2.faults.add({ method: 'DELETE', path: /^\/apisix\/admin\/upstreams\/(?!tagway-)/, times: Infinity, action: { kind: 'status', status: 200, body: { deleted: '1', key: '/apisix/upstreams/petstore' } } });
    const run = await tagway(['sync', '--group', 'staging', '--target', 'eu-2'], repo.dir, env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('restored: NOT verified; every undo request succeeded, but the read-back differs from the state before the run');
    expect(run.stdout).not.toContain('restored: yes');
    expect(eu2.objects('upstreams').has('petstore')).toBe(true);
  });

  it('exit 1 with the findings when the group does not compile', async () => {
    repo.write('gateway-groups/staging/services/orders.yaml', 'hosts: [api.staging.example.com]\nupstream:\n  type: chash\n');
    try {
      const run = await tagway(['sync', '--group', 'staging'], repo.dir, env);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/gateway-groups\/staging\/services\/orders\.yaml:\d+:\d+ error/);
      expect(run.stderr).toContain('no target was contacted');
      expect(eu1.requests.length + eu2.requests.length).toBe(0);
    } finally {
      repo.git('checkout', '--', 'gateway-groups/staging/services/orders.yaml');
    }
  });
});

describe('the text report', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  const base = { plan: null, steps: [], conflicts: [], error: null, restore: null } as const;

  it('says when a restore failed or could not be verified, and which targets run what', () => {
    const report: RolloutReport = {
      group: 'production',
      digest,
      ok: false,
      preflight: { ok: true, failed: [] },
      halted: { batch: 1, failed: ['eu-1', 'eu-2'] },
      interrupted: null,
      counts: { 'in-sync': 0, applied: 0, failed: 2, skipped: 1, unreachable: 0, interrupted: 0 },
      targets: [
        {
          ...base,
          target: 'eu-1',
          kind: 'apisix',
          status: 'failed',
          writes: 2,
          runs: { state: 'unknown', digest: null, services: [] },
          error: { code: 'unreachable', message: 'target eu-1: no answer', request: { method: 'DELETE', path: '/apisix/admin/routes/a.b', status: null, attempts: 5 } },
          restore: {
            attempted: true,
            ok: false,
            verified: false,
            failures: [{ request: { method: 'PUT', path: '/apisix/admin/routes/a.c', status: 503, attempts: 5 }, message: 'service unavailable' }],
          },
        },
        {
          ...base,
          target: 'eu-2',
          kind: 'apisix',
          status: 'failed',
          writes: 1,
          runs: { state: 'unknown', digest: null, services: [] },
          error: { code: 'http-error', message: 'target eu-2: 503' },
          restore: { attempted: true, ok: true, verified: false, failures: [] },
        },
        { ...base, target: 'edge-1', kind: 'apisix-standalone', status: 'skipped', writes: 0, runs: { state: 'previous', digest: `sha256:${'b'.repeat(64)}`, services: [{ name: 'a', version: '1.0.0' }] } },
      ],
    };
    const text = renderRollout(report);
    expect(text).toContain('request: DELETE /apisix/admin/routes/a.b → no response after 5 attempts');
    expect(text).toContain('restored: NO; 1 undo request failed:');
    expect(text).toContain('PUT /apisix/admin/routes/a.c → 503: service unavailable');
    expect(text).toContain('restored: NOT verified');
    expect(text).toContain('rollout halted at batch 1 (eu-1, eu-2 failed)');
    expect(text).toMatch(/unknown \(could not be read\):\s+eu-1, eu-2\n/);
    expect(text).toMatch(/sha256:bbbbbbbbbbbb \(a 1\.0\.0\):\s+edge-1\n/);
    expect(text).not.toContain('undefined');
    // The digest synced to is the snapshot's unless its secret references were resolved: then it says so.
    expect(text.split('\n')[0]).toBe(`${report.group}: sync to ${report.digest.slice(0, 19)}`);
    expect(renderRollout(report, report.digest).split('\n')[0]).toBe(`${report.group}: sync to ${report.digest.slice(0, 19)}`);
    expect(renderRollout(report, `sha256:${'c'.repeat(64)}`).split('\n')[0]).toBe(`${report.group}: sync to ${report.digest.slice(0, 19)} (the snapshot with its secret references resolved)`);
  });

  it('says when the preflight stopped the sync, and when a signal did', () => {
    const runs = { state: 'previous', digest: null, services: [{ name: 'a', version: '1.0.0' }] } as const;
    const report: RolloutReport = {
      group: 'production',
      digest,
      ok: false,
      preflight: { ok: false, failed: ['eu-2'] },
      halted: null,
      interrupted: null,
      counts: { 'in-sync': 0, applied: 0, failed: 0, skipped: 1, unreachable: 1, interrupted: 0 },
      targets: [
        { ...base, target: 'eu-1', kind: 'apisix', status: 'skipped', writes: 0, runs },
        {
          ...base,
          target: 'eu-2',
          kind: 'apisix',
          status: 'unreachable',
          writes: 0,
          runs: { state: 'unknown', digest: null, services: [] },
          error: { code: 'unreachable', phase: 'preflight', message: 'target eu-2 is unreachable: GET /apisix/admin/routes got no answer (during the preflight read)' },
        },
      ],
    };
    expect(renderRollout(report)).toContain('preflight: eu-2 cannot be synced; nothing was written to any target (--allow-partial syncs the others)');

    const stopped: RolloutReport = {
      ...report,
      preflight: { ok: true, failed: [] },
      interrupted: { by: 'SIGTERM', batch: 1 },
      counts: { 'in-sync': 0, applied: 0, failed: 0, skipped: 1, unreachable: 0, interrupted: 1 },
      targets: [
        {
          ...base,
          target: 'eu-1',
          kind: 'apisix',
          status: 'interrupted',
          writes: 3,
          runs,
          error: { code: 'interrupted', message: 'target eu-1: the sync was interrupted by SIGTERM after 3 of 9 writes; no further write was started' },
          restore: { attempted: true, ok: true, verified: true, failures: [] },
        },
        { ...base, target: 'eu-2', kind: 'apisix', status: 'skipped', writes: 0, runs },
      ],
    };
    const text = renderRollout(stopped);
    expect(text).toMatch(/eu-1\s+apisix\s+interrupted\s+3 writes/);
    expect(text).toContain('restored: yes; the read-back matches the state before the run');
    expect(text).toContain('production: 1 skipped, 1 interrupted; 3 writes');
    expect(text).toContain('interrupted by SIGTERM: the writes in flight finished, and the targets of batch 1 were taken back to their state before the run; later targets were not written');
    expect(text).not.toContain('preflight:');
  });
});
