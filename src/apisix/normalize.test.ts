import { describe, expect, it } from 'vitest';
import type { ApisixObject } from '../model/apisix.js';
import { comparisonPair, diffFields, normalizeObject, stripServerFields } from './normalize.js';
import { KIND } from './kinds/index.js';

describe('normalizeObject', () => {
  it('drops server fields and APISIX schema defaults, and keeps everything else', () => {
    const stored: ApisixObject = {
      id: 'petstore',
      create_time: 1,
      update_time: 2,
      type: 'roundrobin',
      hash_on: 'vars',
      scheme: 'http',
      pass_host: 'pass',
      retries: 2,
      nodes: [{ host: '10.0.0.1', port: 80, weight: 1, priority: 0 }],
      keepalive_pool: { size: 320, idle_timeout: 60, requests: 1000 },
      tls: { verify: false, client_key: 'ciphertext' },
      checks: { active: { type: 'http', timeout: 1, http_path: '/health', healthy: { interval: 1, successes: 3 } } },
    };
    expect(normalizeObject(KIND.upstreams, stored)).toEqual({
      id: 'petstore',
      retries: 2,
      nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }],
      keepalive_pool: [],
      tls: [],
      checks: { active: { http_path: '/health', healthy: { successes: 3 } } },
    });
  });

  it('keeps values that differ from the default', () => {
    expect(normalizeObject(KIND.routes, { id: 'r', priority: 5, status: 0 })).toEqual({ id: 'r', priority: 5, status: 0 });
    expect(normalizeObject(KIND.upstreams, { id: 'u', scheme: 'https', pass_host: 'node' })).toEqual({ id: 'u', scheme: 'https', pass_host: 'node' });
  });

  it('applies upstream defaults to inline upstreams of routes and services', () => {
    expect(normalizeObject(KIND.services, { id: 's', upstream: { type: 'roundrobin', scheme: 'http', nodes: [] } })).toEqual({
      id: 's',
      upstream: { nodes: [] },
    });
  });

  it('reads an empty object as an empty list (how APISIX returns an empty list)', () => {
    expect(normalizeObject(KIND.routes, { id: 'r', vars: {}, plugins: { cors: {} } })).toEqual({ id: 'r', vars: [], plugins: { cors: [] } });
    expect(normalizeObject(KIND.routes, { id: 'r', vars: [], plugins: { cors: [] } })).toEqual({ id: 'r', vars: [], plugins: { cors: [] } });
  });

  it('turns integer ids into strings, as APISIX returns them', () => {
    expect(normalizeObject(KIND.routes, { id: 7 as unknown as string })).toEqual({ id: '7' });
  });
});

describe('stripServerFields', () => {
  it('removes the fields a PUT may not carry and leaves the input alone', () => {
    const read: ApisixObject = { id: 'a', create_time: 1, update_time: 2, desc: 'x' };
    expect(stripServerFields(KIND.upstreams, read)).toEqual({ id: 'a', desc: 'x' });
    expect(read.create_time).toBe(1);
  });
});

describe('comparisonPair', () => {
  it('prunes live-only plugin fields only when the gateway stores defaults', () => {
    const desired: ApisixObject = { id: 'r', plugins: { cors: { allow_origins: '*' } } };
    const live: ApisixObject = { id: 'r', plugins: { cors: { allow_origins: '*', max_age: 5 }, 'ip-restriction': { whitelist: [] } } };
    expect(comparisonPair(KIND.routes, desired, live, true)[1]).toEqual({
      id: 'r',
      plugins: { cors: { allow_origins: '*' }, 'ip-restriction': { whitelist: [] } },
    });
    expect(comparisonPair(KIND.routes, desired, live, false)[1]).toEqual(live);
  });
});

describe('diffFields', () => {
  it('walks objects, compares arrays whole, escapes pointer segments', () => {
    expect(
      diffFields(
        { uris: ['/a'], labels: { 'a/b': '1', gone: 'x' }, same: 1 },
        { uris: ['/a', '/b'], labels: { 'a/b': '2' }, same: 1 },
      ),
    ).toEqual([
      { path: '/labels/a~1b', op: 'replace', before: '1', after: '2' },
      { path: '/labels/gone', op: 'remove', before: 'x' },
      { path: '/uris', op: 'replace', before: ['/a'], after: ['/a', '/b'] },
    ]);
  });
});
