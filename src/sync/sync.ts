import { canonicalJson } from '../core/canonical.js';
import { LABEL_SERVICE, LABEL_VERSION, type ApisixConfig, type ApisixObject } from '../model/apisix.js';
import { KINDS, configOf, objectCount } from '../apisix/kinds/index.js';
import { SyncError, abortReason, errorData, inPhase, interruptedError, type SyncErrorData, type SyncPhase } from './errors.js';
import { normalizeObject, stripServerFields } from '../apisix/normalize.js';
import { invertPlan, ownedObjects, planSync, withConflicts, type Plan, type PlanMemo, type PlanStep } from './plan.js';
import { deletesReferable, referrerConflicts } from './referrers.js';
import type { ApplyContext, ApplyReport, LiveState, ReadBackEntry, Target } from './targets/port.js';
import type { RunningConfig, StepSummary, SyncSnapshot, TargetReport } from './report.js';

export interface SyncTargetOptions {
  /** Writes in flight at once within a phase. Default 16. */
  readonly concurrency?: number;
  /**
   * The target as read and planned just before (a rollout's preflight), without conflicts: it is
   * not read again. Absent: the sync starts with its own read.
   */
  readonly preread?: TargetRead;
  /**
   * Once aborted (its `reason` a signal name such as `SIGINT`), no new write starts: writes in
   * flight finish, what the run changed is undone, and the report is `interrupted`. A sync that
   * finished applying is left as it is (a rollout undoes it, see `TargetSync.undo`).
   */
  readonly signal?: AbortSignal;
  /** Told what the sync of the target does as it goes (see `SyncEvent`). */
  readonly onEvent?: (event: SyncEvent) => void;
}

/**
 * What a sync tells as it goes, for progress output (and the CLI's second signal):
 * - `writes-started`: the target is about to be written (the plan, or the undo of it);
 *   `writes-ended`: those writes are over and the target was read back. Between the two a target
 *   may hold some objects of the snapshot and some of the state before;
 * - `phase`: the target enters a phase (`preflight`, `read`, `apply`, `verify`, `restore`), or is
 *   `done` (its report made);
 * - `progress`: of the `total` writes of the target's plan (or undo), `done` have been made.
 */
export type SyncEvent =
  | { readonly type: 'writes-started' | 'writes-ended'; readonly target: string }
  | { readonly type: 'phase'; readonly target: string; readonly phase: SyncPhase | 'done' }
  | { readonly type: 'progress'; readonly target: string; readonly done: number; readonly total: number };

/** A target's sync, and how to take it back while the run still goes on. */
export interface TargetSync {
  readonly report: TargetReport;
  /**
   * For an `applied` target: writes back what it held before the run (each step's `before`, see
   * `invertPlan`), reads it back, and returns its report: `interrupted`, or with a `cause` (its
   * health checks failed) `failed` with that error. Null otherwise.
   */
  readonly undo: ((cause?: UndoCause) => Promise<TargetReport>) | null;
}

/** Why an applied target is taken back when it is not a stop request: its error (e.g. `checks-failed`). */
export interface UndoCause {
  readonly error: SyncErrorData;
}

const UNKNOWN: RunningConfig = { state: 'unknown', digest: null, services: [] };

/** The `{name, version}` pairs found in labels, by name then version, each pair once. */
export function servicesIn(config: ApisixConfig): RunningConfig['services'] {
  const pairs = new Map<string, { readonly name: string; readonly version: string }>();
  for (const kind of KINDS) {
    for (const obj of config[kind.name]) {
      const name = obj.labels?.[LABEL_SERVICE];
      const version = obj.labels?.[LABEL_VERSION];
      // A NUL cannot occur in a label: the key tells pairs apart.
      if (name !== undefined && version !== undefined) pairs.set(`${name}\u0000${version}`, { name, version });
    }
  }
  return [...pairs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, pair]) => pair);
}


/** The plan's steps, then its retirements (the second stage, docs/adoption.md), as the report lists them. */
export function summarizeSteps(plan: Plan): StepSummary[] {
  return [...plan.steps, ...(plan.retire ?? [])].map((s): StepSummary => {
    if (s.op === 'update') return { op: s.op, kind: s.kind, id: s.id, fields: s.changes.map((c) => c.path), ...(s.takeover === true ? { adoption: 'takeover' as const } : {}) };
    if (s.op === 'delete' && s.retiredFor !== undefined) return { op: s.op, kind: s.kind, id: s.id, adoption: 'retire', replacedBy: s.retiredFor };
    return { op: s.op, kind: s.kind, id: s.id };
  });
}

/** What a report says a plan is: its counts, its steps and retirements, its conflicts, the originals it keeps, the routes it sees shadowed. */
function plannedOf(plan: Plan): Pick<TargetReport, 'plan' | 'steps' | 'conflicts' | 'kept' | 'shadowed'> {
  return {
    plan: plan.counts,
    steps: summarizeSteps(plan),
    conflicts: plan.conflicts,
    ...(plan.kept !== undefined ? { kept: plan.kept } : {}),
    ...(plan.shadowed !== undefined ? { shadowed: plan.shadowed } : {}),
  };
}

/**
 * `plan` with its retirements among its steps, for a target written in one piece (`writesWhole`):
 * one write swaps the originals for their replacements, so nothing is served in between.
 */
function withRetirementsInline(plan: Plan): Plan {
  if (plan.retire === undefined) return plan;
  const { retire, ...rest } = plan;
  return { ...rest, steps: [...plan.steps, ...retire] };
}

/** The second stage of an adoption as a plan of its own: the retirements, nothing else. */
function retirementPlan(snapshot: SyncSnapshot, retire: readonly PlanStep[]): Plan {
  return { group: snapshot.group, digest: snapshot.digest, steps: retire, conflicts: [], counts: { create: 0, update: 0, delete: retire.length, unchanged: 0, retire: retire.length } };
}

/**
 * Whether the group's objects on two reads of one target are the same (server fields aside), and
 * so are the objects at `foreign` (`kind/id`: those an adoption takes over or retires, which the
 * group does not own before the run).
 */
function sameOwnedState(a: ApisixConfig, b: ApisixConfig, group: string, foreign: ReadonlySet<string> = new Set()): boolean {
  const form = (config: ApisixConfig): string => {
    const owned = ownedObjects(config, group);
    // In their comparison form: what the gateway keeps only encrypted (an SSL's key) is not compared.
    const others = KINDS.map((kind) => config[kind.name].filter((o) => foreign.has(`${kind.name}/${String(o.id)}`)).map((o) => normalizeObject(kind, o)));
    return canonicalJson([KINDS.map((kind) => owned[kind.name].map((o) => stripServerFields(kind, o))), others]);
  };
  return form(a) === form(b);
}

/** `kind/id` of the objects a plan takes over or retires (docs/adoption.md): not the group's before the run. */
function adoptedKeys(plan: Plan): Set<string> {
  const keys = new Set<string>();
  for (const s of [...plan.steps, ...(plan.retire ?? [])]) {
    if ((s.op === 'update' && s.takeover === true) || (s.op === 'delete' && s.retiredFor !== undefined)) keys.add(`${s.kind}/${s.id}`);
  }
  return keys;
}

/**
 * The target holds the snapshot's objects: nothing to write, nothing in the way. Retirements may
 * be left (the originals an adoption replaces are still there): see `isDone`.
 */
function isSynced(plan: Plan): boolean {
  return plan.steps.length === 0 && plan.conflicts.length === 0;
}

/** Nothing at all left to do: the snapshot's objects, and no original left to retire. */
export function isDone(plan: Plan): boolean {
  return isSynced(plan) && plan.retire === undefined;
}

function runningSnapshot(snapshot: SyncSnapshot): RunningConfig {
  return { state: 'snapshot', digest: snapshot.digest, services: servicesIn(snapshot.apisix) };
}

/**
 * What a target that does not hold the snapshot runs: what it held before the run, or `mixed` when
 * a run of the group started writing it and did not finish (its record is there,
 * targets/apisix/unfinished.ts).
 */
function runningPrevious(live: LiveState, group: string): RunningConfig {
  const services = servicesIn(ownedObjects(live.config, group));
  const unfinished = live.unfinished?.find((run) => run.group === group);
  if (unfinished === undefined) return { state: 'previous', digest: live.digest, services };
  return { state: 'mixed', digest: live.digest, services, unfinished: { digest: unfinished.digest, description: unfinished.description } };
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

/**
 * `config` with the read-back objects in place of those at their ids (a null one removed, a new
 * one added), each kind still sorted by id. Every other object is kept as read before the run.
 */
function withReadBack(config: ApisixConfig, entries: readonly ReadBackEntry[]): ApisixConfig {
  const byId = (a: ApisixObject, b: ApisixObject) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return configOf(({ name }) => {
    const found = new Map<string, ApisixObject | null>();
    for (const entry of entries) if (entry.kind === name) found.set(entry.id, entry.object);
    if (found.size === 0) return config[name];
    // The kind is sorted already: substitute in place, then merge in the (few) new ids.
    const kept: ApisixObject[] = [];
    for (const obj of config[name]) {
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
    return merged;
  });
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

/** A target read, and the snapshot planned against what it holds. */
export interface TargetRead {
  readonly live: LiveState;
  readonly plan: Plan;
  /** What the plan learnt, for the plans of the same sync that follow (see `PlanMemo`). */
  readonly memo: PlanMemo;
}

/**
 * Reads a target and plans the snapshot against it: how every sync, drift check and probe
 * starts. When the plan deletes an upstream or a service, the objects of the kinds tagway does
 * not write that use one (`readReferrers`) are read as well, and each such delete is a
 * `still-referenced` conflict. Throws what the reads throw.
 */
export async function planTarget(snapshot: SyncSnapshot, target: Target): Promise<TargetRead> {
  const live = await target.read();
  const memo: PlanMemo = new WeakMap();
  let plan = planSync(snapshot, live.config, memo);
  if (target.readReferrers !== undefined && deletesReferable(plan)) {
    plan = withConflicts(plan, referrerConflicts(plan, await target.readReferrers()));
  }
  return { live, plan, memo };
}

/**
 * What a target runs, from a read-only look: the snapshot, or what it held before (an in-flight
 * sync elsewhere aside). Used for targets a rollout skipped.
 */
export async function probeTarget(snapshot: SyncSnapshot, target: Target): Promise<{ runs: RunningConfig; plan: Plan | null; error: SyncErrorData | null }> {
  try {
    const { live, plan } = await planTarget(snapshot, target);
    return { runs: runsOf(snapshot, live, plan), plan, error: null };
  } catch (error) {
    return { runs: UNKNOWN, plan: null, error: errorData(error, target.name) };
  }
}

/** What a target runs according to a read and the plan made from it. */
export function runsOf(snapshot: SyncSnapshot, live: LiveState, plan: Plan): RunningConfig {
  return isSynced(plan) ? runningSnapshot(snapshot) : runningPrevious(live, snapshot.group);
}

/** The report of a target that could not be read (`phase`: where), so was not written. */
export function unreadReport(target: Target, error: unknown, phase: SyncPhase): TargetReport {
  const data = inPhase(errorData(error, target.name), phase);
  return {
    target: target.name,
    kind: target.kind,
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

/** The report of a target whose plan has conflicts (found in `phase`): nothing is written. */
export function blockedReport(snapshot: SyncSnapshot, target: Target, read: TargetRead, phase: SyncPhase): TargetReport {
  const { plan } = read;
  return {
    target: target.name,
    kind: target.kind,
    plan: plan.counts,
    steps: summarizeSteps(plan),
    conflicts: plan.conflicts,
    status: 'failed',
    runs: runningPrevious(read.live, snapshot.group),
    writes: 0,
    error: {
      code: 'conflict',
      target: target.name,
      message: `target ${target.name}: ${plan.conflicts.length} object(s) in the way are not this group's to change; nothing was written`,
      hint: plan.conflicts[0]?.hint ?? '',
      objects: plan.conflicts.map((c) => ({ kind: c.kind, id: c.id })),
      phase,
    },
    restore: null,
  };
}

/** The report of a target a rollout did not write: what it runs as of `read` (null: unread). */
export function skippedReport(snapshot: SyncSnapshot, target: Target, read: TargetRead | null): TargetReport {
  return {
    target: target.name,
    kind: target.kind,
    status: 'skipped',
    runs: read === null ? UNKNOWN : runsOf(snapshot, read.live, read.plan),
    plan: read?.plan.counts ?? null,
    steps: [],
    conflicts: [],
    writes: 0,
    error: null,
    restore: null,
  };
}

/**
 * Syncs one target: read → plan → apply → verify. Never throws for gateway failures; the report
 * says what happened and what the target runs now.
 *
 * - With `preread`, the target is not read again: the plan made from that read is applied.
 * - A conflict stops the target before any write.
 * - After a successful apply the target is read back and planned again; anything left to do is
 *   `verify-failed`. A small plan is read back object by object (see `readsBackWrittenOnly`).
 * - After a failed or interrupted apply (the target has undone its writes) the target is read
 *   back: the restore is verified when the group's objects equal those read before the run.
 * - An error says the phase it happened in (read, apply, verify, restore).
 */
export async function syncTarget(snapshot: SyncSnapshot, target: Target, options: SyncTargetOptions = {}): Promise<TargetReport> {
  return (await runTargetSync(snapshot, target, options)).report;
}

/** `syncTarget`, with the undo of an applied target (for a rollout interrupted in its batch). */
export async function runTargetSync(snapshot: SyncSnapshot, target: Target, options: SyncTargetOptions = {}): Promise<TargetSync> {
  const done = (report: TargetReport): TargetSync => ({ report, undo: null });
  let read = options.preread;
  if (read === undefined) {
    options.onEvent?.({ type: 'phase', target: target.name, phase: 'read' });
    try {
      read = await planTarget(snapshot, target);
    } catch (error) {
      return done(unreadReport(target, error, 'read'));
    }
  }
  if (read.plan.conflicts.length > 0) return done(blockedReport(snapshot, target, read, 'read'));

  // The verification plans below compare again only what this plan did not find unchanged.
  const { live, memo } = read;
  // A target written in one piece retires the originals an adoption replaces in the same write.
  const plan = target.writesWhole === true ? withRetirementsInline(read.plan) : read.plan;
  const base = { target: target.name, kind: target.kind };
  const planned = plannedOf(plan);
  if (plan.steps.length === 0) {
    // The snapshot's objects are there; the originals an adoption replaces may be left.
    if (plan.retire !== undefined) return retireStage(snapshot, target, read, { plan, writes: 0, state: live }, options);
    // The target holds the snapshot: the record of a run that did not finish is out of date.
    if (live.unfinished?.some((run) => run.group === snapshot.group) === true) await target.clearUnfinished?.(snapshot.group);
    return done({ ...base, ...planned, status: 'in-sync', runs: runningSnapshot(snapshot), writes: 0, error: null, restore: null });
  }
  const { signal } = options;
  if (signal?.aborted === true) {
    return done({
      ...base,
      ...planned,
      status: 'interrupted',
      runs: runningPrevious(live, snapshot.group),
      writes: 0,
      error: interruptedError(target.name, signal, 0, plan.steps.length),
      restore: null,
    });
  }

  const { applied, after, readBackError } = await applyAndReadBack(target, plan, live, options);

  if (applied.ok) {
    if (after === null) {
      return done({ ...base, ...planned, status: 'failed', runs: UNKNOWN, writes: applied.writes, error: readBackError, restore: null });
    }
    const remaining = planSync(snapshot, after.config, memo);
    if (isSynced(remaining)) {
      // The replacements hold: the second stage retires the originals (docs/adoption.md).
      if (remaining.retire !== undefined) return retireStage(snapshot, target, read, { plan: { ...plan, retire: remaining.retire }, writes: applied.writes, state: after }, options);
      const report: TargetReport = { ...base, ...planned, status: 'applied', runs: runningSnapshot(snapshot), writes: applied.writes, error: null, restore: null };
      return { report, undo: (cause) => undoTarget(snapshot, target, read, plan, report, options, cause) };
    }
    const left = [...remaining.steps.map((s) => `${s.op} ${s.kind}/${s.id}`), ...remaining.conflicts.map((c) => `${c.code} ${c.kind}/${c.id}`)];
    return done({
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
        phase: 'verify',
      },
      restore: null,
    });
  }

  const restored = restoredState(snapshot, live, after, memo, adoptedKeys(plan));
  return done({
    ...base,
    ...planned,
    status: applied.error.code === 'interrupted' ? 'interrupted' : 'failed',
    runs: restored.runs,
    writes: applied.writes,
    error: applied.error.code === 'interrupted' ? applied.error : inPhase(applied.error, 'apply'),
    restore: { ...applied.restore, verified: restored.verified, ...unread(readBackError) },
  });
}

/**
 * Applies `plan` to a target that held `state`, then reads it back: the written objects (or the
 * whole target, see `readAfterApply`) after a successful apply, the whole target after a failed
 * one (to verify its restore). Tells the events of the writes and phases on the way.
 */
async function applyAndReadBack(
  target: Target,
  plan: Plan,
  state: LiveState,
  options: SyncTargetOptions,
): Promise<{ applied: ApplyReport; after: LiveState | null; readBackError: SyncErrorData | null }> {
  const concurrency = options.concurrency ?? 16;
  const { signal } = options;
  options.onEvent?.({ type: 'writes-started', target: target.name });
  options.onEvent?.({ type: 'phase', target: target.name, phase: 'apply' });
  let applied: ApplyReport;
  try {
    applied = await target.apply(plan, { concurrency, ...(signal !== undefined ? { signal } : {}), ...writeCounter(target, plan, options) });
  } catch (error) {
    applied = { ok: false, writes: 0, error: errorData(error, target.name), restore: { attempted: false, ok: false, failures: [] } };
  }
  let after: LiveState | null = null;
  let readBackError: SyncErrorData | null = null;
  options.onEvent?.({ type: 'phase', target: target.name, phase: applied.ok ? 'verify' : 'restore' });
  try {
    after = applied.ok ? await readAfterApply(target, plan, state, concurrency) : await target.read();
  } catch (error) {
    readBackError = inPhase(errorData(error, target.name), applied.ok ? 'verify' : 'restore');
  }
  options.onEvent?.({ type: 'writes-ended', target: target.name });
  return { applied, after, readBackError };
}

/** Where the second stage of an adoption starts: the plan (its `retire` to apply), the first stage's writes, the state verified after it. */
interface FirstStage {
  readonly plan: Plan;
  readonly writes: number;
  readonly state: LiveState;
}

/**
 * The second stage of an adoption (docs/adoption.md): once the first stage is applied and
 * verified (every replacement holds), deletes the originals it replaces (`plan.retire`), reads
 * back and plans again. The report counts both stages' writes.
 *
 * A failure here restores nothing of the first stage, which is a verified state of its own; the
 * target undoes what this stage deleted (the originals come back) and the report is `failed`,
 * running the snapshot's objects. The next sync finds the originals left and retires them: with
 * the replacements in place, deleting them never drops a route. Interrupted before this stage
 * starts, the target is `applied` (a rollout takes it back with its batch, both stages).
 */
async function retireStage(snapshot: SyncSnapshot, target: Target, read: TargetRead, first: FirstStage, options: SyncTargetOptions): Promise<TargetSync> {
  const retire = first.plan.retire ?? [];
  const stage = retirementPlan(snapshot, retire);
  const both: Plan = { ...first.plan, steps: [...first.plan.steps, ...retire] };
  const base = { target: target.name, kind: target.kind };
  const planned = plannedOf(read.plan);
  const { signal } = options;
  if (signal?.aborted === true) {
    if (first.writes === 0) {
      const error = interruptedError(target.name, signal, 0, retire.length);
      return { report: { ...base, ...planned, status: 'interrupted', runs: runningSnapshot(snapshot), writes: 0, error, restore: null }, undo: null };
    }
    const report: TargetReport = { ...base, ...planned, status: 'applied', runs: runningSnapshot(snapshot), writes: first.writes, error: null, restore: null };
    return { report, undo: (cause) => undoTarget(snapshot, target, read, first.plan, report, options, cause) };
  }

  const { applied, after, readBackError } = await applyAndReadBack(target, stage, first.state, options);
  const writes = first.writes + applied.writes;
  const final = after === null ? null : planSync(snapshot, after.config, read.memo);
  const runs = final !== null && isSynced(final) ? runningSnapshot(snapshot) : UNKNOWN;

  if (applied.ok) {
    if (final !== null && isDone(final)) {
      const report: TargetReport = { ...base, ...planned, status: 'applied', runs, writes, error: null, restore: null };
      return { report, undo: (cause) => undoTarget(snapshot, target, read, both, report, options, cause) };
    }
    const left = final === null ? [] : [...final.steps, ...(final.retire ?? []), ...final.conflicts];
    const error: SyncErrorData =
      final === null
        ? readBackError!
        : {
            code: 'verify-failed',
            target: target.name,
            message: `target ${target.name} does not hold the snapshot after retiring the objects it replaces; still different: ${left.map((s) => `${s.kind}/${s.id}`).join(', ')}`,
            hint: 'another writer may have changed the gateway during the sync; sync again',
            objects: left.map((s) => ({ kind: s.kind, id: s.id })),
            phase: 'verify',
          };
    return { report: { ...base, ...planned, status: 'failed', runs, writes, error, restore: null }, undo: null };
  }
  const interrupted = applied.error.code === 'interrupted';
  const error = interrupted
    ? applied.error
    : inPhase({ ...applied.error, message: `${applied.error.message} (while retiring the objects the snapshot replaces; the replacements hold, and the next sync retires what is left)` }, 'apply');
  return {
    report: {
      ...base,
      ...planned,
      status: interrupted ? 'interrupted' : 'failed',
      runs,
      writes,
      error,
      // What was undone is this stage's deletes; verified when the target holds the snapshot's objects again.
      restore: { ...applied.restore, verified: final !== null && isSynced(final), ...unread(readBackError) },
    },
    undo: null,
  };
}

/**
 * After an undo: whether the read-back `after` holds the group's objects read before the run
 * (`live`), and the objects at `foreign` (those an adoption took over or retired) as they were;
 * and what the target runs (the previous state, the snapshot, or unknown).
 */
function restoredState(snapshot: SyncSnapshot, live: LiveState, after: LiveState | null, memo: PlanMemo, foreign: ReadonlySet<string>): { verified: boolean; runs: RunningConfig } {
  if (after === null) return { verified: false, runs: UNKNOWN };
  if (sameOwnedState(live.config, after.config, snapshot.group, foreign)) return { verified: true, runs: runningPrevious(after, snapshot.group) };
  return { verified: false, runs: isSynced(planSync(snapshot, after.config, memo)) ? runningSnapshot(snapshot) : UNKNOWN };
}

/**
 * Takes an applied target back to the state read before the run (`invertPlan` of the plan it
 * applied, both stages of an adoption's), reads it back, and reports it `interrupted`. Not
 * stoppable: it runs to the end once started.
 */
async function undoTarget(snapshot: SyncSnapshot, target: Target, read: TargetRead, plan: Plan, applied: TargetReport, options: SyncTargetOptions, cause?: UndoCause): Promise<TargetReport> {
  options.onEvent?.({ type: 'writes-started', target: target.name });
  options.onEvent?.({ type: 'phase', target: target.name, phase: 'restore' });
  // Under the digest the target reported before the run (or one of the undo's own): a standalone
  // instance ignores a configuration under the digest it already holds, the run's own.
  const inverse = { ...invertPlan(plan), digest: read.live.digest ?? `${snapshot.digest}~undo` };
  let undone: ApplyReport;
  try {
    undone = await target.apply(inverse, { concurrency: options.concurrency ?? 16, ...writeCounter(target, inverse, options) });
  } catch (error) {
    undone = { ok: false, writes: 0, error: errorData(error, target.name), restore: { attempted: false, ok: false, failures: [] } };
  }
  let after: LiveState | null = null;
  let readError: SyncErrorData | null = null;
  try {
    after = await target.read();
  } catch (error) {
    // Reported as not verified, with why.
    readError = errorData(error, target.name);
  }
  options.onEvent?.({ type: 'writes-ended', target: target.name });
  const restored = restoredState(snapshot, read.live, after, read.memo, adoptedKeys(plan));
  const failure = undone.ok ? null : inPhase(undone.error, 'restore');
  const by = options.signal === undefined ? 'a stop request' : abortReason(options.signal);
  const takenBack = undone.ok ? `its ${applied.writes} writes were taken back` : `taking back its ${applied.writes} writes failed`;
  return {
    ...applied,
    status: cause === undefined ? 'interrupted' : 'failed',
    runs: restored.runs,
    error:
      cause === undefined
        ? {
            code: 'interrupted',
            target: target.name,
            message: `target ${target.name}: the sync was interrupted by ${by} while its batch was being written; ${takenBack}`,
            hint: 'sync again to take the target to the snapshot',
          }
        : { ...cause.error, message: `${cause.error.message}; ${takenBack}` },
    restore: {
      attempted: true,
      ok: undone.ok,
      failures: failure === null ? [] : [{ request: failure.request ?? { method: '?', path: '?', status: null, attempts: 0 }, message: failure.message }],
      verified: restored.verified,
      ...unread(readError),
    },
  };
}

/** A restore's `unread`: the message of the read that was to verify it, when it failed. */
function unread(error: SyncErrorData | null): { readonly unread?: string } {
  return error === null ? {} : { unread: error.message };
}

/** The `onWrites` of an apply that tells `progress` events: how many of the plan's writes are made. */
function writeCounter(target: Target, plan: Plan, options: SyncTargetOptions): Pick<ApplyContext, 'onWrites'> {
  const onEvent = options.onEvent;
  if (onEvent === undefined) return {};
  const total = plan.steps.length;
  let done = 0;
  onEvent({ type: 'progress', target: target.name, done, total });
  return {
    onWrites: (n) => {
      done += n;
      onEvent({ type: 'progress', target: target.name, done, total });
    },
  };
}
