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
    ],
  } as unknown as ApisixConfig;
  it.each([
    ['a route created or updated', [{ op: 'create', kind: 'routes', id: 'a' }, { op: 'update', kind: 'routes', id: 'b', fields: ['/uris'] }], ['a', 'b']],
    ['a route deleted: none', [{ op: 'delete', kind: 'routes', id: 'gone' }], []],
    ["a service's routes", [{ op: 'update', kind: 'services', id: 't' }], ['b', 'c']],
    ["an upstream's routes, through their service or their own upstream_id", [{ op: 'update', kind: 'upstreams', id: 'us' }, { op: 'create', kind: 'upstreams', id: 'uc' }], ['a', 'c']],
    ['an upstream deleted: none', [{ op: 'delete', kind: 'upstreams', id: 'ud' }], []],
  ] as const)('%s', (_name, steps, expected) => {
    expect([...affectedRoutes(steps as never, config)].sort()).toEqual(expected);
  });

  it('a probe per route reached, on its host', () => {
    const probes = derivedProbes([{ op: 'update', kind: 'services', id: 's' }, { op: 'create', kind: 'routes', id: 'd' }], config);
    expect(probes.map((p) => [p.name, p.path, p.host ?? null])).toEqual([
      ['route a', '/a', 'api.example.com'],
      ['route d', '/d', null],
    ]);
  });
});
