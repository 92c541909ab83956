/**
 * `tagway rollout`: a progressive canary moved step by step through the data planes of two
 * gateways, with the group's probes between steps; a failing canary goes back to 0% everywhere.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { runCli } from './support/cli-run.js';
import { startDataPlane, startUpstream, type DataPlane, type UpstreamServer } from './support/data-plane.js';
import { makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';

let main: UpstreamServer;
let canary: UpstreamServer;
let gateways: AdminServer[];
let planes: DataPlane[];
let repo: TempRepo;

function group(): string {
  const targets = gateways.map((g, i) => `  - name: eu-${i + 1}\n    kind: apisix\n    admin_url: ${g.url}\n    proxy_url: ${planes[i]!.url}\n`).join('');
  return `name: staging\npublished:\n  petstore: ^1.0\n  orders: 1.0.0\n  catalog: 1.0.0\ntargets:\n${targets}rollout:\n  batch_size: 1\nchecks:\n  probes:\n    - name: list-pets\n      path: /pets\n      host: petstore.staging.example.com\n      status: [200]\n      failures: 2\n      interval: 0\n`;
}

function overlay(): string {
  return [
    'hosts:\n  - petstore.staging.example.com',
    `upstream:\n  nodes:\n    - host: ${main.host}\n      port: ${main.port}`,
    `canary:\n  weight: 0\n  steps: [25, 50, 100]\n  nodes:\n    - host: ${canary.host}\n      port: ${canary.port}\n      weight: 1`,
    '',
  ].join('\n');
}

/** The canary's weight on each gateway's petstore service, and the mark of the rollout. */
function weights(): [unknown, unknown][] {
  return gateways.map((g) => {
    const s = g.objects('services').get('petstore') as { labels: Record<string, string>; plugins: { 'traffic-split': { rules: { weighted_upstreams: { weight: number }[] }[] } } };
    return [s.plugins['traffic-split'].rules[0]!.weighted_upstreams[0]!.weight, s.labels['tagway.canary-weight']];
  });
}

beforeAll(async () => {
  main = await startUpstream('main');
  canary = await startUpstream('canary');
  gateways = await Promise.all([1, 2].map(() => startAdminServer({ apiKey: null })));
  // Traffic-split sends every request to the canary once its weight is above 0: deterministic probes.
  planes = await Promise.all(gateways.map((g) => startDataPlane(g)));
});
beforeEach(async () => {
  repo = makeExampleRepo();
  repo.write('gateway-groups/staging/group.yaml', group());
  repo.write('gateway-groups/staging/services/petstore.yaml', overlay());
  repo.commit('staging: a progressive canary with health checks');
  const synced = await runCli(['sync', '--group', 'staging'], repo.dir);
  expect(synced.code).toBe(0);
});
afterEach(() => {
  repo.cleanup();
  for (const g of gateways) g.reset();
  canary.failWith(null);
});
afterAll(async () => {
  await Promise.all([...gateways.map((g) => g.close()), ...planes.map((p) => p.close()), main.close(), canary.close()]);
});

describe('tagway rollout', () => {
  it('moves the canary through its steps with checks between them; the weight reached is no drift', async () => {
    expect(weights()).toEqual([[0, undefined], [0, undefined]]);
    const run = await runCli(['rollout', '--group', 'staging', '--service', 'petstore'], repo.dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('staging: rollout of petstore\'s canary from 0%');
    expect(run.stdout).toMatch(/step 25%: every gateway at 25%; 2 of 2 checks passed\n\s+step 50%: every gateway at 50%; 2 of 2 checks passed\n\s+step 100%: every gateway at 100%; 2 of 2 checks passed/);
    expect(run.stdout).toContain("petstore's canary takes 100% on every gateway");
    expect(run.stdout).toContain(`To make the canary the primary, commit this in gateway-groups/staging/services/petstore.yaml (then sync):\n  upstream:\n    nodes:\n      - host: ${canary.host}\n        port: ${canary.port}\n        weight: 1\n  # and remove the canary: block`);
    expect(weights()).toEqual([[100, '100'], [100, '100']]);
    // The probes reached the canary at every step.
    expect(canary.requests.length).toBeGreaterThanOrEqual(6);

    // Runtime state, not drift: status is in sync and a sync writes nothing.
    const status = await runCli(['status', '--live', '--group', 'staging'], repo.dir);
    expect(status.stdout).toContain('staging: all 2 targets are in sync');
    expect(status.stdout).toMatch(/eu-1 .*\n(?:.*\n)*?\s+canary of petstore: 100%, as tagway rollout left it/);
    const again = await runCli(['sync', '--group', 'staging', '--format', 'json'], repo.dir);
    expect((JSON.parse(again.stdout) as { counts: Record<string, number> }).counts).toMatchObject({ 'in-sync': 2 });
    expect(weights()).toEqual([[100, '100'], [100, '100']]);

    // diff --live of a change elsewhere in the service shows that change, not a weight reset.
    repo.write('gateway-groups/staging/services/petstore.yaml', overlay().replace('petstore.staging.example.com', 'petstore.staging.example.com\n  - pets.staging.example.com'));
    const diff = await runCli(['diff', '--live', '--group', 'staging'], repo.dir);
    expect(diff.stdout).toContain('pets.staging.example.com');
    expect(diff.stdout).not.toMatch(/canary-weight|weight: 100 → 0|"weight":\s*0/);
    repo.write('gateway-groups/staging/services/petstore.yaml', overlay());

    // Nothing left to do: a second rollout says so.
    const done = await runCli(['rollout', '--group', 'staging', '--service', 'petstore'], repo.dir);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain("petstore's canary is already at 100%, its last step");

    // A new canary in git (other nodes) does not inherit that weight: the next sync puts it at its
    // committed 0%, and a rollout starts from there.
    repo.write('gateway-groups/staging/services/petstore.yaml', overlay().replace(`port: ${canary.port}\n      weight: 1`, `port: ${canary.port}\n      weight: 2`));
    repo.commit('staging: another canary');
    expect((await runCli(['sync', '--group', 'staging'], repo.dir)).code).toBe(0);
    expect(weights()).toEqual([[0, undefined], [0, undefined]]);
    const fresh = await runCli(['rollout', '--group', 'staging', '--service', 'petstore'], repo.dir);
    expect(fresh.stdout).toContain("staging: rollout of petstore's canary from 0%");
  });

  it('sets the weight back to 0% on every gateway when a step fails its checks', async () => {
    canary.failWith(500);
    const run = await runCli(['rollout', '--group', 'staging', '--service', 'petstore', '--format', 'json'], repo.dir);
    expect(run.code).toBe(1);
    const outcome = JSON.parse(run.stdout) as { result: string; weight: number; steps: { weight: number; report: { halted: unknown } }[]; reset: { ok: boolean } };
    expect(outcome).toMatchObject({ result: 'failed', weight: 0, reset: { ok: true } });
    expect(outcome.steps.map((s) => [s.weight, s.report.halted])).toEqual([[25, { batch: 1, failed: ['eu-1'], checks: { restored: ['eu-1'] } }]]);
    expect(weights()).toEqual([[0, '0'], [0, '0']]);
  });

  it('refuses a service without a progressive canary, and a fleet that does not run the snapshot', async () => {
    const none = await runCli(['rollout', '--group', 'staging', '--service', 'orders'], repo.dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('service orders of group staging has no progressive canary');
    gateways[1]!.reset();
    const behind = await runCli(['rollout', '--group', 'staging', '--service', 'petstore'], repo.dir);
    expect(behind.code).toBe(2);
    expect(behind.stderr).toContain("eu-2 does not run the group's snapshot");
  });
});
