/**
 * apisix/plugins/serverless/init.lua `check_schema` (serverless-pre-function,
 * serverless-post-function), past the schema.
 */

import type { Report } from '../report.js';
import { parseLuaChunk } from '../lua-syntax.js';
import type { JsonObject, PluginCodeChecks } from './helpers.js';

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

export const SERVERLESS_CHECKS: ReadonlyMap<string, PluginCodeChecks> = new Map([
  ['serverless-post-function', { schema: checkServerless }],
  ['serverless-pre-function', { schema: checkServerless }],
]);
