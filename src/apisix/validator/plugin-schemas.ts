/**
 * The route / service configuration schema of each checked plugin: the `schema` of
 * apisix/plugins/<name>.lua (APISIX 3.18.0+, commit f519a0f), as JSON Schema for ajv.
 *
 * Conventions, shared with schema.ts:
 * - Cross-field rules written in the Lua schema as `oneOf` / `anyOf` of `required` lists, or as
 *   `dependencies` with `not`, live in plugin-checks.ts, next to the checks of each plugin's
 *   `check_schema`, where they get messages a person can act on. So do the checks APISIX makes in
 *   code past the schema.
 * - `oneOf` alternatives of different JSON types (`{integer > 0} | {string}`) are written as a
 *   type union with each type's keywords, which accepts the same values.
 * - APISIX's schema validator (api7/jsonschema) injects each property's `default` while it walks
 *   the properties, before it evaluates `if`, `oneOf` and `minProperties`. Where a default decides
 *   such a keyword this says so: `if: {properties: {policy: {const: 'redis'}}}` carries
 *   `required: ['policy']`, because an absent policy is the default "local" by the time `if` runs.
 * - `default` values are not injected; JSON types are taken strictly, as in schema.ts.
 * - Every schema also allows `_meta`, which apisix/plugin.lua injects into every plugin schema and
 *   which checks.ts validates on its own.
 */

import type { SchemaObject } from 'ajv';
import { HTTP_METHODS, hostDef, idSchema, upstreamSchema } from './schema.js';

const META = { _meta: {} } as const;

/** `if` of a schema whose property has a default: the default already applies when `if` runs. */
const whenProperty = (name: string, value: unknown): SchemaObject => ({
  properties: { [name]: { const: value } },
  required: [name],
});

const bool: SchemaObject = { type: 'boolean' };
const str: SchemaObject = { type: 'string' };
const nonEmpty: SchemaObject = { type: 'string', minLength: 1 };
const int = (minimum?: number, maximum?: number): SchemaObject => ({
  type: 'integer',
  ...(minimum === undefined ? {} : { minimum }),
  ...(maximum === undefined ? {} : { maximum }),
});
const rejectedCode: SchemaObject = int(200, 599);

/** apisix/schema_def.lua `get_realm_schema`: printable ASCII without `"` and `\`, 1-128 characters. */
const realm: SchemaObject = {
  type: 'string',
  pattern: '^[\\x20-\\x21\\x23-\\x5B\\x5D-\\x7E]+$',
  minLength: 1,
  maxLength: 128,
};

/** apisix/schema_def.lua `anonymous_consumer_schema`. */
const anonymousConsumer: SchemaObject = nonEmpty;

/**
 * apisix/schema_def.lua `ip_def` (IPv4, IPv4/CIDR, IPv6, IPv6/CIDR). The plugins using it also
 * run `core.ip.validate_cidr_or_ip`, which plugin-checks.ts applies.
 */
const ipDef: SchemaObject = { type: 'string', format: 'apisix-ip' };

/** A header name: apisix/plugins/*.lua write `^[^:]+$`. */
const HEADER_NAME = '^[^:]+$';
const stringOrNumber: SchemaObject = { type: ['string', 'number'] };

/** apisix/utils/redis-schema.lua, policy "redis". */
const redisPolicy: SchemaObject = {
  properties: {
    redis_host: { type: 'string', minLength: 2 },
    redis_port: int(1),
    redis_username: nonEmpty,
    redis_password: str,
    redis_database: int(0),
    redis_timeout: int(1),
    redis_ssl: bool,
    redis_ssl_verify: bool,
    redis_keepalive_timeout: int(1000),
    redis_keepalive_pool: int(1),
  },
  required: ['redis_host'],
};

/** apisix/utils/redis-schema.lua, policy "redis-cluster". */
const redisClusterPolicy: SchemaObject = {
  properties: {
    redis_cluster_nodes: { type: 'array', minItems: 1, items: { type: 'string', minLength: 2, maxLength: 100 } },
    redis_password: str,
    redis_timeout: int(1),
    redis_cluster_name: str,
    redis_cluster_ssl: bool,
    redis_cluster_ssl_verify: bool,
    redis_keepalive_timeout: int(1000),
    redis_keepalive_pool: int(1),
  },
  required: ['redis_cluster_nodes', 'redis_cluster_name'],
};

/** apisix/plugins/limit-count/init.lua, policy "redis-sentinel". */
const redisSentinelPolicy: SchemaObject = {
  properties: {
    redis_sentinels: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: { host: { type: 'string', minLength: 2 }, port: int(1, 65535) },
        required: ['host', 'port'],
        additionalProperties: false,
      },
    },
    redis_master_name: nonEmpty,
    redis_role: { type: 'string', enum: ['master', 'slave'] },
    redis_connect_timeout: int(1),
    redis_read_timeout: int(1),
    redis_keepalive_timeout: int(1),
    redis_database: int(0),
    redis_username: nonEmpty,
    redis_password: str,
    sentinel_username: nonEmpty,
    sentinel_password: str,
  },
  required: ['redis_sentinels', 'redis_master_name'],
};

/** apisix/utils/redis-schema.lua `limit_conn_redis_schema` / `limit_conn_redis_cluster_schema`: plus `key_ttl`. */
const withKeyTtl = (policy: SchemaObject): SchemaObject => ({
  ...policy,
  properties: { ...(policy.properties as Record<string, SchemaObject>), key_ttl: { type: 'integer' } },
});

/** limit-count / limit-conn `count`, `time_window`, `conn`: `oneOf {integer > 0} | {string}` (a variable). */
const positiveIntegerOrVariable: SchemaObject = { type: ['integer', 'string'], exclusiveMinimum: 0 };

/** apisix/plugins/limit-count/init.lua `schema`. */
const limitCount: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    count: positiveIntegerOrVariable,
    time_window: positiveIntegerOrVariable,
    window_type: { type: 'string', enum: ['fixed', 'sliding'] },
    rules: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          count: positiveIntegerOrVariable,
          time_window: positiveIntegerOrVariable,
          key: str,
          header_prefix: str,
        },
        required: ['count', 'time_window', 'key'],
      },
    },
    group: str,
    key: str,
    key_type: { type: 'string', enum: ['var', 'var_combination', 'constant'] },
    rejected_code: rejectedCode,
    rejected_msg: nonEmpty,
    policy: { type: 'string', enum: ['local', 'redis', 'redis-cluster', 'redis-sentinel'] },
    allow_degradation: bool,
    show_limit_quota_header: bool,
    sync_interval: { type: 'number' },
  },
  if: whenProperty('policy', 'redis'),
  then: redisPolicy,
  else: {
    if: whenProperty('policy', 'redis-cluster'),
    then: redisClusterPolicy,
    else: { if: whenProperty('policy', 'redis-sentinel'), then: redisSentinelPolicy },
  },
};

/** apisix/plugins/limit-req.lua `schema`. */
const limitReq: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    rate: { type: 'number', exclusiveMinimum: 0 },
    burst: { type: 'number', minimum: 0 },
    key: str,
    key_type: { type: 'string', enum: ['var', 'var_combination'] },
    policy: { type: 'string', enum: ['redis', 'redis-cluster', 'local'] },
    rejected_code: rejectedCode,
    rejected_msg: nonEmpty,
    nodelay: bool,
    allow_degradation: bool,
  },
  required: ['rate', 'burst', 'key'],
  if: whenProperty('policy', 'redis'),
  then: redisPolicy,
  else: { if: whenProperty('policy', 'redis-cluster'), then: redisClusterPolicy },
};

/** limit-conn `burst`: `oneOf {integer >= 0} | {string}`. */
const nonNegativeIntegerOrVariable: SchemaObject = { type: ['integer', 'string'], minimum: 0 };

/** apisix/plugins/limit-conn.lua `schema`. */
const limitConn: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    conn: positiveIntegerOrVariable,
    burst: nonNegativeIntegerOrVariable,
    default_conn_delay: { type: 'number', exclusiveMinimum: 0 },
    only_use_default_delay: bool,
    key: str,
    key_type: { type: 'string', enum: ['var', 'var_combination'] },
    policy: { type: 'string', enum: ['redis', 'redis-cluster', 'local'] },
    rejected_code: rejectedCode,
    rejected_msg: nonEmpty,
    allow_degradation: bool,
    rules: {
      type: 'array',
      items: {
        type: 'object',
        properties: { conn: positiveIntegerOrVariable, burst: nonNegativeIntegerOrVariable, key: str },
        required: ['conn', 'burst', 'key'],
      },
    },
  },
  if: whenProperty('policy', 'redis'),
  then: withKeyTtl(redisPolicy),
  else: { if: whenProperty('policy', 'redis-cluster'), then: withKeyTtl(redisClusterPolicy) },
};

/** proxy-rewrite `headers` values: a string, a number, or a non-empty array of those. */
const headerValues: SchemaObject = {
  type: ['string', 'number', 'array'],
  minItems: 1,
  items: stringOrNumber,
};

/** Operations form of the headers of proxy-rewrite and response-rewrite: add / set / remove. */
const isHeaderOperations: SchemaObject = {
  type: 'object',
  anyOf: ['add', 'set', 'remove'].map((op) => ({ required: [op], properties: { [op]: { type: ['object', 'array'] } } })),
};

/**
 * apisix/plugins/proxy-rewrite.lua `schema.properties.headers`: `oneOf` the operations form
 * (add / set / remove) and the plain form (header → value). The two are told apart by whether
 * an operation holds an object or an array, which only the operations form allows.
 */
const proxyRewriteHeaders: SchemaObject = {
  if: isHeaderOperations,
  then: {
    type: 'object',
    minProperties: 1,
    additionalProperties: false,
    properties: {
      add: { type: 'object', minProperties: 1, patternProperties: { [HEADER_NAME]: headerValues } },
      set: { type: 'object', minProperties: 1, patternProperties: { [HEADER_NAME]: headerValues } },
      remove: { type: 'array', minItems: 1, items: { type: 'string', pattern: HEADER_NAME } },
    },
  },
  else: { type: 'object', minProperties: 1, patternProperties: { [HEADER_NAME]: stringOrNumber } },
};

/** The methods of proxy-rewrite.lua's `switch_map`. */
const PROXY_REWRITE_METHODS = [
  'GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'OPTIONS', 'MKCOL', 'COPY', 'MOVE', 'PROPFIND', 'LOCK', 'UNLOCK', 'PATCH', 'TRACE',
];

/**
 * apisix/plugins/proxy-rewrite.lua `schema`. Its `minProperties = 1` is left out: the validator
 * injects the default of `use_real_request_uri_unsafe` before it counts, so every object has a
 * property by then and APISIX accepts `{}`.
 */
const proxyRewrite: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    uri: { type: 'string', minLength: 1, maxLength: 4096, pattern: '^/' },
    method: { type: 'string', enum: PROXY_REWRITE_METHODS },
    regex_uri: { type: 'array', minItems: 2, items: str },
    host: { type: 'string', pattern: '^[0-9a-zA-Z.-]+(:\\d{1,5})?$' },
    headers: proxyRewriteHeaders,
    use_real_request_uri_unsafe: bool,
  },
};

/**
 * apisix/plugins/response-rewrite.lua `schema.properties.headers`: `anyOf` the plain form and the
 * operations form. A plain form's values are checked by `check_set_headers` (plugin-checks.ts);
 * a value that is not an object makes that function raise, so the object type is required here.
 */
const responseRewriteHeaders: SchemaObject = {
  type: 'object',
  if: isHeaderOperations,
  then: {
    properties: {
      add: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[^:]+:[^:]*[^/]$' } },
      set: { type: 'object', minProperties: 1, patternProperties: { [HEADER_NAME]: stringOrNumber } },
      remove: { type: 'array', minItems: 1, items: { type: 'string', pattern: HEADER_NAME } },
    },
  },
  else: { patternProperties: { [HEADER_NAME]: stringOrNumber } },
};

/** apisix/plugins/response-rewrite.lua `schema`; `body` excludes `filters` (plugin-checks.ts). */
const responseRewrite: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    max_resp_body_size: int(1),
    headers: responseRewriteHeaders,
    body: str,
    body_base64: bool,
    status_code: int(200, 598),
    vars: { type: 'array' },
    filters: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['regex', 'replace'],
        properties: {
          regex: nonEmpty,
          scope: { type: 'string', enum: ['once', 'global'] },
          replace: str,
          options: str,
        },
      },
    },
  },
};

/** apisix/plugins/traffic-split.lua `schema`. */
const trafficSplit: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    rules: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          match: { type: 'array', items: { type: 'object', properties: { vars: { type: 'array' } } } },
          weighted_upstreams: {
            type: 'array',
            minItems: 1,
            maxItems: 20,
            items: {
              type: 'object',
              properties: { upstream_id: idSchema, upstream: upstreamSchema, weight: int(0) },
            },
          },
        },
      },
    },
  },
};

/** apisix/plugins/cors.lua `origins_pattern`. */
const CORS_ORIGINS = '^(\\*|\\*\\*|null|\\w+://[^,]+(,\\w+://[^,]+)*)$';
const regexList: SchemaObject = {
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: { type: 'string', minLength: 1, maxLength: 4096 },
};

/** apisix/plugins/cors.lua `schema`. */
const cors: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    allow_origins: { type: 'string', pattern: CORS_ORIGINS },
    allow_methods: str,
    allow_headers: str,
    expose_headers: str,
    max_age: { type: 'integer' },
    allow_credential: bool,
    allow_origins_by_regex: regexList,
    allow_origins_by_metadata: regexList,
    timing_allow_origins: { type: 'string', pattern: CORS_ORIGINS },
    timing_allow_origins_by_regex: regexList,
  },
};

/** apisix/plugins/key-auth.lua `schema`. */
const keyAuth: SchemaObject = {
  type: 'object',
  properties: { ...META, header: str, query: str, realm, hide_credentials: bool, anonymous_consumer: anonymousConsumer },
};

/** apisix/plugins/jwt-auth.lua `schema`. */
const jwtAuth: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    header: str,
    query: str,
    cookie: str,
    hide_credentials: bool,
    key_claim_name: nonEmpty,
    store_in_ctx: bool,
    realm,
    anonymous_consumer: anonymousConsumer,
    claims_to_verify: { type: 'array', items: { type: 'string', enum: ['exp', 'nbf'] }, uniqueItems: true },
  },
};

/** apisix/plugins/basic-auth.lua `schema`. */
const basicAuth: SchemaObject = {
  type: 'object',
  properties: { ...META, hide_credentials: bool, realm, anonymous_consumer: anonymousConsumer },
};

/** apisix/plugins/hmac-auth.lua `schema`. */
const hmacAuth: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    allowed_algorithms: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', enum: ['hmac-sha1', 'hmac-sha256', 'hmac-sha512'] },
    },
    clock_skew: int(1),
    signed_headers: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 50 } },
    validate_request_body: bool,
    max_req_body_size: int(1),
    hide_credentials: bool,
    realm,
    anonymous_consumer: anonymousConsumer,
  },
};

const message = (): SchemaObject => ({ type: 'string', minLength: 1, maxLength: 1024 });

/** apisix/plugins/ip-restriction/init.lua `schema`; one of whitelist / blacklist (plugin-checks.ts). */
const ipRestriction: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    message: message(),
    response_code: int(403, 404),
    whitelist: { type: 'array', items: ipDef, minItems: 1 },
    blacklist: { type: 'array', items: ipDef, minItems: 1 },
  },
};

/** apisix/plugins/ua-restriction.lua `schema`; one of allowlist / denylist (plugin-checks.ts). */
const uaRestriction: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    bypass_missing: bool,
    allowlist: { type: 'array', minItems: 1, items: nonEmpty },
    denylist: { type: 'array', minItems: 1, items: nonEmpty },
    message: message(),
  },
};

/** apisix/plugins/referer-restriction.lua `schema`; one of whitelist / blacklist (plugin-checks.ts). */
const refererRestriction: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    bypass_missing: bool,
    whitelist: { type: 'array', items: hostDef, minItems: 1 },
    blacklist: { type: 'array', items: hostDef, minItems: 1 },
    message: message(),
  },
};

/** apisix/plugins/prometheus.lua `schema`. */
const prometheus: SchemaObject = { type: 'object', properties: { ...META, prefer_name: bool } };

/**
 * apisix/plugins/redirect.lua `schema`; one of uri / regex_uri / http_to_https (plugin-checks.ts).
 * Its `uri` pattern, `(\\\$[0-9a-zA-Z_]+)|`, has an empty alternative and matches every string.
 */
const redirect: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    ret_code: int(200),
    uri: { type: 'string', minLength: 2 },
    regex_uri: { type: 'array', minItems: 2, maxItems: 2, items: str },
    http_to_https: bool,
    encode_uri: bool,
    append_query_string: bool,
  },
};

/** apisix/plugins/request-id.lua `schema`. */
const requestId: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    header_name: str,
    include_in_response: bool,
    algorithm: { type: 'string', enum: ['uuid', 'nanoid', 'range_id', 'ksuid', 'uuidv7'] },
    range_id: {
      type: 'object',
      properties: { length: int(6), char_set: { type: 'string', minLength: 6 } },
    },
  },
};

/** proxy-cache `cache_key`, `cache_bypass`, `no_cache` items: a `$variable` or text not starting with `$`. */
const cacheVariable: SchemaObject = { type: 'string', pattern: '(^[^$][^\\n]+$|^\\$[0-9a-zA-Z_]+$)' };

/** apisix/plugins/proxy-cache/init.lua `schema`. */
const proxyCache: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    max_resp_body_size: int(1),
    cache_zone: { type: 'string', minLength: 1, maxLength: 100 },
    cache_strategy: { type: 'string', enum: ['disk', 'memory'] },
    cache_key: { type: 'array', minItems: 1, items: cacheVariable },
    cache_http_status: { type: 'array', minItems: 1, items: int(200, 599), uniqueItems: true },
    cache_method: { type: 'array', minItems: 1, items: { type: 'string', enum: ['GET', 'POST', 'HEAD'] }, uniqueItems: true },
    hide_cache_headers: bool,
    cache_control: bool,
    cache_bypass: { type: 'array', minItems: 1, items: cacheVariable },
    no_cache: { type: 'array', minItems: 1, items: cacheVariable },
    cache_ttl: int(1),
    consumer_isolation: bool,
    cache_set_cookie: bool,
  },
};

const faultVars: SchemaObject = { type: 'array', maxItems: 20, items: { type: 'array' } };

/** apisix/plugins/fault-injection.lua `schema`. */
const faultInjection: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    abort: {
      type: 'object',
      properties: {
        http_status: int(200),
        body: str,
        headers: { type: 'object', minProperties: 1, patternProperties: { [HEADER_NAME]: stringOrNumber } },
        percentage: int(0, 100),
        vars: faultVars,
      },
      required: ['http_status'],
    },
    delay: {
      type: 'object',
      properties: {
        duration: { type: 'number', minimum: 0 },
        percentage: int(0, 100),
        vars: faultVars,
      },
      required: ['duration'],
    },
  },
  minProperties: 1,
};

const statuses = (minimum: number, maximum: number): SchemaObject => ({
  type: 'array',
  minItems: 1,
  items: int(minimum, maximum),
  uniqueItems: true,
});

/** apisix/plugins/api-breaker.lua `schema`. */
const apiBreaker: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    break_response_code: int(200, 599),
    break_response_body: str,
    break_response_headers: {
      type: 'array',
      items: {
        type: 'object',
        properties: { key: nonEmpty, value: nonEmpty },
        required: ['key', 'value'],
      },
    },
    max_breaker_sec: int(3),
    unhealthy: { type: 'object', properties: { http_statuses: statuses(500, 599), failures: int(1) } },
    healthy: { type: 'object', properties: { http_statuses: statuses(200, 499), successes: int(1) } },
  },
  required: ['break_response_code'],
};

/** apisix/plugins/consumer-restriction.lua `schema`; one of its lists at least (plugin-checks.ts). */
const consumerRestriction: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    type: { type: 'string', enum: ['consumer_name', 'service_id', 'route_id', 'consumer_group_id'] },
    blacklist: { type: 'array', minItems: 1, items: str },
    whitelist: { type: 'array', minItems: 1, items: str },
    allowed_by_methods: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          user: str,
          methods: { type: 'array', minItems: 1, items: { type: 'string', enum: [...HTTP_METHODS] } },
        },
      },
    },
    rejected_code: int(200),
    rejected_msg: str,
  },
};

/** apisix/plugins/real-ip.lua `schema`. */
const realIp: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    trusted_addresses: { type: 'array', items: ipDef, minItems: 1 },
    source: nonEmpty,
    recursive: bool,
  },
  required: ['source'],
};

/** apisix/plugins/gzip.lua `schema`. `types`: `anyOf` a non-empty array of strings, or "*". */
const gzip: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    types: {
      if: { type: 'string' },
      then: { const: '*' },
      else: { type: 'array', minItems: 1, items: nonEmpty },
    },
    min_length: int(1),
    comp_level: int(1, 9),
    // Lua's 1.0 is the number 1.
    http_version: { enum: [1.1, 1] },
    buffers: { type: 'object', properties: { number: int(1), size: int(1) } },
    vary: bool,
  },
};

/** apisix/schema_def.lua `uri_def`. */
const uriDef: SchemaObject = { type: 'string', pattern: '^[^/]+://([\\da-zA-Z.-]+|\\[[\\da-fA-F:]+\\])(:\\d+)?' };

/** apisix/utils/batch-processor.lua `schema`, merged by batch-processor-manager.lua `wrap_schema`. */
const batchProcessor: Readonly<Record<string, SchemaObject>> = {
  name: str,
  max_retry_count: int(0),
  retry_delay: int(0),
  buffer_duration: int(1),
  inactive_timeout: int(1),
  batch_max_size: int(1),
};

const expressionList: SchemaObject = { type: 'array', minItems: 1, items: { type: 'array' } };

/** apisix/plugins/http-logger.lua `schema`. */
const httpLogger: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    ...batchProcessor,
    uri: uriDef,
    auth_header: str,
    timeout: int(1),
    log_format: { type: 'object' },
    log_format_extra: { type: 'object' },
    include_req_body: bool,
    include_req_body_expr: expressionList,
    include_resp_body: bool,
    include_resp_body_expr: expressionList,
    max_req_body_bytes: int(1),
    max_resp_body_bytes: int(1),
    concat_method: { type: 'string', enum: ['json', 'new_line'] },
    ssl_verify: bool,
  },
  required: ['uri'],
};

/** apisix/plugins/openid-connect.lua `schema`. */
const openidConnect: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    client_id: str,
    client_secret: str,
    discovery: str,
    scope: str,
    ssl_verify: bool,
    timeout: int(1),
    introspection_endpoint: str,
    introspection_endpoint_auth_method: str,
    token_endpoint_auth_method: str,
    bearer_only: bool,
    session: {
      type: 'object',
      properties: {
        secret: { type: 'string', minLength: 16 },
        cookie_name: str,
        cookie_path: str,
        cookie_domain: str,
        cookie_secure: bool,
        cookie_http_only: bool,
        cookie_same_site: { type: 'string', enum: ['Strict', 'Lax', 'None', 'Default'] },
        idling_timeout: { type: 'integer' },
        rolling_timeout: { type: 'integer' },
        absolute_timeout: { type: 'integer' },
        cookie: { type: 'object', properties: { lifetime: { type: 'integer' } } },
        storage: { type: 'string', enum: ['cookie', 'redis'] },
        redis: {
          type: 'object',
          properties: {
            host: { type: 'string', minLength: 2 },
            port: int(1),
            username: nonEmpty,
            password: str,
            database: int(0),
            prefix: str,
            ssl: bool,
            ssl_verify: bool,
            server_name: str,
            connect_timeout: int(1),
            send_timeout: int(1),
            read_timeout: int(1),
            keepalive_timeout: int(1000),
          },
        },
      },
      required: ['secret'],
      if: whenProperty('storage', 'redis'),
      then: { required: ['redis'] },
      additionalProperties: false,
    },
    realm: str,
    claim_validator: {
      type: 'object',
      properties: {
        issuer: { type: 'object', properties: { valid_issuers: { type: 'array', items: str } } },
        audience: {
          type: 'object',
          properties: { claim: str, required: bool, match_with_client_id: bool },
        },
      },
    },
    logout_path: str,
    redirect_uri: str,
    post_logout_redirect_uri: str,
    unauth_action: { type: 'string', enum: ['auth', 'deny', 'pass'] },
    public_key: str,
    use_jwks: bool,
    token_signing_alg_values_expected: str,
    use_pkce: bool,
    par: {
      type: 'object',
      properties: {
        enabled: bool,
        endpoint: str,
        endpoint_auth_method: {
          type: 'string',
          enum: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'client_secret_jwt'],
        },
      },
      additionalProperties: false,
    },
    dpop: {
      type: 'object',
      properties: {
        enabled: bool,
        signing_alg: { type: 'string', enum: ['ES256', 'RS256', 'PS256'] },
        private_key: str,
        // Its `not` (no private members) is checked in plugin-checks.ts.
        public_jwk: { type: 'object' },
      },
      if: whenProperty('enabled', true),
      then: { required: ['private_key', 'public_jwk'] },
      additionalProperties: false,
    },
    set_access_token_header: bool,
    access_token_in_authorization_header: bool,
    set_id_token_header: bool,
    set_raw_id_token_header: bool,
    set_userinfo_header: bool,
    set_refresh_token_header: bool,
    proxy_opts: {
      type: 'object',
      properties: {
        http_proxy: str,
        https_proxy: str,
        http_proxy_authorization: str,
        https_proxy_authorization: str,
        no_proxy: str,
      },
    },
    authorization_params: { type: 'object' },
    client_rsa_private_key: str,
    client_rsa_private_key_id: str,
    client_jwt_assertion_expires_in: { type: 'integer' },
    client_jwt_assertion_alg: { type: 'string', enum: ['HS256', 'HS512', 'RS256', 'RS512', 'ES256', 'ES512'] },
    client_jwt_assertion_audience: str,
    renew_access_token_on_expiry: bool,
    access_token_expires_in: { type: 'integer' },
    refresh_session_interval: { type: 'integer' },
    iat_slack: { type: 'integer' },
    accept_none_alg: bool,
    accept_unsupported_alg: bool,
    access_token_expires_leeway: { type: 'integer' },
    force_reauthorize: bool,
    use_nonce: bool,
    revoke_tokens_on_logout: bool,
    jwk_expires_in: { type: 'integer' },
    jwt_verification_cache_ignore: bool,
    cache_segment: str,
    introspection_interval: { type: 'integer' },
    introspection_expiry_claim: str,
    introspection_addon_headers: { type: 'array', minItems: 1, items: { type: 'string', pattern: HEADER_NAME } },
    required_scopes: { type: 'array', items: str },
    claim_schema: { type: 'object' },
  },
  required: ['client_id', 'discovery'],
};

/** apisix/plugins/serverless/init.lua `schema` (serverless-pre-function, serverless-post-function). */
const serverless: SchemaObject = {
  type: 'object',
  properties: {
    ...META,
    phase: { type: 'string', enum: ['rewrite', 'access', 'header_filter', 'body_filter', 'log', 'before_proxy'] },
    functions: { type: 'array', items: str, minItems: 1 },
  },
  required: ['functions'],
};

/** Plugin name → its route / service configuration schema. */
export const PLUGIN_SCHEMAS: Readonly<Record<string, SchemaObject>> = {
  'api-breaker': apiBreaker,
  'basic-auth': basicAuth,
  'consumer-restriction': consumerRestriction,
  cors,
  'fault-injection': faultInjection,
  gzip,
  'hmac-auth': hmacAuth,
  'http-logger': httpLogger,
  'ip-restriction': ipRestriction,
  'jwt-auth': jwtAuth,
  'key-auth': keyAuth,
  'limit-conn': limitConn,
  'limit-count': limitCount,
  'limit-req': limitReq,
  'openid-connect': openidConnect,
  prometheus,
  'proxy-cache': proxyCache,
  'proxy-rewrite': proxyRewrite,
  'real-ip': realIp,
  redirect,
  'referer-restriction': refererRestriction,
  'request-id': requestId,
  'response-rewrite': responseRewrite,
  'serverless-post-function': serverless,
  'serverless-pre-function': serverless,
  'traffic-split': trafficSplit,
  'ua-restriction': uaRestriction,
};
