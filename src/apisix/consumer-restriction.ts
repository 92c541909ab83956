/**
 * What APISIX's `consumer-restriction` plugin compares a request with (apisix/plugins/
 * consumer-restriction.lua, Apache APISIX f519a0f): by `type` (default `consumer_name`) the
 * consumer's username, its consumer group's id, the service's id or the route's id, against the
 * names listed in `whitelist`, `blacklist` and `allowed_by_methods[].user`.
 */

/** What the listed names are names of; null for ids of services or routes (or an unknown type). */
export type RestrictedKind = 'consumer' | 'consumer-group';

/** One listed name and where it is, as keys below the plugin's configuration. */
export interface RestrictedName {
  readonly name: string;
  readonly path: readonly (string | number)[];
}

/** The names a consumer-restriction configured as `conf` lists, and what they name (null: not consumers). */
export function restrictedNames(conf: unknown): { readonly kind: RestrictedKind; readonly names: readonly RestrictedName[] } | null {
  if (typeof conf !== 'object' || conf === null || Array.isArray(conf)) return null;
  const c = conf as Readonly<Record<string, unknown>>;
  const type = c['type'] ?? 'consumer_name';
  const kind: RestrictedKind | null = type === 'consumer_name' ? 'consumer' : type === 'consumer_group_id' ? 'consumer-group' : null;
  if (kind === null) return null;
  const names: RestrictedName[] = [];
  for (const list of ['whitelist', 'blacklist'] as const) {
    const value = c[list];
    if (!Array.isArray(value)) continue;
    value.forEach((name, i) => {
      if (typeof name === 'string') names.push({ name, path: [list, i] });
    });
  }
  const byMethods = c['allowed_by_methods'];
  if (Array.isArray(byMethods)) {
    byMethods.forEach((entry, i) => {
      const user = typeof entry === 'object' && entry !== null ? (entry as Readonly<Record<string, unknown>>)['user'] : undefined;
      if (typeof user === 'string') names.push({ name: user, path: ['allowed_by_methods', i, 'user'] });
    });
  }
  return { kind, names };
}
