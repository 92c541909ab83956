/**
 * An in-process APISIX in API-driven standalone mode (`config_provider: yaml` with the Admin API
 * enabled): the whole configuration is replaced by one
 * `PUT /apisix/admin/configs`. For the `apisix-standalone` sync target's tests and the benchmark.
 * Listens on 127.0.0.1, ephemeral port.
 *
 * Mirrors apache/apisix 3.x (read at 3.18.0):
 * - `apisix/admin/init.lua` (`standalone_uri_route`, `check_token`): only `GET|PUT|HEAD
 *   /apisix/admin/configs`, `POST /apisix/admin/configs/validate` and `HEAD /apisix/admin` are
 *   routed (anything else is nginx's 404); the token check and its 401 body are the same as in
 *   etcd mode.
 * - `apisix/admin/standalone.lua` (`update`, `get`, `head`):
 *   - PUT without `X-Digest` → 400 `missing digest header` (checked first); an empty body → 400
 *     `invalid request body: empty request body`; the body is YAML when `Content-Type` starts
 *     with `application/yaml`, JSON otherwise; a parse error → 400 `invalid request body: …`.
 *   - PUT whose `X-Digest` equals the stored one → 204, nothing validated or changed.
 *   - Otherwise the body is validated (below), and for every resource key of
 *     `constants.HTTP_ETCD_DIRECTORY` / `STREAM_ETCD_DIRECTORY`: a given `<key>_conf_version`
 *     below the stored one → 400 `<key>_conf_version must be greater than or equal to (<n>)`;
 *     an absent one becomes stored + 1; an *equal* one keeps the stored items of that key and
 *     ignores the body's; a new version takes the body's items, and an empty list removes the
 *     key. Keys outside that set are dropped. Success → 202, empty body, `X-Digest` and
 *     `X-Last-Modified` (epoch seconds) headers; no partial update on any error.
 *   - GET → 200 with the stored config (JSON, or YAML when `Accept` starts with
 *     `application/yaml`), which also holds the `X-Digest` and `X-Last-Modified` entries, and
 *     those two headers; before any PUT every `<key>_conf_version` is 0 and the headers are
 *     absent. HEAD → 200 with just the headers.
 * - `apisix/admin/config_validate.lua` (`validate_configuration`, `validate`):
 *   `<key>_conf_version must be a number`; per item the resource checker without reference checks
 *   (here: object type, the id schema of `id` / `upstream_id` / `service_id`, host xor hosts, then
 *   `options.validate`; a secret's id `<manager>/<id>` instead needs its `/`: "invalid secret id"); `found duplicate id <id> in <key>` (`username` for consumers);
 *   `POST …/configs/validate` → 200 `{}` or 400 `{ error_msg: "Configuration validation failed",
 *   errors: [{ resource_type, resource_id, index, error }] }` and never stores anything.
 *
 * Left out, deliberately:
 * - Schemas and plugin checks of items (use `options.validate`); items of kinds tagway does not
 *   write (src/apisix/kinds) get only the object-type and duplicate checks.
 * - What the data plane does with the config (routing, `modifiedIndex`-driven reloads).
 * - Stricter than APISIX: a non-object body, or a resource key that is not a list, is a 400
 *   here (APISIX accepts some of these as an empty config and fails with a 500 on others).
 * - Parse error texts are the `yaml` package's and Node's, not lyaml's and cjson's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { ApisixKind } from '../../src/model/apisix.js';
import { KINDS } from '../../src/apisix/kinds/index.js';
import {
  checkToken,
  isObject,
  isValidId,
  jsonType,
  readBody,
  sendAdmin,
  sendNginxNotFound,
  type AdminValidator,
} from './apisix-admin-server.js';
import { countWrites, listenWithFaults, type Faults, type RequestRecord } from './faults.js';

/**
 * Resource keys of a standalone config, each with a `<key>_conf_version`: the directories of
 * `constants.HTTP_ETCD_DIRECTORY` and `STREAM_ETCD_DIRECTORY`, in a fixed order (APISIX walks a
 * hash, so its order is unspecified; it only decides which of several errors is reported).
 */
const APISIX_RESOURCE_KEYS = [
  'routes',
  'services',
  'upstreams',
  'consumers',
  'consumer_groups',
  'ssls',
  'global_rules',
  'plugin_configs',
  'plugin_metadata',
  'plugins',
  'protos',
  'secrets',
  'stream_routes',
];

/** The keys the server keeps: APISIX's, and the standalone key of any registered kind APISIX does not have. */
export const STANDALONE_RESOURCE_KEYS: readonly string[] = [
  ...APISIX_RESOURCE_KEYS,
  ...new Set(KINDS.map((k) => k.standalone.key).filter((key) => !APISIX_RESOURCE_KEYS.includes(key))),
];

/** Metadata entries APISIX stores inside the config (and returns on GET) and sends as headers. */
export const HEADER_DIGEST = 'X-Digest';
export const HEADER_LAST_MODIFIED = 'X-Last-Modified';

/** The stored config as GET returns it: resource lists, `<key>_conf_version`s, and the metadata. */
export type StandaloneConfig = Readonly<Record<string, unknown>>;

export interface StandaloneServerOptions {
  /** The accepted `X-API-KEY`; `null` disables the check. Default 'test-key'. */
  readonly apiKey?: string | null;
  /** Extra per-item check for routes, services and upstreams, run after the built-in ones. */
  readonly validate?: AdminValidator;
  /** Clock for `X-Last-Modified`, in epoch seconds. Default: the system clock. */
  readonly now?: () => number;
}

export interface StandaloneServer {
  readonly url: string;
  readonly apiKey: string | null;
  readonly faults: Faults;
  readonly requests: readonly RequestRecord[];
  /** PUT, POST, PATCH and DELETE requests received so far, faulted or failed ones included. */
  writes(): number;
  /** A copy of what GET would return (all conf versions 0 before the first accepted PUT). */
  config(): StandaloneConfig;
  /** The stored `X-Digest`, undefined before the first accepted PUT. */
  digest(): string | undefined;
  /** Forgets the config, the request log and every armed fault. */
  reset(): void;
  close(): Promise<void>;
}

type JsonObject = Record<string, unknown>;

const CONFIGS_PATH = '/apisix/admin/configs';
const VALIDATE_PATH = '/apisix/admin/configs/validate';
/** The kind tagway writes under each standalone key (the first, where kinds share one): its items get the full checks. */
const MANAGED_KINDS: ReadonlyMap<string, ApisixKind> = new Map([...KINDS].reverse().map((k) => [k.standalone.key, k.name]));

export async function startStandaloneServer(options: StandaloneServerOptions = {}): Promise<StandaloneServer> {
  const apiKey = options.apiKey === undefined ? 'test-key' : options.apiKey;
  const state: StandaloneState = {
    apiKey,
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
    validate: options.validate,
    config: undefined,
  };

  const http = await listenWithFaults(async (req, res) => {
    await handleStandaloneRequest(req, res, state);
  });

  return {
    url: http.url,
    apiKey,
    faults: http.faults,
    requests: http.requests,
    writes: () => countWrites(http.requests),
    config: () => structuredClone(state.config ?? emptyConfig()),
    digest: () => {
      const digest = state.config?.[HEADER_DIGEST];
      return typeof digest === 'string' ? digest : undefined;
    },
    reset: () => {
      state.config = undefined;
      http.clearRequests();
      http.faults.clear();
    },
    close: () => http.close(),
  };
}

interface StandaloneState {
  readonly apiKey: string | null;
  readonly now: () => number;
  readonly validate: AdminValidator | undefined;
  /** What APISIX keeps in the `standalone-config` shared dict; undefined until the first PUT. */
  config: JsonObject | undefined;
}

async function handleStandaloneRequest(req: IncomingMessage, res: ServerResponse, state: StandaloneState): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const path = url.pathname;

  if (path === '/apisix/admin' && method === 'HEAD') {
    sendAdmin(res, 200, undefined);
    return;
  }
  const routed =
    (path === CONFIGS_PATH && (method === 'GET' || method === 'PUT' || method === 'HEAD')) ||
    (path === VALIDATE_PATH && method === 'POST');
  if (!routed) {
    req.resume();
    sendNginxNotFound(res);
    return;
  }

  const tokenError = checkToken(req, url, state.apiKey);
  if (tokenError !== null) {
    req.resume();
    sendAdmin(res, 401, { error_msg: 'failed to check token', description: tokenError });
    return;
  }

  if (method === 'PUT') return update(req, res, state);
  if (method === 'POST') return validateOnly(req, res, state);
  req.resume();
  const config = state.config;
  const metadata = metadataHeaders(config);
  if (method === 'HEAD') {
    sendAdmin(res, 200, undefined, metadata);
    return;
  }
  const view = config ?? emptyConfig();
  const accept = req.headers.accept ?? 'application/json';
  if (accept.startsWith('application/yaml')) {
    sendAdmin(res, 200, stringifyYaml(view).trimEnd(), { ...metadata, 'Content-Type': 'application/yaml' });
  } else {
    sendAdmin(res, 200, JSON.stringify(view), metadata);
  }
}

/** `standalone.lua`'s `update`. */
async function update(req: IncomingMessage, res: ServerResponse, state: StandaloneState): Promise<void> {
  const digestHeader = req.headers['x-digest'];
  const digest = Array.isArray(digestHeader) ? digestHeader[0] : digestHeader;
  if (digest === undefined) {
    req.resume();
    sendAdmin(res, 400, { error_msg: 'missing digest header' });
    return;
  }

  const parsed = await readConfigBody(req);
  if (!parsed.ok) {
    sendAdmin(res, 400, { error_msg: parsed.error });
    return;
  }
  const body = parsed.value;

  const stored = state.config;
  if (stored !== undefined && stored[HEADER_DIGEST] === digest) {
    sendAdmin(res, 204, undefined);
    return;
  }

  const errors = validateConfiguration(body, state.validate, false);
  const first = errors[0];
  if (first !== undefined) {
    sendAdmin(res, 400, { error_msg: first.error });
    return;
  }

  const next: JsonObject = {};
  for (const key of STANDALONE_RESOURCE_KEYS) {
    const versionKey = `${key}_conf_version`;
    const storedVersion = stored?.[versionKey];
    const current = typeof storedVersion === 'number' ? storedVersion : 0;
    const given = body[versionKey];
    let version: number;
    if (given !== undefined) {
      // validateConfiguration has made sure it is a number.
      version = given as number;
      if (version < current) {
        sendAdmin(res, 400, { error_msg: `${versionKey} must be greater than or equal to (${current})` });
        return;
      }
    } else {
      version = current + 1;
    }
    next[versionKey] = version;
    if (version === current) {
      if (stored?.[key] !== undefined) next[key] = stored[key];
    } else {
      const items = body[key];
      if (Array.isArray(items) && items.length > 0) next[key] = items;
    }
  }
  next[HEADER_LAST_MODIFIED] = state.now();
  next[HEADER_DIGEST] = digest;
  state.config = next;

  sendAdmin(res, 202, undefined, metadataHeaders(next));
}

/** `config_validate.lua`'s `validate` (collects every error, stores nothing). */
async function validateOnly(req: IncomingMessage, res: ServerResponse, state: StandaloneState): Promise<void> {
  const parsed = await readConfigBody(req);
  if (!parsed.ok) {
    sendAdmin(res, 400, { error_msg: parsed.error });
    return;
  }
  const errors = validateConfiguration(parsed.value, state.validate, true);
  if (errors.length > 0) {
    sendAdmin(res, 400, { error_msg: 'Configuration validation failed', errors: errors.map((e) => e.detail) });
    return;
  }
  sendAdmin(res, 200, {});
}

type ParsedBody = { ok: true; value: JsonObject } | { ok: false; error: string };

async function readConfigBody(req: IncomingMessage): Promise<ParsedBody> {
  const read = await readBody(req);
  if (!read.ok) return { ok: false, error: `invalid request body: ${read.error}` };
  if (read.raw.length === 0) return { ok: false, error: 'invalid request body: empty request body' };
  const text = read.raw.toString('utf8');
  const contentType = req.headers['content-type'] ?? 'application/json';
  let value: unknown;
  if (contentType.startsWith('application/yaml')) {
    try {
      value = parseYaml(text);
    } catch {
      return { ok: false, error: 'invalid request body: invalid yaml request body' };
    }
    if (typeof value !== 'object' || value === null) {
      return { ok: false, error: 'invalid request body: invalid yaml request body' };
    }
  } else {
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { ok: false, error: `invalid request body: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  if (!isObject(value)) {
    return { ok: false, error: `invalid request body: expected an object, got ${jsonType(value)}` };
  }
  return { ok: true, value };
}

interface ValidationError {
  /** The `error_msg` of a PUT. */
  readonly error: string;
  /** The entry of `/configs/validate`'s `errors`. */
  readonly detail: Readonly<Record<string, unknown>>;
}

/** `validate_configuration(req_body, collect_all_errors)`; stops at the first error unless collecting. */
function validateConfiguration(body: JsonObject, validate: AdminValidator | undefined, collectAll: boolean): ValidationError[] {
  const errors: ValidationError[] = [];
  for (const key of STANDALONE_RESOURCE_KEYS) {
    const versionKey = `${key}_conf_version`;
    const version = body[versionKey];
    if (version !== undefined && typeof version !== 'number') {
      errors.push({
        error: `${versionKey} must be a number`,
        detail: { resource_type: key, error: `${versionKey} must be a number, got ${luaType(version)}` },
      });
      if (!collectAll) return errors;
    }

    const items = body[key];
    if (items === undefined) continue;
    if (!Array.isArray(items)) {
      const error = `invalid configuration: ${key} must be a list, got ${jsonType(items)}`;
      errors.push({ error, detail: { resource_type: key, error } });
      if (!collectAll) return errors;
      continue;
    }
    const seen = new Set<string>();
    for (const [index, item] of items.entries()) {
      const object = isObject(item) ? item : undefined;
      const resourceId = object?.['id'] ?? object?.['username'] ?? '';
      const report = (error: string): void => {
        errors.push({ error, detail: { resource_type: key, resource_id: resourceId, index, error } });
      };

      const problem = checkItem(key, item, validate);
      if (problem !== null) {
        report(problem);
        if (!collectAll) return errors;
      }

      const duplicate = object === undefined ? null : duplicateOf(key, object, seen);
      if (duplicate !== null) {
        report(duplicate);
        if (!collectAll) return errors;
      }
    }
  }
  return errors;
}

function checkItem(key: string, item: unknown, validate: AdminValidator | undefined): string | null {
  if (!isObject(item)) return `invalid configuration: wrong type: expected object, got ${jsonType(item)}`;
  const kind = MANAGED_KINDS.get(key);
  if (kind === undefined) return null;
  if (kind === 'routes') {
    if (item['host'] !== undefined && item['hosts'] !== undefined) return 'only one of host or hosts is allowed';
    if (item['remote_addr'] !== undefined && item['remote_addrs'] !== undefined) {
      return 'only one of remote_addr or remote_addrs is allowed';
    }
  }
  if (kind === 'secrets') {
    // `check_conf`: a secret's id is <manager>/<id>, which only the manager's schema checks.
    const id = item['id'] === undefined ? '' : String(item['id']);
    return id.includes('/') ? (validate?.(kind, item) ?? null) : `invalid secret id: ${id}`;
  }
  const idFields = kind === 'routes' ? ['id', 'upstream_id', 'service_id'] : kind === 'services' ? ['id', 'upstream_id'] : ['id'];
  for (const field of idFields) {
    const value = item[field];
    if (value !== undefined && !isValidId(value)) {
      return `invalid configuration: property "${field}" validation failed: object matches none of the required`;
    }
  }
  return validate?.(kind, item) ?? null;
}

/** `check_duplicate`: by `id`, or for consumers by `id` (credentials) or else `username`. */
function duplicateOf(key: string, item: JsonObject, seen: Set<string>): string | null {
  let identifier: unknown = item['id'];
  let label = 'id';
  if (key === 'consumers' && identifier === undefined) {
    identifier = item['username'];
    label = 'username';
  } else if (key === 'consumers') {
    label = 'credential id';
  }
  if (identifier === undefined || identifier === null) return null;
  const text = String(identifier);
  if (seen.has(text)) return `found duplicate ${label} ${text} in ${key}`;
  seen.add(text);
  return null;
}

function emptyConfig(): JsonObject {
  const config: JsonObject = {};
  for (const key of STANDALONE_RESOURCE_KEYS) config[`${key}_conf_version`] = 0;
  return config;
}

function metadataHeaders(config: JsonObject | undefined): Record<string, string> {
  if (config === undefined) return {};
  return {
    [HEADER_LAST_MODIFIED]: String(config[HEADER_LAST_MODIFIED]),
    [HEADER_DIGEST]: String(config[HEADER_DIGEST]),
  };
}

/** Lua's `type()` of a decoded JSON value, for `… must be a number, got <type>`. */
function luaType(value: unknown): string {
  if (value === null) return 'userdata';
  if (typeof value === 'object') return 'table';
  return typeof value;
}
