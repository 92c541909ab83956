import type { Rule } from './rule.js';
import { finding } from './rule.js';

/**
 * A plugin config of a template is used by one of its routes (TW3031, a warning): one no route
 * names still becomes an APISIX object on every gateway of the groups that publish the service,
 * which is most likely a route that forgot its `plugin_config` or a name left behind.
 */
export const unusedPluginConfig: Rule = {
  name: 'unused-plugin-config',
  scope: 'file',
  *check(ctx) {
    for (const t of ctx.templates) {
      const used = new Set(t.spec.routes.map((r) => r.plugin_config));
      for (const name of Object.keys(t.spec.plugin_configs ?? {})) {
        if (used.has(name)) continue;
        yield finding('TW3031', t.file, `/plugin_configs/${name}`, `no route of service ${t.service} uses plugin config ${name}`, {
          severity: 'warning',
          key: true,
          hint: `Set plugin_config: ${name} on the routes that should take its plugins, or remove it from plugin_configs.`,
        });
      }
    }
  },
};
