/**
 * apisix/admin/global_rules.lua, plugin_config.lua and consumer_group.lua `check_conf`: the
 * object's schema, then its plugins (`check_schema(conf.plugins)`). Whether another global rule
 * already runs one of the plugins is the gateway's to know.
 */

import type { Report } from '../report.js';
import { checkPluginsObject } from '../plugins-object.js';
import { checkCoreSchema } from './core-schema.js';

export function checkPluginSet(schema: 'global_rule' | 'plugin_config' | 'consumer_group', conf: unknown, plugins: ReadonlySet<string>, report: Report): void {
  checkCoreSchema(schema, conf, report);
  if (typeof conf !== 'object' || conf === null || Array.isArray(conf)) return;
  const set = (conf as Readonly<Record<string, unknown>>).plugins;
  if (typeof set === 'object' && set !== null && !Array.isArray(set)) {
    checkPluginsObject(set as Readonly<Record<string, unknown>>, '/plugins', { enabled: plugins }, report);
  }
}
