import { describe, expect, it } from 'vitest';
import { oracleBody } from '../../../../test/support/oracle-cases.js';
import { validateApisixObject, type ApisixAdminPath, type ApisixObjectKind, type ApisixValidateOptions } from '../index.js';

type Pair = { cert: string; key: string };
const rsa = oracleBody<Pair>('g03051'); // an RSA certificate and its key
const ec = oracleBody<Pair>('g03087');
const encryptedKey = oracleBody<Pair>('g03193').key; // rsa.key, encrypted with the default keyring

/** A body of a kind, the request's options, and the pointers of its errors (and warnings). */
interface Row {
  readonly name: string;
  readonly kind: ApisixObjectKind | ApisixAdminPath;
  readonly body: unknown;
  readonly options?: ApisixValidateOptions;
  readonly errors: readonly string[];
  readonly warnings?: readonly string[];
}

const upstream = { nodes: { '127.0.0.1:1980': 1 }, type: 'roundrobin' };
const stream = { proxyMode: 'http&stream' } as const;

const ROWS: readonly Row[] = [
  // apisix/admin/init.lua and resource.lua
  { name: 'POST of a kind that has none', kind: 'global_rule', body: { plugins: {} }, options: { method: 'POST' }, errors: [''] },
  { name: 'POST with an id', kind: 'route', body: { id: 'r1', uri: '/a', upstream }, options: { method: 'POST' }, errors: ['/id'] },
  { name: 'POST without an id', kind: 'routes', body: { uri: '/a', upstream }, options: { method: 'POST' }, errors: [] },
  { name: 'path id and body id differ', kind: 'service', body: { id: 's1', upstream }, options: { id: 's2' }, errors: ['/id'] },
  { name: 'path id 1, body id the number 1', kind: 'service', body: { id: 1, upstream }, options: { id: '1' }, errors: [] },
  { name: 'path id checked as the id', kind: 'upstream', body: upstream, options: { id: 'a b' }, errors: ['/id'] },
  { name: 'create_time set', kind: 'consumer_group', body: { plugins: {}, create_time: 1 }, errors: ['/create_time'] },
  { name: 'update_time in plugins', kind: 'plugin_config', body: { plugins: { update_time: 1 } }, errors: ['/plugins/update_time', '/plugins/update_time'] },
  // apisix/admin/consumers.lua
  { name: 'consumer', kind: 'consumer', body: { username: 'jack', plugins: { 'key-auth': { key: 'k' } } }, options: { id: 'jack' }, errors: [] },
  { name: 'consumer named otherwise than its path', kind: 'consumer', body: { username: 'jack' }, options: { id: 'jill' }, errors: ['/username'] },
  { name: 'consumer without username', kind: 'consumer', body: {}, errors: [''] },
  { name: 'consumer key-auth without key', kind: 'consumers', body: { username: 'jack', plugins: { 'key-auth': {} } }, errors: ['/plugins/key-auth'] },
  { name: 'consumer with a plugin not enabled', kind: 'consumer', body: { username: 'jack', plugins: { 'my-auth': {} } }, errors: ['/plugins/my-auth'] },
  // apisix/admin/credentials.lua
  { name: 'credential', kind: 'credential', body: { plugins: { 'basic-auth': { username: 'u', password: 'p' } } }, options: { id: 'c1' }, errors: [] },
  { name: 'credential of a plugin that is no auth plugin', kind: 'credential', body: { plugins: { 'limit-req': { rate: 1, burst: 1, key: 'k' } } }, errors: ['/plugins/limit-req'] },
  { name: 'credential of two plugins', kind: 'credential', body: { plugins: { 'key-auth': { key: 'k' }, 'basic-auth': { username: 'u', password: 'p' } } }, errors: ['/plugins'] },
  { name: 'credential of a consumer path id', kind: 'credential', body: { id: 'jack/credentials/c1', plugins: {} }, errors: [] },
  // apisix/ssl.lua check_ssl_conf
  { name: 'ssl', kind: 'ssl', body: { cert: rsa.cert, key: rsa.key, snis: ['test.com'] }, errors: [] },
  { name: 'ssl with an encrypted key', kind: 'ssls', body: { cert: rsa.cert, key: encryptedKey, sni: 'test.com' }, errors: [] },
  { name: 'ssl without sni', kind: 'ssl', body: { cert: rsa.cert, key: rsa.key }, errors: [''] },
  { name: 'client ssl without sni', kind: 'ssl', body: { cert: rsa.cert, key: rsa.key, type: 'client' }, errors: [] },
  { name: 'ssl key not decryptable', kind: 'ssl', body: { cert: rsa.cert, key: '!'.repeat(80), sni: 'test.com' }, errors: ['/key'] },
  { name: 'ssl cert not a certificate', kind: 'ssl', body: { cert: 'x'.repeat(200), key: rsa.key, sni: 'test.com' }, errors: ['/cert'] },
  { name: 'ssl key of another certificate', kind: 'ssl', body: { cert: ec.cert, key: rsa.key, sni: 'test.com' }, errors: [], warnings: ['/key'] },
  { name: 'ssl with more certs than keys', kind: 'ssl', body: { cert: rsa.cert, key: rsa.key, sni: 'a.com', certs: [ec.cert], keys: [] }, errors: ['/certs'] },
  { name: 'ssl pair of the wrong key', kind: 'ssl', body: { cert: rsa.cert, key: rsa.key, sni: 'a.com', certs: [ec.cert], keys: [rsa.key] }, errors: [], warnings: ['/keys/0'] },
  { name: 'ssl with a bad client CA', kind: 'ssl', body: { cert: rsa.cert, key: rsa.key, sni: 'a.com', client: { ca: 'z'.repeat(200) } }, errors: ['/client/ca'] },
  { name: 'ssl with a secret reference', kind: 'ssl', body: { cert: '$secret://vault/ssl/cert', key: '$secret://vault/ssl/key', sni: 'a.com' }, errors: [] },
  // apisix/admin/global_rules.lua, plugin_config.lua, consumer_group.lua
  { name: 'global rule', kind: 'global_rule', body: { plugins: { prometheus: {} } }, errors: [] },
  { name: 'global rule without plugins', kind: 'global_rule', body: {}, errors: [''] },
  { name: 'plugin config with a bad plugin', kind: 'plugin_config', body: { plugins: { 'limit-count': { count: 0, time_window: 60 } } }, errors: ['/plugins/limit-count/count'] },
  { name: 'consumer group', kind: 'consumer_groups', body: { plugins: { 'limit-count': { count: 10, time_window: 60 } } }, options: { id: 'company_a' }, errors: [] },
  // apisix/admin/plugin_metadata.lua
  { name: 'plugin metadata', kind: 'plugin_metadata', body: { log_format: { host: '$host' } }, options: { id: 'http-logger' }, errors: [] },
  { name: 'plugin metadata against its schema', kind: 'plugin_metadata', body: { log_format: 'x' }, options: { id: 'http-logger' }, errors: ['/log_format'] },
  { name: 'plugin metadata of a plugin without a metadata schema', kind: 'plugin_metadata', body: { anything: 1 }, options: { id: 'key-auth' }, errors: [] },
  { name: 'plugin metadata of a plugin not enabled by default', kind: 'plugin_metadata', body: {}, options: { id: 'error-log-logger' }, errors: [] },
  { name: 'plugin metadata of no plugin', kind: 'plugin_metadata', body: {}, options: { id: '../routes' }, errors: [''] },
  { name: 'plugin metadata without a plugin name', kind: 'plugin_metadata', body: {}, errors: [''] },
  { name: 'plugin metadata not an object', kind: 'plugin_metadata', body: 'x', options: { id: 'cors' }, errors: [''] },
  // apisix/admin/stream_routes.lua, apisix/stream/router/ip_port.lua
  { name: 'stream route', kind: 'stream_route', body: { server_port: 9100, upstream }, options: stream, errors: [] },
  { name: 'stream route when the gateway proxies http only', kind: 'stream_route', body: { server_port: 9100, upstream }, errors: [''] },
  { name: 'stream route with a stream plugin', kind: 'stream_routes', body: { upstream, plugins: { 'ip-restriction': { whitelist: ['10.0.0.0/8'] } } }, options: stream, errors: [] },
  { name: 'stream route with an http plugin', kind: 'stream_route', body: { upstream, plugins: { 'key-auth': {} } }, options: stream, errors: ['/plugins/key-auth'] },
  { name: 'stream route with a bad stream plugin', kind: 'stream_route', body: { upstream, plugins: { 'limit-conn': { conn: 1 } } }, options: stream, errors: ['/plugins/limit-conn', '/plugins/limit-conn', '/plugins/limit-conn'] },
  { name: 'stream route remote_addr with a mask too long', kind: 'stream_route', body: { upstream, remote_addr: '10.0.0.0/33' }, options: stream, errors: ['/remote_addr'] },
  { name: 'stream route of a protocol', kind: 'stream_route', body: { upstream, protocol: { name: 'redis' } }, options: stream, errors: ['/protocol/name'] },
  // apisix/admin/secrets.lua
  { name: 'vault secret', kind: 'secret', body: { uri: 'https://vault:8200', prefix: 'kv/apisix', token: 't' }, options: { id: 'vault/1' }, errors: [] },
  { name: 'vault secret without token', kind: 'secrets', body: { uri: 'https://vault:8200', prefix: 'kv' }, options: { id: 'vault/1' }, errors: [''] },
  { name: 'secret of no manager', kind: 'secret', body: {}, options: { id: 'bogus/1' }, errors: [''] },
  { name: 'secret without a path', kind: 'secret', body: {}, errors: [''] },
  { name: 'aws secret endpoint', kind: 'secret', body: { access_key_id: 'a', secret_access_key: 's', endpoint_url: 'no-scheme' }, options: { id: 'aws/1' }, errors: ['/endpoint_url'] },
];

describe('the Admin API kinds past routes, services and upstreams', () => {
  it.each(ROWS)('$kind: $name', ({ kind, body, options, errors, warnings }) => {
    const result = validateApisixObject(kind, body, options);
    expect({ errors: result.errors.map((e) => e.pointer), warnings: result.warnings.map((w) => w.pointer) }).toEqual({ errors, warnings: warnings ?? [] });
    expect(result.valid).toBe(errors.length === 0);
  });
});
