/**
 * Each checked plugin's configuration, as the Admin API checks it on a PUT: apisix/plugin.lua
 * `check_single_plugin_schema` calls the plugin's `check_schema(conf)`, which validates its
 * `schema` (plugin-schemas.ts) and then makes the static checks below, each tagged with the Lua
 * file it mirrors. A plugin absent from CHECKED_PLUGINS is checked only for being an object.
 *
 * Like the rest of this validator, every check runs on whatever it finds and reports each
 * problem; a check whose field has the wrong JSON type stays silent, since the schema reports it.
 * A plugin disabled through `_meta.disable: true` is accepted whatever its configuration, as
 * plugin.lua does.
 *
 * `$secret://` and `$env://` references: apisix/core/schema.lua validates with
 * `skip_validation = secret.is_secret_ref`, so a string value starting with either prefix passes
 * the schema at any place whose schema is untyped or of type string (apisix/secret.lua
 * `is_secret_ref`). The same holds here: such places accept a reference, and the checks below
 * skip references where the Lua skips them.
 *
 * Decided by the gateway, not here: whether proxy-cache's `cache_zone` is a zone of the gateway's
 * config.yaml (and of the right strategy), whether a limit-count `group` has the same
 * configuration on every route using it, whether openid-connect's `claim_schema` compiles and its
 * private keys parse and match their JWK / algorithm, and what a serverless function does when
 * it runs. Regular expressions are checked for the PCRE errors pcre.ts can decide.
 *
 * Compiled lazily, once per plugin per process.
 */

import type { Ajv, ErrorObject, SchemaObject, ValidateFunction } from 'ajv';
import { loadCompiled } from '../../core/compiled-validators.js';
import type { Report } from './report.js';
import { isApisixIpOrCidr, isIpv4, isIpv6, luaToNumber } from './ip-address.js';
import { parseLuaChunk } from './lua-syntax.js';
import { pcreSyntaxError, regexOptionsError, replacementTemplateError } from './pcre.js';
import { PLUGIN_SCHEMAS } from './plugin-schemas.js';
import { APISIX_FORMATS, createApisixAjv } from './schema.js';
import { schemaIssues } from './schema-errors.js';
import { checkVarsExpression } from './vars-expression.js';

/** The plugins whose configuration is checked, sorted by code point. */
export const CHECKED_PLUGINS = [
  'api-breaker',
  'basic-auth',
  'consumer-restriction',
  'cors',
  'fault-injection',
  'gzip',
  'hmac-auth',
  'http-logger',
  'ip-restriction',
  'jwt-auth',
  'key-auth',
  'limit-conn',
  'limit-count',
  'limit-req',
  'openid-connect',
  'prometheus',
  'proxy-cache',
  'proxy-rewrite',
  'real-ip',
  'redirect',
  'referer-restriction',
  'request-id',
  'response-rewrite',
  'serverless-post-function',
  'serverless-pre-function',
  'traffic-split',
  'ua-restriction',
] as const;

type JsonObject = Readonly<Record<string, unknown>>;

/** Checks of one plugin's `check_schema` past its schema; pointers are relative to the configuration. */
type ExtraCheck = (conf: JsonObject, report: Report) => void;

/**
 * Checks the configuration `conf` of plugin `name`, found at `pointer`. Does nothing for a plugin
 * that is not in CHECKED_PLUGINS.
 */
export function checkPluginConf(name: string, conf: JsonObject, pointer: string, report: Report): void {
  const validate = pluginValidator(name);
  if (!validate) return;
  if (isObject(conf._meta) && conf._meta.disable === true) return;
  const at: Report = (p, message) => report(`${pointer}${p}`, `plugin ${name}: ${message}`);
  // openid-connect.lua check_schema turns the legacy `ssl_verify: "no"` into false first.
  const input = name === 'openid-connect' && conf.ssl_verify === 'no' ? { ...conf, ssl_verify: false } : conf;
  if (!validate(input)) {
    for (const issue of schemaIssues(reportedErrors(validate.errors ?? []), input)) at(issue.pointer, issue.message);
  }
  EXTRA_CHECKS.get(name)?.(conf, at);
}

/** ajv adds a summary error for a failed `if`/`then`/`else`; the branch's own errors say more. */
function reportedErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  return errors.filter((e) => e.keyword !== 'if');
}

const SCHEMAS = new Map<string, SchemaObject>(Object.entries(PLUGIN_SCHEMAS));
const validators = new Map<string, ValidateFunction>();
let ajv: Ajv | null = null;
let ahead: Readonly<Record<string, ValidateFunction>> | null | undefined;

/** The schema a plugin's configuration is validated against: APISIX's, secret references allowed. */
export function pluginSchema(name: string): SchemaObject | undefined {
  const schema = SCHEMAS.get(name);
  return schema === undefined ? undefined : (allowSecretReferences(schema) as SchemaObject);
}

/** Every checked plugin's schema by name: what the validators are made from. */
export function pluginSchemas(): Record<string, SchemaObject> {
  return Object.fromEntries(CHECKED_PLUGINS.map((name) => [name, pluginSchema(name)!]));
}

/** The ajv instance of the plugin schemas. */
export function createPluginAjv(options: { readonly source?: boolean } = {}): Ajv {
  return createApisixAjv(options);
}

/** Loads the plugin validators compiled ahead of time now rather than at first use (a caller waiting for git). */
export function loadPluginValidators(): void {
  if (ahead === undefined) ahead = loadCompiled('plugins', pluginSchemas(), APISIX_FORMATS);
}

/** A plugin's validator: compiled ahead of time when the build made them, else on first use. */
function pluginValidator(name: string): ValidateFunction | undefined {
  const cached = validators.get(name);
  if (cached) return cached;
  if (!SCHEMAS.has(name)) return undefined;
  loadPluginValidators();
  let validate = ahead?.[name];
  if (!validate) {
    ajv ??= createPluginAjv();
    validate = ajv.compile(pluginSchema(name)!);
  }
  validators.set(name, validate);
  return validate;
}

// ---------------------------------------------------------------------------------------------
// `$secret://` / `$env://` references (apisix/secret.lua is_secret_ref)

const SECRET_REFERENCE = /^\$(secret:\/\/|[Ee][Nn][Vv]:\/\/)/;
const SECRET_REFERENCE_SCHEMA: SchemaObject = { type: 'string', pattern: SECRET_REFERENCE.source };

function isSecretReference(value: unknown): boolean {
  return typeof value === 'string' && SECRET_REFERENCE.test(value);
}

type Schema = SchemaObject | boolean;

/**
 * A copy of `schema` in which every property, item or additional value whose schema is untyped or
 * of type string, and constrains anything, also accepts a secret reference.
 */
export function allowSecretReferences(schema: Schema): Schema {
  if (typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = { ...schema };
  for (const key of ['properties', 'patternProperties'] as const) {
    const members = schema[key] as Record<string, Schema> | undefined;
    if (members) out[key] = Object.fromEntries(Object.entries(members).map(([k, v]) => [k, valuePosition(v)]));
  }
  for (const key of ['items', 'additionalProperties'] as const) {
    const member = schema[key] as Schema | undefined;
    if (typeof member === 'object') out[key] = valuePosition(member);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const members = schema[key] as Schema[] | undefined;
    if (members) out[key] = members.map(allowSecretReferences);
  }
  for (const key of ['if', 'then', 'else', 'not'] as const) {
    const member = schema[key] as Schema | undefined;
    if (member !== undefined) out[key] = allowSecretReferences(member);
  }
  return out;
}

function valuePosition(schema: Schema): Schema {
  const inner = allowSecretReferences(schema);
  if (typeof schema !== 'object') return inner;
  const acceptsStrings = schema.type === undefined || schema.type === 'string';
  const constrains = Object.keys(schema).some((k) => k !== 'type');
  return acceptsStrings && constrains ? { if: SECRET_REFERENCE_SCHEMA, then: true, else: inner } : inner;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function has(object: JsonObject, key: string): boolean {
  return Object.hasOwn(object, key) && object[key] !== undefined;
}

/** Lua truthiness of a decoded JSON value: present and not `false` (JSON null is truthy). */
function truthy(value: unknown): boolean {
  return value !== undefined && value !== false;
}

function token(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

function entries(object: JsonObject): [string, unknown][] {
  return Object.entries(object).filter(([, v]) => v !== undefined);
}

function list(names: readonly string[], conjunction: string): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} ${conjunction} ${names[names.length - 1]!}`;
}

/** `expr.new(vars)` of lua-resty-expr, as `check_schema` calls it. */
function checkExpression(vars: unknown, pointer: string, label: string, report: Report): void {
  if (!Array.isArray(vars)) return;
  const issue = checkVarsExpression(vars);
  if (issue) report(`${pointer}${issue.pointer}`, `failed to validate the '${label}' expression: ${issue.message}`);
}

/** Exactly one of `names` (a `oneOf` of `required` lists of one property each). */
function exactlyOne(conf: JsonObject, names: readonly string[], report: Report): void {
  const present = names.filter((n) => has(conf, n));
  if (present.length === 0) report('', `missing ${list(names, 'or')}: one of them is required`);
  if (present.length > 1) report('', `only one of ${list(names, 'or')} is allowed, found ${list(present, 'and')}`);
}

/** `ngx.re.sub("/fake_uri", pattern, replacement, "jo")` of proxy-rewrite and redirect. */
function checkRegexSubstitution(pair: readonly unknown[], index: number, pointer: string, report: Report): void {
  const pattern = pair[index];
  const replacement = pair[index + 1];
  if (typeof pattern !== 'string' || isSecretReference(pattern)) return;
  const patternError = pcreSyntaxError(pattern);
  if (patternError) {
    report(`${pointer}/${index}`, `invalid regex_uri pattern "${pattern}": ${patternError}`);
    return;
  }
  if (typeof replacement !== 'string' || isSecretReference(replacement)) return;
  const templateError = replacementTemplateError(replacement);
  if (templateError) report(`${pointer}/${index + 1}`, `invalid regex_uri replacement "${replacement}": ${templateError}`);
}

/** `re_match_compile(rule, "j")` over a list of regular expressions (cors, ua-restriction). */
function checkRegexList(rules: unknown, pointer: string, report: Report): void {
  if (!Array.isArray(rules)) return;
  rules.forEach((rule: unknown, i) => {
    if (typeof rule !== 'string') return;
    const error = pcreSyntaxError(rule);
    if (error) report(`${pointer}/${i}`, `invalid regular expression "${rule}": ${error}`);
  });
}

const HEADER_NAME = /^[^:]+$/;

/** The operations form of `headers` (proxy-rewrite.lua / response-rewrite.lua `is_new_headers_conf`). */
function isHeaderOperations(headers: JsonObject): boolean {
  return ['add', 'set', 'remove'].some((op) => typeof headers[op] === 'object' && headers[op] !== null);
}

/**
 * `check_set_headers` of proxy-rewrite.lua (with `characters`) and response-rewrite.lua: each
 * plain header has a non-empty name and a string or number value; proxy-rewrite also wants a
 * name of visible ASCII without ':' and a value without control characters
 * (apisix/core/utils.lua `validate_header_field` / `validate_header_value`).
 */
function checkPlainHeaders(headers: JsonObject, pointer: string, characters: boolean, report: Report): void {
  for (const [field, value] of entries(headers)) {
    const at = `${pointer}/${token(field)}`;
    if (typeof value !== 'string' && typeof value !== 'number') {
      // The schema reports the values of names matching ^[^:]+$.
      if (!HEADER_NAME.test(field)) report(at, 'invalid type as header value: must be string or number');
    } else if (field.length === 0) {
      report(at, 'invalid field length in header');
    } else if (characters && !isHeaderField(field)) {
      report(at, 'invalid field character in header');
    } else if (characters && typeof value === 'string' && !isHeaderValue(value)) {
      report(at, 'invalid value character in header');
    }
  }
}

function isHeaderField(field: string): boolean {
  for (let i = 0; i < field.length; i++) {
    const c = field.charCodeAt(i);
    if (c <= 32 || c >= 127 || c === 58) return false;
  }
  return true;
}

function isHeaderValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 32 || c >= 127) return false;
  }
  return true;
}

/**
 * apisix/core/ip.lua `validate_cidr_or_ip`, run on the entries that passed `ip_def`: the mask of
 * an IPv4 address is at most 32, that of an IPv6 one at most 128, and an IPv6/CIDR prefix must be
 * an address. A secret reference (which skipped `ip_def`) makes the Lua raise.
 */
function checkIpList(addresses: unknown, pointer: string, report: Report): void {
  if (!Array.isArray(addresses)) return;
  addresses.forEach((address: unknown, i) => {
    if (typeof address !== 'string') return;
    if (!isSecretReference(address) && !isApisixIpOrCidr(address)) return;
    if (!isCidrOrIp(address)) report(`${pointer}/${i}`, `invalid ip address: ${address}`);
  });
}

function isCidrOrIp(text: string): boolean {
  let mask = 0;
  let address = text;
  const separator = text.indexOf('/');
  if (separator >= 0) {
    const parsed = luaToNumber(text.slice(separator + 1));
    if (parsed === undefined || parsed < 0 || parsed > 128) return false;
    mask = parsed;
    address = text.slice(0, separator);
  }
  if (isIpv4(address)) return mask <= 32;
  return isIpv6(address);
}

const BASE64_ALPHABET = /^[A-Za-z0-9+/]*$/;

/**
 * `ngx.decode_base64` (nginx `ngx_decode_base64`): the text up to the first '=' must be of the
 * base64 alphabet, and its length must not leave a single dangling character.
 */
function isNgxBase64(text: string): boolean {
  const end = text.indexOf('=');
  const data = end < 0 ? text : text.slice(0, end);
  return BASE64_ALPHABET.test(data) && data.length % 4 !== 1;
}

// ---------------------------------------------------------------------------------------------
// The checks of each plugin's check_schema past its schema

const REDIS_POLICIES = new Set(['redis', 'redis-cluster', 'redis-sentinel']);

/** apisix/plugins/limit-count/init.lua `check_schema`, and the schema's `oneOf` count + time_window | rules. */
function checkLimitCount(conf: JsonObject, report: Report): void {
  if (has(conf, 'rules')) {
    if (has(conf, 'count') || has(conf, 'time_window')) {
      report('', 'count/time_window and rules cannot be specified at the same time');
    }
    if (truthy(conf.group) && truthy(conf.rules)) report('/group', 'group and rules cannot be specified at the same time');
  } else {
    const missing = ['count', 'time_window'].filter((k) => !has(conf, k));
    if (missing.length > 0) report('', `missing ${list(missing, 'and')}: set count and time_window, or rules`);
  }

  const policy = has(conf, 'policy') ? conf.policy : 'local';
  const syncInterval = has(conf, 'sync_interval') ? conf.sync_interval : -1;
  if (typeof policy === 'string' && REDIS_POLICIES.has(policy) && typeof syncInterval === 'number' && syncInterval !== -1) {
    if (syncInterval < 0.1) {
      report('/sync_interval', 'sync_interval should not be smaller than 0.1');
    } else if (typeof conf.time_window === 'number' && syncInterval >= conf.time_window) {
      report('/sync_interval', 'sync_interval should be smaller than time_window');
    }
  }

  if (Array.isArray(conf.rules)) {
    const keys = new Set<string>();
    conf.rules.forEach((rule: unknown, i) => {
      if (!isObject(rule) || typeof rule.key !== 'string') return;
      if (keys.has(rule.key)) report(`/rules/${i}/key`, `duplicate key '${rule.key}' in rules`);
      keys.add(rule.key);
    });
  }
}

/** apisix/plugins/limit-conn.lua: the schema's `oneOf` conn + burst + default_conn_delay + key | default_conn_delay + rules. */
function checkLimitConn(conf: JsonObject, report: Report): void {
  const single = ['conn', 'burst', 'default_conn_delay', 'key'].every((k) => has(conf, k));
  const rules = has(conf, 'default_conn_delay') && has(conf, 'rules');
  if (single && rules) report('', 'conn, burst and key cannot be combined with rules');
  if (single || rules) return;
  if (!has(conf, 'default_conn_delay')) report('', 'missing default_conn_delay');
  if (!has(conf, 'rules')) {
    const missing = ['conn', 'burst', 'key'].filter((k) => !has(conf, k));
    if (missing.length > 0) report('', `missing ${list(missing, 'and')}: set conn, burst and key, or rules`);
  }
}

/** apisix/plugins/proxy-rewrite.lua `check_schema`. */
function checkProxyRewrite(conf: JsonObject, report: Report): void {
  const regexUri = conf.regex_uri;
  if (Array.isArray(regexUri) && regexUri.length >= 2) {
    if (regexUri.length % 2 !== 0) report('/regex_uri', 'The length of regex_uri should be an even number');
    for (let i = 0; i + 1 < regexUri.length; i += 2) checkRegexSubstitution(regexUri, i, '/regex_uri', report);
  }
  const headers = conf.headers;
  // A reference skips the schema, then check_set_headers cannot iterate it.
  if (isSecretReference(headers)) report('/headers', 'must be object');
  if (isObject(headers) && !isHeaderOperations(headers)) checkPlainHeaders(headers, '/headers', true, report);
}

/** apisix/plugins/response-rewrite.lua `check_schema`, and the schema's `dependencies` body ⊕ filters. */
function checkResponseRewrite(conf: JsonObject, report: Report): void {
  if (has(conf, 'body') && has(conf, 'filters')) report('', 'body and filters cannot be used together');
  const headers = conf.headers;
  if (isObject(headers) && !isHeaderOperations(headers)) checkPlainHeaders(headers, '/headers', false, report);
  if (truthy(conf.body_base64) && !isSecretReference(conf.body)) {
    const body = conf.body;
    if (body === undefined || body === false || body === '') report(body === undefined ? '' : '/body', 'invalid base64 content');
    else if (typeof body === 'string' && !isNgxBase64(body)) report('/body', 'invalid base64 content');
  }
  if (truthy(conf.vars)) checkExpression(conf.vars, '/vars', 'vars', report);
  if (Array.isArray(conf.filters)) {
    conf.filters.forEach((filter: unknown, i) => {
      if (!isObject(filter)) return;
      const options = has(filter, 'options') ? filter.options : 'jo';
      const error = typeof options === 'string' ? regexOptionsError(options) : null;
      if (error) report(`/filters/${i}/options`, `regex "${String(filter.regex)}" validation failed: ${error}`);
    });
  }
}

/** apisix/plugins/traffic-split.lua `check_schema`, and the `oneOf` / `dependencies` of schema_def.lua's upstream. */
function checkTrafficSplit(conf: JsonObject, report: Report): void {
  if (!Array.isArray(conf.rules)) return;
  conf.rules.forEach((rule: unknown, i) => {
    if (!isObject(rule)) return;
    if (Array.isArray(rule.match)) {
      rule.match.forEach((match: unknown, j) => {
        if (!isObject(match)) return;
        const at = `/rules/${i}/match/${j}`;
        if (!has(match, 'vars')) report(at, "failed to validate the 'vars' expression: missing argument rule");
        else checkExpression(match.vars, `${at}/vars`, 'vars', report);
      });
    }
    if (Array.isArray(rule.weighted_upstreams)) {
      rule.weighted_upstreams.forEach((weighted: unknown, k) => {
        if (isObject(weighted) && isObject(weighted.upstream)) {
          checkUpstreamAlternatives(weighted.upstream, `/rules/${i}/weighted_upstreams/${k}/upstream`, report);
        }
      });
    }
  });
}

/** schema_def.lua upstream: `oneOf` nodes | service_name + discovery_type, and tls `client_cert_id`. */
function checkUpstreamAlternatives(upstream: JsonObject, pointer: string, report: Report): void {
  const hasNodes = has(upstream, 'nodes');
  const hasDiscovery = has(upstream, 'service_name') && has(upstream, 'discovery_type');
  if (hasNodes && hasDiscovery) {
    report(pointer, 'nodes and service discovery (service_name + discovery_type) are mutually exclusive');
  } else if (!hasNodes && !hasDiscovery) {
    report(pointer, 'missing nodes, or service_name with discovery_type');
  }
  const tls = upstream.tls;
  if (isObject(tls) && has(tls, 'client_cert_id') && has(tls, 'client_cert') && has(tls, 'client_key')) {
    report(`${pointer}/tls/client_cert_id`, 'client_cert_id cannot be combined with client_cert and client_key');
  }
}

/** apisix/plugins/cors.lua `check_schema` (defaults: allow_origins, allow_methods, allow_headers "*"). */
function checkCors(conf: JsonObject, report: Report): void {
  if (truthy(conf.allow_credential)) {
    const effective = (key: string, fallback?: string): unknown => (has(conf, key) ? conf[key] : fallback);
    const starred = [
      ['allow_origins', effective('allow_origins', '*')],
      ['allow_methods', effective('allow_methods', '*')],
      ['allow_headers', effective('allow_headers', '*')],
      ['expose_headers', effective('expose_headers')],
      ['timing_allow_origins', effective('timing_allow_origins')],
    ]
      .filter(([, value]) => value === '*')
      .map(([key]) => `${String(key)}${has(conf, String(key)) ? '' : ' (by default)'}`);
    if (starred.length > 0) {
      report(
        '/allow_credential',
        `you can not set '*' for other option when 'allow_credential' is true: ${list(starred, 'and')} ${starred.length > 1 ? 'are' : 'is'} '*'`,
      );
    }
  }
  checkRegexList(conf.allow_origins_by_regex, '/allow_origins_by_regex', report);
  checkRegexList(conf.timing_allow_origins_by_regex, '/timing_allow_origins_by_regex', report);
}

/** apisix/plugins/ip-restriction/init.lua `check_schema`, and the schema's `oneOf` whitelist | blacklist. */
function checkIpRestriction(conf: JsonObject, report: Report): void {
  exactlyOne(conf, ['whitelist', 'blacklist'], report);
  checkIpList(conf.whitelist, '/whitelist', report);
  checkIpList(conf.blacklist, '/blacklist', report);
}

/** apisix/plugins/ua-restriction.lua `check_schema`, and the schema's `oneOf` allowlist | denylist. */
function checkUaRestriction(conf: JsonObject, report: Report): void {
  exactlyOne(conf, ['allowlist', 'denylist'], report);
  checkRegexList(conf.allowlist, '/allowlist', report);
  checkRegexList(conf.denylist, '/denylist', report);
}

/** apisix/plugins/referer-restriction.lua: the schema's `oneOf` whitelist | blacklist. */
function checkRefererRestriction(conf: JsonObject, report: Report): void {
  exactlyOne(conf, ['whitelist', 'blacklist'], report);
}

/** apisix/plugins/redirect.lua `check_schema`, and the schema's `oneOf` uri | regex_uri | http_to_https. */
function checkRedirect(conf: JsonObject, report: Report): void {
  exactlyOne(conf, ['uri', 'regex_uri', 'http_to_https'], report);
  if (Array.isArray(conf.regex_uri) && conf.regex_uri.length === 2) checkRegexSubstitution(conf.regex_uri, 0, '/regex_uri', report);
  if (truthy(conf.http_to_https) && truthy(conf.append_query_string)) {
    report('', 'only one of `http_to_https` and `append_query_string` can be configured.');
  }
}

/** apisix/plugins/proxy-cache/init.lua `check_schema`, minus the cache zones of the gateway's config.yaml. */
function checkProxyCache(conf: JsonObject, report: Report): void {
  if (!Array.isArray(conf.cache_key)) return;
  conf.cache_key.forEach((key: unknown, i) => {
    if (key === '$request_method') report(`/cache_key/${i}`, 'cache_key variable $request_method unsupported');
  });
}

/** apisix/plugins/fault-injection.lua `check_schema`. */
function checkFaultInjection(conf: JsonObject, report: Report): void {
  for (const action of ['abort', 'delay']) {
    const section = conf[action];
    if (!isObject(section) || !Array.isArray(section.vars)) continue;
    section.vars.forEach((vars: unknown, i) => checkExpression(vars, `/${action}/vars/${i}`, 'vars', report));
  }
}

/** apisix/plugins/consumer-restriction.lua: the schema's `anyOf` blacklist | whitelist | allowed_by_methods. */
function checkConsumerRestriction(conf: JsonObject, report: Report): void {
  const names = ['blacklist', 'whitelist', 'allowed_by_methods'];
  if (!names.some((n) => has(conf, n))) report('', `missing ${list(names, 'or')}: at least one is required`);
}

/** apisix/plugins/real-ip.lua `check_schema`. */
function checkRealIp(conf: JsonObject, report: Report): void {
  checkIpList(conf.trusted_addresses, '/trusted_addresses', report);
}

/** apisix/plugins/http-logger.lua `check_schema` → apisix/utils/log-util.lua `check_log_schema`. */
function checkHttpLogger(conf: JsonObject, report: Report): void {
  for (const key of ['include_req_body_expr', 'include_resp_body_expr']) {
    if (truthy(conf[key])) checkExpression(conf[key], `/${key}`, key, report);
  }
}

/** openid-connect.lua `token_auth_method_credential`: the credential each client authentication needs. */
const AUTH_METHOD_CREDENTIAL = new Map<string, string | false>([
  ['client_secret_basic', false],
  ['client_secret_post', false],
  ['private_key_jwt', 'client_rsa_private_key'],
  ['client_secret_jwt', 'client_secret'],
]);

const DPOP_JWK_MEMBERS = new Map<unknown, readonly string[]>([
  ['EC', ['crv', 'x', 'y']],
  ['RSA', ['e', 'n']],
]);
const DPOP_ALG_KEY = new Map<unknown, { readonly kty: string; readonly crv?: string }>([
  ['ES256', { kty: 'EC', crv: 'P-256' }],
  ['RS256', { kty: 'RSA' }],
  ['PS256', { kty: 'RSA' }],
]);
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const RESERVED_FLAT_OPTIONS: readonly (readonly [string, string])[] = [
  ['use_par', 'par.enabled'],
  ['pushed_authorization_request_endpoint', 'par.endpoint'],
  ['pushed_authorization_request_endpoint_auth_method', 'par.endpoint_auth_method'],
  ['use_dpop', 'dpop.enabled'],
  ['dpop_signing_alg', 'dpop.signing_alg'],
  ['dpop_private_key', 'dpop.private_key'],
  ['dpop_public_jwk', 'dpop.public_jwk'],
];

/** apisix/plugins/openid-connect.lua `check_schema`, minus `claim_schema` compilation and private key parsing. */
function checkOpenidConnect(conf: JsonObject, report: Report): void {
  // Before the schema, on the configuration as given (no defaults yet).
  const bearerOnly = truthy(conf.bearer_only);
  if (!bearerOnly && !truthy(conf.session)) {
    report('', 'property "session.secret" is required when "bearer_only" is false');
  }
  const clientSecretOptional = bearerOnly
    ? truthy(conf.public_key) || truthy(conf.use_jwks) || conf.introspection_endpoint_auth_method === 'private_key_jwt'
    : conf.token_endpoint_auth_method === 'private_key_jwt' || truthy(conf.use_pkce);
  if (!clientSecretOptional && !truthy(conf.client_secret)) report('', 'property "client_secret" is required');

  for (const [name, owner] of RESERVED_FLAT_OPTIONS) {
    if (has(conf, name)) report(`/${name}`, `property "${name}" is not allowed, use "${owner}" instead`);
  }
  checkDpop(conf.dpop, report);
  checkClientJwtAssertionAlg(conf, report);
  checkParAuthMethod(conf, report);
}

/** openid-connect.lua `check_dpop_key` and the schema's `not` on `dpop.public_jwk`. */
function checkDpop(dpop: unknown, report: Report): void {
  if (!isObject(dpop)) return;
  const jwk = dpop.public_jwk;
  if (!isObject(jwk)) return;
  const privateMembers = PRIVATE_JWK_MEMBERS.filter((m) => has(jwk, m));
  if (privateMembers.length > 0) {
    report('/dpop/public_jwk', `a public JWK must not hold ${list(privateMembers, 'or')}`);
  }
  if (!truthy(dpop.enabled)) return;
  const members = DPOP_JWK_MEMBERS.get(jwk.kty);
  if (!members) {
    report('/dpop/public_jwk', `kty "${String(jwk.kty)}" is not supported`);
    return;
  }
  for (const member of members) {
    if (!has(jwk, member)) {
      report('/dpop/public_jwk', `kty "${String(jwk.kty)}" requires ${members.join(', ')}`);
      return;
    }
    const value = jwk[member];
    if (typeof value !== 'string' || value === '') {
      report(`/dpop/public_jwk/${member}`, `"${member}" must be a non-empty string`);
      return;
    }
  }
  const signingAlg = has(dpop, 'signing_alg') ? dpop.signing_alg : 'ES256';
  const expected = DPOP_ALG_KEY.get(signingAlg);
  if (!expected) return;
  if (expected.kty !== jwk.kty) {
    report('/dpop/signing_alg', `"${String(signingAlg)}" requires an ${expected.kty} "dpop.public_jwk"`);
  } else if (expected.crv !== undefined && jwk.crv !== expected.crv) {
    report('/dpop/signing_alg', `"${String(signingAlg)}" requires "dpop.public_jwk" crv "${expected.crv}", got "${String(jwk.crv)}"`);
  }
}

/** openid-connect.lua `check_client_jwt_assertion_alg` with `reachable_jwt_auth`, after the schema's defaults. */
function checkClientJwtAssertionAlg(conf: JsonObject, report: Report): void {
  const alg = conf.client_jwt_assertion_alg;
  if (typeof alg !== 'string') return;
  const bearerOnly = truthy(conf.bearer_only);
  const par = isObject(conf.par) ? conf.par : undefined;
  const reachable: { readonly name: string; readonly method: unknown }[] = [];
  if (!(truthy(conf.public_key) || truthy(conf.use_jwks)) && (bearerOnly || truthy(conf.introspection_endpoint))) {
    const method = has(conf, 'introspection_endpoint_auth_method') ? conf.introspection_endpoint_auth_method : 'client_secret_basic';
    reachable.push({ name: 'introspection_endpoint_auth_method', method });
  }
  if (!bearerOnly) {
    const method = has(conf, 'token_endpoint_auth_method') ? conf.token_endpoint_auth_method : 'client_secret_basic';
    const credential = typeof method === 'string' ? AUTH_METHOD_CREDENTIAL.get(method) : undefined;
    if (credential === undefined || credential === false || truthy(conf[credential])) {
      reachable.push({ name: 'token_endpoint_auth_method', method });
    }
    if (par && truthy(par.enabled) && truthy(par.endpoint_auth_method)) {
      reachable.push({ name: 'par.endpoint_auth_method', method: par.endpoint_auth_method });
    }
  }
  const asymmetricBy = reachable.find((r) => r.method === 'private_key_jwt')?.name;
  const symmetricBy = reachable.find((r) => r.method === 'client_secret_jwt')?.name;
  const at = '/client_jwt_assertion_alg';
  if (asymmetricBy && symmetricBy) {
    report(at, `a single algorithm, but "${asymmetricBy}" selects private_key_jwt and "${symmetricBy}" selects client_secret_jwt`);
    return;
  }
  const symmetric = alg.startsWith('HS');
  if (asymmetricBy && symmetric) {
    report(at, `"${alg}" is symmetric and cannot be used with the private_key_jwt selected by "${asymmetricBy}"`);
  } else if (symmetricBy && !symmetric) {
    report(at, `"${alg}" is asymmetric and cannot be used with the client_secret_jwt selected by "${symmetricBy}"`);
  }
}

/** openid-connect.lua `check_par_auth_method`. */
function checkParAuthMethod(conf: JsonObject, report: Report): void {
  const par = conf.par;
  if (truthy(conf.bearer_only) || !isObject(par) || !truthy(par.enabled)) return;
  const method = par.endpoint_auth_method;
  if (typeof method !== 'string') return;
  const credential = AUTH_METHOD_CREDENTIAL.get(method);
  if (typeof credential === 'string' && !truthy(conf[credential])) {
    report('/par/endpoint_auth_method', `"${method}" requires "${credential}" when "par.enabled" is true`);
  }
}

/**
 * apisix/plugins/serverless/init.lua `check_schema`: each function must compile (`loadstring`)
 * and, run once, return a function. Running it is not possible here, so only what is certain
 * without running is reported: a syntax error, a chunk that returns nothing, or one whose final
 * `return` is a literal other than a function.
 */
function checkServerless(conf: JsonObject, report: Report): void {
  if (!Array.isArray(conf.functions)) return;
  conf.functions.forEach((source: unknown, i) => {
    if (typeof source !== 'string') return;
    const result = parseLuaChunk(source);
    if (!result.ok) {
      report(`/functions/${i}`, `failed to loadstring: ${result.message}`);
      return;
    }
    const { finalReturn, nestedReturn } = result.summary;
    const returned =
      (finalReturn === null && !nestedReturn) || finalReturn === 'none' || finalReturn === 'nil' || finalReturn === 'vararg'
        ? 'nil'
        : finalReturn === 'boolean' || finalReturn === 'number' || finalReturn === 'string' || finalReturn === 'table'
          ? finalReturn
          : null;
    if (returned) report(`/functions/${i}`, `only accept Lua function, the input code type is ${returned}`);
  });
}

const EXTRA_CHECKS = new Map<string, ExtraCheck>([
  ['consumer-restriction', checkConsumerRestriction],
  ['cors', checkCors],
  ['fault-injection', checkFaultInjection],
  ['http-logger', checkHttpLogger],
  ['ip-restriction', checkIpRestriction],
  ['limit-conn', checkLimitConn],
  ['limit-count', checkLimitCount],
  ['openid-connect', checkOpenidConnect],
  ['proxy-cache', checkProxyCache],
  ['proxy-rewrite', checkProxyRewrite],
  ['real-ip', checkRealIp],
  ['redirect', checkRedirect],
  ['referer-restriction', checkRefererRestriction],
  ['response-rewrite', checkResponseRewrite],
  ['serverless-post-function', checkServerless],
  ['serverless-pre-function', checkServerless],
  ['traffic-split', checkTrafficSplit],
  ['ua-restriction', checkUaRestriction],
]);
