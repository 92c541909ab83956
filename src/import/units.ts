/**
 * How a gateway's routes become tagway services: one service per APISIX service and the upstream
 * its routes go to. A route that names its own upstream (by id or inline) beside its service's
 * makes a service of its own with that service's plugins and hosts; routes without a service go
 * together by the upstream they name, and one with an inline upstream (or none) stands alone.
 */
import type { ApisixConfig, ApisixRoute, ApisixService, ApisixStreamRoute } from '../model/apisix.js';

/** One tagway service to be: its APISIX service (if any), its upstream, its routes and stream routes. */
export interface Unit {
  /** Sort key and identity: stable for the same gateway. */
  readonly key: string;
  readonly service: ApisixService | null;
  /** The upstream object its routes go to (by id), or an inline upstream. */
  readonly upstream: { readonly id: string | null; readonly value: Readonly<Record<string, unknown>> } | null;
  readonly routes: ApisixRoute[];
  readonly streamRoutes: ApisixStreamRoute[];
}

/** What grouping found that no unit can hold: a route that goes to no upstream, a dangling id. */
export interface Unplaced {
  readonly kind: 'routes' | 'stream_routes' | 'services' | 'upstreams';
  readonly id: string;
  readonly reason: string;
}

export function unitsOf(config: ApisixConfig): { units: Unit[]; unplaced: Unplaced[] } {
  const services = new Map(config.services.map((s) => [s.id, s]));
  const upstreams = new Map(config.upstreams.map((u) => [u.id, u]));
  const units = new Map<string, Unit>();
  const unplaced: Unplaced[] = [];
  const unit = (key: string, service: ApisixService | null, upstream: Unit['upstream']): Unit => {
    let found = units.get(key);
    if (!found) units.set(key, (found = { key, service, upstream, routes: [], streamRoutes: [] }));
    return found;
  };
  const byId = (id: unknown): Unit['upstream'] | 'missing' => {
    const u = upstreams.get(String(id));
    return u ? { id: u.id, value: u } : 'missing';
  };

  for (const route of config.routes) {
    const service = route.service_id !== undefined ? services.get(String(route.service_id)) : undefined;
    if (route.service_id !== undefined && !service) {
      unplaced.push({ kind: 'routes', id: route.id, reason: `its service_id ${String(route.service_id)} names no service of the gateway` });
      continue;
    }
    const own = ownUpstream(route, byId);
    if (own === 'missing') {
      unplaced.push({ kind: 'routes', id: route.id, reason: `its upstream_id ${String(route.upstream_id)} names no upstream of the gateway` });
      continue;
    }
    if (service) {
      if (own !== null) {
        unit(`service:${service.id}|${own.id !== null ? `upstream:${own.id}` : `route:${route.id}`}`, service, own).routes.push(route);
        continue;
      }
      const inherited = serviceUpstream(service, byId);
      if (inherited === 'missing') {
        unplaced.push({ kind: 'routes', id: route.id, reason: `its service ${service.id} names an upstream_id that names no upstream of the gateway` });
        continue;
      }
      if (inherited === null) {
        unplaced.push({ kind: 'routes', id: route.id, reason: 'it goes to no upstream (neither it nor its service has one); a tagway service always has one' });
        continue;
      }
      unit(`service:${service.id}`, service, inherited).routes.push(route);
      continue;
    }
    if (own === null) {
      unplaced.push({ kind: 'routes', id: route.id, reason: 'it goes to no upstream and has no service; a tagway service always has an upstream' });
      continue;
    }
    unit(own.id !== null ? `upstream:${own.id}` : `route:${route.id}`, null, own).routes.push(route);
  }

  // A stream route joins the unit that holds its upstream (or its service); L4 needs one of them.
  const units1 = [...units.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const byUpstream = new Map<string, Unit>();
  const byService = new Map<string, Unit>();
  for (const u of units1) {
    if (typeof u.upstream?.id === 'string' && !byUpstream.has(u.upstream.id)) byUpstream.set(u.upstream.id, u);
    if (u.service && u.upstream?.id === serviceUpstreamId(u.service) && !byService.has(u.service.id)) byService.set(u.service.id, u);
  }
  for (const sr of config.stream_routes) {
    const target = sr.upstream_id !== undefined ? byUpstream.get(String(sr.upstream_id)) : sr.service_id !== undefined ? byService.get(String(sr.service_id)) : undefined;
    if (target) target.streamRoutes.push(sr);
    else
      unplaced.push({
        kind: 'stream_routes',
        id: sr.id,
        reason:
          sr.upstream !== undefined
            ? 'it has an inline upstream; in tagway a stream route goes to its service\'s upstream'
            : 'no imported service goes to its upstream (a tagway service needs at least one HTTP route)',
      });
  }

  const used = new Set(units1.map((u) => u.service?.id).filter((id): id is string => id !== undefined));
  for (const s of config.services) {
    if (!used.has(s.id)) unplaced.push({ kind: 'services', id: s.id, reason: 'no route of the gateway uses it (a tagway service needs at least one route)' });
  }
  const reached = new Set(units1.map((u) => u.upstream?.id).filter((id): id is string => typeof id === 'string'));
  for (const u of config.upstreams) {
    if (!reached.has(u.id)) unplaced.push({ kind: 'upstreams', id: u.id, reason: 'no imported route goes to it (only routes and their services own upstreams in tagway)' });
  }
  return { units: units1, unplaced };
}

function ownUpstream(route: ApisixRoute, byId: (id: unknown) => Unit['upstream'] | 'missing'): Unit['upstream'] | 'missing' {
  if (route.upstream_id !== undefined) return byId(route.upstream_id);
  const inline = route['upstream'];
  return isRecord(inline) ? { id: null, value: inline } : null;
}

function serviceUpstream(service: ApisixService, byId: (id: unknown) => Unit['upstream'] | 'missing'): Unit['upstream'] | 'missing' {
  if (service.upstream_id !== undefined) return byId(service.upstream_id);
  const inline = service['upstream'];
  return isRecord(inline) ? { id: null, value: inline } : null;
}

function serviceUpstreamId(service: ApisixService | null): string | null | undefined {
  if (!service) return undefined;
  return service.upstream_id !== undefined ? String(service.upstream_id) : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

