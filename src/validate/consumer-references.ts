/**
 * What plugins say about a gateway group's consumers: the auth plugins that look a request's
 * consumer up among them, and the consumers and consumer groups a `consumer-restriction` names.
 * A service's references depend on its template alone (plugins are not runtime fields), so
 * compile keeps them per unit, beside its route claims, and the `repo` rules compare them with
 * each group's consumer files (RuleContext.referencing).
 */
import { consumerLookupPlugins } from '../apisix/consumer-auth.js';
import { restrictedNames } from '../apisix/consumer-restriction.js';
import type { RestrictedKind } from '../apisix/consumer-restriction.js';
import { joinPointer } from '../load/yaml-file.js';
import type { Plugins, ServiceTemplate } from '../model/config.js';
import type { TemplateEntry } from './entries.js';

/** A reference to the group's consumers, at `pointer` (a plugin's key, or a listed name) of the file it is in. */
export type ConsumerReference =
  /** A plugin that refuses a request unless a consumer holding one of `plugins` matches it. */
  | { readonly kind: 'auth'; readonly plugins: readonly string[]; readonly pointer: string }
  /** A consumer's username or a consumer group's name. */
  | { readonly kind: RestrictedKind; readonly name: string; readonly pointer: string };

/** A published service as a group runs it, with its template's references. */
export interface ReferencingService {
  readonly group: string;
  readonly service: string;
  readonly template: TemplateEntry;
  readonly references: readonly ConsumerReference[];
}

/** The references of a template's plugins (service-wide, then each route's). */
export function templateReferences(template: ServiceTemplate): ConsumerReference[] {
  const out = [...authReferences(template.plugins, '/plugins'), ...restrictionReferences(template.plugins, '/plugins')];
  template.routes.forEach((route, i) => {
    out.push(...authReferences(route.plugins, `/routes/${i}/plugins`), ...restrictionReferences(route.plugins, `/routes/${i}/plugins`));
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

/** The names a `consumer-restriction` of `plugins` (at `at`) lists, when they name consumers or consumer groups. */
export function restrictionReferences(plugins: Plugins | undefined, at: string): ConsumerReference[] {
  const listed = restrictedNames(plugins?.['consumer-restriction']);
  if (listed === null) return [];
  return listed.names.map(({ name, path }) => ({ kind: listed.kind, name, pointer: `${at}${joinPointer('consumer-restriction', ...path)}` }));
}
