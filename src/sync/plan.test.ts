import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Digest, sortKeys } from '../core/canonical.js';
import type { ApisixConfig, ApisixObject } from '../model/apisix.js';
import { applyPlanToConfig, invertPlan, planPhases, planSync, stepsBlockedIn, type Plan, type PlanMemo } from './plan.js';
import type { SyncSnapshot } from './report.js';
import { configOf } from '../apisix/kinds/index.js';

const GROUP = 'staging';

function owned(service: string, version = '1.0.0', group = GROUP): Record<string, string> {
  return { 'managed-by': 'tagway', 'tagway.group': group, 'tagway.service': service, 'tagway.version': version };
}
const upstream = (id: string, extra: Record<string, unknown> = {}): ApisixObject =>
  sortKeys({ id, labels: owned(id), nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }], type: 'roundrobin', ...extra });
const service = (id: string, extra: Record<string, unknown> = {}): ApisixObject =>
  sortKeys({ id, labels: owned(id), upstream_id: id, ...extra });
const route = (svc: string, name: string, extra: Record<string, unknown> = {}): ApisixObject =>
  sortKeys({ id: `${svc}.${name}`, labels: owned(svc), service_id: svc, uris: [`/${svc}/${name}`], methods: ['GET'], ...extra });

function config(objects: Partial<Record<keyof ApisixConfig, readonly ApisixObject[]>>): ApisixConfig {
  const sorted = (list: readonly ApisixObject[] = []) => [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
  return configOf((kind) => sorted(objects[kind.name]));
}

function snapshot(apisix: ApisixConfig): SyncSnapshot {
  return { group: GROUP, apisix, digest: sha256Digest(canonicalJson(apisix)) };
}

const petstore = config({
  upstreams: [upstream('petstore')],
  services: [service('petstore')],
  routes: [route('petstore', 'list'), route('petstore', 'get', { uris: ['/petstore/get/*'] })],
});

function ops(plan: Plan): string[] {
  return plan.steps.map((s) => `${s.op} ${s.kind}/${s.id}`);
}

/** What APISIX before 3.14 stores for an object: server fields and schema defaults added. */
function asStoredByOldApisix(obj: ApisixObject, kind: keyof ApisixConfig): ApisixObject {
  const extra: Record<string, unknown> = { create_time: 1700000000, update_time: 1700000001 };
  if (kind === 'upstreams') Object.assign(extra, { hash_on: 'vars', scheme: 'http', pass_host: 'pass' });
  if (kind === 'routes') Object.assign(extra, { priority: 0, status: 1 });
  const nodes = Array.isArray(obj.nodes) ? { nodes: obj.nodes.map((n: object) => ({ ...n, priority: 0 })) } : {};
  return { ...obj, ...extra, ...nodes };
}

describe('planSync', () => {
  const cases: Array<{ name: string; live: ApisixConfig; want: ApisixConfig; ops: string[] }> = [
    {
      name: 'empty gateway: creates upstreams, then services, then routes',
      live: config({}),
      want: petstore,
      ops: ['create upstreams/petstore', 'create services/petstore', 'create routes/petstore.get', 'create routes/petstore.list'],
    },
    { name: 'same objects: nothing', live: petstore, want: petstore, ops: [] },
    {
      name: 'one route changed: one update',
      live: petstore,
      want: config({ ...petstore, routes: [route('petstore', 'list', { methods: ['GET', 'HEAD'] }), route('petstore', 'get', { uris: ['/petstore/get/*'] })] }),
      ops: ['update routes/petstore.list'],
    },
    {
      name: 'service removed: deletes routes, then the service, then its upstream',
      live: config({
        upstreams: [upstream('petstore'), upstream('orders')],
        services: [service('petstore'), service('orders')],
        routes: [route('petstore', 'list'), route('orders', 'list'), route('orders', 'create')],
      }),
      want: config({ upstreams: [upstream('petstore')], services: [service('petstore')], routes: [route('petstore', 'list')] }),
      ops: ['delete routes/orders.create', 'delete routes/orders.list', 'delete services/orders', 'delete upstreams/orders'],
    },
    {
      name: 'new upstream before the service update that uses it; old upstream deleted last',
      live: config({ upstreams: [upstream('petstore')], services: [service('petstore')] }),
      want: config({ upstreams: [upstream('petstore-v2')], services: [service('petstore', { upstream_id: 'petstore-v2' })] }),
      ops: ['create upstreams/petstore-v2', 'update services/petstore', 'delete upstreams/petstore'],
    },
    {
      name: 'server fields are ignored',
      live: config({ upstreams: [{ ...upstream('petstore'), create_time: 1, update_time: 2 }] }),
      want: config({ upstreams: [upstream('petstore')] }),
      ops: [],
    },
    {
      name: 'objects as stored by APISIX < 3.14 (defaults filled in) plan nothing',
      live: config({
        upstreams: [asStoredByOldApisix(upstream('petstore'), 'upstreams')],
        services: [asStoredByOldApisix(service('petstore'), 'services')],
        routes: [asStoredByOldApisix(route('petstore', 'list'), 'routes')],
      }),
      want: config({ upstreams: [upstream('petstore')], services: [service('petstore')], routes: [route('petstore', 'list')] }),
      ops: [],
    },
    {
      name: 'an empty list the gateway returns as {} is unchanged',
      live: config({ routes: [route('petstore', 'list', { plugins: { cors: {} } })] }),
      want: config({ routes: [route('petstore', 'list', { plugins: { cors: [] } })] }),
      ops: [],
    },
    {
      name: 'an explicit default in the snapshot equals its absence on the gateway',
      live: config({ routes: [route('petstore', 'list')] }),
      want: config({ routes: [route('petstore', 'list', { priority: 0, status: 1 })] }),
      ops: [],
    },
    {
      name: 'a non-default value is a change',
      live: config({ routes: [asStoredByOldApisix(route('petstore', 'list'), 'routes')] }),
      want: config({ routes: [route('petstore', 'list', { priority: 10 })] }),
      ops: ['update routes/petstore.list'],
    },
    {
      name: 'a new version label is a change',
      live: config({ upstreams: [upstream('petstore')] }),
      want: config({ upstreams: [{ ...upstream('petstore'), labels: owned('petstore', '1.1.0') }] }),
      ops: ['update upstreams/petstore'],
    },
    {
      name: 'objects of other owners are neither updated nor deleted',
      live: config({
        upstreams: [upstream('legacy', { labels: { team: 'ops' } }), upstream('prod-only', { labels: owned('prod-only', '1.0.0', 'production') })],
        routes: [route('legacy', 'ping', { labels: {} })],
      }),
      want: config({}),
      ops: [],
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const plan = planSync(snapshot(c.want), c.live);
      expect(plan.conflicts).toEqual([]);
      expect(ops(plan)).toEqual(c.ops);
    });
  }

  it('counts creates, updates, deletes and unchanged objects', () => {
    const live = config({ upstreams: [upstream('a'), upstream('b'), upstream('c')] });
    const want = config({ upstreams: [upstream('a'), upstream('b', { type: 'chash', key: 'remote_addr' }), upstream('d')] });
    expect(planSync(snapshot(want), live).counts).toEqual({ create: 1, update: 1, delete: 1, unchanged: 1 });
  });

  it('lists the changed fields of an update as JSON pointers, live value before, snapshot value after', () => {
    const live = config({ routes: [route('petstore', 'list', { plugins: { 'limit-count': { count: 10, time_window: 60 } } })] });
    const want = config({ routes: [route('petstore', 'list', { plugins: { 'limit-count': { count: 20, time_window: 60 } }, desc: 'pets' })] });
    const [step] = planSync(snapshot(want), live).steps;
    expect(step?.op === 'update' ? step.changes : []).toEqual([
      { path: '/desc', op: 'add', after: 'pets' },
      { path: '/plugins/limit-count/count', op: 'replace', before: 10, after: 20 },
    ]);
  });

  it('ignores plugin defaults on a gateway that stores defaults, and compares plugins strictly on one that does not', () => {
    const want = config({ routes: [route('petstore', 'list', { plugins: { 'limit-count': { count: 10, time_window: 60 } } })] });
    const filled = { 'limit-count': { count: 10, time_window: 60, policy: 'local', rejected_code: 503 } };
    const oldGateway = config({ routes: [asStoredByOldApisix(route('petstore', 'list', { plugins: filled }), 'routes')] });
    expect(ops(planSync(snapshot(want), oldGateway))).toEqual([]);
    const emptyConf = config({ routes: [route('petstore', 'list', { plugins: { 'limit-count': { count: 10, time_window: 60 }, cors: {} } })] });
    const corsFilled = { ...filled, cors: { allow_origins: '*', allow_methods: '*', max_age: 5 } };
    expect(ops(planSync(snapshot(emptyConf), config({ routes: [asStoredByOldApisix(route('petstore', 'list', { plugins: corsFilled }), 'routes')] })))).toEqual([]);
    const newGateway = config({ routes: [route('petstore', 'list', { plugins: filled })] });
    expect(ops(planSync(snapshot(want), newGateway))).toEqual(['update routes/petstore.list']);
  });

  it('never plans a write over an unowned object at a needed id, and says how to adopt or rename it', () => {
    const live = config({ routes: [route('petstore', 'list', { labels: { team: 'web' } })] });
    const plan = planSync(snapshot(petstore), live);
    expect(plan.conflicts).toHaveLength(1);
    const [conflict] = plan.conflicts;
    expect(conflict).toMatchObject({ code: 'unowned', kind: 'routes', id: 'petstore.list' });
    expect(conflict?.message).toContain('route petstore.list');
    expect(conflict?.hint).toContain('"managed-by": "tagway"');
    expect(conflict?.hint).toContain('"tagway.group": "staging"');
    expect(conflict?.hint).toContain('rename');
    expect(ops(plan)).not.toContain('update routes/petstore.list');
  });

  it("reports another group's object at a needed id as a conflict", () => {
    const live = config({ upstreams: [upstream('petstore', { labels: owned('petstore', '1.0.0', 'production') })] });
    expect(planSync(snapshot(petstore), live).conflicts).toMatchObject([{ code: 'other-group', kind: 'upstreams', id: 'petstore' }]);
  });

  it('refuses to delete an owned object that an unowned object still uses', () => {
    const live = config({
      upstreams: [upstream('orders')],
      services: [service('orders')],
      routes: [route('orders', 'legacy', { labels: { team: 'web' } })],
    });
    const plan = planSync(snapshot(config({})), live);
    expect(plan.conflicts).toMatchObject([
      { code: 'still-referenced', kind: 'services', id: 'orders', referencedBy: { kind: 'routes', id: 'orders.legacy' } },
    ]);
  });

  it('sees upstreams used through traffic-split', () => {
    const canaryUser = route('web', 'home', {
      labels: {},
      plugins: { 'traffic-split': { rules: [{ weighted_upstreams: [{ upstream_id: 'petstore.canary', weight: 10 }, { weight: 90 }] }] } },
    });
    const live = config({ upstreams: [upstream('petstore.canary')], routes: [canaryUser] });
    expect(planSync(snapshot(config({})), live).conflicts).toMatchObject([{ code: 'still-referenced', id: 'petstore.canary' }]);
  });

  it('never plans, deletes or counts a lease object, whatever its labels', () => {
    const lease = (id: string, labels: Record<string, string>): ApisixObject => ({ id, labels: { 'tagway.lease': GROUP, ...labels }, nodes: {}, desc: 'tagway sync --rev v1' });
    const live = config({
      upstreams: [...petstore.upstreams, lease('tagway-lease.staging.0123456789abcdef', { 'managed-by': 'tagway' }), lease('tagway-lease.staging.fedcba9876543210', owned('x'))],
      services: petstore.services,
      routes: petstore.routes,
    });
    const plan = planSync(snapshot(petstore), live);
    expect(plan).toMatchObject({ steps: [], conflicts: [], counts: { create: 0, update: 0, delete: 0, unchanged: 4 } });
    expect(ops(planSync(snapshot(config({})), live))).toEqual(['delete routes/petstore.get', 'delete routes/petstore.list', 'delete services/petstore', 'delete upstreams/petstore']);
  });

  it('does not change its inputs', () => {
    const live = config({ upstreams: [asStoredByOldApisix(upstream('petstore'), 'upstreams')] });
    const want = config({ upstreams: [upstream('petstore', { retries: 2 })] });
    const before = canonicalJson([live, want]);
    planSync(snapshot(want), live);
    expect(canonicalJson([live, want])).toBe(before);
  });
});

describe('planPhases', () => {
  it('groups steps by direction and kind, in plan order', () => {
    const live = config({ upstreams: [upstream('old')], services: [service('old')] });
    const plan = planSync(snapshot(petstore), live);
    expect(planPhases(plan).map((phase) => phase.map((s) => `${s.op} ${s.kind}/${s.id}`))).toEqual([
      ['create upstreams/petstore'],
      ['create services/petstore'],
      ['create routes/petstore.get', 'create routes/petstore.list'],
      ['delete services/old'],
      ['delete upstreams/old'],
    ]);
  });
});

describe('applyPlanToConfig', () => {
  it('gives the snapshot plus the objects of other owners, sorted by id', () => {
    const foreign = upstream('zz-legacy', { labels: { team: 'ops' } });
    const live = config({ upstreams: [foreign, upstream('gone')] });
    const result = applyPlanToConfig(live, planSync(snapshot(petstore), live));
    expect(result.upstreams.map((u) => u.id)).toEqual(['petstore', 'zz-legacy']);
    expect(result.upstreams[1]).toBe(foreign);
    expect(result.routes).toEqual(petstore.routes);
  });

  it('is what a second plan finds nothing to do against', () => {
    const live = config({ upstreams: [upstream('gone')], routes: [route('petstore', 'list', { methods: ['POST'] })] });
    const result = applyPlanToConfig(live, planSync(snapshot(petstore), live));
    expect(planSync(snapshot(petstore), result).steps).toEqual([]);
  });
});

describe('stepsBlockedIn', () => {
  it('finds unowned objects that appeared at ids the plan writes', () => {
    const plan = planSync(snapshot(petstore), config({}));
    const later = config({ services: [service('petstore', { labels: {} })] });
    expect(stepsBlockedIn(later, plan).map((s) => `${s.kind}/${s.id}`)).toEqual(['services/petstore']);
  });
});

describe('planSync with a memo of the objects found unchanged', () => {
  const live = config({
    upstreams: [asStoredByOldApisix(upstream('petstore'), 'upstreams')],
    services: [service('petstore')],
    routes: [route('petstore', 'list'), asStoredByOldApisix(route('petstore', 'get'), 'routes'), route('other', 'x', { labels: {} })],
  });
  const want = config({ ...petstore, routes: [route('petstore', 'list', { methods: ['GET', 'HEAD'] }), route('petstore', 'get')] });

  it('plans exactly as without it, the first time and again', () => {
    const memo: PlanMemo = new WeakMap();
    const plain = planSync(snapshot(want), live);
    expect(planSync(snapshot(want), live, memo)).toEqual(plain);
    expect(planSync(snapshot(want), live, memo)).toEqual(plain);
    expect(plain.counts).toEqual({ create: 0, update: 1, delete: 0, unchanged: 3 });
  });

  it('compares again a live object paired with another snapshot object than the one it equalled', () => {
    const memo: PlanMemo = new WeakMap();
    expect(ops(planSync(snapshot(petstore), petstore, memo))).toEqual([]);
    // The same live objects, now against a snapshot whose route differs: not taken from the memo.
    expect(ops(planSync(snapshot(want), petstore, memo))).toEqual(['update routes/petstore.get', 'update routes/petstore.list']);
  });
});

describe('planSync on lists out of id order', () => {
  /** A small seeded generator (mulberry32), so that a failure repeats. */
  function random(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const shuffled = <T>(list: readonly T[], next: () => number): T[] => {
    const out = [...list];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };

  it('plans as for the same lists in id order (walked side by side), over random gateways', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const next = random(seed);
      const names = Array.from({ length: 12 }, (_, i) => `s${String(i).padStart(2, '0')}`);
      const desiredRoutes: ApisixObject[] = [];
      const liveRoutes: ApisixObject[] = [];
      for (const name of names) {
        for (const r of ['a', 'b', 'c']) {
          const roll = next();
          if (roll < 0.8) desiredRoutes.push(route(name, r));
          const liveRoll = next();
          if (liveRoll < 0.5) liveRoutes.push(route(name, r));
          else if (liveRoll < 0.65) liveRoutes.push(route(name, r, { methods: ['POST'] }));
          else if (liveRoll < 0.75) liveRoutes.push(route(name, r, { labels: {} }));
          else if (liveRoll < 0.8) liveRoutes.push(route(name, r, { labels: owned(name, '1.0.0', 'other') }));
        }
      }
      const want = config({ routes: desiredRoutes });
      const live = config({ routes: liveRoutes });
      const inOrder = planSync(snapshot(want), live);
      const outOfOrder = planSync({ ...snapshot(want), apisix: { ...want, routes: shuffled(want.routes, next) } }, { ...live, routes: shuffled(live.routes, next) });
      expect(outOfOrder, `seed ${seed}`).toEqual(inOrder);
      expect(inOrder.steps.length + inOrder.conflicts.length, `seed ${seed}`).toBeGreaterThan(0);
    }
  });

  it('takes the last live object read at an id given twice', () => {
    const changed = route('petstore', 'list', { methods: ['POST'] });
    const live = { ...petstore, routes: [...petstore.routes, changed] };
    expect(ops(planSync(snapshot(petstore), live))).toEqual(['update routes/petstore.list']);
  });
});

describe('invertPlan', () => {
  it('undoes a plan from its undo log: applied after it, the target holds what it held before', () => {
    const live = config({
      upstreams: [upstream('petstore'), upstream('orders')],
      services: [service('petstore'), service('orders')],
      routes: [route('petstore', 'list'), route('orders', 'create'), route('legacy', 'x', { labels: { team: 'web' } })],
    });
    const want = config({
      upstreams: [upstream('petstore', { nodes: [{ host: '10.0.0.2', port: 80, weight: 1 }] }), upstream('billing')],
      services: [service('petstore'), service('billing')],
      routes: [route('petstore', 'list', { methods: ['GET', 'HEAD'] }), route('billing', 'pay')],
    });
    const plan = planSync(snapshot(want), live);
    const undo = invertPlan(plan);
    expect(applyPlanToConfig(applyPlanToConfig(live, plan), undo)).toEqual(live);
    expect(ops(undo)).toEqual([
      'create upstreams/orders',
      'update upstreams/petstore',
      'create services/orders',
      'create routes/orders.create',
      'update routes/petstore.list',
      'delete routes/billing.pay',
      'delete services/billing',
      'delete upstreams/billing',
    ]);
    expect(undo.counts).toEqual({ create: 3, update: 2, delete: 3, unchanged: plan.counts.unchanged });
    const back = undo.steps.find((s) => s.op === 'update' && s.kind === 'routes');
    expect(back?.op === 'update' ? back.changes : []).toEqual([{ path: '/methods', op: 'replace', before: ['GET', 'HEAD'], after: ['GET'] }]);
  });
});
