/**
 * Secrets never echoed: a literal key written into group.yaml is refused without being shown in
 * any command or format (code frames, JSON, annotations, markdown), nor kept in any file tagway
 * writes; a gateway's error text never carries a key of the fleet; and a plugin's secret value,
 * in the config or on a target, shows masked in plans and drift reports. Runs the built CLI
 * (`npm test` builds first).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { expectCleanFiles, expectCleanRun, expectFinding, FINDINGS_RUNS, runTagway } from './support/canary.js';
import { exampleFiles, makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';

const ID = randomBytes(6).toString('hex');
const LITERAL = `canary-literal-${ID}`;

/** The example's staging group with a literal key (line 11, column 16) and a key of spaces (line 15, column 16). */
const STAGING_WITH_LITERALS = `name: staging
published:
  petstore: ^1.0
  orders: 1.0.0
  catalog: 1.0.0
targets:
  - name: local
    kind: file
    path: out/staging/apisix.yaml
  - name: eu-1
    admin_key: ${LITERAL}
    kind: apisix
    admin_url: http://127.0.0.1:9
  - name: eu-2
    admin_key: "   "
    kind: apisix
    admin_url: http://127.0.0.1:9
`;

/** Where tagway writes in a repository: compile output, file targets, its cache. */
const WRITTEN = ['dist', 'out', '.tagway'];

describe('a literal admin_key in group.yaml', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = makeExampleRepo();
    repo.write('gateway-groups/staging/group.yaml', STAGING_WITH_LITERALS);
  });
  afterAll(() => repo.cleanup());

  for (const args of FINDINGS_RUNS) {
    it(`tagway ${args.join(' ')}: refused at its line and column, never shown`, async () => {
      const run = await runTagway(args, repo.dir);
      expectCleanRun(run, args.join(' '), [LITERAL]);
      expectCleanFiles(repo.dir, [LITERAL], WRITTEN);
      expect(run.code).toBe(1);
      const printed = run.stdout + run.stderr;
      const file = 'gateway-groups/staging/group.yaml';
      for (const [line, column] of [[11, 16], [15, 16]] as const) {
        expectFinding(run, args, 'TW2003', file, line, column);
        if (args.includes('json')) expect(printed).toMatch(new RegExp(`"secrets": \\[\\s*\\{\\s*"line": ${line},\\s*"column": ${column},`));
        else if (!args.includes('github') && !args.includes('markdown')) expect(printed).toContain(`> ${line} |     admin_key: <masked>\n`);
      }
    });
  }
});

describe("gateway error texts that echo a key of the fleet", () => {
  const KEY_A = `canary-key-a-${ID}`;
  const KEY_B = `canary-key-b-${ID}`;
  const ENV = { [`TAGWAY_CANARY_A_${ID}`]: KEY_A, [`TAGWAY_CANARY_B_${ID}`]: KEY_B };
  const FORBIDDEN = [KEY_A, KEY_B];
  let a: AdminServer;
  let b: AdminServer;
  let repo: TempRepo;

  beforeAll(async () => {
    a = await startAdminServer({ apiKey: KEY_A });
    b = await startAdminServer({ apiKey: KEY_B });
    const target = (name: string, url: string, key: string) => `  - name: ${name}\n    kind: apisix\n    admin_url: ${url}\n    admin_key: env:${key}\n`;
    repo = makeExampleRepo({
      'gateway-groups/staging/group.yaml': `name: staging\npublished:\n  petstore: ^1.0\n  orders: 1.0.0\n  catalog: 1.0.0\ntargets:\n${target('eu-1', a.url, `TAGWAY_CANARY_A_${ID}`)}${target('eu-2', b.url, `TAGWAY_CANARY_B_${ID}`)}`,
    });
  });
  afterEach(() => {
    a.reset();
    b.reset();
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    repo.cleanup();
  });

  // A write of the group's objects (not of the run's lease object).
  const OBJECT_PATH = /^\/apisix\/admin\/\w+\/(?!tagway-lease\.)/;

  for (const format of ['text', 'json']) {
    it(`sync --format ${format}: a gateway that echoes the request's headers does not print its key`, async () => {
      a.faults.add({ method: 'PUT', path: OBJECT_PATH, action: { kind: 'echo-headers', status: 400 } });
      const run = await runTagway(['sync', '--group', 'staging', '--format', format], repo.dir, ENV);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('invalid request, headers');
      expect(run.stdout).toContain('***');
      expectCleanRun(run, `sync --format ${format}`, FORBIDDEN);
    });

    it(`sync --target eu-1 --format ${format}: a gateway that echoes another target's key does not print it`, async () => {
      a.faults.add({ method: 'PUT', path: OBJECT_PATH, action: { kind: 'status', status: 400, body: { error_msg: `conflicts with ${KEY_B} (${encodeURIComponent(KEY_B)})` } } });
      const run = await runTagway(['sync', '--group', 'staging', '--target', 'eu-1', '--format', format], repo.dir, ENV);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('conflicts with *** (***)');
      expectCleanRun(run, `sync --target eu-1 --format ${format}`, FORBIDDEN);
      expect(b.requests).toHaveLength(0);
    });

    it(`diff --live --format ${format}: a read error that echoes a key of the fleet does not print it`, async () => {
      b.faults.add({ method: 'GET', times: Infinity, action: { kind: 'status', status: 400, body: { error_msg: `bad request from ${KEY_A} with ${KEY_B}` } } });
      const run = await runTagway(['diff', '--live', '--group', 'staging', '--format', format], repo.dir, ENV);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('bad request from *** with ***');
      expectCleanRun(run, `diff --live --format ${format}`, FORBIDDEN);
    });
  }

  it('sync: a key variable of white space only is an error that names the variable, not its value', async () => {
    const run = await runTagway(['sync', '--group', 'staging'], repo.dir, { ...ENV, [`TAGWAY_CANARY_B_${ID}`]: '   ' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`environment variable TAGWAY_CANARY_B_${ID} (from admin_key: env:TAGWAY_CANARY_B_${ID}) is only white space`);
    expect(a.requests.length + b.requests.length).toBe(0);
  });
});

describe('secret values of plugins in sync --dry-run and in live drift reports', () => {
  // orders' service carries a secret header in its template; the target holds another value.
  const IN_CONFIG = `canary-config-${ID}`;
  const ON_TARGET = `canary-target-${ID}`;
  const FORBIDDEN = [IN_CONFIG, ON_TARGET];
  const TARGET_FILE = 'out/staging/apisix.yaml';
  let repo: TempRepo;

  beforeAll(async () => {
    const orders = exampleFiles()['services/orders/service.yaml']!;
    const plugins = '\nplugins:\n  key-auth: {}\n';
    expect(orders).toContain(plugins);
    repo = makeExampleRepo({
      'services/orders/service.yaml': orders.replace(plugins, `${plugins}  proxy-rewrite:\n    headers:\n      set:\n        X-Api-Key: ${IN_CONFIG}\n`),
    });
  });
  afterAll(() => repo.cleanup());

  /** Runs tagway and checks that it printed neither canary; returns what it printed. */
  async function clean(args: readonly string[], code: number): Promise<string> {
    const run = await runTagway(args, repo.dir);
    expectCleanRun(run, args.join(' '), FORBIDDEN);
    expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(code);
    return run.stdout;
  }

  it('sync --dry-run on an empty target masks the secret of the object it would create', async () => {
    const json = JSON.parse(await clean(['sync', '--group', 'staging', '--dry-run', '--format', 'json'], 0)) as { targets: Array<{ plan: { steps: Array<{ op: string; id: string; after?: { plugins?: Record<string, { headers: { set: Record<string, string> } }> } }> } }> };
    const create = json.targets[0]?.plan.steps.find((s) => s.op === 'create' && s.id === 'orders' && s.after?.plugins !== undefined);
    expect(create?.after?.plugins?.['proxy-rewrite']?.headers.set['X-Api-Key']).toBe('<masked>');
    await clean(['sync', '--group', 'staging', '--dry-run'], 0);
  });

  it('sync --dry-run, status --live and diff --live mask the value the target holds and the one it would get', async () => {
    await clean(['sync', '--group', 'staging'], 0);
    const file = repo.read(TARGET_FILE);
    expect(file).toContain(IN_CONFIG);
    repo.write(TARGET_FILE, file.replace(IN_CONFIG, ON_TARGET));
    const FIELD = '/plugins/proxy-rewrite/headers/set/X-Api-Key';

    const plan = JSON.parse(await clean(['sync', '--group', 'staging', '--dry-run', '--format', 'json'], 0)) as { targets: Array<{ plan: { steps: Array<Record<string, unknown>> } }> };
    const steps = plan.targets[0]?.plan.steps ?? [];
    expect(steps).toMatchObject([{ op: 'update', changes: [{ path: FIELD, op: 'replace', before: '<masked>', after: '<masked, changed>' }] }]);
    expect(steps[0]).toMatchObject({ before: { plugins: { 'proxy-rewrite': { headers: { set: { 'X-Api-Key': '<masked>' } } } } }, after: { plugins: { 'proxy-rewrite': { headers: { set: { 'X-Api-Key': '<masked, changed>' } } } } } });
    expect(await clean(['sync', '--group', 'staging', '--dry-run'], 0)).toContain(`${FIELD}: "<masked>" → "<masked, changed>"`);

    const status = await clean(['status', '--live', '--group', 'staging', '--format', 'json'], 1);
    expect(status).toContain(`"path": "${FIELD}"`);
    expect(status).toContain('"before": "<masked>"');
    expect(status).toContain('"after": "<masked, changed>"');
    expect(await clean(['status', '--live', '--group', 'staging'], 1)).toContain(`${FIELD}: target "<masked>"; snapshot "<masked, changed>"`);

    const diff = await clean(['diff', '--live', '--group', 'staging', '--format', 'json'], 1);
    expect(diff).toContain('<masked>');
    expect(diff).toContain('<masked, changed>');
    expect(await clean(['diff', '--live', '--group', 'staging'], 1)).toContain('<masked');
  });
});
