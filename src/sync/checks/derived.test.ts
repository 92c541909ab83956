import { describe, expect, it } from 'vitest';
import type { ApisixConfig, ApisixObject } from '../../model/apisix.js';
import { concretePath, derivedProbes, probeOf } from './derived.js';

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

describe('the probes of a plan', () => {
  it('one per route created or updated, none for other kinds or deletes', () => {
    const config = { upstreams: [], services: [{ id: 's', hosts: ['api.example.com'] }], routes: [{ id: 'a', uris: ['/a'], service_id: 's' }, { id: 'b', uris: ['/b'], service_id: 's' }, { id: 'c', uris: ['/c'], service_id: 's' }] } as unknown as ApisixConfig;
    const probes = derivedProbes(
      [
        { op: 'create', kind: 'routes', id: 'a' },
        { op: 'update', kind: 'routes', id: 'b', fields: ['/uris'] },
        { op: 'delete', kind: 'routes', id: 'gone' },
        { op: 'update', kind: 'services', id: 's' },
      ],
      config,
    );
    expect(probes.map((p) => [p.name, p.path, p.host])).toEqual([
      ['route a', '/a', 'api.example.com'],
      ['route b', '/b', 'api.example.com'],
    ]);
  });
});
