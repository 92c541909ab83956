/**
 * The agent's own syncs are gated on the group's health checks like `tagway sync`: a batch that
 * fails them is taken back, and the digest is held (not synced again, no flapping) until the
 * group's snapshot changes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newAgent, startAgentWorld, type AgentWorld } from './support/agent-fixture.js';
import { isLeaseRequest } from './support/apisix-admin-server.js';
import { startDataPlane, startUpstream, type DataPlane, type UpstreamServer } from './support/data-plane.js';

let world: AgentWorld;
let upstream: UpstreamServer;
let planes: DataPlane[];

function group(): string {
  const targets = world.fleet
    .map((g, i) => `  - name: eu-${i + 1}\n    kind: apisix\n    admin_url: ${g.url}\n    admin_key: env:TAGWAY_AGENT_EU${i + 1}_KEY\n    proxy_url: ${planes[i]!.url}\n`)
    .join('');
  return `name: staging\npublished:\n  petstore: ^1.0\n  orders: 1.0.0\n  catalog: 1.0.0\ntargets:\n${targets}rollout:\n  batch_size: 1\nchecks:\n  probes:\n    - name: list-pets\n      path: /pets\n      host: petstore.staging.example.com\n      status: [200]\n      failures: 2\n      interval: 0\n`;
}

function overlay(extra = ''): string {
  return `hosts:\n  - petstore.staging.example.com\n${extra}upstream:\n  nodes:\n    - host: ${upstream.host}\n      port: ${upstream.port}\n`;
}

/** The canary weight a rollout marked on each gateway's petstore service. */
function weights(): (string | null)[] {
  return world.fleet.map((g) => (g.objects('services').get('petstore') as { labels: Record<string, string> }).labels['tagway.canary-weight'] ?? null);
}

beforeEach(async () => {
  world = await startAgentWorld({ targets: 2 });
  upstream = await startUpstream('pets');
  planes = await Promise.all(world.fleet.map((g) => startDataPlane(g)));
  world.publish({ 'gateway-groups/staging/group.yaml': group(), 'gateway-groups/staging/services/petstore.yaml': overlay() }, 'staging: health checks');
});
afterEach(async () => {
  await Promise.all([world.close(), upstream.close(), ...planes.map((p) => p.close())]);
});

describe('the agent with health checks', () => {
  it('takes back a batch that fails them, holds that digest without retrying, and syncs the next one', async () => {
    const { agent, clock, logs } = newAgent(world);
    const writes = () => world.fleet.map((g) => g.requests.filter((r) => r.method !== 'GET' && !isLeaseRequest(r)).length);

    const first = await agent.reconcile();
    expect(first.groups[0]).toMatchObject({ outcome: 'synced', ok: true });

    world.publish({ 'gateway-groups/staging/services/petstore.yaml': overlay('path_prefix: /v2\n') }, 'staging: petstore under /v2');
    const broken = await agent.reconcile();
    const failed = broken.groups[0]!;
    expect(failed).toMatchObject({ outcome: 'failed', ok: false });
    expect(failed.targets.map((t) => [t.target, t.status, t.error?.code ?? null, t.runs.state])).toEqual([
      ['eu-1', 'failed', 'checks-failed', 'previous'],
      ['eu-2', 'skipped', null, 'previous'],
    ]);
    expect(world.fleet.map((g) => g.objects('routes').get('petstore.list-pets')?.uris)).toEqual([['/pets'], ['/pets']]);
    expect(agent.metrics.registry.render()).toContain(`tagway_group_checks_failed_info{group="staging",digest="${failed.digest}"} 1`);
    expect(logs()).toContainEqual(expect.objectContaining({ msg: 'health checks failed; the batch was taken back, and this snapshot is held until it changes', failed: ['eu-1'], restored: ['eu-1'] }));

    // Past the backoff: the same digest is held, not synced again.
    const before = writes();
    clock.advance(10 * 60_000);
    const held = await agent.reconcile();
    expect(held.groups[0]).toMatchObject({ outcome: 'held', ok: false, digest: failed.digest });
    expect(agent.health()).toMatchObject({ ready: false, reason: expect.stringContaining('staging held') });
    expect(writes()).toEqual(before);

    // A fix is a new digest: synced, and the hold is gone.
    world.publish({ 'gateway-groups/staging/services/petstore.yaml': overlay() }, 'staging: petstore back at /');
    clock.advance(10 * 60_000);
    const fixed = await agent.reconcile();
    expect(fixed.groups[0]).toMatchObject({ outcome: expect.stringMatching(/^(synced|in-sync)$/), ok: true });
    expect(agent.metrics.registry.render()).not.toContain('tagway_group_checks_failed_info{');
  });

  it('moves a progressive canary a step a pass, from the weight the gateways hold', async () => {
    const canary = await startUpstream('canary');
    try {
      const withCanary = `${overlay()}canary:\n  weight: 0\n  steps: [50, 100]\n  nodes:\n    - host: ${canary.host}\n      port: ${canary.port}\n      weight: 1\n`;
      world.publish({ 'gateway-groups/staging/services/petstore.yaml': withCanary }, 'staging: a progressive canary for petstore');
      const { agent, clock, logs } = newAgent(world);

      expect((await agent.reconcile()).groups[0]).toMatchObject({ outcome: 'synced', ok: true });
      expect(weights()).toEqual(['50', '50']);
      expect(agent.metrics.registry.render()).toContain('tagway_canary_weight_percent{group="staging",service="petstore"} 50');
      clock.advance(10_000);
      expect((await agent.reconcile()).groups[0]).toMatchObject({ outcome: 'in-sync', ok: true });
      expect(weights()).toEqual(['100', '100']);
      clock.advance(10_000);
      await agent.reconcile();
      expect(weights()).toEqual(['100', '100']);
      expect(logs().filter((l) => l.msg === 'canary stepped').map((l) => l.weight)).toEqual([50, 100]);

    } finally {
      await canary.close();
    }
  });

  it('sets a canary back to 0% after a failed step, and holds it there', async () => {
    const canary = await startUpstream('canary');
    canary.failWith(500);
    try {
      const withCanary = `${overlay()}canary:\n  weight: 0\n  steps: [25, 100]\n  nodes:\n    - host: ${canary.host}\n      port: ${canary.port}\n      weight: 1\n`;
      world.publish({ 'gateway-groups/staging/services/petstore.yaml': withCanary }, 'staging: a progressive canary for petstore');
      const { agent, clock, logs } = newAgent(world);
      expect((await agent.reconcile()).groups[0]).toMatchObject({ outcome: 'synced', ok: true });
      expect(weights()).toEqual(['0', '0']);
      expect(logs()).toContainEqual(expect.objectContaining({ msg: "canary step failed; its weight is back to 0 and the snapshot's canaries are held until it changes", weight: 25, reset: true }));
      const requests = canary.requests.length;
      clock.advance(10_000);
      await agent.reconcile();
      expect(weights()).toEqual(['0', '0']);
      expect(canary.requests.length).toBe(requests);
    } finally {
      await canary.close();
    }
  });
});
