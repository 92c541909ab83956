import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { BUNDLED_PLUGINS, CHECKED_PLUGINS, CODE_CHECKED_PLUGINS, validateApisixObject } from './index.js';
import { apisixSchemasFile } from './apisix-schemas.js';

/**
 * A configuration of one plugin and the pointers of the errors expected, relative to the
 * configuration; in a route, or (`consumer`) in a consumer, where TYPE_CONSUMER applies.
 */
type Row = readonly [name: string, conf: unknown, pointers: readonly string[], where?: 'consumer'];

const upstream = { nodes: { '127.0.0.1:8080': 1 }, type: 'roundrobin' } as const;

function errorsOf(plugin: string, conf: unknown, where?: 'consumer') {
  if (where === 'consumer') return validateApisixObject('consumer', { username: 'jack', plugins: { [plugin]: conf } }).errors;
  return validateApisixObject('route', { uri: '/r', upstream, plugins: { [plugin]: conf } }).errors;
}

const secret16 = 'x'.repeat(16);
const oidc = { client_id: 'apisix', client_secret: 'secret', discovery: 'https://idp.example.com/.well-known/openid-configuration' };
const ecJwk = { kty: 'EC', crv: 'P-256', x: 'xx', y: 'yy' };

const TABLES: Readonly<Record<string, readonly Row[]>> = {
  // apisix/plugins/limit-count/init.lua
  'limit-count': [
    ['local counter', { count: 100, time_window: 60, rejected_code: 429, key_type: 'var', key: 'remote_addr' }, []],
    ['variables for count and time_window', { count: '$http_x_count', time_window: '60' }, []],
    ['rules', { rules: [{ count: 1, time_window: 1, key: 'a' }, { count: 2, time_window: 60, key: 'b', header_prefix: 'b' }] }, []],
    ['redis', { count: 1, time_window: 60, policy: 'redis', redis_host: '127.0.0.1', sync_interval: 0.5 }, []],
    ['redis-cluster', { count: 1, time_window: 60, policy: 'redis-cluster', redis_cluster_nodes: ['127.0.0.1:7000'], redis_cluster_name: 'c' }, []],
    ['redis-sentinel', { count: 1, time_window: 60, policy: 'redis-sentinel', redis_sentinels: [{ host: 's1', port: 26379 }], redis_master_name: 'm' }, []],
    ['sync_interval ignored without redis', { count: 1, time_window: 60, sync_interval: 0.01 }, []],
    ['count a string, no time_window', { count: 'many' }, ['']],
    ['count zero', { count: 0, time_window: 60 }, ['/count']],
    ['count a fraction', { count: 1.5, time_window: 60 }, ['/count']],
    ['time_window negative', { count: 1, time_window: -1 }, ['/time_window']],
    ['nothing to count', {}, ['']],
    ['count with rules', { count: 1, rules: [{ count: 1, time_window: 1, key: 'a' }] }, ['']],
    ['rule without key', { rules: [{ count: 1, time_window: 1 }] }, ['/rules/0']],
    ['rules sharing a key', { rules: [{ count: 1, time_window: 1, key: 'a' }, { count: 2, time_window: 2, key: 'a' }] }, ['/rules/1/key']],
    ['group with rules', { group: 'g', rules: [{ count: 1, time_window: 1, key: 'a' }] }, ['/group']],
    ['redis without host', { count: 1, time_window: 60, policy: 'redis' }, ['']],
    ['redis host too short', { count: 1, time_window: 60, policy: 'redis', redis_host: 'r' }, ['/redis_host']],
    ['redis-cluster without name, no nodes', { count: 1, time_window: 60, policy: 'redis-cluster', redis_cluster_nodes: [] }, ['', '/redis_cluster_nodes']],
    ['redis-sentinel without master', { count: 1, time_window: 60, policy: 'redis-sentinel', redis_sentinels: [{ host: 's1', port: 1 }] }, ['']],
    ['sync_interval too small', { count: 1, time_window: 60, policy: 'redis', redis_host: 'r1', sync_interval: 0.05 }, ['/sync_interval']],
    ['sync_interval not below time_window', { count: 1, time_window: 60, policy: 'redis', redis_host: 'r1', sync_interval: 60 }, ['/sync_interval']],
    ['rejected_code 600', { count: 1, time_window: 60, rejected_code: 600 }, ['/rejected_code']],
    ['unknown policy', { count: 1, time_window: 60, policy: 'memcached' }, ['/policy']],
    ['unknown key_type', { count: 1, time_window: 60, key_type: 'header' }, ['/key_type']],
    ['empty rejected_msg', { count: 1, time_window: 60, rejected_msg: '' }, ['/rejected_msg']],
  ],
  // apisix/plugins/limit-req.lua
  'limit-req': [
    ['local', { rate: 5, burst: 10, key: 'remote_addr', rejected_code: 429 }, []],
    ['fractional rate, redis', { rate: 0.5, burst: 0, key: 'x', nodelay: true, policy: 'redis', redis_host: 'r1' }, []],
    ['empty', {}, ['', '', '']],
    ['rate zero', { rate: 0, burst: 1, key: 'a' }, ['/rate']],
    ['burst negative', { rate: 1, burst: -1, key: 'a' }, ['/burst']],
    ['rate a string', { rate: '1', burst: 1, key: 'a' }, ['/rate']],
    ['no redis-sentinel here', { rate: 1, burst: 1, key: 'a', policy: 'redis-sentinel' }, ['/policy']],
    ['redis-cluster without nodes and name', { rate: 1, burst: 1, key: 'a', policy: 'redis-cluster' }, ['', '']],
    ['key_type constant', { rate: 1, burst: 1, key: 'a', key_type: 'constant' }, ['/key_type']],
  ],
  // apisix/plugins/limit-conn.lua
  'limit-conn': [
    ['single limit', { conn: 100, burst: 50, default_conn_delay: 0.1, rejected_code: 503, key: 'remote_addr' }, []],
    ['rules', { default_conn_delay: 0.1, rules: [{ conn: 1, burst: 0, key: 'a' }] }, []],
    ['variables', { conn: '$http_conn', burst: '$http_burst', default_conn_delay: 1, key: 'k' }, []],
    ['redis with key_ttl', { conn: 1, burst: 1, default_conn_delay: 1, key: 'k', policy: 'redis', redis_host: 'r1', key_ttl: 60 }, []],
    ['empty', {}, ['']],
    ['no default_conn_delay', { conn: 1, burst: 1, key: 'a' }, ['']],
    ['conn zero', { conn: 0, burst: 1, default_conn_delay: 1, key: 'a' }, ['/conn']],
    ['default_conn_delay zero', { conn: 1, burst: 1, default_conn_delay: 0, key: 'a' }, ['/default_conn_delay']],
    ['both forms', { conn: 1, burst: 1, default_conn_delay: 1, key: 'a', rules: [{ conn: 1, burst: 1, key: 'b' }] }, ['']],
    ['rule without burst and key', { default_conn_delay: 1, rules: [{ conn: 1 }] }, ['/rules/0', '/rules/0']],
    ['redis key_ttl a string', { conn: 1, burst: 1, default_conn_delay: 1, key: 'k', policy: 'redis', redis_host: 'r1', key_ttl: 'x' }, ['/key_ttl']],
  ],
  // apisix/plugins/proxy-rewrite.lua
  'proxy-rewrite': [
    ['uri', { uri: '/hello' }, []],
    ['empty (its default counts as a property)', {}, []],
    ['regex_uri as the compiler emits it', { regex_uri: ['^/v1/catalog/?(.*)$', '/$1'] }, []],
    ['two regex_uri pairs', { regex_uri: ['^/a/(.*)', '/b/${1}', '^/c', '/d$$'] }, []],
    ['host and port', { host: 'example.com:8080' }, []],
    ['method', { method: 'PROPFIND' }, []],
    ['plain headers', { headers: { 'X-Api': '1', 'X-N': 2, 'x-api-var': '$example_var_name' } }, []],
    ['header operations', { headers: { add: { 'X-A': ['1', 2] }, set: { 'X-B': 'v' }, remove: ['X-C'] } }, []],
    ['regex_uri from a secret', { regex_uri: ['$secret://vault/1/re', '/x'] }, []],
    ['host from an environment variable', { host: '$env://UPSTREAM_HOST' }, []],
    ['one regex_uri item', { regex_uri: ['^/a'] }, ['/regex_uri']],
    ['odd regex_uri', { regex_uri: ['^/a', '/b', '^/c'] }, ['/regex_uri']],
    ['regex_uri that does not compile', { regex_uri: ['^/(a', '/b'] }, ['/regex_uri/0']],
    ['regex_uri with a named replacement', { regex_uri: ['^/a(.*)', '/$x'] }, ['/regex_uri/1']],
    ['regex_uri with an open brace', { regex_uri: ['^/a(.*)', '/${1'] }, ['/regex_uri/1']],
    ['relative uri', { uri: 'hello' }, ['/uri']],
    ['empty uri', { uri: '' }, ['/uri', '/uri']],
    ['lower-case method', { method: 'get' }, ['/method']],
    ['host with a space', { host: 'a b' }, ['/host']],
    ['host not a reference', { host: '$UPSTREAM_HOST' }, ['/host']],
    ['empty headers', { headers: {} }, ['/headers']],
    ['header value an object', { headers: { 'X-A': {} } }, ['/headers', '/headers/X-A']],
    ['header value with a newline', { headers: { 'X-A': 'a\nb' } }, ['/headers/X-A']],
    ['header name with a colon', { headers: { 'a:b': '1' } }, ['/headers/a:b']],
    ['header name with a space', { headers: { 'a b': '1' } }, ['/headers/a b']],
    // Both forms of `headers` fail: APISIX (and this) say so of `headers` as a whole.
    ['empty add list', { headers: { add: { 'X-A': [] } } }, ['/headers']],
    ['operations with a plain header', { headers: { add: {}, foo: '1' } }, ['/headers']],
    ['remove with a colon', { headers: { remove: ['a:b'] } }, ['/headers']],
    ['use_real_request_uri_unsafe a string', { use_real_request_uri_unsafe: 'yes' }, ['/use_real_request_uri_unsafe']],
  ],
  // apisix/plugins/response-rewrite.lua
  'response-rewrite': [
    ['body', { body: 'changed\n' }, []],
    ['base64 body', { body: 'aGVsbG8=', body_base64: true, status_code: 200 }, []],
    ['plain headers', { headers: { 'X-A': '1', 'X-B': 2 } }, []],
    ['header operations', { headers: { add: ['Set-Cookie: a=b'], set: { 'X-B': 1 }, remove: ['X-C'] } }, []],
    ['empty headers', { headers: {} }, []],
    ['filters', { filters: [{ regex: 'a', replace: 'b', options: 'joi', scope: 'global' }] }, []],
    ['vars', { vars: [['status', '==', 200]], status_code: 403 }, []],
    ['base64 body from a secret', { body: '$secret://vault/1/body', body_base64: true }, []],
    ['body and filters', { body: 'a', filters: [{ regex: 'a', replace: 'b' }] }, ['']],
    ['base64 without body', { body_base64: true }, ['']],
    ['base64 body of a dangling character', { body: 'aGVsb', body_base64: true }, ['/body']],
    ['base64 body not base64', { body: 'a*bc', body_base64: true }, ['/body']],
    ['status_code 599', { status_code: 599 }, ['/status_code']],
    ['unknown regex option', { filters: [{ regex: 'a', replace: 'b', options: 'jq' }] }, ['/filters/0/options']],
    ['filter without replace', { filters: [{ regex: 'a' }] }, ['/filters/0']],
    ['vars with a bad operator', { vars: [['status', '=', 200]] }, ['/vars/0']],
    ['header value an object', { headers: { 'X-A': {} } }, ['/headers/X-A']],
    ['added header without value', { headers: { add: ['X-A'] } }, ['/headers']],
    ['add not a list', { headers: { add: { 'X-A': '1' } } }, ['/headers']],
    ['headers a string', { headers: 'X-A: 1' }, ['/headers']],
  ],
  // apisix/plugins/traffic-split.lua
  'traffic-split': [
    ['canary as the compiler emits it', { rules: [{ weighted_upstreams: [{ upstream_id: 'petstore.canary', weight: 10 }, { weight: 90 }] }] }, []],
    ['canary with match', { rules: [{ match: [{ vars: [['http_x_canary', '==', '1']] }], weighted_upstreams: [{ upstream_id: 1, weight: 1 }] }] }, []],
    ['inline upstream', { rules: [{ weighted_upstreams: [{ upstream: { nodes: { 'a:80': 1 }, type: 'roundrobin' }, weight: 1 }] }] }, []],
    ['no rules', {}, []],
    ['match without vars', { rules: [{ match: [{}], weighted_upstreams: [{ weight: 1 }] }] }, ['/rules/0/match/0']],
    ['match with a bad operator', { rules: [{ match: [{ vars: [['arg_a', '=', '1']] }] }] }, ['/rules/0/match/0/vars/0']],
    ['negative weight', { rules: [{ weighted_upstreams: [{ weight: -1 }] }] }, ['/rules/0/weighted_upstreams/0/weight']],
    ['bad upstream_id', { rules: [{ weighted_upstreams: [{ upstream_id: 'a/b' }] }] }, ['/rules/0/weighted_upstreams/0/upstream_id']],
    ['21 upstreams', { rules: [{ weighted_upstreams: Array.from({ length: 21 }, () => ({ weight: 1 })) }] }, ['/rules/0/weighted_upstreams']],
    ['no upstreams', { rules: [{ weighted_upstreams: [] }] }, ['/rules/0/weighted_upstreams']],
    ['upstream without nodes', { rules: [{ weighted_upstreams: [{ upstream: { type: 'roundrobin' } }] }] }, ['/rules/0/weighted_upstreams/0/upstream']],
    ['upstream with an unknown field', { rules: [{ weighted_upstreams: [{ upstream: { nodes: { 'a:80': 1 }, foo: 1 } }] }] }, ['/rules/0/weighted_upstreams/0/upstream/foo']],
  ],
  // apisix/plugins/cors.lua
  cors: [
    ['as the example config has it', { allow_origins: 'https://petstore.example.com', allow_methods: 'GET,POST,PUT,DELETE' }, []],
    ['two origins', { allow_origins: 'https://a.com,http://b.com:8080' }, []],
    ['forced wildcard', { allow_origins: '**', allow_methods: '**', allow_headers: '**' }, []],
    ['credentials without wildcards', { allow_credential: true, allow_origins: 'https://a.com', allow_methods: 'GET', allow_headers: 'X-A' }, []],
    ['origins by regex', { allow_origins_by_regex: ['.*\\.test\\.com$', '^https://(a|b)\\.com$'] }, []],
    ['origins from an environment variable', { allow_origins: '$env://ORIGINS' }, []],
    ['origin without a scheme', { allow_origins: 'example.com' }, ['/allow_origins']],
    ['trailing comma', { allow_origins: 'https://a.com,' }, ['/allow_origins']],
    ['credentials with default wildcards', { allow_credential: true }, ['/allow_credential']],
    ['credentials with exposed wildcard', { allow_credential: true, allow_origins: 'https://a.com', allow_methods: 'GET', allow_headers: 'X', expose_headers: '*' }, ['/allow_credential']],
    ['regex that does not compile', { allow_origins_by_regex: ['(a'] }, ['/allow_origins_by_regex/0']],
    ['empty regex list', { allow_origins_by_regex: [] }, ['/allow_origins_by_regex']],
    ['max_age a string', { max_age: '5' }, ['/max_age']],
    ['timing regex that does not compile', { timing_allow_origins_by_regex: ['[a'] }, ['/timing_allow_origins_by_regex/0']],
  ],
  // apisix/plugins/key-auth.lua
  'key-auth': [
    ['defaults', {}, []],
    ['everything', { header: 'X-Key', query: 'k', hide_credentials: true, realm: 'key', anonymous_consumer: 'anon' }, []],
    ['header a number', { header: 5 }, ['/header']],
    ['realm with a quote', { realm: 'a"b' }, ['/realm']],
    ['empty anonymous_consumer', { anonymous_consumer: '' }, ['/anonymous_consumer']],
    ['hide_credentials a string', { hide_credentials: 'true' }, ['/hide_credentials']],
  ],
  // apisix/plugins/jwt-auth.lua
  'jwt-auth': [
    ['defaults', {}, []],
    ['claims', { claims_to_verify: ['exp', 'nbf'], key_claim_name: 'sub', store_in_ctx: true, cookie: 'jwt' }, []],
    ['unknown claim', { claims_to_verify: ['iat'] }, ['/claims_to_verify/0']],
    ['repeated claim', { claims_to_verify: ['exp', 'exp'] }, ['/claims_to_verify']],
    ['empty key_claim_name', { key_claim_name: '' }, ['/key_claim_name']],
    ['consumer with an HS secret', { key: 'user-key', secret: 'my-secret-key' }, [], 'consumer'],
    ['consumer with a base64 secret', { key: 'user-key', secret: 'c2VjcmV0', base64_secret: true }, [], 'consumer'],
    ['consumer with RS256', { key: 'user-key', algorithm: 'RS256', public_key: 'pem' }, [], 'consumer'],
    ['consumer without secret', { key: 'user-key' }, [''], 'consumer'],
    ['consumer base64 secret not base64', { key: 'user-key', secret: 'a*b', base64_secret: true }, ['/secret'], 'consumer'],
    ['consumer RS256 without public_key', { key: 'user-key', algorithm: 'RS256' }, [''], 'consumer'],
  ],
  // apisix/plugins/basic-auth.lua
  'basic-auth': [
    ['defaults', {}, []],
    ['realm', { hide_credentials: true, realm: 'basic' }, []],
    ['empty realm', { realm: '' }, ['/realm', '/realm']],
    ['realm too long', { realm: 'x'.repeat(129) }, ['/realm']],
  ],
  // apisix/plugins/hmac-auth.lua
  'hmac-auth': [
    ['defaults', {}, []],
    ['everything', { allowed_algorithms: ['hmac-sha256'], clock_skew: 60, signed_headers: ['date', 'x-custom'], validate_request_body: true }, []],
    ['unknown algorithm', { allowed_algorithms: ['md5'] }, ['/allowed_algorithms/0']],
    ['no algorithm', { allowed_algorithms: [] }, ['/allowed_algorithms']],
    ['clock_skew zero', { clock_skew: 0 }, ['/clock_skew']],
    ['empty signed header', { signed_headers: [''] }, ['/signed_headers/0']],
  ],
  // apisix/plugins/ip-restriction/init.lua
  'ip-restriction': [
    ['whitelist', { whitelist: ['127.0.0.1', '10.0.0.0/8', '::1', 'fe80::/64'] }, []],
    ['blacklist', { blacklist: ['1.2.3.4'], message: 'no', response_code: 404 }, []],
    ['no list', {}, ['']],
    ['both lists', { whitelist: ['1.2.3.4'], blacklist: ['5.6.7.8'] }, ['']],
    ['IPv4 mask 33', { whitelist: ['1.2.3.4/33'] }, ['/whitelist/0']],
    ['IPv6 mask 129', { whitelist: ['::1/129'] }, ['/whitelist/0']],
    ['IPv6 prefix not an address', { whitelist: [':/8'] }, ['/whitelist/0']],
    ['a reference', { whitelist: ['$env://ALLOWED'] }, ['/whitelist/0']],
    ['a host name', { whitelist: ['a.b'] }, ['/whitelist/0']],
    ['empty list', { whitelist: [] }, ['/whitelist']],
    ['response_code 401', { whitelist: ['1.2.3.4'], response_code: 401 }, ['/response_code']],
  ],
  // apisix/plugins/ua-restriction.lua
  'ua-restriction': [
    ['allowlist', { allowlist: ['Mozilla.*'] }, []],
    ['denylist', { denylist: ['curl', '(Twitterbot)/(\\d+)\\.(\\d+)'], bypass_missing: true, message: 'no' }, []],
    ['no list', {}, ['']],
    ['both lists', { allowlist: ['a'], denylist: ['b'] }, ['']],
    ['regex that does not compile', { denylist: ['(x'] }, ['/denylist/0']],
    ['empty regex', { denylist: [''] }, ['/denylist/0']],
    ['quantifier first', { allowlist: ['*bot'] }, ['/allowlist/0']],
  ],
  // apisix/plugins/referer-restriction.lua
  'referer-restriction': [
    ['whitelist', { whitelist: ['*.example.com', 'example.com'] }, []],
    ['no list', {}, ['']],
    ['host with a space', { whitelist: ['a b'] }, ['/whitelist/0']],
    ['empty list', { blacklist: [] }, ['/blacklist']],
  ],
  // apisix/plugins/prometheus.lua
  prometheus: [
    ['defaults', {}, []],
    ['prefer_name', { prefer_name: true }, []],
    ['prefer_name a number', { prefer_name: 1 }, ['/prefer_name']],
  ],
  // apisix/plugins/redirect.lua
  redirect: [
    ['uri', { uri: '/test/index.html', ret_code: 301 }, []],
    ['uri with variables', { uri: 'https://$host$request_uri' }, []],
    ['http_to_https', { http_to_https: true }, []],
    ['regex_uri', { regex_uri: ['^/iresty/(.*)/(.*)', '/$1-$2'], append_query_string: true }, []],
    ['nothing to redirect to', {}, ['']],
    ['uri and http_to_https', { uri: '/a', http_to_https: true }, ['']],
    ['http_to_https with append_query_string', { http_to_https: true, append_query_string: true }, ['']],
    ['regex_uri that does not compile', { regex_uri: ['^/(a', '/b'] }, ['/regex_uri/0']],
    ['one regex_uri item', { regex_uri: ['^/a'] }, ['/regex_uri']],
    ['uri too short', { uri: '/' }, ['/uri']],
    ['ret_code 199', { uri: '/a/', ret_code: 199 }, ['/ret_code']],
  ],
  // apisix/plugins/request-id.lua
  'request-id': [
    ['defaults', {}, []],
    ['range_id', { algorithm: 'range_id', range_id: { length: 8, char_set: 'abcdef' }, header_name: 'X-Id' }, []],
    ['unknown algorithm', { algorithm: 'uuidv4' }, ['/algorithm']],
    ['range_id too short', { range_id: { length: 5 } }, ['/range_id/length']],
    ['char_set too short', { range_id: { char_set: 'abc' } }, ['/range_id/char_set']],
  ],
  // apisix/plugins/proxy-cache/init.lua
  'proxy-cache': [
    ['as the example config has it', { cache_strategy: 'memory', cache_zone: 'memory_cache', cache_ttl: 60 }, []],
    ['keys and lists', { cache_key: ['$host', '$uri', '-key'], cache_bypass: ['$arg_bypass'], no_cache: ['$arg_nocache'], cache_method: ['GET', 'POST'], cache_http_status: [200] }, []],
    ['unknown strategy', { cache_strategy: 'redis' }, ['/cache_strategy']],
    ['$request_method in the key', { cache_key: ['$host', '$request_method'] }, ['/cache_key/1']],
    ['key variable with a dash', { cache_key: ['$a-b'] }, ['/cache_key/0']],
    ['PUT cached', { cache_method: ['PUT'] }, ['/cache_method/0']],
    ['cache_ttl zero', { cache_ttl: 0 }, ['/cache_ttl']],
    ['repeated status', { cache_http_status: [200, 200] }, ['/cache_http_status']],
    ['empty zone', { cache_zone: '' }, ['/cache_zone']],
  ],
  // apisix/plugins/fault-injection.lua
  'fault-injection': [
    ['abort', { abort: { http_status: 200, body: 'Fault Injection!', percentage: 50, vars: [[['arg_name', '==', 'jack']]] } }, []],
    ['delay', { delay: { duration: 0.5 } }, []],
    ['empty', {}, ['']],
    ['abort without status', { abort: {} }, ['/abort']],
    ['abort status 199', { abort: { http_status: 199 } }, ['/abort/http_status']],
    ['negative delay', { delay: { duration: -1 } }, ['/delay/duration']],
    ['vars with a bad operator', { abort: { http_status: 200, vars: [[['arg_name', '<>', 'x']]] } }, ['/abort/vars/0/0']],
    ['percentage 101', { abort: { http_status: 200, percentage: 101 } }, ['/abort/percentage']],
    ['header value an object', { abort: { http_status: 200, headers: { 'X-A': {} } } }, ['/abort/headers/X-A']],
  ],
  // apisix/plugins/api-breaker.lua
  'api-breaker': [
    ['minimal', { break_response_code: 502 }, []],
    ['everything', { break_response_code: 502, break_response_body: 'down', break_response_headers: [{ key: 'X-A', value: 'b' }], max_breaker_sec: 300, unhealthy: { http_statuses: [500, 503], failures: 3 }, healthy: { http_statuses: [200], successes: 3 } }, []],
    ['no break_response_code', {}, ['']],
    ['break_response_code 600', { break_response_code: 600 }, ['/break_response_code']],
    ['max_breaker_sec 2', { break_response_code: 502, max_breaker_sec: 2 }, ['/max_breaker_sec']],
    ['unhealthy 404', { break_response_code: 502, unhealthy: { http_statuses: [404] } }, ['/unhealthy/http_statuses/0']],
    ['healthy 500', { break_response_code: 502, healthy: { http_statuses: [500] } }, ['/healthy/http_statuses/0']],
    ['header without value', { break_response_code: 502, break_response_headers: [{ key: 'X' }] }, ['/break_response_headers/0']],
  ],
  // apisix/plugins/consumer-restriction.lua
  'consumer-restriction': [
    ['whitelist', { whitelist: ['jack'] }, []],
    ['blacklist of routes', { type: 'route_id', blacklist: ['1'], rejected_code: 401, rejected_msg: 'no' }, []],
    ['by methods', { allowed_by_methods: [{ user: 'jack', methods: ['POST'] }] }, []],
    ['no list', {}, ['']],
    ['unknown type', { type: 'user', whitelist: ['a'] }, ['/type']],
    ['empty list', { whitelist: [] }, ['/whitelist']],
    ['unknown method', { allowed_by_methods: [{ user: 'a', methods: ['FETCH'] }] }, ['/allowed_by_methods/0/methods/0']],
  ],
  // apisix/plugins/real-ip.lua
  'real-ip': [
    ['trusted addresses', { source: 'http_x_forwarded_for', trusted_addresses: ['127.0.0.1', '10.0.0.0/8'], recursive: true }, []],
    ['source only', { source: 'arg_realip' }, []],
    ['no source', {}, ['']],
    ['empty source', { source: '' }, ['/source']],
    ['address of three parts', { source: 'x', trusted_addresses: ['1.2.3'] }, ['/trusted_addresses/0']],
    ['IPv6 mask 200', { source: 'x', trusted_addresses: ['::/200'] }, ['/trusted_addresses/0']],
  ],
  // apisix/plugins/gzip.lua
  gzip: [
    ['defaults', {}, []],
    ['every type', { types: '*' }, []],
    ['everything', { types: ['text/html', 'application/json'], min_length: 20, comp_level: 6, http_version: 1.1, buffers: { number: 4, size: 8192 }, vary: true }, []],
    ['HTTP/1.0', { http_version: 1 }, []],
    ['types a single string', { types: 'text/html' }, ['/types']],
    ['no types', { types: [] }, ['/types']],
    ['comp_level 10', { comp_level: 10 }, ['/comp_level']],
    ['HTTP/2', { http_version: 2 }, ['/http_version']],
    ['zero buffers', { buffers: { number: 0 } }, ['/buffers/number']],
  ],
  // apisix/plugins/http-logger.lua
  'http-logger': [
    ['batching', { uri: 'http://127.0.0.1:1980/log', batch_max_size: 1, max_retry_count: 1, retry_delay: 2, buffer_duration: 2, concat_method: 'json' }, []],
    ['IPv6 and body expression', { uri: 'https://[::1]:8443/log', include_req_body: true, include_req_body_expr: [['arg_bar', '==', 'bar']] }, []],
    ['uri from a secret', { uri: '$secret://vault/log/uri' }, []],
    ['no uri', {}, ['']],
    ['uri without a scheme', { uri: '127.0.0.1:1980/log' }, ['/uri']],
    ['unknown concat_method', { uri: 'http://a', concat_method: 'xml' }, ['/concat_method']],
    ['body expression with a bad operator', { uri: 'http://a', include_req_body_expr: [['arg_bar', '=', 'bar']] }, ['/include_req_body_expr/0']],
    ['batch_max_size zero', { uri: 'http://a', batch_max_size: 0 }, ['/batch_max_size']],
    ['timeout zero', { uri: 'http://a', timeout: 0 }, ['/timeout']],
  ],
  // apisix/plugins/openid-connect.lua
  'openid-connect': [
    ['bearer only', { ...oidc, bearer_only: true }, []],
    ['session', { ...oidc, session: { secret: secret16 } }, []],
    ['bearer only with JWKS, no secret', { client_id: 'a', discovery: 'd', bearer_only: true, use_jwks: true }, []],
    ['PKCE, no secret', { client_id: 'a', discovery: 'd', session: { secret: secret16 }, use_pkce: true }, []],
    ['legacy ssl_verify "no"', { ...oidc, bearer_only: true, ssl_verify: 'no' }, []],
    ['dpop', { ...oidc, bearer_only: true, dpop: { enabled: true, private_key: 'pem', public_jwk: ecJwk } }, []],
    ['empty', {}, ['', '', '', '']],
    ['no session', oidc, ['']],
    ['no client_secret', { client_id: 'a', discovery: 'd', bearer_only: true }, ['']],
    ['short session secret', { ...oidc, session: { secret: 'short' } }, ['/session/secret']],
    ['redis session without redis', { ...oidc, session: { secret: secret16, storage: 'redis' } }, ['/session']],
    ['unknown unauth_action', { ...oidc, bearer_only: true, unauth_action: 'allow' }, ['/unauth_action']],
    ['timeout zero', { ...oidc, bearer_only: true, timeout: 0 }, ['/timeout']],
    ['flat PAR option', { ...oidc, bearer_only: true, use_par: true }, ['/use_par']],
    ['dpop enabled without keys', { ...oidc, bearer_only: true, dpop: { enabled: true } }, ['/dpop', '/dpop']],
    ['dpop JWK with a private member', { ...oidc, bearer_only: true, dpop: { public_jwk: { ...ecJwk, d: 'secret' } } }, ['/dpop/public_jwk']],
    ['dpop algorithm of another key type', { ...oidc, bearer_only: true, dpop: { enabled: true, signing_alg: 'RS256', private_key: 'pem', public_jwk: ecJwk } }, ['/dpop/signing_alg']],
    ['PAR private_key_jwt without key', { ...oidc, session: { secret: secret16 }, par: { enabled: true, endpoint_auth_method: 'private_key_jwt' } }, ['/par/endpoint_auth_method']],
    ['symmetric assertion algorithm for private_key_jwt', { ...oidc, session: { secret: secret16 }, token_endpoint_auth_method: 'private_key_jwt', client_rsa_private_key: 'pem', client_jwt_assertion_alg: 'HS256' }, ['/client_jwt_assertion_alg']],
  ],
  // apisix/plugins/serverless/init.lua
  'serverless-pre-function': [
    ['a function', { phase: 'rewrite', functions: ['return function() end', 'local x = 1 return function(conf, ctx) return x end'] }, []],
    ['no functions', {}, ['']],
    ['empty functions', { functions: [] }, ['/functions']],
    ['syntax error', { functions: ['return function( end'] }, ['/functions/0']],
    ['returns a number', { functions: ['return 1'] }, ['/functions/0']],
    ['returns nothing', { functions: ['local f = 1'] }, ['/functions/0']],
    ['unknown phase', { phase: 'init', functions: ['return function() end'] }, ['/phase']],
  ],
  'serverless-post-function': [
    ['a function', { functions: ["return function() ngx.log(ngx.ERR, 'x') end"] }, []],
    ['returns a table', { functions: ['return {}'] }, ['/functions/0']],
  ],
  // apisix/plugins/acl.lua
  acl: [
    ['allow labels', { allow_labels: { team: ['a', 'b'] } }, []],
    ['label field by JSONPath', { deny_labels: { team: ['x'] }, external_user_label_field: '$.groups[*]' }, []],
    ['no labels', {}, ['']],
    ['label field not JSONPath', { allow_labels: { team: ['a'] }, external_user_label_field: '$.a[' }, ['/external_user_label_field']],
  ],
  // apisix/plugins/ai-prompt-guard.lua
  'ai-prompt-guard': [
    ['patterns', { allow_patterns: ['^hello'], deny_patterns: ['password\\s*:'] }, []],
    ['pattern that does not compile', { deny_patterns: ['(a'] }, ['/deny_patterns/0']],
  ],
  // apisix/plugins/ai-proxy.lua
  'ai-proxy': [
    ['openai', { provider: 'openai', auth: { header: { Authorization: 'Bearer x' } } }, []],
    ['vertex-ai with project and region', { provider: 'vertex-ai', auth: { gcp: { service_account_json: '{"type":"service_account"}' } }, provider_conf: { project_id: 'p', region: 'r' } }, []],
    ['vertex-ai without project or endpoint', { provider: 'vertex-ai', auth: { gcp: {} } }, ['']],
    ['service account not JSON', { provider: 'vertex-ai', auth: { gcp: { service_account_json: '{' } }, override: { endpoint: 'https://a' } }, ['/auth/gcp/service_account_json']],
    ['unknown provider', { provider: 'skynet', auth: { header: {} } }, ['/provider']],
  ],
  // apisix/plugins/ai-proxy-multi.lua
  'ai-proxy-multi': [
    ['two instances', { instances: [{ name: 'a', provider: 'openai', weight: 1, auth: { header: { k: 'v' } } }, { name: 'b', provider: 'deepseek', weight: 1, auth: { header: { k: 'v' } } }] }, []],
    ['same name twice', { instances: [{ name: 'a', provider: 'openai', weight: 1, auth: { header: { k: 'v' } } }, { name: 'a', provider: 'openai', weight: 1, auth: { header: { k: 'v' } } }] }, ['/instances/1/name']],
    ['endpoint without a scheme', { instances: [{ name: 'a', provider: 'openai', weight: 1, auth: { header: { k: 'v' } }, override: { endpoint: 'api.example.com/v1' } }] }, ['/instances/0/override/endpoint']],
    ['chash without hash_on', { balancer: { algorithm: 'chash' }, instances: [{ name: 'a', provider: 'openai', weight: 1, auth: { header: { k: 'v' } } }] }, ['/balancer']],
  ],
  // apisix/plugins/ai-rate-limiting.lua
  'ai-rate-limiting': [
    ['tokens', { limit: 100, time_window: 60 }, []],
    ['expression', { limit: 100, time_window: 60, limit_strategy: 'expression', cost_expr: 'input_tokens + output_tokens * 2' }, []],
    ['expression without cost_expr', { limit: 100, time_window: 60, limit_strategy: 'expression' }, ['']],
    ['cost_expr that does not compile', { limit: 100, time_window: 60, limit_strategy: 'expression', cost_expr: 'input_tokens +' }, ['/cost_expr']],
  ],
  // apisix/plugins/ai-request-rewrite.lua
  'ai-request-rewrite': [
    ['openai', { prompt: 'p', provider: 'openai', auth: { header: { k: 'v' } } }, []],
    ['openai-compatible with endpoint', { prompt: 'p', provider: 'openai-compatible', auth: { header: { k: 'v' } }, override: { endpoint: 'http://llm:8080/v1/chat' } }, []],
    ['openai-compatible without endpoint', { prompt: 'p', provider: 'openai-compatible', auth: { header: { k: 'v' } } }, ['']],
  ],
  // apisix/plugins/cas-auth.lua
  'cas-auth': [
    ['cookie', { idp_uri: 'https://cas', cas_callback_uri: '/cb', logout_uri: '/out', cookie: { secret: 'x'.repeat(32) } }, []],
    ['SameSite=None, not secure', { idp_uri: 'https://cas', cas_callback_uri: '/cb', logout_uri: '/out', cookie: { secret: 'x'.repeat(32), samesite: 'None', secure: false } }, ['/cookie/secure']],
  ],
  // apisix/plugins/chaitin-waf.lua
  'chaitin-waf': [
    ['match', { match: [{ vars: [['http_waf', '==', 'true']] }] }, []],
    ['match without vars', { match: [{}] }, ['/match/0']],
    ['match with a bad operator', { match: [{ vars: [['http_waf', '=', 'true']] }] }, ['/match/0/vars/0']],
  ],
  // apisix/plugins/degraphql.lua
  degraphql: [
    ['query', { query: '{ persons { id name } }' }, []],
    ['two operations and a name', { query: 'query A { a } query B { b }', operation_name: 'A' }, []],
    ['not GraphQL', { query: 'persons' }, ['/query']],
    ['two operations, no name', { query: 'query A { a } query B { b }' }, ['']],
  ],
  // apisix/plugins/file-logger.lua
  'file-logger': [
    ['path', { path: 'logs/file.log' }, []],
    ['match', { path: 'logs/file.log', match: [['arg_name', '==', 'jack']] }, []],
    ['match with a bad operator', { path: 'logs/file.log', match: [['arg_name', '=', 'jack']] }, ['/match/0']],
  ],
  // apisix/plugins/graphql-limit-count.lua, which runs limit-count's check
  'graphql-limit-count': [
    ['count', { count: 10, time_window: 60 }, []],
    ['rules with a count', { count: 10, rules: [{ count: 1, time_window: 1, key: 'a' }] }, ['']],
  ],
  // apisix/plugins/kafka-logger.lua
  'kafka-logger': [
    ['brokers', { brokers: [{ host: '127.0.0.1', port: 9092 }], kafka_topic: 'logs', include_resp_body_expr: [['status', '==', 200]] }, []],
    ['body expression with a bad operator', { brokers: [{ host: '127.0.0.1', port: 9092 }], kafka_topic: 'logs', include_req_body_expr: [['arg_a', '=', '1']] }, ['/include_req_body_expr/0']],
  ],
  // apisix/plugins/ldap-auth-advanced.lua
  'ldap-auth-advanced': [
    ['bind', { ldap_uri: 'ldap.example.com:389', base_dn: 'ou=users,dc=example,dc=com', bind_dn: 'cn=admin', ldap_password: 'p' }, []],
    ['ldaps and starttls', { ldap_uri: 'ldap.example.com:389', base_dn: 'dc=example', use_ldaps: true, use_starttls: true }, ['']],
    ['bind without password', { ldap_uri: 'ldap.example.com:389', base_dn: 'dc=example', bind_dn: 'cn=admin' }, ['']],
  ],
  // apisix/plugins/loggly.lua
  loggly: [
    ['token', { customer_token: 't' }, []],
    ['body expression with a bad operator', { customer_token: 't', include_req_body_expr: [['arg_a', '=', '1']] }, ['/include_req_body_expr/0']],
  ],
  // apisix/plugins/loki-logger.lua
  'loki-logger': [
    ['endpoints', { endpoint_addrs: ['http://loki:3100'] }, []],
    ['body expression with a bad operator', { endpoint_addrs: ['http://loki:3100'], include_resp_body_expr: [['status', '<>', 200]] }, ['/include_resp_body_expr/0']],
  ],
  // apisix/plugins/mocking.lua
  mocking: [
    ['example', { response_example: '{"a":1}', content_type: 'application/json; charset=utf-8' }, []],
    ['default content type', { response_schema: { type: 'object' } }, []],
    ['content type it cannot make', { response_example: 'a', content_type: 'image/png' }, ['/content_type']],
  ],
  // apisix/plugins/multi-auth.lua
  'multi-auth': [
    ['two auth plugins', { auth_plugins: [{ 'basic-auth': {} }, { 'key-auth': { query: 'k' } }] }, []],
    ['not an auth plugin', { auth_plugins: [{ 'limit-req': {} }, { 'key-auth': {} }] }, ['/auth_plugins/0/limit-req']],
    ['unknown plugin', { auth_plugins: [{ 'my-auth': {} }, { 'key-auth': {} }] }, ['/auth_plugins/0/my-auth']],
    ['bad configuration of an auth plugin', { auth_plugins: [{ 'key-auth': { header: 5 } }, { 'basic-auth': {} }] }, ['/auth_plugins/0/key-auth/header']],
  ],
  // apisix/plugins/request-validation.lua
  'request-validation': [
    ['body schema', { body_schema: { type: 'object', properties: { a: { type: 'string', enum: ['x'] } }, required: ['a'] } }, []],
    ['unknown type', { header_schema: { type: 'object', properties: { a: { type: 'bogus' } } } }, ['/header_schema/properties/a/type']],
    ['null in an enum', { body_schema: { type: 'object', properties: { a: { enum: ['x', null] } } } }, ['/body_schema/properties/a/enum']],
  ],
  // apisix/plugins/rocketmq-logger.lua
  'rocketmq-logger': [
    ['nameserver', { nameserver_list: ['127.0.0.1:9876'], topic: 'logs' }, []],
    ['body expression with a bad operator', { nameserver_list: ['127.0.0.1:9876'], topic: 'logs', include_req_body_expr: [['a', 'like', 'b']] }, ['/include_req_body_expr/0']],
  ],
  // apisix/plugins/tencent-cloud-cls.lua
  'tencent-cloud-cls': [
    ['topic', { cls_host: 'ap-guangzhou.cls.tencentyun.com', cls_topic: 't', secret_id: 'i', secret_key: 'k' }, []],
    ['body expression with a bad operator', { cls_host: 'h', cls_topic: 't', secret_id: 'i', secret_key: 'k', include_req_body_expr: [['a', 'like', 'b']] }, ['/include_req_body_expr/0']],
  ],
  // apisix/plugins/traffic-label.lua
  'traffic-label': [
    ['headers by weight', { rules: [{ match: [['uri', '==', '/a']], actions: [{ set_headers: { 'X-Server-Id': 100 }, weight: 3 }, { weight: 7 }] }] }, []],
    ['unknown action', { rules: [{ actions: [{ set_body: 'x' }] }] }, ['/rules/0/actions/0/set_body']],
    ['match with a bad operator', { rules: [{ match: [['uri', '=', '/a']], actions: [{ weight: 1 }] }] }, ['/rules/0/match/0']],
    ['header value an object', { rules: [{ actions: [{ set_headers: { 'X-A': {} } }] }] }, ['/rules/0/actions/0/set_headers', '/rules/0/actions/0/set_headers/X-A']],
  ],
  // apisix/plugins/uri-blocker.lua
  'uri-blocker': [
    ['rules', { block_rules: ['^/admin', 'root\\.exe'] }, []],
    ['rule that does not compile', { block_rules: ['(admin'] }, ['/block_rules/0']],
    ['no rules', {}, ['']],
  ],
  // apisix/plugins/workflow.lua
  workflow: [
    ['return', { rules: [{ case: [['uri', '==', '/a']], actions: [['return', { code: 403 }]] }] }, []],
    ['limit-count', { rules: [{ actions: [['limit-count', { count: 2, time_window: 60, rejected_code: 429 }]] }] }, []],
    ['unsupported action', { rules: [{ actions: [['redirect', { uri: '/b' }]] }] }, ['/rules/0/actions/0/0']],
    ['return without code', { rules: [{ actions: [['return', {}]] }] }, ['/rules/0/actions/0/1']],
    ['limit-count with a group', { rules: [{ actions: [['limit-count', { count: 2, time_window: 60, group: 'g' }]] }] }, ['/rules/0/actions/0/1/group']],
    ['limit-conn without its settings', { rules: [{ actions: [['limit-conn', { conn: 1 }]] }] }, ['/rules/0/actions/0/1']],
  ],
};

describe('plugin configurations', () => {
  for (const [plugin, rows] of Object.entries(TABLES)) {
    describe(plugin, () => {
      it.each(rows.map(([name, conf, pointers, where]) => ({ name, conf, pointers, where })))('$name', ({ conf, pointers, where }) => {
        const errors = errorsOf(plugin, conf, where);
        expect(errors.map((e) => e.pointer)).toEqual(pointers.map((p) => `/plugins/${plugin}${p}`));
        for (const e of errors) expect(e.message.startsWith(`plugin ${plugin}: `)).toBe(true);
      });
    });
  }

  it('has a table for every plugin checked by code', () => {
    expect(CODE_CHECKED_PLUGINS.filter((name) => !Object.hasOwn(TABLES, name))).toEqual([]);
  });

  it('rejects the four configurations found in review', () => {
    const cases: [string, unknown, string][] = [
      ['limit-req', {}, '/plugins/limit-req'],
      // A string count is a variable resolved per request; what APISIX refuses is the missing time_window.
      ['limit-count', { count: 'many' }, '/plugins/limit-count'],
      ['proxy-rewrite', { regex_uri: ['^/a'] }, '/plugins/proxy-rewrite/regex_uri'],
      ['key-auth', { header: 5 }, '/plugins/key-auth/header'],
    ];
    for (const [plugin, conf, pointer] of cases) {
      const errors = errorsOf(plugin, conf);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((e) => e.pointer === pointer)).toBe(true);
    }
  });

  it('checks service plugins too', () => {
    const errors = validateApisixObject('service', { upstream_id: 'u', plugins: { 'key-auth': { query: [] } } }).errors;
    expect(errors.map((e) => e.pointer)).toEqual(['/plugins/key-auth/query']);
  });

  it('accepts a disabled plugin whatever its configuration', () => {
    expect(errorsOf('limit-req', { _meta: { disable: true } })).toEqual([]);
    expect(errorsOf('limit-req', { _meta: { disable: false } }).length).toBe(3);
  });

  it('allows the injected _meta in every checked plugin', () => {
    for (const plugin of Object.keys(TABLES)) {
      const [, conf, , where] = TABLES[plugin]!.find(([, , pointers]) => pointers.length === 0)!;
      const withMeta = { ...(conf as object), _meta: { priority: 1, filter: [['arg_a', '==', '1']] } };
      expect({ plugin, errors: where === 'consumer' ? [] : errorsOf(plugin, withMeta) }).toEqual({ plugin, errors: [] });
    }
  });

  it('checks every other plugin by its schema', () => {
    expect(errorsOf('echo', { body: 5, unknown: true }).map((e) => e.pointer)).toEqual(['/plugins/echo/body']);
    expect(errorsOf('grpc-web', { cors_allow_headers: 1 }).map((e) => e.pointer)).toEqual(['/plugins/grpc-web/cors_allow_headers']);
    expect(errorsOf('zipkin', { endpoint: 'http://a', sample_ratio: 1 })).toEqual([]);
  });

  it('checks a consumer plugin by its consumer_schema, other plugins of a consumer by their schema', () => {
    expect(errorsOf('key-auth', {}, 'consumer').map((e) => e.pointer)).toEqual(['/plugins/key-auth']);
    expect(errorsOf('key-auth', { key: 'k' }, 'consumer')).toEqual([]);
    expect(errorsOf('limit-count', {}, 'consumer').map((e) => e.pointer)).toEqual(['/plugins/limit-count']);
  });

  it('checks only the plugins the caller enables', () => {
    const body = { uri: '/r', upstream, plugins: { 'limit-req': {} } };
    const result = validateApisixObject('route', body, { plugins: new Set(['key-auth']) });
    expect(result.errors.map((e) => e.pointer)).toEqual(['/plugins/limit-req']);
  });

  it('accepts secret references where APISIX skips validation', () => {
    expect(errorsOf('limit-req', { rate: 1, burst: 1, key: 'k', key_type: '$ENV://LIMIT_KEY_TYPE' })).toEqual([]);
    expect(errorsOf('key-auth', { anonymous_consumer: '$secret://vault/1/anon' })).toEqual([]);
    expect(errorsOf('limit-req', { rate: '$env://RATE', burst: 1, key: 'k' }).map((e) => e.pointer)).toEqual(['/plugins/limit-req/rate']);
  });
});

describe('CHECKED_PLUGINS and CODE_CHECKED_PLUGINS', () => {
  const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

  it('check every plugin of the schemas file, the bundled ones', () => {
    expect([...CHECKED_PLUGINS]).toEqual(Object.keys(apisixSchemasFile().plugins).sort(byCodePoint));
    expect(CHECKED_PLUGINS.filter((name) => !BUNDLED_PLUGINS.has(name))).toEqual([]);
  });

  it('are sorted by code point, and the code-checked ones are checked', () => {
    expect([...CODE_CHECKED_PLUGINS]).toEqual([...CODE_CHECKED_PLUGINS].sort(byCodePoint));
    expect(CODE_CHECKED_PLUGINS.filter((name) => !BUNDLED_PLUGINS.has(name))).toEqual([]);
    expect(CODE_CHECKED_PLUGINS.length).toBeGreaterThan(30);
  });
});

describe('the example configuration', () => {
  const root = new URL('../../../', import.meta.url);

  it('has plugin configurations APISIX accepts, in services/*/service.yaml', () => {
    const dir = new URL('services/', root);
    const seen = new Set<string>();
    for (const service of readdirSync(dir)) {
      const spec = parse(readFileSync(new URL(`${service}/service.yaml`, dir), 'utf8')) as {
        plugins?: Record<string, unknown>;
        routes?: { plugins?: Record<string, unknown> }[];
      };
      for (const plugins of [spec.plugins, ...(spec.routes ?? []).map((r) => r.plugins)]) {
        if (!plugins) continue;
        for (const name of Object.keys(plugins)) seen.add(name);
        expect(validateApisixObject('service', { plugins }).errors).toEqual([]);
      }
    }
    expect([...seen].sort()).toEqual(['cors', 'key-auth', 'limit-count', 'limit-req', 'proxy-cache']);
  });

  it.each(['production', 'staging'])('compiles to objects APISIX accepts (%s)', (group) => {
    const config = parse(readFileSync(new URL(`test/fixtures/example/expected/${group}/apisix.yaml`, root), 'utf8')) as Record<
      'routes' | 'services' | 'upstreams',
      unknown[]
    >;
    const kinds = { routes: 'route', services: 'service', upstreams: 'upstream' } as const;
    for (const [key, kind] of Object.entries(kinds)) {
      for (const object of config[key as keyof typeof kinds]) {
        expect(validateApisixObject(kind, object).errors).toEqual([]);
      }
    }
  });
});
