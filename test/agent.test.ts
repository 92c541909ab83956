/**
 * The reconcile agent end to end, in process: a bare repository served over HTTP by git's
 * http-backend, the agent's clone of it, and Admin API test servers as the staging fleet. A manual
 * clock makes intervals and backoffs instant; nothing here waits for wall-clock time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GroupOutcome, ReconcileReport } from '../src/agent/agent.js';
import { startAgentServer } from '../src/agent/server.js';
import { runSync } from '../src/app/sync.js';
import {
  FLEET_KEYS,
  PETSTORE_1_2_ROUTE,
  STAGING_OBJECTS,
  newAgent,
  startAgentWorld,
  type AgentWorld,
} from './support/agent-fixture.js';
import { isLeaseRequest } from './support/apisix-admin-server.js';
import { gitAsync } from './support/git-http-server.js';
import { KIND_NAMES } from '../src/apisix/kinds/index.js';

function only(report: ReconcileReport): GroupOutcome {
  expect(report.groups).toHaveLength(1);
  return report.groups[0]!;
}

function expectNoKey(text: string): void {
  for (const key of Object.values(FLEET_KEYS)) expect(text).not.toContain(key);
}

/** Changes an object on a gateway the way an operator would: through its Admin API. */
async function adminRequest(world: AgentWorld, method: 'PUT' | 'DELETE', path: string, body?: unknown): Promise<number> {
  const response = await fetch(`${world.fleet[0]!.url}/apisix/admin/${path}`, {
    method,
    headers: { 'X-API-KEY': FLEET_KEYS.TAGWAY_AGENT_EU1_KEY, 'Content-Type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  await response.arrayBuffer();
  return response.status;
}

function withoutServerFields(object: Record<string, unknown>): Record<string, unknown> {
  const { create_time: _created, update_time: _updated, ...rest } = object;
  return rest;
}

function metric(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('tagway agent, following a remote over HTTP, with one gateway', () => {
  let world: AgentWorld;
  beforeEach(async () => {
    world = await startAgentWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  it('the first reconcile syncs the group; the next finds it in sync and writes nothing', async () => {
    const { agent, logs, text } = newAgent(world);
    const first = await agent.reconcile();
    expect(first.ok).toBe(true);
    expect(first.pull).toMatchObject({ ok: true, result: { kind: 'up-to-date', branch: 'main', url: world.git.url('config.git') } });
    expect(only(first)).toMatchObject({ outcome: 'synced', reason: 'startup', ok: true, targets: [{ target: 'eu-1', status: 'applied', writes: STAGING_OBJECTS }] });
    const eu1 = world.fleet[0]!;
    expect(eu1.objects('routes').size).toBe(9);
    const writes = eu1.writes();

    const second = await agent.reconcile();
    expect(only(second)).toMatchObject({ outcome: 'in-sync', reason: null, digest: only(first).digest, targets: [{ target: 'eu-1', status: 'in-sync', drifted: 0 }] });
    expect(eu1.writes()).toBe(writes);

    const lines = logs();
    for (const line of lines) expect(Object.keys(line).slice(0, 3)).toEqual(['time', 'level', 'msg']);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'info', msg: 'syncing', group: 'staging', reason: 'startup', digest: only(first).digest }));
    expect(lines).toContainEqual(expect.objectContaining({ level: 'info', msg: 'target synced', group: 'staging', target: 'eu-1', writes: STAGING_OBJECTS }));
    expectNoKey(text());
  });

  it('a pushed version tag and commit roll the range-tracking group forward on the next reconcile', async () => {
    const { agent, logs } = newAgent(world);
    const before = only(await agent.reconcile()).digest;

    const template = world.author.read('services/petstore/service.yaml');
    world.publish({ 'services/petstore/service.yaml': template + PETSTORE_1_2_ROUTE }, 'petstore: add the adopt route', 'petstore/v1.2.0');
    const overlay = world.author.read('gateway-groups/staging/services/petstore.yaml').replace('10.10.1.11', '10.10.1.12');
    const head = world.publish({ 'gateway-groups/staging/services/petstore.yaml': overlay }, 'staging: move petstore to 10.10.1.12');

    const report = await agent.reconcile();
    expect(report.ok).toBe(true);
    expect(report.pull).toMatchObject({ ok: true, result: { kind: 'fast-forwarded', to: head, newTags: ['petstore/v1.2.0'] } });
    expect(await gitAsync(world.clone, ['rev-parse', 'HEAD'])).toBe(head);
    const group = only(report);
    expect(group).toMatchObject({ outcome: 'synced', reason: 'new-digest' });
    expect(group.digest).not.toBe(before);

    const eu1 = world.fleet[0]!;
    expect(eu1.objects('routes').get('petstore.adopt')).toMatchObject({ uris: ['/adopt'], labels: { 'tagway.service': 'petstore' } });
    // The version is a label of the APISIX service alone: a new version rewrites no route it leaves alone.
    expect(eu1.objects('services').get('petstore')).toMatchObject({ labels: { 'tagway.version': '1.2.0' } });
    expect(eu1.objects('routes').get('petstore.list-pets')!.labels).not.toHaveProperty('tagway.version');
    expect(JSON.stringify(eu1.objects('upstreams').get('petstore'))).toContain('10.10.1.12');
    expect(logs()).toContainEqual(expect.objectContaining({ msg: 'pulled', newTags: ['petstore/v1.2.0'], to: head }));
    expect(logs()).toContainEqual(expect.objectContaining({ msg: 'syncing', reason: 'new-digest', services: ['catalog 1.0.0', 'orders 1.0.0', 'petstore 1.2.0'] }));
  });

  it('a manual change on the gateway is detected and repaired', async () => {
    const { agent, logs, text } = newAgent(world);
    await agent.reconcile();
    const eu1 = world.fleet[0]!;
    const route = eu1.objects('routes').get('petstore.list-pets')!;
    expect(await adminRequest(world, 'PUT', 'routes/petstore.list-pets', { ...withoutServerFields(route), methods: ['GET', 'DELETE'] })).toBe(200);
    expect(await adminRequest(world, 'DELETE', 'routes/orders.order')).toBe(200);

    const report = await agent.reconcile();
    expect(only(report)).toMatchObject({ outcome: 'synced', reason: 'drift', ok: true, targets: [{ target: 'eu-1', status: 'applied', writes: 2, drifted: 0 }] });
    expect(eu1.objects('routes').get('petstore.list-pets')?.['methods']).toEqual(['GET']);
    expect(eu1.objects('routes').has('orders.order')).toBe(true);
    expect(logs()).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'drift detected',
        group: 'staging',
        target: 'eu-1',
        objects: [
          { kind: 'routes', id: 'orders.order', state: 'missing' },
          { kind: 'routes', id: 'petstore.list-pets', state: 'changed', fields: ['/methods'] },
        ],
      }),
    );
    const metrics = agent.metrics.registry.render();
    expect(metric(metrics, 'tagway_group_syncs_total', { group: 'staging', reason: 'drift' })).toBe(1);
    expect(metric(metrics, 'tagway_target_drifted_objects', { group: 'staging', target: 'eu-1' })).toBe(0);
    expect(only(await agent.reconcile()).outcome).toBe('in-sync');
    expectNoKey(text());
  });

  it('serves /healthz, /readyz and /metrics', async () => {
    const { agent, clock } = newAgent(world);
    const server = await startAgentServer({ health: () => agent.health(), metrics: () => agent.metrics.registry.render() }, { host: '127.0.0.1', port: 0 });
    const get = async (path: string, method = 'GET') => {
      const response = await fetch(`${server.url}${path}`, { method });
      return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
    };
    try {
      expect(await get('/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
      expect(await get('/readyz')).toMatchObject({ status: 503, body: 'the first reconcile has not finished\n' });

      const report = await agent.reconcile();
      expect(await get('/readyz')).toMatchObject({ status: 200, body: 'ready\n' });
      const metrics = await get('/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.type).toBe('text/plain; version=0.0.4; charset=utf-8');
      const body = metrics.body;
      const digest = only(report).digest!;
      expect(body).toContain('# TYPE tagway_group_last_successful_sync_timestamp_seconds gauge');
      expect(metric(body, 'tagway_group_last_successful_sync_timestamp_seconds', { group: 'staging' })).toBe(clock.now() / 1000);
      expect(metric(body, 'tagway_group_snapshot_info', { group: 'staging', digest })).toBe(1);
      expect(metric(body, 'tagway_target_digest_info', { group: 'staging', target: 'eu-1', kind: 'apisix', state: 'snapshot', digest })).toBe(1);
      expect(metric(body, 'tagway_target_drifted_objects', { group: 'staging', target: 'eu-1' })).toBe(0);
      expect(body).toContain('# TYPE tagway_target_failures_total counter');
      expect(metric(body, 'tagway_target_failures_total', { group: 'staging', target: 'eu-1' })).toBe(0);
      expect(metric(body, 'tagway_group_syncs_total', { group: 'staging', reason: 'startup' })).toBe(1);
      expect(metric(body, 'tagway_reconciles_total', { result: 'success' })).toBe(1);
      expect(metric(body, 'tagway_reconcile_duration_seconds_count')).toBe(1);
      expect(metric(body, 'tagway_reconcile_duration_seconds_bucket', { le: '+Inf' })).toBe(1);
      expect(metric(body, 'tagway_pull_failures_total')).toBe(0);
      expect(body.endsWith('\n')).toBe(true);

      world.fleet[0]!.faults.add({ times: Infinity, action: { kind: 'status', status: 502 } });
      clock.advance(10_000);
      await agent.reconcile();
      expect(await get('/readyz')).toMatchObject({ status: 503, body: 'the last reconcile failed: staging failed\n' });
      expect(await get('/healthz')).toMatchObject({ status: 200 });
      expect(await get('/readyz', 'HEAD')).toMatchObject({ status: 503, body: '' });
      expect(await get('/metrics', 'POST')).toMatchObject({ status: 405 });
      expect(await get('/')).toMatchObject({ status: 404 });
    } finally {
      await server.close();
    }
  });

  it('repeated gateway failures back off exponentially up to the cap, and the failure counter grows per attempt', async () => {
    const { agent, clock } = newAgent(world, { pull: false, maxBackoffMs: 40_000, retry: { maxAttempts: 1 } });
    const eu1 = world.fleet[0]!;
    eu1.faults.add({ times: Infinity, action: { kind: 'status', status: 503 } });
    const start = clock.now();
    const stop = new AbortController();
    const passes: { at: number; outcome: string; failures: number | undefined; requests: number; retryIn: number }[] = [];
    clock.onSleep = (count) => {
      const state = agent.groupStates()[0]!;
      passes.push({
        at: clock.now() - start,
        outcome: only(agent.lastReconcile()!).outcome,
        failures: agent.metrics.targetFailures.value({ group: 'staging', target: 'eu-1' }),
        requests: eu1.requests.length,
        retryIn: state.retryAt - clock.now(),
      });
      if (count === 7) stop.abort();
    };
    await agent.run(stop.signal);

    // Interval 10 s, jitter 0.5: waits of 7.5 s, 15 s, 30 s, then capped at 40 s · 0.75 = 30 s.
    expect(passes.map((p) => [p.at, p.outcome, p.failures, p.retryIn])).toEqual([
      [0, 'failed', 1, 7_500],
      [10_000, 'failed', 2, 15_000],
      [20_000, 'backing-off', 2, 5_000],
      [30_000, 'failed', 3, 30_000],
      [40_000, 'backing-off', 3, 20_000],
      [50_000, 'backing-off', 3, 10_000],
      [60_000, 'failed', 4, 30_000],
    ]);
    // A pass that backs off sends the gateway nothing.
    expect(passes[2]!.requests).toBe(passes[1]!.requests);
    expect(passes[5]!.requests).toBe(passes[3]!.requests);
    expect(agent.metrics.groupFailures.value({ group: 'staging' })).toBe(4);
    expect(agent.metrics.consecutiveFailures.value({ group: 'staging' })).toBe(4);
    expect(agent.health()).toMatchObject({ ready: false });

    eu1.faults.clear();
    clock.advance(30_000);
    const recovered = await agent.reconcile();
    expect(only(recovered)).toMatchObject({ outcome: 'synced', reason: 'startup', ok: true });
    expect(agent.groupStates()[0]).toMatchObject({ consecutiveFailures: 0, retryAt: 0, syncedDigest: only(recovered).digest });
    expect(agent.metrics.consecutiveFailures.value({ group: 'staging' })).toBe(0);
    expect(agent.metrics.targetFailures.value({ group: 'staging', target: 'eu-1' })).toBe(4);
    expect(agent.health()).toMatchObject({ ready: true });
  });

  it('a commit that breaks the group leaves the fleet alone, logs the findings, and backs off', async () => {
    const { agent, clock, logs } = newAgent(world);
    const good = only(await agent.reconcile()).digest;
    const eu1 = world.fleet[0]!;
    const writes = eu1.writes();
    const overlay = world.author.read('gateway-groups/staging/services/petstore.yaml');
    world.publish({ 'gateway-groups/staging/services/petstore.yaml': `${overlay}routes: []\n` }, 'staging: a route list in an overlay');

    const broken = only(await agent.reconcile());
    expect(broken).toMatchObject({ outcome: 'failed', digest: null, ok: false });
    expect(eu1.writes()).toBe(writes);
    const finding = logs().find((l) => l['msg'] === 'the group does not compile; its fleet is left as it is');
    expect(finding).toMatchObject({ level: 'error', group: 'staging' });
    expect(finding?.['diagnostics']).toContainEqual(expect.objectContaining({ file: 'gateway-groups/staging/services/petstore.yaml' }));

    world.publish({ 'gateway-groups/staging/services/petstore.yaml': overlay }, 'Revert "staging: a route list in an overlay"');
    clock.advance(10_000);
    expect(only(await agent.reconcile())).toMatchObject({ outcome: 'in-sync', digest: good, ok: true });
  });

  it('an unset key variable fails the group before any request, naming the variable', async () => {
    const { agent, logs } = newAgent(world, { env: {} });
    expect(only(await agent.reconcile())).toMatchObject({ outcome: 'failed', ok: false });
    expect(world.fleet[0]!.requests).toHaveLength(0);
    const line = logs().find((l) => l['msg'] === 'cannot sync');
    expect(line).toMatchObject({ level: 'error', group: 'staging' });
    expect(String(line?.['error'])).toContain('TAGWAY_AGENT_EU1_KEY');
  });

  it('deploys the committed state, never an uncommitted edit of its clone', async () => {
    const overlay = path.join(world.clone, 'gateway-groups/staging/services/petstore.yaml');
    const committed = fs.readFileSync(overlay, 'utf8');
    expect(committed).toContain('host: 10.10.1.11');
    fs.writeFileSync(overlay, committed.replace('host: 10.10.1.11', 'host: 10.10.1.99'));
    const { agent } = newAgent(world, { pull: false });

    expect(only(await agent.reconcile())).toMatchObject({ outcome: 'synced', ok: true });
    const nodes = world.fleet[0]!.objects('upstreams').get('petstore')?.['nodes'];
    expect(nodes).toEqual([{ host: '10.10.1.11', port: 8080, weight: 1 }]);
    expect(JSON.stringify([...world.fleet[0]!.objects('upstreams').values()])).not.toContain('10.10.1.99');
    // The edit is not a change to the fleet either: the next pass finds the gateway in sync.
    expect(only(await agent.reconcile())).toMatchObject({ outcome: 'in-sync' });
    expect(fs.readFileSync(overlay, 'utf8')).toContain('host: 10.10.1.99');
  });

  it('a failing pull is counted and makes the agent unready, while drift is still repaired', async () => {
    const { agent, logs } = newAgent(world);
    await agent.reconcile();
    world.git.faults.add({ times: Infinity, action: { kind: 'status', status: 503, body: 'maintenance' } });
    const route = world.fleet[0]!.objects('routes').get('petstore.pet')!;
    await adminRequest(world, 'PUT', 'routes/petstore.pet', { ...withoutServerFields(route), uris: ['/elsewhere/*'] });

    const report = await agent.reconcile();
    expect(report.pull).toMatchObject({ ok: false, error: `cannot fetch ${world.git.url('config.git')}: HTTP 503 Service Unavailable` });
    expect(only(report)).toMatchObject({ outcome: 'synced', reason: 'drift', ok: true });
    expect(world.fleet[0]!.objects('routes').get('petstore.pet')?.['uris']).toEqual(['/pets/*']);
    expect(report.ok).toBe(false);
    expect(agent.health()).toEqual({ live: true, ready: false, reason: 'the last reconcile failed: pull failed' });
    expect(agent.metrics.pullFailures.value()).toBe(1);
    expect(logs()).toContainEqual(expect.objectContaining({ level: 'error', msg: 'pull failed' }));
  });
});

describe('tagway agent with a consumer whose key is an env: reference', () => {
  let world: AgentWorld;
  beforeEach(async () => {
    world = await startAgentWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  it('syncs the value, never logs it, and syncs a rotated value on the next pass', async () => {
    const [first, rotated] = ['agent-consumer-canary-51c0d9', 'agent-rotated-canary-7e2b44'];
    world.publish({ 'gateway-groups/staging/consumers/ops.yaml': 'plugins:\n  key-auth:\n    key: env:TAGWAY_AGENT_OPS_KEY\n' }, 'add the ops consumer');
    const before = newAgent(world, { env: { ...FLEET_KEYS, TAGWAY_AGENT_OPS_KEY: first } });
    expect(only(await before.agent.reconcile())).toMatchObject({ outcome: 'synced', ok: true });
    const eu1 = world.fleet[0]!;
    expect(eu1.objects('consumers').get('ops')).toMatchObject({ plugins: { 'key-auth': { key: first } } });
    expect(only(await before.agent.reconcile())).toMatchObject({ outcome: 'in-sync' });

    const after = newAgent(world, { env: { ...FLEET_KEYS, TAGWAY_AGENT_OPS_KEY: rotated } });
    const writes = eu1.writes();
    expect(only(await after.agent.reconcile())).toMatchObject({ outcome: 'synced', ok: true, targets: [{ status: 'applied', writes: 1 }] });
    expect(eu1.objects('consumers').get('ops')).toMatchObject({ plugins: { 'key-auth': { key: rotated } } });
    expect(eu1.writes() - writes).toBeGreaterThanOrEqual(1);
    for (const text of [before.text(), after.text()]) {
      expect(text).not.toContain(first);
      expect(text).not.toContain(rotated);
    }

    const missing = newAgent(world, { env: { ...FLEET_KEYS } });
    const failed = only(await missing.agent.reconcile());
    expect(failed).toMatchObject({ ok: false });
    expect(failed.error).toContain('environment variable TAGWAY_AGENT_OPS_KEY (from env:TAGWAY_AGENT_OPS_KEY) is not set');
  });
});

describe('tagway agent, stopping during a rollout', () => {
  let world: AgentWorld;
  beforeEach(async () => {
    world = await startAgentWorld({ targets: 2 });
  });
  afterEach(async () => {
    await world.close();
  });

  it('finishes the target in flight and starts no other', async () => {
    const { agent } = newAgent(world, { pull: false });
    const eu1 = world.fleet[0]!;
    const eu2 = world.fleet[1]!;
    eu1.faults.add({ method: 'PUT', times: Infinity, action: { kind: 'delay', ms: 50 } });
    const stop = new AbortController();
    const pending = agent.reconcile(stop.signal);
    const objectPut = () => eu1.requests.some((r) => r.method === 'PUT' && !isLeaseRequest(r));
    for (let i = 0; i < 400 && !objectPut(); i += 1) await new Promise((r) => setTimeout(r, 5));
    expect(objectPut()).toBe(true);
    stop.abort();

    const report = await pending;
    expect(report.stopped).toBe(true);
    expect(only(report)).toMatchObject({ outcome: 'stopped', targets: [{ target: 'eu-1', status: 'applied', writes: STAGING_OBJECTS }] });
    expect(KIND_NAMES.reduce((n, kind) => n + eu1.objects(kind).size, 0)).toBe(STAGING_OBJECTS);
    // eu-2 was leased with the fleet, never read or written.
    expect(eu2.requests.filter((r) => !isLeaseRequest(r))).toHaveLength(0);
    // A stopped pass is not a verdict on the fleet.
    expect(agent.lastReconcile()).toBeNull();
  });
});

describe('tagway agent while a manual sync of the group is under way', () => {
  let world: AgentWorld;
  beforeEach(async () => {
    world = await startAgentWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  it('skips the group for the pass without counting a failure, naming the manual run, and syncs on the next pass', async () => {
    const { agent, logs } = newAgent(world, { pull: false });
    const eu1 = world.fleet[0]!;
    let release = (): void => {};
    const hold = eu1.faults.add({ method: 'PUT', path: /^\/apisix\/admin\/(routes|services|upstreams)\/(?!tagway-lease\.)/, action: { kind: 'hold', until: new Promise<void>((resolve) => (release = resolve)) } });
    // The operator's sync, from their own copy of the repository, held in the middle of its writes.
    const manual = runSync({ cwd: world.author.dir, group: 'staging', env: FLEET_KEYS, retry: { timeoutMs: 120_000 } });
    for (let i = 0; i < 2000 && hold.hits === 0; i += 1) await new Promise((r) => setTimeout(r, 5));
    expect(hold.hits).toBe(1);

    const during = await agent.reconcile();
    expect(during.ok).toBe(true);
    expect(only(during)).toMatchObject({ outcome: 'locked', ok: true, targets: [] });
    expect(only(during).error).toContain('tagway sync --group staging');
    expect(agent.groupStates()).toMatchObject([{ consecutiveFailures: 0, retryAt: 0, syncedDigest: null }]);
    expect(agent.health()).toMatchObject({ ready: true });
    expect(logs()).toContainEqual(expect.objectContaining({ level: 'info', msg: 'another run is syncing the group; skipped this pass', group: 'staging' }));

    release();
    expect((await manual).ok).toBe(true);
    const after = await agent.reconcile();
    expect(only(after)).toMatchObject({ outcome: 'synced', ok: true, targets: [{ target: 'eu-1', status: 'in-sync', writes: 0 }] });
  });
});
