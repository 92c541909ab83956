/**
 * The sync engine (docs/architecture.md §4): plan a group's snapshot against each target's live state,
 * apply, verify, restore on failure, roll out across the fleet, report drift.
 *
 * Entry points for the application layer:
 * - `syncGroup(snapshot, specs, options)` → `RolloutReport` (`tagway sync`);
 * - `checkDrift(snapshot, specs, options)` → `DriftReport` (`status --live`, `diff --live`,
 *   and `sync --dry-run`, whose plan per target is `report.targets[i].plan`);
 * - lower level: `createTargets`, `rolloutTargets`, `syncTarget`, `checkDriftTargets`, `planSync`.
 */
export { planSync, planPhases, applyPlanToConfig, invertPlan, isOwnedBy, ownedObjects } from './plan.js';
export { describeObject } from '../apisix/references.js';
export { KINDS, KIND, REFERRER_KINDS } from '../apisix/kinds/index.js';
export type { KindDescriptor, ReferrerKind } from '../apisix/kinds/index.js';
export type { Plan, PlanStep, PlanCounts, Conflict, KeptOriginal, ShadowedRoute } from './plan.js';
export { normalizeObject, stripServerFields, diffFields } from '../apisix/normalize.js';
export type { FieldChange } from '../apisix/normalize.js';
export { SyncError, SYNC_ERROR_CODES, SYNC_PHASES, errorData } from './errors.js';
export type { SyncErrorCode, SyncErrorData, SyncPhase, FailedRequest } from './errors.js';
export type { Referrer } from './referrers.js';
export { DEFAULT_TIMEOUTS } from './timeouts.js';
export type { RequestTimeouts } from './timeouts.js';
export { resolveCredential, resolveTargetCredentials } from './credentials.js';
export type { Env, Credential } from './credentials.js';
export { DEFAULT_RETRY_POLICY, SYSTEM_RUNTIME, retryDelay, parseRetryAfter } from './retry.js';
export type { RetryPolicy, Runtime } from './retry.js';
export { syncTarget, runTargetSync, planTarget, probeTarget, servicesIn } from './sync.js';
export type { SyncTargetOptions, SyncEvent, TargetRead, TargetSync } from './sync.js';
export type { SyncSnapshot, TargetReport, TargetStatus, RunningConfig, StepSummary, RolloutReport, LeaseNote } from './report.js';
export { rolloutTargets, syncGroup } from './rollout.js';
export type { RolloutOptions, SyncGroupOptions } from './rollout.js';
export { checkDrift, checkDriftTargets, checkTargetDrift } from './drift.js';
export type { DriftReport, DriftStatus, TargetDrift, ObjectDrift, DriftOptions } from './drift.js';
export { createTargets, closeTargets } from './targets/create.js';
export type { TargetOptions } from './targets/create.js';
export type { Target, LiveState, ApplyContext, ApplyReport, RestoreReport, ReadBackContext, ReadBackEntry } from './targets/port.js';
