import type { ApisixConfig, ApisixKind, ApisixObject, ApisixRoute } from '../model/apisix.js';
import { KIND, kindRank } from '../apisix/kinds/index.js';
import { cmp } from '../model/diagnostic.js';
import type { ObjectDiff, RoutingChange } from './model.js';
import { DESCRIPTIVE_FIELDS, isAtOrBelow } from './objects.js';
import type { ObjectRef } from '../model/apisix.js';
import { referencesOf } from '../apisix/references.js';
import { compareMethods, HTTP_METHODS } from '../apisix/http-methods.js';

export { HTTP_METHODS } from '../apisix/http-methods.js';

function refKey(ref: ObjectRef): string {
  return `${ref.kind}\u0000${ref.id}`;
}

function compareRefs(a: ObjectRef, b: ObjectRef): number {
  return kindRank(a.kind) - kindRank(b.kind) || cmp(a.id, b.id);
}

/** Who handles the requests to one host + method + path on one side. */
interface Handling {
  readonly routes: Set<string>;
  /** Every object the matching routes depend on (the routes, their services and upstreams). */
  readonly chain: Map<string, ObjectRef>;
}

function stringList(value: unknown): string[] | null {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string') ? (value as string[]) : null;
}

/**
 * The requests a route matches as APISIX matches them: its own `hosts` (or `host`), else its
 * service's; no hosts at all matches any host (null). `uris` (or `uri`) as written; no `methods`
 * matches every method. A route with `status: 0` is disabled and matches nothing.
 */
function matchedBy(route: ApisixRoute, services: ReadonlyMap<string, ApisixObject>): { hosts: (string | null)[]; paths: string[]; methods: readonly string[] } {
  if (route.status === 0) return { hosts: [], paths: [], methods: [] };
  const service = route.service_id === undefined ? undefined : services.get(String(route.service_id));
  const hosts = stringList(route.hosts) ?? (typeof route.host === 'string' ? [route.host] : null) ?? stringList(service?.hosts) ?? (typeof service?.host === 'string' ? [service.host] : null) ?? [null];
  const paths = stringList(route.uris) ?? (typeof route.uri === 'string' ? [route.uri] : []);
  const methods = stringList(route.methods) ?? HTTP_METHODS;
  return { hosts, paths, methods };
}

function handlingKey(host: string | null, path: string, method: string): string {
  return JSON.stringify([host, path, method]);
}

function routingTable(config: ApisixConfig): Map<string, Handling> {
  const services = new Map<string, ApisixObject>(config.services.map((s) => [String(s.id), s]));
  const table = new Map<string, Handling>();
  for (const route of config.routes) {
    const id = String(route.id);
    const chain = new Map<string, ObjectRef>();
    const add = (ref: ObjectRef) => chain.set(refKey(ref), ref);
    add({ kind: 'routes', id });
    for (const ref of referencesOf(KIND.routes, route)) {
      add(ref);
      const service = ref.kind === 'services' ? services.get(ref.id) : undefined;
      if (service) for (const inner of referencesOf(KIND.services, service)) add(inner);
    }
    const { hosts, paths, methods } = matchedBy(route, services);
    for (const host of hosts) {
      for (const path of paths) {
        for (const method of methods) {
          const key = handlingKey(host, path, method);
          let handling = table.get(key);
          if (!handling) table.set(key, (handling = { routes: new Set(), chain: new Map() }));
          handling.routes.add(id);
          for (const [k, ref] of chain) handling.chain.set(k, ref);
        }
      }
    }
  }
  return table;
}

/**
 * Fields whose change shows as starts and stops of the requests they match rather than as a
 * change of how the requests that stay are handled: what decides which requests a route matches
 * (a service's hosts are its routes' default). Other kinds match nothing.
 */
const MATCH_FIELDS: Readonly<Partial<Record<ApisixKind, readonly string[]>>> = {
  services: ['/hosts', '/host'],
  routes: ['/uris', '/uri', '/methods', '/hosts', '/host'],
};

/**
 * Objects whose change can alter how the requests they keep matching are handled: not when only
 * names, labels or descriptions change, nor only what they match.
 */
function routingRelevant(changes: readonly ObjectDiff[]): Map<string, ObjectRef> {
  const out = new Map<string, ObjectRef>();
  for (const c of changes) {
    const ignored = [...DESCRIPTIVE_FIELDS, ...(MATCH_FIELDS[c.kind] ?? [])];
    const relevant = c.change === 'added' || c.change === 'removed' || (c.change === 'changed' && c.fields.some((f) => !ignored.some((d) => isAtOrBelow(f, d))));
    if (relevant) out.set(refKey(c), { kind: c.kind, id: c.id });
  }
  return out;
}

const CHANGE_ORDER: Readonly<Record<RoutingChange['change'], number>> = { starts: 0, changes: 1, stops: 2 };

/**
 * Which hosts, paths and methods start, stop or change routing between two configurations,
 * given the object changes between them (from `diffObjects`, so both agree on what changed).
 * Requests are grouped per host + path + change + routes + causes, with their methods merged.
 * Pure.
 */
export function routingImpact(before: ApisixConfig, after: ApisixConfig, changes: readonly ObjectDiff[]): RoutingChange[] {
  const tableB = routingTable(before);
  const tableA = routingTable(after);
  const relevant = routingRelevant(changes);
  const grouped = new Map<string, { change: RoutingChange['change']; host: string | null; path: string; methods: Set<string>; routes: string[]; causes: ObjectRef[] }>();
  const record = (key: string, change: RoutingChange['change'], routes: Iterable<string>, causes: readonly ObjectRef[]) => {
    const [host, path, method] = JSON.parse(key) as [string | null, string, string];
    const routeList = [...routes].sort(cmp);
    const causeList = [...causes].sort(compareRefs);
    const groupKey = JSON.stringify([host, path, change, routeList, causeList.map(refKey)]);
    let entry = grouped.get(groupKey);
    if (!entry) grouped.set(groupKey, (entry = { change, host, path, methods: new Set(), routes: routeList, causes: causeList }));
    entry.methods.add(method);
  };

  for (const [key, handling] of tableA) {
    const previous = tableB.get(key);
    if (!previous) {
      record(key, 'starts', handling.routes, []);
      continue;
    }
    const causes = new Map<string, ObjectRef>();
    for (const id of new Set([...handling.routes, ...previous.routes])) {
      if (!handling.routes.has(id) || !previous.routes.has(id)) causes.set(refKey({ kind: 'routes', id }), { kind: 'routes', id });
    }
    for (const [k, ref] of [...handling.chain, ...previous.chain]) if (relevant.has(k)) causes.set(k, ref);
    if (causes.size > 0) record(key, 'changes', handling.routes, [...causes.values()]);
  }
  for (const [key, handling] of tableB) {
    if (!tableA.has(key)) record(key, 'stops', handling.routes, []);
  }

  return [...grouped.values()]
    .map((g) => ({ change: g.change, host: g.host, path: g.path, methods: [...g.methods].sort(compareMethods), routes: g.routes, causes: g.causes }))
    .sort(
      (x, y) =>
        (x.host === null ? 1 : 0) - (y.host === null ? 1 : 0) ||
        cmp(x.host ?? '', y.host ?? '') ||
        cmp(x.path, y.path) ||
        CHANGE_ORDER[x.change] - CHANGE_ORDER[y.change] ||
        cmp(x.methods.join(), y.methods.join()),
    );
}
