/**
 * The code checks of the access plugins: cors, ip-restriction, ua-restriction, real-ip,
 * uri-blocker, acl, request-validation and chaitin-waf.
 */

import type { Report } from '../report.js';
import { checkJsonPath } from '../jsonpath-syntax.js';
import { isSecretReference } from '../secret-references.js';
import { checkExpression, checkIpList, checkRegexList, has, isObject, list, truthy, type JsonObject, type PluginCodeChecks } from './helpers.js';

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

/** apisix/plugins/ip-restriction/init.lua `check_schema`. */
function checkIpRestriction(conf: JsonObject, report: Report): void {
  checkIpList(conf.whitelist, '/whitelist', report);
  checkIpList(conf.blacklist, '/blacklist', report);
}

/** apisix/plugins/ua-restriction.lua `check_schema`. */
function checkUaRestriction(conf: JsonObject, report: Report): void {
  checkRegexList(conf.allowlist, '/allowlist', report);
  checkRegexList(conf.denylist, '/denylist', report);
}

/** apisix/plugins/real-ip.lua `check_schema`. */
function checkRealIp(conf: JsonObject, report: Report): void {
  checkIpList(conf.trusted_addresses, '/trusted_addresses', report);
}

/** apisix/plugins/uri-blocker.lua `check_schema`: each of `block_rules` compiles (`re_compile(rule, "j")`). */
function checkUriBlocker(conf: JsonObject, report: Report): void {
  checkRegexList(conf.block_rules, '/block_rules', report);
}

/** apisix/plugins/acl.lua `check_schema`: `external_user_label_field` (default "groups") is a JSONPath expression. */
function checkAcl(conf: JsonObject, report: Report): void {
  const field = has(conf, 'external_user_label_field') ? conf.external_user_label_field : 'groups';
  if (typeof field !== 'string' || isSecretReference(field)) return;
  const error = checkJsonPath(field);
  if (error) report(has(conf, 'external_user_label_field') ? '/external_user_label_field' : '', `invalid external_user_label_field: ${error}`);
}

/** The JSON types api7/jsonschema knows (`typeexpr`). */
const JSONSCHEMA_TYPES = new Set(['object', 'array', 'table', 'integer', 'string', 'boolean', 'number', 'null', 'function']);

/**
 * apisix/plugins/request-validation.lua `check_schema`: `body_schema` and `header_schema` are
 * schemas api7/jsonschema can compile (`core.schema.valid`): every `type` names a JSON type it
 * knows and every `enum` holds only strings, numbers, booleans and tables.
 */
function checkRequestValidation(conf: JsonObject, report: Report): void {
  for (const key of ['body_schema', 'header_schema']) {
    const schema = conf[key];
    if (isObject(schema)) checkUserSchema(schema, `/${key}`, report, 0);
  }
}

function checkUserSchema(schema: JsonObject, pointer: string, report: Report, depth: number): void {
  if (depth > 64) return;
  const type = schema.type;
  const types = typeof type === 'string' ? [type] : Array.isArray(type) ? type : type === undefined ? [] : null;
  if (types === null) report(`${pointer}/type`, `invalid "type" type: got ${luaTypeName(type)}`);
  for (const t of types ?? []) {
    if (typeof t !== 'string' || !JSONSCHEMA_TYPES.has(t)) report(`${pointer}/type`, `invalid JSON type: ${String(t)}`);
  }
  if (Array.isArray(schema.enum) && schema.enum.some((v) => v === null)) report(`${pointer}/enum`, 'unsupported enum type: userdata');
  const children: [unknown, string][] = [];
  for (const key of ['properties', 'patternProperties', 'dependencies', 'definitions']) {
    const members = schema[key];
    if (isObject(members)) for (const [k, v] of Object.entries(members)) children.push([v, `${pointer}/${key}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`]);
  }
  for (const key of ['additionalProperties', 'items', 'not', 'if', 'then', 'else', 'contains', 'additionalItems', 'propertyNames']) children.push([schema[key], `${pointer}/${key}`]);
  for (const key of ['items', 'allOf', 'anyOf', 'oneOf']) {
    const members = schema[key];
    if (Array.isArray(members)) members.forEach((m: unknown, i) => children.push([m, `${pointer}/${key}/${i}`]));
  }
  for (const [child, at] of children) if (isObject(child)) checkUserSchema(child, at, report, depth + 1);
}

function luaTypeName(value: unknown): string {
  return typeof value === 'object' ? (value === null ? 'userdata' : 'table') : typeof value;
}

/** apisix/plugins/chaitin-waf.lua `check_schema`: each `match[].vars` compiles. */
function checkChaitinWaf(conf: JsonObject, report: Report): void {
  if (!Array.isArray(conf.match)) return;
  conf.match.forEach((m: unknown, i) => {
    if (!isObject(m)) return;
    if (!has(m, 'vars')) report(`/match/${i}`, "failed to validate the 'vars' expression: missing argument rule");
    else checkExpression(m.vars, `/match/${i}/vars`, 'vars', report);
  });
}

export const ACCESS_CHECKS: ReadonlyMap<string, PluginCodeChecks> = new Map([
  ['acl', { schema: checkAcl }],
  ['chaitin-waf', { schema: checkChaitinWaf }],
  ['cors', { schema: checkCors }],
  ['ip-restriction', { schema: checkIpRestriction }],
  ['real-ip', { schema: checkRealIp }],
  ['request-validation', { schema: checkRequestValidation }],
  ['ua-restriction', { schema: checkUaRestriction }],
  ['uri-blocker', { schema: checkUriBlocker }],
]);
