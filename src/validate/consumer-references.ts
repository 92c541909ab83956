/**
 * What plugins say about a gateway group's consumers: the auth plugins that look a request's
 * consumer up among them. A service's references depend on its template alone (plugins are not
 * runtime fields), so compile keeps them per unit, beside its route claims, and the `repo` rules
 * compare them with each group's consumer files (RuleContext.referencing).
 */
import { consumerLookupPlugins } from '../apisix/consumer-auth.js';
import { joinPointer } from '../load/yaml-file.js';
import type { Plugins, ServiceTemplate } from '../model/config.js';
import type { TemplateEntry } from './entries.js';

/** A reference to the group's consumers, at `pointer` (a plugin's key) of the file it is in. */
export type ConsumerReference =
  /** A plugin that refuses a request unless a consumer holding one of `plugins` matches it. */
  { readonly kind: 'auth'; readonly plugins: readonly string[]; readonly pointer: string };

/** A published service as a group runs it, with its template's references. */
export interface ReferencingService {
  readonly group: string;
  readonly service: string;
  readonly template: TemplateEntry;
  readonly references: readonly ConsumerReference[];
}

/** The references of a template's plugins (service-wide, then each route's). */
export function templateReferences(template: ServiceTemplate): ConsumerReference[] {
  const out = authReferences(template.plugins, '/plugins');
  template.routes.forEach((route, i) => {
    out.push(...authReferences(route.plugins, `/routes/${i}/plugins`));
  });
  return out;
}

/** The auth plugins of `plugins` (at `at`) that need a consumer of the group. */
export function authReferences(plugins: Plugins | undefined, at: string): ConsumerReference[] {
  return Object.entries(plugins ?? {}).flatMap(([name, conf]) => {
    const lookup = consumerLookupPlugins(name, conf);
    return lookup.length === 0 ? [] : [{ kind: 'auth' as const, plugins: lookup, pointer: `${at}${joinPointer(name)}` }];
  });
}
