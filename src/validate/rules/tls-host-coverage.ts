import type { Diagnostic, SourceLocation } from '../../model/diagnostic.js';
import type { CheckedRepo } from '../entries.js';
import type { ResolvedService } from '../resolved.js';
import { groupObjectPath } from '../../load/layout.js';
import { isServerSsl, nameCovers, snisOf, sslsOf } from '../certificates.js';
import type { Rule } from './rule.js';

/**
 * A host a service is routed by, and where it is set: a pure function of the merged service
 * (its template and overlay), so compile keeps a unit's places in its record and the rule merges
 * no service whose record it has. A place is located (`at`) only once a finding is made at it,
 * and compile then keeps the record with the place located (src/compile/rules.ts).
 */
export interface HostPlace {
  readonly host: string;
  /** The file that sets it: the unit's template, or its overlay. */
  readonly in: 'template' | 'overlay';
  /** `/hosts/<i>` or `/routes/<r>/hosts/<i>` of that file. */
  readonly pointer: string;
  /** The place in that file, once located; null before. */
  readonly at: SourceLocation | null;
}

/** A service a group publishes, with the places of its hosts, and how to locate a place. */
export interface HostService {
  readonly name: string;
  readonly places: readonly HostPlace[];
  readonly locate: (place: HostPlace) => SourceLocation;
}

/**
 * In a gateway group that terminates TLS (it has at least one server SSL), every host a service
 * is routed by is among the SNIs of one of its SSLs (TW3040, a warning): an HTTPS request for
 * another host finds no certificate and fails its handshake. Reported at the host, in the
 * overlay or template that sets it (a route's own `hosts` in the template). Hosts are compared
 * ignoring case; an SNI `*.example.com` covers one label below example.com. A group of the
 * `routes` scope: it looks at every service the group runs, and at the group's SSL files.
 */
export const tlsHostCoverage: Rule = {
  name: 'tls-host-coverage',
  scope: 'routes',
  *check(ctx) {
    // `services` is read only for a group that terminates TLS: reading it merges every service.
    for (const resolved of ctx.resolved) {
      const snis = serverSnis(ctx.repo, resolved.group.group);
      if (snis === null) continue;
      yield* findUncoveredHosts(
        resolved.group.group,
        snis,
        resolved.services.map((service) => ({
          name: service.name,
          places: hostPlaces(service),
          locate: (place) => (place.in === 'overlay' ? service.overlay!.file : service.template.file).locate(place.pointer),
        })),
      );
    }
  },
};

/** The SNIs of the group's server SSLs; null when it has none (it does not terminate TLS). */
export function serverSnis(repo: CheckedRepo, group: string): string[] | null {
  const ssls = sslsOf(repo, group).filter((e) => isServerSsl(e.spec));
  return ssls.length === 0 ? null : ssls.flatMap((e) => snisOf(e.spec).map((s) => s.sni));
}

/** The findings of `tlsHostCoverage` in one group that terminates TLS (`snis`: `serverSnis`). */
export function findUncoveredHosts(group: string, snis: readonly string[], services: readonly HostService[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const hint = `Add the host to the snis of an SSL certificate of the group (${groupObjectPath('ssl', group, '<name>')}), or serve it from a group without TLS.`;
  for (const service of services) {
    for (const place of service.places) {
      if (snis.some((sni) => nameCovers(sni, place.host))) continue;
      out.push({
        code: 'TW3040',
        severity: 'warning',
        message: `host ${place.host} of service ${service.name} is not covered by any SSL certificate of group ${group}`,
        ...service.locate(place),
        hint,
        related: [],
      });
    }
  }
  return out;
}

/** Where `service` sets each host it is routed by: its own `hosts` (overlay or template), then each route's, in file order; not located. */
export function hostPlaces(service: ResolvedService): HostPlace[] {
  const places: HostPlace[] = [];
  const own = service.hosts;
  if (own !== null) {
    const from = service.overlay !== null && own.from.file === service.overlay.file ? 'overlay' : 'template';
    for (const [i, host] of own.value.entries()) places.push({ host, in: from, pointer: `${own.from.pointer}/${i}`, at: null });
  }
  for (const [r, route] of service.template.spec.routes.entries()) {
    for (const [i, host] of (route.hosts ?? []).entries()) places.push({ host, in: 'template', pointer: `/routes/${r}/hosts/${i}`, at: null });
  }
  return places;
}
