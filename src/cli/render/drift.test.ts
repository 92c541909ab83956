/**
 * Cases of the secret masking of drift and sync reports: field changes, plans and the JSON drift
 * report carry `<masked>` where a value is a secret, and every other value as it is.
 */
import { describe, expect, it } from 'vitest';
import type { ApisixKind, ApisixObject } from '../../model/apisix.js';
import type { DriftReport, TargetDrift } from '../../sync/drift.js';
import type { FieldChange, Plan, PlanStep } from '../../sync/plan.js';
import { driftJson, maskFieldChange, maskPlan, renderDrift, renderFieldChange } from './drift.js';

/** Canaries: none may be printed. */
const OLD = 'canary-old-Xq81';
const NEW = 'canary-new-Zr52';
const HEADER = '/plugins/proxy-rewrite/headers/set/X-Api-Key';

describe('maskFieldChange', () => {
  const cases: ReadonlyArray<{ readonly name: string; readonly kind: ApisixKind; readonly change: FieldChange; readonly masked: FieldChange }> = [
    {
      name: 'a secret header replaced',
      kind: 'routes',
      change: { path: HEADER, op: 'replace', before: OLD, after: NEW },
      masked: { path: HEADER, op: 'replace', before: '<masked>', after: '<masked, changed>' },
    },
    {
      name: 'a secret header added',
      kind: 'routes',
      change: { path: HEADER, op: 'add', after: NEW },
      masked: { path: HEADER, op: 'add', after: '<masked>' },
    },
    {
      name: 'a secret header removed',
      kind: 'routes',
      change: { path: HEADER, op: 'remove', before: OLD },
      masked: { path: HEADER, op: 'remove', before: '<masked>' },
    },
    {
      name: 'a plugin holding a secret, added whole',
      kind: 'routes',
      change: { path: '/plugins/key-auth', op: 'add', after: { key: NEW, header: 'apikey' } },
      masked: { path: '/plugins/key-auth', op: 'add', after: { key: '<masked>', header: 'apikey' } },
    },
    {
      name: "a key of an SSL object's list, declared secret by its kind",
      kind: 'ssls',
      change: { path: '/keys/1', op: 'replace', before: OLD, after: NEW },
      masked: { path: '/keys/1', op: 'replace', before: '<masked>', after: '<masked, changed>' },
    },
    {
      name: "an upstream's TLS client key, declared secret by its kind",
      kind: 'upstreams',
      change: { path: '/tls/client_key', op: 'add', after: NEW },
      masked: { path: '/tls/client_key', op: 'add', after: '<masked>' },
    },
    {
      name: 'a field that is no secret',
      kind: 'routes',
      change: { path: '/uris/1', op: 'replace', before: '/old', after: '/new' },
      masked: { path: '/uris/1', op: 'replace', before: '/old', after: '/new' },
    },
    {
      name: 'the same name in an object that does not declare it secret',
      kind: 'routes',
      change: { path: '/keys/1', op: 'replace', before: 'a', after: 'b' },
      masked: { path: '/keys/1', op: 'replace', before: 'a', after: 'b' },
    },
    {
      name: 'a field whose name is a number, inside an object',
      kind: 'routes',
      change: { path: '/vars/0/1', op: 'replace', before: 'x', after: 'y' },
      masked: { path: '/vars/0/1', op: 'replace', before: 'x', after: 'y' },
    },
  ];
  for (const c of cases) {
    it(`masks ${c.name}`, () => {
      expect(maskFieldChange(c.kind, c.change)).toStrictEqual(c.masked);
      expect(JSON.stringify(maskFieldChange(c.kind, c.change))).not.toMatch(/canary-/);
    });
  }
});

describe('renderFieldChange', () => {
  const cases: ReadonlyArray<readonly [FieldChange, 'live' | 'plan', string]> = [
    [{ path: HEADER, op: 'replace', before: OLD, after: NEW }, 'plan', `${HEADER}: "<masked>" → "<masked, changed>"`],
    [{ path: HEADER, op: 'replace', before: OLD, after: NEW }, 'live', `${HEADER}: target "<masked>"; snapshot "<masked, changed>"`],
    [{ path: HEADER, op: 'add', after: NEW }, 'plan', `${HEADER}: + "<masked>"`],
    [{ path: HEADER, op: 'add', after: NEW }, 'live', `${HEADER}: not on the target; snapshot "<masked>"`],
    [{ path: HEADER, op: 'remove', before: OLD }, 'plan', `${HEADER}: - "<masked>"`],
    [{ path: HEADER, op: 'remove', before: OLD }, 'live', `${HEADER}: target "<masked>"; not in the snapshot`],
    [{ path: '', op: 'replace', before: 1, after: 2 }, 'plan', '/: 1 → 2'],
  ];
  for (const [change, style, line] of cases) {
    it(`words a ${change.op} of ${change.path || 'the root'} (${style})`, () => {
      expect(renderFieldChange('routes', change, style)).toBe(line);
    });
  }
});

const secretRoute = (value: string): ApisixObject => ({ id: 'r', uri: '/r', plugins: { 'proxy-rewrite': { headers: { set: { 'X-Api-Key': value } } } } });
const maskedRoute = (word: string): ApisixObject => secretRoute(word);
const steps: Record<'create' | 'update' | 'delete', PlanStep> = {
  create: { op: 'create', kind: 'routes', id: 'r', after: secretRoute(NEW) },
  delete: { op: 'delete', kind: 'routes', id: 'r', before: secretRoute(OLD) },
  update: {
    op: 'update',
    kind: 'routes',
    id: 'r',
    before: secretRoute(OLD),
    after: secretRoute(NEW),
    changes: [{ path: HEADER, op: 'replace', before: OLD, after: NEW }],
  },
};
const maskedSteps: Record<'create' | 'update' | 'delete', PlanStep> = {
  create: { op: 'create', kind: 'routes', id: 'r', after: maskedRoute('<masked>') },
  delete: { op: 'delete', kind: 'routes', id: 'r', before: maskedRoute('<masked>') },
  update: {
    op: 'update',
    kind: 'routes',
    id: 'r',
    before: maskedRoute('<masked>'),
    after: maskedRoute('<masked, changed>'),
    changes: [{ path: HEADER, op: 'replace', before: '<masked>', after: '<masked, changed>' }],
  },
};
const planOf = (s: PlanStep[], retire?: PlanStep[]): Plan => ({ group: 'staging', digest: 'sha256:d', steps: s, conflicts: [], ...(retire ? { retire } : {}) }) as unknown as Plan;

const plainUpdate: PlanStep = { op: 'update', kind: 'routes', id: 'r', before: { id: 'r', uri: '/a' }, after: { id: 'r', uri: '/b' }, changes: [] };

describe('maskPlan', () => {
  const cases: ReadonlyArray<readonly [string, Plan, Plan]> = [
    ['a create', planOf([steps.create]), planOf([maskedSteps.create])],
    ['a delete', planOf([steps.delete]), planOf([maskedSteps.delete])],
    ['an update, its bodies and its field changes', planOf([steps.update]), planOf([maskedSteps.update])],
    ['retirements', planOf([], [steps.delete]), planOf([], [maskedSteps.delete])],
    ['an update whose bodies hold no secret', planOf([plainUpdate]), planOf([plainUpdate])],
  ];
  for (const [name, plan, masked] of cases) {
    it(`masks ${name}`, () => {
      expect(maskPlan(plan)).toStrictEqual(masked);
      expect(JSON.stringify(maskPlan(plan))).not.toMatch(/canary-/);
    });
  }
});

describe('driftJson', () => {
  const target = (plan: Plan | null): TargetDrift => ({
    target: 'eu-1',
    kind: 'apisix',
    status: 'drifted',
    runs: { state: 'previous', digest: null, services: [] },
    objects: [{ kind: 'routes', id: 'r', state: 'changed', fields: [{ path: HEADER, op: 'replace', before: OLD, after: NEW }] }],
    conflicts: [],
    plan,
    error: null,
  });
  const report = (plan: Plan | null): DriftReport => ({ group: 'staging', digest: 'sha256:d', inSync: false, targets: [target(plan)] });

  it('masks the field changes and the plan of every target, and keeps the rest', () => {
    const json = driftJson(report(planOf([steps.update])));
    expect(json).toStrictEqual({
      ...report(planOf([maskedSteps.update])),
      targets: [{ ...target(planOf([maskedSteps.update])), objects: [{ kind: 'routes', id: 'r', state: 'changed', fields: [{ path: HEADER, op: 'replace', before: '<masked>', after: '<masked, changed>' }] }] }],
    });
    expect(JSON.stringify(json)).not.toMatch(/canary-/);
  });

  it('keeps a target without a plan without one', () => {
    expect(driftJson(report(null)).targets[0]?.plan).toBeNull();
  });
});

describe('renderDrift: the summary line', () => {
  const at = (name: string, status: TargetDrift['status'], runs: TargetDrift['runs']['state'] = 'previous'): TargetDrift => ({
    target: name,
    kind: 'apisix',
    status,
    runs: { state: runs, digest: null, services: [] },
    objects: [],
    conflicts: [],
    plan: null,
    error: null,
  });
  const cases: ReadonlyArray<readonly [string, TargetDrift[], string]> = [
    ['one target in sync', [at('a', 'in-sync')], 'staging: the target is in sync'],
    ['every target in sync', [at('a', 'in-sync'), at('b', 'in-sync')], 'staging: all 2 targets are in sync'],
    ['drifted targets only', [at('a', 'drifted'), at('b', 'drifted')], 'staging: 0 in sync, 2 drifted (of 2 targets)'],
    [
      'one of each, the drifted one mixed',
      [at('a', 'in-sync'), at('b', 'drifted', 'mixed'), at('c', 'unreachable'), at('d', 'failed')],
      'staging: 1 in sync, 1 drifted, 1 of them mixed, 2 not readable (of 4 targets)',
    ],
    ['an unreadable target beside one in sync', [at('a', 'in-sync'), at('b', 'unreachable')], 'staging: 1 in sync, 1 not readable (of 2 targets)'],
  ];
  for (const [name, targets, summary] of cases) {
    it(`sums up ${name}`, () => {
      const text = renderDrift({ group: 'staging', digest: 'sha256:d', inSync: targets.every((t) => t.status === 'in-sync'), targets });
      expect(text.endsWith(`\n${summary}\n`)).toBe(true);
    });
  }
});
