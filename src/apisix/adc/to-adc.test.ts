import { describe, expect, it } from 'vitest';
import type { ApisixConfig, ApisixKind, ApisixObject } from '../../model/apisix.js';
import { configOf } from '../kinds/index.js';
import { adcSchemaErrors } from '../../../test/support/adc-schema.js';
import { readAdc } from './from-adc.js';
import { renderAdcYaml, toAdc } from './to-adc.js';

const PEM = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(160)}\n-----END CERTIFICATE-----`;
const LABELS = { 'managed-by': 'tagway', 'tagway.group': 'g', 'tagway.service': 'shop' };

/** A configuration of the given objects, each kind sorted by id as a snapshot holds it. */
function config(objects: { readonly [K in ApisixKind]?: readonly Readonly<Record<string, unknown>>[] }): ApisixConfig {
  return configOf((kind) =>
    [...((objects[kind.name] ?? []) as ApisixObject[])].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  );
}

const upstream = (id: string, name: string, extra: Record<string, unknown> = {}) => ({
  id, name, labels: LABELS, type: 'roundrobin', nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }], ...extra,
});

/** A tagway service as compile emits one: its upstream, a canary upstream, routes, a plugin config. */
const SHOP = config({
  upstreams: [upstream('shop', 'shop'), upstream('shop.canary', 'shop-canary')],
  services: [{
    id: 'shop', name: 'shop', desc: 'The shop', labels: { ...LABELS, 'tagway.version': '1.0.0' }, hosts: ['shop.example.com'], upstream_id: 'shop',
    plugins: { 'traffic-split': { rules: [{ weighted_upstreams: [{ upstream_id: 'shop.canary', weight: 10 }, { weight: 90 }] }] } },
  }],
  plugin_configs: [{ id: 'shop.limits', labels: LABELS, plugins: { 'limit-count': { count: 5, time_window: 60 }, cors: { allow_origins: '*' } } }],
  routes: [
    { id: 'shop.cart', name: 'shop.cart', labels: LABELS, uris: ['/cart'], methods: ['GET'], service_id: 'shop', plugin_config_id: 'shop.limits', plugins: { cors: { allow_origins: 'https://shop.example.com' } } },
    { id: 'shop.home', name: 'shop.home', desc: 'Home', labels: LABELS, uris: ['/'], service_id: 'shop', vars: [['arg_x', '==', '${y}']] },
  ],
  consumer_groups: [{ id: 'gold', name: 'gold', labels: LABELS, plugins: {} }],
  consumers: [
    { id: 'alice', username: 'alice', labels: LABELS, plugins: { 'key-auth': { key: 'env:ALICE_KEY' } }, group_id: 'gold' },
    { id: 'bob', username: 'bob', labels: LABELS, plugins: { 'basic-auth': { username: 'bob', password: '$secret://vault/main/bob' } } },
  ],
  ssls: [{ id: 'shop', labels: LABELS, snis: ['shop.example.com'], cert: PEM, key: 'env:SHOP_KEY' }],
  global_rules: [{ id: 'tagway.g.metrics', plugins: { prometheus: { prefer_name: true } } }],
  plugin_metadata: [{ id: 'http-logger', labels: LABELS, log_format: { host: '$host' } }],
});

describe('toAdc', () => {
  it('writes a service with its upstreams and routes nested, the rest in their sections', () => {
    const { document, lost } = toAdc(SHOP);
    expect(lost).toEqual([]);
    expect(Object.keys(document)).toEqual(['services', 'ssls', 'consumers', 'consumer_groups', 'global_rules', 'plugin_metadata']);
    const [service] = document.services!;
    expect(Object.keys(service!)).toEqual(['id', 'name', 'description', 'labels', 'hosts', 'plugins', 'upstream', 'upstreams', 'routes']);
    expect(service!['upstream']).toEqual({ name: 'shop', labels: LABELS, nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }], type: 'roundrobin' });
    expect((service!['upstreams'] as { id: string }[]).map((u) => u.id)).toEqual(['shop.canary']);
    expect(service!['routes']).toEqual([
      // The plugin config's plugins, the route's own winning (as APISIX merges them).
      { id: 'shop.cart', name: 'shop.cart', labels: LABELS, methods: ['GET'], plugins: { cors: { allow_origins: 'https://shop.example.com' }, 'limit-count': { count: 5, time_window: 60 } }, uris: ['/cart'] },
      // Text ADC would fill in from its environment is escaped.
      { id: 'shop.home', name: 'shop.home', description: 'Home', labels: LABELS, uris: ['/'], vars: [['arg_x', '==', '\\${y}']] },
    ]);
    expect(document.ssls).toEqual([{ id: 'shop', labels: LABELS, certificates: [{ certificate: PEM, key: '${SHOP_KEY}' }], snis: ['shop.example.com'] }]);
    expect(document.consumers).toEqual([{ username: 'bob', labels: LABELS, plugins: { 'basic-auth': { username: 'bob', password: '$secret://vault/main/bob' } } }]);
    expect(document.consumer_groups).toEqual([
      { id: 'gold', name: 'gold', labels: LABELS, plugins: {}, consumers: [{ username: 'alice', labels: LABELS, plugins: { 'key-auth': { key: '${ALICE_KEY}' } } }] },
    ]);
    expect(document.global_rules).toEqual({ prometheus: { prefer_name: true } });
    expect(document.plugin_metadata).toEqual({ 'http-logger': { labels: LABELS, log_format: { host: '$host' } } });
  });

  it("writes what ADC's own schema takes (after it fills in ${NAME})", () => {
    expect(adcSchemaErrors(toAdc(SHOP).document, { SHOP_KEY: 'k'.repeat(64), ALICE_KEY: 'a' })).toEqual([]);
  });

  it('reads back as the same objects, but for what ADC names its own way', () => {
    const back = readAdc(renderAdcYaml(toAdc(SHOP).document), 'adc.yaml').config;
    const { plugin_configs: _pc, routes, consumer_groups, consumers, global_rules, ...same } = SHOP;
    expect(back).toMatchObject(same);
    // A route takes its plugin config's plugins in (ADC has no plugin configs).
    const [cart, home] = routes;
    const { plugin_config_id: _p, ...cartOwn } = cart!;
    expect(back.routes).toEqual([{ ...cartOwn, plugins: { cors: { allow_origins: 'https://shop.example.com' }, 'limit-count': { count: 5, time_window: 60 } } }, home]);
    // ADC names a consumer group by the SHA-1 of its name, and a global rule by its plugin.
    expect(back.consumer_groups.map((g) => g.name)).toEqual(consumer_groups.map((g) => g.name));
    expect(back.consumers.map((c) => [c.id, c.plugins])).toEqual(consumers.map((c) => [c.id, c.plugins]));
    expect(back.global_rules).toEqual([{ id: 'prometheus', plugins: global_rules[0]!.plugins }]);
  });

  it('writes the same bytes for the same configuration', () => {
    expect(renderAdcYaml(toAdc(SHOP).document)).toBe(renderAdcYaml(toAdc(structuredClone(SHOP)).document));
  });

  it('puts stream routes that go to an upstream in a service of their own', () => {
    const { document, lost } = toAdc(config({
      upstreams: [upstream('mqtt', 'mqtt')],
      stream_routes: [{ id: 'mqtt.broker', name: 'mqtt.broker', labels: LABELS, server_port: 9100, upstream_id: 'mqtt' }],
    }));
    expect(lost).toEqual([]);
    expect(document.services).toEqual([{
      id: 'mqtt.stream', name: 'mqtt.stream', labels: LABELS,
      upstream: { name: 'mqtt', labels: LABELS, nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }], type: 'roundrobin' },
      stream_routes: [{ id: 'mqtt.broker', name: 'mqtt.broker', labels: LABELS, server_port: 9100 }],
    }]);
    expect(adcSchemaErrors(document)).toEqual([]);
  });

  const lostCases: { name: string; config: ApisixConfig; lost: unknown[]; check?: (document: ReturnType<typeof toAdc>['document']) => void }[] = [
    {
      name: 'a secret manager',
      config: config({ secrets: [{ id: 'vault/main', uri: 'https://vault', token: '$env://T' }] }),
      lost: [{ kind: 'secrets', id: 'vault/main', reason: expect.stringContaining('no secret managers') }],
    },
    {
      name: 'an SSL whose key tagway reads from a file (the SSL is left out)',
      config: config({ ssls: [{ id: 's', snis: ['a.example.com'], cert: PEM, key: 'file:tls/a.key' }] }),
      lost: [{ kind: 'ssls', id: 's', field: '/key', reason: expect.stringContaining('env:NAME') }],
      check: (document) => expect(document.ssls).toBeUndefined(),
    },
    {
      name: 'a client certificate (no SNIs)',
      config: config({ ssls: [{ id: 'client', type: 'client', cert: PEM, key: 'env:CLIENT_KEY' }] }),
      lost: [{ kind: 'ssls', id: 'client', reason: expect.stringContaining('snis') }],
      check: (document) => expect(document.ssls).toBeUndefined(),
    },
    {
      name: "an SSL's description",
      config: config({ ssls: [{ id: 's', desc: 'Shop', snis: ['a.example.com'], cert: PEM, key: '$secret://vault/main/k' }] }),
      lost: [{ kind: 'ssls', id: 's', field: '/desc', reason: expect.stringContaining('no field `desc`') }],
      check: (document) => expect(document.ssls).toEqual([{ id: 's', certificates: [{ certificate: PEM, key: '$secret://vault/main/k' }], snis: ['a.example.com'] }]),
    },
    {
      name: 'a field ADC has no place for',
      config: config({ upstreams: [upstream('u', 'u')], services: [{ id: 'u', name: 'u', upstream_id: 'u', enable_websocket: true }] }),
      lost: [{ kind: 'services', id: 'u', field: '/enable_websocket', reason: expect.stringContaining('enable_websocket') }],
      check: (document) => expect(document.services![0]).not.toHaveProperty('enable_websocket'),
    },
    {
      name: 'a route of no service',
      config: config({ routes: [{ id: 'r', uris: ['/'], upstream_id: 'u' }] }),
      lost: [{ kind: 'routes', id: 'r', reason: expect.stringContaining('inside services') }],
    },
    {
      name: 'an upstream no service uses',
      config: config({ upstreams: [upstream('spare', 'spare')] }),
      lost: [{ kind: 'upstreams', id: 'spare', reason: expect.stringContaining('no service uses it') }],
    },
    {
      name: 'a second global rule of one plugin',
      config: config({ global_rules: [{ id: 'a', plugins: { prometheus: {} } }, { id: 'b', plugins: { prometheus: { prefer_name: true } } }] }),
      lost: [{ kind: 'global_rules', id: 'b', field: '/plugins/prometheus', reason: expect.stringContaining('one global rule per plugin') }],
      check: (document) => expect(document.global_rules).toEqual({ prometheus: {} }),
    },
    {
      name: 'stream routes of a service that has HTTP routes',
      config: config({
        upstreams: [upstream('s', 's')],
        services: [{ id: 's', name: 's', upstream_id: 's' }],
        routes: [{ id: 's.r', name: 's.r', uris: ['/'], service_id: 's' }],
        stream_routes: [{ id: 's.t', server_port: 9000, service_id: 's' }],
      }),
      lost: [{ kind: 'stream_routes', id: 's.t', reason: expect.stringContaining('HTTP routes too') }],
    },
    {
      name: 'a plugin config no route uses',
      config: config({ plugin_configs: [{ id: 'p', plugins: { cors: {} } }] }),
      lost: [{ kind: 'plugin_configs', id: 'p', reason: expect.stringContaining('no route uses') }],
    },
  ];
  it.each(lostCases)('reports $name as left out', ({ config: input, lost, check }) => {
    const out = toAdc(input);
    expect(out.lost).toEqual(lost);
    check?.(out.document);
    expect(adcSchemaErrors(out.document)).toEqual([]);
  });

  it('never writes the value of a reference', () => {
    const canary = 'canary-Zq81vX';
    const input = config({ consumers: [{ id: 'c', username: 'c', plugins: { 'key-auth': { key: 'env:CANARY_KEY' } } }] });
    const previous = process.env['CANARY_KEY'];
    process.env['CANARY_KEY'] = canary;
    try {
      const text = renderAdcYaml(toAdc(input).document);
      expect(text).toContain('${CANARY_KEY}');
      expect(text).not.toContain(canary);
    } finally {
      if (previous === undefined) delete process.env['CANARY_KEY'];
      else process.env['CANARY_KEY'] = previous;
    }
  });
});
