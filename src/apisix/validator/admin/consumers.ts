/**
 * apisix/admin/consumers.lua `check_conf`: the consumer schema, the username of the path, and the
 * plugins with their `consumer_schema` (TYPE_CONSUMER). Whether another consumer already holds
 * the same key (`check_duplicate_key`) and whether `group_id` names a consumer group are the
 * gateway's to know.
 */

import type { Report } from '../report.js';
import { checkPluginsObject } from '../plugins-object.js';
import { checkCoreSchema } from './core-schema.js';

export function checkConsumer(conf: unknown, username: string | undefined, plugins: ReadonlySet<string>, report: Report): void {
  checkCoreSchema('consumer', conf, report);
  if (!isObject(conf)) return;
  if (username !== undefined && conf.username !== username) {
    report(Object.hasOwn(conf, 'username') ? '/username' : '', `wrong username: the path names consumer ${JSON.stringify(username)}`);
  }
  if (isObject(conf.plugins)) checkPluginsObject(conf.plugins, '/plugins', { enabled: plugins, schemaType: 'consumer' }, report);
}

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
