import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APISIX_OBJECT_KINDS, BUNDLED_PLUGINS, BUNDLED_PLUGIN_NAMES, validateApisixObject, type ApisixObjectKind } from './index.js';

/** A table row: a body, and the pointers of the errors expected (none for a good body). */
interface Row {
  readonly name: string;
  readonly kind: ApisixObjectKind;
  readonly body: unknown;
  readonly pointers: readonly string[];
}

const upstream = { nodes: { '127.0.0.1:8080': 1 }, type: 'roundrobin' } as const;
/** A minimal valid route with `extra` merged in (an `undefined` value drops the field). */
const route = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ uri: '/r', upstream, ...extra });
const chash = (extra: Record<string, unknown>): Record<string, unknown> => ({ nodes: { 'a:80': 1 }, type: 'chash', ...extra });

const rows: readonly Row[] = [
  // id: 1-64 characters of [a-zA-Z0-9-_.], or an integer >= 1 (schema_def.lua id_schema)
  { name: 'id: letters, digits, - _ .', kind: 'route', body: route({ id: 'petstore.list-pets_v2' }), pointers: [] },
  { name: 'id: 64 characters', kind: 'route', body: route({ id: 'a'.repeat(64) }), pointers: [] },
  { name: 'id: integer', kind: 'upstream', body: { ...upstream, id: 1 }, pointers: [] },
  { name: 'id: 65 characters', kind: 'route', body: route({ id: 'a'.repeat(65) }), pointers: ['/id'] },
  { name: 'id: empty (too short, no match)', kind: 'service', body: { id: '' }, pointers: ['/id', '/id'] },
  { name: 'id: slash', kind: 'service', body: { id: 'a/b' }, pointers: ['/id'] },
  { name: 'id: space', kind: 'upstream', body: { ...upstream, id: 'a b' }, pointers: ['/id'] },
  { name: 'id: zero', kind: 'upstream', body: { ...upstream, id: 0 }, pointers: ['/id'] },
  { name: 'id: fraction', kind: 'upstream', body: { ...upstream, id: 1.5 }, pointers: ['/id'] },
  { name: 'id: boolean', kind: 'route', body: route({ id: true }), pointers: ['/id'] },
  { name: 'service_id pattern', kind: 'route', body: { uri: '/r', service_id: 'bad$' }, pointers: ['/service_id'] },
  { name: 'upstream_id pattern', kind: 'service', body: { upstream_id: 'bad$' }, pointers: ['/upstream_id'] },

  // uri xor uris, and something to proxy to (schema_def.lua route allOf / anyOf)
  { name: 'uris', kind: 'route', body: route({ uri: undefined, uris: ['/a', '/b'] }), pointers: [] },
  { name: 'uri and uris', kind: 'route', body: route({ uris: ['/a'] }), pointers: [''] },
  { name: 'neither uri nor uris', kind: 'route', body: route({ uri: undefined }), pointers: [''] },
  { name: 'uri empty', kind: 'route', body: route({ uri: '' }), pointers: ['/uri'] },
  { name: 'uri too long', kind: 'route', body: route({ uri: `/${'a'.repeat(4096)}` }), pointers: ['/uri'] },
  { name: 'uri not a string', kind: 'route', body: route({ uri: 1 }), pointers: ['/uri'] },
  { name: 'uris empty', kind: 'route', body: route({ uri: undefined, uris: [] }), pointers: ['/uris'] },
  { name: 'uris duplicated', kind: 'route', body: route({ uri: undefined, uris: ['/a', '/a'] }), pointers: ['/uris'] },
  { name: 'route without target', kind: 'route', body: { uri: '/r' }, pointers: [''] },
  { name: 'route with only plugins', kind: 'route', body: { uri: '/r', plugins: { 'grpc-web': {} } }, pointers: [] },
  { name: 'script with plugins', kind: 'route', body: { uri: '/r', script: 'return {}', plugins: {} }, pointers: ['/script', '/script'] },

  // methods (schema_def.lua method_schema)
  { name: 'methods', kind: 'route', body: route({ methods: ['GET', 'PURGE'] }), pointers: [] },
  { name: 'methods lower case', kind: 'route', body: route({ methods: ['get'] }), pointers: ['/methods/0'] },
  { name: 'methods unknown', kind: 'route', body: route({ methods: ['GET', 'FETCH'] }), pointers: ['/methods/1'] },
  { name: 'methods duplicated', kind: 'route', body: route({ methods: ['GET', 'GET'] }), pointers: ['/methods'] },
  { name: 'methods not an array', kind: 'route', body: route({ methods: 'GET' }), pointers: ['/methods'] },

  // host / hosts (schema_def.lua host_def; routes.lua "only one of host or hosts")
  { name: 'hosts with wildcards', kind: 'route', body: route({ hosts: ['*.example.com', '*', 'a.b'] }), pointers: [] },
  { name: 'host', kind: 'route', body: route({ host: 'api.example.com' }), pointers: [] },
  { name: 'hosts inner wildcard', kind: 'route', body: route({ hosts: ['a.*.com'] }), pointers: ['/hosts/0'] },
  { name: 'host with a space', kind: 'route', body: route({ host: 'a b' }), pointers: ['/host'] },
  { name: 'host and hosts', kind: 'route', body: route({ host: 'a.com', hosts: ['b.com'] }), pointers: [''] },
  { name: 'hosts empty', kind: 'service', body: { hosts: [] }, pointers: ['/hosts'] },
  { name: 'service hosts', kind: 'service', body: { hosts: ['*.example.com'], upstream_id: 'u' }, pointers: [] },

  // remote_addr(s) (schema_def.lua ip_def)
  { name: 'remote_addrs', kind: 'route', body: route({ remote_addrs: ['10.0.0.0/8', '::1', 'fe80::/10', '1.2.3.4'] }), pointers: [] },
  { name: 'remote_addrs bad mask', kind: 'route', body: route({ remote_addrs: ['10.0.0.0/33'] }), pointers: ['/remote_addrs/0'] },
  { name: 'remote_addr bad address', kind: 'route', body: route({ remote_addr: '1.2.3' }), pointers: ['/remote_addr'] },

  // priority and status
  { name: 'priority negative', kind: 'route', body: route({ priority: -10 }), pointers: [] },
  { name: 'priority fraction', kind: 'route', body: route({ priority: 1.5 }), pointers: ['/priority'] },
  { name: 'priority string', kind: 'route', body: route({ priority: '1' }), pointers: ['/priority'] },
  { name: 'status 2', kind: 'route', body: route({ status: 2 }), pointers: ['/status'] },

  // labels (schema_def.lua labels_def): string values, 1-256 non-space characters
  { name: 'labels', kind: 'route', body: route({ labels: { 'managed-by': 'tagway', 'tagway.version': '1.2.0' } }), pointers: [] },
  { name: 'label empty (too short, no match)', kind: 'route', body: route({ labels: { a: '' } }), pointers: ['/labels/a', '/labels/a'] },
  { name: 'label with space', kind: 'upstream', body: { ...upstream, labels: { a: 'b c' } }, pointers: ['/labels/a'] },
  { name: 'label number', kind: 'service', body: { labels: { a: 1 } }, pointers: ['/labels/a'] },
  { name: 'label too long', kind: 'service', body: { labels: { a: 'x'.repeat(257) } }, pointers: ['/labels/a'] },
  { name: 'label key with slash', kind: 'service', body: { labels: { 'a/b': [] } }, pointers: ['/labels/a~1b'] },

  // timeout (schema_def.lua timeout_def)
  { name: 'timeout', kind: 'upstream', body: { ...upstream, timeout: { connect: 0.5, send: 3, read: 3 } }, pointers: [] },
  { name: 'timeout without read', kind: 'upstream', body: { ...upstream, timeout: { connect: 1, send: 1 } }, pointers: ['/timeout'] },
  { name: 'timeout zero', kind: 'route', body: route({ timeout: { connect: 0, send: 1, read: 1 } }), pointers: ['/timeout/connect'] },
  { name: 'timeout as string', kind: 'route', body: route({ timeout: { connect: 1, send: '1', read: 1 } }), pointers: ['/timeout/send'] },

  // upstream nodes, hash form and array form
  { name: 'nodes array', kind: 'upstream', body: { nodes: [{ host: '10.0.0.1', port: 80, weight: 1, priority: -1 }] }, pointers: [] },
  { name: 'nodes array without port', kind: 'upstream', body: { nodes: [{ host: 'a.internal', weight: 0 }] }, pointers: [] },
  { name: 'nodes array bracketed IPv6', kind: 'upstream', body: { nodes: [{ host: '[::1]', port: 80, weight: 1 }] }, pointers: [] },
  { name: 'nodes hash without port', kind: 'upstream', body: { nodes: { 'a.internal': 1 } }, pointers: [] },
  { name: 'nodes empty', kind: 'upstream', body: { nodes: [] }, pointers: [] },
  { name: 'nodes array bare IPv6', kind: 'upstream', body: { nodes: [{ host: '::1', port: 80, weight: 1 }] }, pointers: ['/nodes/0/host'] },
  { name: 'nodes array without weight', kind: 'upstream', body: { nodes: [{ host: 'a', port: 80 }] }, pointers: ['/nodes/0'] },
  { name: 'nodes array port too big', kind: 'upstream', body: { nodes: [{ host: 'a', port: 65536, weight: 1 }] }, pointers: ['/nodes/0/port'] },
  { name: 'nodes array of strings', kind: 'upstream', body: { nodes: ['a:80'] }, pointers: ['/nodes/0'] },
  { name: 'nodes hash negative weight', kind: 'upstream', body: { nodes: { 'a:80': -1 } }, pointers: ['/nodes/a:80'] },
  { name: 'nodes hash port 0', kind: 'upstream', body: { nodes: { 'a:0': 1 } }, pointers: ['/nodes/a:0'] },
  { name: 'nodes hash port too big', kind: 'route', body: route({ upstream: { nodes: { '[::1]:70000': 1 } } }), pointers: ['/upstream/nodes/[::1]:70000'] },
  { name: 'nodes a string', kind: 'upstream', body: { nodes: 'a:80' }, pointers: ['/nodes'] },
  { name: 'unknown upstream field', kind: 'route', body: route({ upstream: { ...upstream, weight: 1 } }), pointers: ['/upstream/weight'] },

  // service discovery (schema_def.lua upstream oneOf)
  { name: 'discovery', kind: 'upstream', body: { service_name: 'pets', discovery_type: 'nacos', discovery_args: { group_name: 'g' } }, pointers: [] },
  { name: 'discovery without type', kind: 'upstream', body: { service_name: 'pets' }, pointers: [''] },
  { name: 'discovery type without service', kind: 'upstream', body: { discovery_type: 'dns' }, pointers: [''] },
  { name: 'nodes and discovery', kind: 'upstream', body: { ...upstream, service_name: 'pets', discovery_type: 'dns' }, pointers: [''] },
  { name: 'nodes with a lone service_name', kind: 'upstream', body: { ...upstream, service_name: 'pets' }, pointers: [] },
  { name: 'service_name empty', kind: 'upstream', body: { service_name: '', discovery_type: 'dns' }, pointers: ['/service_name'] },

  // chash (upstream.lua check_upstream_conf)
  { name: 'chash vars key', kind: 'upstream', body: chash({ key: 'remote_addr' }), pointers: [] },
  { name: 'chash vars arg key', kind: 'upstream', body: chash({ hash_on: 'vars', key: 'arg_user-id' }), pointers: [] },
  { name: 'chash header key', kind: 'upstream', body: chash({ hash_on: 'header', key: 'X-User_Id' }), pointers: [] },
  { name: 'chash cookie key', kind: 'upstream', body: chash({ hash_on: 'cookie', key: 'session-id' }), pointers: [] },
  { name: 'chash consumer without key', kind: 'upstream', body: chash({ hash_on: 'consumer' }), pointers: [] },
  { name: 'chash vars_combinations', kind: 'upstream', body: chash({ hash_on: 'vars_combinations', key: '$remote_addr$arg_id' }), pointers: [] },
  { name: 'chash without key', kind: 'upstream', body: chash({}), pointers: [''] },
  { name: 'chash header without key', kind: 'route', body: route({ upstream: chash({ hash_on: 'header' }) }), pointers: ['/upstream'] },
  { name: 'chash vars unknown variable', kind: 'upstream', body: chash({ key: 'http_x_user' }), pointers: ['/key'] },
  { name: 'chash header bad name', kind: 'upstream', body: chash({ hash_on: 'header', key: 'X User' }), pointers: ['/key'] },
  { name: 'chash unknown hash_on', kind: 'upstream', body: chash({ hash_on: 'ip', key: 'x' }), pointers: ['/hash_on'] },
  { name: 'roundrobin ignores key', kind: 'upstream', body: { ...upstream, key: 'not checked' }, pointers: [] },

  // pass_host / upstream_host (upstream.lua check_upstream_conf)
  { name: 'pass_host rewrite', kind: 'upstream', body: { ...upstream, pass_host: 'rewrite', upstream_host: 'pets.internal' }, pointers: [] },
  { name: 'pass_host rewrite without host', kind: 'upstream', body: { ...upstream, pass_host: 'rewrite' }, pointers: ['/upstream_host'] },
  { name: 'pass_host rewrite empty host', kind: 'route', body: route({ upstream: { ...upstream, pass_host: 'rewrite', upstream_host: '' } }), pointers: ['/upstream/upstream_host', '/upstream/upstream_host'] },
  { name: 'pass_host unknown', kind: 'upstream', body: { ...upstream, pass_host: 'keep' }, pointers: ['/pass_host'] },

  // health checks, tls, misc upstream fields
  { name: 'checks without active', kind: 'upstream', body: { ...upstream, checks: { passive: {} } }, pointers: ['/checks'] },
  { name: 'tls client_cert_id alone', kind: 'upstream', body: { ...upstream, tls: { client_cert_id: 'client-1' } }, pointers: [] },
  { name: 'tls client_cert without key', kind: 'upstream', body: { ...upstream, tls: { client_cert: 'x'.repeat(128) } }, pointers: ['/tls', '/tls/client_cert'] },
  { name: 'scheme unknown', kind: 'upstream', body: { ...upstream, scheme: 'ws' }, pointers: ['/scheme'] },
  { name: 'retries negative', kind: 'upstream', body: { ...upstream, retries: -1 }, pointers: ['/retries'] },

  // plugins (apisix/plugin.lua check_single_plugin_schema; each plugin's own schema: plugin-checks.test.ts)
  { name: 'bundled plugins', kind: 'route', body: route({ plugins: { 'limit-count': { count: 1, time_window: 60 }, 'proxy-rewrite': {} } }), pointers: [] },
  { name: 'unknown plugin', kind: 'route', body: route({ plugins: { 'no-such-plugin': {} } }), pointers: ['/plugins/no-such-plugin'] },
  { name: 'unknown plugin on a service', kind: 'service', body: { plugins: { 'my/plugin': {} } }, pointers: ['/plugins/my~1plugin'] },
  { name: 'plugin conf not an object', kind: 'route', body: route({ plugins: { 'grpc-web': [1] } }), pointers: ['/plugins/grpc-web'] },
  { name: 'plugin conf an empty array (Lua has one empty table)', kind: 'route', body: route({ plugins: { 'grpc-web': [] } }), pointers: [] },
  { name: 'plugins not an object', kind: 'route', body: route({ plugins: ['grpc-web'] }), pointers: ['/plugins'] },
  { name: 'plugins an empty array', kind: 'route', body: route({ plugins: [] }), pointers: [] },
  { name: 'plugin _meta', kind: 'route', body: route({ plugins: { 'grpc-web': { _meta: { priority: 1, filter: [['arg_a', '==', '1']], disable: false } } } }), pointers: [] },
  { name: 'plugin _meta unknown field', kind: 'route', body: route({ plugins: { 'grpc-web': { _meta: { prio: 1 } } } }), pointers: ['/plugins/grpc-web/_meta/prio'] },
  { name: 'plugin _meta bad filter', kind: 'route', body: route({ plugins: { 'grpc-web': { _meta: { filter: [['a', 'like', 'b']] } } } }), pointers: ['/plugins/grpc-web/_meta/filter/0'] },
  { name: 'plugin _meta pre_function', kind: 'route', body: route({ plugins: { 'grpc-web': { _meta: { pre_function: 'return function(conf, ctx) end' } } } }), pointers: [] },
  { name: 'plugin _meta bad pre_function', kind: 'route', body: route({ plugins: { 'grpc-web': { _meta: { pre_function: 'return function(' } } } }), pointers: ['/plugins/grpc-web/_meta/pre_function'] },
  { name: 'disabled plugin forgives _meta', kind: 'route', body: route({ plugins: { 'grpc-web': { _meta: { disable: true, prio: 1 } } } }), pointers: [] },

  // create_time / update_time (admin/resource.lua check_forbidden_properties)
  { name: 'create_time', kind: 'route', body: route({ create_time: 1 }), pointers: ['/create_time'] },
  { name: 'update_time in upstream', kind: 'route', body: route({ upstream: { ...upstream, update_time: 1 } }), pointers: ['/upstream/update_time'] },
  { name: 'create_time in plugins', kind: 'service', body: { plugins: { create_time: 1 } }, pointers: ['/plugins/create_time', '/plugins/create_time'] },

  // vars, filter_func, script
  { name: 'vars', kind: 'route', body: route({ vars: [['arg_a', '==', '1'], ['http_x', '!', '~~', '^a'], ['remote_addr', 'ipmatch', ['10.0.0.0/8']]] }), pointers: [] },
  { name: 'vars logic', kind: 'route', body: route({ vars: ['!OR', ['arg_a', 'in', ['1', '2']], ['AND', ['arg_b', '>', 1], ['arg_c', 'has', 'x']]] }), pointers: [] },
  { name: 'vars unwrapped', kind: 'route', body: route({ vars: ['arg_a', '==', '1'] }), pointers: ['/vars'] },
  { name: 'vars bad operator', kind: 'route', body: route({ vars: [['arg_a', '===', '1']] }), pointers: ['/vars/0'] },
  { name: 'vars bad ipmatch', kind: 'route', body: route({ vars: [['remote_addr', 'ipmatch', '10.0.0']] }), pointers: ['/vars/0/2'] },
  { name: 'vars not an array', kind: 'route', body: route({ vars: 'arg_a == 1' }), pointers: ['/vars'] },
  { name: 'filter_func', kind: 'route', body: route({ filter_func: 'function(vars) return true end' }), pointers: [] },
  { name: 'filter_func not a function', kind: 'route', body: route({ filter_func: 'return true' }), pointers: ['/filter_func'] },
  { name: 'filter_func syntax error', kind: 'route', body: route({ filter_func: 'function(vars) return vars.a == end' }), pointers: ['/filter_func'] },
  { name: 'filter_func result not a function', kind: 'route', body: route({ filter_func: 'function() end == 1' }), pointers: ['/filter_func'] },
  { name: 'script returning a table', kind: 'service', body: { script: 'local _M = {} return _M' }, pointers: [] },
  { name: 'script returning nothing', kind: 'service', body: { script: 'local _M = {}' }, pointers: ['/script'] },
  { name: 'script returning a string', kind: 'route', body: { uri: '/r', script: "return 'not a table'" }, pointers: ['/script'] },

  // shapes
  { name: 'unknown route field', kind: 'route', body: route({ path: '/r' }), pointers: ['/path'] },
  { name: 'route fields on a service', kind: 'service', body: { uri: '/r' }, pointers: ['/uri'] },
  { name: 'undefined fields are not sent', kind: 'route', body: route({ desc: undefined, unknown: undefined }), pointers: [] },
  { name: 'name too long', kind: 'upstream', body: { ...upstream, name: 'n'.repeat(257) }, pointers: ['/name'] },
  { name: 'body an array', kind: 'route', body: [1], pointers: [''] },
  { name: 'body an empty array: an empty route', kind: 'route', body: [], pointers: ['', ''] },
  { name: 'body null', kind: 'upstream', body: null, pointers: [''] },
];

describe('validateApisixObject', () => {
  it.each(rows)('$kind: $name', ({ kind, body, pointers }) => {
    const result = validateApisixObject(kind, body);
    expect(result.errors.map((e) => e.pointer)).toEqual(pointers);
    expect(result.valid).toBe(pointers.length === 0);
  });

  it('accepts the plugins a caller enables, and only those', () => {
    const body = route({ plugins: { 'my-auth': {}, 'grpc-web': {} } });
    const result = validateApisixObject('route', body, { plugins: new Set(['my-auth']) });
    expect(result.errors.map((e) => e.pointer)).toEqual(['/plugins/grpc-web']);
  });

  it('reports errors sorted by pointer, then message', () => {
    const result = validateApisixObject('route', { uri: 1, methods: ['x'], id: '', labels: { b: 1, a: 2 } });
    const keys = result.errors.map((e) => `${e.pointer}\u0000${e.message}`);
    expect(keys).toEqual([...keys].sort());
    expect(result.errors.every((e) => typeof e.message === 'string' && e.message !== '')).toBe(true);
  });

  it('does not mutate its input', () => {
    const body = route({ upstream: { nodes: { 'a:80': 1 }, type: 'chash' }, vars: [['arg_a', '1']], plugins: { 'grpc-web': {}, 'limit-count': { count: 1, time_window: 1 } } });
    const before = structuredClone(body);
    validateApisixObject('route', body, { id: 'r1' });
    expect(body).toEqual(before);
    const group = { plugins: { 'proxy-rewrite': {}, 'limit-req': { rate: 1, burst: 1, key: 'k' } } };
    const groupBefore = structuredClone(group);
    validateApisixObject('consumer_group', group);
    expect(group).toEqual(groupBefore);
  });

  it('knows each kind by its name and by its Admin API path', () => {
    expect(validateApisixObject('upstreams', upstream).errors).toEqual(validateApisixObject('upstream', upstream).errors);
    expect(validateApisixObject('global_rules', {}).errors).toEqual(validateApisixObject('global_rule', {}).errors);
    expect(validateApisixObject('ingress' as ApisixObjectKind, {}).errors.map((e) => e.pointer)).toEqual(['']);
  });

  it('never throws, whatever it is given', () => {
    const cyclic: Record<string, unknown> = { uri: '/r', service_id: 's' };
    cyclic.labels = cyclic;
    const cyclicVars: unknown[] = [];
    cyclicVars.push(cyclicVars);
    const throwing = Object.defineProperty({ service_id: 's' }, 'uri', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const inputs: unknown[] = [
      null, undefined, 0, Number.NaN, 1n, '', 'route', true, [], [{}], {}, Symbol('s'), () => 1,
      new Date(0), new Map(), Object.create(null), cyclic, route({ vars: cyclicVars }), throwing,
      new Proxy({}, { ownKeys: () => { throw new Error('trap'); } }),
      route({ plugins: { 'grpc-web': null, x: 'y' }, vars: [null, 1, {}], filter_func: `function${'('.repeat(10_000)}` }),
      route({ upstream: { nodes: { ':': 1, '': 1, '[': 1 }, type: 'chash', hash_on: null, key: null, tls: { client_cert: 1 } } }),
      route({ filter_func: `function() ${'do '.repeat(50_000)}` }),
    ];
    for (const kind of [...APISIX_OBJECT_KINDS, 'routes', 'plugin_metadata', 'ingress'] as ApisixObjectKind[]) {
      for (const input of inputs) {
        for (const options of [{}, { id: 'x/1', proxyMode: 'stream', method: 'POST' } as const]) {
          const result = validateApisixObject(kind, input, options);
          expect(typeof result.valid).toBe('boolean');
          expect(Array.isArray(result.errors)).toBe(true);
          expect(Array.isArray(result.warnings)).toBe(true);
        }
      }
    }
  });
});

describe('upstream client certificate (upstream.lua check_upstream_conf → apisix_ssl.validate)', () => {
  // The certificate and key of APISIX's t/certs/apisix.crt / apisix.key, as vendored in the cases.
  const cases = JSON.parse(
    readFileSync(new URL('../../../test/fixtures/apisix-cases.json', import.meta.url), 'utf8'),
  ) as { id: string; body: { tls: { client_cert: string; client_key: string } } }[];
  const cert = cases.find((c) => c.id === 'upstream-076')!.body.tls.client_cert;
  const key = cases.find((c) => c.id === 'upstream-077')!.body.tls.client_key;

  it('accepts a PEM certificate and key that parse', () => {
    expect(validateApisixObject('upstream', { ...upstream, tls: { client_cert: cert, client_key: key } }).errors).toEqual([]);
  });

  it('rejects a certificate or key that does not parse', () => {
    const tls = { client_cert: cert.replace('MIIE', 'AAAA'), client_key: key.replace('MIIG', 'AAAA') };
    const result = validateApisixObject('upstream', { ...upstream, tls });
    expect(result.errors.map((e) => e.pointer)).toEqual(['/tls/client_cert', '/tls/client_key']);
  });

  it('leaves a key encrypted with the gateway keyring to the gateway', () => {
    const tls = { client_cert: cert, client_key: 'c'.repeat(64) };
    expect(validateApisixObject('upstream', { ...upstream, tls }).errors).toEqual([]);
  });

  it('rejects client_cert_id together with client_cert and client_key', () => {
    const tls = { client_cert_id: 'c1', client_cert: cert, client_key: key };
    const result = validateApisixObject('upstream', { ...upstream, tls });
    expect(result.errors.map((e) => e.pointer)).toEqual(['/tls/client_cert_id']);
  });
});

describe('BUNDLED_PLUGINS', () => {
  it('is the default plugin list of APISIX, sorted by code point', () => {
    expect(BUNDLED_PLUGIN_NAMES).toHaveLength(107);
    const sorted = [...BUNDLED_PLUGIN_NAMES].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect([...BUNDLED_PLUGIN_NAMES]).toEqual(sorted);
    expect(BUNDLED_PLUGINS.size).toBe(BUNDLED_PLUGIN_NAMES.length);
    for (const name of ['proxy-rewrite', 'limit-count', 'key-auth', 'traffic-split', 'echo', 'serverless-pre-function']) {
      expect(BUNDLED_PLUGINS.has(name)).toBe(true);
    }
  });

  it('covers every plugin the conformance cases use', () => {
    const cases = JSON.parse(
      readFileSync(new URL('../../../test/fixtures/apisix-cases.json', import.meta.url), 'utf8'),
    ) as { plugins?: string[] }[];
    const used = new Set(cases.flatMap((c) => c.plugins ?? []));
    expect([...used].filter((name) => !BUNDLED_PLUGINS.has(name))).toEqual([]);
  });
});
