/**
 * A gateway as a person builds one by hand through the Admin API, of `n` services with objects of
 * every kind, for tests and benchmarks of `tagway import` and its equivalence check. The same `n`
 * gives the same objects, byte for byte: everything follows from the service's index, nothing
 * from a clock or a random source (the certificates are made once and passed in).
 *
 * What it holds, service `i` (0-based) of `n`:
 * - ids as the Admin API's users write them, numeric strings (`"1"`, `"2"`, …) per kind;
 * - an upstream per service: a separate object referred to by `upstream_id` (two services in
 *   three), else inline in the service; nodes in the array form or APISIX's hash form
 *   `{"host:port": weight}`; some `chash` on a header, some with health checks, retries,
 *   timeouts, a keepalive pool, `https` with `pass_host: rewrite`;
 * - the service's hosts, labels and plugins; 1–5 routes (`1 + i % 5`), some with hosts of their
 *   own, `vars`, a priority, methods, a `plugin_config_id` (one plugin config per ten services),
 *   plugins over the service's; every seventh service also has a route of no service with an
 *   inline upstream;
 * - consumers (one per two services, at least three) with literal key-auth, basic-auth or jwt-auth
 *   credentials, some in a consumer group (one per twenty services, at least two);
 * - a few SSLs (certificates given), two global rules, plugin metadata, a vault secret manager,
 *   stream routes (one per ten services, at least one).
 */
import type {
  ApisixConfig,
  ApisixConsumer,
  ApisixConsumerGroup,
  ApisixGlobalRule,
  ApisixPluginConfig,
  ApisixPluginMetadata,
  ApisixRoute,
  ApisixSecret,
  ApisixService,
  ApisixSsl,
  ApisixStreamRoute,
  ApisixUpstream,
} from '../../src/model/apisix.js';
import { makeCertificate, type TestCertificate } from './certificates.js';

type Json = Record<string, unknown>;

/** How many certificates `syntheticGateway` makes: one SSL each, the first also the client CA of another. */
export const SYNTHETIC_CERTIFICATES = 3;

let madeCertificates: Promise<readonly TestCertificate[]> | null = null;

/** The certificates of the SSLs, made once per process. */
export function syntheticCertificates(): Promise<readonly TestCertificate[]> {
  madeCertificates ??= Promise.all(
    Array.from({ length: SYNTHETIC_CERTIFICATES }, (_, k) =>
      makeCertificate({ names: [`tls-${k}.example.com`, `*.tls-${k}.example.com`], notBefore: new Date('2024-01-01T00:00:00Z'), notAfter: new Date('2099-01-01T00:00:00Z') }),
    ),
  );
  return madeCertificates;
}

/** A gateway of `n` services (see the file's comment), with certificates made for it. */
export async function syntheticGateway(n: number): Promise<ApisixConfig> {
  return buildSyntheticGateway(n, await syntheticCertificates());
}

/** A gateway of `n` services whose SSLs hold `certificates` (one SSL each). Pure. */
export function buildSyntheticGateway(n: number, certificates: readonly TestCertificate[]): ApisixConfig {
  const upstreams: ApisixUpstream[] = [];
  const services: ApisixService[] = [];
  const routes: ApisixRoute[] = [];
  const pluginConfigs: ApisixPluginConfig[] = [];
  let routeId = 0;

  for (let c = 0; c < Math.ceil(n / 10); c++) {
    pluginConfigs.push({
      id: String(c + 1),
      desc: `shared plugins ${c}`,
      labels: { purpose: 'shared' },
      plugins: c % 2 === 0
        ? { 'response-rewrite': { headers: { set: { 'X-Config': `pc-${c}` } } } }
        : { cors: { allow_origins: `https://app-${c}.example.com`, allow_methods: 'GET,POST' } },
    });
  }

  for (let i = 0; i < n; i++) {
    const upstream = upstreamOf(i);
    const service: Json = {
      id: String(i + 1),
      name: `svc-${i}`,
      desc: `Service ${i}`,
      labels: { team: `team-${i % 4}`, ...(i % 3 === 0 ? { tier: 'gold' } : {}) },
      hosts: i % 6 === 5 ? [`svc-${i}.example.com`, `svc-${i}.example.org`] : [`svc-${i}.example.com`],
      plugins: servicePlugins(i),
    };
    if (i % 3 === 2) service.upstream = upstream;
    else {
      upstreams.push({ id: String(i + 1), name: `up-${i}`, ...upstream });
      service.upstream_id = String(i + 1);
    }
    if (i % 8 === 7) service.enable_websocket = true;
    services.push(service as ApisixService);

    const count = 1 + (i % 5);
    for (let r = 0; r < count; r++) {
      routeId += 1;
      routes.push(routeOf(i, r, routeId, n));
    }
    if (i % 7 === 6) {
      routeId += 1;
      routes.push({
        id: String(routeId),
        name: `direct-${i}`,
        uri: `/direct/${i}/*`,
        hosts: [`direct-${i}.example.com`],
        methods: ['GET', 'HEAD'],
        upstream: { type: 'roundrobin', nodes: { [`10.9.${i % 250}.${(i >> 8) % 250}:80`]: 1 } },
        plugins: { 'proxy-rewrite': { regex_uri: [`^/direct/${i}/(.*)`, '/$1'] } },
      });
    }
  }

  const groupCount = Math.max(2, Math.ceil(n / 20));
  const consumerGroups: ApisixConsumerGroup[] = Array.from({ length: groupCount }, (_, g) => ({
    id: String(g + 1),
    desc: `tier ${g}`,
    labels: { plan: g % 2 === 0 ? 'free' : 'paid' },
    plugins: { 'limit-count': { count: 100 * (g + 1), time_window: 60, rejected_code: 429, group: `cg-${g}` } },
  }));

  const consumers: ApisixConsumer[] = [];
  for (let u = 0; u < Math.max(3, Math.ceil(n / 2)); u++) {
    const username = `user_${u}`;
    const consumer: Json = { id: username, username, desc: `consumer ${u}`, plugins: consumerPlugins(u) };
    if (u % 3 !== 0) consumer.group_id = String((u % groupCount) + 1);
    if (u % 4 === 1) consumer.labels = { org: `org-${u % 5}` };
    consumers.push(consumer as ApisixConsumer);
  }

  const ssls: ApisixSsl[] = certificates.map((pair, k) => {
    const ssl: Json = { id: String(k + 1), snis: [`tls-${k}.example.com`, `*.tls-${k}.example.com`], cert: pair.cert, key: pair.key };
    if (k === 1 && certificates[0]) ssl.client = { ca: certificates[0].cert, depth: 2 };
    if (k === 2) ssl.ssl_protocols = ['TLSv1.2', 'TLSv1.3'];
    if (k === 0) ssl.labels = { env: 'prod' };
    return ssl as ApisixSsl;
  });

  const globalRules: ApisixGlobalRule[] = [
    { id: '1', plugins: { prometheus: { prefer_name: true } } },
    { id: '2', plugins: { 'request-id': { header_name: 'X-Request-Id', include_in_response: true } } },
  ];

  const pluginMetadata: ApisixPluginMetadata[] = [
    { id: 'http-logger', log_format: { host: '$host', client_ip: '$remote_addr', '@timestamp': '$time_iso8601' } },
    { id: 'limit-count', limit_header: 'X-Limit', remaining_header: 'X-Remaining', reset_header: 'X-Reset' },
  ];

  const secrets: ApisixSecret[] = [
    { id: 'vault/1', uri: 'http://vault.internal:8200', prefix: 'kv/apisix', token: 'hvs.synthetic-vault-token-0001' },
  ];

  const streamRoutes: ApisixStreamRoute[] = [];
  for (let s = 0; s < Math.max(1, Math.ceil(n / 10)); s++) {
    const stream: Json = { id: String(s + 1), server_port: 9100 + s, desc: `tcp ${s}` };
    if (s % 2 === 1) stream.remote_addr = `192.168.${s % 250}.0/24`;
    const referred = upstreams[s];
    if (s % 3 !== 2 && referred) stream.upstream_id = referred.id;
    else stream.upstream = { type: 'roundrobin', nodes: [{ host: `10.8.${s % 250}.1`, port: 5432, weight: 1 }] };
    streamRoutes.push(stream as ApisixStreamRoute);
  }

  return {
    consumer_groups: byId(consumerGroups),
    consumers: byId(consumers),
    global_rules: byId(globalRules),
    plugin_configs: byId(pluginConfigs),
    plugin_metadata: byId(pluginMetadata),
    routes: byId(routes),
    secrets: byId(secrets),
    services: byId(services),
    ssls: byId(ssls),
    stream_routes: byId(streamRoutes),
    upstreams: byId(upstreams),
  };
}

/** Service `i`'s upstream, without an id. */
function upstreamOf(i: number): Json {
  const a = i % 250;
  const b = Math.floor(i / 250) % 250;
  const up: Json = {};
  if (i % 5 === 3) {
    up.type = 'chash';
    up.hash_on = 'header';
    up.key = 'X-User';
  } else up.type = i % 5 === 4 ? 'least_conn' : 'roundrobin';
  up.nodes = i % 2 === 0
    ? [{ host: `10.${b}.${a}.1`, port: 8080, weight: 1 }, { host: `10.${b}.${a}.2`, port: 8080, weight: 2, priority: i % 4 === 0 ? 1 : 0 }]
    : { [`10.${b}.${a}.1:8080`]: 1, [`10.${b}.${a}.2:8080`]: 3 };
  if (i % 4 === 1) up.retries = 2;
  if (i % 4 === 1) up.retry_timeout = 5;
  if (i % 6 === 0) up.timeout = { connect: 3, send: 10, read: 10 };
  if (i % 9 === 4) up.keepalive_pool = { size: 64, idle_timeout: 30, requests: 500 };
  if (i % 10 === 8) {
    up.scheme = 'https';
    up.pass_host = 'rewrite';
    up.upstream_host = `backend-${i}.internal`;
  }
  if (i % 11 === 5) {
    up.checks = {
      active: { type: 'http', http_path: '/healthz', healthy: { interval: 2, successes: 2 }, unhealthy: { interval: 1, http_failures: 3 } },
    };
  }
  return up;
}

function servicePlugins(i: number): Json {
  const plugins: Json = {};
  if (i % 2 === 0) plugins['limit-count'] = { count: 1000 + i, time_window: 60, rejected_code: 429, key: 'remote_addr' };
  if (i % 3 === 1) plugins['proxy-rewrite'] = { headers: { set: { 'X-Service': `svc-${i}` } } };
  if (i % 5 === 2) plugins['key-auth'] = {};
  if (i % 4 === 3) plugins.cors = {};
  return plugins;
}

/** Route `r` of service `i`, with the gateway-wide id `id`. */
function routeOf(i: number, r: number, id: number, n: number): ApisixRoute {
  const route: Json = { id: String(id), name: `svc-${i}-r${r}`, service_id: String(i + 1) };
  if (r % 2 === 0) route.uri = `/svc-${i}/r${r}/*`;
  else route.uris = [`/svc-${i}/r${r}`, `/svc-${i}/r${r}/*`];
  if (r === 1) route.methods = ['GET', 'POST'];
  if (r === 2) route.methods = ['PUT', 'DELETE', 'PATCH'];
  if (r === 3) route.hosts = [`api-${i}.example.com`];
  if (r === 4) {
    route.host = `edge-${i}.example.com`;
    route.priority = 10;
  }
  if ((i + r) % 6 === 1) route.vars = [['http_x_env', '==', 'canary'], ['arg_debug', '!', '==', '1']];
  if ((i + r) % 4 === 2) route.priority = 5;
  if (r === 0 && i % 3 === 0) route.plugin_config_id = String(Math.floor(i / 10) % Math.ceil(n / 10) + 1);
  if (r === 1 && i % 2 === 0) route.plugins = { 'limit-count': { count: 10 + i, time_window: 1, rejected_code: 503, key: 'remote_addr' } };
  if (r === 2) route.plugins = { 'response-rewrite': { headers: { set: { 'X-Route': `svc-${i}-r2` } } } };
  if (r === 3 && i % 2 === 1) route.enable_websocket = true;
  if (r === 3) route.timeout = { connect: 2, send: 5, read: 30 };
  if (r === 1 && i % 10 === 9) route.status = 0;
  if (r === 0 && i % 5 === 1) route.labels = { owner: `team-${i % 4}` };
  if (r === 0 && i % 12 === 7) route.desc = `first route of svc-${i}`;
  return route as ApisixRoute;
}

/** Consumer `u`'s plugins: one credential of three kinds, literal as a gateway holds them. */
function consumerPlugins(u: number): Json {
  const tag = String(u).padStart(6, '0');
  switch (u % 3) {
    case 0:
      return { 'key-auth': { key: `synthetic-key-${tag}` } };
    case 1:
      return { 'basic-auth': { username: `basic_${tag}`, password: `synthetic-password-${tag}` } };
    default:
      return {
        'jwt-auth': { key: `jwt-key-${tag}`, secret: `synthetic-jwt-secret-${tag}-0123456789abcdef` },
        'limit-count': { count: 50, time_window: 60 },
      };
  }
}

/** Objects sorted by id in code-point order, as a configuration holds them. */
function byId<T extends { readonly id: string }>(objects: T[]): T[] {
  return objects.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}
