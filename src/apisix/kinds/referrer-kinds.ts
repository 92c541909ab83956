/**
 * The resource types tagway does not write but reads for their references (src/sync/referrers.ts):
 * objects of these kinds that use an upstream or a service would block a plan that deletes it.
 * None is left: every kind of APISIX that can use an upstream or a service (routes, services,
 * stream routes, consumers, consumer groups, plugin configs, global rules) is one tagway writes,
 * with a module of its own, and the planner sees its objects. The list stays so the preflight
 * reads nothing and a plan gets no `still-referenced` conflict from here.
 *
 * A kind that tagway comes to write moves from here to a module of its own in registry.ts; a kind
 * that comes here is a `ResourceType` (name, singular, admin paths, `id`, standalone key,
 * references).
 */
import type { ResourceType } from './descriptor.js';

export const REFERRER_KIND_NAMES = [] as const;
export type ReferrerKind = (typeof REFERRER_KIND_NAMES)[number];

export const REFERRER_KIND: { readonly [K in ReferrerKind]: ResourceType<K> } = {};

/** In the order the preflight reads them. */
export const REFERRER_KINDS: readonly ResourceType<ReferrerKind>[] = REFERRER_KIND_NAMES.map((name) => REFERRER_KIND[name]);
