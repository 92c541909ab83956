/**
 * The `plugins` object of a route, service, consumer, credential, global rule, plugin config,
 * consumer group or stream route, as the Admin API checks it: apisix/plugin.lua `check_schema`
 * (`stream_check_schema` for stream routes) runs `check_single_plugin_schema` on each entry:
 * the configuration is an object, the plugin is enabled, the plugin's own `check_schema` accepts
 * it (plugin-checks.ts), and the `_meta` object injected into every plugin schema is valid, with
 * (for HTTP plugins) its `filter` compiling and its `pre_function` loading.
 */

import type { Report } from './report.js';
import { checkPluginConf, type PluginSchemaType } from './plugin-checks.js';
import { parseLuaChunk } from './lua-syntax.js';
import { apisixSchemaValidators } from './schema.js';
import { schemaIssues } from './schema-errors.js';
import { reportVarsExpression } from './vars-expression.js';

type JsonObject = Readonly<Record<string, unknown>>;

export interface PluginsCheck {
  /** The plugins the gateway runs (config.yaml `plugins`, or `stream_plugins` for a stream route). */
  readonly enabled: ReadonlySet<string>;
  readonly schemaType?: PluginSchemaType;
  readonly stream?: boolean;
}

export function checkPluginsObject(plugins: JsonObject, pointer: string, check: PluginsCheck, report: Report): void {
  for (const name of Object.keys(plugins)) {
    const given = plugins[name];
    if (given === undefined) continue;
    const at = `${pointer}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    // Lua has one empty table: `[]` is the empty configuration.
    const conf = Array.isArray(given) && given.length === 0 ? {} : given;
    if (!isObject(conf)) {
      report(at, `invalid plugin conf for plugin [${name}]: must be an object`);
      continue;
    }
    if (!check.enabled.has(name)) {
      report(at, `unknown plugin [${name}]`);
      continue;
    }
    checkPluginConf(name, conf, at, report, { schemaType: check.schemaType ?? 'schema', stream: check.stream === true });
    if (Object.hasOwn(conf, '_meta') && conf._meta !== undefined) checkPluginMeta(conf._meta, `${at}/_meta`, name, check.stream === true, report);
  }
}

function checkPluginMeta(meta: unknown, pointer: string, plugin: string, stream: boolean, report: Report): void {
  const validate = apisixSchemaValidators().pluginMeta;
  // plugin.lua check_disable: a plugin disabled through `_meta.disable` is accepted even when its
  // schema check fails, since it never runs.
  const disabled = isObject(meta) && meta.disable === true;
  if (!validate(meta) && !disabled) {
    for (const issue of schemaIssues(validate.errors ?? [], meta)) {
      report(`${pointer}${issue.pointer}`, `plugin ${plugin}: ${issue.message}`);
    }
  }
  // stream_check_schema neither compiles `filter` nor loads `pre_function`.
  if (!isObject(meta) || stream) return;
  if (meta.filter !== undefined && meta.filter !== false && Array.isArray(meta.filter)) {
    reportVarsExpression(meta.filter, `${pointer}/filter`, report);
  }
  if (typeof meta.pre_function === 'string') {
    const result = parseLuaChunk(meta.pre_function);
    if (!result.ok) {
      report(`${pointer}/pre_function`, `failed to load _meta.pre_function in plugin ${plugin}: ${result.message}`);
    }
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
