import type { Sourced } from '../resolved.js';
import { groupObjectPath } from '../../load/layout.js';
import { isServerSsl, nameCovers, snisOf, sslsOf } from '../certificates.js';
import type { Rule } from './rule.js';
import { finding } from './rule.js';

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
    // `services` is read only for a group that terminates TLS: reading it merges every service,
    // which a compile whose records came from its cache would otherwise never parse.
    for (const resolved of ctx.resolved) {
      const group = resolved.group;
      const ssls = sslsOf(ctx.repo, group.group).filter((e) => isServerSsl(e.spec));
      if (ssls.length === 0) continue;
      const services = resolved.services;
      const snis = ssls.flatMap((e) => snisOf(e.spec).map((s) => s.sni));
      const covered = (host: string) => snis.some((sni) => nameCovers(sni, host));
      const hint = `Add the host to the snis of an SSL certificate of the group (${groupObjectPath('ssl', group.group, '<name>')}), or serve it from a group without TLS.`;
      const uncovered = (hosts: Sourced<readonly string[]>, service: string) =>
        hosts.value.flatMap((host, i) =>
          covered(host)
            ? []
            : [finding('TW3040', hosts.from.file, `${hosts.from.pointer}/${i}`, `host ${host} of service ${service} is not covered by any SSL certificate of group ${group.group}`, { severity: 'warning', hint })],
        );
      for (const service of services) {
        if (service.hosts !== null) yield* uncovered(service.hosts, service.name);
        const { file, spec } = service.template;
        for (const [r, route] of spec.routes.entries()) {
          if (route.hosts !== undefined) yield* uncovered({ value: route.hosts, from: { file, pointer: `/routes/${r}/hosts` } }, service.name);
        }
      }
    }
  },
};
