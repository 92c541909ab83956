import type { Rule } from './rule.js';
import { finding, relatedAt } from './rule.js';

/** Route names are unique within a service: they become the route ids `<service>.<route>` (TW3002). */
export const uniqueRouteNames: Rule = {
  name: 'unique-route-names',
  scope: 'file',
  *check(ctx) {
    for (const t of ctx.templates) {
      const first = new Map<string, number>();
      for (const [i, route] of t.spec.routes.entries()) {
        const seen = first.get(route.name);
        if (seen === undefined) {
          first.set(route.name, i);
          continue;
        }
        yield finding('TW3002', t.file, `/routes/${i}/name`, `route name \`${route.name}\` is used twice in service ${t.service}`, {
          hint: 'Give each route of a service its own name; it becomes the APISIX route id <service>.<route>.',
          related: [relatedAt(t.file, `/routes/${seen}/name`, 'first used here')],
        });
      }
    }
  },
};
