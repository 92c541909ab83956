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
