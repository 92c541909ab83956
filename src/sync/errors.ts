import type { ObjectRef } from '../model/apisix.js';

/**
 * Why a sync step failed, as stable codes the CLI can map to exit codes and tests can assert.
 * - `credentials`: a target's key reference is malformed or its variable is unset (before any request).
 * - `auth`: the gateway answered 401/403 (never retried).
 * - `unreachable`: no answer after every attempt (connection refused/reset, timeout, dropped).
 * - `http-error`: the gateway kept answering 5xx/429 after every attempt.
 * - `rejected`: the gateway refused a request with another 4xx (e.g. 400 invalid configuration).
 * - `conflict`: objects in the way that tagway does not own, or (standalone) the group's objects
 *   changed between the read and the write; nothing was written.
 * - `verify-failed`: the read-back after apply does not match the snapshot.
 * - `invalid-live-state`: what the target holds cannot be parsed (bad YAML, unexpected JSON).
 * - `interrupted`: a signal stopped the sync: no new write started, and what the run changed on
 *   the target was undone (the report's `restore` says how that went).
 * - `stale-digest`: a standalone gateway ignored the update because it already reports this digest.
 * - `io`: a file target could not be read or written.
 * - `locked`: another run of the group holds its local lock or a target's lease past the wait
 *   allowed (`--lock-timeout`); nothing was written. The message names that run.
 * - `lease-lost`: this run's lease on a target lapsed or was taken over by another run, and the
 *   target does not hold the snapshot (or nothing was written, when found before a write).
 * - `checks-failed`: the target held the snapshot, but its health checks failed (docs/health-checks.md);
 *   the rollout took it back.
 * - `internal`: a bug in tagway; the message says so.
 */
export const SYNC_ERROR_CODES = [
  'credentials',
  'auth',
  'unreachable',
  'http-error',
  'rejected',
  'conflict',
  'verify-failed',
  'invalid-live-state',
  'interrupted',
  'stale-digest',
  'io',
  'locked',
  'lease-lost',
  'checks-failed',
  'internal',
] as const;
export type SyncErrorCode = (typeof SYNC_ERROR_CODES)[number];

/**
 * Where in a sync a failure happened:
 * - `preflight`: the read of every target of a rollout before its first write;
 * - `read`: a target's read just before its writes (a later batch), or a read-only check;
 * - `apply`: the writes of the plan;
 * - `verify`: the read-back after a successful apply;
 * - `restore`: undoing the run's writes, and the read-back that checks the undo;
 * - `lease`: claiming the run's lease on the target, before any read (docs/concurrent-runs.md).
 */
export const SYNC_PHASES = ['preflight', 'read', 'apply', 'verify', 'restore', 'lease'] as const;
export type SyncPhase = (typeof SYNC_PHASES)[number];

const PHASE_WORDS: Readonly<Record<SyncPhase, string>> = {
  preflight: 'the preflight read',
  read: 'the read',
  apply: 'apply',
  verify: 'verify',
  restore: 'restore',
  lease: 'the lease claim',
};

/** The request that failed: method and path (never headers, so never the key). */
export interface FailedRequest {
  readonly method: string;
  readonly path: string;
  /** Last HTTP status seen, or null when no response arrived. */
  readonly status: number | null;
  readonly attempts: number;
}

/** Plain, JSON-serialisable description of a failure. */
export interface SyncErrorData {
  readonly code: SyncErrorCode;
  readonly message: string;
  readonly hint?: string;
  readonly target?: string;
  readonly request?: FailedRequest;
  /** The gateway's own error text (`error_msg` / `message` of its JSON body). */
  readonly gatewayMessage?: string;
  readonly objects?: readonly ObjectRef[];
  /** Where in the sync it happened (the message ends with it). */
  readonly phase?: SyncPhase;
}

/**
 * The one error type the sync layer throws. `data` is what reports carry; `toJSON` returns it so
 * an error printed with `--format json` holds no stack and nothing that was not put there.
 */
export class SyncError extends Error {
  readonly data: SyncErrorData;

  constructor(data: SyncErrorData) {
    super(data.message);
    this.name = 'SyncError';
    this.data = data;
  }

  get code(): SyncErrorCode {
    return this.data.code;
  }

  toJSON(): SyncErrorData {
    return this.data;
  }
}

/** What stopped a sync, from an aborted signal's reason: the signal's name (`SIGINT`), or a generic word. */
export function abortReason(signal: AbortSignal): string {
  return typeof signal.reason === 'string' && signal.reason !== '' ? signal.reason : 'a stop request';
}

/** The error of a target whose writes `signal` stopped after `writes` of the plan's `total`. */
export function interruptedError(target: string, signal: AbortSignal, writes: number, total: number): SyncErrorData {
  return {
    code: 'interrupted',
    target,
    message: `target ${target}: the sync was interrupted by ${abortReason(signal)} after ${writes} of ${total} writes; no further write was started`,
    hint: 'sync again to take the target to the snapshot',
  };
}

/** `data` as a failure of `phase`: the phase recorded, and named at the end of the message. */
export function inPhase(data: SyncErrorData, phase: SyncPhase): SyncErrorData {
  if (data.phase !== undefined) return data;
  return { ...data, phase, message: `${data.message} (during ${PHASE_WORDS[phase]})` };
}

/** The error data of anything thrown: a SyncError's own data, anything else as `internal`. */
export function errorData(error: unknown, target?: string): SyncErrorData {
  if (error instanceof SyncError) {
    return target !== undefined && error.data.target === undefined
      ? { ...error.data, target }
      : error.data;
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: 'internal',
    message: `internal error: ${message}`,
    hint: 'this is a bug in tagway; please report it with the command you ran',
    ...(target !== undefined ? { target } : {}),
  };
}
