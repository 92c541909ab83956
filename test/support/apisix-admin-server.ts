/**
 * A stateful, in-process APISIX Admin API v3 (etcd mode) for the kinds tagway writes (those of
 * src/apisix/kinds: `upstreams`, `services`, `routes`), for the sync tests and the benchmark.
 * Listens on 127.0.0.1, ephemeral port. With `servedSet`, it checks after every request that
 * no (host, method, uri) served at the mark was lost or sent elsewhere (served-set.ts). Which kinds exist and their resource names come from the
 * registry; what APISIX says and checks (messages, id fields, references) from this file's own
 * tables, so the tests check tagway against APISIX's behaviour rather than against itself. A
 * registered kind these tables do not know is stored and served like a plain resource keyed by
 * its registry id field.
 *
 * Mirrors apache/apisix 3.x (read at 3.18.0):
 * - `apisix/admin/init.lua`: token check before anything else (`api_key` query argument or
 *   `X-API-KEY` header; 401 `{"error_msg":"failed to check token","description":"missing apikey"
 *   | "wrong apikey"}`), 404 `{"error_msg":"Unsupported resource type: <x>"}`, 1.5 MiB body limit,
 *   400 `invalid request body: …` with `req_body` for bad JSON, the `ttl` argument check,
 *   `X-API-VERSION: v3`, and `strip_etcd_resp` (etcd headers never reach the client).
 * - `apisix/init.lua` (`http_admin`): every admin response is `Content-Type: application/json`;
 *   a path or method the admin router does not know gets nginx's plain 404; `HEAD /apisix/admin`
 *   is 200 without a token.
 * - `apisix/admin/resource.lua` (`check_conf`, `get`, `put`, `post`, `delete`, `patch`): id rules
 *   ("missing route id", "wrong route id", "wrong route id, do not need it"), `create_time` /
 *   `update_time` refused in PUT/POST bodies ("the property is forbidden:  create_time", two
 *   spaces as in APISIX), delete checkers skipped with `?force=true`, PATCH as a deep merge
 *   (`core.table.merge`: JSON null deletes a key, arrays replace) or a sub-path replace; a
 *   method the kind lacks (`unsupported_methods`) is 405 "not supported `POST` method for
 *   global rule" once the body is read.
 * - `apisix/admin/utils.lua` (`inject_timestamp`): `create_time` kept on replace, `update_time`
 *   set on every write, both epoch seconds.
 * - `apisix/admin/v3_adapter.lua`: list `{ total, list: [{ key, value, createdIndex,
 *   modifiedIndex }] }`; `name` / `uri` regex filters, `label` (label key present), `filter=`
 *   on routes' `service_id` / `upstream_id` (strict string equality, as Lua's `~=`); `total`
 *   counts after filtering and before paging; paging only when both `page` and `page_size` are
 *   numbers, `page_size` outside 10..500 is a 400 with the plain-text body
 *   `page_size must be between 10 and 500`, `page < 1` means 1, a paged list is ordered by
 *   `createdIndex` and an unpaged one by key (etcd's range order).
 * - `apisix/core/etcd.lua`: keys `/apisix/<kind>/<id>`; `createdIndex` / `modifiedIndex` are etcd
 *   revisions (one global counter, bumped by every write and delete; a key keeps its
 *   `createdIndex` across updates); `?ttl=<seconds>` on PUT or POST attaches the key to a new
 *   etcd lease, so it is removed that long after the write (by the server's `now`), and a write
 *   without it detaches the key again (`set` grants a lease only when given a ttl); PUT answers 201 when the
 *   key is new and 200 when it replaced one, both `{ key, value }`; POST ids are the revision of
 *   a `/gen_id` write, zero-padded to 20 digits; DELETE answers 200 `{ deleted: "1", key }`;
 *   a missing key is 404 `{"message":"Key not found"}`.
 * - `apisix/admin/<kind>.lua` `check_conf` (apisix-admin-checks.ts): each body is checked, in
 *   APISIX's order, against APISIX's own JSON Schemas (the kind's, and each plugin's), and the
 *   objects it refers to must exist: "failed to fetch upstream info by upstream id [x],
 *   response code: 404". A refused body is a 400 with APISIX's `error_msg`
 *   ("invalid configuration: …", "unknown plugin [x]", …) and nothing is stored.
 * - `apisix/admin/upstreams.lua`, `services.lua` (`delete_checker`): an upstream used by a route
 *   or service (directly or through `traffic-split`'s `weighted_upstreams`), or a service used by
 *   a route, cannot be deleted: "can not delete this upstream, route [x] is still using it now",
 *   "can not delete this upstream, plugin in route [x] is still using it now", "can not delete
 *   this service directly, route [x] is still using it now". Routes are checked before
 *   services, and a plugin reference before a direct one, as APISIX does.
 *
 * - Besides those three, the resources that can use an upstream or a service are stored, listed,
 *   read, written and deleted the same way: `stream_routes`, `plugin_configs`, `global_rules`,
 *   `consumers` (keyed by `username`, `PUT /consumers` with it in the body) and
 *   `consumer_groups`, with APISIX's reference checks on delete:
 *   - `upstreams.lua`: routes and services (`upstream_id`, and `traffic-split`), then plugin
 *     configs, consumers, consumer groups and global rules (`traffic-split` only): "can not delete
 *     this upstream, plugin in plugin_config [x] is still using it now" (`consumer`,
 *     `consumer_group`, `global_rules`). A stream route's `upstream_id` is not checked there;
 *   - `services.lua`: routes, then stream routes: "can not delete this service directly,
 *     stream_route [x] is still using it now";
 *   - `plugin_config.lua`: a plugin config a route uses by `plugin_config_id`: "can not delete
 *     this plugin config, route [x] is still using it now";
 *   - `stream_routes.lua`: `upstream_id` / `service_id` must exist on PUT, as for routes;
 *   - `admin/init.lua`: with stream mode off (`proxy_mode` without `stream`) every request on
 *     `stream_routes` is 400 "stream mode is disabled, can not add stream routes"
 *     (`streamMode: false`); a resource an older APISIX lacks is the 404 of an unsupported
 *     resource type (`unsupported`).
 *
 * - `plugin_metadata` (`plugin_metadata.lua`, `resource.lua` `no_id_res`): keyed by the plugin
 *   name of the path, stored with it as `id`; the plugin must exist ("invalid plugin name") and
 *   the body meet its `metadata_schema`; no timestamps; POST and PATCH are 405.
 *
 * - `secrets` (`admin/secrets.lua`, `resource.lua`): keyed by `<manager>/<id>`, the two path
 *   segments after the resource; the body is checked against the manager's schema ("invalid
 *   secret manager: x", "invalid configuration: …"); POST is refused. Nothing refers to one.
 *
 * Left out, deliberately:
 * - Other resources (protos, …) answer as an unsupported resource type. Secret managers'
 *   fields are stored as sent (APISIX does not encrypt them).
 * - What APISIX checks by running Lua: plugins' own `check_schema` code beyond their schemas,
 *   expressions, functions (apisix-admin-checks.ts lists them). Plug a stricter validator in
 *   with `options.validate`.
 * - etcd's lease keep-alives and its minimum ttl; admin key roles (viewer) and
 *   the cookie form of the key; data encryption (but for an SSL's keys, which `ssl.lua` always
 *   stores encrypted, with the default keyring); `X-Etcd-Index`.
 * - JSON parse error texts are Node's, not cjson's (same prefix, `invalid request body: `).
 * - APISIX's delete checkers read the gateway's (eventually consistent) in-memory config; here
 *   references are exact and immediate.
 * - A `name` filter on objects without a `name` makes APISIX fail; here they just do not match.
 */
import { createCipheriv } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApisixKind } from '../../src/model/apisix.js';
import { KINDS, isKindName, kindNamed } from '../../src/apisix/kinds/index.js';
import { checkConf, isCheckedKind, type CheckStore } from './apisix-admin-checks.js';
import { countWrites, listenWithFaults, type Faults, type RequestRecord } from './faults.js';
import { servedSet, servedViolations, type ServedSet, type ServedViolation } from './served-set.js';

export type { ApisixKind } from '../../src/model/apisix.js';

/** Resources stored besides the kinds tagway writes: those that can use an upstream or a service. */
export const EXTRA_KINDS = ['stream_routes', 'plugin_configs', 'global_rules', 'consumers', 'consumer_groups'] as const;
export type ExtraKind = (typeof EXTRA_KINDS)[number];
/** Every resource type the server stores. */
export type ServerKind = ApisixKind | ExtraKind;
const SERVER_KINDS: readonly ServerKind[] = [...KINDS.map((k) => k.name), ...EXTRA_KINDS.filter((k) => !isKindName(k))];

/** APISIX version whose Admin API these servers mirror; also sent in the `Server` header. */
export const MIRRORED_APISIX_VERSION = '3.18.0';

/** Returns an error message (sent verbatim as `error_msg` with a 400) or null to accept. */
export type AdminValidator = (kind: ApisixKind, body: Readonly<Record<string, unknown>>) => string | null;

export interface AdminServerOptions {
  /** The accepted `X-API-KEY`; `null` disables the check (`admin_key_required: false`). Default 'test-key'. */
  readonly apiKey?: string | null;
  /** Runs after APISIX's schema checks and before its reference checks (a registered kind only). */
  readonly validate?: AdminValidator;
  /**
   * False: no `check_conf` (schemas, plugins, references) on writes. Only for the benchmark, which
   * measures the client: on a machine of two cores the gateway's checks would take the client's
   * core, where a real gateway spends its own. Default true.
   */
  readonly checks?: boolean;
  /** Clock for `create_time` / `update_time` and for `?ttl=` expiry, in epoch seconds. Default: the system clock. */
  readonly now?: () => number;
  /** False: APISIX without stream proxying; `stream_routes` answers 400. Default true. */
  readonly streamMode?: boolean;
  /** Resource types this APISIX does not have (404 "Unsupported resource type"), e.g. an older one. */
  readonly unsupported?: readonly ServerKind[];
  /**
   * What `?ttl=` does: `expire` (default, as APISIX on etcd) or `ignore` (a gateway that keeps
   * every object, so only `update_time` tells an abandoned lease).
   */
  readonly ttl?: 'expire' | 'ignore';
  /**
   * Keep the served set (served-set.ts): from the first request (or `markServed`) on, check
   * after every request that no key served then is lost or sent elsewhere, and record each
   * violation (`servedViolations`). Default false.
   */
  readonly servedSet?: boolean;
}

export interface AdminServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly apiKey: string | null;
  readonly faults: Faults;
  /** Every request, in arrival order (see `faults.ts` for `status` and `fault`). */
  readonly requests: readonly RequestRecord[];
  /** PUT, POST, PATCH and DELETE requests received so far, faulted or failed ones included. */
  writes(): number;
  /** The same, without the requests for lease objects (`tagway-lease.*`): writes of configuration. */
  objectWrites(): number;
  /** Copies of the current values of a kind, by id, in creation order. */
  objects(kind: ServerKind): Map<string, Record<string, unknown>>;
  /**
   * Stores a copy of `value` under `id` without a request and without any check (e.g. an object
   * tagway does not own, or one that dangles). `id` is added to the value when it has none.
   */
  seed(kind: ServerKind, id: string, value: Readonly<Record<string, unknown>>): void;
  /** The served set now (served-set.ts). */
  served(): ServedSet;
  /** With `servedSet`: takes the served set now as the one to keep, and forgets earlier violations. */
  markServed(): void;
  /** With `servedSet`: each key served at the mark that a request lost or sent elsewhere, in order. */
  servedViolations(): readonly ServedViolation[];
  /** Forgets all objects, the request log and every armed fault. */
  reset(): void;
  close(): Promise<void>;
}

type JsonObject = Record<string, unknown>;

interface Entry {
  value: JsonObject;
  readonly createdIndex: number;
  modifiedIndex: number;
  /** Server time (epoch seconds) at which its ttl removes it; null without one. */
  expiresAt: number | null;
}

interface Referrer {
  readonly kind: ServerKind;
  readonly id: string;
  /** True when the reference is (also) in `traffic-split`, which APISIX reports first. */
  readonly viaPlugin: boolean;
}

/** `kind` of each resource (`resource.new`), as messages name it (a kind not listed: its registry `singular`). */
const SINGULAR: Readonly<Partial<Record<ServerKind, string>>> = {
  upstreams: 'upstream',
  services: 'service',
  routes: 'route',
  stream_routes: 'stream route',
  plugin_configs: 'plugin config',
  global_rules: 'global rule',
  consumers: 'consumer',
  consumer_groups: 'consumer group',
  plugin_metadata: 'plugin_metadata',
  secrets: 'secret',
};

/**
 * Who is checked, in APISIX's order, before an upstream or a service is deleted, and under which
 * name the message says it (`check_resources_reference`'s `resources_name`). `pluginOnly`: only
 * `traffic-split` references count, as for every kind but routes and services.
 */
const DELETE_CHECKS: Readonly<Partial<Record<ServerKind, readonly { readonly kind: ServerKind; readonly name: string; readonly pluginOnly: boolean }[]>>> = {
  upstreams: [
    { kind: 'routes', name: 'route', pluginOnly: false },
    { kind: 'services', name: 'service', pluginOnly: false },
    { kind: 'plugin_configs', name: 'plugin_config', pluginOnly: true },
    { kind: 'consumers', name: 'consumer', pluginOnly: true },
    { kind: 'consumer_groups', name: 'consumer_group', pluginOnly: true },
    { kind: 'global_rules', name: 'global_rules', pluginOnly: true },
  ],
  services: [
    { kind: 'routes', name: 'route', pluginOnly: false },
    { kind: 'stream_routes', name: 'stream_route', pluginOnly: false },
  ],
  plugin_configs: [{ kind: 'routes', name: 'route', pluginOnly: false }],
};

function singular(kind: ServerKind): string {
  return SINGULAR[kind] ?? kindNamed(kind as ApisixKind).singular;
}

/** The body field a resource is keyed by, where it is not `id`: a consumer's `username` (`consumers.lua`). */
const KEY_FIELDS: Readonly<Partial<Record<ServerKind, string>>> = { consumers: 'username' };

function keyField(kind: ServerKind): string {
  return KEY_FIELDS[kind] ?? (isKindName(kind) ? kindNamed(kind).id.field : 'id');
}

/** Methods a resource lacks (`unsupported_methods`): 405, once the body is read (`resource.lua`). */
const UNSUPPORTED_METHODS: Readonly<Partial<Record<ServerKind, ReadonlySet<string>>>> = {
  stream_routes: new Set(['PATCH']),
  plugin_configs: new Set(['POST']),
  global_rules: new Set(['POST']),
  consumer_groups: new Set(['POST']),
  consumers: new Set(['POST', 'PATCH']),
  plugin_metadata: new Set(['POST', 'PATCH']),
  secrets: new Set(['POST']),
};

const ETCD_PREFIX = '/apisix';
const ADMIN_PREFIX = '/apisix/admin';
/** `MAX_REQ_BODY` in `apisix/admin/init.lua`. */
const MAX_REQ_BODY = 1024 * 1024 * 1.5;
/** Methods the admin router routes to `run()`; anything else is nginx's 404. */
const ROUTED_METHODS: ReadonlySet<string> = new Set(['GET', 'PUT', 'POST', 'DELETE', 'PATCH']);
/** `list_filter_fields` of each resource (only routes declare some). */
const LIST_FILTER_FIELDS: Readonly<Partial<Record<ServerKind, ReadonlySet<string>>>> = {
  routes: new Set(['service_id', 'upstream_id']),
  stream_routes: new Set(['service_id', 'upstream_id']),
};

/** A request of a run's lease (docs/concurrent-runs.md): its lease object, or the list of the group's leases. */
export function isLeaseRequest(request: RequestRecord): boolean {
  return request.path.includes('/tagway-lease.') || request.path.includes('label=tagway.lease');
}

export async function startAdminServer(options: AdminServerOptions = {}): Promise<AdminServer> {
  const apiKey = options.apiKey === undefined ? 'test-key' : options.apiKey;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const store = new AdminStore();
  const honourTtl = options.ttl !== 'ignore';

  const served = (): ServedSet =>
    servedSet({ routes: valuesOf(store, 'routes'), services: valuesOf(store, 'services'), upstreams: valuesOf(store, 'upstreams') });
  let baseline: ServedSet | null = null;
  const violations: ServedViolation[] = [];
  const http = await listenWithFaults(async (req, res) => {
    if (options.servedSet === true) baseline ??= served();
    await handleAdminRequest(req, res, {
      apiKey,
      now,
      store,
      validate: options.validate,
      checks: options.checks ?? true,
      streamMode: options.streamMode ?? true,
      unsupported: new Set(options.unsupported ?? []),
      honourTtl,
    });
    if (baseline !== null) violations.push(...servedViolations(baseline, served(), `${req.method ?? '?'} ${req.url ?? '?'}`));
  });

  return {
    url: http.url,
    apiKey,
    faults: http.faults,
    requests: http.requests,
    writes: () => countWrites(http.requests),
    objectWrites: () => countWrites(http.requests.filter((r) => !isLeaseRequest(r))),
    objects: (kind) => {
      store.expire(now());
      const copy = new Map<string, JsonObject>();
      for (const [id, entry] of store.table(kind)) copy.set(id, structuredClone(entry.value));
      return copy;
    },
    seed: (kind, id, value) => {
      const copy: JsonObject = structuredClone(value) as JsonObject;
      copy[keyField(kind)] ??= id;
      store.write(kind, id, copy);
    },
    served,
    markServed: () => {
      baseline = served();
      violations.length = 0;
    },
    servedViolations: () => [...violations],
    reset: () => {
      baseline = null;
      violations.length = 0;
      store.clear();
      http.clearRequests();
      http.faults.clear();
    },
    close: () => http.close(),
  };
}

/** The current values of a kind, by id (unexpired; the served set reads them after every request). */
function valuesOf(store: AdminStore, kind: ServerKind): Map<string, JsonObject> {
  return new Map([...store.table(kind)].map(([id, entry]) => [id, entry.value]));
}

interface AdminContext {
  readonly apiKey: string | null;
  readonly now: () => number;
  readonly store: AdminStore;
  readonly validate: AdminValidator | undefined;
  readonly checks: boolean;
  readonly streamMode: boolean;
  readonly unsupported: ReadonlySet<string>;
  readonly honourTtl: boolean;
}

/** What a resource handler answers: a JSON body, or a raw string body (APISIX prints strings as is). */
interface Reply {
  readonly status: number;
  readonly body: unknown;
}

async function handleAdminRequest(req: IncomingMessage, res: ServerResponse, ctx: AdminContext): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');

  if (url.pathname === ADMIN_PREFIX && method === 'HEAD') {
    sendAdmin(res, 200, undefined);
    return;
  }
  if (!url.pathname.startsWith(`${ADMIN_PREFIX}/`) || !ROUTED_METHODS.has(method)) {
    req.resume();
    sendNginxNotFound(res);
    return;
  }

  const tokenError = checkToken(req, url, ctx.apiKey);
  if (tokenError !== null) {
    req.resume();
    sendAdmin(res, 401, { error_msg: 'failed to check token', description: tokenError });
    return;
  }

  const segments = splitUri(url.pathname.slice(ADMIN_PREFIX.length + 1));
  const resource = segments[0] ?? '';
  if (resource === 'stream_routes' && !ctx.streamMode) {
    req.resume();
    sendAdmin(res, 400, { error_msg: 'stream mode is disabled, can not add stream routes' });
    return;
  }
  if (!isKind(resource) || ctx.unsupported.has(resource)) {
    req.resume();
    sendAdmin(res, 404, { error_msg: `Unsupported resource type: ${resource}` });
    return;
  }
  // `secrets/<manager>/<id>` (resource.lua `split_typ_and_id`): the manager and the id are one key.
  const idSegments = resource === 'secrets' && segments.length > 2 ? 2 : 1;
  const id = segments.length > 1 ? segments.slice(1, 1 + idSegments).join('/') : undefined;
  const subPath = segments.slice(1 + idSegments).join('/');

  const body = await readBody(req, MAX_REQ_BODY);
  if (!body.ok) {
    sendAdmin(res, 400, { error_msg: `invalid request body: ${body.error}` });
    return;
  }
  let conf: unknown;
  if (body.raw.length > 0) {
    const text = body.raw.toString('utf8');
    try {
      conf = JSON.parse(text);
    } catch (error) {
      sendAdmin(res, 400, { error_msg: `invalid request body: ${errorText(error)}`, req_body: text });
      return;
    }
  }

  const ttl = url.searchParams.get('ttl');
  if (ttl !== null && luaNumber(ttl) === undefined) {
    sendAdmin(res, 400, { error_msg: 'invalid argument ttl: should be a number' });
    return;
  }

  // etcd removes a key whose lease ran out on its own; here, before the next request looks.
  ctx.store.expire(ctx.now());
  const reply = dispatch(ctx, method, resource, id, subPath, conf, url.searchParams);
  sendAdmin(res, reply.status, reply.body, { 'X-API-VERSION': 'v3' });
}

function dispatch(
  ctx: AdminContext,
  method: string,
  kind: ServerKind,
  id: string | undefined,
  subPath: string,
  conf: unknown,
  args: URLSearchParams,
): Reply {
  if (UNSUPPORTED_METHODS[kind]?.has(method) === true) {
    return { status: 405, body: { error_msg: `not supported \`${method}\` method for ${singular(kind)}` } };
  }
  switch (method) {
    case 'GET':
      return id === undefined ? listObjects(ctx, kind, args) : getObject(ctx, kind, id);
    case 'PUT':
      return putObject(ctx, kind, id, conf, expiry(ctx, args));
    case 'POST':
      return postObject(ctx, kind, id, conf, expiry(ctx, args));
    case 'DELETE':
      return deleteObject(ctx, kind, id, args);
    case 'PATCH':
      return patchObject(ctx, kind, id, subPath, conf);
    default:
      return { status: 404, body: { error_msg: 'not found' } };
  }
}

function getObject(ctx: AdminContext, kind: ServerKind, id: string): Reply {
  const entry = ctx.store.table(kind).get(id);
  if (entry === undefined) return keyNotFound();
  return {
    status: 200,
    body: { key: etcdKey(kind, id), value: entry.value, createdIndex: entry.createdIndex, modifiedIndex: entry.modifiedIndex },
  };
}

function listObjects(ctx: AdminContext, kind: ServerKind, args: URLSearchParams): Reply {
  const matches = listFilter(kind, args);
  // Map order is creation order, i.e. ascending createdIndex (a re-created key moves to the end).
  const selected: Array<[string, Entry]> = [];
  for (const item of ctx.store.table(kind)) if (matches(item[1].value)) selected.push(item);
  const total = selected.length;

  const page = luaNumber(args.get('page'));
  const pageSize = luaNumber(args.get('page_size'));
  let shown: Array<[string, Entry]>;
  if (page !== undefined && pageSize !== undefined) {
    if (pageSize < 10 || pageSize > 500) {
      return { status: 400, body: 'page_size must be between 10 and 500' };
    }
    const to = (page < 1 ? 1 : page) * pageSize;
    const from = to - pageSize + 1;
    shown = [];
    for (let i = from; i <= to; i += 1) {
      const item = Number.isInteger(i) ? selected[i - 1] : undefined;
      if (item !== undefined) shown.push(item);
    }
  } else {
    shown = selected.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  return {
    status: 200,
    body: {
      total,
      list: shown.map(([id, entry]) => ({
        key: etcdKey(kind, id),
        value: entry.value,
        createdIndex: entry.createdIndex,
        modifiedIndex: entry.modifiedIndex,
      })),
    },
  };
}

/** The `name`, `label`, `uri` and `filter` arguments of `v3_adapter.filter`, as one predicate. */
function listFilter(kind: ServerKind, args: URLSearchParams): (value: JsonObject) => boolean {
  const name = args.get('name');
  const label = args.get('label');
  const uri = args.get('uri');
  const nameRe = name === null ? undefined : compileRegex(name);
  const uriRe = uri === null ? undefined : compileRegex(uri);
  const fieldFilters: Array<[string, string]> = [];
  const filter = args.get('filter');
  if (filter !== null) {
    const decoded = new Map<string, string>();
    // Later duplicates win, as `value[#value]` does for repeated arguments.
    for (const [key, value] of new URLSearchParams(filter)) decoded.set(key, value);
    for (const [key, value] of decoded) if (LIST_FILTER_FIELDS[kind]?.has(key) === true) fieldFilters.push([key, value]);
  }

  return (value) => {
    if (name !== null) {
      const subject = value['name'];
      if (nameRe === undefined || typeof subject !== 'string' || !nameRe.test(subject)) return false;
    }
    if (label !== null) {
      const labels = value['labels'];
      if (!isObject(labels) || !Object.hasOwn(labels, label)) return false;
    }
    if (uri !== null) {
      if (uriRe === undefined) return false;
      const one = value['uri'];
      const many = value['uris'];
      const hit =
        (typeof one === 'string' && uriRe.test(one)) ||
        (Array.isArray(many) && many.some((u) => typeof u === 'string' && uriRe.test(u)));
      if (!hit) return false;
    }
    for (const [key, expected] of fieldFilters) if (value[key] !== expected) return false;
    return true;
  };
}

/** When a write's `?ttl=` removes its key (server epoch seconds), or null. */
function expiry(ctx: AdminContext, args: URLSearchParams): number | null {
  const ttl = luaNumber(args.get('ttl'));
  return ttl === undefined || !ctx.honourTtl ? null : ctx.now() + ttl;
}

function putObject(ctx: AdminContext, kind: ServerKind, pathId: string | undefined, conf: unknown, expiresAt: number | null): Reply {
  if (conf === undefined) return badRequest('missing configurations');
  if (kind === 'plugin_metadata') return putMetadata(ctx, pathId, conf);
  const field = keyField(kind);
  if (field !== 'id') return putKeyed(ctx, kind, field, pathId, conf);
  const bodyId = isObject(conf) ? conf['id'] : undefined;
  const id = pathId ?? bodyId;
  if (id === undefined || id === null) return badRequest(`missing ${singular(kind)} id`);
  if (!isObject(conf)) return badRequest(`invalid configuration: wrong type: expected object, got ${jsonType(conf)}`);
  if (bodyId !== undefined && String(bodyId) !== String(id)) return badRequest(`wrong ${singular(kind)} id`);
  conf['id'] = id;

  const problem = forbiddenTimestamp(conf) ?? checkObject(ctx, kind, String(id), conf);
  if (problem !== null) return badRequest(problem);

  const key = String(id);
  const previous = ctx.store.table(kind).get(key);
  if (kind === 'ssls') encryptSslKeys(conf);
  injectTimestamps(conf, previous?.value, ctx.now());
  const created = ctx.store.write(kind, key, conf, expiresAt);
  return { status: created ? 201 : 200, body: { key: etcdKey(kind, key), value: conf } };
}

/**
 * A resource keyed by a body field (`consumers.lua`: the key is the body's `username`, and a path
 * id must equal it).
 */
function putKeyed(ctx: AdminContext, kind: ServerKind, field: string, pathId: string | undefined, conf: unknown): Reply {
  if (!isObject(conf)) return badRequest(`invalid configuration: wrong type: expected object, got ${jsonType(conf)}`);
  const key = conf[field];
  if (typeof key !== 'string' || key === '') return badRequest(`invalid configuration: property "${field}" is required`);
  if (pathId !== undefined && pathId !== key) return badRequest(`wrong ${field}`);
  const problem = forbiddenTimestamp(conf) ?? checkObject(ctx, kind, key, conf);
  if (problem !== null) return badRequest(problem);
  const previous = ctx.store.table(kind).get(key);
  injectTimestamps(conf, previous?.value, ctx.now());
  const created = ctx.store.write(kind, key, conf);
  return { status: created ? 201 : 200, body: { key: etcdKey(kind, key), value: conf } };
}

/**
 * Plugin metadata (`resource.lua` `put` with `no_id_res`): keyed by the plugin name of the path,
 * which is stored as the body's `id` whatever the body said; no `create_time` / `update_time`
 * (it skips `inject_conf_with_prev_conf`).
 */
function putMetadata(ctx: AdminContext, pathId: string | undefined, conf: unknown): Reply {
  if (conf === undefined) return badRequest('missing configurations');
  const problem = forbiddenTimestamp(isObject(conf) ? conf : {}) ?? (isObject(conf) ? checkObject(ctx, 'plugin_metadata', pathId, conf) : null);
  if (problem !== null) return badRequest(problem);
  if (pathId === undefined) return badRequest('missing plugin name');
  if (!isObject(conf)) return badRequest(`invalid configuration: wrong type: expected object, got ${jsonType(conf)}`);
  conf['id'] = pathId;
  const created = ctx.store.write('plugin_metadata', pathId, conf);
  return { status: created ? 201 : 200, body: { key: etcdKey('plugin_metadata', pathId), value: conf } };
}

function postObject(ctx: AdminContext, kind: ServerKind, pathId: string | undefined, conf: unknown, expiresAt: number | null): Reply {
  if (conf === undefined) return badRequest('missing configurations');
  const bodyId = isObject(conf) ? conf['id'] : undefined;
  if ((pathId ?? bodyId) !== undefined) return badRequest(`wrong ${singular(kind)} id, do not need it`);
  if (!isObject(conf)) return badRequest(`invalid configuration: wrong type: expected object, got ${jsonType(conf)}`);

  const problem = forbiddenTimestamp(conf) ?? checkObject(ctx, kind, undefined, conf);
  if (problem !== null) return badRequest(problem);

  injectTimestamps(conf, undefined, ctx.now());
  const id = ctx.store.generateId();
  conf['id'] = id;
  ctx.store.write(kind, id, conf, expiresAt);
  return { status: 201, body: { key: etcdKey(kind, id), value: conf } };
}

function deleteObject(ctx: AdminContext, kind: ServerKind, id: string | undefined, args: URLSearchParams): Reply {
  if (id === undefined) return badRequest(`missing ${singular(kind)} id`);
  if (args.get('force') !== 'true') {
    const problem = ctx.store.deleteBlocker(kind, id);
    if (problem !== null) return badRequest(problem);
  }
  if (!ctx.store.remove(kind, id)) return keyNotFound();
  return { status: 200, body: { deleted: '1', key: etcdKey(kind, id) } };
}

function patchObject(
  ctx: AdminContext,
  kind: ServerKind,
  id: string | undefined,
  subPath: string,
  conf: unknown,
): Reply {
  if (id === undefined) return badRequest(`missing ${singular(kind)} id`);
  if (conf === undefined) return badRequest('missing new configuration');
  if (subPath === '' && !isObject(conf)) return badRequest('invalid configuration');
  const entry = ctx.store.table(kind).get(id);
  if (entry === undefined) return keyNotFound();

  let next: unknown = structuredClone(entry.value);
  const time = ctx.now();
  if (subPath !== '') {
    const patched = patchAt(next as JsonObject, subPath, conf);
    if (!patched.ok) return badRequest(patched.error);
    next = patched.value;
    if (isObject(next)) injectTimestamps(next, undefined, time, true);
  } else {
    next = mergeInto(next as JsonObject, conf as JsonObject);
    injectTimestamps(next as JsonObject, undefined, time, (conf as JsonObject)['update_time'] === undefined);
  }

  // check_conf(id, node_value, need_id = true, allow_time = true)
  const bodyId = isObject(next) ? next['id'] : undefined;
  if (bodyId !== undefined && String(bodyId) !== id) return badRequest(`wrong ${singular(kind)} id`);
  if (!isObject(next)) return badRequest(`invalid configuration: wrong type: expected object, got ${jsonType(next)}`);
  next['id'] = id;
  const problem = checkObject(ctx, kind, id, next);
  if (problem !== null) return badRequest(problem);

  ctx.store.write(kind, id, next);
  return { status: 200, body: { key: etcdKey(kind, id), value: next } };
}

/** `check_forbidden_properties(conf, {"create_time", "update_time"})`. */
function forbiddenTimestamp(conf: JsonObject): string | null {
  const fields = ['create_time', 'update_time'] as const;
  const prefix = 'the property is forbidden: ';
  for (const f of fields) if (isTruthy(conf[f])) return `${prefix} ${f}`;
  const upstream = conf['upstream'];
  if (isObject(upstream)) for (const f of fields) if (isTruthy(upstream[f])) return `${prefix} upstream.${f}`;
  const plugins = conf['plugins'];
  if (isObject(plugins)) for (const f of fields) if (isTruthy(plugins[f])) return `${prefix} plugins.${f}`;
  return null;
}

/**
 * The kind's `checker` (apisix-admin-checks.ts: schemas, plugins, references), with the hook where
 * APISIX's schema checks end. A registered kind APISIX does not have: its id, then the hook.
 */
function checkObject(ctx: AdminContext, kind: ServerKind, id: string | undefined, conf: JsonObject): string | null {
  if (!ctx.checks) return null;
  const hook = isKindName(kind) && ctx.validate !== undefined ? () => ctx.validate?.(kind, conf) ?? null : undefined;
  if (isCheckedKind(kind)) return checkConf(kind, id, conf, ctx.store, hook);
  const value = conf[keyField(kind)];
  if (keyField(kind) === 'id' && value !== undefined && !isValidId(value)) {
    return 'invalid configuration: property "id" validation failed: object matches none of the required';
  }
  return hook?.() ?? null;
}

/** The first key of APISIX's default `data_encryption.keyring` (apisix/cli/config.lua). */
const DEFAULT_KEYRING_KEY = Buffer.from('qeddd145sfvddff3');

/**
 * `admin/ssl.lua` `check_conf` → `ssl.lua` `aes_encrypt_pkey`: an SSL's `key` and each of `keys`
 * are stored (and returned) encrypted with the keyring's first key, AES-128-CBC with the key as
 * its IV, base64; a secret reference stays as it is.
 */
function encryptSslKeys(conf: JsonObject): void {
  const encrypt = (value: unknown): unknown => {
    if (typeof value !== 'string' || value.startsWith('$secret://') || value.toLowerCase().startsWith('$env://')) return value;
    const cipher = createCipheriv('aes-128-cbc', DEFAULT_KEYRING_KEY, DEFAULT_KEYRING_KEY);
    return Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]).toString('base64');
  };
  if (conf['key'] !== undefined) conf['key'] = encrypt(conf['key']);
  if (Array.isArray(conf['keys'])) conf['keys'] = conf['keys'].map(encrypt);
}

/** `inject_timestamp(conf, prev_conf, patch_conf)`: keeps or sets `create_time`, sets `update_time`. */
function injectTimestamps(conf: JsonObject, previous: JsonObject | undefined, time: number, resetUpdate = false): void {
  if (!isTruthy(conf['create_time'])) {
    const kept = previous?.['create_time'];
    conf['create_time'] = isTruthy(kept) ? kept : time;
  }
  if (!isTruthy(conf['update_time']) || resetUpdate) conf['update_time'] = time;
}

/** `core.table.merge`: objects merge deeply, arrays replace, JSON null deletes. */
function mergeInto(origin: JsonObject, extend: JsonObject): JsonObject {
  for (const [key, value] of Object.entries(extend)) {
    if (value === null) {
      delete origin[key];
    } else if (typeof value === 'object') {
      const current = origin[key];
      // LuaJIT's table.isarray counts an empty table as an array, so `{}` replaces too.
      if (isObject(current) && isObject(value) && !isLuaArray(current) && !isLuaArray(value)) {
        mergeInto(current, value);
      } else {
        origin[key] = value;
      }
    } else {
      origin[key] = value;
    }
  }
  return origin;
}

/** `core.table.patch`: replaces the value at a `/`-separated sub-path, creating missing parents. */
function patchAt(root: JsonObject, subPath: string, conf: unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  const names = subPath.split('/');
  let node: JsonObject = root;
  for (let i = 0; i < names.length - 1; i += 1) {
    const name = names[i] ?? '';
    if (node[name] === undefined) node[name] = {};
    const child = node[name];
    if (!isObject(child)) return { ok: false, error: `invalid sub-path: /${names.slice(0, i + 1).join('/')}` };
    node = child;
  }
  const last = names[names.length - 1] ?? '';
  if (last === '') return { ok: true, value: conf };
  node[last] = conf;
  return { ok: true, value: root };
}

/** The objects of every kind, etcd's revision counter, and who references whom. */
class AdminStore implements CheckStore {
  #revision = 1;
  readonly #tables = Object.fromEntries(SERVER_KINDS.map((kind) => [kind, new Map<string, Entry>()])) as Record<ServerKind, Map<string, Entry>>;
  /** Keys with a ttl, so expiry does not walk every object. */
  readonly #expiring = new Map<string, { readonly kind: ServerKind; readonly id: string }>();
  /** `<kind>/<id>` of a referenced object → its referrers by `<kind>/<id>`. */
  readonly #referrers = new Map<string, Map<string, Referrer>>();

  table(kind: ServerKind): ReadonlyMap<string, Entry> {
    return this.#tables[kind];
  }

  get(kind: string, id: string): JsonObject | undefined {
    return isKind(kind) ? this.#tables[kind].get(id)?.value : undefined;
  }

  *entries(kind: string): Iterable<readonly [string, JsonObject]> {
    if (!isKind(kind)) return;
    for (const [id, entry] of this.#tables[kind]) yield [id, entry.value];
  }

  /** `etcd.push`'s id: the revision of a `/gen_id` write, zero-padded to 20 digits. */
  generateId(): string {
    this.#revision += 1;
    return String(this.#revision).padStart(20, '0');
  }

  /** Stores `value` (owned from now on) under `id`, removed at `expiresAt` when given; true when the key is new. */
  write(kind: ServerKind, id: string, value: JsonObject, expiresAt: number | null = null): boolean {
    this.#revision += 1;
    const table = this.#tables[kind];
    const entry = table.get(id);
    if (entry !== undefined) {
      this.#unindex(kind, id, entry.value);
      entry.value = value;
      entry.modifiedIndex = this.#revision;
      entry.expiresAt = expiresAt;
    } else {
      table.set(id, { value, createdIndex: this.#revision, modifiedIndex: this.#revision, expiresAt });
    }
    if (expiresAt !== null) this.#expiring.set(`${kind}/${id}`, { kind, id });
    else this.#expiring.delete(`${kind}/${id}`);
    this.#index(kind, id, value);
    return entry === undefined;
  }

  /** Removes every key whose ttl ran out by `now` (epoch seconds), as etcd revokes expired leases. */
  expire(now: number): void {
    for (const { kind, id } of [...this.#expiring.values()]) {
      const expiresAt = this.#tables[kind].get(id)?.expiresAt ?? null;
      if (expiresAt !== null && expiresAt <= now) this.remove(kind, id);
    }
  }

  /** Deletes `id`; false when there was no such key. */
  remove(kind: ServerKind, id: string): boolean {
    const table = this.#tables[kind];
    const entry = table.get(id);
    if (entry === undefined) return false;
    this.#expiring.delete(`${kind}/${id}`);
    this.#revision += 1;
    this.#unindex(kind, id, entry.value);
    table.delete(id);
    return true;
  }

  /** APISIX's `delete_checker` message for deleting `id`, or null when nothing uses it. */
  deleteBlocker(kind: ServerKind, id: string): string | null {
    const referrers = this.#referrers.get(`${kind}/${id}`);
    const checks = DELETE_CHECKS[kind];
    if (referrers === undefined || checks === undefined) return null;
    for (const check of checks) {
      // Per kind, the first user found (in the order they were indexed), through a plugin or not.
      const first = [...referrers.values()].find((r) => r.kind === check.kind && (r.viaPlugin || !check.pluginOnly));
      if (first === undefined) continue;
      const user = `${check.name} [${first.id}]`;
      if (kind === 'services') return `can not delete this service directly, ${user} is still using it now`;
      if (kind === 'plugin_configs') return `can not delete this plugin config, ${user} is still using it now`;
      return first.viaPlugin ? `can not delete this upstream, plugin in ${user} is still using it now` : `can not delete this upstream, ${user} is still using it now`;
    }
    return null;
  }

  clear(): void {
    this.#revision = 1;
    for (const kind of SERVER_KINDS) this.#tables[kind].clear();
    this.#expiring.clear();
    this.#referrers.clear();
  }

  #index(kind: ServerKind, id: string, value: JsonObject): void {
    if (kind === 'upstreams') return;
    for (const [target, viaPlugin] of referencesOf(kind, value)) {
      let referrers = this.#referrers.get(target);
      if (referrers === undefined) {
        referrers = new Map();
        this.#referrers.set(target, referrers);
      }
      referrers.set(`${kind}/${id}`, { kind, id: String(value[keyField(kind)] ?? id), viaPlugin });
    }
  }

  #unindex(kind: ServerKind, id: string, value: JsonObject): void {
    if (kind === 'upstreams') return;
    for (const target of referencesOf(kind, value).keys()) {
      const referrers = this.#referrers.get(target);
      referrers?.delete(`${kind}/${id}`);
      if (referrers?.size === 0) this.#referrers.delete(target);
    }
  }
}

/**
 * Objects a value refers to (`<kind>/<id>` → whether through `traffic-split`): the upstreams of
 * its `traffic-split`, and, for routes, services and stream routes, `upstream_id` and (not for
 * services) `service_id`; a route's `plugin_config_id`.
 */
function referencesOf(kind: ServerKind, value: JsonObject): Map<string, boolean> {
  const refs = new Map<string, boolean>();
  const plugins = value['plugins'];
  const split = isObject(plugins) ? plugins['traffic-split'] : undefined;
  const rules = isObject(split) ? split['rules'] : undefined;
  if (Array.isArray(rules)) {
    for (const rule of rules) {
      const weighted = isObject(rule) ? rule['weighted_upstreams'] : undefined;
      if (!Array.isArray(weighted)) continue;
      for (const w of weighted) {
        const upstreamId = isObject(w) ? w['upstream_id'] : undefined;
        if (isIdLike(upstreamId)) refs.set(`upstreams/${String(upstreamId)}`, true);
      }
    }
  }
  if (kind !== 'routes' && kind !== 'services' && kind !== 'stream_routes') return refs;
  const upstreamId = value['upstream_id'];
  if (isIdLike(upstreamId) && !refs.has(`upstreams/${String(upstreamId)}`)) refs.set(`upstreams/${String(upstreamId)}`, false);
  const serviceId = kind === 'services' ? undefined : value['service_id'];
  if (isIdLike(serviceId)) refs.set(`services/${String(serviceId)}`, false);
  const pluginConfigId = kind === 'routes' ? value['plugin_config_id'] : undefined;
  if (isIdLike(pluginConfigId)) refs.set(`plugin_configs/${String(pluginConfigId)}`, false);
  return refs;
}

function etcdKey(kind: ServerKind, id: string): string {
  return `${ETCD_PREFIX}/${kind}/${id}`;
}

function keyNotFound(): Reply {
  return { status: 404, body: { message: 'Key not found' } };
}

function badRequest(message: string): Reply {
  return { status: 400, body: { error_msg: message } };
}

function isKind(value: string): value is ServerKind {
  return (SERVER_KINDS as readonly string[]).includes(value);
}

function isIdLike(value: unknown): value is string | number {
  return typeof value === 'string' || typeof value === 'number';
}

function isLuaArray(value: JsonObject | unknown[]): boolean {
  return Array.isArray(value) || Object.keys(value).length === 0;
}

function isTruthy(value: unknown): boolean {
  // Lua: only nil and false are false.
  return value !== undefined && value !== false;
}

// ---- shared with apisix-standalone-server.ts -------------------------------------------------

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON type name as APISIX's JSON Schema messages spell it. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** `schema_def.id_schema`: a 1..64 character string of `[a-zA-Z0-9-_.]`, or an integer >= 1. */
export function isValidId(value: unknown): boolean {
  if (typeof value === 'string') return value.length >= 1 && value.length <= 64 && /^[a-zA-Z0-9\-_.]+$/.test(value);
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

/** `check_token` in `apisix/admin/init.lua`: null when accepted, else APISIX's description. */
export function checkToken(req: IncomingMessage, url: URL, apiKey: string | null): string | null {
  if (apiKey === null) return null;
  const header = req.headers['x-api-key'];
  const given = url.searchParams.get('api_key') ?? (Array.isArray(header) ? header[0] : header);
  if (given === undefined) return 'missing apikey';
  return given === apiKey ? null : 'wrong apikey';
}

/** Reads the whole body; over `maxBytes` (when set) it fails with APISIX's `check_size` text. */
export async function readBody(
  req: IncomingMessage,
  maxBytes?: number,
): Promise<{ ok: true; raw: Buffer } | { ok: false; error: string }> {
  const tooBig = (size: number) => `request size ${size} is greater than the maximum size ${maxBytes} allowed`;
  const declared = Number(req.headers['content-length']);
  if (maxBytes !== undefined && Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return { ok: false, error: tooBig(declared) };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    chunks.push(buffer);
  }
  if (maxBytes !== undefined && size > maxBytes) return { ok: false, error: tooBig(size) };
  return { ok: true, raw: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size) };
}

/**
 * Sends an admin response the way `core.response.exit` does: a table as JSON plus a newline, a
 * string as is, nothing for `undefined`; always `Content-Type: application/json`.
 */
export function sendAdmin(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const payload = body === undefined ? '' : typeof body === 'string' ? body : `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'Content-Type': 'application/json',
    Server: `APISIX/${MIRRORED_APISIX_VERSION}`,
    'Content-Length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

/** `ngx.exit(404)` when the admin router matches nothing: nginx's own HTML page. */
export function sendNginxNotFound(res: ServerResponse): void {
  const page = '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n';
  res.writeHead(404, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(page) });
  res.end(page);
}

/** Lua's `tonumber` for a query argument: undefined for absent, blank or non-numeric text. */
export function luaNumber(text: string | null): number | undefined {
  if (text === null || text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isNaN(n) ? undefined : n;
}

/** `ngx_re.split(uri, "/")` after the admin prefix: segments, percent-decoded, trailing empty dropped. */
function splitUri(rest: string): string[] {
  const segments = rest.split('/').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  while (segments.length > 0 && segments[segments.length - 1] === '') segments.pop();
  return segments;
}

function compileRegex(source: string): RegExp | undefined {
  try {
    return new RegExp(source);
  } catch {
    return undefined;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
