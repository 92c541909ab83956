/**
 * The resource types tagway does not write but reads for their references (src/sync/referrers.ts):
 * objects of these kinds that use an upstream or a service block a plan that deletes it. What
 * APISIX checks of each (`apisix/admin/upstreams.lua`, `services.lua`): stream routes use
 * upstreams and services by `upstream_id` / `service_id`; global rules use upstreams through
 * `traffic-split`'s `weighted_upstreams[].upstream_id`. (Consumers, consumer groups and plugin
 * configs, which tagway writes, have modules of their own.)
 *
 * A kind that tagway comes to write moves from here to a module of its own in registry.ts.
 */
import type { ResourceType } from './descriptor.js';
import { SERVICE_ID, TRAFFIC_SPLIT_UPSTREAMS, UPSTREAM_ID } from './reference-rules.js';

export const REFERRER_KIND_NAMES = ['stream_routes', 'global_rules'] as const;
export type ReferrerKind = (typeof REFERRER_KIND_NAMES)[number];

function plainKind<N extends ReferrerKind>(name: N, singular: string, references: ResourceType['references']): ResourceType<N> {
  return { name, singular, admin: { list: name, object: `${name}/{id}` }, id: { field: 'id' }, standalone: { key: name }, references };
}

export const REFERRER_KIND: { readonly [K in ReferrerKind]: ResourceType<K> } = {
  stream_routes: plainKind('stream_routes', 'stream route', [SERVICE_ID, UPSTREAM_ID]),
  global_rules: plainKind('global_rules', 'global rule', [TRAFFIC_SPLIT_UPSTREAMS]),
};

/** In the order the preflight reads them. */
export const REFERRER_KINDS: readonly ResourceType<ReferrerKind>[] = REFERRER_KIND_NAMES.map((name) => REFERRER_KIND[name]);
