import { describe, expect, it } from 'vitest';
import { emptyConfig } from '../apisix/kinds/index.js';
import type { ApisixConfig, ApisixKind } from '../model/apisix.js';
import { keptFor, leaveOut } from './left-out.js';
import { importRepository } from './to-repository.js';

type Seed = { readonly [K in ApisixKind]?: readonly Record<string, unknown>[] };

function gateway(seed: Seed): ApisixConfig {
  const config: Record<string, unknown[]> = { ...emptyConfig() } as unknown as Record<string, unknown[]>;
  for (const [kind, list] of Object.entries(seed)) config[kind] = [...list!];
  return config as unknown as ApisixConfig;
}

const UPSTREAM = { id: '1', nodes: { '10.0.0.1:8080': 1 } };
const SERVICE = { id: '100', name: 'shop', upstream_id: '1' };
const ROUTE_OF = (service: string) => ({ id: 'r1', uri: '/items', service_id: service });
const ROUTE = ROUTE_OF('100');

/**
 * Each case: a gateway, the objects left on it whole (`kind id`, with a word of the reason), and
 * those kept there because what stays uses them. Neither kind is taken over (adopt.yaml), and
 * an object left whole is not written.
 */
const cases: { name: string; seed: Seed; left: string[]; reason?: RegExp; kept?: string[] }[] = [
  { name: 'a route with a filter_func', seed: { upstreams: [UPSTREAM], services: [SERVICE], routes: [ROUTE, { id: 'r2', uri: '/x', service_id: '100', filter_func: 'function(vars) return true end' }] }, left: ['routes r2'], reason: /filter_func/, kept: ['services 100', 'upstreams 1'] },
  { name: 'a route with remote_addrs', seed: { upstreams: [UPSTREAM], routes: [{ id: 'r2', uri: '/x', upstream_id: '1', remote_addrs: ['10.0.0.0/8'] }] }, left: ['routes r2'], reason: /remote_addrs/, kept: ['upstreams 1'] },
  { name: 'a route with a remote_addr', seed: { upstreams: [UPSTREAM], routes: [{ id: 'r2', uri: '/x', upstream_id: '1', remote_addr: '10.0.0.1' }] }, left: ['routes r2'], reason: /remote_addr/, kept: ['upstreams 1'] },
  { name: 'a route with a script', seed: { upstreams: [UPSTREAM], routes: [{ id: 'r2', uri: '/x', upstream_id: '1', script: 'return 1' }] }, left: ['routes r2'], reason: /script/, kept: ['upstreams 1'] },
  { name: 'a route whose vars are an expression, not a list of conditions', seed: { upstreams: [UPSTREAM], routes: [{ id: 'r2', uri: '/x', upstream_id: '1', vars: ['OR', ['arg_a', '==', '1'], ['arg_b', '==', '2']] }] }, left: ['routes r2'], reason: /vars/, kept: ['upstreams 1'] },
  { name: 'a route without uri matches every path', seed: { upstreams: [UPSTREAM], routes: [{ id: 'r2', hosts: ['a.example.com'], upstream_id: '1' }] }, left: ['routes r2'], reason: /every path/, kept: ['upstreams 1'] },
  { name: 'a route naming a plugin config the gateway lacks', seed: { upstreams: [UPSTREAM], routes: [{ id: 'r2', uri: '/x', upstream_id: '1', plugin_config_id: '9' }] }, left: ['routes r2'], reason: /plugin_config_id 9/, kept: ['upstreams 1'] },
  { name: 'a disabled route', seed: { upstreams: [UPSTREAM], routes: [{ id: 'r2', uri: '/x', upstream_id: '1', status: 0 }] }, left: ['routes r2'], reason: /disabled/, kept: ['upstreams 1'] },
  { name: 'a route with an inline upstream with a field tagway cannot write', seed: { routes: [{ id: 'r2', uri: '/x', upstream: { nodes: { 'a:1': 1 }, hash_function: 'x' } }] }, left: ['routes r2'], reason: /hash_function/ },
  { name: 'an upstream with a node without a port leaves its service and routes', seed: { upstreams: [{ id: '1', nodes: [{ host: 'a', weight: 1 }] }], services: [SERVICE], routes: [ROUTE] }, left: ['routes r1', 'services 100', 'upstreams 1'], reason: /port/ },
  { name: 'an upstream with node metadata', seed: { upstreams: [{ id: '1', nodes: [{ host: 'a', port: 1, weight: 1, metadata: { zone: 'a' } }] }], routes: [{ id: 'r1', uri: '/x', upstream_id: '1' }] }, left: ['routes r1', 'upstreams 1'], reason: /metadata/ },
  { name: 'an upstream\'s labels alone leave nothing out', seed: { upstreams: [{ ...UPSTREAM, labels: { team: 'a' } }], routes: [{ id: 'r1', uri: '/x', upstream_id: '1' }] }, left: [] },
  { name: 'a service with a field tagway cannot write leaves its routes', seed: { upstreams: [UPSTREAM], services: [{ ...SERVICE, script: 'x' }], routes: [ROUTE] }, left: ['routes r1', 'services 100'], reason: /script/, kept: ['upstreams 1'] },
  { name: 'a plugin config with a field tagway cannot write leaves the routes that use it', seed: { upstreams: [UPSTREAM], plugin_configs: [{ id: '7', plugins: {}, extra: 1 }], routes: [{ id: 'r1', uri: '/x', upstream_id: '1', plugin_config_id: '7' }] }, left: ['plugin_configs 7', 'routes r1'], reason: /extra/, kept: ['upstreams 1'] },
  { name: 'a stream route with a field tagway cannot write', seed: { upstreams: [UPSTREAM], routes: [{ id: 'r1', uri: '/x', upstream_id: '1' }], stream_routes: [{ id: 's1', upstream_id: '1', protocol: { name: 'redis' } }] }, left: ['stream_routes s1'], reason: /protocol/, kept: ['upstreams 1'] },
  { name: 'a consumer group with a field tagway cannot write leaves its consumers', seed: { consumer_groups: [{ id: 'gold', plugins: {}, extra: 1 }], consumers: [{ id: 'ann', username: 'ann', group_id: 'gold' }] }, left: ['consumer_groups gold', 'consumers ann'], reason: /extra/ },
  { name: 'a consumer whose group the gateway lacks', seed: { consumers: [{ id: 'ann', username: 'ann', group_id: 'gold' }] }, left: ['consumers ann'], reason: /group_id gold/ },
  { name: 'a consumer that stays keeps its group', seed: { consumer_groups: [{ id: 'gold', plugins: {} }], consumers: [{ id: 'ann', username: 'ann', group_id: 'gold', extra: 1 }, { id: 'bob', username: 'bob', group_id: 'gold' }] }, left: ['consumers ann'], reason: /extra/, kept: ['consumer_groups gold'] },
  { name: 'a consumer whose username is no file name', seed: { consumers: [{ id: 'Ann Lee', username: 'Ann Lee' }] }, left: ['consumers Ann Lee'], reason: /username/ },
  { name: 'an SSL with a field tagway cannot write', seed: { ssls: [{ id: '1', snis: ['a.example.com'], cert: 'c', key: 'k', extra: 1 }] }, left: ['ssls 1'], reason: /extra/ },
  { name: 'a global rule with a field tagway cannot write', seed: { global_rules: [{ id: '1', plugins: {}, extra: 1 }] }, left: ['global_rules 1'], reason: /extra/ },
  { name: 'a secret manager with a field tagway cannot write', seed: { secrets: [{ id: 'vault/one', uri: 'http://v', prefix: 'p', token: 't', extra: 1 }] }, left: ['secrets vault/one'], reason: /extra/ },
  { name: 'a plugin metadata whose id is no plugin name', seed: { plugin_metadata: [{ id: 'Not A Plugin', x: 1 }] }, left: ['plugin_metadata Not A Plugin'], reason: /plugin name/ },
  { name: 'an upstream whose client certificate stays leaves with it', seed: { ssls: [{ id: '1', type: 'client', cert: 'c', key: 'k', extra: 1 }], upstreams: [{ ...UPSTREAM, tls: { client_cert_id: '1' } }], routes: [{ id: 'r1', uri: '/x', upstream_id: '1' }] }, left: ['routes r1', 'ssls 1', 'upstreams 1'], reason: /uses SSL certificate 1/ },
  { name: 'an upstream naming a client certificate the gateway lacks', seed: { upstreams: [{ ...UPSTREAM, tls: { client_cert_id: 'gone' } }], routes: [{ id: 'r1', uri: '/x', upstream_id: '1' }] }, left: ['routes r1', 'upstreams 1'], reason: /client_cert_id gone names no SSL/ },
  { name: 'an inline upstream naming a client certificate the gateway lacks', seed: { routes: [{ id: 'r1', uri: '/x', upstream: { nodes: { 'a:1': 1 }, tls: { client_cert_id: 'gone' } } }] }, left: ['routes r1'], reason: /inline upstream's tls.client_cert_id gone/ },
  { name: 'an upstream that stays keeps its client certificate', seed: { ssls: [{ id: 'mtls', type: 'client', cert: 'c', key: 'k' }], upstreams: [{ id: '1', nodes: [{ host: 'a', port: 1, weight: 1, metadata: { zone: 'a' } }], tls: { client_cert_id: 'mtls' } }], routes: [{ id: 'r1', uri: '/x', upstream_id: '1' }] }, left: ['routes r1', 'upstreams 1'], reason: /metadata/, kept: ['ssls mtls'] },
  { name: 'a route with an inline upstream that stays keeps its client certificate', seed: { ssls: [{ id: 'mtls', type: 'client', cert: 'c', key: 'k' }], routes: [{ id: 'r1', uri: '/x', script: 'x', upstream: { nodes: { 'a:1': 1 }, tls: { client_cert_id: 'mtls' } } }] }, left: ['routes r1'], reason: /script/, kept: ['ssls mtls'] },
  // traffic-split's upstreams are written by the gateway's id, so the route goes on working without taking them.
  { name: 'a route whose traffic-split sends to an upstream that stays is still written', seed: { upstreams: [UPSTREAM, { id: '2', nodes: [{ host: 'b', weight: 1 }] }], routes: [{ id: 'r1', uri: '/x', upstream_id: '1', plugins: { 'traffic-split': { rules: [{ weighted_upstreams: [{ upstream_id: '2', weight: 1 }, { weight: 9 }] }] } } }] }, left: ['upstreams 2'], reason: /port/ },
  { name: 'a route that stays keeps the upstreams its traffic-split sends to', seed: { upstreams: [UPSTREAM, { id: '2', nodes: { 'b:1': 1 } }], routes: [{ id: 'r1', uri: '/x', upstream_id: '1', script: 'x', plugins: { 'traffic-split': { rules: [{ weighted_upstreams: [{ upstream_id: '2', weight: 1 }, { weight: 9 }] }] } } }] }, left: ['routes r1'], reason: /script/, kept: ['upstreams 1', 'upstreams 2'] },
  { name: 'server fields leave nothing out', seed: { upstreams: [{ ...UPSTREAM, create_time: 1, update_time: 2 }], routes: [{ id: 'r1', uri: '/x', upstream_id: '1', create_time: 1 }] }, left: [] },
];

describe('what an import leaves on the gateway', () => {
  const names = (list: readonly { kind: string; id: string }[]) => list.map((e) => `${e.kind} ${e.id}`).sort();
  it.each(cases)('$name', (c) => {
    const config = gateway(c.seed);
    const { left } = leaveOut(config);
    expect(names(left)).toEqual([...c.left].sort());
    if (c.reason !== undefined) expect(left.map((e) => e.reason).join('\n')).toMatch(c.reason);
    for (const e of left) expect(e.field).toBeUndefined();
    expect(names(keptFor(config, left))).toEqual([...(c.kept ?? [])].sort());

    const out = importRepository({ format: 'apisix', origin: 'http://gw:9180', config, unexpressed: [] }, { group: 'prod' });
    // Neither what stays nor what it keeps is taken over; what stays whole is reported whole.
    for (const name of [...c.left, ...(c.kept ?? [])]) {
      const [kind, ...id] = name.split(' ');
      expect(Object.keys(out.adoption[kind as ApisixKind] ?? {})).not.toContain(id.join(' '));
    }
    expect(names(out.unexpressed.filter((u) => u.field === undefined && c.left.includes(`${u.kind} ${u.id}`)))).toEqual([...c.left].sort());
    // What stays is kept for it: a copy written, or, when nothing imported uses it, left whole.
    const whole = new Set(names(out.unexpressed.filter((u) => u.field === undefined)));
    expect(names(out.kept)).toEqual((c.kept ?? []).filter((k) => !whole.has(k)).sort());
    // What stays is not written: no file holds its tell-tale field.
    const text = [...out.files.values()].join('\n');
    for (const field of ['filter_func', 'remote_addr', 'script', 'hash_function', 'metadata', 'extra', 'protocol', 'OR']) if (c.reason?.source.includes(field)) expect(text).not.toContain(field);
  });

  it("gives tagway's copies ids other than those of the objects that stay", () => {
    // The gateway's service and upstream are called what tagway would call its copies: `shop`.
    const config = gateway({
      upstreams: [{ id: 'shop', name: 'shop', nodes: { '10.0.0.1:8080': 1 } }],
      services: [{ id: 'shop', name: 'shop', upstream_id: 'shop' }],
      routes: [ROUTE_OF('shop'), { id: 'shop.weird', uri: '/x', service_id: 'shop', filter_func: 'function() return true end' }],
    });
    const out = importRepository({ format: 'apisix', origin: 'http://gw:9180', config, unexpressed: [] }, { group: 'prod' });
    expect(out.kept.map((k) => `${k.kind} ${k.id}`)).toEqual(['services shop', 'upstreams shop']);
    expect(out.services).toHaveLength(1);
    expect(out.services[0]).not.toBe('shop');
    expect(out.adoption).toEqual({ routes: { r1: `${out.services[0]!}.items` } });
  });

  it('gives the same entries whatever the order of the objects', () => {
    const seed = cases[0]!.seed;
    const reversed = Object.fromEntries(Object.entries(seed).map(([k, v]) => [k, [...v!].reverse()])) as Seed;
    const a = leaveOut(gateway(seed));
    const b = leaveOut(gateway(reversed));
    expect(b.left).toEqual(a.left);
    expect(keptFor(gateway(reversed), b.left)).toEqual(keptFor(gateway(seed), a.left));
  });
});
