/**
 * Probes derived from the routes a sync changed (`checks.probe_changed_routes: true`): one per
 * route the target's plan created or updated, asking what a client would — its host, a concrete
 * path for its uri, a method it allows — and expecting that the gateway routes it somewhere that
 * answers: not APISIX's own 404 (no route matched) and not 5xx. An answer such as 401, or a
 * backend's 404 for the made-up path, passes: the route matched.
 *
 * Only routes a GET or HEAD reaches are probed (a probe never sends a write), and only those whose
 * match can be made from their uri and hosts alone: a route with `vars`, `filter_func` or
 * `remote_addrs` conditions is left out, as is one without a host it can name (only wildcards).
 */
import type { ApisixConfig, ApisixObject } from '../../model/apisix.js';
import type { ProbeSpec } from '../../model/target.js';
import type { StepSummary } from '../report.js';

/**
 * The statuses a derived probe accepts: anything but 5xx. A 404 passes unless its body is
 * APISIX's own (`APISIX_NOT_FOUND`: no route matched); a backend's 404 for the made-up path
 * (`/pets/1`) means the route matched.
 */
export const DERIVED_STATUS: readonly string[] = ['100-499'];

/** The body APISIX answers when no route matches (`apisix/init.lua`: `{"error_msg":"404 Route Not Found"}`). */
export const APISIX_NOT_FOUND = /"error_msg"\s*:\s*"404 Route Not Found"/;

/**
 * The routes a plan's writes reach, in the snapshot: those it creates or updates, those of a
 * service it creates or updates, and those whose upstream (their own `upstream_id`, or their
 * service's) it creates or updates. A change of nodes or of a service's plugins is judged on the
 * routes that carry it.
 */
export function affectedRoutes(steps: readonly StepSummary[], config: ApisixConfig): Set<string> {
  const written = (kind: string) => new Set(steps.filter((s) => s.kind === kind && (s.op === 'create' || s.op === 'update')).map((s) => s.id));
  const routes = written('routes');
  const services = written('services');
  const upstreams = written('upstreams');
  const serviceUpstream = new Map(config.services.map((s) => [s.id, typeof s.upstream_id === 'string' ? s.upstream_id : undefined]));
  const out = new Set<string>();
  for (const r of config.routes) {
    const service = typeof r.service_id === 'string' ? r.service_id : undefined;
    const upstream = typeof r.upstream_id === 'string' ? r.upstream_id : service === undefined ? undefined : serviceUpstream.get(service);
    if (routes.has(r.id) || (service !== undefined && services.has(service)) || (upstream !== undefined && upstreams.has(upstream))) out.add(r.id);
  }
  return out;
}

/** The probes of the routes a plan's writes reach (`affectedRoutes`), by the snapshot's route objects. */
export function derivedProbes(steps: readonly StepSummary[], config: ApisixConfig): ProbeSpec[] {
  const affected = affectedRoutes(steps, config);
  const services = new Map(config.services.map((s) => [s.id, s]));
  const out: ProbeSpec[] = [];
  for (const route of config.routes) {
    if (!affected.has(route.id)) continue;
    const probe = probeOf(route, typeof route.service_id === 'string' ? services.get(route.service_id) : undefined);
    if (probe !== null) out.push(probe);
  }
  return out;
}

/** A probe for one route, or null when it cannot be asked safely. */
export function probeOf(route: ApisixObject, service: ApisixObject | undefined): ProbeSpec | null {
  if (route.vars !== undefined || route.filter_func !== undefined || route.remote_addrs !== undefined || route.remote_addr !== undefined) return null;
  const methods = route.methods as readonly string[] | undefined;
  const method = methods === undefined || methods.includes('GET') ? 'GET' : methods.includes('HEAD') ? 'HEAD' : null;
  if (method === null) return null;
  const uris = (route.uris as readonly string[] | undefined) ?? (typeof route.uri === 'string' ? [route.uri] : []);
  const uri = uris[0];
  if (uri === undefined) return null;
  const hosts = (route.hosts as readonly string[] | undefined) ?? (typeof route.host === 'string' ? [route.host] : undefined) ?? (service?.hosts as readonly string[] | undefined) ?? [];
  const host = hosts.length === 0 ? undefined : (hosts.find((h) => !h.startsWith('*')) ?? null);
  if (host === null) return null;
  return {
    name: `route ${route.id}`,
    method,
    path: concretePath(uri),
    ...(host !== undefined ? { host } : {}),
    status: DERIVED_STATUS,
  };
}

/**
 * A path the uri matches: a `*` (prefix or parameter match) becomes `probe`, a `:name`
 * parameter `1`; `/pets/*` → `/pets/probe`, `/pets/:id/photos` → `/pets/1/photos`.
 */
export function concretePath(uri: string): string {
  return uri
    .split('/')
    .map((segment) => (segment.startsWith(':') && segment.length > 1 ? '1' : segment.replace(/\*/g, 'probe')))
    .join('/');
}
