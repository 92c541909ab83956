import { request } from 'undici';
import { stringify as stringifyYaml, parse as parseYaml } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  STANDALONE_RESOURCE_KEYS,
  startStandaloneServer,
  type StandaloneServer,
  type StandaloneServerOptions,
} from './apisix-standalone-server.js';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** Parsed JSON body (asserted field by field), undefined when the body is not JSON. */
  readonly json: any;
}

interface CallOptions {
  readonly body?: unknown;
  readonly raw?: string;
  /** `X-Digest` to send; none when absent. */
  readonly digest?: string;
  /** API key to send; null sends none. Default: the server's. */
  readonly key?: string | null;
  readonly headers?: Record<string, string>;
}

let server!: StandaloneServer;
let clock = 1_700_000_000;

async function start(options: StandaloneServerOptions = {}): Promise<StandaloneServer> {
  await server?.close();
  server = await startStandaloneServer({ now: () => clock, ...options });
  return server;
}

async function call(method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const key = options.key === undefined ? server.apiKey : options.key;
  const headers: Record<string, string> = { ...options.headers };
  if (key !== null) headers['x-api-key'] = key;
  if (options.digest !== undefined) headers['x-digest'] = options.digest;
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const res = await request(`${server.url}${path}`, { method: method as 'GET', headers, ...(body === undefined ? {} : { body }) });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

const CONFIGS = '/apisix/admin/configs';

const route = (id: string, extra: Record<string, unknown> = {}) => ({ id, uri: `/${id}`, upstream_id: 'u1', ...extra });
const config1 = {
  upstreams: [{ id: 'u1', type: 'roundrobin', nodes: [{ host: '127.0.0.1', port: 1980, weight: 1 }] }],
  routes: [route('r1')],
};

beforeEach(async () => {
  clock = 1_700_000_000;
  await start();
});

afterEach(async () => {
  await server.close();
});

describe('GET / HEAD before any PUT', () => {
  it('answers every conf_version as 0 and no metadata headers', async () => {
    const res = await call('GET', CONFIGS);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.json).toEqual(Object.fromEntries(STANDALONE_RESOURCE_KEYS.map((k) => [`${k}_conf_version`, 0])));
    expect(res.headers['x-digest']).toBeUndefined();
    expect(res.headers['x-last-modified']).toBeUndefined();
    expect((await call('HEAD', CONFIGS)).headers['x-digest']).toBeUndefined();
  });
});

describe('PUT /apisix/admin/configs (standalone.lua update)', () => {
  it('answers 202 with X-Digest and X-Last-Modified, and GET returns the config', async () => {
    const res = await call('PUT', CONFIGS, { body: config1, digest: 'd1' });
    expect(res.status).toBe(202);
    expect(res.text).toBe('');
    expect(res.headers['x-digest']).toBe('d1');
    expect(res.headers['x-last-modified']).toBe(String(clock));

    const got = await call('GET', CONFIGS);
    expect(got.headers['x-digest']).toBe('d1');
    expect(got.headers['x-last-modified']).toBe(String(clock));
    expect(got.json).toMatchObject({
      routes: config1.routes,
      upstreams: config1.upstreams,
      routes_conf_version: 1,
      upstreams_conf_version: 1,
      ssls_conf_version: 1,
      'X-Digest': 'd1',
      'X-Last-Modified': clock,
    });
    expect(got.json).not.toHaveProperty('services');
    expect(server.config()).toEqual(got.json);
    expect(server.digest()).toBe('d1');

    const head = await call('HEAD', CONFIGS);
    expect(head.status).toBe(200);
    expect(head.headers['x-digest']).toBe('d1');
  });

  it('answers 204 for the digest already applied, without validating or changing anything', async () => {
    await call('PUT', CONFIGS, { body: config1, digest: 'd1' });
    const res = await call('PUT', CONFIGS, { body: { routes_conf_version: 'not-a-number' }, digest: 'd1' });
    expect(res.status).toBe(204);
    expect(server.config()['routes_conf_version']).toBe(1);
  });

  it('bumps every conf_version not given, and takes the ones given', async () => {
    await call('PUT', CONFIGS, { body: config1, digest: 'd1' });
    await call('PUT', CONFIGS, { body: { ...config1, routes_conf_version: 15 }, digest: 'd2' });
    const config = server.config();
    expect(config['routes_conf_version']).toBe(15);
    expect(config['upstreams_conf_version']).toBe(2);
    expect(config['consumers_conf_version']).toBe(2);
  });

  it('answers 400 for a conf_version below the stored one and keeps the old config', async () => {
    await call('PUT', CONFIGS, { body: { ...config1, routes_conf_version: 100 }, digest: 'd1' });
    const res = await call('PUT', CONFIGS, { body: { routes: [route('r2')], routes_conf_version: 99 }, digest: 'd2' });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error_msg: 'routes_conf_version must be greater than or equal to (100)' });
    expect(server.digest()).toBe('d1');
    expect(server.config()['routes']).toEqual(config1.routes);
  });

  it('keeps the stored items of a key whose conf_version is unchanged', async () => {
    await call('PUT', CONFIGS, { body: { ...config1, routes_conf_version: 5 }, digest: 'd1' });
    const res = await call('PUT', CONFIGS, { body: { ...config1, routes: [route('r2')], routes_conf_version: 5 }, digest: 'd2' });
    expect(res.status).toBe(202);
    expect(server.config()['routes']).toEqual(config1.routes);
    expect(server.digest()).toBe('d2');
  });

  it('removes a key given as an empty list or left out', async () => {
    await call('PUT', CONFIGS, { body: config1, digest: 'd1' });
    await call('PUT', CONFIGS, { body: { routes: [] }, digest: 'd2' });
    const config = server.config();
    expect(config).not.toHaveProperty('routes');
    expect(config).not.toHaveProperty('upstreams');
  });

  it('drops keys that are not resource keys', async () => {
    await call('PUT', CONFIGS, { body: { ...config1, extra: [1] }, digest: 'd1' });
    expect(server.config()).not.toHaveProperty('extra');
  });

  it('accepts a YAML body with Content-Type application/yaml', async () => {
    const res = await call('PUT', CONFIGS, {
      raw: stringifyYaml(config1),
      digest: 'y1',
      headers: { 'content-type': 'application/yaml' },
    });
    expect(res.status).toBe(202);
    expect(server.config()['routes']).toEqual(config1.routes);
  });

  it('answers GET in YAML for Accept application/yaml', async () => {
    await call('PUT', CONFIGS, { body: config1, digest: 'd1' });
    const res = await call('GET', CONFIGS, { headers: { accept: 'application/yaml' } });
    expect(res.headers['content-type']).toBe('application/yaml');
    expect(res.text.startsWith('---')).toBe(false);
    expect(parseYaml(res.text)).toEqual(server.config());
  });

  it.each([
    ['no X-Digest header', { body: config1 }, 'missing digest header'],
    ['an empty body', { raw: '', digest: 'd' }, 'invalid request body: empty request body'],
    ['a conf_version that is not a number', { body: { routes_conf_version: 'abc' }, digest: 'd' }, 'routes_conf_version must be a number'],
    ['a duplicate id', { body: { routes: [route('r1'), route('r1')] }, digest: 'd' }, 'found duplicate id r1 in routes'],
    [
      'an item id outside the id schema',
      { body: { routes: [route('bad id')] }, digest: 'd' },
      'invalid configuration: property "id" validation failed: object matches none of the required',
    ],
    ['an item that is not an object', { body: { services: ['s1'] }, digest: 'd' }, 'invalid configuration: wrong type: expected object, got string'],
    [
      'a duplicate consumer username',
      { body: { consumers: [{ username: 'jack' }, { username: 'jack' }] }, digest: 'd' },
      'found duplicate username jack in consumers',
    ],
  ] as const)('answers 400 for %s and changes nothing', async (_name, options, message) => {
    const res = await call('PUT', CONFIGS, options);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error_msg: message });
    expect(server.digest()).toBeUndefined();
  });

  it('answers 400 "invalid request body: …" for invalid JSON and YAML', async () => {
    const json = await call('PUT', CONFIGS, { raw: '{abcd', digest: 'd' });
    expect(json.status).toBe(400);
    expect(json.json.error_msg).toMatch(/^invalid request body: /);
    const yaml = await call('PUT', CONFIGS, { raw: 'invalid: yaml: [', digest: 'd', headers: { 'content-type': 'application/yaml' } });
    expect(yaml.json).toEqual({ error_msg: 'invalid request body: invalid yaml request body' });
  });

  it('does not check references between items (skip_references_check)', async () => {
    const res = await call('PUT', CONFIGS, { body: { routes: [route('r1', { upstream_id: 'nowhere' })] }, digest: 'd' });
    expect(res.status).toBe(202);
  });

  it('takes a secret manager keyed <manager>/<id>, and refuses a secret id without its manager', async () => {
    const vault = { uri: 'https://vault.example.com:8200', prefix: 'kv', token: 't', labels: { 'managed-by': 'tagway' } };
    expect((await call('PUT', CONFIGS, { body: { secrets: [{ id: 'vault/prod', ...vault }] }, digest: 'd1' })).status).toBe(202);
    expect((await call('GET', CONFIGS)).json.secrets).toEqual([{ id: 'vault/prod', ...vault }]);
    const res = await call('PUT', CONFIGS, { body: { secrets: [{ id: 'prod', ...vault }] }, digest: 'd2' });
    expect([res.status, res.json]).toEqual([400, { error_msg: 'invalid secret id: prod' }]);
  });

  it('runs the validator on routes, services and upstreams', async () => {
    await start({ validate: (kind, item) => (kind === 'routes' && typeof item['uri'] !== 'string' ? 'invalid configuration: uri' : null) });
    const res = await call('PUT', CONFIGS, { body: { routes: [route('r1', { uri: 123 })] }, digest: 'd' });
    expect(res.json).toEqual({ error_msg: 'invalid configuration: uri' });
  });
});

describe('POST /apisix/admin/configs/validate (config_validate.lua)', () => {
  it('answers 200 {} and stores nothing', async () => {
    const res = await call('POST', `${CONFIGS}/validate`, { body: config1 });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({});
    expect(server.digest()).toBeUndefined();
  });

  it('collects every error', async () => {
    const res = await call('POST', `${CONFIGS}/validate`, {
      body: { routes: [route('r1'), route('r1')], routes_conf_version: 'x' },
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error_msg: 'Configuration validation failed',
      errors: [
        { resource_type: 'routes', error: 'routes_conf_version must be a number, got string' },
        { resource_type: 'routes', resource_id: 'r1', index: 1, error: 'found duplicate id r1 in routes' },
      ],
    });
  });
});

describe('routing and auth', () => {
  it('answers 401 with APISIX body without the key', async () => {
    const res = await call('PUT', CONFIGS, { body: config1, digest: 'd', key: null });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error_msg: 'failed to check token', description: 'missing apikey' });
    expect(server.digest()).toBeUndefined();
  });

  it('routes nothing but the configs endpoints', async () => {
    expect((await call('GET', '/apisix/admin/routes')).status).toBe(404);
    expect((await call('POST', CONFIGS, { body: config1 })).status).toBe(404);
    expect((await call('HEAD', '/apisix/admin', { key: null })).status).toBe(200);
  });
});

describe('faults and inspection', () => {
  it('leaves the config unchanged after an injected 5xx, 429 or drop', async () => {
    await call('PUT', CONFIGS, { body: config1, digest: 'd1' });
    server.faults.add({ method: 'PUT', times: 2, action: { kind: 'status', status: 500 } });
    server.faults.add({ method: 'PUT', action: { kind: 'rate-limit', retryAfter: 1 } });
    server.faults.add({ method: 'PUT', action: { kind: 'drop' } });
    const next = { routes: [route('r2')], upstreams: config1.upstreams };
    expect((await call('PUT', CONFIGS, { body: next, digest: 'd2' })).status).toBe(500);
    expect((await call('PUT', CONFIGS, { body: next, digest: 'd2' })).status).toBe(500);
    const limited = await call('PUT', CONFIGS, { body: next, digest: 'd2' });
    expect([limited.status, limited.headers['retry-after']]).toEqual([429, '1']);
    await expect(call('PUT', CONFIGS, { body: next, digest: 'd2' })).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(server.digest()).toBe('d1');
    expect((await call('PUT', CONFIGS, { body: next, digest: 'd2' })).status).toBe(202);
    expect(server.writes()).toBe(6);
    expect(server.requests.map((r) => r.status)).toEqual([202, 500, 500, 429, 0, 202]);
  });

  it('delays and hangs like the admin server', async () => {
    server.faults.add({ method: 'GET', action: { kind: 'delay', ms: 100 } });
    const started = performance.now();
    expect((await call('GET', CONFIGS)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);

    server.faults.add({ method: 'PUT', action: { kind: 'hang' } });
    const pending = call('PUT', CONFIGS, { body: config1, digest: 'd1' });
    for (let i = 0; i < 200 && server.requests.length < 2; i += 1) await new Promise((r) => setTimeout(r, 5));
    await server.close();
    await expect(pending).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(server.digest()).toBeUndefined();
  });

  it('reset forgets the config, the log and the faults', async () => {
    await call('PUT', CONFIGS, { body: config1, digest: 'd1' });
    server.faults.add({ action: { kind: 'drop' } });
    server.reset();
    expect(server.digest()).toBeUndefined();
    expect(server.requests).toHaveLength(0);
    expect((await call('GET', CONFIGS)).json['routes_conf_version']).toBe(0);
  });

  it('takes a config of 30,000 objects in one PUT', async () => {
    const upstreams = Array.from({ length: 10_000 }, (_, i) => ({ id: `u${i}`, nodes: [{ host: 'a', port: 1, weight: 1 }] }));
    const services = upstreams.map((u, i) => ({ id: `s${i}`, upstream_id: u.id }));
    const routes = services.map((s, i) => ({ id: `r${i}`, uri: `/r${i}`, service_id: s.id }));
    const res = await call('PUT', CONFIGS, { body: { upstreams, services, routes }, digest: 'big' });
    expect(res.status).toBe(202);
    expect((server.config()['routes'] as unknown[]).length).toBe(10_000);
  });
});
