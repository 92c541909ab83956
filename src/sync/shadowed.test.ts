/**
 * Cases of `findShadowedRoutes` (shadowed.ts): when a route the group does not manage takes the
 * requests of one of the snapshot's routes, as APISIX's default router decides it; and how
 * `planSync` picks the routes it looks at (`Plan.shadowed`).
 */
import { describe, expect, it } from 'vitest';
import type { ApisixConfig, ApisixObject } from '../model/apisix.js';
import { emptyConfig } from '../apisix/kinds/index.js';
import { findShadowedRoutes, type OtherRoute, type ShadowedRoute } from './shadowed.js';
import { invertPlan, planSync } from './plan.js';

const mine = { 'managed-by': 'tagway', 'tagway.group': 'staging', 'tagway.service': 'petstore' };
const route = (id: string, extra: Record<string, unknown> = {}): ApisixObject => ({ id, labels: mine, service_id: 'petstore', uris: ['/pets'], ...extra });
const foreign = (id: string, extra: Record<string, unknown> = {}): ApisixObject => ({ id, uris: ['/pets'], ...extra });
const service = (id: string, hosts?: string[]): ApisixObject => ({ id, ...(hosts !== undefined ? { hosts } : {}) });

/** `route <- other: takes | hosts | methods | uris`, the facts of a finding without its wording. */
function summary(s: ShadowedRoute): string {
  const only = s.only.length > 0 ? ` some (${s.only.join(', ')})` : '';
  return `${s.route} <- ${s.by}: ${s.certainty}${only} | ${s.hosts?.join(',') ?? 'any host'} | ${s.methods?.join(',') ?? 'any method'} | ${s.uris.join(',')}`;
}

interface Case {
  readonly name: string;
  readonly routes: readonly ApisixObject[];
  readonly others: readonly ApisixObject[];
  /** The snapshot's services; default: petstore without hosts. */
  readonly services?: readonly ApisixObject[];
  readonly liveServices?: readonly ApisixObject[];
  readonly found: readonly string[];
}

const cases: readonly Case[] = [
  // Priority.
  { name: 'a greater priority on the same uri, neither with hosts: takes', routes: [route('petstore.list')], others: [foreign('9', { priority: 10 })], found: ['petstore.list <- 9: takes | any host | any method | /pets'] },
  { name: 'an equal priority: may take', routes: [route('petstore.list', { priority: 3 })], others: [foreign('9', { priority: 3 })], found: ['petstore.list <- 9: may-take | any host | any method | /pets'] },
  { name: 'both without priority (0): may take', routes: [route('petstore.list')], others: [foreign('9')], found: ['petstore.list <- 9: may-take | any host | any method | /pets'] },
  { name: 'a lower priority: not reported', routes: [route('petstore.list', { priority: 5 })], others: [foreign('9', { priority: 4 })], found: [] },
  { name: 'the same two priorities the other way round: reported', routes: [route('petstore.list', { priority: 4 })], others: [foreign('9', { priority: 5 })], found: ['petstore.list <- 9: takes | any host | any method | /pets'] },
  { name: 'a negative priority of the snapshot\'s route against the default', routes: [route('petstore.list', { priority: -1 })], others: [foreign('9')], found: ['petstore.list <- 9: takes | any host | any method | /pets'] },
  // Hosts.
  { name: 'a shared host (the other has one more): takes, naming the shared one', routes: [route('petstore.list', { hosts: ['shop.example', 'api.example'] })], others: [foreign('9', { hosts: ['shop.example', 'other.example'], priority: 1 })], found: ['petstore.list <- 9: takes | shop.example | any method | /pets'] },
  { name: 'no shared host: not reported', routes: [route('petstore.list', { hosts: ['shop.example'] })], others: [foreign('9', { hosts: ['other.example'], priority: 1 })], found: [] },
  { name: 'a host-specific route of the snapshot against a host-less other: not reported (the host router goes first)', routes: [route('petstore.list', { hosts: ['shop.example'] })], others: [foreign('9', { priority: 100 })], found: [] },
  { name: 'a host-less route of the snapshot against a host-specific other: not reported (the rest of the hosts are served)', routes: [route('petstore.list')], others: [foreign('9', { hosts: ['shop.example'], priority: 100 })], found: [] },
  { name: 'a wildcard other against an exact host: not reported (the exact host is looked up first)', routes: [route('petstore.list', { hosts: ['api.example.com'] })], others: [foreign('9', { hosts: ['*.example.com'], priority: 100 })], found: [] },
  { name: 'an exact other against a wildcard host: not reported (the other hosts are served)', routes: [route('petstore.list', { hosts: ['*.example.com'] })], others: [foreign('9', { hosts: ['api.example.com'], priority: 100 })], found: [] },
  { name: 'the same wildcard host: takes', routes: [route('petstore.list', { hosts: ['*.example.com'] })], others: [foreign('9', { hosts: ['*.example.com'], priority: 1 })], found: ['petstore.list <- 9: takes | *.example.com | any method | /pets'] },
  { name: "the other's single host field", routes: [route('petstore.list', { hosts: ['shop.example'] })], others: [foreign('9', { host: 'shop.example', priority: 1 })], found: ['petstore.list <- 9: takes | shop.example | any method | /pets'] },
  {
    name: "the snapshot route's hosts from its service",
    routes: [route('petstore.list')],
    services: [service('petstore', ['shop.example'])],
    others: [foreign('9', { hosts: ['shop.example'], priority: 1 })],
    found: ['petstore.list <- 9: takes | shop.example | any method | /pets'],
  },
  {
    name: "the snapshot route's own hosts before its service's",
    routes: [route('petstore.list', { hosts: ['api.example'] })],
    services: [service('petstore', ['shop.example'])],
    others: [foreign('9', { hosts: ['shop.example'], priority: 1 })],
    found: [],
  },
  {
    name: "the other's hosts from its service on the gateway",
    routes: [route('petstore.list', { hosts: ['shop.example'] })],
    others: [foreign('9', { service_id: 's1', priority: 1 })],
    liveServices: [service('s1', ['shop.example'])],
    found: ['petstore.list <- 9: takes | shop.example | any method | /pets'],
  },
  {
    name: "the other's service as the snapshot holds it, when it is one of the snapshot's",
    routes: [route('petstore.list', { hosts: ['new.example'] })],
    services: [service('petstore', ['new.example'])],
    others: [foreign('9', { service_id: 'petstore', priority: 1 })],
    liveServices: [service('petstore', ['old.example'])],
    found: ['petstore.list <- 9: takes | new.example | any method | /pets'],
  },
  { name: 'an other with an empty host list is in no router: not reported', routes: [route('petstore.list')], others: [foreign('9', { hosts: [], priority: 1 })], found: [] },
  { name: 'several shared hosts, in code-point order whatever the order written', routes: [route('petstore.list', { hosts: ['shop.example', 'api.example', 'b.example'] })], others: [foreign('9', { hosts: ['b.example', 'shop.example', 'api.example'], priority: 1 })], found: ['petstore.list <- 9: takes | api.example,b.example,shop.example | any method | /pets'] },
  // Methods.
  { name: 'disjoint methods: not reported', routes: [route('petstore.list', { methods: ['GET'] })], others: [foreign('9', { methods: ['POST', 'PUT'], priority: 1 })], found: [] },
  { name: 'overlapping methods: the shared ones, in APISIX order', routes: [route('petstore.list', { methods: ['POST', 'GET', 'PUT'] })], others: [foreign('9', { methods: ['PUT', 'GET'], priority: 1 })], found: ['petstore.list <- 9: takes | any host | GET,PUT | /pets'] },
  { name: 'shared methods in APISIX order, not in code-point order', routes: [route('petstore.list', { methods: ['DELETE', 'POST'] })], others: [foreign('9', { methods: ['POST', 'DELETE'], priority: 1 })], found: ['petstore.list <- 9: takes | any host | POST,DELETE | /pets'] },
  { name: 'methods on one side only: those', routes: [route('petstore.list')], others: [foreign('9', { methods: ['DELETE'], priority: 1 })], found: ['petstore.list <- 9: takes | any host | DELETE | /pets'] },
  { name: 'an empty method list is every method', routes: [route('petstore.list', { methods: ['GET'] })], others: [foreign('9', { methods: [], priority: 1 })], found: ['petstore.list <- 9: takes | any host | GET | /pets'] },
  // Uris.
  { name: 'a prefix of the other over an exact uri: not reported (exact uris are looked up first)', routes: [route('petstore.list', { uris: ['/pets/1'] })], others: [foreign('9', { uris: ['/pets/*'], priority: 100 })], found: [] },
  { name: 'an exact uri of the other under a prefix of the snapshot: not reported (the rest of the prefix is served)', routes: [route('petstore.list', { uris: ['/pets/*'] })], others: [foreign('9', { uris: ['/pets/1'], priority: 100 })], found: [] },
  { name: 'the same prefix: takes', routes: [route('petstore.list', { uris: ['/pets/*'] })], others: [foreign('9', { uris: ['/pets/*'], priority: 1 })], found: ['petstore.list <- 9: takes | any host | any method | /pets/*'] },
  { name: "the other's single uri field", routes: [route('petstore.list')], others: [{ id: '9', uri: '/pets', priority: 1 }], found: ['petstore.list <- 9: takes | any host | any method | /pets'] },
  { name: 'uris before uri, as APISIX reads them', routes: [route('petstore.list')], others: [{ id: '9', uri: '/pets', uris: ['/cats'], priority: 1 }], found: [] },
  { name: 'several shared uris: one finding naming them all', routes: [route('petstore.list', { uris: ['/pets', '/cats', '/dogs'] })], others: [foreign('9', { uris: ['/dogs', '/pets'], priority: 1 })], found: ['petstore.list <- 9: takes | any host | any method | /dogs,/pets'] },
  { name: 'a different uri: not reported', routes: [route('petstore.list')], others: [foreign('9', { uris: ['/cats'], priority: 1 })], found: [] },
  // Status.
  { name: 'a disabled other: not reported', routes: [route('petstore.list')], others: [foreign('9', { status: 0, priority: 1 })], found: [] },
  { name: 'an other enabled explicitly: takes', routes: [route('petstore.list')], others: [foreign('9', { status: 1, priority: 1 })], found: ['petstore.list <- 9: takes | any host | any method | /pets'] },
  { name: "a disabled route of the snapshot serves nothing to take: not reported", routes: [route('petstore.list', { status: 0 })], others: [foreign('9', { priority: 1 })], found: [] },
  // Further conditions of the other.
  { name: 'an other with vars takes some', routes: [route('petstore.list')], others: [foreign('9', { vars: [['arg_v', '==', '2']], priority: 1 })], found: ['petstore.list <- 9: takes some (vars) | any host | any method | /pets'] },
  { name: 'an other with remote_addr and filter_func may take some', routes: [route('petstore.list')], others: [foreign('9', { remote_addr: '10.0.0.0/8', filter_func: 'function() return true end' })], found: ['petstore.list <- 9: may-take some (filter_func, remote_addrs) | any host | any method | /pets'] },
  { name: 'an other with remote_addrs takes some', routes: [route('petstore.list')], others: [foreign('9', { remote_addrs: ['10.0.0.1'], priority: 1 })], found: ['petstore.list <- 9: takes some (remote_addrs) | any host | any method | /pets'] },
  { name: 'an other with a script takes every request it matches (a script is no condition)', routes: [route('petstore.list')], others: [foreign('9', { script: 'return {}', priority: 1 })], found: ['petstore.list <- 9: takes | any host | any method | /pets'] },
  { name: "vars of the snapshot's route change nothing", routes: [route('petstore.list', { vars: [['arg_v', '==', '1']] })], others: [foreign('9', { priority: 1 })], found: ['petstore.list <- 9: takes | any host | any method | /pets'] },
  // Several.
  {
    name: 'several pairs, by route then other route',
    routes: [route('petstore.b', { uris: ['/b'] }), route('petstore.a', { uris: ['/a', '/b'] })],
    others: [foreign('z', { uris: ['/a'], priority: 1 }), foreign('10', { uris: ['/b'], priority: 1 }), foreign('9', { uris: ['/b'], priority: -1 })],
    found: ['petstore.a <- 10: takes | any host | any method | /b', 'petstore.a <- z: takes | any host | any method | /a', 'petstore.b <- 10: takes | any host | any method | /b'],
  },
];

const others = (routes: readonly ApisixObject[]): OtherRoute[] => routes.map((r) => ({ route: r, group: null }));

describe('findShadowedRoutes', () => {
  for (const c of cases) {
    it(c.name, () => {
      const found = findShadowedRoutes('staging', { routes: c.routes, services: c.services ?? [service('petstore')] }, others(c.others), c.liveServices ?? []);
      expect(found.map(summary)).toEqual(c.found);
    });
  }

  it('gives the same result, to the byte, whatever the order of the routes, services and lists inside them', () => {
    for (const c of cases) {
      const args = (flip: boolean) => {
        const order = <T>(list: readonly T[]) => (flip ? [...list].reverse() : [...list]);
        const shuffle = (o: ApisixObject) => (flip ? Object.fromEntries(Object.entries(o).reverse().map(([k, v]) => [k, Array.isArray(v) && k !== 'vars' ? [...(v as unknown[])].reverse() : v])) as ApisixObject : o);
        return JSON.stringify(findShadowedRoutes('staging', { routes: order(c.routes).map(shuffle), services: order(c.services ?? [service('petstore')]).map(shuffle) }, others(order(c.others).map(shuffle)), order(c.liveServices ?? []).map(shuffle)));
      };
      expect(args(true), c.name).toBe(args(false));
    }
  });

  it('words the finding with both routes, both priorities, what they share and a hint', () => {
    const [takes] = findShadowedRoutes('staging', { routes: [route('petstore.list', { hosts: ['shop.example'], methods: ['GET'] })], services: [] }, others([foreign('9', { hosts: ['shop.example'], priority: 10 })]), []);
    expect(takes?.message).toBe("route 9 (priority 10), which tagway does not manage, takes the requests of tagway group staging's route petstore.list (priority 0): both match GET on host shop.example at uri /pets");
    expect(takes?.hint).toBe(
      'give route petstore.list a priority above 10 in services/petstore/service.yaml (a new version), or remove route 9 from the gateway, ' +
        'or, if route petstore.list replaces it, retire it in gateway-groups/staging/adopt.yaml (routes: "9": petstore.list; docs/adoption.md)',
    );
    const [may] = findShadowedRoutes('staging', { routes: [route('petstore.list', { uris: ['/a', '/b'] })], services: [] }, [{ route: foreign('x', { uris: ['/a', '/b'], vars: [['arg_v', '==', '2']] }), group: 'prod' }], []);
    expect(may?.message).toBe(
      "route x (priority 0) of tagway group prod may take some of the requests of tagway group staging's route petstore.list (priority 0) (those that match its vars); " +
        'APISIX does not order routes of equal priority: both match any method on any host at uris /a, /b',
    );
    expect(may?.hint).toBe('give route petstore.list a priority above 0 in services/petstore/service.yaml (a new version), or change or remove route x in tagway group prod');
  });
});

describe('planSync carries the routes that take its routes\' requests', () => {
  const conf = (parts: Partial<ApisixConfig>): ApisixConfig => ({ ...emptyConfig(), ...parts });
  const desired = conf({ services: [service('petstore', ['shop.example'])], routes: [route('petstore.list')] });
  const onShop = (id: string, extra: Record<string, unknown> = {}) => foreign(id, { hosts: ['shop.example'], priority: 1, ...extra });
  const plan = (live: ApisixConfig, adopt?: Record<string, Record<string, string>>) =>
    planSync({ group: 'staging', digest: 'sha256:d', apisix: desired, ...(adopt !== undefined ? { adopt } : {}) }, live);
  const cases: ReadonlyArray<{ readonly name: string; readonly live: ApisixConfig; readonly adopt?: Record<string, Record<string, string>>; readonly found: readonly string[] }> = [
    { name: 'a route no group owns', live: conf({ routes: [onShop('9')] }), found: ['petstore.list <- 9 (no group)'] },
    { name: "another group's route", live: conf({ routes: [onShop('prod.list', { labels: { 'managed-by': 'tagway', 'tagway.group': 'prod' } })] }), found: ['petstore.list <- prod.list (prod)'] },
    { name: "not the group's own route, which the plan deletes", live: conf({ routes: [onShop('petstore.old', { labels: mine })] }), found: [] },
    { name: 'not a route at an id of the snapshot (a conflict)', live: conf({ routes: [onShop('petstore.list')] }), found: [] },
    { name: 'not a route taken over in place', live: conf({ routes: [onShop('petstore.list')] }), adopt: { routes: { 'petstore.list': 'petstore.list' } }, found: [] },
    { name: 'not a route the adoption retires', live: conf({ routes: [onShop('9')] }), adopt: { routes: { '9': 'petstore.list' } }, found: [] },
    { name: 'not a lease object', live: conf({ routes: [onShop('tagway-lease.staging', { labels: { 'tagway.lease': 'staging' } })] }), found: [] },
    { name: 'the snapshot route\'s hosts from its service in the snapshot', live: conf({ routes: [foreign('9', { hosts: ['other.example'], priority: 1 })] }), found: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = plan(c.live, c.adopt);
      expect((p.shadowed ?? []).map((s) => `${s.route} <- ${s.by} (${s.byGroup ?? 'no group'})`)).toEqual(c.found);
      // Present only when there are some: plans without them are as before.
      expect('shadowed' in p).toBe(c.found.length > 0);
    });
  }

  it('the undo of a plan carries none', () => {
    expect('shadowed' in invertPlan(plan(conf({ routes: [onShop('9')] })))).toBe(false);
  });
});
