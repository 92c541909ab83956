/**
 * The served set of an APISIX gateway, from its Admin API objects: for every (host, method, uri)
 * a route matches, where a request goes. The Admin API test server keeps it, when asked, after
 * every request, and records each moment a key served at the start (or at `markServed`) was lost
 * or sent elsewhere: how the scenarios prove a sync never drops a route (docs/adoption.md).
 *
 * - Keys: each host of the route's `hosts` / `host`, else of its service's `hosts`, else any host
 *   (`*`); each method of `methods`, else every method APISIX routes; each of `uris` / `uri`. A
 *   route with `status: 0` serves nothing.
 * - Destination: the upstream the route resolves to (`upstream`, `upstream_id`, then its
 *   service's `upstream`, `upstream_id`) as its nodes (host, port, weight), `type` and `scheme`
 *   (APISIX's defaults `roundrobin`, `http`); `none` when it resolves to nothing.
 * - Among the routes with one key the highest `priority` (default 0) wins; routes of equal
 *   priority give the set of their destinations.
 *
 * Left out: matching by `vars`, `remote_addrs`, `filter_func`, plugins that route elsewhere
 * (`traffic-split`, `redirect`), wildcard hosts and uris as patterns (they are keys as written).
 */

type JsonObject = Record<string, unknown>;

/** Methods APISIX routes (`apisix/schema_def.lua` `method_schema`): a route without `methods` matches each. */
const METHODS = ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PURGE', 'PUT', 'TRACE'] as const;

/** key (`host method uri`) → the destinations it goes to, sorted and joined. */
export type ServedSet = ReadonlyMap<string, string>;

/** A key served at the mark, lost or sent elsewhere after a request. */
export interface ServedViolation {
  /** The request after which it was seen: `DELETE /apisix/admin/routes/1`. */
  readonly after: string;
  readonly key: string;
  readonly was: string;
  /** Where it goes now; null: nowhere (no route matches). */
  readonly now: string | null;
}

/** The objects the served set is made from, by id. */
export interface ServedSources {
  readonly routes: ReadonlyMap<string, JsonObject>;
  readonly services: ReadonlyMap<string, JsonObject>;
  readonly upstreams: ReadonlyMap<string, JsonObject>;
}

function strings(value: unknown): string[] | null {
  return Array.isArray(value) && value.length > 0 ? value.map(String) : null;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An upstream as where it sends requests: nodes, balancing type, scheme. */
function destinationOf(upstream: JsonObject | undefined): string {
  if (upstream === undefined) return 'none';
  const raw = upstream['nodes'];
  const nodes: string[] = [];
  if (Array.isArray(raw)) {
    for (const n of raw) if (isObject(n)) nodes.push(`${String(n['host'])}:${String(n['port'] ?? '')}@${String(n['weight'] ?? 1)}`);
  } else if (isObject(raw)) {
    for (const [address, weight] of Object.entries(raw)) nodes.push(`${address}@${String(weight)}`);
  }
  if (upstream['discovery_type'] !== undefined) nodes.push(`discovery:${String(upstream['discovery_type'])}/${String(upstream['service_name'])}`);
  nodes.sort();
  return `${String(upstream['scheme'] ?? 'http')}://${String(upstream['type'] ?? 'roundrobin')}[${nodes.join(',')}]`;
}

/** Every key each route matches and where it goes, the highest priority winning. */
export function servedSet(sources: ServedSources): ServedSet {
  const best = new Map<string, { priority: number; destinations: Set<string> }>();
  for (const route of sources.routes.values()) {
    if (route['status'] === 0) continue;
    const service = typeof route['service_id'] === 'string' || typeof route['service_id'] === 'number' ? sources.services.get(String(route['service_id'])) : undefined;
    const hosts = strings(route['hosts']) ?? (typeof route['host'] === 'string' ? [route['host']] : null) ?? strings(service?.['hosts']) ?? ['*'];
    const methods = strings(route['methods']) ?? [...METHODS];
    const uris = strings(route['uris']) ?? (typeof route['uri'] === 'string' ? [route['uri']] : []);
    const upstream = isObject(route['upstream'])
      ? route['upstream']
      : route['upstream_id'] !== undefined
        ? sources.upstreams.get(String(route['upstream_id']))
        : isObject(service?.['upstream'])
          ? (service['upstream'] as JsonObject)
          : service?.['upstream_id'] !== undefined
            ? sources.upstreams.get(String(service['upstream_id']))
            : undefined;
    const destination = destinationOf(upstream);
    const priority = typeof route['priority'] === 'number' ? route['priority'] : 0;
    for (const host of hosts) {
      for (const method of methods) {
        for (const uri of uris) {
          const key = `${host} ${method} ${uri}`;
          const found = best.get(key);
          if (found === undefined || priority > found.priority) best.set(key, { priority, destinations: new Set([destination]) });
          else if (priority === found.priority) found.destinations.add(destination);
        }
      }
    }
  }
  return new Map([...best].map(([key, { destinations }]) => [key, [...destinations].sort().join(' | ')]));
}

/** The keys of `before` that `now` loses or sends elsewhere. */
export function servedViolations(before: ServedSet, now: ServedSet, after: string): ServedViolation[] {
  const out: ServedViolation[] = [];
  for (const [key, was] of before) {
    const is = now.get(key);
    if (is !== was) out.push({ after, key, was, now: is ?? null });
  }
  return out;
}
