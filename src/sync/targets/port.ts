import type { ApisixConfig, ApisixKind, ApisixObject } from '../../model/apisix.js';
import type { TargetKind } from '../../model/target.js';
import type { FailedRequest, SyncErrorData } from '../errors.js';
import type { Plan } from '../plan.js';
import type { Referrer } from '../referrers.js';
import type { ObjectRef } from '../../model/apisix.js';

/**
 * What a target holds now: every object of every registered kind on it (src/apisix/kinds),
 * whoever owns them (the planner decides ownership), each kind sorted by id, as the target
 * returns them (with an `id` taken from the kind's id field).
 */
export interface LiveState {
  readonly config: ApisixConfig;
  /** The digest the target itself reports for its configuration (standalone `X-Digest`), if any. */
  readonly digest: string | null;
  /**
   * Runs that started writing the target and did not finish (`apisix`: their record is still
   * there, see targets/apisix/unfinished.ts). Absent for targets written in one request.
   */
  readonly unfinished?: readonly UnfinishedRun[];
  /** The last health checks of each group checked there (`apisix`: targets/apisix/checks-record.ts). */
  readonly checks?: readonly ChecksRecord[];
}

/** What the last health checks of a group on a target said: the snapshot checked, the verdict, a short account. */
export interface ChecksRecord {
  readonly group: string;
  readonly digest: string;
  readonly ok: boolean;
  readonly description: string;
}

/** A run that started writing a target and did not finish: its group, and the snapshot it was taking there. */
export interface UnfinishedRun {
  readonly group: string;
  readonly digest: string | null;
  /** What the record says, e.g. when the run started. */
  readonly description: string | null;
}

export interface ApplyContext {
  /** Writes in flight at once within one phase of the plan. */
  readonly concurrency: number;
  /**
   * Once aborted, no new write starts; writes in flight finish, what the run changed is undone,
   * and the report fails with an `interrupted` error (`interruptedError`). A target written in
   * one request looks at it before that request only.
   */
  readonly signal?: AbortSignal;
  /**
   * Told, as writes succeed, how many of the plan's steps they made (1 per Admin API request;
   * every step at once for a target written in one request). For progress output only.
   */
  readonly onWrites?: (steps: number) => void;
}

export interface ReadBackContext {
  /** Reads in flight at once. */
  readonly concurrency: number;
}

/**
 * One object of a targeted read-back: what the target holds at `kind`/`id` now, in the form `read`
 * returns objects in (so planning against it behaves the same), or null when nothing is there.
 */
export interface ReadBackEntry {
  readonly kind: ApisixKind;
  readonly id: string;
  readonly object: ApisixObject | null;
}

/** How the undo of a failed apply went, as far as the target could tell. */
export interface RestoreReport {
  /** False when nothing needed undoing (atomic targets, or the failure came before any write). */
  readonly attempted: boolean;
  /** Every undo request succeeded (the engine still reads back to verify). */
  readonly ok: boolean;
  /** Undo requests that failed. */
  readonly failures: readonly { readonly request: FailedRequest; readonly message: string }[];
}

export type ApplyReport =
  | { readonly ok: true; readonly writes: number }
  | {
      readonly ok: false;
      /** Successful writes of the plan before the failure (undo writes not counted). */
      readonly writes: number;
      readonly error: SyncErrorData;
      readonly restore: RestoreReport;
    };

/** One run's lease on a target (docs/concurrent-runs.md). */
export interface LeaseRequest {
  readonly group: string;
  /** Unique per run, the same on every target of the run. */
  readonly token: string;
  /** Who holds it, shown to the runs that wait for it: never a secret. */
  readonly holder: string;
  /** The host and process of the run, so a run on the same host can tell a lease its process left behind. */
  readonly process: { readonly host: string; readonly pid: number };
  /** Seconds after its last renewal at which the lease counts as abandoned. */
  readonly ttlSeconds: number;
}

/**
 * Where one claim of a lease stands:
 * - `held`: this run's lease comes first among the group's live leases on the target; `tookOver`
 *   describes the holders of expired leases removed on the way (they may still have been writing);
 * - `queued`: another run's live lease comes first (`holder` describes that run);
 * - `lost`: a renewal found this run's lease gone (it expired, or another run removed it as
 *   expired) or behind another (`holder`, when known);
 * - `refused`: the target would not store the lease (e.g. a key that may not write it), or keeps
 *   no order to decide by. The run goes on unproven.
 */
export type LeaseClaim =
  | { readonly state: 'held'; readonly tookOver: readonly string[] }
  | { readonly state: 'queued'; readonly holder: string }
  | { readonly state: 'lost'; readonly holder: string | null }
  | { readonly state: 'refused'; readonly error: SyncErrorData };

/**
 * A target's lease capability: runs of one group that claim it are serialised on the target.
 * - `location` names the store the lease lives in; a run claims its targets in this order, so two
 *   runs never each hold a lease the other waits for.
 * - `claim` writes or renews this run's lease object and says where it stands (`renewal`: the
 *   lease was held before, so a missing object means it was lost). Throws like `read` when the
 *   target cannot be reached.
 * - `release` removes this run's lease object; a missing one is fine.
 */
export interface TargetLease {
  readonly location: string;
  claim(request: LeaseRequest, renewal: boolean): Promise<LeaseClaim>;
  release(request: LeaseRequest): Promise<void>;
}

/**
 * One gateway (or standalone file) of a group's fleet, behind the only port the sync engine uses.
 *
 * - `read` returns the live state or throws a `SyncError` (`unreachable`, `auth`, `io`, ...).
 * - `apply` executes a conflict-free plan computed against a `read` of this target and does not
 *   throw for gateway failures: it reports them, after undoing what it already changed.
 * - `readReferrers` (optional) reads the objects of the kinds tagway does not write that use an
 *   upstream or a service (`REFERRER_KINDS`, none today: every such kind is one tagway writes;
 *   see referrers.ts), or throws like `read`. The engine calls it only when a plan deletes an
 *   object a referrer kind can use. A kind the target does not serve has none.
 * - `readBack` (optional) reads only the given objects, one entry per ref in the order given, or
 *   throws like `read`. The engine uses it to verify a small plan after a successful apply (see
 *   `syncTarget`); targets without it are always read whole.
 * - `lease` (optional): serialises runs of one group on the target (see `TargetLease`).
 * - `reportedDigest` (optional): the digest the target reports for what it holds now, read
 *   cheaply; checked at the end of a run on targets without a lease.
 * - `writesWhole` (optional): the target applies a plan as one write of its whole configuration
 *   (nothing is served between two of its steps), so a plan's retirements (docs/adoption.md) are
 *   applied with its steps, in the same write, instead of in a second stage.
 * - `close` releases connections; the target is not used afterwards.
 */
export interface Target {
  readonly name: string;
  readonly kind: TargetKind;
  read(): Promise<LiveState>;
  apply(plan: Plan, ctx: ApplyContext): Promise<ApplyReport>;
  readReferrers?(): Promise<readonly Referrer[]>;
  readBack?(refs: readonly ObjectRef[], ctx: ReadBackContext): Promise<readonly ReadBackEntry[]>;
  readonly lease?: TargetLease;
  reportedDigest?(): Promise<string | null>;
  readonly writesWhole?: boolean;
  /** Removes the record of a run of `group` that did not finish (see `LiveState.unfinished`); best effort. */
  clearUnfinished?(group: string): Promise<void>;
  /** Keeps the record of a group's last health checks (see `LiveState.checks`); best effort, never throws. */
  recordChecks?(record: ChecksRecord): Promise<void>;
  close(): Promise<void>;
}
