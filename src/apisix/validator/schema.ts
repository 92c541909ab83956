/**
 * JSON Schemas of APISIX's route, service and upstream, mirroring apisix/schema_def.lua
 * (APISIX 3.18.0+, commit f519a0f), compiled once per process with ajv; and the ajv instance
 * every APISIX schema is compiled with. schema.test.ts checks that these name the same
 * properties as APISIX's schemas file (data/apisix-schemas.json).
 *
 * Field by field these are schema_def.lua's definitions. Differences, each deliberate:
 * - The cross-field rules of schema_def.lua (`oneOf` uri/uris, host/hosts, remote_addr(s); the
 *   route's `anyOf` of what it proxies to; `not` script with plugins; the upstream's `oneOf`
 *   nodes / service discovery; tls `client_cert_id` excluding client_cert + client_key) live in
 *   checks.ts, where they get messages a person can act on. The health checker's `anyOf`
 *   (required active, or active + passive) is the plain `required: ['active']` it amounts to.
 * - `anyOf` alternatives of different JSON types (id: string | integer, nodes: hash | array) are
 *   written as a type union with each type's keywords, which accepts the same values and reports
 *   one error instead of one per alternative.
 * - They are written for ajv and compiled through lua-schema.ts, which gives them Lua's view of
 *   JSON types: APISIX decodes bodies with cjson, whose empty table is both `{}` and `[]`, so
 *   `plugins: []` or `methods: {}` pass as they do in APISIX.
 * - `default` values are not injected (the input is never mutated); checks.ts applies the
 *   defaults it needs (`type` roundrobin, `hash_on` vars, `pass_host` pass).
 * - Patterns are APISIX's, run as JavaScript regular expressions. PCRE's `$` also matches before
 *   a final newline, so APISIX accepts e.g. an id "a\n"; here that is rejected. `\S` in
 *   label values is written out as PCRE's (ASCII) non-space class.
 */

import { createRequire } from 'node:module';
import type { Ajv, SchemaObject, ValidateFunction } from 'ajv';
import { FORMATS_MODULE, loadCompiled } from '../../core/compiled-validators.js';
import { HTTP_METHODS } from '../http-methods.js';
import { isApisixIpOrCidr, isIpv4, isIpv6 } from './ip-address.js';
import { addLuaKeywords } from './lua-keywords.js';
import { fromLuaSchema } from './lua-schema.js';

/** schema_def.lua `id_schema`: 1-64 characters of [a-zA-Z0-9-_.], or an integer ≥ 1. */
export const idSchema: SchemaObject = {
  type: ['string', 'integer'],
  minLength: 1,
  maxLength: 64,
  pattern: '^[a-zA-Z0-9-_.]+$',
  minimum: 1,
};

/** schema_def.lua `host_def`: `*`, or an optional leading `*` then [0-9a-zA-Z-._[]:]. */
export const hostDef: SchemaObject = { type: 'string', pattern: '^\\*$|^\\*?[0-9a-zA-Z-._\\[\\]:]+$' };

/** schema_def.lua `remote_addr_def` (its `ip_def` anyOf is the `apisix-ip` format). */
const remoteAddrDef: SchemaObject = { type: 'string', format: 'apisix-ip' };

/** schema_def.lua `label_value_def`: PCRE `^\S+$` (only ASCII white space is `\s` there). */
const labelsDef: SchemaObject = {
  type: 'object',
  additionalProperties: { type: 'string', pattern: '^[^\\t\\n\\v\\f\\r ]+$', minLength: 1, maxLength: 256 },
};

const ruleNameDef: SchemaObject = { type: 'string', minLength: 1, maxLength: 256 };
const descDef: SchemaObject = { type: 'string', maxLength: 256 };
const timestampDef: SchemaObject = { type: 'integer' };

/** schema_def.lua `timeout_def`: all three, each a number > 0 (seconds). */
const timeoutDef: SchemaObject = {
  type: 'object',
  properties: {
    connect: { type: 'number', exclusiveMinimum: 0 },
    send: { type: 'number', exclusiveMinimum: 0 },
    read: { type: 'number', exclusiveMinimum: 0 },
  },
  required: ['connect', 'send', 'read'],
};


const statusList = (min: number, max: number): SchemaObject => ({
  type: 'array',
  minItems: 1,
  items: { type: 'integer', minimum: min, maximum: max },
  uniqueItems: true,
});

const counter = (min: number): SchemaObject => ({ type: 'integer', minimum: min, maximum: 254 });

/** schema_def.lua `health_checker_active`. */
const healthCheckerActive: SchemaObject = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['http', 'https', 'tcp'] },
    timeout: { type: 'number' },
    concurrency: { type: 'integer' },
    host: hostDef,
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    http_method: { type: 'string', enum: [...HTTP_METHODS] },
    http_path: { type: 'string' },
    http_req_body: { type: 'string' },
    https_verify_certificate: { type: 'boolean' },
    healthy: {
      type: 'object',
      properties: {
        interval: { type: 'integer', minimum: 1 },
        http_statuses: statusList(200, 599),
        successes: counter(1),
      },
    },
    unhealthy: {
      type: 'object',
      properties: {
        interval: { type: 'integer', minimum: 1 },
        http_statuses: statusList(200, 599),
        http_failures: counter(1),
        tcp_failures: counter(1),
        timeouts: counter(1),
      },
    },
    // schema_def.lua also puts `uniqueItems` on the item (a string), where it has no effect.
    req_headers: { type: 'array', minItems: 1, items: { type: 'string' } },
  },
};

/** schema_def.lua `health_checker_passive`. */
const healthCheckerPassive: SchemaObject = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['http', 'https', 'tcp'] },
    healthy: {
      type: 'object',
      properties: {
        http_statuses: statusList(200, 599),
        successes: counter(0),
      },
    },
    unhealthy: {
      type: 'object',
      properties: {
        http_statuses: statusList(200, 599),
        tcp_failures: counter(0),
        timeouts: counter(0),
        http_failures: counter(0),
      },
    },
  },
};

/** schema_def.lua `nodes_schema`: `{"host:port": weight}` or `[{host, port?, weight, priority?, metadata?}]`. */
const nodesSchema: SchemaObject = {
  type: ['object', 'array'],
  additionalProperties: { type: 'integer', minimum: 0 },
  items: {
    type: 'object',
    properties: {
      host: hostDef,
      port: { type: 'integer', minimum: 1, maximum: 65535 },
      weight: { type: 'integer', minimum: 0 },
      priority: { type: 'integer' },
      metadata: { type: 'object' },
    },
    required: ['host', 'weight'],
  },
};

/** schema_def.lua `upstream_schema` (`_M.upstream`, also inlined in routes and services). */
export const upstreamSchema: SchemaObject = {
  type: 'object',
  properties: {
    id: idSchema,
    name: ruleNameDef,
    desc: descDef,
    labels: labelsDef,
    create_time: timestampDef,
    update_time: timestampDef,

    nodes: nodesSchema,
    retries: { type: 'integer', minimum: 0 },
    retry_timeout: { type: 'number', minimum: 0 },
    timeout: timeoutDef,
    tls: {
      type: 'object',
      properties: {
        client_cert_id: idSchema,
        client_cert: { type: 'string', minLength: 128, maxLength: 64 * 1024 },
        client_key: { type: 'string', minLength: 64, maxLength: 64 * 1024 },
        verify: { type: 'boolean' },
      },
      dependencies: {
        client_cert: ['client_key'],
        client_key: ['client_cert'],
      },
    },
    keepalive_pool: {
      type: 'object',
      properties: {
        size: { type: 'integer', minimum: 1 },
        idle_timeout: { type: 'number', minimum: 0 },
        requests: { type: 'integer', minimum: 1 },
      },
    },
    type: { type: 'string' },
    checks: {
      type: 'object',
      properties: { active: healthCheckerActive, passive: healthCheckerPassive },
      // schema_def.lua health_checker.anyOf [required active] | [required active, passive].
      required: ['active'],
    },
    hash_on: { type: 'string', enum: ['vars', 'header', 'cookie', 'consumer', 'vars_combinations'] },
    key: { type: 'string' },
    scheme: { enum: ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'udp', 'kafka'] },
    discovery_type: { type: 'string' },
    discovery_args: {
      type: 'object',
      properties: {
        namespace_id: { type: 'string' },
        group_name: { type: 'string' },
      },
    },
    pass_host: { type: 'string', enum: ['pass', 'node', 'rewrite'] },
    upstream_host: hostDef,
    service_name: { type: 'string', minLength: 1, maxLength: 256 },
  },
  additionalProperties: false,
};

/** schema_def.lua `upstream_hash_vars_schema`: the nginx variables a `hash_on: vars` key may name. */
export const UPSTREAM_HASH_VARS_PATTERN =
  /^((uri|server_name|server_addr|request_uri|remote_port|remote_addr|query_string|host|hostname|mqtt_client_id)|arg_[0-9a-zA-z_-]+)$/;

/** schema_def.lua `upstream_hash_header_schema`: header and cookie names. */
export const UPSTREAM_HASH_HEADER_PATTERN = /^[a-zA-Z0-9-_]+$/;

/** schema_def.lua `_M.route`. */
export const routeSchema: SchemaObject = {
  type: 'object',
  properties: {
    id: idSchema,
    name: ruleNameDef,
    desc: descDef,
    labels: labelsDef,
    create_time: timestampDef,
    update_time: timestampDef,

    uri: { type: 'string', minLength: 1, maxLength: 4096 },
    uris: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true },
    priority: { type: 'integer' },
    methods: { type: 'array', items: { type: 'string', enum: [...HTTP_METHODS] }, uniqueItems: true },
    host: hostDef,
    hosts: { type: 'array', items: hostDef, minItems: 1, uniqueItems: true },
    remote_addr: remoteAddrDef,
    remote_addrs: { type: 'array', items: remoteAddrDef, minItems: 1, uniqueItems: true },
    timeout: timeoutDef,
    vars: { type: 'array' },
    filter_func: { type: 'string', minLength: 10, pattern: '^function' },

    script: { type: 'string', minLength: 10, maxLength: 102400 },
    script_id: idSchema,

    plugins: { type: 'object' },
    plugin_config_id: idSchema,

    upstream: upstreamSchema,

    service_id: idSchema,
    upstream_id: idSchema,

    enable_websocket: { type: 'boolean' },
    status: { type: 'integer', enum: [1, 0] },
  },
  additionalProperties: false,
};

/** schema_def.lua `_M.service`. */
export const serviceSchema: SchemaObject = {
  type: 'object',
  properties: {
    id: idSchema,
    name: ruleNameDef,
    desc: descDef,
    labels: labelsDef,
    create_time: timestampDef,
    update_time: timestampDef,

    plugins: { type: 'object' },
    upstream: upstreamSchema,
    upstream_id: idSchema,
    script: { type: 'string', minLength: 10, maxLength: 102400 },
    enable_websocket: { type: 'boolean' },
    hosts: { type: 'array', items: hostDef, minItems: 1, uniqueItems: true },
  },
  additionalProperties: false,
};

/**
 * The `_meta` object APISIX injects into every plugin's schema
 * (schema_def.lua `plugin_injected_schema`).
 */
export const pluginMetaSchema: SchemaObject = {
  type: 'object',
  properties: {
    disable: { type: 'boolean' },
    error_response: { type: ['string', 'object'] },
    priority: { type: 'integer' },
    filter: { type: 'array' },
    pre_function: { type: 'string' },
  },
  additionalProperties: false,
};

export interface ApisixSchemaValidators {
  readonly route: ValidateFunction;
  readonly service: ValidateFunction;
  readonly upstream: ValidateFunction;
  readonly pluginMeta: ValidateFunction;
}

let validators: ApisixSchemaValidators | null = null;

let objectSchemas: Readonly<Record<keyof ApisixSchemaValidators, SchemaObject>> | null = null;

/** The schemas of `ApisixSchemaValidators` by name, as compiled (with Lua's tables, lua-schema.ts). */
export function apisixObjectSchemas(): Readonly<Record<keyof ApisixSchemaValidators, SchemaObject>> {
  objectSchemas ??= {
    route: fromLuaSchema(routeSchema) as SchemaObject,
    service: fromLuaSchema(serviceSchema) as SchemaObject,
    upstream: fromLuaSchema(upstreamSchema) as SchemaObject,
    pluginMeta: fromLuaSchema(pluginMetaSchema) as SchemaObject,
  };
  return objectSchemas;
}

/**
 * The custom formats APISIX's schemas use, as ajv's format definitions: `ip_def` of
 * schema_def.lua, and api7/jsonschema's `ipv4` / `ipv6` (`inet_pton`).
 */
export const APISIX_FORMATS = {
  'apisix-ip': { type: 'string', validate: isApisixIpOrCidr },
  'lua-ipv4': { type: 'string', validate: isIpv4 },
  'lua-ipv6': { type: 'string', validate: isIpv6 },
} as const;

/**
 * An ajv instance with APISIX's options, formats and the keywords of lua-schema.ts; `source`:
 * keep the generated code, for scripts/build-validators.js.
 */
export function createApisixAjv(options: { readonly source?: boolean } = {}): Ajv {
  // Loaded here, not with this module: a build's validators come compiled ahead of time (see
  // ../schemas.ts), so most runs never load ajv.
  const ajvModule = createRequire(import.meta.url)('ajv') as typeof import('ajv');
  const { Ajv: AjvClass, _ } = ajvModule;
  // validateSchema: checked against the meta-schema by the tests (test/schema-meta.test.ts), not on every run.
  // strictTypes and strictRequired are off: APISIX's schemas put object keywords in untyped
  // branches, and `then: {required: [...]}` names properties its parent defines.
  const ajv = new AjvClass({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowMatchingProperties: true,
    validateSchema: false,
    ...(options.source ? { code: { source: true, formats: _`require(${FORMATS_MODULE})` } } : {}),
  });
  for (const [name, format] of Object.entries(APISIX_FORMATS)) ajv.addFormat(name, format);
  addLuaKeywords(ajv, ajvModule);
  return ajv;
}

/** The compiled validators: ahead of time when the build made them, else compiled on first use; then shared by every call. */
export function apisixSchemaValidators(): ApisixSchemaValidators {
  if (validators) return validators;
  const schemas = apisixObjectSchemas();
  const ahead = loadCompiled('apisix', schemas, APISIX_FORMATS);
  if (ahead?.['route'] && ahead['service'] && ahead['upstream'] && ahead['pluginMeta']) {
    validators = { route: ahead['route'], service: ahead['service'], upstream: ahead['upstream'], pluginMeta: ahead['pluginMeta'] };
    return validators;
  }
  const ajv = createApisixAjv();
  validators = {
    route: ajv.compile(schemas.route),
    service: ajv.compile(schemas.service),
    upstream: ajv.compile(schemas.upstream),
    pluginMeta: ajv.compile(schemas.pluginMeta),
  };
  return validators;
}
