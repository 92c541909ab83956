import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { emptyConfig } from '../apisix/kinds/index.js';
import type { ApisixConfig, ApisixKind } from '../model/apisix.js';
import { idSuffix } from './names.js';
import { importRepository, type ImportedRepository } from './to-repository.js';
import { buildSyntheticGateway } from '../../test/support/synthetic-gateway.js';

type Seed = { readonly [K in ApisixKind]?: readonly Record<string, unknown>[] };

function gateway(seed: Seed): ApisixConfig {
  const config: Record<string, unknown[]> = { ...emptyConfig() } as unknown as Record<string, unknown[]>;
  for (const [kind, list] of Object.entries(seed)) config[kind] = [...list!].sort((a, b) => (String(a['id']) < String(b['id']) ? -1 : 1));
  return config as unknown as ApisixConfig;
}

function run(seed: Seed, previous = {}): ImportedRepository {
  return importRepository({ format: 'apisix', origin: 'http://gw:9180', config: gateway(seed), unexpressed: [] }, { group: 'prod', previous });
}

function file(out: ImportedRepository, path: string): Record<string, unknown> {
  const text = out.files.get(path);
  if (text === undefined) throw new Error(`no ${path} among ${[...out.files.keys()].join(', ')}`);
  return load(text) as Record<string, unknown>;
}

const PETS_UPSTREAM = { id: '1', name: 'pets backend', type: 'chash', hash_on: 'header', key: 'x-user', nodes: { '10.0.0.2:8080': 2, '10.0.0.1:8080': 1 } };
const PETS_SERVICE = { id: '100', name: 'Pet Store', desc: 'Pets\nand more', hosts: ['pets.example.com'], upstream_id: '1', plugins: { cors: {} } };

describe('routes into services', () => {
  const cases: { name: string; seed: Seed; services: string[]; routes: Record<string, string>; unexpressed?: string[] }[] = [
    {
      name: 'routes of one APISIX service and its upstream make one service',
      seed: { upstreams: [PETS_UPSTREAM], services: [PETS_SERVICE], routes: [{ id: '10', name: 'list', uri: '/pets', service_id: '100' }, { id: '11', uris: ['/pets/*'], methods: ['GET'], service_id: '100' }] },
      services: ['pet-store'],
      routes: { '10': 'pet-store.list', '11': 'pet-store.get-pets' },
    },
    {
      name: 'a route with its own upstream beside its service makes a service of its own',
      seed: {
        upstreams: [PETS_UPSTREAM, { id: '2', name: 'pets v2', nodes: [{ host: 'b', port: 80, weight: 1 }] }],
        services: [PETS_SERVICE],
        routes: [{ id: '10', name: 'list', uri: '/pets', service_id: '100' }, { id: '11', name: 'new', uri: '/v2/pets', service_id: '100', upstream_id: '2' }],
      },
      // The second service takes the next thing that names it: its APISIX service's description.
      services: ['pet-store', 'pets-and-more'],
      routes: { '10': 'pet-store.list', '11': 'pets-and-more.new' },
    },
    {
      name: 'routes without a service go together by the upstream they name',
      seed: { upstreams: [{ id: '5', name: 'billing', nodes: [{ host: 'b', port: 80, weight: 1 }] }], routes: [{ id: '20', uri: '/invoices', upstream_id: '5' }, { id: '21', uri: '/payments', upstream_id: '5' }] },
      services: ['billing'],
      routes: { '20': 'billing.invoices', '21': 'billing.payments' },
    },
    {
      name: 'a route with an inline upstream and no service stands alone',
      seed: { routes: [{ id: '30', name: 'health', uri: '/healthz', upstream: { type: 'roundrobin', nodes: [{ host: 'h', port: 1, weight: 1 }] } }] },
      services: ['health'],
      routes: { '30': 'health.health' },
    },
    {
      name: 'a route that goes to no upstream is reported, not dropped',
      seed: { routes: [{ id: '40', uri: '/old', plugins: { redirect: { uri: '/new' } } }] },
      services: [],
      routes: {},
      unexpressed: ['routes 40'],
    },
    {
      name: 'a stream route joins the service that goes to its upstream; one with its own upstream is reported',
      seed: {
        upstreams: [PETS_UPSTREAM],
        services: [PETS_SERVICE],
        routes: [{ id: '10', name: 'list', uri: '/pets', service_id: '100' }],
        stream_routes: [
          { id: '50', server_port: 9100, upstream_id: '1' },
          { id: '51', server_port: 9101, upstream: { nodes: [{ host: 'x', port: 1, weight: 1 }] } },
        ],
      },
      services: ['pet-store'],
      routes: { '10': 'pet-store.list' },
      unexpressed: ['stream_routes 51'],
    },
    {
      name: 'a disabled route, and one with a field tagway cannot write, are left on the gateway whole',
      seed: {
        upstreams: [PETS_UPSTREAM],
        services: [PETS_SERVICE],
        routes: [{ id: '10', uri: '/pets', service_id: '100', remote_addrs: ['10.0.0.0/8'] }, { id: '11', uri: '/old', service_id: '100', status: 0 }, { id: '12', uri: '/pets/*', service_id: '100' }],
      },
      services: ['pet-store'],
      routes: { '12': 'pet-store.pets' },
      unexpressed: ['routes 10', 'routes 11'],
    },
  ];
  it.each(cases)('$name', (c) => {
    const out = run(c.seed);
    expect(out.services).toEqual(c.services);
    const streams = Object.keys(out.adoption.stream_routes ?? {});
    expect(streams).toEqual((c.seed.stream_routes ?? []).map((s) => String(s['id'])).filter((id) => !(c.unexpressed ?? []).includes(`stream_routes ${id}`)));
    expect(out.adoption.routes ?? {}).toEqual(c.routes);
    expect(out.unexpressed.map((u) => `${u.kind} ${u.id}${u.field !== undefined ? ` ${u.field}` : ''}`)).toEqual(c.unexpressed ?? []);
  });
});

describe('what a service is written as', () => {
  const out = run({ upstreams: [PETS_UPSTREAM], services: [PETS_SERVICE], routes: [{ id: '10', name: 'list', uri: '/pets', methods: ['GET'], priority: 5, vars: [['arg_a', '==', '1']], service_id: '100' }] });

  it('puts policy in the template and runtime values in the group overlay', () => {
    expect(file(out, 'services/pet-store/service.yaml')).toEqual({
      name: 'pet-store',
      description: 'Pets and more',
      plugins: { cors: {} },
      upstream: { type: 'chash', hash_on: 'header', key: 'x-user' },
      routes: [{ name: 'list', uris: ['/pets'], methods: ['GET'], priority: 5, vars: [['arg_a', '==', '1']] }],
    });
    expect(file(out, 'gateway-groups/prod/services/pet-store.yaml')).toEqual({
      hosts: ['pets.example.com'],
      upstream: { nodes: [{ host: '10.0.0.1', port: 8080, weight: 1 }, { host: '10.0.0.2', port: 8080, weight: 2 }] },
    });
  });

  it('records which gateway object each written one replaces', () => {
    expect(out.adoption).toEqual({ routes: { '10': 'pet-store.list' }, services: { '100': 'pet-store' }, upstreams: { '1': 'pet-store' } });
  });

  it('writes a service\'s enable_websocket on each of its routes that has none, as they inherit it', () => {
    const w = run({ upstreams: [PETS_UPSTREAM], services: [{ ...PETS_SERVICE, enable_websocket: true }], routes: [{ id: '10', uri: '/a', service_id: '100' }, { id: '11', uri: '/b', service_id: '100', enable_websocket: false }] });
    expect((file(w, 'services/pet-store/service.yaml')['routes'] as Record<string, unknown>[]).map((r) => r['enable_websocket'])).toEqual([true, false]);
    expect(w.unexpressed).toEqual([]);
  });

  it('writes a service\'s traffic-split of the canary\'s shape as the overlay\'s canary, and takes its upstream', () => {
    const split = (rule: Record<string, unknown>) => ({ 'traffic-split': { rules: [rule] } });
    const canaryUpstream = { id: '2', nodes: [{ host: '10.0.9.9', port: 8080, weight: 1 }] };
    const shaped = run({
      upstreams: [PETS_UPSTREAM, canaryUpstream],
      services: [{ ...PETS_SERVICE, plugins: { cors: {}, ...split({ match: [{ vars: [['http_x_beta', '==', '1']] }], weighted_upstreams: [{ upstream_id: '2', weight: 10 }, { weight: 90 }] }) } }],
      routes: [{ id: '10', uri: '/pets', service_id: '100' }],
    });
    expect(file(shaped, 'gateway-groups/prod/services/pet-store.yaml')['canary']).toEqual({ weight: 10, match: [['http_x_beta', '==', '1']], nodes: [{ host: '10.0.9.9', port: 8080, weight: 1 }] });
    expect(file(shaped, 'services/pet-store/service.yaml')['plugins']).toEqual({ cors: {} });
    expect(shaped.adoption.upstreams).toEqual({ '1': 'pet-store', '2': 'pet-store.canary' });
    expect(shaped.unexpressed).toEqual([]);
    // Weights that do not make 100 are not tagway's canary: the plugin stays as it is, naming an
    // upstream the gateway keeps, which the report says.
    const other = run({
      upstreams: [PETS_UPSTREAM, canaryUpstream],
      services: [{ ...PETS_SERVICE, plugins: split({ weighted_upstreams: [{ upstream_id: '2', weight: 1 }, { weight: 3 }] }) }],
      routes: [{ id: '10', uri: '/pets', service_id: '100' }],
    });
    expect(file(other, 'gateway-groups/prod/services/pet-store.yaml')['canary']).toBeUndefined();
    expect(other.unexpressed.map((u) => `${u.kind} ${u.id} ${u.field ?? ''}`)).toEqual(['services 100 /plugins/traffic-split', 'upstreams 2 ']);
    expect(file(other, 'services/pet-store/service.yaml')['plugins']).toEqual(split({ weighted_upstreams: [{ upstream_id: '2', weight: 1 }, { weight: 3 }] }));
  });

  it('writes discovery instead of nodes for an upstream that discovers them', () => {
    const d = run({ upstreams: [{ id: '1', service_name: 'pets', discovery_type: 'consul', discovery_args: { namespace_id: 'x' } }], routes: [{ id: '1', uri: '/a', upstream_id: '1' }] });
    expect(file(d, `gateway-groups/prod/services/${d.services[0]}.yaml`)).toEqual({ upstream: { discovery: { type: 'consul', service_name: 'pets', args: { namespace_id: 'x' } } } });
  });
});

describe('secrets', () => {
  const CANARY = 'canary-7f3e-not-in-any-file';
  const out = run({
    consumers: [{ id: 'alice', username: 'alice', plugins: { 'key-auth': { key: CANARY }, 'jwt-auth': { key: 'alice-jwt', secret: `${CANARY}-jwt` } } }],
    upstreams: [PETS_UPSTREAM],
    services: [PETS_SERVICE],
    routes: [{ id: '10', uri: '/pets', service_id: '100', plugins: { 'openid-connect': { client_id: 'pets', client_secret: `${CANARY}-oidc`, discovery: 'https://idp/.well-known' } } }],
    ssls: [{ id: '7', snis: ['pets.example.com'], cert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' }],
    secrets: [{ id: 'vault/main', uri: 'https://vault:8200', prefix: 'kv', token: `${CANARY}-vault` }],
  });

  it('writes no secret into any file, and names a variable for each', () => {
    for (const text of out.files.values()) expect(text).not.toContain(CANARY);
    expect(out.variables.map((v) => `${v.name} ${v.readBy} ${v.kind} ${v.id} ${v.field}`)).toEqual([
      'PROD_CONSUMER_ALICE_KEY_AUTH_KEY sync consumers alice /plugins/key-auth/key',
      'PROD_CONSUMER_ALICE_JWT_AUTH_SECRET sync consumers alice /plugins/jwt-auth/secret',
      'PROD_SSL_7_KEY sync ssls 7 /key',
      'PROD_SECRET_VAULT_MAIN_TOKEN sync secrets vault/main /token',
      'PROD_ROUTE_10_OPENID_CONNECT_CLIENT_SECRET gateway routes 10 /plugins/openid-connect/client_secret',
    ]);
    expect(JSON.stringify(out.variables)).not.toContain(CANARY);
  });

  it('uses the reference each reader resolves: env: for sync, $env:// for the gateway', () => {
    expect(file(out, 'gateway-groups/prod/consumers/alice.yaml')).toMatchObject({ plugins: { 'key-auth': { key: 'env:PROD_CONSUMER_ALICE_KEY_AUTH_KEY' }, 'jwt-auth': { key: 'alice-jwt' } } });
    expect(file(out, 'services/pet-store/service.yaml')['routes']).toMatchObject([{ plugins: { 'openid-connect': { client_secret: '$env://PROD_ROUTE_10_OPENID_CONNECT_CLIENT_SECRET', client_id: 'pets' } } }]);
    expect(file(out, 'gateway-groups/prod/ssls/pets-example-com.yaml')).toMatchObject({ key: 'env:PROD_SSL_7_KEY' });
  });

  it('keeps the values in memory for the check, by reference', () => {
    expect(out.secrets.valueOf('env:PROD_CONSUMER_ALICE_KEY_AUTH_KEY')).toBe(CANARY);
    expect(out.secrets.valueOf('$env://PROD_ROUTE_10_OPENID_CONNECT_CLIENT_SECRET')).toBe(`${CANARY}-oidc`);
    expect(out.secrets.valueOf('env:PROD_SSL_7_KEY')).toBeUndefined();
  });

  it('keeps references that are there already', () => {
    const refs = run({ consumers: [{ id: 'bob', username: 'bob', plugins: { 'key-auth': { key: '$secret://vault/main/bob/key' } } }] });
    expect(refs.variables).toEqual([]);
    expect(file(refs, 'gateway-groups/prod/consumers/bob.yaml')).toEqual({ plugins: { 'key-auth': { key: '$secret://vault/main/bob/key' } } });
  });
});

describe('group-level objects', () => {
  it('names a global rule by its plugins and gives its tagway id in the adoption record', () => {
    const out = run({ global_rules: [{ id: '1', plugins: { prometheus: {} } }] });
    expect(file(out, 'gateway-groups/prod/global-rules/prometheus.yaml')).toEqual({ plugins: { prometheus: {} } });
    expect(out.adoption.global_rules).toEqual({ '1': 'tagway.prod.prometheus' });
  });

  it('links a consumer to its group by the group name it was written under', () => {
    const out = run({ consumer_groups: [{ id: '3', name: 'Mobile apps', plugins: { 'limit-count': { count: 1, time_window: 1 } } }], consumers: [{ id: 'ann', username: 'ann', group_id: '3' }] });
    expect(file(out, 'gateway-groups/prod/consumers/ann.yaml')).toEqual({ group: 'mobile-apps' });
    expect(out.files.has('gateway-groups/prod/consumer-groups/mobile-apps.yaml')).toBe(true);
  });

  it('names an upstream\'s client certificate by the name its SSL is written under', () => {
    const out = run({ ssls: [{ id: '1', type: 'client', desc: 'mtls to pets', cert: 'c', key: 'k' }], upstreams: [{ id: '2', nodes: { 'a:443': 1 }, scheme: 'https', tls: { client_cert_id: '1' } }], routes: [{ id: 'r1', uri: '/pets', upstream_id: '2' }] });
    const name = out.adoption.ssls?.['1'];
    expect(name).toBe('mtls-to-pets');
    expect(out.files.has(`gateway-groups/prod/ssls/${name!}.yaml`)).toBe(true);
    const [service] = out.services;
    expect(file(out, `services/${service!}/service.yaml`)['upstream']).toEqual({ scheme: 'https', tls: { client_cert_id: name } });
  });

  it('writes its own copy of a client certificate an upstream staying on the gateway uses, under another name', () => {
    const cert = { type: 'client', cert: 'c', key: 'k' };
    const out = run({
      ssls: [{ id: 'mtls', ...cert }],
      upstreams: [{ id: 'odd', nodes: [{ host: 'a', port: 1, weight: 1, metadata: { zone: 'a' } }], tls: { client_cert_id: 'mtls' } }, { id: 'pets', nodes: { 'b:443': 1 }, tls: { client_cert_id: 'mtls' } }],
      routes: [{ id: 'r1', uri: '/odd', upstream_id: 'odd' }, { id: 'r2', uri: '/pets', upstream_id: 'pets' }],
    });
    expect(out.kept.map((k) => `${k.kind} ${k.id}`)).toEqual(['ssls mtls']);
    expect(out.adoption.ssls).toBeUndefined();
    const copies = [...out.files.keys()].filter((f) => f.startsWith('gateway-groups/prod/ssls/'));
    expect(copies).toHaveLength(1);
    expect(copies[0]).not.toBe('gateway-groups/prod/ssls/mtls.yaml');
    const copy = copies[0]!.slice('gateway-groups/prod/ssls/'.length, -'.yaml'.length);
    expect(file(out, `services/${out.services[0]!}/service.yaml`)['upstream']).toEqual({ tls: { client_cert_id: copy } });
  });

  it('leaves out what tagway manages already', () => {
    const out = run({ routes: [{ id: 'x.y', uri: '/', labels: { 'managed-by': 'tagway', 'tagway.group': 'other' }, upstream: { nodes: [{ host: 'a', port: 1, weight: 1 }] } }], global_rules: [{ id: 'tagway.other.r', plugins: {} }] });
    expect(out.files.size).toBe(0);
    expect(out.ignored.map((i) => `${i.kind} ${i.id}`)).toEqual(['global_rules tagway.other.r', 'routes x.y']);
  });
});

describe('names', () => {
  it('keeps the names a previous import gave, whatever the objects are called now', () => {
    const seed: Seed = { upstreams: [PETS_UPSTREAM], services: [{ ...PETS_SERVICE, name: 'Renamed' }], routes: [{ id: '10', name: 'other', uri: '/pets', service_id: '100' }] };
    const out = run(seed, { routes: { '10': 'pets.list' } });
    expect(out.services).toEqual(['pets']);
    expect(out.adoption.routes).toEqual({ '10': 'pets.list' });
  });

  it('settles a clash by what else names the object, then by a suffix made from its id, whatever the order', () => {
    const upstream = { nodes: [{ host: 'a', port: 1, weight: 1 }] };
    const routes = [
      { id: '1', name: 'same', uri: '/a', upstream },
      { id: '2', name: 'same', uri: '/a', upstream },
      { id: '3', name: 'same', uri: '/a', upstream },
    ];
    const a = run({ routes });
    const b = run({ routes: [...routes].reverse() });
    expect(a.services).toEqual(['a', 'same', `same-${idSuffix('route:3')}`]);
    expect([...a.files]).toEqual([...b.files]);
  });
});

describe('copies of the gateway\'s data', () => {
  it('keep a member named __proto__ as a member, as the gateway sent it', () => {
    const plugins = JSON.parse('{"response-rewrite":{"headers":{"set":{"__proto__":"x","a":"b"}}}}') as Record<string, unknown>;
    const seed: Seed = { routes: [{ id: '1', name: 'r', uri: '/r', plugins, upstream: { nodes: [{ host: 'a', port: 1, weight: 1 }] } }] };
    const out = run(seed);
    const [path] = [...out.files.keys()].filter((p) => p.startsWith('services/'));
    expect(out.files.get(path!)).toContain('__proto__: x');
  });
});

describe('determinism', () => {
  it('gives the same bytes for the same gateway', () => {
    const seed: Seed = { upstreams: [PETS_UPSTREAM], services: [PETS_SERVICE], routes: [{ id: '10', uri: '/pets', service_id: '100' }], consumers: [{ id: 'a', username: 'a', plugins: { 'key-auth': { key: 'k' } } }] };
    expect([...run(seed).files]).toEqual([...run(structuredClone(seed)).files]);
  });
});

/**
 * Fixed stand-ins for the synthetic gateway's certificates (made at random per process): the
 * import reads a certificate as text and tells a private key by its PEM armour only.
 */
const FIXED_CERTIFICATES = [0, 1, 2].map((k) => ({
  cert: `-----BEGIN CERTIFICATE-----\n${`MIIB${k}`.repeat(16)}\n${'QUJD'.repeat(12)}${k}==\n-----END CERTIFICATE-----\n`,
  key: `-----BEGIN PRIVATE KEY-----\n${`MIGH${k}`.repeat(16)}\n-----END PRIVATE KEY-----\n`,
}));

/** One digest of everything an import returns: every file's path and bytes, the variables, the unexpressed, the adoption map. */
function digestOf(out: ImportedRepository): string {
  const hash = createHash('sha256');
  for (const [path, text] of out.files) hash.update(`${path}\0${text}\0`);
  hash.update(JSON.stringify([out.services, out.variables, out.unexpressed, out.ignored, out.adoption]));
  return hash.digest('hex');
}

describe('the bytes written', () => {
  // The digest of the synthetic gateway of 200 services as imported when it was first recorded:
  // a change of the writer's speed must not change a byte of what it writes. A change of what the
  // import writes on purpose records the new digest here, in the same commit.
  it('are the recorded ones for the synthetic gateway of 200 services', () => {
    const out = importRepository({ format: 'apisix', origin: 'http://gw:9180', config: buildSyntheticGateway(200, FIXED_CERTIFICATES), unexpressed: [] }, { group: 'staging' });
    expect(out.files.size).toBeGreaterThan(500);
    expect(digestOf(out)).toBe('18040a9dac60c73009ca0d11df88a5a986a74a071efb06ca6d7ff8d2cf081285');
  });
});
