import type { Rule } from './rule.js';
import { finding, relatedAt } from './rule.js';

/** The lists of named routes in a template: the code of a name used twice, and how to say one. */
const LISTS = [
  { key: 'routes', code: 'TW3002', singular: 'route' },
  { key: 'stream_routes', code: 'TW3032', singular: 'stream route' },
] as const;

/**
 * Route names are unique within a service (TW3002), and so are stream route names (TW3032): they
 * become the ids `<service>.<route>` of their kind.
 */
export const uniqueRouteNames: Rule = {
  name: 'unique-route-names',
  scope: 'file',
  *check(ctx) {
    for (const t of ctx.templates) {
      for (const list of LISTS) {
        const first = new Map<string, number>();
        for (const [i, route] of (t.spec[list.key] ?? []).entries()) {
          const seen = first.get(route.name);
          if (seen === undefined) {
            first.set(route.name, i);
            continue;
          }
          yield finding(list.code, t.file, `/${list.key}/${i}/name`, `${list.singular} name \`${route.name}\` is used twice in service ${t.service}`, {
            hint: `Give each ${list.singular} of a service its own name; it becomes the APISIX ${list.singular} id <service>.<name>.`,
            related: [relatedAt(t.file, `/${list.key}/${seen}/name`, 'first used here')],
          });
        }
      }
    }
  },
};
