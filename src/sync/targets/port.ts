import type { ApisixConfig, ApisixKind, ApisixObject } from '../../model/apisix.js';
import type { TargetKind } from '../../model/target.js';
import type { FailedRequest, ObjectRef, SyncErrorData } from '../errors.js';
import type { Plan } from '../plan.js';
import type { Referrer } from '../referrers.js';

/**
 * What a target holds now: every upstream, service and route on it, whoever owns them (the
 * planner decides ownership), each kind sorted by id, as the target returns them.
 */
export interface LiveState {
  readonly config: ApisixConfig;
  /** The digest the target itself reports for its configuration (standalone `X-Digest`), if any. */
  readonly digest: string | null;
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

/**
 * One gateway (or standalone file) of a group's fleet, behind the only port the sync engine uses.
 *
 * - `read` returns the live state or throws a `SyncError` (`unreachable`, `auth`, `io`, ...).
 * - `apply` executes a conflict-free plan computed against a `read` of this target and does not
 *   throw for gateway failures: it reports them, after undoing what it already changed.
 * - `readReferrers` (optional) reads the objects of the kinds tagway does not write that use an
 *   upstream or a service (stream routes, plugin configs, global rules, consumers, consumer
 *   groups; see referrers.ts), or throws like `read`. The engine calls it only when a plan
 *   deletes an upstream or a service. A kind the target does not serve has none.
 * - `readBack` (optional) reads only the given objects, one entry per ref in the order given, or
 *   throws like `read`. The engine uses it to verify a small plan after a successful apply (see
 *   `syncTarget`); targets without it are always read whole.
 * - `close` releases connections; the target is not used afterwards.
 */
export interface Target {
  readonly name: string;
  readonly kind: TargetKind;
  read(): Promise<LiveState>;
  apply(plan: Plan, ctx: ApplyContext): Promise<ApplyReport>;
  readReferrers?(): Promise<readonly Referrer[]>;
  readBack?(refs: readonly ObjectRef[], ctx: ReadBackContext): Promise<readonly ReadBackEntry[]>;
  close(): Promise<void>;
}
