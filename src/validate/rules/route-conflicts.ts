import { canonicalJson } from '../../core/canonical.js';
import { HTTP_METHODS } from '../../apisix/http-methods.js';
import { prefixedUri } from '../../core/route-paths.js';
import type { TemplateEntry } from '../entries.js';
import type { Diagnostic } from '../../model/diagnostic.js';
import { overlayPath, templatePath } from '../../load/layout.js';
import type { Rule } from './rule.js';
import { describeFile, finding, relatedAt } from './rule.js';
import type { ResolvedService } from '../resolved.js';


/** One (host, method, path, vars + priority) a route of a service matches: `key` says which. */
export interface RouteClaim {
  readonly key: string;
  /** Index of the route in the template's `routes`, and of the uri in its `uris`. */
  readonly route: number;
  readonly uri: number;
}

/** A service of a group with the claims of its routes, in the order compile resolved the services. */
export interface ClaimingService {
  readonly name: string;
  /** The template the routes come from (read only to report a conflict). */
  readonly template: TemplateEntry;
  readonly claims: readonly RouteClaim[];
}

interface Claim {
  readonly service: ClaimingService;
  readonly route: number;
  readonly uri: number;
}

/**
 * Inside a gateway group, no two routes (from any services) match the same host + method + path
 * after path prefixes are applied (TW3009). Routes that differ in `vars` or `priority` are told
 * apart by the gateway and do not conflict; a route without hosts is a fallback for every host
 * and does not conflict with host-specific routes (APISIX matches host-specific routes first).
 * Each conflict is reported once, at the route that claims second (in service, then route
 * order), with the first one under `related`.
 */
export const routeConflicts: Rule = {
  name: 'route-conflicts',
  scope: 'routes',
  *check(ctx) {
    for (const { group, services } of ctx.resolved) {
      yield* findRouteConflicts(
        group.group,
        services.map((s) => ({ name: s.name, template: s.template, claims: routeClaims(s) })),
      );
    }
  },
};

/** What each route of a resolved service matches; a pure function of the merged service. */
export function routeClaims(service: ResolvedService): RouteClaim[] {
  const claims: RouteClaim[] = [];
  for (const [r, route] of service.template.spec.routes.entries()) {
    const hosts = route.hosts ?? service.hosts?.value ?? ['*'];
    const methods = route.methods ?? HTTP_METHODS;
    const discriminator = route.vars === undefined && route.priority === undefined ? DEFAULT_DISCRIMINATOR : canonicalJson([route.vars ?? null, route.priority ?? 0]);
    for (const [u, uri] of route.uris.entries()) {
      const path = prefixedUri(service.pathPrefix?.value, uri);
      for (const host of hosts) {
        for (const method of methods) claims.push({ key: `${host}\u0000${method}\u0000${path}\u0000${discriminator}`, route: r, uri: u });
      }
    }
  }
  return claims;
}

const DEFAULT_DISCRIMINATOR = canonicalJson([null, 0]);

/** The conflicts among the claims of one group's services (services in resolution order). */
export function findRouteConflicts(group: string, services: readonly ClaimingService[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const claims = new Map<string, Claim>();
  const reported = new Set<string>();
  for (const service of services) {
    for (const { key, route: r, uri: u } of service.claims) {
      const first = claims.get(key);
      if (!first) {
        claims.set(key, { service, route: r, uri: u });
        continue;
      }
      const pairKey = `${first.service.name}.${first.route}|${service.name}.${r}`;
      if (reported.has(pairKey)) continue;
      reported.add(pairKey);
      // host and method hold no NUL, and the discriminator (canonical JSON) escapes it.
      const afterHost = key.indexOf('\u0000');
      const afterMethod = key.indexOf('\u0000', afterHost + 1);
      const path = key.slice(afterMethod + 1, key.lastIndexOf('\u0000'));
      out.push(conflict(group, { service, route: r, uri: u }, first, key.slice(0, afterHost), key.slice(afterHost + 1, afterMethod), path));
    }
  }
  return out;
}

function conflict(group: string, later: Claim, first: Claim, host: string, method: string, path: string): Diagnostic {
  const what = `${method} ${host === '*' ? '(any host)' : host}${path}`;
  const name = (c: Claim) => `${c.service.name}.${c.service.template.spec.routes[c.route]!.name}`;
  const pointer = (c: Claim) => `/routes/${c.route}/uris/${c.uri}`;
  return finding('TW3009', later.service.template.file, pointer(later), `route ${name(later)} conflicts with route ${name(first)} in group ${group}: both match ${what}`, {
    hint: conflictHint(group, later.service, first.service),
    related: [relatedAt(first.service.template.file, pointer(first), `route ${name(first)} (${describeFile(first.service.template.file)})`)],
  });
}

/**
 * What can be changed: a draft's routes themselves; a published version's routes only through a
 * new version, or (for routes of two services) through the group's overlay of one of them, whose
 * `hosts` and `path_prefix` may differ per group without a new version.
 */
function conflictHint(group: string, a: ClaimingService, b: ClaimingService): string {
  const tagged = [a, b].flatMap((s) => (s.template.tag === null ? [] : [s.template.tag.tag]));
  if (tagged.length === 0) {
    return "Change one route's path, methods or hosts, give one of them `vars` or a different `priority`, or use a different path_prefix in this group.";
  }
  const versions = [...new Set(tagged)].join(' and ');
  const republish = `change a route in ${a.name === b.name ? templatePath(a.name) : `${templatePath(a.name)} or ${templatePath(b.name)}`} and publish a new version`;
  if (a.name === b.name) return `Both routes are in ${versions}, a published version, which does not change: ${republish}.`;
  return `Both routes come from published versions (${versions}), which do not change. In group ${group}, give one service other \`hosts\` or a \`path_prefix\` in its overlay (${overlayPath(group, a.name)} or ${overlayPath(group, b.name)}), or ${republish}.`;
}
