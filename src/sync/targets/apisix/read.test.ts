/**
 * Cases of reading a gateway through the Admin API: the shapes of a list response, reading a kind
 * across pages (objects created meanwhile, ids read twice, a kind the gateway does not serve), and
 * reading single objects back.
 */
import { describe, expect, it } from 'vitest';
import type { ApisixObject } from '../../../model/apisix.js';
import { kindNamed } from '../../../apisix/kinds/index.js';
import { SyncError } from '../../errors.js';
import { answeringClient, type ScriptedAnswer } from '../../../../test/support/scripted-admin-client.js';
import { PAGE_SIZE, listItems, listObjects, readObjects } from './read.js';

const HINT = 'check that admin_url points at the Admin API (port 9180 by default) of APISIX 3.x';

/** What `run` throws; fails when it resolves. */
async function failure(run: () => Promise<unknown>): Promise<SyncError> {
  const error = await run().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SyncError);
  return error as SyncError;
}

describe('listItems', () => {
  const client = answeringClient(() => ({ status: 500 }));
  const cases: ReadonlyArray<readonly [string, unknown, { items: unknown[]; total: number | null }]> = [
    ['a v3 list with its total', { total: 2, list: [1, 2] }, { items: [1, 2], total: 2 }],
    ['a v3 list without a total', { list: [1] }, { items: [1], total: null }],
    ['an empty list as an empty Lua table', { total: 0, list: {} }, { items: [], total: 0 }],
    ['no list and a total of 0', { total: 0 }, { items: [], total: 0 }],
    ['a v2 node', { node: { nodes: [1, 2] } }, { items: [1, 2], total: null }],
    ['a v2 node without nodes', { node: {} }, { items: [], total: null }],
  ];
  for (const [name, body, read] of cases) {
    it(`reads ${name}`, () => {
      expect(listItems(client, '/p', body)).toEqual(read);
    });
  }

  const refused: ReadonlyArray<readonly [string, unknown, string]> = [
    ['a list', [], 'not a JSON object'],
    ['no body', null, 'not a JSON object'],
    ['a list that is an object with keys', { list: { a: 1 } }, 'no "list" array'],
    ['no list and a total above 0', { total: 3 }, 'no "list" array'],
    ['a v2 node beside a list that is no array', { list: 'x', node: { nodes: [] } }, 'no "list" array'],
  ];
  for (const [name, body, what] of refused) {
    it(`refuses ${name}`, () => {
      let error: unknown = null;
      try {
        listItems(client, '/p', body);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SyncError);
      expect((error as SyncError).data).toEqual({ code: 'invalid-live-state', target: 'edge', message: `target edge: unexpected response to GET /p: ${what}`, hint: HINT });
    });
  }
});

/** `n` routes with ids `r0000`…, as list items. */
const items = (ids: readonly string[]) => ids.map((id) => ({ key: `/apisix/routes/${id}`, value: { id, uri: `/${id}` } }));
const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `r${String(from + i).padStart(4, '0')}`);
const pageOf = (path: string) => Number(new URL(path, 'http://x').searchParams.get('page'));

describe('listObjects', () => {
  const cases: ReadonlyArray<{
    readonly name: string;
    /** The answer to each page, by page number. */
    readonly pages: Record<number, ScriptedAnswer>;
    readonly read: string[];
    readonly asked: number[];
  }> = [
    { name: 'no route', pages: { 1: { status: 200, body: { total: 0, list: [] } } }, read: [], asked: [1] },
    { name: 'one page', pages: { 1: { status: 200, body: { total: 3, list: items(ids(3)) } } }, read: ids(3), asked: [1] },
    {
      name: 'a full page and the rest',
      pages: { 1: { status: 200, body: { total: PAGE_SIZE + 2, list: items(ids(PAGE_SIZE)) } }, 2: { status: 200, body: { total: PAGE_SIZE + 2, list: items(ids(2, PAGE_SIZE)) } } },
      read: ids(PAGE_SIZE + 2),
      asked: [1, 2],
    },
    {
      name: 'a page full to its total: no second page',
      pages: { 1: { status: 200, body: { total: PAGE_SIZE, list: items(ids(PAGE_SIZE)) } } },
      read: ids(PAGE_SIZE),
      asked: [1],
    },
    {
      name: 'two pages full to their total: no third page',
      pages: { 1: { status: 200, body: { total: 2 * PAGE_SIZE, list: items(ids(PAGE_SIZE)) } }, 2: { status: 200, body: { total: 2 * PAGE_SIZE, list: items(ids(PAGE_SIZE, PAGE_SIZE)) } } },
      read: ids(2 * PAGE_SIZE),
      asked: [1, 2],
    },
    {
      name: 'objects created meanwhile: a third page read after the two the first announced',
      pages: {
        1: { status: 200, body: { total: 2 * PAGE_SIZE, list: items(ids(PAGE_SIZE)) } },
        2: { status: 200, body: { total: 2 * PAGE_SIZE + 1, list: items(ids(PAGE_SIZE, PAGE_SIZE)) } },
        3: { status: 200, body: { total: 2 * PAGE_SIZE + 1, list: items(ids(1, 2 * PAGE_SIZE)) } },
      },
      read: ids(2 * PAGE_SIZE + 1),
      asked: [1, 2, 3],
    },
    {
      name: 'an id read on two pages (an object created before it shifted it): kept once',
      pages: {
        1: { status: 200, body: { total: PAGE_SIZE + 1, list: items(ids(PAGE_SIZE)) } },
        2: { status: 200, body: { total: PAGE_SIZE + 1, list: items(ids(1, PAGE_SIZE - 1)) } },
      },
      read: ids(PAGE_SIZE),
      asked: [1, 2],
    },
    {
      name: 'a list out of order, ids from keys and numbers',
      pages: { 1: { status: 200, body: { total: 3, list: [{ key: '/apisix/routes/b', value: { uri: '/b' } }, { key: '/apisix/routes/7', value: { id: 7, uri: '/7' } }, { key: '/apisix/routes/a/x', value: { uri: '/a' } }] } } },
      read: ['7', 'a/x', 'b'],
      asked: [1],
    },
  ];
  for (const c of cases) {
    it(`reads ${c.name}`, async () => {
      const client = answeringClient((req) => c.pages[pageOf(req.path)] ?? { status: 500 });
      const objects = await listObjects(client, kindNamed('routes'));
      expect(objects.map((o) => o.id)).toEqual(c.read);
      expect(client.asked.map(pageOf)).toEqual(c.asked);
      expect(client.asked[0]).toBe(`GET /apisix/admin/routes?page=1&page_size=${PAGE_SIZE}`);
    });
  }

  it('takes the id from the key when the value has none, and keeps the value otherwise as read', async () => {
    const client = answeringClient(() => ({ status: 200, body: { list: [{ key: '/other/prefix/z', value: { uri: '/z' } }] } }));
    expect(await listObjects(client, kindNamed('routes'))).toEqual([{ id: 'z', uri: '/z' }]);
  });

  const optional: ReadonlyArray<readonly [string, ScriptedAnswer, string[] | string]> = [
    ['404: a gateway without the kind', { status: 404 }, []],
    ['400 naming it disabled', { status: 400, body: { error_msg: 'stream mode is disabled, can not add stream routes' } }, []],
    ['another 400', { status: 400, body: { error_msg: 'bad page' } }, `target edge rejected GET /apisix/admin/stream_routes?page=1&page_size=${PAGE_SIZE}: 400 bad page`],
    ['a 400 without a message', { status: 400 }, `target edge rejected GET /apisix/admin/stream_routes?page=1&page_size=${PAGE_SIZE}: 400`],
  ];
  for (const [name, answer, read] of optional) {
    it(`reads an optional kind answered with ${name}`, async () => {
      const client = answeringClient(() => answer);
      const kind = kindNamed('stream_routes');
      if (typeof read !== 'string') {
        expect(await listObjects(client, kind)).toEqual(read);
        return;
      }
      const error = await failure(() => listObjects(client, kind));
      const message = (answer.body as { error_msg?: string } | undefined)?.error_msg;
      expect(error.data).toEqual({
        code: 'rejected',
        target: 'edge',
        message: read,
        request: { method: 'GET', path: `/apisix/admin/stream_routes?page=1&page_size=${PAGE_SIZE}`, status: 400, attempts: 1 },
        ...(message !== undefined ? { gatewayMessage: message } : {}),
      });
    });
  }

  const broken: ReadonlyArray<readonly [string, unknown, string]> = [
    ['an item without a value', { list: [{ key: '/apisix/routes/a' }] }, 'a list item without a "value" object'],
    ['an item without an id or a key', { list: [{ value: { uri: '/a' } }] }, 'an object without an id'],
  ];
  for (const [name, body, what] of broken) {
    it(`refuses ${name}`, async () => {
      const error = await failure(() => listObjects(answeringClient(() => ({ status: 200, body })), kindNamed('routes')));
      expect(error.data.message).toBe(`target edge: unexpected response to GET /apisix/admin/routes?page=1&page_size=${PAGE_SIZE}: ${what}`);
    });
  }
});

describe('readObjects', () => {
  const route = (id: string): ApisixObject => ({ id, uri: `/${id}` });
  const answers: Record<string, ScriptedAnswer> = {
    '/apisix/admin/routes/a': { status: 200, body: { key: '/apisix/routes/a', value: route('a') } },
    '/apisix/admin/routes/b': { status: 404 },
    '/apisix/admin/routes/c': { status: 200, body: { node: { key: '/apisix/routes/c', value: { uri: '/c' } } } },
    '/apisix/admin/routes/d': { status: 200, body: { key: '/apisix/routes/d', value: route('e') } },
  };
  const client = () => answeringClient((req) => answers[req.path] ?? { status: 500 });

  it('reads each object, a missing one as null, a v2 one unwrapped, in the order asked', async () => {
    const refs = ['c', 'b', 'a'].map((id) => ({ kind: 'routes' as const, id }));
    expect(await readObjects(client(), refs, 2)).toEqual([
      { kind: 'routes', id: 'c', object: { id: 'c', uri: '/c' } },
      { kind: 'routes', id: 'b', object: null },
      { kind: 'routes', id: 'a', object: route('a') },
    ]);
  });

  it('refuses an answer that holds another object', async () => {
    const error = await failure(() => readObjects(client(), [{ kind: 'routes', id: 'd' }], 1));
    expect(error.data.message).toBe('target edge: unexpected response to GET /apisix/admin/routes/d: the object with id e');
  });
});
