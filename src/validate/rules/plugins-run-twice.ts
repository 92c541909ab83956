import { joinPointer } from '../../load/yaml-file.js';
import type { GlobalRuleSpec } from '../../model/config.js';
import type { Diagnostic, RelatedLocation } from '../../model/diagnostic.js';
import { cmp } from '../../model/diagnostic.js';
import type { GroupObjectEntry } from '../entries.js';
import type { ClaimingService } from './route-conflicts.js';
import type { Rule } from './rule.js';
import { describeFile, finding, relatedAt } from './rule.js';

/** A service a group publishes, with the template its routes and plugins come from. */
type PublishedService = Pick<ClaimingService, 'name' | 'template'>;

/**
 * A plugin of a global rule that a service the group publishes also has, on the service or on a
 * route (TW3045, a warning): APISIX runs a global rule's plugins on every request, then the
 * route's and service's, so such a plugin runs twice on that service's requests (two logs, two
 * counts, two rate limits). Reported at the global rule's plugin, once per service, with each
 * place in the service's template related. Only the services the group publishes count, as the
 * versions it runs them at.
 */
export const pluginsRunTwice: Rule = {
  name: 'plugins-run-twice',
  scope: 'routes',
  *check(ctx) {
    for (const { group, services } of ctx.resolved) {
      yield* findPluginsRunTwice(group.group, ctx.repo.groupObjects['global-rule'].get(group.group), services);
    }
  },
};

/** The findings of `pluginsRunTwice` in one group: its global rules against the services it publishes. */
export function findPluginsRunTwice(
  group: string,
  rules: ReadonlyMap<string, GroupObjectEntry<GlobalRuleSpec>> | undefined,
  services: readonly PublishedService[],
): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (rules === undefined || rules.size === 0) return out;
  for (const name of [...rules.keys()].sort(cmp)) {
    const { file, spec } = rules.get(name)!;
    for (const plugin of Object.keys(spec.plugins)) {
      for (const service of services) {
        const places = placesOf(plugin, service);
        if (places.length === 0) continue;
        out.push(
          finding('TW3045', file, joinPointer('plugins', plugin), `plugin ${plugin} of global rule ${name} is also on service ${service.name}, so APISIX runs it twice on its requests`, {
            key: true,
            severity: 'warning',
            hint: `Keep ${plugin} in one place for gateway group ${group}: remove it from this global rule, or from ${describeFile(service.template.file)} (a new version of ${service.name}).`,
            related: places,
          }),
        );
      }
    }
  }
  return out;
}

/** Where a service's template sets `plugin`: on the service, then on each route, in file order. */
function placesOf(plugin: string, service: PublishedService): RelatedLocation[] {
  const { file, spec } = service.template;
  const places: RelatedLocation[] = [];
  if (spec.plugins !== undefined && Object.hasOwn(spec.plugins, plugin)) {
    places.push(relatedAt(file, joinPointer('plugins', plugin), `${plugin} on service ${service.name}`));
  }
  for (const [i, route] of spec.routes.entries()) {
    if (route.plugins !== undefined && Object.hasOwn(route.plugins, plugin)) {
      places.push(relatedAt(file, joinPointer('routes', i, 'plugins', plugin), `${plugin} on route ${route.name} of service ${service.name}`));
    }
  }
  return places;
}
