import { describe, expect, it } from 'vitest';
import type { ApisixConfig, ApisixObject } from '../../model/apisix.js';
import { affectedRoutes, concretePath, derivedProbes, probeOf } from './derived.js';

describe('a concrete path for a route uri', () => {
  it.each([
    ['/pets', '/pets'],
    ['/pets/*', '/pets/probe'],
    ['/pets/:id/photos', '/pets/1/photos'],
    ['/*', '/probe'],
    ['/', '/'],
    ['/v1/files*', '/v1/filesprobe'],
    ['/a/:/b', '/a/:/b'],
    ['/:x/:y/*', '/1/1/probe'],
    ['/a*b*', '/aprobebprobe'],
  ])('%s → %s', (uri, path) => {
    expect(concretePath(uri)).toBe(path);
  });
});

describe('the probe of a route', () => {
  const service: ApisixObject = { id: 's', hosts: ['api.example.com'] };
  const cases: [string, ApisixObject, ApisixObject | undefined, unknown][] = [
    ['GET on its own host', { id: 'r', uris: ['/pets'], methods: ['GET'], hosts: ['pets.example.com'] }, service, { name: 'route r', method: 'GET', path: '/pets', host: 'pets.example.com', status: ['100-499'] }],
    ["its service's host", { id: 'r', uris: ['/pets/*'], service_id: 's' }, service, { name: 'route r', method: 'GET', path: '/pets/probe', host: 'api.example.com', status: ['100-499'] }],
    ['HEAD when it allows no GET', { id: 'r', uri: '/x', methods: ['HEAD', 'POST'] }, undefined, { name: 'route r', method: 'HEAD', path: '/x', status: ['100-499'] }],
    ['no host at all: the proxy\'s', { id: 'r', uris: ['/x'] }, undefined, { name: 'route r', method: 'GET', path: '/x', status: ['100-499'] }],
    ['a named host before a wildcard', { id: 'r', uris: ['/x'], hosts: ['*.example.com', 'a.example.com'] }, undefined, expect.objectContaining({ host: 'a.example.com' })],
    ['never a write', { id: 'r', uris: ['/x'], methods: ['POST', 'PUT'] }, undefined, null],
    ['not with vars', { id: 'r', uris: ['/x'], vars: [['arg_a', '==', '1']] }, undefined, null],
    ['not with remote addresses', { id: 'r', uris: ['/x'], remote_addrs: ['10.0.0.0/8'] }, undefined, null],
    ['not with wildcard hosts only', { id: 'r', uris: ['/x'], hosts: ['*.example.com'] }, undefined, null],
    ['not with a filter function', { id: 'r', uris: ['/x'], filter_func: 'function(vars) return true end' }, undefined, null],
    ['not with one remote address', { id: 'r', uris: ['/x'], remote_addr: '10.0.0.1' }, undefined, null],
    ['not without a uri', { id: 'r', uris: [] }, undefined, null],
    ['nor with no uri field at all', { id: 'r', methods: ['GET'] }, undefined, null],
    ['GET among other methods', { id: 'r', uri: '/x', methods: ['POST', 'HEAD', 'GET'] }, undefined, { name: 'route r', method: 'GET', path: '/x', status: ['100-499'] }],
    ['its first uri', { id: 'r', uris: ['/a/:id', '/b'], uri: '/c' }, undefined, expect.objectContaining({ path: '/a/1' })],
    ['its single host', { id: 'r', uri: '/x', host: 'one.example.com' }, service, expect.objectContaining({ host: 'one.example.com' })],
    ["its own hosts before its service's", { id: 'r', uri: '/x', hosts: ['own.example.com'], service_id: 's' }, service, expect.objectContaining({ host: 'own.example.com' })],
    ['a named host in the middle of the text is no wildcard', { id: 'r', uri: '/x', hosts: ['a*.example.com'] }, undefined, expect.objectContaining({ host: 'a*.example.com' })],
  ];
  it.each(cases)('%s', (_name, route, svc, expected) => {
    expect(probeOf(route, svc)).toEqual(expected);
  });
});

describe('the routes a plan reaches, and their probes', () => {
  const config = {
    upstreams: [],
    services: [
      { id: 's', hosts: ['api.example.com'], upstream_id: 'us' },
      { id: 't', hosts: ['t.example.com'] },
    ],
    routes: [
      { id: 'a', uris: ['/a'], service_id: 's' },
      { id: 'b', uris: ['/b'], service_id: 't' },
      { id: 'c', uris: ['/c'], service_id: 't', upstream_id: 'uc' },
      { id: 'd', uris: ['/d'], upstream_id: 'ud' },
      { id: 'e', uris: ['/e'], service_id: 's', upstream_id: 'ue' },
      { id: 'f', uris: ['/f'], service_id: 's', upstream_id: 'ue', methods: ['POST'] },
    ],
  } as unknown as ApisixConfig;
  it.each([
    ['a route created or updated', [{ op: 'create', kind: 'routes', id: 'a' }, { op: 'update', kind: 'routes', id: 'b', fields: ['/uris'] }], ['a', 'b']],
    ['a route deleted: none', [{ op: 'delete', kind: 'routes', id: 'gone' }], []],
    ["a service's routes", [{ op: 'update', kind: 'services', id: 't' }], ['b', 'c']],
    ["an upstream's routes, through their service or their own upstream_id", [{ op: 'update', kind: 'upstreams', id: 'us' }, { op: 'create', kind: 'upstreams', id: 'uc' }], ['a', 'c']],
    ['an upstream deleted: none', [{ op: 'delete', kind: 'upstreams', id: 'ud' }], []],
    ['a service deleted: none', [{ op: 'delete', kind: 'services', id: 't' }], []],
    ['a step of another kind with the id of a route: none', [{ op: 'update', kind: 'upstreams', id: 'a' }, { op: 'create', kind: 'plugin_configs', id: 'b' }], []],
    ["a route's own upstream_id before its service's", [{ op: 'update', kind: 'upstreams', id: 'us' }], ['a']],
    ['a route through its own upstream, though its service has another', [{ op: 'update', kind: 'upstreams', id: 'ue' }], ['e', 'f']],
  ] as const)('%s', (_name, steps, expected) => {
    expect([...affectedRoutes(steps as never, config)].sort()).toEqual(expected);
  });

  it('a probe per route reached, on its host; none for a route it may not ask (f takes POST only)', () => {
    const probes = derivedProbes([{ op: 'update', kind: 'services', id: 's' }, { op: 'create', kind: 'routes', id: 'd' }], config);
    expect(probes.map((p) => [p.name, p.path, p.host ?? null])).toEqual([
      ['route a', '/a', 'api.example.com'],
      ['route d', '/d', null],
      ['route e', '/e', 'api.example.com'],
    ]);
  });
});
