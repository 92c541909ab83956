import { describe, expect, it } from 'vitest';
import type { ApisixObject } from '../../../model/apisix.js';
import { SyncError, type SyncErrorCode } from '../../errors.js';
import type { Plan, PlanStep } from '../../plan.js';
import type { ApplyContext, ApplyReport } from '../port.js';
import { applyApisixPlan } from './apply.js';
import type { AdminClient, AdminRequest, AdminResponse } from './client.js';

const RECORD = '/apisix/admin/upstreams/tagway-lease.staging.unfinished';

/** What a request meets instead of the gateway's answer: an error, after the write took effect or not, or another answer. */
type Fault =
  | { readonly error: Error; readonly applied: boolean; readonly during?: () => void }
  | { readonly answer: AdminResponse }
  | { readonly during: () => void };

/**
 * A gateway of objects by Admin API path, behind a client that answers as the real one does (a
 * status outside 2xx and `allow` is thrown, 404 as `rejected`). `faults` meet the first request
 * of their `METHOD path` only; `log` is every request, `METHOD path`.
 */
function gateway(initial: Readonly<Record<string, ApisixObject>> = {}, faults: Readonly<Record<string, Fault>> = {}) {
  const objects = new Map<string, Record<string, unknown>>(Object.entries(initial).map(([p, o]) => [p, { ...o }]));
  const pending = new Map(Object.entries(faults));
  const log: string[] = [];
  const client = {
    target: 'eu-1',
    request: async (req: AdminRequest): Promise<AdminResponse> => {
      const key = `${req.method} ${req.path}`;
      log.push(key);
      const fault = pending.get(key);
      pending.delete(key);
      if (fault !== undefined && 'during' in fault) fault.during?.();
      if (fault !== undefined && 'answer' in fault) return fault.answer;
      if (fault !== undefined && 'error' in fault && !fault.applied) throw fault.error;
      const status = serve(objects, req);
      if (fault !== undefined && 'error' in fault) throw fault.error;
      if (status.status >= 300 && !(req.allow ?? []).includes(status.status)) {
        throw new SyncError({ code: 'rejected', message: `${key}: ${status.status}`, request: { method: req.method, path: req.path, status: status.status, attempts: 1 } });
      }
      return status;
    },
  } as unknown as AdminClient;
  return { client, log, objects };
}

function serve(objects: Map<string, Record<string, unknown>>, req: AdminRequest): AdminResponse {
  const existed = objects.has(req.path);
  if (req.method === 'PUT') {
    objects.set(req.path, { ...(req.body as Record<string, unknown>), update_time: 2 });
    return { status: existed ? 200 : 201, headers: {}, body: {} };
  }
  if (!existed) return { status: 404, headers: {}, body: { message: 'Key not found' } };
  if (req.method === 'DELETE') {
    objects.delete(req.path);
    return { status: 200, headers: {}, body: { deleted: '1' } };
  }
  return { status: 200, headers: {}, body: { key: req.path.replace('/admin', ''), value: { ...objects.get(req.path), id: req.path.split('/').pop() } } };
}

const failure = (code: SyncErrorCode, path = '/apisix/admin/routes/r1') =>
  new SyncError({ code, message: `the gateway said ${code}`, request: { method: 'PUT', path, status: code === 'http-error' ? 503 : null, attempts: 3 } });

function plan(steps: readonly PlanStep[]): Plan {
  const counts = { create: 0, update: 0, delete: 0, unchanged: 0 };
  for (const s of steps) counts[s.op] += 1;
  return { group: 'staging', digest: 'sha256:new', conflicts: [], counts, steps: [...steps] };
}

const route = (id: string, uri: string): ApisixObject => ({ id, uris: [uri], labels: { 'managed-by': 'tagway', 'tagway.group': 'staging' } });
const body = (obj: ApisixObject): Record<string, unknown> => {
  const { id: _id, ...rest } = obj;
  return rest;
};
const R1 = '/apisix/admin/routes/r1';
const OLD = route('r1', '/old');
const NEW = route('r1', '/new');
const update: PlanStep = { op: 'update', kind: 'routes', id: 'r1', before: OLD, after: NEW, changes: [] };
const create: PlanStep = { op: 'create', kind: 'routes', id: 'r1', after: NEW };
const remove: PlanStep = { op: 'delete', kind: 'routes', id: 'r1', before: OLD };

async function apply(steps: readonly PlanStep[], g: ReturnType<typeof gateway>, ctx: ApplyContext = { concurrency: 1 }): Promise<ApplyReport> {
  return applyApisixPlan(g.client, plan(steps), ctx);
}

describe('applyApisixPlan before the first write', () => {
  it('writes nothing for an empty plan, not even the record of the run', async () => {
    const g = gateway();
    expect(await apply([], g)).toEqual({ ok: true, writes: 0 });
    expect(g.log).toEqual([]);
  });

  it('writes nothing once the signal has aborted, and says so', async () => {
    const g = gateway();
    const signal = AbortSignal.abort('SIGTERM');
    const report = await apply([create], g, { concurrency: 1, signal });
    expect(report).toEqual({
      ok: false,
      writes: 0,
      error: expect.objectContaining({ code: 'interrupted', target: 'eu-1', message: 'target eu-1: the sync was interrupted by SIGTERM after 0 of 1 writes; no further write was started' }),
      restore: { attempted: false, ok: true, failures: [] },
    });
    expect(g.log).toEqual([]);
  });

  it('writes nothing when the record of the run cannot be written', async () => {
    const g = gateway({}, { [`PUT ${RECORD}`]: { error: failure('unreachable', RECORD), applied: false } });
    const report = await apply([create], g);
    expect(report).toEqual({ ok: false, writes: 0, error: { ...failure('unreachable', RECORD).data, target: 'eu-1' }, restore: { attempted: false, ok: true, failures: [] } });
    expect(g.log).toEqual([`PUT ${RECORD}`]);
  });
});

describe('applyApisixPlan to the end', () => {
  it('counts a delete of an object already gone as done', async () => {
    const g = gateway();
    expect(await apply([remove], g)).toEqual({ ok: true, writes: 1 });
    expect(g.log).toEqual([`PUT ${RECORD}`, `DELETE ${R1}`, `DELETE ${RECORD}`]);
  });

  it('finishes a plan whose last write was under way when the signal aborted', async () => {
    const controller = new AbortController();
    const g = gateway({ [R1]: OLD }, { [`PUT ${R1}`]: { during: () => controller.abort('SIGINT') } });
    expect(await apply([update], g, { concurrency: 1, signal: controller.signal })).toEqual({ ok: true, writes: 1 });
    expect(g.objects.get(R1)).toMatchObject(body(NEW));
    expect(g.objects.has(RECORD)).toBe(false);
  });

  it('stops between phases once the signal aborts, and undoes the first', async () => {
    const controller = new AbortController();
    const upstream: PlanStep = { op: 'create', kind: 'upstreams', id: 'u1', after: { id: 'u1', nodes: {} } };
    const g = gateway({}, { 'PUT /apisix/admin/upstreams/u1': { during: () => controller.abort('SIGINT') } });
    const report = await apply([upstream, create], g, { concurrency: 1, signal: controller.signal });
    expect(report).toMatchObject({ ok: false, writes: 1, error: { code: 'interrupted', message: expect.stringContaining('after 1 of 2 writes') }, restore: { attempted: true, ok: true } });
    expect(g.log).toEqual([`PUT ${RECORD}`, 'PUT /apisix/admin/upstreams/u1', 'DELETE /apisix/admin/upstreams/u1', `DELETE ${RECORD}`]);
  });
});

describe('applyApisixPlan: a failed write is undone when it may have taken effect', () => {
  // The write fails; `applied` says whether the gateway took it although it failed.
  const cases: ReadonlyArray<{ readonly name: string; readonly step: PlanStep; readonly error: Error; readonly applied: boolean; readonly read: boolean; readonly undo: string | null }> = [
    { name: 'an update refused (rejected)', step: update, error: failure('rejected'), applied: false, read: false, undo: null },
    { name: 'an update refused (auth)', step: update, error: failure('auth'), applied: false, read: false, undo: null },
    { name: 'an update answered 503 after it was stored', step: update, error: failure('http-error'), applied: true, read: true, undo: `PUT ${R1}` },
    { name: 'an update whose connection dropped before it was stored', step: update, error: failure('unreachable'), applied: false, read: true, undo: null },
    { name: 'an update that failed by a plain error after it was stored', step: update, error: Object.assign(new Error('socket hang up'), { code: 'rejected' }), applied: true, read: true, undo: `PUT ${R1}` },
    { name: 'a create answered 503 after it was stored', step: create, error: failure('http-error'), applied: true, read: true, undo: `DELETE ${R1}` },
    { name: 'a create that timed out before it was stored', step: create, error: failure('unreachable'), applied: false, read: true, undo: null },
    { name: 'a delete answered 503 after it took effect', step: remove, error: failure('http-error'), applied: true, read: true, undo: `PUT ${R1}` },
    { name: 'a delete that timed out before it took effect', step: remove, error: failure('unreachable'), applied: false, read: true, undo: null },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.undo === null ? 'nothing to undo' : 'undone'}, and the gateway holds the old state`, async () => {
      const initial = c.step.op === 'create' ? {} : { [R1]: OLD };
      const g = gateway(initial, { [`${c.step.op === 'delete' ? 'DELETE' : 'PUT'} ${R1}`]: { error: c.error, applied: c.applied } });
      const report = await apply([c.step], g);
      expect(report).toMatchObject({ ok: false, writes: 0, restore: { attempted: c.undo !== null, ok: true, failures: [] } });
      const after = g.log.slice(2);
      expect(after).toEqual([...(c.read ? [`GET ${R1}`] : []), ...(c.undo !== null ? [c.undo] : []), `DELETE ${RECORD}`]);
      if (c.step.op === 'create') expect(g.objects.has(R1)).toBe(false);
      else expect(g.objects.get(R1)).toMatchObject(body(OLD));
    });
  }

  // What the read of an update that failed ambiguously (503, nothing stored) finds.
  const reads: ReadonlyArray<{ readonly name: string; readonly answer: AdminResponse | Error; readonly undone: boolean }> = [
    { name: 'the old object, stamped anew by the gateway', answer: { status: 200, headers: {}, body: { key: '/apisix/routes/r1', value: { ...OLD, create_time: 7, update_time: 9 } } }, undone: false },
    { name: 'another object', answer: { status: 200, headers: {}, body: { key: '/apisix/routes/r1', value: route('r1', '/third') } }, undone: true },
    { name: 'no object (404)', answer: { status: 404, headers: {}, body: { message: 'Key not found' } }, undone: true },
    { name: 'a body without value', answer: { status: 200, headers: {}, body: { key: '/apisix/routes/r1' } }, undone: true },
    { name: 'a value that is no object', answer: { status: 200, headers: {}, body: { key: '/apisix/routes/r1', value: 'r1' } }, undone: true },
    { name: 'a null value', answer: { status: 200, headers: {}, body: { key: '/apisix/routes/r1', value: null } }, undone: true },
    { name: 'no body', answer: { status: 200, headers: {}, body: null }, undone: true },
    { name: 'no answer', answer: failure('unreachable'), undone: true },
  ];
  for (const c of reads) {
    it(`reads ${c.name}: ${c.undone ? 'puts the old body back' : 'leaves it'}`, async () => {
      const read: Fault = c.answer instanceof Error ? { error: c.answer, applied: false } : { answer: c.answer };
      const g = gateway({ [R1]: OLD }, { [`PUT ${R1}`]: { error: failure('http-error'), applied: false }, [`GET ${R1}`]: read });
      const report = await apply([update], g);
      expect(report).toMatchObject({ ok: false, restore: { attempted: c.undone, ok: true } });
      expect(g.log.slice(3)).toEqual([...(c.undone ? [`PUT ${R1}`] : []), `DELETE ${RECORD}`]);
    });
  }
});

describe('applyApisixPlan: the undo', () => {
  it('reports an undo that failed, with its request, and keeps the record of the unfinished run', async () => {
    const up: PlanStep = { op: 'update', kind: 'upstreams', id: 'u1', before: { id: 'u1', nodes: { 'a:80': 1 } }, after: { id: 'u1', nodes: { 'b:80': 1 } }, changes: [] };
    const g = gateway(
      { '/apisix/admin/upstreams/u1': up.before, [R1]: OLD },
      { [`PUT ${R1}`]: { error: failure('rejected'), applied: false } },
    );
    // The second PUT of the upstream (the undo) fails.
    const request = g.client.request.bind(g.client);
    let puts = 0;
    (g.client as { request: AdminClient['request'] }).request = async (req) => {
      if (req.method === 'PUT' && req.path === '/apisix/admin/upstreams/u1' && ++puts === 2) throw failure('http-error', req.path);
      return request(req);
    };
    const report = await apply([up, update], g);
    expect(report).toMatchObject({
      ok: false,
      writes: 1,
      error: { code: 'rejected' },
      restore: { attempted: true, ok: false, failures: [{ request: { method: 'PUT', path: '/apisix/admin/upstreams/u1', status: 503, attempts: 3 }, message: 'the gateway said http-error' }] },
    });
    expect(g.log).not.toContain(`DELETE ${RECORD}`);
    expect(g.objects.has(RECORD)).toBe(true);
  });

  it('reports an undo that failed without a request as such', async () => {
    const g = gateway({}, { [`PUT ${R1}`]: { error: failure('rejected'), applied: false }, 'DELETE /apisix/admin/upstreams/u1': { error: new Error('socket closed'), applied: false } });
    const upstream: PlanStep = { op: 'create', kind: 'upstreams', id: 'u1', after: { id: 'u1', nodes: {} } };
    const report = await apply([upstream, create], g);
    expect(report).toMatchObject({
      ok: false,
      restore: { attempted: true, ok: false, failures: [{ request: { method: '?', path: '?', status: null, attempts: 0 }, message: 'internal error: socket closed' }] },
    });
    expect(g.objects.has(RECORD)).toBe(true);
  });

  it('counts a created object already gone as undone', async () => {
    const upstream: PlanStep = { op: 'create', kind: 'upstreams', id: 'u1', after: { id: 'u1', nodes: {} } };
    // Someone removed the upstream between its write and the undo.
    const g = gateway({}, { [`PUT ${R1}`]: { error: failure('rejected'), applied: false, during: () => g.objects.delete('/apisix/admin/upstreams/u1') } });
    const report = await apply([upstream, create], g);
    expect(report).toMatchObject({ ok: false, restore: { attempted: true, ok: true, failures: [] } });
    expect(g.log.slice(-2)).toEqual(['DELETE /apisix/admin/upstreams/u1', `DELETE ${RECORD}`]);
  });

  const rule = (id: string, plugin: string): ApisixObject => ({ id, plugins: { [plugin]: {} } });
  const orders: ReadonlyArray<{ readonly name: string; readonly early: boolean; readonly undo: readonly string[] }> = [
    {
      name: 'deletes a created global rule before it puts back the one an early delete retired',
      early: true,
      undo: ['DELETE /apisix/admin/global_rules/tagway.staging.cors', 'PUT /apisix/admin/global_rules/cors'],
    },
    {
      name: 'puts back a deleted global rule before it deletes a created one',
      early: false,
      undo: ['PUT /apisix/admin/global_rules/cors', 'DELETE /apisix/admin/global_rules/tagway.staging.cors'],
    },
  ];
  for (const c of orders) {
    it(c.name, async () => {
      const retired: PlanStep = { op: 'delete', kind: 'global_rules', id: 'cors', before: rule('cors', 'cors'), ...(c.early ? { early: true as const } : {}) };
      const created: PlanStep = { op: 'create', kind: 'global_rules', id: 'tagway.staging.cors', after: rule('tagway.staging.cors', 'cors') };
      const g = gateway({ '/apisix/admin/global_rules/cors': rule('cors', 'cors') }, { [`PUT ${R1}`]: { error: failure('rejected'), applied: false } });
      const report = await apply([retired, created, update], g);
      expect(report).toMatchObject({ ok: false, writes: 2, restore: { attempted: true, ok: true } });
      expect(g.log.slice(4, -1)).toEqual(c.undo);
      expect(g.objects.has('/apisix/admin/global_rules/tagway.staging.cors')).toBe(false);
      expect(g.objects.get('/apisix/admin/global_rules/cors')).toMatchObject({ plugins: { cors: {} } });
    });
  }
});
