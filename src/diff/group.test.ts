import { describe, expect, it } from 'vitest';
import type { ApisixConfig, ApisixObject } from '../model/apisix.js';
import { diffGroup, groupStateFromConfig } from './group.js';
import { HTTP_METHODS } from './impact.js';
import { diffObjects } from './objects.js';
import { MASKED } from '../secrets/classify.js';
import { emptyConfig } from '../apisix/kinds/index.js';

const labels = (service: string, version = '1.0.0') => ({ 'managed-by': 'tagway', 'tagway.group': 'g', 'tagway.service': service, 'tagway.version': version });

function config(version = '1.0.0', patch: { upstream?: Partial<ApisixObject>; service?: Partial<ApisixObject>; routes?: ApisixObject[] } = {}): ApisixConfig {
  return {
    ...emptyConfig(), upstreams: [{ id: 'pets', labels: labels('pets', version), nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }], type: 'roundrobin', ...patch.upstream }],
    services: [{ id: 'pets', labels: labels('pets', version), upstream_id: 'pets', hosts: ['pets.example.com'], ...patch.service }],
    routes: patch.routes ?? [
      { id: 'pets.list', labels: labels('pets', version), service_id: 'pets', uris: ['/pets'], methods: ['GET'] },
      { id: 'pets.pet', labels: labels('pets', version), service_id: 'pets', uris: ['/pets/*'], methods: ['GET', 'DELETE'] },
    ],
  };
}

const route = (id: string, fields: Partial<ApisixObject>, version = '1.0.0'): ApisixObject => ({ id, labels: labels('pets', version), service_id: 'pets', ...fields });

describe('diffObjects', () => {
  it('finds nothing between equal objects whatever their key order', () => {
    const shuffled: ApisixConfig = {
      ...emptyConfig(), upstreams: [{ type: 'roundrobin', nodes: [{ weight: 1, port: 80, host: '10.0.0.1' }], labels: { ...labels('pets') }, id: 'pets' }],
      services: config().services,
      routes: config().routes,
    };
    expect(diffObjects(config(), shuffled)).toEqual([]);
  });

  it('tells an object whose only change is the version label from a changed one', () => {
    const changes = diffObjects(config('1.0.0'), config('1.1.0', { upstream: { type: 'least_conn' } }));
    expect(changes.map((c) => [c.kind, c.id, c.change])).toEqual([
      ['upstreams', 'pets', 'changed'],
      ['services', 'pets', 'relabelled'],
      ['routes', 'pets.list', 'relabelled'],
      ['routes', 'pets.pet', 'relabelled'],
    ]);
    expect(changes[0]!.fields.map((f) => f.path)).toEqual(['/labels/tagway.version', '/type']);
    expect(changes[0]!.patch).toContain('-type: roundrobin\n+type: least_conn');
  });

  it('puts objects of the group into no service: labelled ones by their labels, global rules (no labels) whatever their id', () => {
    const owner = { 'managed-by': 'tagway', 'tagway.group': 'g' };
    const after: ApisixConfig = {
      ...config(),
      global_rules: [{ id: 'tagway.g.metrics', plugins: { prometheus: {} } }],
      plugin_metadata: [{ id: 'prometheus', labels: owner, disabled_labels: {} }],
    };
    expect(diffObjects(config(), after).map((c) => [c.kind, c.id, c.service])).toEqual([
      ['plugin_metadata', 'prometheus', ''],
      ['global_rules', 'tagway.g.metrics', ''],
    ]);
  });

  it('diffs the comparison forms the caller gives (a live side normalised like the sync engine does)', () => {
    const live = config('1.0.0', { upstream: { create_time: 1, update_time: 2 } });
    const dropServerFields = (_kind: unknown, before: ApisixObject, after: ApisixObject) => {
      const { create_time: _c, update_time: _u, ...rest } = before;
      return [rest, after] as const;
    };
    expect(diffObjects(live, config())).toHaveLength(1);
    expect(diffObjects(live, config(), { compare: dropServerFields })).toEqual([]);
  });

  it('masks secrets in fields and patch, and still shows that a secret changed', () => {
    const withKey = (key: string) => config('1.0.0', { service: { plugins: { 'proxy-rewrite': { headers: { set: { 'X-Api-Key': key } } } } } });
    const [change] = diffObjects(withKey('first-secret'), withKey('second-secret'));
    expect(change).toMatchObject({ kind: 'services', change: 'changed' });
    expect(change!.fields).toEqual([{ path: '/plugins/proxy-rewrite/headers/set/X-Api-Key', op: 'replace', before: MASKED, after: '<masked, changed>', masked: true }]);
    expect(change!.patch).toContain(`-        X-Api-Key: ${MASKED}\n+        X-Api-Key: <masked, changed>`);
    expect(JSON.stringify(change)).not.toMatch(/first-secret|second-secret/);
  });
});

describe('diffGroup', () => {
  const state = (c: ApisixConfig, digest = 'sha256:x') => groupStateFromConfig(c, digest);

  it('lists services whose version changes, with their objects', () => {
    const diff = diffGroup('g', state(config('1.0.0')), state(config('1.1.0')));
    expect(diff.status).toBe('changed');
    expect(diff.services).toHaveLength(1);
    expect(diff.services[0]!.version).toEqual({ before: '1.0.0', after: '1.1.0' });
    expect(diff.counts).toEqual({ added: 0, removed: 0, changed: 0, relabelled: 4 });
    expect(diff.impact).toEqual([]);
  });

  it('is unchanged for equal states', () => {
    const diff = diffGroup('g', state(config()), state(config()));
    expect(diff).toMatchObject({ status: 'unchanged', services: [], impact: [] });
  });

  it('reports a group that exists on one side only as added or removed', () => {
    expect(diffGroup('g', null, state(config())).status).toBe('added');
    const removed = diffGroup('g', state(config()), null);
    expect(removed.status).toBe('removed');
    expect(removed.services[0]!.version).toEqual({ before: '1.0.0', after: null });
    expect(removed.impact.every((r) => r.change === 'stops')).toBe(true);
  });
});

describe('routing impact', () => {
  const impact = (before: ApisixConfig, after: ApisixConfig) => diffGroup('g', groupStateFromConfig(before), groupStateFromConfig(after)).impact;

  it('a new route starts routing its host, path and methods', () => {
    const after = config('1.0.0', { routes: [...config().routes, route('pets.photos', { uris: ['/pets/*/photos'], methods: ['POST', 'GET'] })] });
    expect(impact(config(), after)).toEqual([
      { change: 'starts', host: 'pets.example.com', path: '/pets/*/photos', methods: ['GET', 'POST'], routes: ['pets.photos'], causes: [] },
    ]);
  });

  it('a method taken off a route stops routing for that method only', () => {
    const after = config('1.0.0', { routes: [config().routes[0]!, route('pets.pet', { uris: ['/pets/*'], methods: ['GET'] })] });
    expect(impact(config(), after)).toEqual([
      { change: 'stops', host: 'pets.example.com', path: '/pets/*', methods: ['DELETE'], routes: ['pets.pet'], causes: [] },
    ]);
  });

  it('an upstream change changes the routing of every route that reaches it', () => {
    const after = config('1.0.0', { upstream: { nodes: [{ host: '10.0.0.2', port: 80, weight: 1 }] } });
    expect(impact(config(), after)).toEqual([
      { change: 'changes', host: 'pets.example.com', path: '/pets', methods: ['GET'], routes: ['pets.list'], causes: [{ kind: 'upstreams', id: 'pets' }] },
      { change: 'changes', host: 'pets.example.com', path: '/pets/*', methods: ['GET', 'DELETE'], routes: ['pets.pet'], causes: [{ kind: 'upstreams', id: 'pets' }] },
    ]);
  });

  it('a route that moves to the service hosts from its own shows as stop + start', () => {
    const before = config('1.0.0', { routes: [route('pets.list', { uris: ['/pets'], methods: ['GET'], hosts: ['old.example.com'] })] });
    const after = config('1.0.0', { routes: [route('pets.list', { uris: ['/pets'], methods: ['GET'] })] });
    expect(impact(before, after).map((r) => [r.change, r.host])).toEqual([
      ['stops', 'old.example.com'],
      ['starts', 'pets.example.com'],
    ]);
  });

  it('a route without methods or hosts matches every method on any host', () => {
    const after = config('1.0.0', { service: { hosts: undefined }, routes: [route('pets.any', { uris: ['/any'] })] });
    const [only] = impact(emptyConfig(), after).filter((r) => r.path === '/any');
    expect(only).toMatchObject({ change: 'starts', host: null, methods: [...HTTP_METHODS] });
  });

  it('names, descriptions and labels do not change routing; a disabled route routes nothing', () => {
    const described = config('2.0.0', { service: { desc: 'now described', name: 'pets service' } });
    expect(impact(config(), described)).toEqual([]);
    const disabled = config('1.0.0', { routes: [config().routes[0]!, route('pets.pet', { uris: ['/pets/*'], methods: ['GET', 'DELETE'], status: 0 })] });
    expect(impact(config(), disabled).map((r) => [r.change, r.path])).toEqual([['stops', '/pets/*']]);
  });

  it('a route taking over a path from another changes its routing', () => {
    const after = config('1.0.0', { routes: [route('pets.all', { uris: ['/pets'], methods: ['GET'] }), config().routes[1]!] });
    expect(impact(config(), after)).toEqual([
      {
        change: 'changes',
        host: 'pets.example.com',
        path: '/pets',
        methods: ['GET'],
        routes: ['pets.all'],
        causes: [
          { kind: 'routes', id: 'pets.all' },
          { kind: 'routes', id: 'pets.list' },
        ],
      },
    ]);
  });
});
