/** Reference rules shared by several kinds (see `ReferenceRule` in descriptor.ts). */
import type { ReferenceRule } from './descriptor.js';

/** `upstream_id`: the upstream an object sends requests to. */
export const UPSTREAM_ID: ReferenceRule = { kind: 'upstreams', at: ['upstream_id'] };

/** `service_id`: the service a route (or stream route) belongs to. */
export const SERVICE_ID: ReferenceRule = { kind: 'services', at: ['service_id'] };

/**
 * The upstreams of the `traffic-split` plugin, `rules[].weighted_upstreams[].upstream_id`: APISIX's
 * upstream `delete_checker` looks for them in every kind that has plugins.
 */
export const TRAFFIC_SPLIT_UPSTREAMS: ReferenceRule = {
  kind: 'upstreams',
  at: ['plugins', 'traffic-split', 'rules', '*', 'weighted_upstreams', '*', 'upstream_id'],
};

/**
 * The client certificate an inline upstream presents to its nodes, `upstream.tls.client_cert_id`
 * (an SSL of `type: client`, as for an upstream object): APISIX checks it when a route or service
 * is written, and does not stop the SSL's delete, so the planner must.
 */
export const INLINE_UPSTREAM_CLIENT_CERT: ReferenceRule = { kind: 'ssls', at: ['upstream', 'tls', 'client_cert_id'] };
