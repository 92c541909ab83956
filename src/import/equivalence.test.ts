import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../core/canonical.js';
import type { ApisixConfig, ApisixKind } from '../model/apisix.js';
import { checkEquivalence, compareGateways, type EquivalenceOptions } from './equivalence.js';

type Objects = { readonly [K in ApisixKind]?: readonly Record<string, unknown>[] };

const KINDS: readonly ApisixKind[] = [
  'consumer_groups', 'consumers', 'global_rules', 'plugin_configs', 'plugin_metadata', 'routes', 'secrets', 'services', 'ssls', 'stream_routes', 'upstreams',
];

function config(objects: Objects): ApisixConfig {
  return Object.fromEntries(KINDS.map((k) => [k, objects[k] ?? []])) as unknown as ApisixConfig;
}

const TW = { 'managed-by': 'tagway', 'tagway.group': 'prod', 'tagway.service': 'shop' };

/** A gateway as a person made it: numeric ids, upstream by id, hash-form nodes. */
const SOURCE: Objects = {
  upstreams: [{ id: '1', name: 'shop-up', type: 'roundrobin', nodes: { '10.0.0.1:8080': 1, '10.0.0.2:8080': 2 } }],
  services: [{ id: '1', name: 'shop', desc: 'the shop', hosts: ['shop.example.com'], upstream_id: '1', plugins: { 'limit-count': { count: 10, time_window: 60 } } }],
  routes: [
    { id: '1', name: 'list', uri: '/items', methods: ['GET', 'HEAD'], service_id: '1' },
    { id: '2', name: 'buy', uris: ['/buy', '/buy/*'], methods: ['POST'], service_id: '1', plugins: { 'limit-count': { count: 1, time_window: 1 } }, priority: 3 },
  ],
};

/** The same gateway as tagway compiles it: named ids, labels, array-form nodes, other orders. */
const COMPILED: Objects = {
  upstreams: [{ id: 'shop', name: 'shop', desc: 'the shop', labels: TW, nodes: [{ host: '10.0.0.2', port: 8080, weight: 2 }, { host: '10.0.0.1', port: 8080, weight: 1, priority: 0 }] }],
  services: [{ id: 'shop', name: 'shop', desc: 'the shop', hosts: ['shop.example.com'], upstream_id: 'shop', labels: { ...TW, 'tagway.version': '1.0.0' }, plugins: { 'limit-count': { count: 10, time_window: 60 } } }],
  routes: [
    { id: 'shop.list', name: 'shop.list', uris: ['/items'], methods: ['HEAD', 'GET'], service_id: 'shop', labels: TW },
    { id: 'shop.buy', name: 'shop.buy', uris: ['/buy/*', '/buy'], methods: ['POST'], service_id: 'shop', labels: TW, plugins: { 'limit-count': { count: 1, time_window: 1 } }, priority: 3 },
  ],
};

function withRoute(objects: Objects, id: string, change: (r: Record<string, unknown>) => Record<string, unknown>): Objects {
  return { ...objects, routes: objects.routes!.map((r) => (r.id === id ? change({ ...r }) : r)) };
}

interface Case {
  readonly name: string;
  readonly source: Objects;
  readonly compiled: Objects;
  readonly options?: EquivalenceOptions;
  /** `kind source→compiled field: message` of each difference. */
  readonly expected: readonly string[];
}

function summary(source: Objects, compiled: Objects, options?: EquivalenceOptions): string[] {
  return compareGateways(config(source), config(compiled), options).map((d) => `${d.kind} ${d.sourceId ?? '-'}→${d.compiledId ?? '-'} ${d.field}: ${d.message}`);
}

const CASES: readonly Case[] = [
  { name: 'the same gateway with tagway ids, labels, node and method order is equal', source: SOURCE, compiled: COMPILED, expected: [] },
  {
    name: 'an upstream inline in the route equals one referred to through the service',
    source: SOURCE,
    compiled: {
      ...COMPILED,
      routes: COMPILED.routes!.map((r) => ({ ...r, upstream: { nodes: [{ host: '10.0.0.1', port: 8080, weight: 1 }, { host: '10.0.0.2', port: 8080, weight: 2 }] } })),
    },
    expected: [],
  },
  {
    name: "service plugins moved onto each route are the same plugins as they run",
    source: SOURCE,
    compiled: {
      ...COMPILED,
      services: COMPILED.services!.map(({ plugins: _p, ...s }) => s),
      routes: [
        { ...COMPILED.routes![0]!, plugins: { 'limit-count': { count: 10, time_window: 60 } } },
        COMPILED.routes![1]!,
      ],
    },
    expected: [],
  },
  {
    name: 'plugins of a plugin config are overlaid by the route and overlay the service',
    source: {
      ...SOURCE,
      plugin_configs: [{ id: '7', plugins: { cors: {}, 'limit-count': { count: 5, time_window: 9 } } }],
      routes: [{ ...SOURCE.routes![0]!, plugin_config_id: '7', plugins: { cors: { allow_origins: 'https://a.example.com' } } }, SOURCE.routes![1]!],
    },
    compiled: withRoute(COMPILED, 'shop.list', (r) => ({ ...r, plugins: { cors: { allow_origins: 'https://a.example.com' }, 'limit-count': { count: 5, time_window: 9 } } })),
    expected: [],
  },
  {
    name: "a route's hosts stand for the service's; the service's when the route has none",
    source: withRoute(SOURCE, '1', (r) => ({ ...r, hosts: ['shop.example.com'] })),
    compiled: COMPILED,
    expected: [],
  },
  {
    name: 'a changed upstream node is found at its field',
    source: SOURCE,
    compiled: { ...COMPILED, upstreams: [{ ...COMPILED.upstreams![0]!, nodes: [{ host: '10.0.0.1', port: 8080, weight: 1 }, { host: '10.0.0.2', port: 8080, weight: 5 }] }] },
    expected: ['routes 1→shop.list /upstream/nodes/1/weight: differs', 'routes 2→shop.buy /upstream/nodes/1/weight: differs'],
  },
  {
    name: 'an upstream field (retries) is found',
    source: { ...SOURCE, upstreams: [{ ...SOURCE.upstreams![0]!, retries: 2 }] },
    compiled: COMPILED,
    expected: ['routes 1→shop.list /upstream/retries: missing from the compiled side', 'routes 2→shop.buy /upstream/retries: missing from the compiled side'],
  },
  {
    name: 'a route plugin that differs is found under the plugins as they run',
    source: SOURCE,
    compiled: withRoute(COMPILED, 'shop.buy', (r) => ({ ...r, plugins: { 'limit-count': { count: 2, time_window: 1 } } })),
    expected: ['routes 2→shop.buy /plugins/limit-count/count: differs'],
  },
  {
    name: 'a route no compiled route matches, and a compiled route matching other requests',
    source: SOURCE,
    compiled: withRoute(COMPILED, 'shop.buy', (r) => ({ ...r, methods: ['PUT'] })),
    expected: ['routes -→shop.buy : the compiled route shop.buy has no counterpart in the source for PUT /buy,/buy/* on shop.example.com priority 3', 'routes 2→- : no compiled route for POST /buy,/buy/* on shop.example.com priority 3'],
  },
  {
    name: 'vars, priority and websocket are compared',
    source: withRoute(SOURCE, '1', (r) => ({ ...r, enable_websocket: true })),
    compiled: COMPILED,
    expected: ['routes 1→shop.list /enable_websocket: differs'],
  },
  {
    name: 'other labels and desc are compared, tagway labels are not',
    source: withRoute({ ...SOURCE, services: [{ ...SOURCE.services![0]!, labels: { team: 'a' } }] }, '1', (r) => ({ ...r, desc: 'list items' })),
    compiled: COMPILED,
    expected: ['routes 1→shop.list /desc: missing from the compiled side', 'services 1→shop /labels: missing from the compiled side'],
  },
  {
    name: 'a label the compiled side adds (inherited from the template) is not a difference; one it lacks or changes is',
    source: withRoute(SOURCE, '1', (r) => ({ ...r, labels: { team: 'a', tier: 'gold' } })),
    compiled: withRoute(COMPILED, 'shop.list', (r) => ({ ...r, labels: { ...TW, team: 'b', owner: 'x' } })),
    expected: ['routes 1→shop.list /labels/team: differs', 'routes 1→shop.list /labels/tier: missing from the compiled side'],
  },
  {
    name: "traffic-split's upstreams are compared by content, not by id",
    source: {
      ...SOURCE,
      upstreams: [...SOURCE.upstreams!, { id: '2', nodes: { '10.0.1.1:80': 1 } }],
      services: [{ ...SOURCE.services![0]!, plugins: { 'traffic-split': { rules: [{ weighted_upstreams: [{ upstream_id: '2', weight: 10 }, { weight: 90 }] }] } } }],
    },
    compiled: {
      ...COMPILED,
      upstreams: [...COMPILED.upstreams!, { id: 'shop.canary', labels: TW, nodes: [{ host: '10.0.1.1', port: 80, weight: 1 }] }],
      services: [{ ...COMPILED.services![0]!, plugins: { 'traffic-split': { rules: [{ weighted_upstreams: [{ upstream_id: 'shop.canary', weight: 10 }, { weight: 90 }] }] } } }],
    },
    expected: [],
  },
  {
    name: "a traffic-split upstream whose content differs is found",
    source: {
      ...SOURCE,
      upstreams: [...SOURCE.upstreams!, { id: '2', nodes: { '10.0.1.1:80': 1 } }],
      routes: [{ ...SOURCE.routes![0]!, plugins: { 'traffic-split': { rules: [{ weighted_upstreams: [{ upstream_id: '2', weight: 10 }, { weight: 90 }] }] } } }, SOURCE.routes![1]!],
    },
    compiled: {
      ...withRoute(COMPILED, 'shop.list', (r) => ({ ...r, plugins: { 'traffic-split': { rules: [{ weighted_upstreams: [{ upstream_id: 'shop.canary', weight: 10 }, { weight: 90 }] }] } } })),
      upstreams: [...COMPILED.upstreams!, { id: 'shop.canary', nodes: [{ host: '10.0.1.9', port: 80, weight: 1 }] }],
    },
    expected: ['routes 1→shop.list /plugins/traffic-split/rules/0/weighted_upstreams/0/upstream/nodes/0/host: differs'],
  },
  {
    name: 'consumers by username: plugins and the group resolved to its plugins',
    source: {
      consumer_groups: [{ id: '1', plugins: { 'limit-count': { count: 5, time_window: 60 } } }],
      consumers: [{ id: 'ann', username: 'ann', group_id: '1', plugins: { 'key-auth': { key: 'k' } } }],
    },
    compiled: {
      consumer_groups: [{ id: 'gold', labels: TW, plugins: { 'limit-count': { count: 6, time_window: 60 } } }],
      consumers: [{ id: 'ann', username: 'ann', group_id: 'gold', labels: TW, plugins: { 'key-auth': { key: 'k' } } }],
    },
    expected: ['consumers ann→ann /group/plugins/limit-count/count: differs'],
  },
  {
    name: 'a consumer missing from the compiled side',
    source: { consumers: [{ id: 'ann', username: 'ann', plugins: { 'key-auth': { key: 'k' } } }] },
    compiled: {},
    expected: ['consumers ann→- : no compiled consumer for username ann'],
  },
  {
    name: 'an unused consumer group is compared by content',
    source: { consumer_groups: [{ id: '1', plugins: { 'limit-count': { count: 5, time_window: 60 } } }] },
    compiled: { consumer_groups: [{ id: 'gold', labels: TW, plugins: { 'limit-count': { count: 5, time_window: 60 } } }] },
    expected: [],
  },
  {
    name: 'global rules by their plugins, whatever their ids',
    source: { global_rules: [{ id: '1', plugins: { prometheus: {}, 'request-id': { include_in_response: true } } }] },
    compiled: { global_rules: [{ id: 'tagway.prod.metrics', plugins: { prometheus: {} } }, { id: 'tagway.prod.ids', plugins: { 'request-id': { include_in_response: false } } }] },
    expected: ['global_rules 1→tagway.prod.ids /plugins/request-id/include_in_response: differs'],
  },
  {
    name: 'plugin metadata and secret managers by id',
    source: { plugin_metadata: [{ id: 'http-logger', log_format: { host: '$host' } }], secrets: [{ id: 'vault/1', uri: 'http://v:8200', prefix: 'kv', token: 'env:VAULT_TOKEN' }] },
    compiled: { plugin_metadata: [{ id: 'http-logger', log_format: { host: '$hostname' } }], secrets: [{ id: 'vault/1', uri: 'http://v:8201', prefix: 'kv', token: 'env:VAULT_TOKEN' }] },
    expected: ['plugin_metadata http-logger→http-logger /log_format/host: differs', 'secrets vault/1→vault/1 /uri: differs'],
  },
  {
    name: 'SSLs by their sorted SNIs; the certificate compared, trailing whitespace aside',
    source: { ssls: [{ id: '1', snis: ['b.example.com', 'a.example.com'], cert: 'CERT-A\n', status: 1, validity_start: 1700000000, validity_end: 1800000000, create_time: 1 }] },
    compiled: { ssls: [{ id: 'tagway-a', snis: ['a.example.com', 'b.example.com'], cert: 'CERT-B', labels: TW }] },
    expected: ['ssls 1→tagway-a /cert: differs'],
  },
  {
    name: 'stream routes by address and port, upstream resolved',
    source: { upstreams: [{ id: '3', nodes: { '10.1.1.1:5432': 1 } }], stream_routes: [{ id: '1', server_port: 9100, upstream_id: '3' }] },
    compiled: { stream_routes: [{ id: 'db.pg', server_port: 9100, labels: TW, upstream: { nodes: [{ host: '10.1.1.1', port: 5432, weight: 2 }] } }] },
    expected: ['stream_routes 1→db.pg /upstream/nodes/0/weight: differs'],
  },
  {
    name: 'two routes of one routing key pair by content first',
    source: { routes: [
      { id: '1', uri: '/x', upstream: { nodes: { 'a:80': 1 } }, plugins: { echo: { body: 'one' } } },
      { id: '2', uri: '/x', upstream: { nodes: { 'a:80': 1 } }, plugins: { echo: { body: 'two' } } },
    ] },
    compiled: { routes: [
      { id: 'b', uris: ['/x'], upstream: { nodes: [{ host: 'a', port: 80, weight: 1 }] }, plugins: { echo: { body: 'two' } } },
      { id: 'a', uris: ['/x'], upstream: { nodes: [{ host: 'a', port: 80, weight: 1 }] }, plugins: { echo: { body: 'one' } } },
    ] },
    expected: [],
  },
  {
    name: "a route's own upstream runs, not its service's",
    source: withRoute(SOURCE, '1', (r) => ({ ...r, upstream: { nodes: { '10.9.9.9:80': 1 } } })),
    compiled: COMPILED,
    expected: ['routes 1→shop.list /upstream/nodes: differs'],
  },
  {
    name: 'a service nothing uses is compared by content',
    source: { services: [{ id: '9', hosts: ['a.example.com'], upstream: { nodes: { 'a:80': 1 } } }] },
    compiled: { services: [{ id: 'idle', labels: TW, name: 'idle', hosts: ['b.example.com'], upstream_id: 'idle' }], upstreams: [{ id: 'idle', nodes: [{ host: 'a', port: 80, weight: 1 }] }] },
    expected: ['services -→idle : the compiled unused service idle has no counterpart in the source with this content', 'services 9→- : no compiled unused service with this content'],
  },
  {
    name: 'skipped objects and fields are left out',
    source: withRoute(SOURCE, '2', (r) => ({ ...r, script: 'return 1' })),
    compiled: COMPILED,
    options: { skip: [{ kind: 'routes', id: '2', field: '/script' }] },
    expected: [],
  },
  {
    name: "what is left out of a service, its upstream or a consumer group is left out of their users",
    source: {
      ...SOURCE,
      services: [{ ...SOURCE.services![0]!, enable_websocket: true, plugins: { ...(SOURCE.services![0]!.plugins as object), 'ext-plugin-pre-req': { conf: [] } } }],
      upstreams: [{ ...SOURCE.upstreams![0]!, retries: 9 }],
      consumer_groups: [{ id: '1', plugins: { 'ext-plugin-pre-req': {} } }],
      consumers: [{ id: 'ann', username: 'ann', group_id: '1' }],
    },
    compiled: { ...COMPILED, consumer_groups: [{ id: 'g', plugins: {} }], consumers: [{ id: 'ann', username: 'ann', group_id: 'g' }] },
    options: {
      skip: [
        { kind: 'services', id: '1', field: '/plugins/ext-plugin-pre-req' },
        { kind: 'services', id: '1', field: '/enable_websocket' },
        { kind: 'upstreams', id: '1' },
        { kind: 'consumer_groups', id: '1', field: '/plugins/ext-plugin-pre-req' },
      ],
    },
    expected: [],
  },
  {
    name: 'a whole skipped object is left out',
    source: { consumers: [{ id: 'ann', username: 'ann' }] },
    compiled: {},
    options: { skip: [{ kind: 'consumers', id: 'ann' }] },
    expected: [],
  },
];

describe('compareGateways', () => {
  it.each(CASES)('$name', (c) => {
    expect(summary(c.source, c.compiled, c.options)).toEqual(c.expected);
  });
});

describe('what the report counts', () => {
  it('the objects compared, by kind, and what was left out, by why', () => {
    const source = { ...SOURCE, consumers: [{ id: 'ann', username: 'ann' }, { id: 'bob', username: 'bob', labels: { 'managed-by': 'tagway' } }] };
    const report = checkEquivalence(config(withRoute(source, '2', (r) => ({ ...r, script: 'return 1' }))), config(COMPILED), {
      skip: [
        { kind: 'routes', id: '2', field: '/script' },
        { kind: 'consumers', id: 'ann' },
        { kind: 'consumers', id: 'bob', category: 'tagway manages already' },
        { kind: 'consumers', id: 'not-in-the-source' },
      ],
    });
    expect(report.differences).toEqual([]);
    expect(report.comparedByKind).toEqual({ routes: SOURCE.routes!.length, services: 1 });
    expect(report.compared).toBe(SOURCE.routes!.length + 1);
    expect(report.skippedBy).toEqual({ 'not imported': 1, 'tagway manages already': 1 });
    expect(report.skipped).toBe(2);
    expect(report.skippedFields).toBe(1);
  });
});

describe('secrets', () => {
  const KEY = 'canary-key-7c1d2e3f4a5b6c7d8e9f';
  const PASSWORD = 'canary-password-0a9b8c7d6e5f';
  const OTHER = 'canary-other-value-5e6f7a8b9c0d';
  const PEM = (tag: string) => `-----BEGIN PRIVATE KEY-----\n${tag}\n-----END PRIVATE KEY-----\n`;
  const source = config({
    consumers: [{ id: 'ann', username: 'ann', plugins: { 'key-auth': { key: KEY }, 'basic-auth': { username: 'ann', password: PASSWORD } } }],
    ssls: [{ id: '1', snis: ['a.example.com'], cert: 'CERT', key: PEM('canary-pem-source') }],
  });
  const compiled = config({
    consumers: [{ id: 'ann', username: 'ann', labels: TW, plugins: { 'key-auth': { key: 'env:ANN_KEY' }, 'basic-auth': { username: 'ann', password: '$env://ANN_PASSWORD' } } }],
    ssls: [{ id: 'a', snis: ['a.example.com'], cert: 'CERT', key: 'env:TLS_KEY', labels: TW }],
  });
  const canaries = [KEY, PASSWORD, OTHER, 'canary-pem-source', 'canary-pem-other'];
  const leaks = (value: unknown) => canaries.filter((c) => JSON.stringify(value).includes(c));

  it('a reference with no value here is counted as not compared, never a difference', () => {
    const report = checkEquivalence(source, compiled, { resolveSecret: () => undefined });
    expect(report.differences).toEqual([]);
    expect(report.notCompared.map((n) => `${n.kind} ${n.field} ${n.reason}`)).toEqual([
      'consumers /plugins/basic-auth/password secret reference',
      'consumers /plugins/key-auth/key secret reference',
      'ssls /key secret reference',
    ]);
    expect(leaks(report)).toEqual([]);
  });

  it("a reference's value equal to the source's is equal", () => {
    const values: Record<string, string> = { 'env:ANN_KEY': KEY, '$env://ANN_PASSWORD': PASSWORD, 'env:TLS_KEY': PEM('canary-pem-source') };
    const report = checkEquivalence(source, compiled, { resolveSecret: (ref) => values[ref] });
    expect(report.differences).toEqual([]);
    expect(report.notCompared).toEqual([]);
  });

  it("a reference's value that differs is a difference that shows no value", () => {
    const report = checkEquivalence(source, compiled, { resolveSecret: (ref) => (ref === 'env:TLS_KEY' ? PEM('canary-pem-other') : OTHER) });
    expect(report.differences.map((d) => `${d.kind} ${d.field}`)).toEqual(['consumers /plugins/basic-auth/password', 'consumers /plugins/key-auth/key', 'ssls /key']);
    expect(leaks(report)).toEqual([]);
    expect(report.differences[1]).toMatchObject({ source: '"<masked>"', compiled: '"env:ANN_KEY"' });
  });

  it('a literal secret on both sides that differs is masked on both', () => {
    const leaked = config({ consumers: [{ id: 'ann', username: 'ann', plugins: { 'key-auth': { key: OTHER }, 'basic-auth': { username: 'ann', password: PASSWORD } } }] });
    const differences = compareGateways(config({ consumers: source.consumers }), leaked);
    expect(differences.map((d) => [d.field, d.source, d.compiled])).toEqual([['/plugins/key-auth/key', '"<masked>"', '"<masked, changed>"']]);
    expect(leaks(differences)).toEqual([]);
  });

  it('a private key the source holds encrypted or not at all is not compared', () => {
    for (const key of ['bm90IGEgUEVNIGJ1dCBjaXBoZXJ0ZXh0', undefined]) {
      const encrypted = config({ ssls: [{ id: '1', snis: ['a.example.com'], cert: 'CERT', ...(key ? { key } : {}) }] });
      const report = checkEquivalence(encrypted, config({ ssls: compiled.ssls }), { resolveSecret: () => PEM('canary-pem-other') });
      expect(report.differences).toEqual([]);
      expect(report.notCompared.map((n) => `${n.field} ${n.reason}`)).toEqual(['/key private key']);
      expect(leaks(report)).toEqual([]);
    }
  });

  it('a route matched by a condition on a secret header names it masked', () => {
    const route = { id: '1', uri: '/a', vars: [['http_x_api_key', '==', KEY]], upstream: { nodes: { 'a:80': 1 } } };
    const differences = compareGateways(config({ routes: [route] }), config({}));
    expect(differences).toHaveLength(1);
    expect(differences[0]!.message).toContain('<masked>');
    expect(leaks(differences)).toEqual([]);
  });
});

describe('determinism', () => {
  it('gives the same report whatever the order of the objects', () => {
    const shuffled = (objects: Objects): Objects =>
      Object.fromEntries(Object.entries(objects).map(([k, list]) => [k, [...list].reverse().map((o) => Object.fromEntries(Object.entries(o).reverse()))]));
    const source = { ...SOURCE, routes: [...SOURCE.routes!, { id: '3', uri: '/x', service_id: '1' }, { id: '4', uri: '/x', service_id: '1', plugins: { echo: { body: 'b' } } }] };
    const compiled = withRoute(COMPILED, 'shop.buy', (r) => ({ ...r, priority: 4 }));
    const a = checkEquivalence(config(source), config(compiled));
    const b = checkEquivalence(config(shuffled(source)), config(shuffled(compiled)));
    expect(a.differences.length).toBeGreaterThan(0);
    expect(canonicalJson(b)).toBe(canonicalJson(a));
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
});
