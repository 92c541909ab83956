import { didYouMean } from '../../core/did-you-mean.js';
import { cmp } from '../../model/diagnostic.js';
import type { Rule } from './rule.js';
import { finding } from './rule.js';

/**
 * A route's `plugin_config` names a plugin config of its own template (TW3030): the route gets
 * `plugin_config_id` `<service>.<name>`, which APISIX refuses when no such plugin config exists.
 * A service's plugin configs are versioned with it, so another service's are not candidates.
 */
export const knownPluginConfig: Rule = {
  name: 'known-plugin-config',
  scope: 'file',
  *check(ctx) {
    for (const t of ctx.templates) {
      const names = Object.keys(t.spec.plugin_configs ?? {}).sort(cmp);
      for (const [i, route] of t.spec.routes.entries()) {
        const wanted = route.plugin_config;
        if (wanted === undefined || names.includes(wanted)) continue;
        const guess = didYouMean(wanted, names);
        yield finding('TW3030', t.file, `/routes/${i}/plugin_config`, `route ${route.name} uses plugin config ${wanted}, which service ${t.service} does not define`, {
          hint: guess ? `Did you mean ${guess}?` : `Add ${wanted} under plugin_configs: in this template, or remove plugin_config from the route.`,
        });
      }
    }
  },
};
