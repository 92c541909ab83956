/**
 * What a sync reports, per target and per rollout: plain, JSON-serialisable data that the engine
 * (sync.ts, rollout.ts), the leases (lease/fleet-lease.ts) and the renderers share.
 */
import type { ApisixKind } from '../model/apisix.js';
import type { Snapshot } from '../model/snapshot.js';
import type { TargetKind } from '../model/target.js';
import type { ProbeResult } from './checks/probe.js';
import type { SyncErrorData } from './errors.js';
import type { Conflict, KeptOriginal, PlanCounts, PlanStep, ShadowedRoute } from './plan.js';
import type { RestoreReport } from './targets/port.js';

/** The part of a snapshot the sync engine uses. */
export type SyncSnapshot = Pick<Snapshot, 'group' | 'digest' | 'apisix' | 'adopt'>;

/**
 * - `in-sync`: the target already held the snapshot; nothing was written.
 * - `applied`: the plan was applied and the read-back matches the snapshot.
 * - `failed`: conflict, authentication, rejected or failed write, or failed verification.
 * - `skipped`: not synced because an earlier batch of the rollout failed.
 * - `unreachable`: the target could not be read at all.
 * - `interrupted`: a signal stopped the sync; the target was not written, or what the run wrote
 *   on it was undone (`restore` says whether a read-back found the state before the run again).
 */
export type TargetStatus = 'in-sync' | 'applied' | 'failed' | 'skipped' | 'unreachable' | 'interrupted';

/**
 * What a target runs after the run, as far as it could be read:
 * `snapshot` — this snapshot (`digest` is its digest); `previous` — what it held before the run
 * (`digest` is the one the target reports, null when it keeps none, e.g. the Admin API);
 * `mixed` — not the snapshot, and a run of the group started writing the target and did not
 * finish (`unfinished`), so its objects may come from two states; `unknown` — it could not be
 * read, or holds neither (a restore that did not complete).
 */
export interface RunningConfig {
  readonly state: 'snapshot' | 'previous' | 'mixed' | 'unknown';
  readonly digest: string | null;
  /** The group's services on the target, from the labels of their APISIX services, by name. */
  readonly services: readonly { readonly name: string; readonly version: string }[];
  /** With `mixed`: the run that did not finish, as its record says (targets/apisix/unfinished.ts). */
  readonly unfinished?: { readonly digest: string | null; readonly description: string | null };
}

/** One step of a plan without the object bodies, for reports. */
export interface StepSummary {
  readonly op: PlanStep['op'];
  readonly kind: ApisixKind;
  readonly id: string;
  /** JSON pointers of the changed fields of an update. */
  readonly fields?: readonly string[];
  /**
   * Adoption (docs/adoption.md): `takeover`, an update of an object taken over in place;
   * `retire`, a delete of a gateway object the snapshot replaces (by `replacedBy`).
   */
  readonly adoption?: 'takeover' | 'retire';
  readonly replacedBy?: string;
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
  /** Gateway objects the adoption record replaces that stay, since an object that stays uses them: warnings. */
  readonly kept?: readonly KeptOriginal[];
  /** Routes the group does not manage that take the requests of one of its routes (plan.ts `shadowed`): warnings. */
  readonly shadowed?: readonly ShadowedRoute[];
  /** Successful writes of the plan (undo writes not counted). */
  readonly writes: number;
  readonly error: SyncErrorData | null;
  /**
   * After a failed apply: the undo, and whether a read-back found the pre-run state again;
   * `unread`: why there was no read-back to tell (the error of the read), when it failed.
   */
  readonly restore: (RestoreReport & { readonly verified: boolean; readonly unread?: string }) | null;
  /** What the run's lease on the target proved (set by `FleetLease.prove`; docs/concurrent-runs.md). */
  readonly lease?: LeaseNote;
  /** The group's health checks, run through the target's data plane after its batch (docs/health-checks.md). */
  readonly checks?: readonly ProbeResult[];
}

/**
 * What a target's lease proved, in its report:
 * - `held`: this run held the target's lease from before it read the target to the end of the
 *   run; no other run of tagway wrote there meanwhile;
 * - `unproven`: the lease could not be taken or kept (`reason`); the target was read whole at the
 *   end (`checkedWhole`) and reports the snapshot only if it still held it then;
 * - `none`: the kind has no lease: `apisix-standalone` was checked at the end by the digest it
 *   reports (read whole when that differs), `file` is guarded by the local lock.
 */
export interface LeaseNote {
  readonly state: 'held' | 'unproven' | 'none';
  readonly reason: string | null;
  /** Another run this one waited for on this target. */
  readonly waitedFor: string | null;
  readonly checkedWhole: boolean;
}

export interface RolloutReport {
  readonly group: string;
  readonly digest: string;
  /** Every target is `in-sync` or `applied`. */
  readonly ok: boolean;
  /**
   * The read of every target before the first write: `failed` are the targets that could not be
   * read or have objects in the way. When some failed (and `allowPartial` was not given), nothing
   * was written to any target.
   */
  readonly preflight: { readonly ok: boolean; readonly failed: readonly string[] };
  /**
   * Set when a failed batch stopped the rollout: the 1-based batch and the targets that failed in
   * it; `checks` when it was their health checks that failed, with the targets taken back because
   * of it (that batch's, and with `restore_on_check_failure: all` the earlier ones').
   */
  readonly halted: { readonly batch: number; readonly failed: readonly string[]; readonly checks?: { readonly restored: readonly string[] } } | null;
  /**
   * Set when the signal stopped the rollout: by what (`SIGINT`, `SIGTERM`), and the batch whose
   * targets were taken back to their state before the run (null: it stopped before a batch was
   * written, e.g. during the preflight or between two batches).
   */
  readonly interrupted: { readonly by: string; readonly batch: number | null } | null;
  /** One report per target, in fleet order. */
  readonly targets: readonly TargetReport[];
  readonly counts: Readonly<Record<TargetStatus, number>>;
}
