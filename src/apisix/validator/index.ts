/**
 * `validateApisixObject(kind, body)`: would the APISIX Admin API (v3, APISIX 3.x) accept this
 * route, service or upstream body on a PUT?
 *
 * It runs what the Admin API runs before writing to etcd, in this order of sources:
 * apisix/schema_def.lua (schema.ts), apisix/admin/{routes,services,upstreams}.lua and
 * apisix/upstream.lua `check_upstream_conf` (checks.ts), lua-resty-expr for `vars` and the
 * LuaJIT parser for `filter_func`, `script` and `_meta.pre_function`. It does not see the
 * gateway, so references to other objects are left to the gateway (see checks.ts). Every
 * plugin's configuration is checked against its schema from APISIX's schemas file, and by the
 * checks its `check_schema` makes past the schema for the plugins of CODE_CHECKED_PLUGINS
 * (plugin-checks.ts).
 * Where APISIX stops at the first error, this reports every error it finds, sorted by pointer
 * then message (code point order).
 *
 * Contract: never throws, never mutates `body`, compiles each schema once per process and only
 * when a body needs it.
 */

import { BUNDLED_PLUGINS } from './bundled-plugins.js';
import { checkRoute, checkService, checkUpstreamObject, isObject } from './checks.js';
import type { Report } from './report.js';
import { schemaIssues } from './schema-errors.js';
import { apisixSchemaValidators } from './schema.js';

export { BUNDLED_PLUGINS, BUNDLED_PLUGIN_NAMES } from './bundled-plugins.js';
export { CHECKED_PLUGINS, CODE_CHECKED_PLUGINS } from './plugin-checks.js';

/**
 * Loads APISIX's validators of routes, services and upstreams now rather than at first use (a
 * caller waiting for git); a plugin's are loaded when a configuration of it is first checked.
 */
export function loadApisixValidators(): void {
  apisixSchemaValidators();
}

export type ApisixObjectKind = 'route' | 'service' | 'upstream';

export interface ApisixObjectError {
  /** JSON pointer into `body`; '' for the body itself. */
  readonly pointer: string;
  readonly message: string;
}

export interface ApisixValidation {
  readonly valid: boolean;
  readonly errors: readonly ApisixObjectError[];
}

export interface ApisixValidateOptions {
  /** Plugin names accepted; default BUNDLED_PLUGINS. */
  readonly plugins?: ReadonlySet<string>;
}

export function validateApisixObject(
  kind: ApisixObjectKind,
  body: unknown,
  options?: ApisixValidateOptions,
): ApisixValidation {
  const errors: ApisixObjectError[] = [];
  const report: Report = (pointer, message) => {
    errors.push({ pointer, message });
  };
  try {
    collectErrors(kind, body, options?.plugins ?? BUNDLED_PLUGINS, report);
  } catch (e) {
    // Only hostile inputs get here (cyclic values, throwing getters, proxies).
    report('', `cannot validate this value: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { valid: errors.length === 0, errors: sortUnique(errors) };
}

function collectErrors(kind: ApisixObjectKind, body: unknown, plugins: ReadonlySet<string>, report: Report): void {
  const validators = apisixSchemaValidators();
  const validate =
    kind === 'route' ? validators.route : kind === 'service' ? validators.service : kind === 'upstream' ? validators.upstream : null;
  if (!validate) {
    report('', `unknown APISIX object kind "${String(kind)}": expected route, service or upstream`);
    return;
  }
  if (!validate(body)) {
    for (const issue of schemaIssues(validate.errors ?? [], body)) report(issue.pointer, issue.message);
  }
  // Lua has one empty table: an empty array is an empty object to the checks too.
  const conf = Array.isArray(body) && body.length === 0 ? {} : body;
  if (!isObject(conf)) return;
  if (kind === 'route') checkRoute(conf, plugins, report);
  else if (kind === 'service') checkService(conf, plugins, report);
  else checkUpstreamObject(conf, report);
}

function sortUnique(errors: readonly ApisixObjectError[]): ApisixObjectError[] {
  const seen = new Set<string>();
  const unique: ApisixObjectError[] = [];
  for (const e of errors) {
    const key = `${e.pointer}\u0000${e.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(e);
  }
  return unique.sort((a, b) => compare(a.pointer, b.pointer) || compare(a.message, b.message));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
