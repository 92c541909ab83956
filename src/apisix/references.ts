/**
 * How APISIX objects refer to each other by id, and how messages name an object. Used by the
 * planner (deletes still in use), the diff (what a change affects) and the preflight (objects of
 * kinds tagway does not write that use its upstreams and services).
 */
import type { ApisixKind, ObjectRef } from '../model/apisix.js';

/**
 * The kinds read for their references, and what APISIX checks of each
 * (`apisix/admin/upstreams.lua`, `services.lua`): stream routes use upstreams and services by
 * `upstream_id` / `service_id`; plugin configs, global rules, consumers and consumer groups use
 * upstreams through `traffic-split`'s `weighted_upstreams[].upstream_id`.
 */
export const REFERRER_KINDS = ['stream_routes', 'plugin_configs', 'global_rules', 'consumers', 'consumer_groups'] as const;
export type ReferrerKind = (typeof REFERRER_KINDS)[number];

const SINGULAR: Readonly<Record<ApisixKind | ReferrerKind, string>> = {
  upstreams: 'upstream',
  services: 'service',
  routes: 'route',
  stream_routes: 'stream route',
  plugin_configs: 'plugin config',
  global_rules: 'global rule',
  consumers: 'consumer',
  consumer_groups: 'consumer group',
};

/** `route petstore.list`: how messages name an object. */
export function describeObject(kind: ApisixKind | ReferrerKind, id: string): string {
  return `${SINGULAR[kind]} ${id}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The objects `obj` refers to by id, as APISIX checks them on delete
 * (`apisix/admin/{services,upstreams}.lua` `delete_checker`): `service_id`, `upstream_id`, and
 * the upstreams of a `traffic-split` plugin.
 */
export function referencesOf(obj: Readonly<Record<string, unknown>>): ObjectRef[] {
  const refs: ObjectRef[] = [];
  if (obj.service_id !== undefined) refs.push({ kind: 'services', id: String(obj.service_id) });
  if (obj.upstream_id !== undefined) refs.push({ kind: 'upstreams', id: String(obj.upstream_id) });
  const split = isRecord(obj.plugins) ? obj.plugins['traffic-split'] : undefined;
  const rules = isRecord(split) && Array.isArray(split.rules) ? split.rules : [];
  for (const rule of rules) {
    const weighted = isRecord(rule) && Array.isArray(rule.weighted_upstreams) ? rule.weighted_upstreams : [];
    for (const w of weighted) {
      if (isRecord(w) && w.upstream_id !== undefined) refs.push({ kind: 'upstreams', id: String(w.upstream_id) });
    }
  }
  return refs;
}
