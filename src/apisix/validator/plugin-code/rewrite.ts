/**
 * The code checks of the rewriting plugins: apisix/plugins/proxy-rewrite.lua,
 * response-rewrite.lua and redirect.lua `check_schema`.
 */

import type { Report } from '../report.js';
import { isNgxBase64 } from '../ngx-base64.js';
import { regexOptionsError } from '../pcre.js';
import { isSecretReference } from '../secret-references.js';
import { checkExpression, checkRegexSubstitution, entries, has, isObject, token, truthy, type JsonObject, type PluginCodeChecks } from './helpers.js';

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
      report(at, 'invalid type as header value: must be string or number');
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

/** apisix/plugins/response-rewrite.lua `check_schema`. */
function checkResponseRewrite(conf: JsonObject, report: Report): void {
  const headers = conf.headers;
  if (isObject(headers) && !isHeaderOperations(headers)) checkPlainHeaders(headers, '/headers', false, report);
  // The schema's operations form is untyped, so a string passes it; check_set_headers then fails on it.
  if (headers !== undefined && headers !== false && !isObject(headers) && !Array.isArray(headers)) report('/headers', 'must be object');
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

/** apisix/plugins/redirect.lua `check_schema`. */
function checkRedirect(conf: JsonObject, report: Report): void {
  if (Array.isArray(conf.regex_uri) && conf.regex_uri.length === 2) checkRegexSubstitution(conf.regex_uri, 0, '/regex_uri', report);
  if (truthy(conf.http_to_https) && truthy(conf.append_query_string)) {
    report('', 'only one of `http_to_https` and `append_query_string` can be configured.');
  }
}

export const REWRITE_CHECKS: ReadonlyMap<string, PluginCodeChecks> = new Map([
  ['proxy-rewrite', { schema: checkProxyRewrite }],
  ['redirect', { schema: checkRedirect }],
  ['response-rewrite', { schema: checkResponseRewrite }],
]);
