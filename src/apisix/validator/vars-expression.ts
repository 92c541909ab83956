/**
 * Static compilation of APISIX `vars` expressions, as the Admin API does it on every write:
 * `expr.new(conf.vars)` from lua-resty-expr 1.3.2 (lib/resty/expr/v1.lua), then
 * `validate_post_arg(conf.vars)` (apisix/admin/routes.lua). The same compiler checks a plugin's
 * `_meta.filter` (apisix/plugin.lua).
 *
 * `expr.new` only compiles: it checks the shape of each rule and its operator, and for `ipmatch`
 * parses the addresses. It evaluates nothing, so every decision it makes is made here too, with
 * one exception: values Lua cannot index or upper-case (a number where a rule or operator should
 * be, an object where an array should be) make the Lua code raise, and the Admin API answers 500;
 * those are reported as invalid here.
 *
 * Grammar accepted (Lua arrays, 1-based in the library, 0-based in the pointers below):
 *   vars   := [] | [rule, ...] | [LOGIC, rule, rule, ...]
 *   rule   := [var, op, value] | [var, '!', op, value] | [var, value]   (the last means '==')
 *          | [LOGIC, rule, rule, ...] | [rule, ...]                      (nested AND)
 *   LOGIC  := 'AND' | 'OR' | '!AND' | '!OR'   (any letter case)
 *   op     := == ~= > >= < <= ~~ ~* in has ipmatch   (any letter case)
 */

import { checkJsonPath } from './jsonpath-syntax.js';
import { isIpv4, isIpv6 } from './ip-address.js';
import type { Report } from './report.js';

/**
 * routes.lua and plugin.lua: `expr.new(vars)`, then `validate_post_arg(vars)`; the first problem
 * is reported at its place under `pointer`.
 */
export function reportVarsExpression(vars: readonly unknown[], pointer: string, report: Report): void {
  const issue = checkVarsExpression(vars) ?? checkPostArgPaths(vars);
  if (issue) report(`${pointer}${issue.pointer}`, `failed to validate the 'vars' expression: ${issue.message}`);
}

export interface ExpressionIssue {
  /** JSON pointer relative to the expression root ('' for the root). */
  readonly pointer: string;
  readonly message: string;
}

const OPERATORS = new Set(['==', '~=', '>', '>=', '<', '<=', '~~', '~*', 'in', 'has', 'ipmatch']);
const LOGIC_OPERATORS = new Set(['OR', '!OR', 'AND', '!AND']);

/** cjson's nesting limit: APISIX cannot even decode a body nested deeper than this. */
const MAX_DEPTH = 1000;

class ExpressionError extends Error {
  constructor(
    readonly pointer: string,
    message: string,
  ) {
    super(message);
  }
}

/** Mirrors `expr.new(rule)`: the first problem found, or null when the expression compiles. */
export function checkVarsExpression(rule: unknown): ExpressionIssue | null {
  try {
    if (!Array.isArray(rule)) throw new ExpressionError('', 'rule must be an array');
    if (rule.length === 0) return null;
    if (!Array.isArray(rule[0]) && !LOGIC_OPERATORS.has(luaUpper(rule[0], '/0'))) {
      throw new ExpressionError('', 'rule should be wrapped inside brackets');
    }
    compileRules(rule, '', 0);
    return null;
  } catch (e) {
    if (e instanceof ExpressionError) return { pointer: e.pointer, message: e.message };
    throw e;
  }
}

function compileRules(rules: readonly unknown[], pointer: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new ExpressionError(pointer, 'expression nested too deeply');
  if (rules.length === 0) throw new ExpressionError(pointer, 'rule too short');
  if (Array.isArray(rules[0])) {
    rules.forEach((child, i) => compileRule(child, `${pointer}/${i}`, depth + 1));
    return;
  }
  const first = luaUpper(rules[0], `${pointer}/0`);
  if (LOGIC_OPERATORS.has(first)) {
    if (rules.length <= 2) throw new ExpressionError(pointer, 'rule too short');
    for (let i = 1; i < rules.length; i++) compileRule(rules[i], `${pointer}/${i}`, depth + 1);
    return;
  }
  compileComparison(rules, pointer);
}

/** A nested rule must itself be an array (Lua would raise indexing a string or number). */
function compileRule(rule: unknown, pointer: string, depth: number): void {
  if (!Array.isArray(rule)) throw new ExpressionError(pointer, 'expression must be an array');
  compileRules(rule, pointer, depth);
}

function compileComparison(expr: readonly unknown[], pointer: string): void {
  let left: unknown;
  let op: unknown;
  let right: unknown;
  if (expr.length === 4) {
    if (expr[1] !== '!') throw new ExpressionError(pointer, "bad 'not' expression");
    [left, , op, right] = expr;
  } else {
    [left, op, right] = expr;
  }
  let opName = op === undefined ? undefined : luaLower(op, `${pointer}/${expr.length === 4 ? 2 : 1}`);
  if (right === undefined && !(opName !== undefined && OPERATORS.has(opName))) {
    // Two-element form [var, value] means [var, '==', value] (kept by lua-resty-expr for compatibility).
    right = opName;
    opName = '==';
    if (right === undefined) throw new ExpressionError(pointer, 'invalid expression');
  }
  if (left === undefined || opName === undefined) throw new ExpressionError(pointer, 'invalid expression');
  if (!OPERATORS.has(opName)) throw new ExpressionError(pointer, `invalid operator '${opName}'`);
  if (opName === 'ipmatch') checkIpmatchOperand(right, `${pointer}/${expr.length === 4 ? 3 : 2}`);
}

/** `ipmatcher.new(...)` (lua-resty-ipmatcher): every entry an IPv4 or IPv6 address, optional `/mask`. */
function checkIpmatchOperand(value: unknown, pointer: string): void {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
    throw new ExpressionError(pointer, 'invalid ip address');
  }
  const entries = Array.isArray(value) ? value : [value];
  entries.forEach((entry, i) => {
    const at = Array.isArray(value) ? `${pointer}/${i}` : pointer;
    const text = typeof entry === 'string' ? entry : typeof entry === 'number' ? String(entry) : null;
    if (text === null) throw new ExpressionError(at, 'invalid ip address');
    const slash = text.indexOf('/');
    const ip = slash < 0 ? text : text.slice(0, slash);
    if (!isIpv4(ip) && !isIpv6(stripBrackets(ip))) throw new ExpressionError(at, `invalid ip address: ${ip}`);
  });
}

function stripBrackets(ip: string): string {
  return ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
}

/** Lua's `string.upper` on a value: strings and numbers only; anything else raises in Lua. */
function luaUpper(value: unknown, pointer: string): string {
  return luaString(value, pointer).toUpperCase();
}

function luaLower(value: unknown, pointer: string): string {
  return luaString(value, pointer).toLowerCase();
}

function luaString(value: unknown, pointer: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new ExpressionError(pointer, `expected a string, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/**
 * `validate_post_arg(vars)`: every array (at any depth) of 3+ elements whose first element starts
 * with `post_arg.` names a JSON body path, which must parse as JSONPath.
 *
 * APISIX builds the path as `"$." .. key:sub(11)`, which drops the first character after
 * `post_arg.` (the prefix is 9 characters long); that is mirrored, so `post_arg.a` is rejected
 * (its path is `$.`) just as APISIX rejects it.
 */
export function checkPostArgPaths(vars: unknown, pointer = '', depth = 0): ExpressionIssue | null {
  if (!Array.isArray(vars) || depth > MAX_DEPTH) return null;
  const first: unknown = vars[0];
  if (vars.length >= 3 && typeof first === 'string' && first.startsWith('post_arg.')) {
    const problem = checkJsonPath(`$.${first.slice(10)}`);
    return problem === null ? null : { pointer: `${pointer}/0`, message: problem };
  }
  for (let i = 0; i < vars.length; i++) {
    const issue = checkPostArgPaths(vars[i], `${pointer}/${i}`, depth + 1);
    if (issue) return issue;
  }
  return null;
}
