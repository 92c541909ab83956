/**
 * Cases of the planner's smaller contracts, each a table: step and conflict order, ownership,
 * the undo plan, the wording of conflicts and the blocked-write error.
 */
import { describe, expect, it } from 'vitest';
import type { ApisixConfig, ApisixObject } from '../model/apisix.js';
import {
  applyPlanToConfig,
  blockedError,
  invertPlan,
  ownedObjects,
  planSync,
  stepsBlockedIn,
  type FieldChange,
  type Plan,
  type PlanStep,
} from './plan.js';
import { emptyConfig } from '../apisix/kinds/index.js';

const mine = { 'managed-by': 'tagway', 'tagway.group': 'staging' };
const obj = (id: string, labels: Record<string, string> = mine, extra: Record<string, unknown> = {}): ApisixObject => ({ id, labels, ...extra });
const conf = (parts: Partial<ApisixConfig>): ApisixConfig => ({ ...emptyConfig(), ...parts });
const plan = (apisix: ApisixConfig, live: ApisixConfig): Plan => planSync({ group: 'staging', digest: 'sha256:d', apisix }, live);
const named = (steps: readonly { op?: string; kind: string; id: string }[]) => steps.map((s) => `${s.op ?? ''} ${s.kind}/${s.id}`.trim());

describe('planSync orders steps and conflicts by kind, then by id, whatever order it reads', () => {
  const cases: ReadonlyArray<{ readonly name: string; readonly desired: ApisixConfig; readonly live: ApisixConfig; readonly steps: string[]; readonly conflicts: string[] }> = [
    {
      name: 'creates from a snapshot out of id order',
      desired: conf({ upstreams: [obj('c'), obj('a'), obj('b')] }),
      live: conf({}),
      steps: ['create upstreams/a', 'create upstreams/b', 'create upstreams/c'],
      conflicts: [],
    },
    {
      name: 'deletes of live objects out of id order',
      desired: conf({}),
      live: conf({ routes: [obj('r3'), obj('r1'), obj('r2')] }),
      steps: ['delete routes/r1', 'delete routes/r2', 'delete routes/r3'],
      conflicts: [],
    },
    {
      name: 'conflicts at ids out of order, across kinds',
      desired: conf({ upstreams: [obj('z'), obj('y')], routes: [obj('b'), obj('a')] }),
      live: conf({ upstreams: [obj('z', {}), obj('y', {})], routes: [obj('b', {}), obj('a', {})] }),
      steps: [],
      conflicts: ['upstreams/y', 'upstreams/z', 'routes/a', 'routes/b'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = plan(c.desired, c.live);
      expect(named(p.steps)).toEqual(c.steps);
      expect(named(p.conflicts)).toEqual(c.conflicts);
    });
  }
});

describe('ownedObjects', () => {
  const cases: ReadonlyArray<{ readonly name: string; readonly object: ApisixObject; readonly owned: boolean }> = [
    { name: "the group's object", object: obj('a'), owned: true },
    { name: "another group's object", object: obj('a', { ...mine, 'tagway.group': 'prod' }), owned: false },
    { name: 'an object without labels', object: { id: 'a' }, owned: false },
    { name: 'an object labelled with the group but not managed by tagway', object: obj('a', { 'tagway.group': 'staging' }), owned: false },
    { name: "a lease object with the group's labels", object: obj('tagway-lease.staging.1', { ...mine, 'tagway.lease': 'staging' }), owned: false },
  ];
  for (const c of cases) {
    it(`${c.owned ? 'keeps' : 'leaves out'} ${c.name}`, () => {
      const owned = ownedObjects(conf({ upstreams: [c.object], routes: [obj('r')] }), 'staging');
      expect(owned.upstreams).toEqual(c.owned ? [c.object] : []);
      expect(owned.routes).toEqual([obj('r')]);
    });
  }
});

describe('conflict wording', () => {
  it("names the other group and how to hand the object over", () => {
    const [conflict] = plan(conf({ services: [obj('s')] }), conf({ services: [obj('s', { ...mine, 'tagway.group': 'prod' })] })).conflicts;
    expect(conflict).toEqual({
      code: 'other-group',
      kind: 'services',
      id: 's',
      message: 'service s on the target belongs to tagway group prod, not staging',
      hint: 'two groups that share this gateway both define service s: rename the service or route in one of them, or hand the object over by setting its label tagway.group to staging',
    });
  });

  it('names the object still in use and its user', () => {
    const p = plan(conf({}), conf({ upstreams: [obj('u')], routes: [obj('web', {}, { upstream_id: 'u' })] }));
    expect(p.conflicts).toEqual([
      {
        code: 'still-referenced',
        kind: 'upstreams',
        id: 'u',
        referencedBy: { kind: 'routes', id: 'web' },
        message: 'upstream u is no longer in the snapshot, but route web still uses it, so it cannot be deleted',
        hint: 'change or remove route web first, or keep upstream u in the snapshot',
      },
    ]);
  });
});

describe('invertPlan', () => {
  const change = (op: FieldChange['op'], before: unknown, after: unknown): FieldChange =>
    ({ path: '/desc', op, ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) }) as FieldChange;
  const cases: ReadonlyArray<{ readonly change: FieldChange; readonly undo: FieldChange }> = [
    { change: change('add', undefined, 'new'), undo: change('remove', 'new', undefined) },
    { change: change('remove', 'old', undefined), undo: change('add', undefined, 'old') },
    { change: change('replace', 'old', 'new'), undo: change('replace', 'new', 'old') },
  ];
  for (const c of cases) {
    it(`undoes a field ${c.change.op} with a ${c.undo.op}, and has no conflicts`, () => {
      const step: PlanStep = { op: 'update', kind: 'routes', id: 'r', before: obj('r'), after: obj('r', mine, { desc: 'x' }), changes: [c.change] };
      const undo = invertPlan({ group: 'staging', digest: 'sha256:d', steps: [step], conflicts: [], counts: { create: 0, update: 1, delete: 0, unchanged: 3 } });
      expect(undo.steps).toEqual([{ op: 'update', kind: 'routes', id: 'r', before: step.after, after: step.before, changes: [c.undo] }]);
      expect(undo.conflicts).toEqual([]);
      expect(undo.counts).toEqual({ create: 0, update: 1, delete: 0, unchanged: 3 });
    });
  }
});

describe('stepsBlockedIn', () => {
  const p = plan(conf({ routes: [obj('new')] }), conf({ routes: [obj('gone')] }));
  const cases: ReadonlyArray<{ readonly name: string; readonly now: ApisixConfig; readonly blocked: string[] }> = [
    { name: 'an unowned object now at an id the plan creates', now: conf({ routes: [obj('new', {})] }), blocked: ['create routes/new'] },
    { name: 'an owned object now at an id the plan creates', now: conf({ routes: [obj('new')] }), blocked: [] },
    { name: 'an unowned object now at an id the plan deletes (a delete overwrites nothing)', now: conf({ routes: [obj('gone', {})] }), blocked: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(named(stepsBlockedIn(c.now, p))).toEqual(c.blocked);
    });
  }

  it('words the refusal with every blocked object, and says nothing was written', () => {
    const two = plan(conf({ upstreams: [obj('u')], routes: [obj('new')] }), conf({}));
    const blocked = stepsBlockedIn(conf({ upstreams: [obj('u', {})], routes: [obj('new', {})] }), two);
    const error = blockedError('edge-1', two, blocked);
    expect(error.data).toEqual({
      code: 'conflict',
      target: 'edge-1',
      message: 'target edge-1: upstream u, route new appeared since the plan was made and is not managed by tagway group staging; nothing was written',
      hint: 'sync again to see the conflict and how to adopt or rename the object',
      objects: [
        { kind: 'upstreams', id: 'u' },
        { kind: 'routes', id: 'new' },
      ],
    });
  });
});

describe('applyPlanToConfig', () => {
  it('sorts each kind by id, whatever order the config was read in', () => {
    const live = conf({ upstreams: [obj('c', {}), obj('a', {}), obj('d', {})] });
    const result = applyPlanToConfig(live, plan(conf({ upstreams: [obj('b')] }), live));
    expect(result.upstreams.map((u) => u.id)).toEqual(['a', 'b', 'c', 'd']);
  });
});
