/**
 * `diff --live`: what a sync would change on each target of a group's fleet, as a diff (objects
 * with their changed fields and YAML hunks, versions, routing) from the target's live state to
 * the group's snapshot. Made from the drift check (`status --live`), which reads every target
 * once; nothing is written.
 */
import { diffGroup, groupStateFromConfig, groupStateFromSnapshot } from '../diff/index.js';
import type { GroupDiff } from '../diff/index.js';
import { configOf, kindNamed } from '../apisix/kinds/index.js';
import { cmp } from '../model/diagnostic.js';
import type { Snapshot } from '../model/snapshot.js';
import type { TargetDrift } from '../sync/drift.js';
import { comparisonPair, showsStoredDefaults } from '../apisix/normalize.js';
import type { Plan } from '../sync/plan.js';
import { runLiveChecks } from './live.js';
import type { LiveCheckOptions, LiveSection } from './live.js';

/** One target: its drift status and, when it was read, the change a sync would make (null: unread). */
export interface TargetLiveDiff {
  readonly target: string;
  readonly kind: TargetDrift['kind'];
  readonly status: TargetDrift['status'];
  readonly changes: GroupDiff | null;
  readonly conflicts: TargetDrift['conflicts'];
  /** Warnings of the plan: originals an adoption keeps, routes another owner takes (empty: none). */
  readonly kept: NonNullable<Plan['kept']>;
  readonly shadowed: NonNullable<Plan['shadowed']>;
  readonly error: TargetDrift['error'];
}

export type GroupLiveDiff =
  | Extract<LiveSection['groups'][number], { kind: 'findings' }>
  | {
      readonly kind: 'checked';
      readonly group: string;
      readonly ok: boolean;
      readonly digest: string;
      readonly targets: readonly TargetLiveDiff[];
      readonly diagnostics: Extract<LiveSection['groups'][number], { kind: 'checked' }>['diagnostics'];
      readonly sources: ReadonlyMap<string, string>;
    };

export interface LiveDiff {
  /** Every target runs its group's snapshot and every group compiled. */
  readonly ok: boolean;
  readonly groups: readonly GroupLiveDiff[];
}

export async function runLiveDiff(options: LiveCheckOptions): Promise<LiveDiff> {
  const live = await runLiveChecks(options);
  return {
    ok: live.ok,
    groups: live.groups.map((g) =>
      g.kind === 'findings'
        ? g
        : {
            kind: 'checked',
            group: g.group,
            ok: g.ok,
            digest: g.snapshot.digest,
            targets: g.report.targets.map((t) => ({
              target: t.target,
              kind: t.kind,
              status: t.status,
              changes: t.plan === null ? null : planDiff(g.snapshot, t.plan),
              conflicts: t.conflicts,
              kept: t.plan?.kept ?? [],
              shadowed: t.plan?.shadowed ?? [],
              error: t.error,
            })),
            diagnostics: g.diagnostics,
            sources: g.sources,
          },
    ),
  };
}

/**
 * The change a plan makes, as a diff from the target's objects of the group to the snapshot. The
 * target's objects are the snapshot's but where the plan writes: updated ones as read, created
 * ones absent, deleted ones present. Objects are compared in the sync engine's normal forms, so
 * exactly what the plan writes shows, and server fields and stored defaults do not.
 */
export function planDiff(snapshot: Snapshot, plan: Plan): GroupDiff {
  const live = configOf(({ name }) => {
    const steps = plan.steps.filter((s) => s.kind === name);
    const created = new Set(steps.filter((s) => s.op === 'create').map((s) => s.id));
    const read = new Map(steps.flatMap((s) => (s.op === 'update' ? [[s.id, s.before] as const] : [])));
    return [
      ...snapshot.apisix[name].filter((o) => !created.has(o.id)).map((o) => read.get(o.id) ?? o),
      ...steps.flatMap((s) => (s.op === 'delete' ? [s.before] : [])),
    ].sort((a, b) => cmp(a.id, b.id));
  });
  // The desired side as the plan writes it: a step's `after` can differ from the snapshot's object
  // where runtime state is kept (a progressive canary's weight, src/apisix/canary.ts).
  const desired = configOf(({ name }) => {
    // Services only: that is where runtime state lives; other kinds show the snapshot as it is
    // (a consumer's secret reference, never its resolved value).
    const written = new Map(plan.steps.flatMap((s) => (s.kind === name && name === 'services' && s.op !== 'delete' ? [[s.id, s.after] as const] : [])));
    return snapshot.apisix[name].map((o) => written.get(o.id) ?? o);
  });
  const storedDefaults = plan.steps.some((s) => s.op === 'update' && showsStoredDefaults(kindNamed(s.kind), s.after, s.before));
  return diffGroup(snapshot.group, groupStateFromConfig(live), groupStateFromSnapshot({ ...snapshot, apisix: desired }), {
    compare: (kind, liveObject, desired) => {
      const [want, have] = comparisonPair(kind, desired, liveObject, storedDefaults);
      return [have, want];
    },
  });
}
