/**
 * The checks the APISIX Admin API makes beyond the JSON Schema, each tagged with the Lua it mirrors:
 * - apisix/admin/routes.lua and services.lua `check_conf`: host xor hosts, remote_addr xor
 *   remote_addrs, plugins, `vars` (lua-resty-expr), `filter_func` and `script` (Lua code);
 * - apisix/upstream.lua `check_schema` and `check_upstream_conf`: bracketed IPv6 node hosts, ports
 *   of hash-form nodes, `pass_host: rewrite` with `upstream_host`, the client certificate, and the
 *   chash `hash_on` / `key` rules;
 * - the cross-field parts of apisix/schema_def.lua (see schema.ts);
 * - each plugin's configuration (plugins-object.ts, plugin-checks.ts).
 * What the Admin API checks of every kind (ids, `create_time` / `update_time`) is admin/resource.ts.
 *
 * Not checked, because they need the gateway's state: that `upstream_id`, `service_id`,
 * `plugin_config_id`, `script_id` and `tls.client_cert_id` name existing objects (and, for the
 * last, an SSL object of type `client`).
 *
 * Not mirrored in the route, service and upstream schemas: apisix/core/schema.lua builds its
 * validators with `skip_validation = secret.is_secret_ref`, so APISIX may accept a string field
 * written as a `$secret://` or `$env://` reference whatever its pattern; here such a value must
 * match like any other (plugin configurations do mirror it, see plugin-checks.ts). Values APISIX
 * accepts but that fail only when traffic flows (an upstream `type` naming no balancer, a
 * `discovery_type` the gateway does not run) are accepted, as APISIX does.
 *
 * Every check runs on whatever it finds and reports through `report`; a check whose field has the
 * wrong JSON type stays silent, since the schema reports that field already.
 */

import { UPSTREAM_HASH_HEADER_PATTERN, UPSTREAM_HASH_VARS_PATTERN } from './schema.js';
import { isIpv6, parseAddr } from './ip-address.js';
import { checkCertificateAndKey } from './ssl-pair.js';
import { parseLuaChunk } from './lua-syntax.js';
import { checkPluginsObject } from './plugins-object.js';
import { reportVarsExpression } from './vars-expression.js';
import type { Report } from './report.js';


type JsonObject = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object as Lua holds it: an object, or the empty array (Lua has one empty table). */
function asTable(value: unknown): JsonObject | undefined {
  return isObject(value) ? value : Array.isArray(value) && value.length === 0 ? {} : undefined;
}

/** A property counts as present when it would be serialised: own and not `undefined`. */
function has(object: JsonObject, key: string): boolean {
  return Object.hasOwn(object, key) && object[key] !== undefined;
}

/**
 * Lua truthiness of a decoded JSON value: anything but absent and `false`. JSON `null` decodes to
 * `cjson.null`, which Lua treats as true.
 */
function truthy(object: JsonObject, key: string): boolean {
  return has(object, key) && object[key] !== false;
}

/** RFC 6901 escaping of one reference token. */
export function pointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Checks of apisix/admin/routes.lua on top of the route schema. */
export function checkRoute(route: JsonObject, plugins: ReadonlySet<string>, report: Report): void {
  // routes.lua check_conf answers these two before the schema runs.
  if (truthy(route, 'host') && truthy(route, 'hosts')) report('', 'only one of host or hosts is allowed');
  if (truthy(route, 'remote_addr') && truthy(route, 'remote_addrs')) {
    report('', 'only one of remote_addr or remote_addrs is allowed');
  }

  // schema_def.lua route.allOf[1]: oneOf required uri / required uris.
  const hasUri = has(route, 'uri');
  const hasUris = has(route, 'uris');
  if (hasUri && hasUris) report('', 'only one of uri or uris is allowed');
  if (!hasUri && !hasUris) report('', 'missing uri or uris: a route must match a path');

  // schema_def.lua route.anyOf: with uri or uris, one of plugins, upstream, upstream_id, service_id, script.
  const targets = ['plugins', 'upstream', 'upstream_id', 'service_id', 'script'] as const;
  if (!targets.some((key) => has(route, key))) {
    report('', 'a route needs at least one of plugins, upstream, upstream_id, service_id or script');
  }

  // schema_def.lua route.not: script excludes plugins and plugin_config_id.
  if (has(route, 'script') && has(route, 'plugins')) report('/script', 'script cannot be combined with plugins');
  if (has(route, 'script') && has(route, 'plugin_config_id')) {
    report('/script', 'script cannot be combined with plugin_config_id');
  }

  const upstream = asTable(route.upstream);
  if (upstream) checkUpstream(upstream, '/upstream', report);
  if (isObject(route.plugins)) checkPluginsObject(route.plugins, '/plugins', { enabled: plugins }, report);
  if (Array.isArray(route.vars)) reportVarsExpression(route.vars, '/vars', report);
  if (typeof route.filter_func === 'string' && route.filter_func.startsWith('function')) {
    checkFilterFunction(route.filter_func, report);
  }
  if (typeof route.script === 'string' && route.script.length >= 10) checkScript(route.script, report);
}

/** Checks of apisix/admin/services.lua on top of the service schema. */
export function checkService(service: JsonObject, plugins: ReadonlySet<string>, report: Report): void {
  const upstream = asTable(service.upstream);
  if (upstream) checkUpstream(upstream, '/upstream', report);
  if (isObject(service.plugins)) checkPluginsObject(service.plugins, '/plugins', { enabled: plugins }, report);
  if (typeof service.script === 'string' && service.script.length >= 10) checkScript(service.script, report);
}

/** Checks of apisix/admin/upstreams.lua (that is, apisix/upstream.lua check_upstream_conf). */
export function checkUpstreamObject(upstream: JsonObject, report: Report): void {
  checkUpstream(upstream, '', report);
}

/** apisix/upstream.lua `check_schema` + `check_upstream_conf`, past the schema. */
function checkUpstream(upstream: JsonObject, pointer: string, report: Report): void {
  const nodes = upstream.nodes;

  // upstream.lua check_schema: a bare IPv6 literal makes "host:port" ambiguous.
  if (Array.isArray(nodes)) {
    nodes.forEach((node: unknown, i) => {
      if (isObject(node) && typeof node.host === 'string' && isIpv6(node.host)) {
        report(`${pointer}/nodes/${i}/host`, "IPv6 address must be enclosed with '[' and ']'");
      }
    });
  }

  // schema_def.lua upstream.oneOf: nodes, or service_name + discovery_type, not both.
  const hasNodes = has(upstream, 'nodes');
  const hasDiscovery = has(upstream, 'service_name') && has(upstream, 'discovery_type');
  if (hasNodes && hasDiscovery) {
    report(pointer, 'nodes and service discovery (service_name + discovery_type) are mutually exclusive');
  } else if (!hasNodes && !hasDiscovery) {
    const missing = has(upstream, 'service_name')
      ? 'discovery_type (service_name needs it)'
      : has(upstream, 'discovery_type')
        ? 'service_name (discovery_type needs it)'
        : 'nodes, or service_name with discovery_type';
    report(pointer, `missing ${missing}`);
  }

  // upstream.lua check_upstream_conf: ports written in hash-form node keys.
  if (isObject(nodes)) {
    for (const addr of Object.keys(nodes)) {
      const { port } = parseAddr(addr);
      if (port !== undefined && (port < 1 || port > 65535)) {
        report(`${pointer}/nodes/${pointerToken(addr)}`, `invalid port ${port}`);
      }
    }
  }

  // upstream.lua check_upstream_conf: pass_host "rewrite" sends upstream_host, so it must be set.
  if (upstream.pass_host === 'rewrite' && (!has(upstream, 'upstream_host') || upstream.upstream_host === '')) {
    report(`${pointer}/upstream_host`, "upstream_host can't be empty when pass_host is rewrite");
  }

  if (isObject(upstream.tls)) checkUpstreamTls(upstream.tls, `${pointer}/tls`, report);
  checkConsistentHashing(upstream, pointer, report);
}

/** schema_def.lua upstream.tls `dependencies.client_cert_id`, then upstream.lua's `apisix_ssl.validate`. */
function checkUpstreamTls(tls: JsonObject, pointer: string, report: Report): void {
  if (has(tls, 'client_cert_id') && has(tls, 'client_cert') && has(tls, 'client_key')) {
    report(`${pointer}/client_cert_id`, 'client_cert_id cannot be combined with client_cert and client_key');
  }
  const cert = tls.client_cert;
  const key = tls.client_key;
  // Only what passed the schema's lengths (at least 128 and 64 characters).
  if (typeof cert === 'string' && cert.length >= 128) {
    const pairedKey = typeof key === 'string' && key.length >= 64 ? key : undefined;
    checkCertificateAndKey(cert, pairedKey, { cert: `${pointer}/client_cert`, key: `${pointer}/client_key` }, report);
  }
}

/** upstream.lua `check_upstream_conf` for `type: chash` (defaults: type roundrobin, hash_on vars). */
function checkConsistentHashing(upstream: JsonObject, pointer: string, report: Report): void {
  if (upstream.type !== 'chash') return;
  const hashOn = has(upstream, 'hash_on') ? upstream.hash_on : 'vars';
  if (hashOn !== 'consumer' && !truthy(upstream, 'key')) {
    report(pointer, `missing key: type chash with hash_on ${String(hashOn)} needs the key to hash on`);
    return;
  }
  const key = upstream.key;
  if (typeof key !== 'string') return;
  if (hashOn === 'vars' && !UPSTREAM_HASH_VARS_PATTERN.test(key)) {
    report(
      `${pointer}/key`,
      `invalid chash key "${key}" for hash_on vars: must be one of uri, server_name, server_addr, ` +
        'request_uri, remote_port, remote_addr, query_string, host, hostname, mqtt_client_id or arg_<name>',
    );
  } else if ((hashOn === 'header' || hashOn === 'cookie') && !UPSTREAM_HASH_HEADER_PATTERN.test(key)) {
    report(`${pointer}/key`, `invalid ${hashOn} name "${key}": must match ^[a-zA-Z0-9-_]+$`);
  }
}

/**
 * routes.lua: `loadstring("return " .. filter_func)` must compile and yield a function. Decided
 * statically: the code must parse, and the returned expression must be the function literal
 * itself (APISIX would also accept `function() ... end or x`, which nobody writes).
 */
function checkFilterFunction(source: string, report: Report): void {
  const result = parseLuaChunk(`return ${source}`);
  if (!result.ok) {
    report('/filter_func', `failed to load 'filter_func' string: ${result.message}`);
  } else if (result.summary.finalReturn !== 'function') {
    report('/filter_func', "'filter_func' should be a function");
  }
}

/**
 * routes.lua / services.lua: `loadstring(script)` must compile and, run once, return a table.
 * Running it is not possible here, so only what is certain without running is reported: a syntax
 * error, a chunk that returns nothing, or one whose final `return` is a literal other than a table.
 */
function checkScript(source: string, report: Report): void {
  const result = parseLuaChunk(source);
  if (!result.ok) {
    report('/script', `failed to load 'script' string: ${result.message}`);
    return;
  }
  const { finalReturn, nestedReturn } = result.summary;
  const returnsNothing = (finalReturn === null && !nestedReturn) || finalReturn === 'none';
  const returnsNonTable =
    finalReturn !== null && ['nil', 'boolean', 'number', 'string', 'function'].includes(finalReturn);
  if (returnsNothing || returnsNonTable) report('/script', "'script' should be a Lua object");
}
