/**
 * The resource types tagway does not write but reads for their references (src/sync/referrers.ts):
 * objects of these kinds that use an upstream block a plan that deletes it. What APISIX checks
 * (`apisix/admin/upstreams.lua`): global rules use upstreams through `traffic-split`'s
 * `weighted_upstreams[].upstream_id`. (Consumers, consumer groups, plugin configs and stream
 * routes, which tagway writes, have modules of their own.)
 *
 * A kind that tagway comes to write moves from here to a module of its own in registry.ts.
 */
import type { ResourceType } from './descriptor.js';
import { TRAFFIC_SPLIT_UPSTREAMS } from './reference-rules.js';

export const REFERRER_KIND_NAMES = ['global_rules'] as const;
export type ReferrerKind = (typeof REFERRER_KIND_NAMES)[number];

function plainKind<N extends ReferrerKind>(name: N, singular: string, references: ResourceType['references']): ResourceType<N> {
  return { name, singular, admin: { list: name, object: `${name}/{id}` }, id: { field: 'id' }, standalone: { key: name }, references };
}

export const REFERRER_KIND: { readonly [K in ReferrerKind]: ResourceType<K> } = {
  global_rules: plainKind('global_rules', 'global rule', [TRAFFIC_SPLIT_UPSTREAMS]),
};

/** In the order the preflight reads them. */
export const REFERRER_KINDS: readonly ResourceType<ReferrerKind>[] = REFERRER_KIND_NAMES.map((name) => REFERRER_KIND[name]);
