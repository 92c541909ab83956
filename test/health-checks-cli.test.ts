/**
 * Health checks as a user declares them in group.yaml (`checks:`, each target's `proxy_url`) and
 * meets them in `tagway sync` and `tagway validate`, on the bundled example.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { runCli } from './support/cli-run.js';
import { startDataPlane, startUpstream, type DataPlane, type UpstreamServer } from './support/data-plane.js';
import { makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';

const KEYS = { TAGWAY_TEST_EU1_KEY: 'eu1-admin-key-health-5b1c', TAGWAY_TEST_EU2_KEY: 'eu2-admin-key-health-9d2e' };

let upstream: UpstreamServer;
let gateways: AdminServer[];
let planes: DataPlane[];
let repo: TempRepo;

function group(proxy: boolean): string {
  const targets = gateways
    .map((g, i) => `  - name: eu-${i + 1}\n    kind: apisix\n    admin_url: ${g.url}\n    admin_key: env:TAGWAY_TEST_EU${i + 1}_KEY\n${proxy ? `    proxy_url: ${planes[i]!.url}\n` : ''}`)
    .join('');
  return [
    'name: staging',
    'published:\n  petstore: ^1.0\n  orders: 1.0.0\n  catalog: 1.0.0',
    `targets:\n${targets}rollout:\n  batch_size: 1`,
    'checks:\n  probes:\n    - name: list-pets\n      path: /pets\n      host: petstore.staging.example.com\n      status: [200]\n      failures: 2\n      interval: 0',
    '',
  ].join('\n');
}

function overlay(extra = ''): string {
  return `hosts:\n  - petstore.staging.example.com\n${extra}upstream:\n  nodes:\n    - host: ${upstream.host}\n      port: ${upstream.port}\n`;
}

beforeAll(async () => {
  upstream = await startUpstream('pets');
  gateways = await Promise.all([1, 2].map(() => startAdminServer({ apiKey: null })));
  planes = await Promise.all(gateways.map((g) => startDataPlane(g)));
});
beforeEach(() => {
  repo = makeExampleRepo();
  repo.write('gateway-groups/staging/group.yaml', group(true));
  repo.write('gateway-groups/staging/services/petstore.yaml', overlay());
  repo.commit('staging: two gateways with health checks');
});
afterEach(() => {
  repo.cleanup();
  for (const g of gateways) g.reset();
});
afterAll(async () => {
  await Promise.all([...gateways.map((g) => g.close()), ...planes.map((p) => p.close()), upstream.close()]);
});

describe('tagway sync with health checks', () => {
  it('checks each batch through its data plane; a change that breaks the route is taken back at the first gateway', async () => {
    const first = await runCli(['sync', '--group', 'staging'], repo.dir, KEYS);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/eu-1 .*\n(?:.*\n)*?\s+check list-pets: passed \(GET petstore\.staging\.example\.com \/pets, 200 in \d+ ms\)/);

    // A path prefix in the overlay moves every route: /pets is no longer served.
    repo.write('gateway-groups/staging/services/petstore.yaml', overlay('path_prefix: /v2\n'));
    repo.commit('staging: petstore under /v2');
    const broken = await runCli(['sync', '--group', 'staging'], repo.dir, KEYS);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('check list-pets: FAILED: status 404, expected 200 (GET petstore.staging.example.com /pets, 404 in');
    expect(broken.stdout).toContain('rollout halted at batch 1: the health checks of eu-1 failed; eu-1 taken back; later targets were not written');
    expect(broken.stdout).toContain('restored: yes; the read-back matches the state before the run');
    expect(gateways.map((g) => g.objects('routes').get('petstore.list-pets')?.uris)).toEqual([['/pets'], ['/pets']]);

    // Each gateway keeps its last checks: status --live shows them.
    const status = await runCli(['status', '--live', '--group', 'staging'], repo.dir, KEYS);
    expect(status.stdout).toMatch(/eu-1 .*\n(?:.*\n)*?\s+last health checks: checks of sha256:[0-9a-f]{12} failed at \S+Z: list-pets FAILED \(status 404, expected 200\)/);
    expect(status.stdout).toMatch(/eu-2 .*\n(?:.*\n)*?\s+last health checks: checks of sha256:[0-9a-f]{12} passed at \S+Z: list-pets ok/);
    // The records are no configuration: no group's objects, never drift.
    expect(status.stdout).not.toMatch(/tagway-lease\.staging\.checks/);

    const markdown = await runCli(['sync', '--group', 'staging', '--format', 'markdown'], repo.dir, KEYS);
    expect(markdown.code).toBe(1);
    expect(markdown.stdout).toMatch(/^### tagway sync `staging` → `sha256:[0-9a-f]{12}`\n\n\*\*Not every target runs/);
    expect(markdown.stdout).toMatch(/\| `eu-1` \| apisix \| failed \| 4 \| [^|]+ \| ✗ list-pets \|/);
    expect(markdown.stdout).toContain('Halted at batch 1: the health checks of `eu-1` failed; `eu-1` taken back; later targets were not written.');
    expect(markdown.stdout).toContain('- check `list-pets`: status 404, expected 200 (GET petstore.staging.example.com /pets, status 404)');
    expect(markdown.stdout).toContain('- restored: yes, verified');

    const json = await runCli(['sync', '--group', 'staging', '--format', 'json'], repo.dir, KEYS);
    const report = JSON.parse(json.stdout) as { halted: unknown; targets: { checks?: unknown[] }[] };
    expect(report.halted).toEqual({ batch: 1, failed: ['eu-1'], checks: { restored: ['eu-1'] } });
    expect(report.targets[0]?.checks).toEqual([expect.objectContaining({ probe: 'list-pets', ok: false, status: 404 })]);
    for (const text of [first.stdout, broken.stdout, json.stdout, first.stderr, broken.stderr]) for (const key of Object.values(KEYS)) expect(text).not.toContain(key);
  });

  it('validate says where a target lacks the metrics_url a metric check needs', async () => {
    repo.write('gateway-groups/staging/group.yaml', group(true).replace(/checks:\n[\s\S]*$/, 'checks:\n  metrics:\n    window: 10\n'));
    const run = await runCli(['validate'], repo.dir);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/gateway-groups\/staging\/group\.yaml:\d+:\d+ error `targets\[0\]` is missing the required key `metrics_url`/);
    expect(run.stdout + run.stderr).not.toContain('missing the required key `proxy_url`');
  });

  it('validate says where a target lacks the proxy_url the checks need', async () => {
    repo.write('gateway-groups/staging/group.yaml', group(false));
    const run = await runCli(['validate'], repo.dir);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/gateway-groups\/staging\/group\.yaml:\d+:\d+ error .*proxy_url/);
  });
});
