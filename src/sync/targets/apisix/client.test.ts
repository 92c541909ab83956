import { MockAgent, type MockPool } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretScrubber } from '../../../core/scrub.js';
import { resolveCredential } from '../../credentials.js';
import { SyncError } from '../../errors.js';
import type { Plan } from '../../plan.js';
import { applyApisixPlan, restoreSteps } from './apply.js';
import { AdminClient } from './client.js';
import { PAGE_SIZE, listObjects, readObjects } from './read.js';
import type { RequestTimeouts } from '../../timeouts.js';
import { KIND } from '../../../apisix/kinds/index.js';

const ORIGIN = 'http://gw.test:9180';
const KEY = 'edd1c9f034335f136f87ad84b625c8f1';

interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

let agent: MockAgent;
let pool: MockPool;
let seen: Seen[];
let sleeps: number[];

/** The clock of `client()`: moved only by its sleeps. */
let clock = 0;

function client(retry: Record<string, number> = {}, timeouts: Partial<RequestTimeouts> = {}, options: { readonly scrubber?: SecretScrubber } = {}): AdminClient {
  return new AdminClient({
    ...options,
    target: 'eu-1',
    baseUrl: ORIGIN,
    credential: resolveCredential('env:EU1_KEY', { EU1_KEY: KEY }, { target: 'eu-1', field: 'admin_key' }),
    dispatcher: pool,
    retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000, ...retry },
    timeouts,
    runtime: {
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
      random: () => 0.5,
      now: () => clock,
    },
  });
}

/** Answers the next matching request with `status`/`body`, recording what was sent. */
function expectRequest(method: string, path: string, status: number, body: unknown = {}, headers: Record<string, string> = {}): void {
  pool
    .intercept({ method, path })
    .reply(status, (opts) => {
      seen.push({
        method: opts.method,
        path: opts.path,
        headers: Object.fromEntries(Object.entries(opts.headers as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v])),
        body: typeof opts.body === 'string' ? (JSON.parse(opts.body) as unknown) : undefined,
      });
      return body as object;
    }, { headers: { 'content-type': 'application/json', ...headers } });
}

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  pool = agent.get(ORIGIN);
  seen = [];
  sleeps = [];
  clock = 0;
});

afterEach(async () => {
  await agent.close();
});

function rejection(promise: Promise<unknown>): Promise<SyncError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(SyncError);
      return error as SyncError;
    },
  );
}

describe('AdminClient', () => {
  it('sends the key as X-API-KEY and JSON bodies', async () => {
    expectRequest('PUT', '/apisix/admin/upstreams/petstore', 201, { key: '/apisix/upstreams/petstore', value: {} });
    const res = await client().request({ method: 'PUT', path: '/apisix/admin/upstreams/petstore', body: { nodes: [] } });
    expect(res.status).toBe(201);
    expect(seen).toMatchObject([
      {
        method: 'PUT',
        path: '/apisix/admin/upstreams/petstore',
        headers: { 'x-api-key': KEY, 'content-type': 'application/json', accept: 'application/json' },
        body: { nodes: [] },
      },
    ]);
  });

  it('keeps a path prefix of the admin URL', async () => {
    expectRequest('GET', '/gw/apisix/admin/routes', 200, { total: 0, list: [] });
    const c = new AdminClient({ target: 't', baseUrl: `${ORIGIN}/gw/`, credential: null, dispatcher: pool });
    await c.request({ method: 'GET', path: '/apisix/admin/routes' });
    expect(seen[0]?.path).toBe('/gw/apisix/admin/routes');
    expect(seen[0]?.headers['x-api-key']).toBeUndefined();
  });

  it('retries 5xx with growing jittered backoff and succeeds', async () => {
    expectRequest('GET', '/apisix/admin/routes', 503, { error_msg: 'etcd unavailable' });
    expectRequest('GET', '/apisix/admin/routes', 502, { error_msg: 'bad gateway' });
    expectRequest('GET', '/apisix/admin/routes', 200, { total: 0, list: [] });
    const res = await client().request({ method: 'GET', path: '/apisix/admin/routes' });
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(3);
    expect(sleeps).toEqual([50, 100]);
  });

  it('honours Retry-After on 429', async () => {
    expectRequest('PUT', '/apisix/admin/routes/a', 429, { error_msg: 'slow down' }, { 'retry-after': '2' });
    expectRequest('PUT', '/apisix/admin/routes/a', 200, {});
    await client().request({ method: 'PUT', path: '/apisix/admin/routes/a', body: {} });
    expect(sleeps).toEqual([2000]);
  });

  it('does not retry 401, and reports an authentication failure without the key', async () => {
    expectRequest('GET', '/apisix/admin/routes', 401, { error_msg: 'failed to check token', description: 'wrong apikey' });
    const error = await rejection(client().request({ method: 'GET', path: '/apisix/admin/routes' }));
    expect(seen).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(error.data).toMatchObject({
      code: 'auth',
      target: 'eu-1',
      request: { method: 'GET', path: '/apisix/admin/routes', status: 401, attempts: 1 },
      gatewayMessage: 'failed to check token',
    });
    expect(error.data.hint).toContain('env:EU1_KEY');
    expect(JSON.stringify(error)).not.toContain(KEY);
  });

  it('does not retry 403', async () => {
    expectRequest('DELETE', '/apisix/admin/routes/a', 403, { error_msg: 'invalid method for role viewer' });
    const error = await rejection(client().request({ method: 'DELETE', path: '/apisix/admin/routes/a' }));
    expect(error.code).toBe('auth');
    expect(seen).toHaveLength(1);
  });

  it('does not retry other 4xx, and carries APISIX error_msg', async () => {
    expectRequest('PUT', '/apisix/admin/routes/a', 400, { error_msg: 'failed to fetch service info by service id [x], response code: 404' });
    const error = await rejection(client().request({ method: 'PUT', path: '/apisix/admin/routes/a', body: {} }));
    expect(error.data).toMatchObject({
      code: 'rejected',
      gatewayMessage: 'failed to fetch service info by service id [x], response code: 404',
      request: { method: 'PUT', path: '/apisix/admin/routes/a', status: 400, attempts: 1 },
    });
  });

  it('gives up after maxAttempts of 5xx', async () => {
    for (let i = 0; i < 4; i += 1) expectRequest('PUT', '/apisix/admin/routes/a', 500, { error_msg: 'etcd down' });
    const error = await rejection(client().request({ method: 'PUT', path: '/apisix/admin/routes/a', body: {} }));
    expect(seen).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
    expect(error.data).toMatchObject({ code: 'http-error', gatewayMessage: 'etcd down', request: { status: 500, attempts: 4 } });
  });

  it('retries network errors and reports unreachable', async () => {
    for (let i = 0; i < 4; i += 1) {
      pool.intercept({ method: 'GET', path: '/apisix/admin/routes' }).replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    }
    const error = await rejection(client().request({ method: 'GET', path: '/apisix/admin/routes' }));
    expect(error.data).toMatchObject({ code: 'unreachable', request: { status: null, attempts: 4 } });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('times out a request that does not answer', async () => {
    for (let i = 0; i < 2; i += 1) pool.intercept({ method: 'GET', path: '/apisix/admin/routes' }).reply(200, {}).delay(5_000);
    const error = await rejection(client({ maxAttempts: 2, timeoutMs: 20 }).request({ method: 'GET', path: '/apisix/admin/routes' }));
    expect(error.data).toMatchObject({ code: 'unreachable', request: { attempts: 2 } });
    expect(error.message).toContain('within 20 ms');
  });

  it('does not wait for a Retry-After that ends past the request time limit', async () => {
    expectRequest('PUT', '/apisix/admin/routes/a', 429, { error_msg: 'slow down' }, { 'retry-after': '2' });
    const error = await rejection(client({}, { requestMs: 1500 }).request({ method: 'PUT', path: '/apisix/admin/routes/a', body: {} }));
    expect(sleeps).toEqual([]);
    expect(error.data).toMatchObject({ code: 'http-error', request: { status: 429, attempts: 1 } });
    expect(error.message).toContain('1 attempt within the request time limit of 1.5 s');
  });

  it('keeps every attempt and wait of a request within its time limit: retries do not multiply it', async () => {
    for (let i = 0; i < 5; i += 1) expectRequest('GET', '/apisix/admin/routes', 503, { error_msg: 'etcd busy' });
    // Waits of 50, 100, 200 and 400 ms: the third would end at 350 ms, past the 300 ms limit.
    const error = await rejection(client({ maxAttempts: 5 }, { requestMs: 300 }).request({ method: 'GET', path: '/apisix/admin/routes' }));
    expect(sleeps).toEqual([50, 100]);
    expect(error.data).toMatchObject({ code: 'http-error', request: { attempts: 3 } });
  });

  it('gives a hanging gateway one time limit per request, however many attempts are allowed', async () => {
    for (let i = 0; i < 5; i += 1) pool.intercept({ method: 'GET', path: '/apisix/admin/routes' }).reply(200, {}).delay(5_000);
    const hanging = new AdminClient({
      target: 'eu-1',
      baseUrl: ORIGIN,
      credential: null,
      dispatcher: pool,
      retry: { maxAttempts: 5, timeoutMs: 60, baseDelayMs: 1, maxDelayMs: 1 },
      timeouts: { requestMs: 100 },
    });
    const error = await rejection(hanging.request({ method: 'GET', path: '/apisix/admin/routes' }));
    expect(error.data.code).toBe('unreachable');
    expect(error.data.request?.attempts).toBeLessThan(5);
    expect(error.message).toContain('got no answer within the request time limit of 100 ms');
    expect(error.data.hint).toContain('timeouts: in group.yaml');
  });

  it('scrubs the key from gateway text that echoes it', async () => {
    expectRequest('PUT', '/apisix/admin/routes/a', 400, { error_msg: `invalid request body: ${KEY}` });
    const error = await rejection(client().request({ method: 'PUT', path: '/apisix/admin/routes/a', body: {} }));
    expect(JSON.stringify(error)).not.toContain(KEY);
    expect(error.data.gatewayMessage).toBe('invalid request body: ***');
  });

  it("scrubs the keys of the fleet's other targets from its gateway's text", async () => {
    const other = 'other-target-key-5d1e';
    expectRequest('PUT', '/apisix/admin/routes/a', 400, { error_msg: `conflicts with ${other} and ${encodeURIComponent(KEY)}` });
    const error = await rejection(client({}, {}, { scrubber: new SecretScrubber([other]) }).request({ method: 'PUT', path: '/apisix/admin/routes/a', body: {} }));
    expect(error.data.gatewayMessage).toBe('conflicts with *** and ***');
    expect(error.message).not.toContain(other);
  });
});

describe('listObjects', () => {
  const item = (id: string) => ({ key: `/apisix/routes/${id}`, value: { id, uris: ['/'] }, createdIndex: 1, modifiedIndex: 1 });

  it('pages with page_size 500 until total is reached, and sorts by id', async () => {
    const ids = Array.from({ length: 1001 }, (_, i) => `r${String(1000 - i).padStart(4, '0')}`);
    for (let page = 1; page <= 3; page += 1) {
      const list = ids.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map(item);
      expectRequest('GET', `/apisix/admin/routes?page=${page}&page_size=500`, 200, { total: ids.length, list });
    }
    const objects = await listObjects(client(), KIND.routes);
    expect(seen.map((s) => s.path)).toEqual([
      '/apisix/admin/routes?page=1&page_size=500',
      '/apisix/admin/routes?page=2&page_size=500',
      '/apisix/admin/routes?page=3&page_size=500',
    ]);
    expect(objects).toHaveLength(1001);
    expect(objects[0]?.id).toBe('r0000');
  });

  it('keeps an object read twice (shifted into the next page by a creation) once, as last read, and sorts by id', async () => {
    const ids = Array.from({ length: 500 }, (_, i) => `r${String(i + 1).padStart(4, '0')}`);
    const page1 = ids.map(item);
    // r0000 was created meanwhile: r0500 moved into page 2, where it is read again, changed.
    const page2 = [item('r0500'), item('r0000')].map((x) => ({ ...x, value: { ...x.value, uris: ['/again'] } }));
    expectRequest('GET', '/apisix/admin/routes?page=1&page_size=500', 200, { total: 501, list: page1 });
    expectRequest('GET', '/apisix/admin/routes?page=2&page_size=500', 200, { total: 502, list: page2 });
    expectRequest('GET', '/apisix/admin/routes?page=3&page_size=500', 200, { total: 502, list: [] });
    const objects = await listObjects(client(), KIND.routes);
    expect(objects.map((o) => o.id)).toEqual(['r0000', ...ids]);
    expect(objects.find((o) => o.id === 'r0500')?.uris).toEqual(['/again']);
    expect(objects.find((o) => o.id === 'r0499')?.uris).toEqual(['/']);
  });

  it('reads an empty list encoded as an object', async () => {
    expectRequest('GET', '/apisix/admin/routes?page=1&page_size=500', 200, { total: 0, list: {} });
    expect(await listObjects(client(), KIND.routes)).toEqual([]);
  });

  it('refuses a response that is not an Admin API list', async () => {
    expectRequest('GET', '/apisix/admin/routes?page=1&page_size=500', 200, { hello: 'world' });
    const error = await rejection(listObjects(client(), KIND.routes));
    expect(error.code).toBe('invalid-live-state');
  });
});

describe('readObjects', () => {
  it('GETs each object and unwraps it as a list item is, 404 as absent, in the order asked', async () => {
    expectRequest('GET', '/apisix/admin/routes/petstore.list', 200, {
      key: '/apisix/routes/petstore.list',
      value: { id: 'petstore.list', uris: ['/pets'], create_time: 1, update_time: 2 },
      createdIndex: 10,
      modifiedIndex: 12,
    });
    expectRequest('GET', '/apisix/admin/routes/gone', 404, { message: 'Key not found' });
    // An id APISIX stores as a number, and a value without an id (taken from the key).
    expectRequest('GET', '/apisix/admin/routes/7', 200, { key: '/apisix/routes/7', value: { id: 7, uri: '/seven' }, createdIndex: 3, modifiedIndex: 3 });
    expectRequest('GET', '/apisix/admin/upstreams/u1', 200, { key: '/apisix/upstreams/u1', value: { nodes: [] }, createdIndex: 4, modifiedIndex: 4 });
    const refs = [
      { kind: 'routes', id: 'petstore.list' },
      { kind: 'routes', id: 'gone' },
      { kind: 'routes', id: '7' },
      { kind: 'upstreams', id: 'u1' },
    ] as const;
    const entries = await readObjects(client(), refs, 2);
    expect(entries).toEqual([
      { kind: 'routes', id: 'petstore.list', object: { id: 'petstore.list', uris: ['/pets'], create_time: 1, update_time: 2 } },
      { kind: 'routes', id: 'gone', object: null },
      { kind: 'routes', id: '7', object: { id: '7', uri: '/seven' } },
      { kind: 'upstreams', id: 'u1', object: { id: 'u1', nodes: [] } },
    ]);
    expect(seen.map((s) => s.headers['x-api-key'])).toEqual([KEY, KEY, KEY, KEY]);
    expect(sleeps).toEqual([]);
  });

  it('returns the same objects as listObjects for the same items', async () => {
    const items = [
      { key: '/apisix/routes/a', value: { id: 'a', uris: ['/a'], labels: { x: '1' } }, createdIndex: 5, modifiedIndex: 9 },
      { key: '/apisix/routes/12', value: { id: 12, uri: '/b' }, createdIndex: 6, modifiedIndex: 6 },
    ];
    expectRequest('GET', '/apisix/admin/routes?page=1&page_size=500', 200, { total: 2, list: items });
    for (const item of items) expectRequest('GET', `/apisix/admin/routes/${String(item.value.id)}`, 200, item);
    const listed = await listObjects(client(), KIND.routes);
    const read = await readObjects(client(), listed.map((o) => ({ kind: 'routes' as const, id: o.id })), 4);
    expect(read.map((e) => e.object)).toEqual(listed);
  });

  it('retries like every request, and reads a v2 body', async () => {
    expectRequest('GET', '/apisix/admin/services/s', 503, { error_msg: 'etcd unavailable' });
    expectRequest('GET', '/apisix/admin/services/s', 200, { node: { key: '/apisix/services/s', value: { upstream_id: 'u' } } });
    expect(await readObjects(client(), [{ kind: 'services', id: 's' }], 4)).toEqual([{ kind: 'services', id: 's', object: { id: 's', upstream_id: 'u' } }]);
    expect(sleeps).toEqual([50]);
  });

  it('throws an authentication failure at once', async () => {
    expectRequest('GET', '/apisix/admin/routes/a', 401, { error_msg: 'failed to check token' });
    const error = await rejection(readObjects(client(), [{ kind: 'routes', id: 'a' }], 4));
    expect(error.data).toMatchObject({ code: 'auth', request: { method: 'GET', path: '/apisix/admin/routes/a', attempts: 1 } });
  });

  it('refuses a body without an object, and an object with another id', async () => {
    expectRequest('GET', '/apisix/admin/routes/a', 200, { hello: 'world' });
    expect((await rejection(readObjects(client(), [{ kind: 'routes', id: 'a' }], 4))).code).toBe('invalid-live-state');
    expectRequest('GET', '/apisix/admin/routes/b', 200, { key: '/apisix/routes/c', value: { id: 'c' } });
    const error = await rejection(readObjects(client(), [{ kind: 'routes', id: 'b' }], 4));
    expect(error.code).toBe('invalid-live-state');
    expect(error.message).toContain('GET /apisix/admin/routes/b');
  });
});

describe('applyApisixPlan', () => {
  it('PUTs the object without id or server fields, and DELETEs by id', async () => {
    const plan: Plan = {
      group: 'staging',
      digest: 'sha256:x',
      conflicts: [],
      counts: { create: 1, update: 0, delete: 1, unchanged: 0 },
      steps: [
        { op: 'create', kind: 'routes', id: 'petstore.list', after: { id: 'petstore.list', uris: ['/pets'], service_id: 'petstore' } },
        { op: 'delete', kind: 'routes', id: 'petstore.old', before: { id: 'petstore.old', uris: ['/old'], create_time: 1 } },
      ],
    };
    expectRequest('PUT', '/apisix/admin/upstreams/tagway-lease.staging.unfinished', 201, {});
    expectRequest('PUT', '/apisix/admin/routes/petstore.list', 201, {});
    expectRequest('DELETE', '/apisix/admin/routes/petstore.old', 200, { deleted: '1' });
    expectRequest('DELETE', '/apisix/admin/upstreams/tagway-lease.staging.unfinished', 200, { deleted: '1' });
    expect(await applyApisixPlan(client(), plan, { concurrency: 4 })).toEqual({ ok: true, writes: 2 });
    // The record of the unfinished run is written before the first write and removed after the last.
    expect(seen.map((s) => [s.method, s.path, s.method === 'PUT' && s.path.includes('tagway-lease') ? 'record' : s.body])).toEqual([
      ['PUT', '/apisix/admin/upstreams/tagway-lease.staging.unfinished', 'record'],
      ['PUT', '/apisix/admin/routes/petstore.list', { uris: ['/pets'], service_id: 'petstore' }],
      ['DELETE', '/apisix/admin/routes/petstore.old', undefined],
      ['DELETE', '/apisix/admin/upstreams/tagway-lease.staging.unfinished', undefined],
    ]);
  });
});

describe('restoreSteps', () => {
  const before = { id: 'petstore.list', uris: ['/pets'], create_time: 1, update_time: 2 };
  const after = { id: 'petstore.list', uris: ['/animals'] };

  it('reads a write that failed ambiguously and undoes it only if it changed the object', async () => {
    // The update went through although its answer was lost; the create did not.
    expectRequest('GET', '/apisix/admin/routes/petstore.list', 200, { key: '/apisix/routes/petstore.list', value: { ...after, create_time: 1, update_time: 3 } });
    expectRequest('GET', '/apisix/admin/routes/petstore.new', 404, { message: 'Key not found' });
    expectRequest('PUT', '/apisix/admin/routes/petstore.list', 200, {});
    const report = await restoreSteps(
      client(),
      [],
      [
        { op: 'update', kind: 'routes', id: 'petstore.list', before, after, changes: [] },
        { op: 'create', kind: 'routes', id: 'petstore.new', after: { id: 'petstore.new', uris: ['/new'] } },
      ],
      4,
    );
    expect(report).toEqual({ attempted: true, ok: true, failures: [] });
    expect(seen.filter((s) => s.method !== 'GET').map((s) => [s.method, s.path, s.body])).toEqual([
      ['PUT', '/apisix/admin/routes/petstore.list', { uris: ['/pets'] }],
    ]);
  });

  it('does nothing when no failed write changed anything', async () => {
    expectRequest('GET', '/apisix/admin/routes/petstore.list', 200, { value: before });
    const report = await restoreSteps(client(), [], [{ op: 'update', kind: 'routes', id: 'petstore.list', before, after, changes: [] }], 4);
    expect(report).toEqual({ attempted: false, ok: true, failures: [] });
  });

  it('puts back deleted objects before deleting created ones, upstreams first and last', async () => {
    const up = { id: 'u', nodes: [] };
    for (const [method, path] of [
      ['PUT', '/apisix/admin/upstreams/u'],
      ['PUT', '/apisix/admin/routes/old'],
      ['DELETE', '/apisix/admin/routes/new'],
      ['DELETE', '/apisix/admin/upstreams/u2'],
    ] as const) expectRequest(method, path, 200, {});
    const report = await restoreSteps(
      client(),
      [
        { op: 'create', kind: 'upstreams', id: 'u2', after: { id: 'u2' } },
        { op: 'create', kind: 'routes', id: 'new', after: { id: 'new' } },
        { op: 'delete', kind: 'routes', id: 'old', before: { id: 'old', uris: ['/old'] } },
        { op: 'delete', kind: 'upstreams', id: 'u', before: up },
      ],
      [],
      4,
    );
    expect(report.ok).toBe(true);
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'PUT /apisix/admin/upstreams/u',
      'PUT /apisix/admin/routes/old',
      'DELETE /apisix/admin/routes/new',
      'DELETE /apisix/admin/upstreams/u2',
    ]);
  });
});
