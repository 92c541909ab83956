import { joinPointer } from '../../load/yaml-file.js';
import type { GlobalRuleSpec, ServiceTemplate } from '../../model/config.js';
import type { Diagnostic, RelatedLocation, SourceLocation } from '../../model/diagnostic.js';
import { cmp } from '../../model/diagnostic.js';
import type { GroupObjectEntry, TemplateEntry } from '../entries.js';
import type { Rule } from './rule.js';
import { describeFile, finding, relatedAt } from './rule.js';

/**
 * A place where a service's template sets a plugin: a pure function of the template (plugins are
 * not runtime fields), so compile keeps a unit's places in its record, and the rule parses no
 * template of a unit whose record it has. A place is located (`at`) only once a finding relates
 * it, since that costs a parse of the template with positions; compile then keeps the record with
 * the place located (src/compile/rules.ts).
 */
export interface PluginPlace {
  readonly plugin: string;
  /** `/plugins/<plugin>` or `/routes/<i>/plugins/<plugin>` of the template. */
  readonly pointer: string;
  /** What the finding says of the place (`prometheus on route home of service web`). */
  readonly message: string;
  /** The place in the template's file, once located; null before. */
  readonly at: SourceLocation | null;
}

/** A service a group publishes, with where its template sets each plugin, and how to locate a place. */
export interface PluginService {
  readonly name: string;
  readonly template: TemplateEntry;
  readonly places: readonly PluginPlace[];
  /** `place` (one of `places`) as a related location of a finding. */
  readonly locate: (place: PluginPlace) => RelatedLocation;
}

/**
 * A plugin of a global rule that a service the group publishes also has, on the service, in a
 * plugin config one of its routes uses, or on a route (TW3045, a warning): APISIX runs a global
 * rule's plugins on every request, then the route's and service's, so such a plugin runs twice
 * on that service's requests (two logs, two counts, two rate limits). Reported at the global rule's plugin, once per service, with each
 * place in the service's template related. Only the services the group publishes count, as the
 * versions it runs them at.
 */
export const pluginsRunTwice: Rule = {
  name: 'plugins-run-twice',
  scope: 'routes',
  *check(ctx) {
    for (const { group, services } of ctx.resolved) {
      const placed = services.map(({ name, template }) => ({
        name,
        template,
        places: pluginPlaces(name, template.spec),
        locate: (place: PluginPlace) => relatedAt(template.file, place.pointer, place.message),
      }));
      yield* findPluginsRunTwice(group.group, ctx.repo.groupObjects['global-rule'].get(group.group), placed);
    }
  },
};

/** The findings of `pluginsRunTwice` in one group: its global rules against the services it publishes. */
export function findPluginsRunTwice(
  group: string,
  rules: ReadonlyMap<string, GroupObjectEntry<GlobalRuleSpec>> | undefined,
  services: readonly PluginService[],
): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (rules === undefined || rules.size === 0) return out;
  for (const name of [...rules.keys()].sort(cmp)) {
    const { file, spec } = rules.get(name)!;
    for (const plugin of Object.keys(spec.plugins)) {
      for (const service of services) {
        const places = service.places.filter((p) => p.plugin === plugin).map(service.locate);
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

/**
 * Where `template` (of `service`) sets each plugin that runs: on the service, in each plugin
 * config a route uses (an unused one runs nowhere), then on each route, in file order; not
 * located.
 */
export function pluginPlaces(service: string, template: ServiceTemplate): PluginPlace[] {
  const places: PluginPlace[] = [];
  for (const plugin of Object.keys(template.plugins ?? {})) {
    places.push({ plugin, pointer: joinPointer('plugins', plugin), message: `${plugin} on service ${service}`, at: null });
  }
  const used = new Set(template.routes.flatMap((route) => (route.plugin_config === undefined ? [] : [route.plugin_config])));
  for (const [name, config] of Object.entries(template.plugin_configs ?? {})) {
    if (!used.has(name)) continue;
    for (const plugin of Object.keys(config.plugins)) {
      places.push({ plugin, pointer: joinPointer('plugin_configs', name, 'plugins', plugin), message: `${plugin} in plugin config ${name} of service ${service}`, at: null });
    }
  }
  for (const [i, route] of template.routes.entries()) {
    for (const plugin of Object.keys(route.plugins ?? {})) {
      places.push({ plugin, pointer: joinPointer('routes', i, 'plugins', plugin), message: `${plugin} on route ${route.name} of service ${service}`, at: null });
    }
  }
  return places;
}
