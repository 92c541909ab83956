/**
 * A gateway for the end-to-end sync scenarios (test/e2e.test.ts), reached over HTTP only: a real
 * APISIX when the `TAGWAY_E2E_*` variables name one (as .github/workflows/e2e.yml does), the
 * in-process test servers otherwise. The scenarios see the same interface either way, so the code
 * that runs on GitHub against APISIX is the code that runs locally.
 *
 * Variables:
 * - `TAGWAY_E2E_ADMIN_URL`, `TAGWAY_E2E_ADMIN_KEY`: an APISIX in etcd mode (Admin API v3);
 * - `TAGWAY_E2E_STANDALONE_URL`, `TAGWAY_E2E_STANDALONE_KEY`: an APISIX in API-driven standalone
 *   mode (`PUT /apisix/admin/configs`); the key defaults to `TAGWAY_E2E_ADMIN_KEY`;
 * - `TAGWAY_E2E_PROXY_URL`: the data plane (node_listen) of the etcd-mode APISIX.
 */
import { LABEL_GROUP, type ApisixKind, type ApisixObject } from '../../src/model/apisix.js';
import { KIND_NAMES, KINDS_TO_DELETE, bodyKey, kindNamed } from '../../src/apisix/kinds/index.js';
import { startAdminServer } from './apisix-admin-server.js';
import { startStandaloneServer } from './apisix-standalone-server.js';

export type GatewayKind = 'apisix' | 'apisix-standalone';
type JsonObject = Record<string, unknown>;

/** Label that marks objects a scenario wrote straight to the gateway, so `clear` finds them. */
export const SEEDED_LABEL = 'tagway-e2e';

const KINDS: readonly ApisixKind[] = KIND_NAMES;
const DELETE_ORDER: readonly ApisixKind[] = KINDS_TO_DELETE.map((k) => k.name);
/** Fields APISIX sets itself and refuses (or treats specially) in a write. */
const SERVER_FIELDS = ['create_time', 'update_time', 'modifiedIndex', 'createdIndex'];
const LOCAL_KEY = 'local-e2e-key-5a1f0c93d7e24b68';

export interface E2eGateway {
  readonly kind: GatewayKind;
  readonly url: string;
  readonly key: string;
  /** Objects of one kind by id, as the gateway returns them. */
  objects(kind: ApisixKind): Promise<Map<string, JsonObject>>;
  /** Writes one object straight to the gateway, as another owner would (server fields dropped). */
  put(kind: ApisixKind, id: string, body: JsonObject): Promise<void>;
  /** Removes the objects of `group` and every object labelled `SEEDED_LABEL`; leaves the rest. */
  clear(group: string): Promise<void>;
  close(): Promise<void>;
}

export interface E2eEnvironment {
  readonly adminUrl: string | undefined;
  readonly adminKey: string | undefined;
  readonly standaloneUrl: string | undefined;
  readonly standaloneKey: string | undefined;
  readonly proxyUrl: string | undefined;
}

export function e2eEnvironment(env: NodeJS.ProcessEnv = process.env): E2eEnvironment {
  const value = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  return {
    adminUrl: value('TAGWAY_E2E_ADMIN_URL'),
    adminKey: value('TAGWAY_E2E_ADMIN_KEY'),
    standaloneUrl: value('TAGWAY_E2E_STANDALONE_URL'),
    standaloneKey: value('TAGWAY_E2E_STANDALONE_KEY') ?? value('TAGWAY_E2E_ADMIN_KEY'),
    proxyUrl: value('TAGWAY_E2E_PROXY_URL'),
  };
}

/** Where a kind's scenarios run, for test names. */
export function describeGateway(kind: GatewayKind, e2e: E2eEnvironment): string {
  const url = kind === 'apisix' ? e2e.adminUrl : e2e.standaloneUrl;
  if (url !== undefined) return `APISIX at ${url}`;
  return kind === 'apisix' ? 'the in-process Admin API test server' : 'the in-process standalone test server';
}

/** The real gateway of that kind when the environment names one, else a fresh test server. */
export async function openGateway(kind: GatewayKind, e2e: E2eEnvironment): Promise<E2eGateway> {
  const url = kind === 'apisix' ? e2e.adminUrl : e2e.standaloneUrl;
  const key = kind === 'apisix' ? e2e.adminKey : e2e.standaloneKey;
  if (url !== undefined) {
    if (key === undefined) throw new Error(`${kind === 'apisix' ? 'TAGWAY_E2E_ADMIN_KEY' : 'TAGWAY_E2E_STANDALONE_KEY'} must be set with the URL`);
    return kind === 'apisix' ? adminGateway(url.replace(/\/+$/, ''), key, async () => {}) : standaloneGateway(url.replace(/\/+$/, ''), key, async () => {});
  }
  if (kind === 'apisix') {
    const server = await startAdminServer({ apiKey: LOCAL_KEY });
    return adminGateway(server.url, LOCAL_KEY, () => server.close());
  }
  const server = await startStandaloneServer({ apiKey: LOCAL_KEY });
  return standaloneGateway(server.url, LOCAL_KEY, () => server.close());
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function writable(body: JsonObject): JsonObject {
  const out = { ...body };
  for (const field of SERVER_FIELDS) delete out[field];
  return out;
}

/** An object of `group` (by its kind's ownership rule: labels, or a global rule's id), or one a test seeded. */
function isClearable(kind: ApisixKind, obj: JsonObject, group: string): boolean {
  const labels = isObject(obj['labels']) ? obj['labels'] : {};
  return kindNamed(kind).ownership.claimedBy(obj as ApisixObject) === group || labels[LABEL_GROUP] === group || labels[SEEDED_LABEL] !== undefined;
}

async function call(url: string, key: string, init: { method: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(url, {
    method: init.method,
    headers: { 'x-api-key': key, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = text;
  }
  if (res.status >= 400) throw new Error(`${init.method} ${url} → ${res.status} ${text}`);
  return { status: res.status, body, text };
}

function adminGateway(url: string, key: string, close: () => Promise<void>): E2eGateway {
  const objects = async (kind: ApisixKind): Promise<Map<string, JsonObject>> => {
    const { body } = await call(`${url}/apisix/admin/${kind}`, key, { method: 'GET' });
    const list = isObject(body) && Array.isArray(body['list']) ? body['list'] : [];
    const out = new Map<string, JsonObject>();
    for (const item of list) {
      const value = isObject(item) && isObject(item['value']) ? item['value'] : null;
      // Keyed as APISIX keys the kind (a consumer by its username).
      if (value !== null) out.set(String(bodyKey(kindNamed(kind), value)), value);
    }
    return out;
  };
  return {
    kind: 'apisix',
    url,
    key,
    objects,
    put: async (kind, id, body) => {
      await call(`${url}/apisix/admin/${kind}/${encodeURIComponent(id)}`, key, { method: 'PUT', body: writable({ ...body, id }) });
    },
    clear: async (group) => {
      for (const kind of DELETE_ORDER) {
        for (const [id, obj] of await objects(kind)) {
          if (isClearable(kind, obj, group)) await call(`${url}/apisix/admin/${kind}/${encodeURIComponent(id)}`, key, { method: 'DELETE' });
        }
      }
    },
    close,
  };
}

function standaloneGateway(url: string, key: string, close: () => Promise<void>): E2eGateway {
  const configsUrl = `${url}/apisix/admin/configs`;
  let writes = 0;
  const read = async (): Promise<JsonObject> => {
    const { body } = await call(configsUrl, key, { method: 'GET' });
    if (!isObject(body)) throw new Error(`GET ${configsUrl} did not return an object`);
    const config = { ...body };
    delete config['X-Digest'];
    delete config['X-Last-Modified'];
    return config;
  };
  const list = (config: JsonObject, kind: ApisixKind): JsonObject[] => (Array.isArray(config[kind]) ? (config[kind] as unknown[]).filter(isObject) : []);
  /** Sends `config` back with the changed kinds' versions bumped, under a digest no snapshot has. */
  const write = async (config: JsonObject, lists: Partial<Record<ApisixKind, JsonObject[]>>): Promise<void> => {
    const body = { ...config };
    for (const kind of KINDS) {
      const next = lists[kind];
      if (next === undefined) continue;
      body[kind] = next;
      const version = config[`${kind}_conf_version`];
      body[`${kind}_conf_version`] = (typeof version === 'number' ? version : 0) + 1;
    }
    writes += 1;
    await call(configsUrl, key, { method: 'PUT', body, headers: { 'x-digest': `e2e-${process.pid}-${Date.now()}-${writes}` } });
  };
  return {
    kind: 'apisix-standalone',
    url,
    key,
    objects: async (kind) => new Map(list(await read(), kind).map((o) => [String(bodyKey(kindNamed(kind), o)), o])),
    put: async (kind, id, body) => {
      const config = await read();
      const others = list(config, kind).filter((o) => String(o['id']) !== id);
      await write(config, { [kind]: [...others, writable({ ...body, id })] });
    },
    clear: async (group) => {
      const config = await read();
      const lists: Partial<Record<ApisixKind, JsonObject[]>> = {};
      for (const kind of KINDS) {
        const kept = list(config, kind).filter((o) => !isClearable(kind, o, group));
        if (kept.length !== list(config, kind).length) lists[kind] = kept;
      }
      if (Object.keys(lists).length > 0) await write(config, lists);
    },
    close,
  };
}

/** Polls `probe` until it returns true or `ms` pass (the data plane sees config changes a moment later). */
export async function eventually(probe: () => Promise<boolean>, ms = 15_000): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
