/**
 * What the Admin API checks of every resource before the resource's own checker
 * (apisix/admin/resource.lua `check_conf`, `put`, `post`; apisix/admin/init.lua `run`): the
 * method, the proxy mode for stream routes, the id in the path against the id in the body, and
 * the properties only the Admin API may set.
 */

import type { Report } from '../report.js';

type JsonObject = Readonly<Record<string, unknown>>;

/** The facts of one resource kind that resource.lua uses. */
export interface ResourceRules {
  /** The `kind` of resource.lua, as its messages name it ("global rule"). */
  readonly kind: string;
  /** Whether POST is refused (`unsupported_methods`). */
  readonly noPost: boolean;
  /** `no_id_res`: consumers (keyed by username) and plugin metadata (by plugin name) have no id. */
  readonly noId: boolean;
}

export interface RequestFacts {
  readonly method: 'PUT' | 'POST';
  /** The id of the request path (for secrets `<manager>/<id>`), if any. */
  readonly id: string | undefined;
}

/** What checkRequest returns for a request refused before any check of its body. */
export const REFUSED: unique symbol = Symbol('refused');

/**
 * resource.lua's checks before the resource's checker. Returns the body as the checker sees it:
 * on a PUT, its `id` is the path's id (`conf.id = id`; without `request.id`, the body's own id,
 * or a valid one when it has none); REFUSED when the request is refused before any check of the
 * body.
 */
export function checkRequest(rules: ResourceRules, body: unknown, request: RequestFacts, report: Report): unknown {
  if (request.method === 'POST' && rules.noPost) {
    report('', `not supported \`POST\` method for ${rules.kind}`);
    return REFUSED;
  }
  // A non-empty array is no object to check; the empty one is Lua's empty table.
  if (!isTable(body) || (Array.isArray(body) && body.length > 0)) return body;
  const conf = (Array.isArray(body) ? {} : body) as JsonObject;
  let checked: unknown = body;
  if (!rules.noId) {
    const bodyId = Object.hasOwn(conf, 'id') ? conf.id : undefined;
    if (request.method === 'POST') {
      if (request.id !== undefined || bodyId !== undefined) report(bodyId !== undefined ? '/id' : '', `wrong ${rules.kind} id, do not need it`);
    } else if (request.id !== undefined) {
      if (bodyId !== undefined && luaToString(bodyId) !== request.id) {
        report('/id', `wrong ${rules.kind} id: the body says ${JSON.stringify(bodyId)}, the path ${JSON.stringify(request.id)}`);
      }
      checked = { ...conf, id: request.id };
    } else if (bodyId === undefined) {
      // The caller PUTs to an id of its own: the body needs none, and the path's is valid.
      checked = { ...conf, id: PATH_ID };
    }
  }
  checkForbiddenProperties(conf, report);
  return checked;
}

/** The id a PUT without one is taken to have in its path. */
const PATH_ID = '1';

const FORBIDDEN_PROPERTIES = ['create_time', 'update_time'] as const;

/**
 * resource.lua `check_forbidden_properties`: the Admin API sets `create_time` / `update_time`
 * itself and refuses them in a PUT or POST body, at the top level, in `upstream` and in `plugins`.
 */
export function checkForbiddenProperties(conf: JsonObject, report: Report): void {
  reportForbidden(conf, '', report);
  if (isTable(conf.upstream)) reportForbidden(conf.upstream as JsonObject, '/upstream', report);
  if (isTable(conf.plugins)) reportForbidden(conf.plugins as JsonObject, '/plugins', report);
}

function reportForbidden(object: JsonObject, at: string, report: Report): void {
  for (const key of FORBIDDEN_PROPERTIES) {
    const value = object[key];
    if (value !== undefined && value !== false) report(`${at}/${key}`, `the property is forbidden: ${key} is set by the Admin API`);
  }
}

/** A decoded JSON value Lua holds as a table. */
export function isTable(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

/** Lua's `tostring` of a decoded JSON id (a string or a number). */
export function luaToString(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 1e15 ? String(value) : luaNumberText(value);
  return typeof value === 'string' ? value : String(value);
}

/** LuaJIT's `%.14g` for numbers that are not small integers. */
function luaNumberText(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : value < 0 ? '-inf' : 'nan';
  const text = value.toPrecision(14);
  const [mantissa, exponent] = text.split('e') as [string, string | undefined];
  const trimmed = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
  if (exponent === undefined) return trimmed;
  const e = Number(exponent);
  return `${trimmed}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}
