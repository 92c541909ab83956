/**
 * The equivalence check on whole gateways: a gateway and the same gateway reshaped as tagway
 * writes one (its own ids and labels, upstreams moved between inline and referred to, nodes in the
 * array form, plugin configs folded into routes, credentials as references) are equal; one field
 * changed is a difference. Gateways: the synthetic one (test/support/synthetic-gateway.ts), and
 * the objects APISIX accepts among the oracle cases (test/support/oracle-cases.ts).
 */
import { describe, expect, it } from 'vitest';
import { CONSUMER_AUTH_SECRETS } from '../apisix/consumer-secrets.js';
import { KIND } from '../apisix/kinds/index.js';
import { referencesOf } from '../apisix/references.js';
import type { ApisixConfig, ApisixKind } from '../model/apisix.js';
import { buildSyntheticGateway, syntheticCertificates } from '../../test/support/synthetic-gateway.js';
import { oracleCases } from '../../test/support/oracle-cases.js';
import { checkEquivalence } from './equivalence.js';

type Obj = Record<string, unknown>;

const KINDS: readonly ApisixKind[] = [
  'consumer_groups', 'consumers', 'global_rules', 'plugin_configs', 'plugin_metadata', 'routes', 'secrets', 'services', 'ssls', 'stream_routes', 'upstreams',
];
const TW = { 'managed-by': 'tagway', 'tagway.group': 'prod' };

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Nodes in the array form. */
function arrayNodes(up: Obj): Obj {
  if (!isObject(up.nodes)) return up;
  const nodes = Object.entries(up.nodes).map(([address, weight]) => {
    const colon = address.lastIndexOf(':');
    return colon > 0 && !address.startsWith('[') ? { host: address.slice(0, colon), port: Number(address.slice(colon + 1)), weight } : { host: address, weight };
  });
  return { ...up, nodes };
}

/**
 * `source` as tagway would write it: new ids, tagway's labels, a service's inline upstream made an
 * object of its own, a route's referred upstream inlined, nodes as arrays, `uri`/`host` as lists,
 * methods reversed, plugin configs folded into their routes, secrets as `env:` references (their
 * values in `secrets`).
 */
function reshape(source: ApisixConfig): { compiled: ApisixConfig; secrets: Map<string, string> } {
  const secrets = new Map<string, string>();
  const reference = (value: unknown, name: string): unknown => {
    if (typeof value !== 'string') return value;
    secrets.set(`env:${name}`, value);
    return `env:${name}`;
  };
  const list = (kind: ApisixKind) => source[kind] as readonly Obj[];
  const upstreamById = new Map(list('upstreams').map((u) => [String(u.id), u]));
  const pluginConfigs = new Map(list('plugin_configs').map((p) => [String(p.id), p]));
  const up = (id: unknown) => `tw-up-${String(id)}`;
  const splitIds = (plugins: unknown): unknown => {
    if (!isObject(plugins) || !isObject(plugins['traffic-split'])) return plugins;
    const split = plugins['traffic-split'];
    const rules = Array.isArray(split.rules)
      ? split.rules.map((rule: Obj) => ({
        ...rule,
        weighted_upstreams: Array.isArray(rule.weighted_upstreams)
          ? rule.weighted_upstreams.map((wu: Obj) => (wu.upstream_id !== undefined ? { ...wu, upstream_id: up(wu.upstream_id) } : wu))
          : rule.weighted_upstreams,
      }))
      : split.rules;
    return { ...plugins, 'traffic-split': { ...split, rules } };
  };
  const labelled = (o: Obj) => ({ ...o, labels: { ...(isObject(o.labels) ? o.labels : {}), ...TW } });
  const clientCert = (u: Obj) => (isObject(u.tls) && u.tls.client_cert_id !== undefined ? { ...u, tls: { ...u.tls, client_cert_id: `ssl-${String(u.tls.client_cert_id)}` } } : u);

  const upstreams: Obj[] = list('upstreams').map((u) => labelled(clientCert(arrayNodes({ ...u, id: up(u.id), name: 'tagway-named' }))));
  const services = list('services').map((s) => {
    const out: Obj = labelled({ ...s, id: `svc-${String(s.id)}`, name: 'tagway-named', plugins: splitIds(s.plugins) });
    if (isObject(s.upstream)) {
      upstreams.push(labelled(arrayNodes({ ...s.upstream, id: `tw-svc-up-${String(s.id)}` })));
      delete out.upstream;
      out.upstream_id = `tw-svc-up-${String(s.id)}`;
    } else if (s.upstream_id !== undefined) out.upstream_id = up(s.upstream_id);
    if (out.plugins === undefined) delete out.plugins;
    return out;
  });
  const routes = list('routes').map((r) => {
    const { uri, host, plugin_config_id: configId, ...rest } = r;
    const out: Obj = labelled({ ...rest, id: `svc.route-${String(r.id)}`, name: 'tagway-named' });
    if (uri !== undefined) out.uris = [uri];
    if (host !== undefined) out.hosts = [host];
    if (Array.isArray(r.methods)) out.methods = [...(r.methods as unknown[])].reverse();
    if (r.service_id !== undefined) out.service_id = `svc-${String(r.service_id)}`;
    const config = configId === undefined ? undefined : pluginConfigs.get(String(configId));
    if (config !== undefined && isObject(config.plugins)) out.plugins = { ...config.plugins, ...(isObject(r.plugins) ? r.plugins : {}) };
    if (out.plugins !== undefined) out.plugins = splitIds(out.plugins);
    const referred = r.upstream_id === undefined ? undefined : upstreamById.get(String(r.upstream_id));
    if (referred !== undefined) {
      const { id: _id, name: _name, ...inline } = arrayNodes(referred);
      out.upstream = clientCert(inline);
      delete out.upstream_id;
    } else if (isObject(r.upstream)) out.upstream = clientCert(arrayNodes(r.upstream));
    return out;
  });
  const consumers = list('consumers').map((c) => {
    const plugins: Obj = {};
    for (const [name, conf] of Object.entries(isObject(c.plugins) ? c.plugins : {})) {
      const fields = CONSUMER_AUTH_SECRETS[name] ?? [];
      plugins[name] = isObject(conf)
        ? Object.fromEntries(Object.entries(conf).map(([k, v]) => [k, fields.includes(k) ? reference(v, `${String(c.username)}_${name}_${k}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_')) : v]))
        : conf;
    }
    const out: Obj = labelled({ ...c, plugins: splitIds(plugins) });
    if (c.group_id !== undefined) out.group_id = `cg-${String(c.group_id)}`;
    return out;
  });
  // What tagway writes is used: an upstream now inline everywhere, a plugin config folded into
  // every route, is gone; one the source did not use either stays (the check compares it by content).
  const usedIn = (objects: Partial<Record<ApisixKind, readonly Obj[]>>, kind: ApisixKind) =>
    new Set(KINDS.flatMap((k) => (objects[k] ?? []).flatMap((o) => referencesOf(KIND[k], o).filter((r) => r.kind === kind).map((r) => r.id))));
  const usedUpstreams = usedIn({ services, routes, consumers, global_rules: list('global_rules').map((g) => ({ ...g, plugins: splitIds(g.plugins) })), stream_routes: list('stream_routes').map((r) => ({ upstream_id: r.upstream_id === undefined ? undefined : up(r.upstream_id) })) }, 'upstreams');
  const sourceUsed = usedIn(source as unknown as Partial<Record<ApisixKind, readonly Obj[]>>, 'upstreams');
  const sourceUsedConfigs = usedIn(source as unknown as Partial<Record<ApisixKind, readonly Obj[]>>, 'plugin_configs');
  const compiled: Record<string, Obj[]> = {
    upstreams: upstreams.filter((u) => usedUpstreams.has(String(u.id)) || !String(u.id).startsWith('tw-up-') || !sourceUsed.has(String(u.id).slice('tw-up-'.length))),
    services,
    routes,
    consumers,
    consumer_groups: list('consumer_groups').map((g) => labelled({ ...g, id: `cg-${String(g.id)}`, plugins: splitIds(g.plugins) })),
    plugin_configs: list('plugin_configs').filter((p) => !sourceUsedConfigs.has(String(p.id))).map((p) => labelled({ ...p, id: `pc-${String(p.id)}` })),
    global_rules: list('global_rules').map((g) => ({ ...g, id: `tagway.prod.rule-${String(g.id)}`, plugins: splitIds(g.plugins) })),
    ssls: list('ssls').map((s) => labelled({ ...s, id: `ssl-${String(s.id)}`, ...(s.key !== undefined ? { key: reference(s.key, `TLS_KEY_${String(s.id)}`) } : {}) })),
    plugin_metadata: [...list('plugin_metadata')],
    secrets: list('secrets').map((s) => ({ ...s, ...(s.token !== undefined ? { token: reference(s.token, `TOKEN_${String(s.id).replace('/', '_')}`) } : {}) })),
    stream_routes: list('stream_routes').map((r) => {
      const out: Obj = labelled({ ...r, id: `st-${String(r.id)}` });
      if (r.upstream_id !== undefined) out.upstream_id = up(r.upstream_id);
      if (isObject(r.upstream)) out.upstream = arrayNodes(r.upstream);
      if (r.service_id !== undefined) out.service_id = `svc-${String(r.service_id)}`;
      return out;
    }),
  };
  return { compiled: compiled as unknown as ApisixConfig, secrets };
}

function config(objects: Partial<Record<ApisixKind, Obj[]>>): ApisixConfig {
  return Object.fromEntries(KINDS.map((k) => [k, objects[k] ?? []])) as unknown as ApisixConfig;
}

describe('a synthetic gateway and the same gateway reshaped', () => {
  it('are equal, every secret compared through its reference', async () => {
    const source = buildSyntheticGateway(120, await syntheticCertificates());
    const { compiled, secrets } = reshape(source);
    const report = checkEquivalence(source, compiled, { resolveSecret: (ref) => secrets.get(ref) });
    expect(report.differences).toEqual([]);
    expect(report.notCompared).toEqual([]);
    expect(report.compared).toBeGreaterThan(source.routes.length);
  });

  it('differ where one field of one object is changed, and the difference shows no secret', async () => {
    const source = buildSyntheticGateway(30, await syntheticCertificates());
    const { compiled, secrets } = reshape(source);
    const changes: readonly [string, (c: Record<string, Obj[]>) => void, string][] = [
      ['a service host', (c) => (c.services![3]!.hosts = ['other.example.com']), 'routes'],
      ['an upstream node weight', (c) => (c.upstreams![0]!.nodes = [{ host: '10.0.0.1', port: 8080, weight: 9 }]), 'routes'],
      ['a plugin of a consumer group', (c) => (c.consumer_groups![0]!.plugins = {}), 'consumers'],
      ['a route priority', (c) => (c.routes![5]!.priority = 77), 'routes'],
      ['a stream route port', (c) => (c.stream_routes![0]!.server_port = 1), 'stream_routes'],
      ['a plugin metadata field', (c) => (c.plugin_metadata![0] = { ...c.plugin_metadata![0]!, log_format: {} }), 'plugin_metadata'],
      ['a global rule plugin', (c) => (c.global_rules![0]!.plugins = { prometheus: { prefer_name: false } }), 'global_rules'],
      ['an SSL protocol list', (c) => (c.ssls![2]!.ssl_protocols = ['TLSv1.3']), 'ssls'],
    ];
    for (const [what, change, kind] of changes) {
      const changed = structuredClone(compiled) as unknown as Record<string, Obj[]>;
      change(changed);
      const report = checkEquivalence(source, changed as unknown as ApisixConfig, { resolveSecret: (ref) => secrets.get(ref) });
      expect(report.differences.map((d) => d.kind), what).toContain(kind);
      const text = JSON.stringify(report);
      for (const value of secrets.values()) expect(text.includes(value), what).toBe(false);
    }
  });

  it('differ where a credential differs, and no value of it is shown', async () => {
    const source = buildSyntheticGateway(12, await syntheticCertificates());
    const { compiled, secrets } = reshape(source);
    const wrong = (ref: string) => (secrets.has(ref) ? `${secrets.get(ref)!}-changed` : undefined);
    const report = checkEquivalence(source, compiled, { resolveSecret: wrong });
    expect(new Set(report.differences.map((d) => d.kind))).toEqual(new Set(['consumers', 'secrets', 'ssls']));
    const text = JSON.stringify(report);
    for (const value of secrets.values()) expect(text.includes(value)).toBe(false);
    expect(text.includes('-changed')).toBe(false);
  });
});

/** Stand-ins for the objects an accepted case refers to, which the oracle assumed to exist. */
function referred(kind: ApisixKind, body: Obj): Partial<Record<ApisixKind, Obj[]>> {
  const standIn: Partial<Record<ApisixKind, (id: string, i: number) => Obj>> = {
    upstreams: (id, i) => ({ id, nodes: { [`10.3.3.${i + 1}:80`]: 1 } }),
    services: (id) => ({ id, hosts: ['svc.example.com'] }),
    plugin_configs: (id) => ({ id, plugins: { 'request-id': {} } }),
    consumer_groups: (id) => ({ id, plugins: {} }),
    ssls: (id) => ({ id, type: 'client', cert: `CERT ${id}` }),
  };
  const out: Partial<Record<ApisixKind, Obj[]>> = {};
  referencesOf(KIND[kind], body).forEach((ref, i) => {
    const make = standIn[ref.kind];
    const list = (out[ref.kind] ??= []);
    if (make && !list.some((o) => o.id === ref.id)) list.push(make(ref.id, i));
  });
  return out;
}

describe('objects APISIX accepts (oracle cases)', () => {
  const accepted = (kind: string) => oracleCases().filter((c) => c.kind === kind && c.expected === 'valid' && isObject(c.body));

  it.each(['routes', 'services', 'upstreams'])('each accepted %s equals itself reshaped, and differs with one field changed', (kind) => {
    const cases = accepted(kind);
    expect(cases.length).toBeGreaterThan(10);
    for (const c of cases) {
      const body: Obj = { ...(c.body as Obj), id: String((c.body as Obj).id ?? 'case') };
      let source: ApisixConfig;
      let change: (compiled: Record<string, Obj[]>) => void;
      if (kind === 'routes') {
        source = config({ ...referred('routes', body), routes: [body] });
        change = (x) => (x.routes![0]!.priority = (typeof body.priority === 'number' ? body.priority : 0) + 1);
      } else if (kind === 'services') {
        source = config({ ...referred('services', body), services: [body], routes: [{ id: 'r', uri: '/case/*', service_id: body.id }] });
        change = (x) => {
          const route = x.routes![0]!;
          route.enable_websocket = !((route.enable_websocket ?? body.enable_websocket ?? false) as boolean);
        };
      } else {
        source = config({ ...referred('upstreams', body), upstreams: [...(referred('upstreams', body).upstreams ?? []), body], routes: [{ id: 'r', uri: '/case/*', upstream_id: body.id }] });
        change = (x) => {
          const upstream = x.routes![0]!.upstream as Obj;
          upstream.retries = typeof upstream.retries === 'number' ? upstream.retries + 1 : 7;
        };
      }
      const { compiled, secrets } = reshape(source);
      const same = checkEquivalence(source, compiled, { resolveSecret: (ref) => secrets.get(ref) });
      expect(same.differences, c.id).toEqual([]);
      const changed = structuredClone(compiled) as unknown as Record<string, Obj[]>;
      change(changed);
      const differs = checkEquivalence(source, changed as unknown as ApisixConfig, { resolveSecret: (ref) => secrets.get(ref) });
      expect(differs.differences.length, c.id).toBeGreaterThan(0);
    }
  });
});
