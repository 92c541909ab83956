/**
 * What the code checks of plugins (`check_schema` past the schema) share: Lua's view of decoded
 * JSON values, the expression, regular expression and address checks several plugins make.
 */

import type { Report } from '../report.js';
import { isApisixIpOrCidr, isCidrOrIp } from '../ip-address.js';
import { pcreSyntaxError, replacementTemplateError } from '../pcre.js';
import { isSecretReference } from '../secret-references.js';
import { checkVarsExpression } from '../vars-expression.js';

export type JsonObject = Readonly<Record<string, unknown>>;

/**
 * The whole check of another plugin's configuration (schema and code), for checks that run one:
 * workflow's actions, traffic-label's, multi-auth's plugins.
 */
export type NestedPluginCheck = (name: string, conf: JsonObject, pointer: string, report: Report) => void;

/** Checks of one plugin's `check_schema` past its schema; pointers are relative to the configuration. */
export type CodeCheck = (conf: JsonObject, report: Report, nested: NestedPluginCheck) => void;

/** A plugin's code checks: for its route configuration, and for a consumer's (TYPE_CONSUMER) where they differ. */
export interface PluginCodeChecks {
  readonly schema?: CodeCheck;
  readonly consumer?: CodeCheck;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function has(object: JsonObject, key: string): boolean {
  return Object.hasOwn(object, key) && object[key] !== undefined;
}

/** Lua truthiness of a decoded JSON value: present and not `false` (JSON null is truthy). */
export function truthy(value: unknown): boolean {
  return value !== undefined && value !== false;
}

export function token(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function entries(object: JsonObject): [string, unknown][] {
  return Object.entries(object).filter(([, v]) => v !== undefined);
}

export function list(names: readonly string[], conjunction: string): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} ${conjunction} ${names[names.length - 1]!}`;
}

/** `expr.new(vars)` of lua-resty-expr, as `check_schema` calls it. */
export function checkExpression(vars: unknown, pointer: string, label: string, report: Report): void {
  if (!Array.isArray(vars)) return;
  const issue = checkVarsExpression(vars);
  if (issue) report(`${pointer}${issue.pointer}`, `failed to validate the '${label}' expression: ${issue.message}`);
}

/** `ngx.re.sub("/fake_uri", pattern, replacement, "jo")` of proxy-rewrite and redirect. */
export function checkRegexSubstitution(pair: readonly unknown[], index: number, pointer: string, report: Report): void {
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
export function checkRegexList(rules: unknown, pointer: string, report: Report): void {
  if (!Array.isArray(rules)) return;
  rules.forEach((rule: unknown, i) => {
    if (typeof rule !== 'string') return;
    const error = pcreSyntaxError(rule);
    if (error) report(`${pointer}/${i}`, `invalid regular expression "${rule}": ${error}`);
  });
}

/**
 * apisix/core/ip.lua `validate_cidr_or_ip`, run on the entries that passed `ip_def`: the mask of
 * an IPv4 address is at most 32, that of an IPv6 one at most 128, and an IPv6/CIDR prefix must be
 * an address. A secret reference (which skipped `ip_def`) makes the Lua raise.
 */
export function checkIpList(addresses: unknown, pointer: string, report: Report): void {
  if (!Array.isArray(addresses)) return;
  addresses.forEach((address: unknown, i) => {
    if (typeof address !== 'string') return;
    if (!isSecretReference(address) && !isApisixIpOrCidr(address)) return;
    if (!isCidrOrIp(address)) report(`${pointer}/${i}`, `invalid ip address: ${address}`);
  });
}
