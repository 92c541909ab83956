import type { ApisixConfig, ApisixObject, ObjectRef } from '../../../model/apisix.js';
import { SyncError } from '../../errors.js';
import { runBounded } from '../../../core/bounded.js';
import type { ReadBackEntry } from '../port.js';
import { referrerOf, type Referrer } from '../../referrers.js';
import type { AdminClient } from './client.js';
import { KINDS, REFERRER_KINDS, bodyKey, configOf, kindNamed, objectPath, type KindDescriptor, type ResourceType } from '../../../apisix/kinds/index.js';

/** Largest page the Admin API serves (`apisix/admin/v3_adapter.lua`: 10 ≤ page_size ≤ 500). */
export const PAGE_SIZE = 500;

/** Safety stop for a server that keeps reporting more objects than it returns. */
const MAX_PAGES = 10_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(client: AdminClient, path: string, what: string): SyncError {
  return new SyncError({
    code: 'invalid-live-state',
    target: client.target,
    message: `target ${client.target}: unexpected response to GET ${path}: ${what}`,
    hint: 'check that admin_url points at the Admin API (port 9180 by default) of APISIX 3.x',
  });
}

/**
 * The items of one list response. v3: `{ total, list: [{ key, value, ... }] }` (an empty list may
 * come as `{}`, the JSON of an empty Lua table); v2: `{ node: { nodes: [...] } }`.
 */
export function listItems(client: AdminClient, path: string, body: unknown): { items: unknown[]; total: number | null } {
  if (!isRecord(body)) throw invalid(client, path, 'not a JSON object');
  const total = typeof body.total === 'number' ? body.total : null;
  if (Array.isArray(body.list)) return { items: body.list, total };
  if (isRecord(body.list) && Object.keys(body.list).length === 0) return { items: [], total };
  if (body.list === undefined && isRecord(body.node)) {
    const nodes = body.node.nodes;
    return { items: Array.isArray(nodes) ? nodes : [], total: null };
  }
  if (body.list === undefined && total === 0) return { items: [], total };
  throw invalid(client, path, 'no "list" array');
}

/**
 * The object of one item `{ key, value, createdIndex, modifiedIndex }` (a list item, or the body of
 * a single GET): `value` with its `id` as a string: the kind's id field (`id`, a consumer's
 * `username`), else taken from the key (`/apisix/<list>/<id>`).
 */
function objectOf(kind: ResourceType, client: AdminClient, path: string, item: unknown, what = 'a list item'): ApisixObject {
  const value = isRecord(item) ? item.value : undefined;
  if (!isRecord(value)) throw invalid(client, path, `${what} without a "value" object`);
  let id: unknown = bodyKey(kind, value);
  if (id === undefined && isRecord(item) && typeof item.key === 'string') id = idInKey(kind, item.key);
  if (typeof id !== 'string' && typeof id !== 'number') throw invalid(client, path, 'an object without an id');
  // `value` was just parsed from the response and belongs to no one else: set in place, not copied.
  if (value.id !== String(id)) value.id = String(id);
  return value as ApisixObject;
}

/** The id in an etcd key `/apisix/<list>/<id>` (an id may hold `/`), or its last segment. */
function idInKey(kind: ResourceType, key: string): string | undefined {
  const prefix = `/apisix/${kind.admin.list}/`;
  return key.startsWith(prefix) ? key.slice(prefix.length) : key.split('/').pop();
}

/** Pages requested at once after the first: the gateway prepares one while the client reads another. */
const PAGE_CONCURRENCY = 4;

/**
 * Every object of one kind, across pages, sorted by id (none of an `optional` kind the gateway
 * does not serve). The first page tells how many objects
 * there are; the other pages are then requested a few at a time, and more are read one by one if
 * objects were created meanwhile (the total grew).
 */
export async function listObjects(client: AdminClient, kind: KindDescriptor): Promise<ApisixObject[]> {
  return (await listPaged(client, kind, (obj) => obj, kind.optional === true)) ?? [];
}

/**
 * The objects of a resource type, each passed through `keep` as its page arrives (null drops it),
 * sorted by id. With `optional`, a type the gateway does not serve gives null: 404 (APISIX
 * without it: "Unsupported resource type") or 400 "… disabled …" (stream routes with stream
 * mode off, `apisix/admin/init.lua`).
 */
async function listPaged<T extends { readonly id: string }>(
  client: AdminClient,
  kind: ResourceType,
  keep: (obj: ApisixObject) => T | null,
  optional: boolean,
): Promise<T[] | null> {
  interface Page {
    readonly items: readonly T[];
    /** Items the page listed, kept or not. */
    readonly listed: number;
    readonly total: number | null;
  }
  // A type that is not served answers so on any page: the first decides.
  const readPage = async (page: number): Promise<Page | null> => {
    const path = `/apisix/admin/${kind.admin.list}?page=${page}&page_size=${PAGE_SIZE}`;
    const res = await client.request({ method: 'GET', path, ...(optional && page === 1 ? { allow: [400, 404] } : {}) });
    if (res.status === 404) return null;
    if (res.status === 400) {
      const message = isRecord(res.body) && typeof res.body.error_msg === 'string' ? res.body.error_msg : '';
      if (/disabled/.test(message)) return null;
      throw new SyncError({
        code: 'rejected',
        target: client.target,
        message: `target ${client.target} rejected GET ${path}: 400${message ? ` ${message}` : ''}`,
        request: { method: 'GET', path, status: 400, attempts: 1 },
        ...(message ? { gatewayMessage: message } : {}),
      });
    }
    const { items, total } = listItems(client, path, res.body);
    const kept: T[] = [];
    for (const item of items) {
      const value = keep(objectOf(kind, client, path, item));
      if (value !== null) kept.push(value);
    }
    return { items: kept, listed: items.length, total };
  };
  const read: T[] = [];
  const keepPage = (page: Page) => {
    for (const obj of page.items) read.push(obj);
  };
  const pagedOut = (n: number, page: Page) => page.total === null || page.listed !== PAGE_SIZE || n * PAGE_SIZE >= page.total;
  const first = await readPage(1);
  if (first === null) return null;
  keepPage(first);
  let last = 1;
  let done = pagedOut(1, first);
  if (!done && first.total !== null) {
    const pages = Math.min(MAX_PAGES, Math.ceil(first.total / PAGE_SIZE));
    const rest = Array.from({ length: pages - 1 }, (_, i) => i + 2);
    const results = new Array<Page>(rest.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < rest.length) {
        const i = next++;
        results[i] = (await readPage(rest[i]!))!;
      }
    };
    await Promise.all(Array.from({ length: Math.min(PAGE_CONCURRENCY, rest.length) }, worker));
    // Kept in page order, as a one-by-one read would.
    results.forEach(keepPage);
    last = pages;
    done = results.length === 0 || pagedOut(pages, results[results.length - 1]!);
  }
  for (let n = last + 1; !done && n <= MAX_PAGES; n += 1) {
    const page = (await readPage(n))!;
    keepPage(page);
    done = pagedOut(n, page);
  }
  // Gateways list by key, which is by id for ids of one length: often in order already, and then
  // no id was read twice.
  let inOrder = true;
  for (let i = 1; i < read.length && inOrder; i++) inOrder = read[i - 1]!.id < read[i]!.id;
  if (inOrder) return read;
  // Objects created between two pages shift later ones into the next page: each id is kept once,
  // as last read.
  const objects = new Map<string, T>();
  for (const obj of read) objects.set(obj.id, obj);
  return [...objects.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The objects of the kinds tagway does not write that use an upstream or a service (see
 * referrers.ts), read concurrently, paged, each reduced to its references as its page arrives.
 * A kind the gateway does not serve (stream mode off, an APISIX without consumer groups) has none.
 */
export async function readReferrers(client: AdminClient): Promise<Referrer[]> {
  const kinds = await Promise.all(REFERRER_KINDS.map((kind) => listPaged(client, kind, (obj) => referrerOf(kind, obj), true)));
  return kinds.flatMap((found) => found ?? []);
}

/** The objects of every kind of the gateway, all owners, read concurrently. */
export async function readApisixConfig(client: AdminClient): Promise<ApisixConfig> {
  const lists = await Promise.all(KINDS.map((kind) => listObjects(client, kind)));
  return configOf((_, i) => lists[i]!);
}

/**
 * What the gateway holds at each of `refs` now, one `GET /apisix/admin/<kind>/<id>` per object,
 * `concurrency` at a time: the object in the form `listObjects` returns it (the same unwrapping of
 * `{ key, value, createdIndex, modifiedIndex }`, id as a string), or null on 404. Entries are in
 * the order of `refs`. Throws the first failure (after the client's retries), like a list read.
 */
export async function readObjects(client: AdminClient, refs: readonly ObjectRef[], concurrency: number): Promise<ReadBackEntry[]> {
  const entries = new Array<ReadBackEntry>(refs.length);
  const error = await runBounded(
    refs.map((ref, index) => ({ ref, index })),
    concurrency,
    async ({ ref, index }) => {
      const kind = kindNamed(ref.kind);
      const path = objectPath(kind, ref.id);
      const res = await client.request({ method: 'GET', path, allow: [404] });
      if (res.status === 404) {
        entries[index] = { kind: ref.kind, id: ref.id, object: null };
        return;
      }
      // v2 wraps the item as `{ node: { key, value } }`.
      const body = res.body;
      const item = isRecord(body) && body.value === undefined && isRecord(body.node) ? body.node : body;
      const object = objectOf(kind, client, path, item, 'a response');
      if (object.id !== ref.id) throw invalid(client, path, `the object with id ${object.id}`);
      entries[index] = { kind: ref.kind, id: ref.id, object };
    },
  );
  if (error !== undefined) throw error;
  return entries;
}
