/** Cases of finding referrers in a configuration document and of the deletes they block. */
import { describe, expect, it } from 'vitest';
import type { Conflict, Plan, PlanStep } from './plan.js';
import { referrerConflicts, referrersIn, type Referrer } from './referrers.js';

describe('referrersIn', () => {
  const split = { 'traffic-split': { rules: [{ weighted_upstreams: [{ upstream_id: 'u', weight: 1 }] }] } };
  const cases: ReadonlyArray<{ readonly name: string; readonly doc: Record<string, unknown>; readonly found: string[] }> = [
    { name: 'skips the kinds tagway writes, which the planner sees', doc: { stream_routes: [{ id: 's', upstream_id: 'u' }], plugin_configs: [{ id: 'p', plugins: split }], global_rules: [{ id: 'g', plugins: split }] }, found: [] },
    { name: 'finds nothing in an empty document', doc: {}, found: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(referrersIn(c.doc).map((r) => `${r.kind}/${r.id}`)).toEqual(c.found);
    });
  }
});

describe('referrerConflicts', () => {
  const step = (op: PlanStep['op'], id: string): PlanStep =>
    op === 'create' ? { op, kind: 'upstreams', id, after: { id } } : op === 'delete' ? { op, kind: 'upstreams', id, before: { id } } : { op, kind: 'upstreams', id, before: { id }, after: { id }, changes: [] };
  const conflict = (code: Conflict['code'], id: string): Conflict => ({ code, kind: 'upstreams', id, message: 'm', hint: 'h' });
  const planOf = (steps: PlanStep[], conflicts: Conflict[] = []): Plan => ({ group: 'staging', digest: 'sha256:d', steps, conflicts, counts: { create: 0, update: 0, delete: 0, unchanged: 0 } });
  // No kind is a referrer kind now (referrer-kinds.ts): a kind tagway writes stands in for one.
  const user: Referrer = { kind: 'plugin_configs' as Referrer['kind'], id: 'jack', uses: [{ kind: 'upstreams', id: 'u' }] };

  const cases: ReadonlyArray<{ readonly name: string; readonly plan: Plan; readonly blocked: string[] }> = [
    { name: 'blocks the delete of an upstream a plugin config uses', plan: planOf([step('delete', 'u')]), blocked: ['upstreams/u by plugin_configs/jack'] },
    { name: 'lets a create of that upstream through', plan: planOf([step('create', 'u')]), blocked: [] },
    { name: 'lets an update of that upstream through', plan: planOf([step('update', 'u')]), blocked: [] },
    { name: 'adds nothing when the planner found the delete still used already', plan: planOf([step('delete', 'u')], [conflict('still-referenced', 'u')]), blocked: [] },
    { name: 'still blocks the delete when the plan has another kind of conflict there', plan: planOf([step('delete', 'u')], [conflict('unowned', 'u')]), blocked: ['upstreams/u by plugin_configs/jack'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(referrerConflicts(c.plan, [user]).map((k) => `${k.kind}/${k.id} by ${k.referencedBy?.kind}/${k.referencedBy?.id}`)).toEqual(c.blocked);
    });
  }
});
