import type { RolloutSpec, TargetSpec } from '../model/target.js';
import { withFleetLease, type FleetLeaseOptions } from './lease/fleet-lease.js';
import { closeTargets, createTargets, type TargetOptions } from './targets/create.js';
import type { Target } from './targets/port.js';
import { runBounded } from '../core/bounded.js';
import { abortReason } from './errors.js';
import { blockedReport, planTarget, runTargetSync, skippedReport, unreadReport, type SyncEvent, type TargetRead } from './sync.js';
import type { SyncSnapshot } from './report.js';
import type { TargetStatus } from './report.js';
import type { TargetReport } from './report.js';
import type { RolloutReport } from './report.js';

export interface RolloutOptions {
  /** Targets per step, synced concurrently; a step with a failed target halts the rollout. Default 1. */
  readonly batchSize?: number;
  /** Writes in flight per target within a phase. Default 16. */
  readonly concurrency?: number;
  /** Targets read at once by the preflight. Default 8. */
  readonly parallel?: number;
  /**
   * When the preflight finds targets that cannot be synced, roll out to the others instead of
   * writing nothing; those targets are reported failed (or unreachable) and never written.
   */
  readonly allowPartial?: boolean;
  /**
   * Once aborted (its `reason` the signal's name, e.g. `SIGINT`): no new write starts anywhere,
   * the writes in flight finish, and every target of the current batch is taken back to its
   * state before the run (those still writing undo their writes, those done are undone from
   * their plan's undo log); no later batch starts. Earlier batches keep the snapshot.
   */
  readonly signal?: AbortSignal;
  /** Told when a target's writes start and end (see `SyncEvent`). */
  readonly onEvent?: (event: SyncEvent) => void;
}

const SUCCESS: ReadonlySet<TargetStatus> = new Set(['in-sync', 'applied']);

/** A target after the preflight: its read (null when unreadable), and its report if it failed. */
interface Preflight {
  readonly read: TargetRead | null;
  readonly failure: TargetReport | null;
}

/**
 * Reads and plans every target, `parallel` at a time (see `planTarget`); once `signal` aborts no
 * further target is read (those have no entry). Never throws.
 */
async function preflightTargets(
  snapshot: SyncSnapshot,
  targets: readonly Target[],
  parallel: number,
  signal?: AbortSignal,
  onEvent?: (event: SyncEvent) => void,
): Promise<Map<Target, Preflight>> {
  const results = new Map<Target, Preflight>();
  await runBounded(targets, parallel, async (target) => {
    onEvent?.({ type: 'phase', target: target.name, phase: 'preflight' });
    try {
      const read = await planTarget(snapshot, target);
      results.set(target, { read, failure: read.plan.conflicts.length > 0 ? blockedReport(snapshot, target, read, 'preflight') : null });
    } catch (error) {
      results.set(target, { read: null, failure: unreadReport(target, error, 'preflight') });
    }
  }, signal);
  return results;
}

/**
 * Rolls a snapshot out to targets in order, `batchSize` at a time.
 *
 * First the **preflight**: every target is read and planned (authentication, reachability,
 * objects in the way, deletes still used by other kinds) before anything is written. When one
 * fails, nothing is written to any target, unless `allowPartial`: then the failed ones are left
 * out and the others rolled out. The first batch is written from the preflight's reads (no second
 * read, so a single target is read once); later batches read their targets again, as earlier
 * batches take time.
 *
 * The first batch with a target that is not `in-sync`/`applied` halts the rollout; later targets
 * are `skipped`, and what they run is taken from the preflight (they were never written).
 */
export async function rolloutTargets(
  snapshot: SyncSnapshot,
  targets: readonly Target[],
  options: RolloutOptions = {},
): Promise<RolloutReport> {
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 1));
  const { signal } = options;
  // A function, not a property test: TypeScript would take `aborted` to stay as first seen.
  const stopped = (): boolean => signal?.aborted === true;
  const syncOptions = {
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(signal !== undefined ? { signal } : {}),
    ...(options.onEvent !== undefined ? { onEvent: options.onEvent } : {}),
  };
  const preflight = await preflightTargets(snapshot, targets, options.parallel ?? 8, signal, options.onEvent);
  const reports = new Map<Target, TargetReport>();
  for (const [target, { failure }] of preflight) if (failure !== null) reports.set(target, failure);
  const failedPreflight = targets.filter((t) => reports.has(t));

  let halted: RolloutReport['halted'] = null;
  let interrupted: RolloutReport['interrupted'] = null;
  const rollout = failedPreflight.length === 0 || options.allowPartial === true ? targets.filter((t) => !reports.has(t)) : [];
  let next = 0;
  for (let batch = 1; next < rollout.length; batch += 1) {
    if (stopped()) break;
    const members = rollout.slice(next, next + batchSize);
    next += members.length;
    const runs = await Promise.all(
      members.map((t) => {
        const read = batch === 1 ? preflight.get(t)?.read : null;
        return runTargetSync(snapshot, t, { ...syncOptions, ...(read ? { preread: read } : {}) });
      }),
    );
    // Interrupted: the targets of the batch that finished go back too, so that each ends as it was.
    const results = stopped() ? await Promise.all(runs.map((r) => (r.undo === null ? r.report : r.undo()))) : runs.map((r) => r.report);
    members.forEach((t, i) => {
      reports.set(t, results[i] as TargetReport);
      options.onEvent?.({ type: 'phase', target: t.name, phase: 'done' });
    });
    if (signal !== undefined && stopped()) {
      interrupted = { by: abortReason(signal), batch };
      break;
    }
    const failed = results.filter((r) => !SUCCESS.has(r.status)).map((r) => r.target);
    if (failed.length > 0) {
      halted = { batch, failed };
      break;
    }
  }
  if (signal !== undefined && stopped() && interrupted === null) interrupted = { by: abortReason(signal), batch: null };

  const all = targets.map((t) => reports.get(t) ?? skippedReport(snapshot, t, preflight.get(t)?.read ?? null));
  const counts: Record<TargetStatus, number> = { 'in-sync': 0, applied: 0, failed: 0, skipped: 0, unreachable: 0, interrupted: 0 };
  for (const r of all) counts[r.status] += 1;
  return {
    group: snapshot.group,
    digest: snapshot.digest,
    ok: interrupted === null && all.every((r) => SUCCESS.has(r.status)),
    preflight: { ok: failedPreflight.length === 0, failed: failedPreflight.map((t) => t.name) },
    halted,
    interrupted,
    targets: all,
    counts,
  };
}

export interface SyncGroupOptions extends TargetOptions {
  readonly rollout?: RolloutSpec;
  /** Writes in flight per target within a phase (and connections per gateway). Default 16. */
  readonly concurrency?: number;
  /** See `RolloutOptions.allowPartial`. */
  readonly allowPartial?: boolean;
  /** See `RolloutOptions.signal`. */
  readonly signal?: AbortSignal;
  /** See `RolloutOptions.onEvent`. */
  readonly onEvent?: (event: SyncEvent) => void;
  /** The run's leases on the targets (docs/concurrent-runs.md); default: this process as holder, the default wait. */
  readonly lease?: FleetLeaseOptions;
}

/**
 * Syncs a group's snapshot to its fleet: builds the targets from their specs (every credential
 * resolved first: a missing one throws a `credentials` SyncError before any request), rolls out in
 * batches of `rollout.batch_size` under the run's leases (`withFleetLease`: a `locked` SyncError
 * when another run holds the group past the wait), and closes the connections. The caller selects
 * targets (`--target`) by filtering `specs`, and refuses draft snapshots.
 */
export async function syncGroup(
  snapshot: SyncSnapshot,
  specs: readonly TargetSpec[],
  options: SyncGroupOptions,
): Promise<RolloutReport> {
  const targets = createTargets(specs, options);
  try {
    return await withFleetLease(snapshot, targets, options.lease, (leased) =>
      rolloutTargets(snapshot, leased, {
        batchSize: options.rollout?.batch_size ?? 1,
        ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
        ...(options.allowPartial !== undefined ? { allowPartial: options.allowPartial } : {}),
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
        ...(options.onEvent !== undefined ? { onEvent: options.onEvent } : {}),
      }),
    );
  } finally {
    await closeTargets(targets);
  }
}
