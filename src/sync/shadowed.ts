/**
 * Routes on a gateway that the group does not manage and that take the requests of one of the
 * snapshot's routes (`Plan.shadowed`): after a sync that succeeds, the group's route would not
 * serve them. Reported as warnings, never as conflicts: the sync goes ahead, and the other route
 * is not tagway's to touch. Pure.
 *
 * When a route takes another's requests follows APISIX's default HTTP router,
 * `radixtree_host_uri` (apisix/http/router/radixtree_host_uri.lua over lua-resty-radixtree's
 * lib/resty/radixtree.lua), and is conservative: only what surely or possibly takes them.
 *
 * - Only enabled routes are routed (`status` absent or 1).
 * - Hosts: a route's `hosts`, else its `host`, else its service's `hosts` (by `service_id`). Each
 *   host string is a key of the host router, with a router of uris of its own; host-less routes
 *   go to a second router, tried only when no host's router matched. Two routes compete only in
 *   the same router: both host-less, or sharing a host string as written. A wildcard host
 *   (`*.example.com`) is a prefix key, tried after the exact host: it never takes the requests of
 *   a route on `api.example.com`. A host-specific route takes the host-less route's requests for
 *   its hosts whatever their priorities, and a route on `api.example.com` those of a route on
 *   `*.example.com`: the more specific route, as APISIX means it, while the other still serves
 *   every other host. Not reported.
 * - Uris: only the same uri string (of `uris`, else `uri`). Within a router, an exact uri is
 *   looked up before any prefix (`/pets/*`), whatever the priorities, so a prefix never takes an
 *   exact uri's requests; a more specific uri under a route's prefix takes that path from it
 *   whatever the priorities, but the prefix still serves the rest. Not reported either.
 * - Methods overlap (`methods` absent or empty: every method).
 * - Among routes at the same uri string, the higher `priority` (default 0) is tried first:
 *   greater takes the requests; equal may (radixtree keeps routes of equal priority in the order
 *   the gateway loaded them, which tagway neither knows nor sets).
 * - `vars`, `filter_func` and `remote_addrs`/`remote_addr` are further conditions: a route with
 *   them takes only the requests they match, reported as "some of" its requests. `script` is not
 *   a condition of the match (it replaces the route's plugins once matched): such a route takes
 *   every request it matches.
 *
 * Linear in the routes: the other routes are indexed by uri, and each of the snapshot's uris is
 * looked up once.
 */
import { LABEL_SERVICE, type ApisixObject } from '../model/apisix.js';
import { cmp } from '../model/diagnostic.js';
import { compareMethods } from '../apisix/http-methods.js';

/** A route of the gateway that takes (or may take) the requests of one of the snapshot's routes. */
export interface ShadowedRoute {
  /** The snapshot's route whose requests are taken, and its priority. */
  readonly route: string;
  readonly priority: number;
  /** The other route, its priority, and the tagway group that owns it (null: no group). */
  readonly by: string;
  readonly byPriority: number;
  readonly byGroup: string | null;
  /** What both match: hosts (null: any host, neither has one), methods (null: every method), uris. */
  readonly hosts: readonly string[] | null;
  readonly methods: readonly string[] | null;
  readonly uris: readonly string[];
  /** `takes`: the other route's priority is greater; `may-take`: equal. */
  readonly certainty: 'takes' | 'may-take';
  /** The other route's conditions that let it take only some requests (`vars`, `filter_func`, `remote_addrs`); empty: all. */
  readonly only: readonly string[];
  readonly message: string;
  readonly hint: string;
}

/** A route of the gateway the group does not manage, with the tagway group that owns it (null: none). */
export interface OtherRoute {
  readonly route: ApisixObject;
  readonly group: string | null;
}

/** How the router sees a route: null for a route it never matches (disabled, no uri, empty hosts). */
interface Matcher {
  readonly id: string;
  readonly uris: readonly string[];
  /** null: host-less (the second router). */
  readonly hosts: ReadonlySet<string> | null;
  /** null: every method. */
  readonly methods: ReadonlySet<string> | null;
  readonly priority: number;
  readonly only: readonly string[];
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

function matcherOf(route: ApisixObject, serviceHosts: ReadonlyMap<string, unknown>): Matcher | null {
  if (route.status !== undefined && route.status !== 1) return null;
  const uris = strings(route.uris) ?? (typeof route.uri === 'string' ? [route.uri] : []);
  // `hosts`, else `host`, else the service's; an empty list puts the route in no router at all.
  const hosts =
    route.hosts !== undefined ? strings(route.hosts) : typeof route.host === 'string' ? [route.host] : typeof route.service_id === 'string' ? strings(serviceHosts.get(route.service_id)) : undefined;
  if (uris.length === 0 || hosts?.length === 0) return null;
  const methods = strings(route.methods);
  const only = [
    ...(route.vars !== undefined ? ['vars'] : []),
    ...(route.filter_func !== undefined ? ['filter_func'] : []),
    ...(route.remote_addrs !== undefined || route.remote_addr !== undefined ? ['remote_addrs'] : []),
  ];
  return {
    id: String(route.id),
    uris,
    hosts: hosts === undefined ? null : new Set(hosts),
    methods: methods === undefined || methods.length === 0 ? null : new Set(methods),
    priority: typeof route.priority === 'number' ? route.priority : 0,
    only,
  };
}

/** Both null: null (both every one); one null: the other; else the common ones ([] when none). */
function common(a: ReadonlySet<string> | null, b: ReadonlySet<string> | null): string[] | null {
  if (a === null) return b === null ? null : [...b];
  if (b === null) return [...a];
  return [...a].filter((x) => b.has(x));
}

/**
 * The pairs (snapshot route, other route) where the other takes or may take the first's
 * requests, by route id then the other's id. `desired` is the snapshot's routes and services;
 * `others` the gateway's routes the group neither owns, writes nor retires; `liveServices` the
 * gateway's services (for the hosts of an other route's `service_id`; the snapshot's service
 * of that id wins, as the gateway holds it after the sync).
 */
export function findShadowedRoutes(
  group: string,
  desired: { readonly routes: readonly ApisixObject[]; readonly services: readonly ApisixObject[] },
  others: readonly OtherRoute[],
  liveServices: readonly ApisixObject[],
): ShadowedRoute[] {
  if (others.length === 0) return [];
  const serviceHosts = new Map<string, unknown>();
  for (const s of liveServices) serviceHosts.set(String(s.id), s.hosts);
  for (const s of desired.services) serviceHosts.set(String(s.id), s.hosts);

  const byUri = new Map<string, Array<{ readonly matcher: Matcher; readonly group: string | null }>>();
  for (const other of others) {
    const matcher = matcherOf(other.route, serviceHosts);
    if (matcher === null) continue;
    for (const uri of new Set(matcher.uris)) {
      const list = byUri.get(uri);
      if (list === undefined) byUri.set(uri, [{ matcher, group: other.group }]);
      else list.push({ matcher, group: other.group });
    }
  }
  if (byUri.size === 0) return [];

  const found = new Map<string, { route: ApisixObject; mine: Matcher; theirs: Matcher; group: string | null; hosts: string[] | null; methods: string[] | null; uris: Set<string> }>();
  const ruledOut = new Set<string>();
  for (const route of desired.routes) {
    const mine = matcherOf(route, serviceHosts);
    if (mine === null) continue;
    for (const uri of mine.uris) {
      for (const { matcher: theirs, group: owner } of byUri.get(uri) ?? []) {
        // A NUL is in no id: the key tells pairs apart.
        const key = `${mine.id}\u0000${theirs.id}`;
        const seen = found.get(key);
        if (seen !== undefined) {
          seen.uris.add(uri);
          continue;
        }
        if (ruledOut.has(key)) continue;
        const hosts = mine.hosts === null || theirs.hosts === null ? (mine.hosts === theirs.hosts ? null : []) : common(mine.hosts, theirs.hosts);
        const methods = common(mine.methods, theirs.methods);
        if (theirs.priority < mine.priority || hosts?.length === 0 || methods?.length === 0) {
          ruledOut.add(key);
          continue;
        }
        found.set(key, { route, mine, theirs, group: owner, hosts, methods, uris: new Set([uri]) });
      }
    }
  }

  const out: ShadowedRoute[] = [];
  for (const { route, mine, theirs, group: owner, hosts, methods, uris } of found.values()) {
    const certainty = theirs.priority > mine.priority ? 'takes' : 'may-take';
    const shared = {
      hosts: hosts === null ? null : hosts.sort(cmp),
      methods: methods === null ? null : methods.sort(compareMethods),
      uris: [...uris].sort(cmp),
    };
    out.push({
      route: mine.id,
      priority: mine.priority,
      by: theirs.id,
      byPriority: theirs.priority,
      byGroup: owner,
      ...shared,
      certainty,
      only: theirs.only,
      message: shadowMessage(group, mine, theirs, owner, certainty, shared),
      hint: shadowHint(group, route, mine, theirs, owner),
    });
  }
  return out.sort((a, b) => cmp(a.route, b.route) || cmp(a.by, b.by));
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

function shadowMessage(
  group: string,
  mine: Matcher,
  theirs: Matcher,
  owner: string | null,
  certainty: 'takes' | 'may-take',
  shared: { readonly hosts: readonly string[] | null; readonly methods: readonly string[] | null; readonly uris: readonly string[] },
): string {
  const who = owner === null ? `route ${theirs.id} (priority ${theirs.priority}), which tagway does not manage,` : `route ${theirs.id} (priority ${theirs.priority}) of tagway group ${owner}`;
  const some = theirs.only.length > 0 ? 'some of ' : '';
  const verb = certainty === 'takes' ? 'takes' : 'may take';
  const which = theirs.only.length > 0 ? ` (those that match its ${theirs.only.join(' and ')})` : '';
  const why = certainty === 'may-take' ? '; APISIX does not order routes of equal priority' : '';
  const methods = shared.methods === null ? 'any method' : shared.methods.join(', ');
  const hosts = shared.hosts === null ? 'any host' : `${plural(shared.hosts.length, 'host')} ${shared.hosts.join(', ')}`;
  return (
    `${who} ${verb} ${some}the requests of tagway group ${group}'s route ${mine.id} (priority ${mine.priority})${which}${why}: ` +
    `both match ${methods} on ${hosts} at ${plural(shared.uris.length, 'uri')} ${shared.uris.join(', ')}`
  );
}

function shadowHint(group: string, route: ApisixObject, mine: Matcher, theirs: Matcher, owner: string | null): string {
  const service = route.labels?.[LABEL_SERVICE];
  const template = service === undefined ? "its service's template" : `services/${service}/service.yaml`;
  const raise = `give route ${mine.id} a priority above ${theirs.priority} in ${template} (a new version)`;
  if (owner !== null) return `${raise}, or change or remove route ${theirs.id} in tagway group ${owner}`;
  return (
    `${raise}, or remove route ${theirs.id} from the gateway, or, if route ${mine.id} replaces it, retire it ` +
    `in gateway-groups/${group}/adopt.yaml (routes: "${theirs.id}": ${mine.id}; docs/adoption.md)`
  );
}
