import { canonicalJson } from '../compile/canonical.js';
import { APISIX_KINDS, LABEL_SERVICE, LABEL_VERSION, type ApisixConfig, type ApisixKind, type ApisixObject } from '../model/apisix.js';
import type { Snapshot } from '../model/snapshot.js';
import type { TargetKind } from '../model/target.js';
import { SyncError, errorData, type SyncErrorData } from './errors.js';
import type { LeaseNote } from './lease/fleet-lease.js';
import { stripServerFields } from './normalize.js';
import { ownedObjects, planSync, type Conflict, type Plan, type PlanCounts, type PlanMemo, type PlanStep } from './plan.js';
import type { ApplyReport, LiveState, ReadBackEntry, RestoreReport, Target } from './targets/port.js';

/** The part of a snapshot the sync engine uses. */
export type SyncSnapshot = Pick<Snapshot, 'group' | 'digest' | 'apisix'>;

/**
 * - `in-sync`: the target already held the snapshot; nothing was written.
 * - `applied`: the plan was applied and the read-back matches the snapshot.
 * - `failed`: conflict, authentication, rejected or failed write, or failed verification.
 * - `skipped`: not synced because an earlier batch of the rollout failed.
 * - `unreachable`: the target could not be read at all.
 */
export type TargetStatus = 'in-sync' | 'applied' | 'failed' | 'skipped' | 'unreachable';

/**
 * What a target runs after the run, as far as it could be read:
 * `snapshot` — this snapshot (`digest` is its digest); `previous` — what it held before the run
 * (`digest` is the one the target reports, null when it keeps none, e.g. the Admin API);
 * `unknown` — it could not be read, or holds neither (a restore that did not complete).
 */
export interface RunningConfig {
  readonly state: 'snapshot' | 'previous' | 'unknown';
  readonly digest: string | null;
  /** The group's services on the target, from the labels of its objects, by name. */
  readonly services: readonly { readonly name: string; readonly version: string }[];
}

/** One step of a plan without the object bodies, for reports. */
export interface StepSummary {
  readonly op: PlanStep['op'];
  readonly kind: ApisixKind;
  readonly id: string;
  /** JSON pointers of the changed fields of an update. */
  readonly fields?: readonly string[];
}

export interface TargetReport {
  readonly target: string;
  readonly kind: TargetKind;
  readonly status: TargetStatus;
  readonly runs: RunningConfig;
  /** Counts of the plan made for the target; null when it could not be read. */
  readonly plan: PlanCounts | null;
  readonly steps: readonly StepSummary[];
  readonly conflicts: readonly Conflict[];
  /** Successful writes of the plan (undo writes not counted). */
  readonly writes: number;
  readonly error: SyncErrorData | null;
  /** After a failed apply: the undo, and whether a read-back found the pre-run state again. */
  readonly restore: (RestoreReport & { readonly verified: boolean }) | null;
  /** What the run's lease on the target proved (set by `FleetLease.prove`; docs/concurrent-runs.md). */
  readonly lease?: LeaseNote;
}

export interface SyncTargetOptions {
  /** Writes in flight at once within a phase. Default 16. */
  readonly concurrency?: number;
}

const UNKNOWN: RunningConfig = { state: 'unknown', digest: null, services: [] };

/** The group's `{name, version}` pairs found in labels, by name. */
export function servicesIn(config: ApisixConfig): RunningConfig['services'] {
  const versions = new Map<string, string>();
  for (const kind of APISIX_KINDS) {
    for (const obj of config[kind]) {
      const name = obj.labels?.[LABEL_SERVICE];
      const version = obj.labels?.[LABEL_VERSION];
      if (name !== undefined && version !== undefined) versions.set(name, version);
    }
  }
  return [...versions.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, version]) => ({ name, version }));
}

export function summarizeSteps(plan: Plan): StepSummary[] {
  return plan.steps.map((s) =>
    s.op === 'update' ? { op: s.op, kind: s.kind, id: s.id, fields: s.changes.map((c) => c.path) } : { op: s.op, kind: s.kind, id: s.id },
  );
}

/** Whether the group's objects on two reads of one target are the same (server fields aside). */
function sameOwnedState(a: ApisixConfig, b: ApisixConfig, group: string): boolean {
  const form = (config: ApisixConfig): string => {
    const owned = ownedObjects(config, group);
    return canonicalJson(APISIX_KINDS.map((kind) => owned[kind].map((o) => stripServerFields(o))));
  };
  return form(a) === form(b);
}

function isSynced(plan: Plan): boolean {
  return plan.steps.length === 0 && plan.conflicts.length === 0;
}

function runningSnapshot(snapshot: SyncSnapshot): RunningConfig {
  return { state: 'snapshot', digest: snapshot.digest, services: servicesIn(snapshot.apisix) };
}

function runningPrevious(live: LiveState, group: string): RunningConfig {
  return { state: 'previous', digest: live.digest, services: servicesIn(ownedObjects(live.config, group)) };
}

/** Most steps a plan may have to be verified by reading back only the objects it wrote. */
export const READ_BACK_MAX_STEPS = 256;
/** ... and a plan's steps must be fewer than 1/`READ_BACK_RATIO` of the objects read before it. */
export const READ_BACK_RATIO = 8;

/**
 * Whether a successful apply of `steps` writes, on a target that held `objectsRead` objects (all
 * kinds, all owners), is verified by reading back only the written objects instead of the whole
 * target: at most `READ_BACK_MAX_STEPS` writes, and fewer than 1/`READ_BACK_RATIO` of the objects.
 *
 * Why: a whole read lists 500 objects a page, a few pages at a time; a targeted read-back is one
 * request per object, `concurrency` at a time. One request costs the gateway and the client about
 * as much as several objects inside a page (request handling, key check, a storage read,
 * headers), so the targeted read only pays off while the plan is a small part of the gateway, and
 * its round trips grow with the plan while the list's grow with the gateway. A one-route change
 * to a gateway of 50,000 objects is one GET instead of 100 pages; a plan past the rule (usually a
 * first sync, a large release or a small gateway) is read whole, as before.
 *
 * The trade-off: a targeted read-back proves that every write landed as planned (a write the
 * gateway did not keep, or kept differently, is `verify-failed` as before), but it does not see
 * another writer changing *other* objects during the run. The conflict check of the plan (made
 * from the read before the run), `status --live` and the agent's drift checks cover those.
 */
export function readsBackWrittenOnly(steps: number, objectsRead: number): boolean {
  return steps <= READ_BACK_MAX_STEPS && steps * READ_BACK_RATIO < objectsRead;
}

function objectCount(config: ApisixConfig): number {
  return APISIX_KINDS.reduce((n, kind) => n + config[kind].length, 0);
}

/**
 * `config` with the read-back objects in place of those at their ids (a null one removed, a new
 * one added), each kind still sorted by id. Every other object is kept as read before the run.
 */
function withReadBack(config: ApisixConfig, entries: readonly ReadBackEntry[]): ApisixConfig {
  const byId = (a: ApisixObject, b: ApisixObject) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const result: Record<ApisixKind, readonly ApisixObject[]> = { ...config };
  for (const kind of APISIX_KINDS) {
    const found = new Map<string, ApisixObject | null>();
    for (const entry of entries) if (entry.kind === kind) found.set(entry.id, entry.object);
    if (found.size === 0) continue;
    // The kind is sorted already: substitute in place, then merge in the (few) new ids.
    const kept: ApisixObject[] = [];
    for (const obj of config[kind]) {
      const id = String(obj.id);
      const now = found.get(id);
      if (now === undefined) {
        kept.push(obj);
        continue;
      }
      found.delete(id);
      if (now !== null) kept.push(now);
    }
    const added = [...found.values()].filter((o): o is ApisixObject => o !== null).sort(byId);
    const merged: ApisixObject[] = [];
    let i = 0;
    for (const obj of added) {
      while (i < kept.length && byId(kept[i] as ApisixObject, obj) < 0) merged.push(kept[i++] as ApisixObject);
      merged.push(obj);
    }
    while (i < kept.length) merged.push(kept[i++] as ApisixObject);
    result[kind] = merged;
  }
  return result;
}

/**
 * The target's state after a successful apply of `plan`, to plan against again: the objects the
 * plan wrote read back into the state read before it when the target can and the plan is small
 * (`readsBackWrittenOnly`), else a whole read.
 */
async function readAfterApply(target: Target, plan: Plan, live: LiveState, concurrency: number): Promise<LiveState> {
  if (target.readBack === undefined || !readsBackWrittenOnly(plan.steps.length, objectCount(live.config))) {
    return target.read();
  }
  const refs = plan.steps.map((s) => ({ kind: s.kind, id: s.id }));
  const entries = await target.readBack(refs, { concurrency });
  const answered = new Set(entries.map((e) => `${e.kind}/${e.id}`));
  const missing = refs.filter((r) => !answered.has(`${r.kind}/${r.id}`));
  if (missing.length > 0) {
    throw new SyncError({
      code: 'internal',
      target: target.name,
      message: `internal error: the read-back of target ${target.name} left out ${missing.map((r) => `${r.kind}/${r.id}`).join(', ')}`,
      hint: 'this is a bug in tagway; please report it with the command you ran',
    });
  }
  // A targeted read-back does not read a digest the target reports itself (the Admin API keeps none).
  return { config: withReadBack(live.config, entries), digest: null };
}

/**
 * What a target runs, from a read-only look: the snapshot, or what it held before (an in-flight
 * sync elsewhere aside). Used for targets a rollout skipped.
 */
export async function probeTarget(snapshot: SyncSnapshot, target: Target): Promise<{ runs: RunningConfig; plan: Plan | null; error: SyncErrorData | null }> {
  try {
    const live = await target.read();
    const plan = planSync(snapshot, live.config);
    return { runs: isSynced(plan) ? runningSnapshot(snapshot) : runningPrevious(live, snapshot.group), plan, error: null };
  } catch (error) {
    return { runs: UNKNOWN, plan: null, error: errorData(error, target.name) };
  }
}

/**
 * Syncs one target: read → plan → apply → verify. Never throws for gateway failures; the report
 * says what happened and what the target runs now.
 *
 * - A conflict stops the target before any write.
 * - After a successful apply the target is read back and planned again; anything left to do is
 *   `verify-failed`. A small plan is read back object by object (see `readsBackWrittenOnly`).
 * - After a failed apply (the target has undone its writes) the target is read back: the restore
 *   is verified when the group's objects equal those read before the run.
 */
export async function syncTarget(snapshot: SyncSnapshot, target: Target, options: SyncTargetOptions = {}): Promise<TargetReport> {
  const base = { target: target.name, kind: target.kind };
  let live: LiveState;
  try {
    live = await target.read();
  } catch (error) {
    const data = errorData(error, target.name);
    return {
      ...base,
      status: data.code === 'unreachable' ? 'unreachable' : 'failed',
      runs: UNKNOWN,
      plan: null,
      steps: [],
      conflicts: [],
      writes: 0,
      error: data,
      restore: null,
    };
  }

  // The verification plans below compare again only what this plan did not find unchanged.
  const memo: PlanMemo = new WeakMap();
  const plan = planSync(snapshot, live.config, memo);
  const planned = { plan: plan.counts, steps: summarizeSteps(plan), conflicts: plan.conflicts };
  if (plan.conflicts.length > 0) {
    return {
      ...base,
      ...planned,
      status: 'failed',
      runs: runningPrevious(live, snapshot.group),
      writes: 0,
      error: {
        code: 'conflict',
        target: target.name,
        message: `target ${target.name}: ${plan.conflicts.length} object(s) in the way are not this group's to change; nothing was written`,
        hint: plan.conflicts[0]?.hint ?? '',
        objects: plan.conflicts.map((c) => ({ kind: c.kind, id: c.id })),
      },
      restore: null,
    };
  }
  if (plan.steps.length === 0) {
    return { ...base, ...planned, status: 'in-sync', runs: runningSnapshot(snapshot), writes: 0, error: null, restore: null };
  }

  let applied: ApplyReport;
  try {
    applied = await target.apply(plan, { concurrency: options.concurrency ?? 16 });
  } catch (error) {
    applied = { ok: false, writes: 0, error: errorData(error, target.name), restore: { attempted: false, ok: false, failures: [] } };
  }

  let after: LiveState | null = null;
  let readBackError: SyncErrorData | null = null;
  try {
    after = applied.ok ? await readAfterApply(target, plan, live, options.concurrency ?? 16) : await target.read();
  } catch (error) {
    readBackError = errorData(error, target.name);
  }

  if (applied.ok) {
    if (after === null) {
      return { ...base, ...planned, status: 'failed', runs: UNKNOWN, writes: applied.writes, error: readBackError, restore: null };
    }
    const remaining = planSync(snapshot, after.config, memo);
    if (isSynced(remaining)) {
      return { ...base, ...planned, status: 'applied', runs: runningSnapshot(snapshot), writes: applied.writes, error: null, restore: null };
    }
    const left = [...remaining.steps.map((s) => `${s.op} ${s.kind}/${s.id}`), ...remaining.conflicts.map((c) => `${c.code} ${c.kind}/${c.id}`)];
    return {
      ...base,
      ...planned,
      status: 'failed',
      runs: sameOwnedState(live.config, after.config, snapshot.group) ? runningPrevious(after, snapshot.group) : UNKNOWN,
      writes: applied.writes,
      error: {
        code: 'verify-failed',
        target: target.name,
        message: `target ${target.name} does not hold the snapshot after applying it; still different: ${left.join(', ')}`,
        hint: 'another writer may have changed the gateway during the sync; sync again',
        objects: [...remaining.steps, ...remaining.conflicts].map((s) => ({ kind: s.kind, id: s.id })),
      },
      restore: null,
    };
  }

  let runs: RunningConfig = UNKNOWN;
  let verified = false;
  if (after !== null) {
    if (sameOwnedState(live.config, after.config, snapshot.group)) {
      verified = true;
      runs = runningPrevious(after, snapshot.group);
    } else if (isSynced(planSync(snapshot, after.config, memo))) {
      runs = runningSnapshot(snapshot);
    }
  }
  return {
    ...base,
    ...planned,
    status: 'failed',
    runs,
    writes: applied.writes,
    error: applied.error,
    restore: { ...applied.restore, verified },
  };
}
