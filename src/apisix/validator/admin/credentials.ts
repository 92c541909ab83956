/**
 * apisix/admin/credentials.lua `check_conf`: the credential schema (at most one plugin), the
 * plugin's `consumer_schema` (TYPE_CONSUMER), and the plugin being an authentication plugin
 * (`type = "auth"`). Whether the consumer exists and whether another consumer already holds the
 * same key are the gateway's to know.
 */

import type { Report } from '../report.js';
import { checkPluginsObject } from '../plugins-object.js';
import { schemaIndex } from '../unit-validators.js';
import { checkCoreSchema } from './core-schema.js';

export function checkCredential(conf: unknown, plugins: ReadonlySet<string>, report: Report): void {
  checkCoreSchema('credential', conf, report);
  if (!isObject(conf) || !isObject(conf.plugins)) return;
  checkPluginsObject(conf.plugins, '/plugins', { enabled: plugins, schemaType: 'consumer' }, report);
  const types = schemaIndex().plugins;
  for (const name of Object.keys(conf.plugins)) {
    if (!plugins.has(name) || !Object.hasOwn(types, name)) continue;
    if (types[name] !== 'auth') {
      report(`/plugins/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`, `only supports auth type plugins in consumer credential: ${name} is not one`);
    }
  }
}

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
