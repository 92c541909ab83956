/**
 * What APISIX's Admin API checks in a body it is asked to store, for the Admin API test server
 * (apisix-admin-server.ts): each kind's `check_conf` (`apisix/admin/<kind>.lua`), in its order,
 * with APISIX's own JSON Schemas (test/fixtures/apisix-schemas.json, Apache-2.0, see its NOTICE)
 * and its messages (`{"error_msg": "invalid configuration: …"}`).
 *
 * The schemas are compiled here, with this file's own ajv instance, lazily (a kind's schema on
 * the first write of that kind, a plugin's on the first body that uses it) and once per process
 * (under vitest, per test file), however many servers the tests start. Nothing of tagway's validator is used: the sync tests
 * check what tagway sends against APISIX's schemas, not against tagway's reading of them.
 *
 * Mirrors apache/apisix f519a0f (3.18.0+):
 * - `core.schema.check` (api7/jsonschema): defaults are filled into the copy that is checked
 *   (`resource.lua` checks a deep copy, so nothing is filled into what is stored); an empty table
 *   is both `{}` and `[]`, so either passes where the other is expected (bodies are checked with
 *   every `[]` read as `{}`, and a schema that wants an array also takes an empty object, unless
 *   it needs items); patterns are PCRE (`\A`, `\z` written in JavaScript's terms).
 * - `plugin.lua` `check_schema`: per plugin, "invalid plugin conf … for plugin [x]" for a
 *   non-table, "unknown plugin [x]" for a plugin APISIX does not enable by default, and "failed
 *   to check the configuration of plugin x err: …" when its schema refuses it, unless its
 *   `_meta.disable` is true. Consumers use a plugin's `consumer_schema` where it has one and say
 *   "invalid plugins configuration: …". Stream routes check stream plugins (`stream_plugins`).
 * - `upstream.lua` `check_upstream_conf` (upstreams, and a route's or service's inline upstream):
 *   bracketed IPv6 node hosts, the schema, ports of a node map, `pass_host: rewrite` needs
 *   `upstream_host`, and a `chash` upstream's `key` by `hash_on`.
 * - The references APISIX fetches on a write, for the kinds the server stores: `upstream_id`,
 *   `service_id`, a route's `plugin_config_id`, a consumer's `group_id`, a stream route's
 *   `protocol.superior_id`, an upstream's `tls.client_cert_id` (an SSL of `type: client`); a global rule may not repeat a plugin of another global rule, and a
 *   consumer's auth key (key-auth's `key`, basic-auth's `username`, …) may not be another's.
 * - `stream_route_checker`: addresses, and xRPC protocols (none registered, as by default).
 * - `plugin_metadata.lua`: the plugin exists, and the body meets its `metadata_schema`.
 *
 * Left out (APISIX runs Lua for them, or they need state the server does not keep): plugins'
 * own `check_schema` code beyond their schemas, `vars` expressions, `filter_func` and `script`,
 * `_meta.filter` and `_meta.pre_function`, PEM parsing of `tls.client_cert` and of an SSL's
 * certificates and keys (`apisix/ssl.lua` `validate`). The server's oracle test lists the cases
 * where that changes APISIX's verdict.
 */
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

type JsonObject = Record<string, unknown>;

/** What the checks ask of the server's store. */
export interface CheckStore {
  /** The object of `kind` stored under `id`, if any. */
  get(kind: string, id: string): JsonObject | undefined;
  /** The stored objects of `kind`, by id. */
  entries(kind: string): Iterable<readonly [string, JsonObject]>;
}

/** Runs between the schema checks and the reference checks, where APISIX's schema check ends. */
export type AfterSchema = () => string | null;

interface PluginDef {
  readonly schema?: unknown;
  readonly consumer_schema?: unknown;
  readonly metadata_schema?: unknown;
}

interface SchemasFile {
  readonly core: Readonly<Record<string, unknown>>;
  readonly plugins: Readonly<Record<string, PluginDef>>;
  readonly stream_plugins: Readonly<Record<string, PluginDef>>;
  /** The secret managers' schemas (`apisix/secret/<manager>.lua`), by manager. */
  readonly secrets: Readonly<Record<string, unknown>>;
}

/** The 14 methods of proxy-rewrite's `switch_map`; the dump lists 5 (it ran without `ngx.HTTP_*`). */
const PROXY_REWRITE_METHODS = [
  'GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'OPTIONS', 'MKCOL', 'COPY', 'MOVE', 'PROPFIND', 'LOCK', 'UNLOCK', 'PATCH', 'TRACE',
];

let schemasFile: SchemasFile | null = null;

function schemas(): SchemasFile {
  if (schemasFile === null) {
    const file = JSON.parse(readFileSync(new URL('../fixtures/apisix-schemas.json', import.meta.url), 'utf8')) as SchemasFile;
    const method = (file.plugins['proxy-rewrite']?.schema as { properties?: { method?: { enum?: string[] } } } | undefined)?.properties?.method;
    if (method !== undefined) method.enum = [...PROXY_REWRITE_METHODS];
    schemasFile = file;
  }
  return schemasFile;
}

// ---- compiling -------------------------------------------------------------------------------

/** PCRE's `\A` and `\z` in JavaScript's terms; `\p{…}` needs the `u` flag. */
function pcre(pattern: string, flags: string): RegExp {
  const source = pattern.replace(/\\A/g, '^').replace(/\\z/g, '$(?![\\s\\S])');
  return new RegExp(source, /\\[pP]\{/.test(source) ? `${flags}u` : flags);
}
pcre.code = 'new RegExp';

let ajv: Ajv | null = null;
const compiled = new Map<string, Compiled>();

function ajvInstance(): Ajv {
  if (ajv === null) {
    // strict off: APISIX's schemas carry keywords ajv does not know (`encrypt_fields`) and put
    // object keywords in untyped branches, as api7/jsonschema allows.
    ajv = new Ajv({ strict: false, allErrors: true, verbose: true, unicodeRegExp: false, validateSchema: false, code: { regExp: pcre } });
    ajv.addFormat('ipv4', (value: string) => isIPv4(value));
    ajv.addFormat('ipv6', (value: string) => isIPv6(value));
  }
  return ajv;
}

interface Compiled {
  readonly schema: unknown;
  readonly validate: ValidateFunction;
}

/** The schema named `key` and its validator, compiled on first use and then shared by every server. */
function validatorOf(key: string, schema: () => unknown): Compiled {
  let found = compiled.get(key);
  if (found === undefined) {
    const raw = schema();
    found = { schema: raw, validate: ajvInstance().compile(luaTables(raw) as object) };
    compiled.set(key, found);
  }
  return found;
}

/** How many schemas this process compiled so far (the cache's size). */
export function compiledSchemaCount(): number {
  return compiled.size;
}

const SUBSCHEMA_MAPS = ['properties', 'patternProperties', 'dependencies', 'definitions'];
const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'];
const SUBSCHEMAS = ['additionalProperties', 'items', 'not', 'if', 'then', 'else', 'contains'];

/**
 * `schema` with Lua's empty table: a node that wants an array also takes an empty object (bodies
 * are checked with `[]` read as `{}`), unless it needs at least one item.
 */
function luaTables(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(luaTables);
  if (typeof schema !== 'object' || schema === null) return schema;
  const node = { ...(schema as JsonObject) };
  for (const key of SUBSCHEMA_MAPS) {
    const map = node[key];
    if (isObject(map)) node[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, Array.isArray(v) ? v : luaTables(v)]));
  }
  for (const key of SUBSCHEMA_LISTS) if (Array.isArray(node[key])) node[key] = (node[key] as unknown[]).map(luaTables);
  for (const key of SUBSCHEMAS) if (node[key] !== undefined) node[key] = luaTables(node[key]);
  const types = typeof node['type'] === 'string' ? [node['type']] : Array.isArray(node['type']) ? (node['type'] as string[]) : [];
  const needsItems = (typeof node['minItems'] === 'number' && node['minItems'] > 0) || node['contains'] !== undefined;
  if (types.includes('array') && !types.includes('object') && !needsItems) {
    node['type'] = [...types, 'object'];
    node['maxProperties'] = 0;
  }
  return node;
}

/** A copy of a body as Lua sees it: every `[]` an (empty) object. */
function asLua(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? {} : value.map(asLua);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asLua(v)]));
  return value;
}

/**
 * api7/jsonschema's defaults: walking `properties`, it sets each absent property that has a
 * `default` (unless the object requires it), before the keywords that look at the whole object
 * (`if`, `oneOf`, `anyOf`, …) run; ajv's own `useDefaults` comes after them, so it is done here.
 */
function fillDefaults(schema: unknown, data: unknown): void {
  if (!isObject(schema)) return;
  if (Array.isArray(data)) {
    if (isObject(schema['items'])) for (const item of data) fillDefaults(schema['items'], item);
    return;
  }
  const properties = schema['properties'];
  if (!isObject(data) || !isObject(properties)) return;
  const required = Array.isArray(schema['required']) ? (schema['required'] as unknown[]) : [];
  for (const [name, sub] of Object.entries(properties)) {
    if (!isObject(sub)) continue;
    if (data[name] === undefined && sub['default'] !== undefined && !required.includes(name)) data[name] = asLua(structuredClone(sub['default']));
    if (data[name] !== undefined) fillDefaults(sub, data[name]);
  }
}

/** `core.schema.check(schema, conf)`: null, or api7/jsonschema's message. Fills defaults into `conf`. */
function schemaCheck(key: string, schema: () => unknown, conf: unknown): string | null {
  const { schema: raw, validate } = validatorOf(key, schema);
  fillDefaults(raw, conf);
  if (validate(conf)) return null;
  const errors = validate.errors ?? [];
  const first = firstFailure(errors);
  return first === undefined ? 'invalid' : luaMessage(first);
}

/**
 * The order api7/jsonschema checks a schema's keywords in (the one it stops at decides the
 * message): the type, the object's properties (in Lua's table order: ties stay in ajv's order),
 * its other keywords, the array's, the string's, the number's, then the keywords of any type.
 */
const KEYWORD_ORDER: Readonly<Record<string, number>> = {
  type: 0, properties: 1, required: 1, dependencies: 2, additionalProperties: 3, patternProperties: 3,
  minProperties: 4, maxProperties: 4, minItems: 5, maxItems: 5, items: 6, uniqueItems: 7,
  minLength: 8, maxLength: 9, pattern: 10, minimum: 11, exclusiveMinimum: 12, maximum: 13, exclusiveMaximum: 14,
  multipleOf: 15, enum: 16, allOf: 17, anyOf: 18, oneOf: 19, if: 20, not: 21, format: 22, const: 23, contains: 24,
};
/** Keywords followed in a schema path by a name or an index, not by a keyword. */
const NAMED = new Set(['properties', 'patternProperties', 'dependencies', 'allOf', 'anyOf', 'oneOf', 'definitions']);
/** Keywords whose subschemas' own failures api7/jsonschema does not report (it reports the keyword's). */
const OPAQUE = new Set(['anyOf', 'oneOf', 'not', 'if', 'then', 'else']);

/** The error api7/jsonschema would stop at, of all ajv reports. */
function firstFailure(errors: readonly ErrorObject[]): ErrorObject | undefined {
  let best: { error: ErrorObject; key: number[] } | undefined;
  for (const error of errors) {
    const tokens = error.schemaPath.replace(/^#\/?/, '').split('/');
    const key: number[] = [];
    let opaque = false;
    for (let i = 0; i < tokens.length; i += 1) {
      const token = tokens[i] ?? '';
      if (OPAQUE.has(token) && i < tokens.length - 1) {
        opaque = true;
        break;
      }
      key.push(KEYWORD_ORDER[token] ?? 25);
      if (NAMED.has(token) || (token === 'items' && /^\d+$/.test(tokens[i + 1] ?? ''))) i += 1;
    }
    if (opaque) continue;
    if (best === undefined || compareKeys(key, best.key) < 0) best = { error, key };
  }
  return best?.error ?? errors[errors.length - 1];
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return a.length - b.length;
}

// ---- messages --------------------------------------------------------------------------------

/** Lua's `type()` of a decoded JSON value (cjson's null is userdata). */
function luaType(value: unknown): string {
  if (value === null) return 'userdata';
  if (typeof value === 'object') return 'table';
  return typeof value;
}

function unescapePointer(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Lua's `%s` of a number (`%.14g`: 1e-05, not 0.00001). */
function luaNumber(value: unknown): string {
  if (typeof value !== 'number' || Number.isInteger(value) || !Number.isFinite(value)) return String(value);
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  if (exponent >= -4 && exponent < 14) return String(Number(value.toPrecision(14)));
  const [mantissa = '', power = '0'] = Number(value.toPrecision(14)).toExponential().split('e');
  return `${mantissa}e${power.startsWith('-') ? '-' : '+'}${power.replace(/^[+-]/, '').padStart(2, '0')}`;
}

/** Lua's `%q`: in double quotes, with backslashes, quotes and newlines escaped. */
function luaQuote(text: string): string {
  return `"${text.replace(/[\\"\n]/g, (c) => `\\${c}`)}"`;
}

/** api7/jsonschema's message for an ajv error: the path as it words it, then the failure. */
function luaMessage(e: ErrorObject): string {
  const tokens = e.schemaPath.replace(/^#\/?/, '').split('/').map(unescapePointer);
  const instance = e.instancePath === '' ? [] : e.instancePath.slice(1).split('/').map(unescapePointer);
  let at = 0;
  let prefix = '';
  for (let i = 0; i < tokens.length - 1; i += 1) {
    const token = tokens[i];
    if (token === 'properties') {
      prefix += `property "${tokens[(i += 1)] ?? ''}" validation failed: `;
      at += 1;
    } else if (token === 'patternProperties') {
      prefix += `failed to validate ${instance[at] ?? ''} (matching "${tokens[(i += 1)] ?? ''}"): `;
      at += 1;
    } else if (token === 'additionalProperties') {
      prefix += `failed to validate additional property ${instance[at] ?? ''}: `;
      at += 1;
    } else if (token === 'items') {
      prefix += `failed to validate item ${Number(instance[at]) + 1}: `;
      at += 1;
      if (/^\d+$/.test(tokens[i + 1] ?? '')) i += 1;
    } else if (token === 'allOf') {
      prefix += `allOf ${Number(tokens[(i += 1)]) + 1} failed: `;
    } else if (token === 'dependencies') {
      prefix += `failed to validate dependent schema for "${tokens[(i += 1)] ?? ''}": `;
    } else if (token === 'anyOf' || token === 'oneOf') {
      i += 1;
    }
  }
  return prefix + failure(e);
}

function failure(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  const value = e.data;
  switch (e.keyword) {
    case 'type': {
      // An empty table is an array to Lua: what refuses it is the array's minimum of items.
      const minItems = isObject(e.parentSchema) ? e.parentSchema['minItems'] : undefined;
      if (typeof minItems === 'number' && isObject(value) && Object.keys(value).length === 0) return `expect array to have at least ${minItems} items`;
      return `wrong type: expected ${String(p['type']).split(',')[0] ?? ''}, got ${luaType(value)}`;
    }
    case 'required':
      return `property "${String(p['missingProperty'])}" is required`;
    case 'dependencies':
      return `property "${String(p['missingProperty'])}" is required when "${String(p['property'])}" is set`;
    case 'additionalProperties':
      return `additional properties forbidden, found ${String(p['additionalProperty'])}`;
    case 'enum':
      return 'matches none of the enum values';
    case 'const':
      return 'failed to check const value';
    case 'pattern':
      return `failed to match pattern ${luaQuote(String(p['pattern']))} with ${luaQuote(String(value))}`;
    case 'format':
      return `expect valid ${String(p['format'])} format but got: ${String(value)}`;
    case 'minLength':
      return `string too short, expected at least ${String(p['limit'])}, got ${[...String(value)].length}`;
    case 'maxLength':
      return `string too long, expected at most ${String(p['limit'])}, got ${[...String(value)].length}`;
    case 'minimum':
      return `expected ${luaNumber(value)} to be at least ${luaNumber(p['limit'])}`;
    case 'maximum':
      return `expected ${luaNumber(value)} to be at most ${luaNumber(p['limit'])}`;
    case 'exclusiveMinimum':
      return `expected ${luaNumber(value)} to be greater than ${luaNumber(p['limit'])}`;
    case 'exclusiveMaximum':
      return `expected ${luaNumber(value)} to be smaller than ${luaNumber(p['limit'])}`;
    case 'minItems':
      return `expect array to have at least ${String(p['limit'])} items`;
    case 'maxItems':
      return `expect array to have at most ${String(p['limit'])} items`;
    case 'uniqueItems':
      return `expected unique items but items ${Number(p['i']) + 1} and ${Number(p['j']) + 1} are equal`;
    case 'minProperties':
      return `expect object to have at least ${String(p['limit'])} properties`;
    case 'maxProperties': {
      // luaTables' stand-in for an array: an object with properties is no array.
      const types = isObject(e.parentSchema) ? e.parentSchema['type'] : undefined;
      if (p['limit'] === 0 && Array.isArray(types) && types.includes('array')) return `wrong type: expected array, got ${luaType(value)}`;
      return `expect object to have at most ${String(p['limit'])} properties`;
    }
    case 'anyOf': {
      // Each alternative's `required` list, as api7/jsonschema names them.
      const branches = Array.isArray(e.schema) ? (e.schema as unknown[]) : [];
      const lists = branches.flatMap((b) => (isObject(b) && Array.isArray(b['required']) ? [JSON.stringify(b['required'])] : []));
      return lists.length > 0 ? `object matches none of the required: ${lists.join(' or ')}` : 'object matches none of the required';
    }
    case 'oneOf': {
      const passing = p['passingSchemas'];
      return Array.isArray(passing)
        ? `value should match only one schema, but matches both schemas ${passing.map((i) => Number(i) + 1).join(' and ')}`
        : 'value should match only one schema, but matches none';
    }
    case 'not':
      return "value wasn't supposed to match schema";
    case 'if':
      return `${String(p['failingKeyword'])} clause did not match`;
    default:
      return `failed ${e.keyword}`;
  }
}

// ---- plugins ---------------------------------------------------------------------------------

type PluginUse = 'route' | 'consumer' | 'stream';

/** `plugin.check_schema` (or `stream_check_schema`) of a `plugins` object: null, or APISIX's message. */
function checkPlugins(plugins: unknown, use: PluginUse): string | null {
  if (!isObject(plugins)) return null;
  const table = use === 'stream' ? schemas().stream_plugins : schemas().plugins;
  for (const [name, conf] of Object.entries(plugins)) {
    // A Lua table: an object, or an array, which the plugin's schema then refuses.
    if (typeof conf !== 'object' || conf === null) return `invalid plugin conf ${JSON.stringify(conf)} for plugin [${name}]`;
    const def = Object.hasOwn(table, name) ? table[name] : undefined;
    if (def === undefined) return `unknown plugin [${name}]`;
    const field = use === 'consumer' && def.consumer_schema !== undefined ? 'consumer_schema' : 'schema';
    const error = def[field] === undefined ? null : schemaCheck(`${use === 'stream' ? 'stream' : 'http'}:${name}:${field}`, () => def[field], conf);
    if (error !== null && !(isObject(conf) && isDisabled(conf))) {
      return use === 'stream'
        ? `failed to check the configuration of stream plugin [${name}]: ${error}`
        : `failed to check the configuration of plugin ${name} err: ${error}`;
    }
  }
  return null;
}

/** `check_disable`: a plugin whose `_meta.disable` is true is accepted even when its check fails. */
function isDisabled(conf: JsonObject): boolean {
  const meta = conf['_meta'];
  return isObject(meta) && meta['disable'] === true;
}

// ---- upstreams -------------------------------------------------------------------------------

/** The host of a `host:port` (or `[v6]:port`) node key, and its port when it has one. */
function parseAddr(addr: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(addr);
  if (bracketed) return bracketed[2] === undefined ? { host: bracketed[1] ?? '' } : { host: bracketed[1] ?? '', port: Number(bracketed[2]) };
  const colon = addr.lastIndexOf(':');
  if (colon < 0 || addr.indexOf(':') !== colon) return { host: addr };
  const port = Number(addr.slice(colon + 1));
  return Number.isFinite(port) ? { host: addr.slice(0, colon), port } : { host: addr };
}

const CHASH_KEY_SCHEMAS: Readonly<Record<string, string | null>> = {
  vars: 'upstream_hash_vars_schema',
  header: 'upstream_hash_header_schema',
  cookie: 'upstream_hash_header_schema',
  consumer: null,
  vars_combinations: 'upstream_hash_vars_combinations_schema',
};

/** `check_upstream_conf(conf)` on a copy already read as Lua sees it; fills the schema's defaults. */
function checkUpstream(conf: JsonObject): string | null {
  const nodes = conf['nodes'];
  if (Array.isArray(nodes)) {
    for (const node of nodes) {
      const host = isObject(node) ? node['host'] : undefined;
      if (typeof host === 'string' && !host.startsWith('[') && isIPv6(host)) {
        return "invalid configuration: IPv6 address must be enclosed with '[' and ']'";
      }
    }
  }
  const schemaError = schemaCheck('core:upstream', () => schemas().core['upstream'], conf);
  if (schemaError !== null) return `invalid configuration: ${schemaError}`;
  if (isObject(nodes)) {
    for (const addr of Object.keys(nodes)) {
      const { port } = parseAddr(addr);
      if (port !== undefined && (port < 1 || port > 65535)) return `invalid port ${port}`;
    }
  }
  if (conf['pass_host'] === 'rewrite' && (conf['upstream_host'] === undefined || conf['upstream_host'] === '')) {
    return "`upstream_host` can't be empty when `pass_host` is `rewrite`";
  }
  if (conf['type'] !== 'chash') return null;
  const hashOn = conf['hash_on'];
  if (hashOn !== 'consumer' && conf['key'] === undefined) return 'missing key';
  if (typeof hashOn !== 'string' || !Object.hasOwn(CHASH_KEY_SCHEMAS, hashOn)) {
    return `type is chash, err: ${hashOn === undefined ? 'hash_on is nil' : `invalid hash_on type ${String(hashOn)}`}`;
  }
  const keySchema = CHASH_KEY_SCHEMAS[hashOn];
  if (keySchema === null || keySchema === undefined) return null;
  const keyError = schemaCheck(`core:${keySchema}`, () => schemas().core[keySchema], conf['key']);
  return keyError === null ? null : `invalid configuration: ${keyError}`;
}

// ---- references ------------------------------------------------------------------------------

/** `core.etcd.get("/<kind>/" .. id)` answered 404: APISIX's message, or null when the object exists. */
function missingReference(store: CheckStore, kind: string, what: string, id: unknown): string | null {
  if (id === undefined || store.get(kind, String(id)) !== undefined) return null;
  return `failed to fetch ${what} info by ${what} id [${String(id)}], response code: 404`;
}

/**
 * `upstream.lua` `check_upstream_conf`: `tls.client_cert_id` names a stored SSL of `type: client`
 * (read from etcd, so before any default is filled in: one without `type` is refused too).
 */
function clientCertificate(store: CheckStore, tls: unknown): string | null {
  const id = isObject(tls) ? tls['client_cert_id'] : undefined;
  if (id === undefined) return null;
  const ssl = store.get('ssls', String(id));
  if (ssl === undefined) return `failed to fetch ssl info by ssl id [${String(id)}], response code: 404`;
  if (ssl['type'] !== 'client') return `failed to bind client certificate, ssl id [${String(id)}] is not for client usage`;
  return null;
}

/** `global_rules.lua`: a plugin may be in one global rule only. */
function globalRuleConflict(store: CheckStore, id: string | undefined, plugins: JsonObject): string | null {
  for (const [otherId, other] of store.entries('global_rules')) {
    if (otherId === id || !isObject(other['plugins'])) continue;
    for (const name of Object.keys(plugins)) {
      if (Object.hasOwn(other['plugins'], name)) return `plugin '${name}' already exists in global rule with id '${otherId}'`;
    }
  }
  return null;
}

/** `plugin_unique_key_attrs` (`consumer.lua`): the field of an auth plugin no two consumers may share. */
const UNIQUE_KEY_FIELDS: Readonly<Record<string, string>> = {
  'key-auth': 'key',
  'basic-auth': 'username',
  'jwt-auth': 'key',
  'hmac-auth': 'key_id',
  'ldap-auth': 'user_dn',
  'ldap-auth-advanced': 'user_dn',
};

/**
 * `check_duplicate_key`: another consumer's auth plugin with the same key (a `$secret://` or
 * `$env://` reference is not compared: its value is unknown at write time).
 */
function duplicateKey(store: CheckStore, username: unknown, plugins: unknown): string | null {
  if (!isObject(plugins)) return null;
  for (const [plugin, conf] of Object.entries(plugins)) {
    const field = UNIQUE_KEY_FIELDS[plugin];
    const value = field !== undefined && isObject(conf) ? conf[field] : undefined;
    if (field === undefined || typeof value !== 'string' || value.startsWith('$secret://') || value.toUpperCase().startsWith('$ENV://')) continue;
    for (const [name, consumer] of store.entries('consumers')) {
      const other = isObject(consumer['plugins']) ? consumer['plugins'][plugin] : undefined;
      if (name !== username && isObject(other) && other[field] === value) return `duplicate ${field} of plugin ${plugin} found with consumer: ${name}`;
    }
  }
  return null;
}

/** `validate_cidr_or_ip`: an IPv4 or IPv6 address, optionally with a mask of its family's size. */
function isCidrOrIp(text: string): boolean {
  const slash = text.indexOf('/');
  const ip = slash < 0 ? text : text.slice(0, slash);
  const mask = slash < 0 ? 0 : Number(text.slice(slash + 1));
  if (!Number.isFinite(mask) || mask < 0 || mask > 128) return false;
  if (isIPv4(ip)) return mask <= 32;
  return isIPv6(ip);
}

// ---- the kinds -------------------------------------------------------------------------------

/** The kinds whose `check_conf` is mirrored here, and the schema_def.lua table each is checked with. */
const CORE_SCHEMA: Readonly<Record<string, string>> = {
  routes: 'route',
  services: 'service',
  upstreams: 'upstream',
  consumers: 'consumer',
  consumer_groups: 'consumer_group',
  plugin_configs: 'plugin_config',
  global_rules: 'global_rule',
  stream_routes: 'stream_route',
  ssls: 'ssl',
};

/** Whether `kind`'s bodies are checked here. */
export function isCheckedKind(kind: string): boolean {
  return Object.hasOwn(CORE_SCHEMA, kind) || kind === 'plugin_metadata' || kind === 'secrets';
}

/**
 * `plugin_metadata.lua` `check_conf`: the path names a plugin APISIX has (an HTTP plugin, else a
 * stream plugin of that name: "invalid plugin name"), and the body meets its `metadata_schema`
 * (a plugin without one gets an empty object schema): "invalid configuration: …".
 */
function checkMetadata(name: string | undefined, conf: JsonObject): string | null {
  if (name === undefined) return 'missing plugin name';
  const def = Object.hasOwn(schemas().plugins, name) ? schemas().plugins[name] : Object.hasOwn(schemas().stream_plugins, name) ? schemas().stream_plugins[name] : undefined;
  if (def === undefined) return 'invalid plugin name';
  const error = schemaCheck(`metadata:${name}`, () => def.metadata_schema ?? { type: 'object', properties: {} }, asLua(conf));
  return error === null ? null : `invalid configuration: ${error}`;
}

/**
 * `secrets.lua` `check_conf`: the id `<manager>/<id>` names a secret manager APISIX has
 * (`apisix/secret/<manager>.lua`), whose schema the body meets. Those schemas name no `labels`
 * and forbid no other field, so a body may carry any.
 */
function checkSecret(id: string | undefined, conf: JsonObject): string | null {
  const slash = id?.indexOf('/') ?? -1;
  if (id === undefined || slash < 0) return 'missing secret type';
  const manager = id.slice(0, slash);
  if (!Object.hasOwn(schemas().secrets, manager)) return `invalid secret manager: ${manager}`;
  const error = schemaCheck(`secret:${manager}`, () => schemas().secrets[manager], asLua(conf));
  return error === null ? null : `invalid configuration: ${error}`;
}

/**
 * The kind's `check_conf` on `conf` (the object to be stored, with its id; not changed): null
 * to accept, else APISIX's `error_msg`. `afterSchema` runs where APISIX's schema checks end and
 * its reference checks begin.
 */
export function checkConf(kind: string, id: string | undefined, conf: JsonObject, store: CheckStore, afterSchema?: AfterSchema): string | null {
  if (kind === 'plugin_metadata') return checkMetadata(id, conf) ?? afterSchema?.() ?? null;
  if (kind === 'secrets') return checkSecret(id, conf) ?? afterSchema?.() ?? null;
  const core = CORE_SCHEMA[kind];
  if (core === undefined) return afterSchema?.() ?? null;
  if (kind === 'routes') {
    if (isLuaTrue(conf['host']) && isLuaTrue(conf['hosts'])) return 'only one of host or hosts is allowed';
    if (isLuaTrue(conf['remote_addr']) && isLuaTrue(conf['remote_addrs'])) return 'only one of remote_addr or remote_addrs is allowed';
  }
  const copy = asLua(conf) as JsonObject;
  if (kind === 'upstreams') return checkUpstream(copy) ?? afterSchema?.() ?? clientCertificate(store, copy['tls']);

  const error = schemaCheck(`core:${core}`, () => schemas().core[core], copy);
  if (error !== null) return `invalid configuration: ${error}`;
  const upstream = copy['upstream'];
  if ((kind === 'routes' || kind === 'services') && isObject(upstream)) {
    const upstreamError = checkUpstream(upstream);
    if (upstreamError !== null) return upstreamError;
  }
  const hooked = afterSchema?.() ?? null;
  if (hooked !== null) return hooked;

  const plugins = copy['plugins'];
  switch (kind) {
    case 'routes':
      return (
        missingReference(store, 'upstreams', 'upstream', copy['upstream_id']) ??
        missingReference(store, 'services', 'service', copy['service_id']) ??
        missingReference(store, 'plugin_configs', 'plugin config', copy['plugin_config_id']) ??
        checkPlugins(plugins, 'route')
      );
    case 'services':
      return missingReference(store, 'upstreams', 'upstream', copy['upstream_id']) ?? checkPlugins(plugins, 'route');
    case 'consumers': {
      const pluginError = checkPlugins(plugins, 'consumer');
      if (pluginError !== null) return `invalid plugins configuration: ${pluginError}`;
      return duplicateKey(store, copy['username'], plugins) ?? missingReference(store, 'consumer_groups', 'consumer group', copy['group_id']);
    }
    case 'global_rules':
      return checkPlugins(plugins, 'route') ?? (isObject(plugins) ? globalRuleConflict(store, id, plugins) : null);
    case 'stream_routes':
      return (
        missingReference(store, 'upstreams', 'upstream', copy['upstream_id']) ??
        missingReference(store, 'services', 'service', copy['service_id']) ??
        checkSuperior(store, id, copy) ??
        checkPlugins(plugins, 'stream') ??
        checkStreamRoute(copy)
      );
    default:
      return checkPlugins(plugins, 'route');
  }
}

/** `stream_routes.lua`: a `protocol.superior_id` names another stored stream route of the same protocol. */
function checkSuperior(store: CheckStore, id: string | undefined, conf: JsonObject): string | null {
  const protocol = conf['protocol'];
  const superiorId = isObject(protocol) ? protocol['superior_id'] : undefined;
  if (superiorId === undefined || !isObject(protocol)) return null;
  if (id !== undefined && String(superiorId) === id) return 'stream route can not set itself as superior_id';
  const superior = store.get('stream_routes', String(superiorId));
  if (superior === undefined) return `failed to fetch stream routes[${String(superiorId)}], response code: 404`;
  const superiorProtocol = superior['protocol'];
  if (isObject(superiorProtocol) && superiorProtocol['name'] !== protocol['name']) {
    return `protocol mismatch: subordinate protocol [${String(protocol['name'])}] does not match superior protocol [${String(superiorProtocol['name'])}]`;
  }
  return null;
}

/**
 * `stream_route_checker` after the plugins: `remote_addr` and `server_addr` are addresses or
 * CIDRs, and a `protocol` names a registered xRPC protocol, of which APISIX's default
 * configuration registers none.
 */
function checkStreamRoute(conf: JsonObject): string | null {
  for (const field of ['remote_addr', 'server_addr']) {
    const value = conf[field];
    if (typeof value === 'string' && !isCidrOrIp(value)) return `invalid ${field}: ${value}`;
  }
  const protocol = conf['protocol'];
  return isObject(protocol) ? `unknown protocol [${String(protocol['name'])}]` : null;
}

/** Lua's truth: only nil and false are false. */
function isLuaTrue(value: unknown): boolean {
  return value !== undefined && value !== false;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
