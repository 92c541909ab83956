import type { Rule } from './rule.js';
import { finding, relatedAt } from './rule.js';

/**
 * A canary becomes the service's `traffic-split` plugin, so the template must not configure
 * `traffic-split` itself (TW3014), on the service, on a route or in a plugin config (a route's
 * plugin, or its plugin config's, would replace the service's and switch the canary off for that
 * route).
 */
export const canaryTrafficSplit: Rule = {
  name: 'canary-traffic-split',
  scope: 'service',
  *check(ctx) {
    for (const { services } of ctx.resolved) {
      for (const s of services) {
        if (!s.canary) continue;
        const spec = s.template.spec;
        const places: string[] = [];
        if (spec.plugins?.['traffic-split']) places.push('/plugins/traffic-split');
        for (const [i, r] of spec.routes.entries()) if (r.plugins?.['traffic-split']) places.push(`/routes/${i}/plugins/traffic-split`);
        for (const [name, pc] of Object.entries(spec.plugin_configs ?? {})) if (pc.plugins['traffic-split']) places.push(`/plugin_configs/${name}/plugins/traffic-split`);
        for (const pointer of places) {
          yield finding('TW3014', s.template.file, pointer, `service ${s.name} configures traffic-split, which its canary would replace`, {
            key: true,
            hint: 'Remove the traffic-split plugin from the template and express the split as the overlay\'s `canary`, or remove the canary.',
            related: [relatedAt(s.canary.from.file, s.canary.from.pointer, 'canary set here')],
          });
        }
      }
    }
  },
};
