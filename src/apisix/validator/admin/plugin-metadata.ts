/**
 * apisix/admin/plugin_metadata.lua `check_conf`: the path names a plugin APISIX has (enabled or
 * not: `require("apisix.plugins.<name>")`, then `apisix.stream.plugins.<name>`), and the body
 * meets its `metadata_schema` through its `check_schema(conf, TYPE_METADATA)`; a plugin without
 * one gets an empty object schema.
 */

import type { Report } from '../report.js';
import { isLuaType } from '../lua-schema.js';
import { checkPluginConf } from '../plugin-checks.js';
import { rawPlugin } from '../unit-validators.js';

/**
 * Plugin modules of APISIX (f519a0f) that its schemas file has no entry for, since no default
 * configuration enables them: their metadata is accepted as any object here.
 */
const OTHER_PLUGIN_MODULES: ReadonlySet<string> = new Set([
  'ai-protocols', 'batch-requests', 'brotli', 'dubbo-proxy', 'error-log-logger', 'error-page', 'exit-transformer',
  'ext-plugin', 'gm', 'log-rotate', 'node-status', 'ocsp-stapling', 'opentelemetry', 'server-info', 'serverless',
  'skywalking',
]);

export function checkPluginMetadata(conf: unknown, name: string | undefined, report: Report): void {
  if (name === undefined || name === '') {
    report('', 'missing plugin name: the path of plugin metadata is the plugin\'s name');
    return;
  }
  const http = rawPlugin(name);
  const plugin = http ?? rawPlugin(name, true);
  if (!plugin && !OTHER_PLUGIN_MODULES.has(name)) {
    report('', `invalid plugin name: APISIX has no plugin ${JSON.stringify(name)}`);
    return;
  }
  if (!isLuaType(conf, 'object')) {
    report('', 'must be object');
    return;
  }
  if (plugin?.metadata_schema !== undefined) {
    const table = Array.isArray(conf) ? {} : (conf as Readonly<Record<string, unknown>>);
    checkPluginConf(name, table, '', report, { schemaType: 'metadata', stream: !http });
  }
}

/**
 * The `metadata_schema` of plugin `name` as APISIX declares it (an HTTP plugin's, else a stream
 * plugin's of that name), or undefined for a plugin APISIX does not have or that declares none
 * (APISIX then injects an empty object schema, so its metadata is never read by the plugin).
 */
export function metadataSchemaOf(name: string): Readonly<Record<string, unknown>> | undefined {
  const schema = (rawPlugin(name) ?? rawPlugin(name, true))?.metadata_schema;
  return typeof schema === 'object' && schema !== null && !Array.isArray(schema) ? (schema as Readonly<Record<string, unknown>>) : undefined;
}
