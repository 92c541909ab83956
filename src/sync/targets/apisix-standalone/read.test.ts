/**
 * Cases of reading a standalone instance (`GET /apisix/admin/configs`) and of the body that writes
 * it back: what a configuration holds, the digest it reports, the errors of one that cannot be
 * used, and the versions a PUT sends.
 */
import { describe, expect, it } from 'vitest';
import type { ApisixConfig } from '../../../model/apisix.js';
import { scriptedClient } from '../../../../test/support/scripted-admin-client.js';
import { SyncError } from '../../errors.js';
import { configsBody } from './apply.js';
import { readStandaloneState } from './read.js';

/** A client that answers one request with `body` and `headers`. */
const answering = (body: unknown, headers: Record<string, string> = {}) => scriptedClient([{ status: 200, body, headers }]);

/** The ids of the kinds that hold objects. */
const idsOf = (config: ApisixConfig) => Object.fromEntries(Object.entries(config).flatMap(([kind, objects]) => (objects.length > 0 ? [[kind, objects.map((o) => o.id)]] : [])));

describe('readStandaloneState: what an instance holds', () => {
  const cases: ReadonlyArray<{
    readonly name: string;
    readonly body: Record<string, unknown>;
    readonly headers?: Record<string, string>;
    readonly ids: Record<string, string[]>;
    readonly digest: string | null;
    readonly raw: Record<string, unknown>;
  }> = [
    { name: 'an instance never written', body: {}, ids: {}, digest: null, raw: {} },
    {
      name: 'empty lists encoded as empty Lua tables, and null',
      body: { routes: {}, upstreams: null, routes_conf_version: 3 },
      ids: {},
      digest: null,
      raw: { routes: {}, upstreams: null, routes_conf_version: 3 },
    },
    {
      name: 'objects out of order, with numeric ids, sorted by id as text',
      body: { routes: [{ id: 'b' }, { id: 10 }, { id: 'a' }, { id: 9 }] },
      ids: { routes: ['10', '9', 'a', 'b'] },
      digest: null,
      raw: { routes: [{ id: 'b' }, { id: 10 }, { id: 'a' }, { id: 9 }] },
    },
    {
      name: 'a kind keyed by another field',
      body: { consumers: [{ username: 'jack' }, { username: 'alice' }] },
      ids: { consumers: ['alice', 'jack'] },
      digest: null,
      raw: { consumers: [{ username: 'jack' }, { username: 'alice' }] },
    },
    {
      name: 'the digest in the header, over the one in the body; metadata removed',
      body: { 'X-Digest': 'body', 'X-Last-Modified': 1700000000, routes: [] },
      headers: { 'x-digest': 'header' },
      ids: {},
      digest: 'header',
      raw: { routes: [] },
    },
    { name: 'the digest in the body alone', body: { 'X-Digest': 'body' }, ids: {}, digest: 'body', raw: {} },
    { name: 'an empty digest in either place', body: { 'X-Digest': '' }, headers: { 'x-digest': '' }, ids: {}, digest: null, raw: {} },
    { name: 'a digest in the body that is no text', body: { 'X-Digest': 7 }, ids: {}, digest: null, raw: {} },
  ];
  for (const c of cases) {
    it(`reads ${c.name}`, async () => {
      const client = answering(c.body, c.headers);
      const state = await readStandaloneState(client);
      expect(client.asked).toEqual(['GET /apisix/admin/configs']);
      expect(idsOf(state.config)).toEqual(c.ids);
      expect(state.digest).toBe(c.digest);
      expect(state.raw).toEqual(c.raw);
    });
  }

  it('keeps the item as read for an object whose id it turned into text, and only for it', async () => {
    const body = { routes: [{ id: 7, uri: '/7' }, { id: 'r', uri: '/r' }], consumers: [{ username: 'jack' }] };
    const state = await readStandaloneState(answering(body));
    const [seven, r] = state.config.routes;
    expect([seven, r]).toEqual([{ id: '7', uri: '/7' }, { id: 'r', uri: '/r' }]);
    expect(state.asRead.get(seven!)).toEqual({ id: 7, uri: '/7' });
    expect(state.asRead.has(r!)).toBe(false);
    const [jack] = state.config.consumers;
    expect(jack).toEqual({ id: 'jack', username: 'jack' });
    expect(state.asRead.get(jack!)).toEqual({ username: 'jack' });
  });
});

describe('readStandaloneState: a configuration that cannot be used', () => {
  const cases: ReadonlyArray<readonly [string, unknown, string]> = [
    ['a list', [], 'target edge: GET /apisix/admin/configs did not return a JSON object'],
    ['a text', 'ok', 'target edge: GET /apisix/admin/configs did not return a JSON object'],
    ['no body', null, 'target edge: GET /apisix/admin/configs did not return a JSON object'],
    ['a kind that is not a list', { routes: { r: { id: 'r' } } }, 'target edge: "routes" in GET /apisix/admin/configs is not a list'],
    ['a kind that is a text', { routes: 'r' }, 'target edge: "routes" in GET /apisix/admin/configs is not a list'],
    ['an item without its id', { routes: [{ uri: '/r' }] }, 'target edge: an item of "routes" in GET /apisix/admin/configs has no id'],
    ['an item that is no object', { routes: ['r'] }, 'target edge: an item of "routes" in GET /apisix/admin/configs has no id'],
    ['a consumer without its username', { consumers: [{ id: 'jack' }] }, 'target edge: an item of "consumers" in GET /apisix/admin/configs has no username'],
  ];
  for (const [name, body, message] of cases) {
    it(`refuses ${name}`, async () => {
      const error = await readStandaloneState(answering(body)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SyncError);
      expect((error as SyncError).data).toMatchObject({ code: 'invalid-live-state', target: 'edge', message });
      const hint = message.includes('did not return')
        ? 'check that the instance runs in API-driven standalone mode (deployment.role: traditional, role_traditional.config_provider: yaml)'
        : message.includes('has no')
          ? 'tagway can only keep objects it can tell apart; give every object an id'
          : undefined;
      expect((error as SyncError).data.hint).toBe(hint);
    });
  }
});

describe('configsBody', () => {
  const route = (id: string, uri: string) => ({ id, uri });
  const cases: ReadonlyArray<{ readonly name: string; readonly read: Record<string, unknown>; readonly next: Record<string, unknown[]>; readonly body: Record<string, unknown> }> = [
    {
      name: 'a changed list: its version raised by one, the whole list sent',
      read: { routes: [route('a', '/a')], routes_conf_version: 4 },
      next: { routes: [route('a', '/a'), route('b', '/b')] },
      body: { routes: [route('a', '/a'), route('b', '/b')], routes_conf_version: 5 },
    },
    {
      name: 'an unchanged list: its version kept',
      read: { routes: [route('a', '/a')], routes_conf_version: 4 },
      next: { routes: [route('a', '/a')] },
      body: { routes: [route('a', '/a')], routes_conf_version: 4 },
    },
    {
      name: 'a changed list without a version: version 1',
      read: {},
      next: { routes: [route('a', '/a')] },
      body: { routes: [route('a', '/a')], routes_conf_version: 1 },
    },
    {
      name: 'an unchanged list without a version: none sent',
      read: { routes: [route('a', '/a')] },
      next: { routes: [route('a', '/a')] },
      body: { routes: [route('a', '/a')] },
    },
    {
      name: 'a list tagway does not manage, with its version: sent back as read',
      read: { plugins: [{ name: 'limit-count' }], plugins_conf_version: 9 },
      next: {},
      body: { plugins: [{ name: 'limit-count' }], plugins_conf_version: 9 },
    },
    {
      name: 'an object with a numeric id: sent back as read',
      read: { routes: [{ id: 7, uri: '/7' }], routes_conf_version: 2 },
      next: { routes: [{ id: 7, uri: '/7' }, route('b', '/b')] },
      body: { routes: [{ id: 7, uri: '/7' }, route('b', '/b')], routes_conf_version: 3 },
    },
    {
      name: 'a consumer: sent without the id tagway gave it',
      read: {},
      next: { consumers: [{ username: 'jack' }] },
      body: { consumers: [{ username: 'jack' }], consumers_conf_version: 1 },
    },
  ];
  for (const c of cases) {
    it(`writes ${c.name}`, async () => {
      const state = await readStandaloneState(answering(c.read));
      // The next configuration, as read back from the lists it should hold (the same objects where unchanged).
      const wanted = await readStandaloneState(answering(c.next));
      const next = Object.fromEntries(
        Object.entries(wanted.config).map(([kind, objects]) => [
          kind,
          objects.map((o) => state.config[kind as keyof ApisixConfig].find((s) => JSON.stringify(s) === JSON.stringify(o)) ?? o),
        ]),
      ) as unknown as ApisixConfig;
      const body = configsBody(state, next);
      const managed = Object.fromEntries(Object.entries(body).filter(([k, v]) => !(Array.isArray(v) && v.length === 0 && !(k in c.body))));
      expect(managed).toEqual(c.body);
    });
  }
});
