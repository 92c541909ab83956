/**
 * A route on the gateway that tagway does not manage takes the requests of one of the snapshot's
 * routes (docs/sync.md, src/sync/shadowed.ts): `sync --dry-run`, `sync` and `status --live` warn
 * about it, in text and JSON, and the sync still goes ahead without touching that route.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runLiveChecks } from '../src/app/live.js';
import { runLiveDiff } from '../src/app/live-diff.js';
import { liveDiffJson, renderLiveDiff } from '../src/cli/render/live-diff.js';
import { runSync, type SyncOutcome } from '../src/app/sync.js';
import { driftJson, renderDrift } from '../src/cli/render/drift.js';
import { liveJson } from '../src/cli/render/live.js';
import { renderDryRun, renderRollout } from '../src/cli/render/sync.js';
import { startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { runCli, synced } from './support/cli-run.js';
import { makeRepo, type TempRepo } from './support/git-repo.js';
import { SHOP_PETSTORE as PETSTORE } from './support/shop-petstore.js';
import { targetYaml } from './support/target-yaml.js';

const ADMIN = 'TAGWAY_TEST_SHADOW_ADMIN';
const ADMIN_KEY = 'admin-key-shadow-3c9e';
/** A header value in the vars of a route on the gateway: in no output. */
const CANARY = 'shadow-canary-41f7d2a9';
const G = 'gateway-groups/staging';

/** What the operator's route holds, before and after every sync. */
const LEGACY = { uris: ['/pets'], hosts: ['shop.example'], methods: ['GET', 'POST'], priority: 10, upstream_id: 'u9' };

const WARNING =
  "warning: on target eu-1, route 9 (priority 10), which tagway does not manage, takes the requests of tagway group staging's route " +
  'petstore.list-pets (priority 0): both match GET on host shop.example at uri /pets';
const SOME =
  "warning: on target eu-1, route 10 (priority 0), which tagway does not manage, may take some of the requests of tagway group staging's route " +
  'petstore.get-pet (priority 0) (those that match its vars); APISIX does not order routes of equal priority: both match GET on host shop.example at uri /pets/*';
const HINT = 'hint: give route petstore.list-pets a priority above 10 in services/petstore/service.yaml (a new version), or remove route 9 from the gateway';

describe('a route tagway does not manage that takes the requests of a route of the snapshot', () => {
  let admin: AdminServer;
  let repo: TempRepo;
  const env = { [ADMIN]: ADMIN_KEY };
  const sync = (extra: { dryRun?: boolean } = {}) => runSync({ cwd: repo.dir, group: 'staging', env, retry: { maxAttempts: 1 }, ...extra });

  beforeAll(async () => {
    admin = await startAdminServer({ apiKey: ADMIN_KEY });
  });
  afterAll(() => admin.close());
  beforeEach(() => {
    repo = makeRepo({
      files: {
        'services/petstore/service.yaml': PETSTORE,
        [`${G}/group.yaml`]: `name: staging\npublished:\n  petstore: 1.0.0\ntargets:\n${targetYaml('eu-1', 'apisix', admin.url, ADMIN)}`,
      },
      commit: 'petstore',
    });
    repo.tag('petstore/v1.0.0', { message: 'petstore 1.0.0' });
    admin.seed('upstreams', 'u9', { type: 'roundrobin', nodes: [{ host: '10.0.0.9', port: 80, weight: 1 }] });
    // Same host and uri, a greater priority: takes list-pets' requests.
    admin.seed('routes', '9', LEGACY);
    // Same host and prefix, equal priority, with vars: may take some of get-pet's.
    admin.seed('routes', '10', { uris: ['/pets/*'], hosts: ['shop.example'], vars: [['http_x_tenant', '==', CANARY]], upstream_id: 'u9' });
    // Not reported: another host; a lower priority; disabled.
    admin.seed('routes', '11', { uris: ['/pets'], hosts: ['other.example'], priority: 10, upstream_id: 'u9' });
    admin.seed('routes', '12', { uris: ['/pets'], hosts: ['shop.example'], priority: -1, upstream_id: 'u9' });
    admin.seed('routes', '13', { uris: ['/pets'], hosts: ['shop.example'], priority: 50, status: 0, upstream_id: 'u9' });
  });
  afterEach(() => {
    repo.cleanup();
    admin.reset();
  });

  function expectUntouched(): void {
    expect(admin.objects('routes').get('9')).toMatchObject(LEGACY);
    expect(admin.requests.filter((r) => r.method !== 'GET' && /\/routes\/(9|10|11|12|13)$/.test(r.path))).toEqual([]);
  }

  function dryRun(outcome: SyncOutcome): Extract<SyncOutcome, { kind: 'dry-run' }> {
    if (outcome.kind !== 'dry-run') throw new Error(`expected a dry run, got ${outcome.kind}`);
    return outcome;
  }

  it('a dry run warns in text and JSON, and writes nothing', async () => {
    const dry = dryRun(await sync({ dryRun: true }));
    expect(dry.ok).toBe(true);
    const shadowed = dry.report.targets[0]!.plan?.shadowed;
    expect(shadowed?.map((s) => [s.route, s.by, s.certainty, s.only])).toEqual([
      ['petstore.get-pet', '10', 'may-take', ['vars']],
      ['petstore.list-pets', '9', 'takes', []],
    ]);
    const text = renderDryRun(dry.report);
    expect(text).toContain(`    ${WARNING}\n`);
    expect(text).toContain(`    ${SOME}\n`);
    expect(text).toContain(HINT);
    expect(text).not.toMatch(/route 1[123]\b/);
    const json = JSON.stringify(driftJson(dry.report));
    expect(json).toContain('"shadowed":[{"route":"petstore.get-pet","priority":0,"by":"10","byPriority":0,"byGroup":null,"hosts":["shop.example"],"methods":["GET"],"uris":["/pets/*"]');
    expect(json).toContain('"by":"9","byPriority":10');
    for (const out of [text, json]) expect(out).not.toContain(CANARY);
    expect(admin.objectWrites()).toBe(0);
  });

  it('the sync succeeds, warns, and leaves the route alone; a second sync, status --live and diff --live warn again', async () => {
    const first = synced(await sync());
    expect(first.ok).toBe(true);
    const [target] = first.report.targets;
    expect(target).toMatchObject({ status: 'applied', conflicts: [] });
    expect(target!.shadowed?.map((s) => `${s.route} <- ${s.by}`)).toEqual(['petstore.get-pet <- 10', 'petstore.list-pets <- 9']);
    const text = renderRollout(first.report);
    expect(text).toContain(`    ${WARNING}\n`);
    expect(text).toContain(HINT);
    const json = JSON.stringify(first.report);
    expect(json).toContain('"shadowed":[');
    for (const out of [text, json]) expect(out).not.toContain(CANARY);
    expect([...admin.objects('routes').keys()].sort()).toEqual(['10', '11', '12', '13', '9', 'petstore.get-pet', 'petstore.list-pets']);
    expectUntouched();

    const second = synced(await sync());
    expect(second.report.targets).toMatchObject([{ status: 'in-sync', writes: 0 }]);
    expect(renderRollout(second.report)).toContain(WARNING);

    // status --live: in sync, with the warning; the warning alone does not make it drift.
    const live = await runLiveChecks({ cwd: repo.dir, env });
    expect(live.ok).toBe(true);
    const group = live.groups[0]!;
    if (group.kind !== 'checked') throw new Error(`expected a checked group, got ${group.kind}`);
    const status = renderDrift(group.report);
    expect(status).toContain('eu-1  apisix  in sync\n');
    expect(status).toContain(`    ${WARNING}\n`);
    expect(JSON.stringify(liveJson(live))).toContain('"by":"9"');
    expect(status).not.toContain(CANARY);

    // diff --live: nothing to change, and the same warning.
    const diff = await runLiveDiff({ cwd: repo.dir, env });
    const checked = diff.groups[0]!;
    if (checked.kind !== 'checked') throw new Error(`expected a checked group, got ${checked.kind}`);
    const diffText = renderLiveDiff(checked);
    expect(diffText).toContain('eu-1 (apisix): in sync\n');
    expect(diffText).toContain(`  ${WARNING}\n`);
    const diffJson = JSON.stringify(liveDiffJson(diff));
    expect(diffJson).toContain('"by":"9"');
    for (const out of [diffText, diffJson]) expect(out).not.toContain(CANARY);
    expectUntouched();
  });

  it('the commands print it (built CLI): sync --dry-run --format json, sync, status --live exiting 0', async () => {
    const dry = await runCli(['sync', '--group', 'staging', '--dry-run', '--format', 'json'], repo.dir, env);
    expect(dry.code).toBe(0);
    const report = JSON.parse(dry.stdout) as { targets: { plan: { shadowed?: { route: string; by: string; message: string }[] } }[] };
    expect(report.targets[0]!.plan.shadowed?.map((s) => `${s.route} <- ${s.by}`)).toEqual(['petstore.get-pet <- 10', 'petstore.list-pets <- 9']);
    const run = await runCli(['sync', '--group', 'staging', '--quiet'], repo.dir, env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`    ${WARNING}\n`);
    const status = await runCli(['status', '--live', '--group', 'staging'], repo.dir, env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`    ${WARNING}\n`);
    for (const out of [dry.stdout, dry.stderr, run.stdout, run.stderr, status.stdout, status.stderr]) {
      expect(out).not.toContain(CANARY);
      expect(out).not.toContain(ADMIN_KEY);
    }
    expectUntouched();
  });

  it('no warning once tagway\'s route has the greater priority', async () => {
    repo.write('services/petstore/service.yaml', PETSTORE.replace('    methods: [GET]\n  - name: get-pet', '    methods: [GET]\n    priority: 11\n  - name: get-pet'));
    repo.commit('list-pets before the legacy route');
    repo.tag('petstore/v1.0.1', { message: 'petstore 1.0.1' });
    repo.write(`${G}/group.yaml`, `name: staging\npublished:\n  petstore: 1.0.1\ntargets:\n${targetYaml('eu-1', 'apisix', admin.url, ADMIN)}`);
    const outcome = synced(await sync());
    expect(outcome.report.targets[0]!.shadowed?.map((s) => `${s.route} <- ${s.by}`)).toEqual(['petstore.get-pet <- 10']);
    expect(renderRollout(outcome.report)).not.toContain('route 9 ');
  });
});
