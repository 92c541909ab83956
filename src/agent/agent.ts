/**
 * The reconcile loop behind `tagway agent`: keeps each group's fleet on the snapshot that HEAD of
 * a local clone compiles to.
 *
 * One reconcile pass:
 * 1. with `pull`, fetch the clone's remote (tags included) and fast-forward its branch
 *    (`pullFastForward`); a failed pull is logged and counted, and the pass goes on with what the
 *    clone holds, so drift is still repaired while the git server is down;
 * 2. for each group, in order, unless it is backing off: compile it at HEAD (committed
 *    configuration only; uncommitted edits in the clone are never deployed), or with
 *    `snapshotDir` read `<snapshotDir>/<group>/snapshot.json` as `sync --snapshot` does (its
 *    signature checked against the trusted keys, when any are configured), then
 *    - its digest differs from the last one synced successfully (or none was, since start):
 *      sync the fleet;
 *    - otherwise read every target (`checkDriftTargets`) and, when one drifted, sync (self-heal).
 *
 * A group fails when it does not compile, a target does not end on the snapshot, or an error
 * occurs; it is then retried after an exponential backoff with jitter (`backoffDelay`, based on
 * the interval, capped at `maxBackoffMs`), counted in passes: a group whose retry time has not
 * come is skipped by the passes in between. A success resets it.
 *
 * Stopping (`stop` aborted) never interrupts a target: the target in flight finishes its sync
 * (or, when that fails, its restore) and verification; then no further batch, group or pass
 * starts.
 */
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { GitError } from '../git/errors.js';
import { pullFastForward, type PullResult, type RemoteAuth } from '../git/remote.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { ApisixObject } from '../model/apisix.js';
import type { Snapshot } from '../model/snapshot.js';
import type { TargetKind } from '../model/target.js';
import type { Env } from '../sync/credentials.js';
import { checkDriftTargets, type DriftStatus, type TargetDrift } from '../sync/drift.js';
import { resolveSecretReferences } from '../sync/secret-references.js';
import { SyncError, errorData, type SyncErrorData } from '../sync/errors.js';
import { FleetLease } from '../sync/lease/fleet-lease.js';
import { describeRun } from '../sync/lease/holder.js';
import { acquireLocalLock, type LocalLock } from '../sync/lease/local-lock.js';
import type { RetryPolicy, Runtime } from '../sync/retry.js';
import type { ProbeRuntime } from '../sync/checks/probe.js';
import { canaryPause, canarySteps, configAtWeight, fleetWeight, stepDigest } from '../apisix/canary.js';
import { checkBatch, rolloutChecks, rolloutTargets, type RolloutChecks } from '../sync/rollout.js';
import { probeTarget, runTargetSync, type TargetSync } from '../sync/sync.js';
import { closeTargets, createTargets } from '../sync/targets/create.js';
import type { Target } from '../sync/targets/port.js';
import { createAgentMetrics, type AgentMetrics } from './agent-metrics.js';
import { backoffDelay } from '../core/backoff.js';
import { SYSTEM_CLOCK, type Clock } from './clock.js';
import type { Logger } from './log.js';
import type { GroupFleet, GroupLoader, LoadedGroup } from '../model/group-snapshot.js';
import type { TargetStatus } from '../sync/report.js';
import type { RunningConfig } from '../sync/report.js';
import type { TargetReport } from '../sync/report.js';

export interface AgentOptions {
  /** Any folder inside the clone of the config repository. */
  readonly dir: string;
  /** Groups to keep in sync, reconciled in this order. */
  readonly groups: readonly string[];
  /** Time from the start of one pass to the start of the next. */
  readonly intervalMs: number;
  /** Fetch and fast-forward the clone before each pass. */
  readonly pull: boolean;
  /** Where `env:NAME` credential references are looked up (the CLI passes `process.env`). */
  readonly env: Env;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Longest wait of a failing group. Default: 5 minutes, or the interval when that is longer. */
  readonly maxBackoffMs?: number;
  /** A fetch taking longer is aborted (and counts as a failed pull). Default 2 minutes. */
  readonly pullTimeoutMs?: number;
  /** Credentials for the remote, when it asks. */
  readonly gitAuth?: RemoteAuth;
  /** Retry policy of gateway requests (default `DEFAULT_RETRY_POLICY`). */
  readonly retry?: Partial<RetryPolicy>;
  /** Clock of gateway request retries (tests make retries take no time). */
  readonly runtime?: Partial<Runtime>;
  /** Writes in flight per target within a phase. Default 16. */
  readonly concurrency?: number;
  /** Waits and clock of health-check probes (tests make them take no time). */
  readonly probeRuntime?: ProbeRuntime;
  /**
   * Take each group's compiled snapshot from `<snapshotDir>/<group>/snapshot.json` instead of
   * compiling (targets and trusted keys still come from the clone's group.yaml and tagway.yaml).
   */
  readonly snapshotDir?: string;
  /** With `snapshotDir`: public keys besides tagway.yaml's `trusted_keys` (see `sync --trusted-key`). */
  readonly trustedKeys?: readonly string[];
  /**
   * Compiles a group, or takes its snapshot file: the application's `loadGroupSnapshot`, which
   * `runAgent` runs on a worker thread (`CompileThread`) so that a long compile never holds back
   * the endpoints or the signals.
   */
  readonly loadGroup: GroupLoader;
}

/** Why a sync ran: first since the agent started, a new snapshot digest, or drift (self-heal). */
export type SyncReason = 'startup' | 'new-digest' | 'drift';

/** One target after a pass: from its sync report, or from the drift check when nothing was synced. */
export interface TargetOutcome {
  readonly target: string;
  readonly kind: TargetKind;
  readonly status: TargetStatus | DriftStatus;
  readonly runs: RunningConfig;
  readonly writes: number;
  /** Objects that differed from the snapshot when the target was last read; null when unread. */
  readonly drifted: number | null;
  readonly error: SyncErrorData | null;
}

/**
 * - `in-sync`: the drift check found every target on the snapshot; nothing was written.
 * - `synced`: a sync ran and every target ends on the snapshot.
 * - `failed`: no compile, an error, or a target that does not run the snapshot.
 * - `backing-off`: skipped; the group failed before and its retry time has not come.
 * - `locked`: skipped this pass, not failed: another run (a manual `tagway sync`) holds the group's
 *   lock or a lease on one of its targets (`error` names it); the next pass tries again.
 * - `stopped`: a stop was requested before or during the group; `targets` holds those that ran.
 * - `held`: the snapshot is one whose health checks failed before (`GroupState.checksFailedDigest`);
 *   not synced again until it changes. Not ready, and no backoff: waiting is all there is to do.
 */
export interface GroupOutcome {
  readonly group: string;
  readonly outcome: 'in-sync' | 'synced' | 'failed' | 'backing-off' | 'locked' | 'stopped' | 'held';
  readonly ok: boolean;
  /** The digest HEAD compiles to; null when it did not compile (or was not compiled). */
  readonly digest: string | null;
  readonly reason: SyncReason | null;
  readonly targets: readonly TargetOutcome[];
  readonly error: string | null;
}

export type PullOutcome =
  | { readonly ok: true; readonly result: PullResult }
  | { readonly ok: false; readonly error: string; readonly hint: string | null };

export interface ReconcileReport {
  /** The pull and every group succeeded, and the pass was not stopped. */
  readonly ok: boolean;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly pull: PullOutcome | null;
  readonly groups: readonly GroupOutcome[];
  readonly stopped: boolean;
}

/** What the agent knows about a group between passes. */
export interface GroupState {
  readonly group: string;
  /** Digest of the last sync (or drift check) that left every target on it; null since start. */
  readonly syncedDigest: string | null;
  readonly consecutiveFailures: number;
  /** Epoch ms before which the group is not attempted; 0 when it is not backing off. */
  readonly retryAt: number;
  readonly lastSuccessAt: number | null;
  /**
   * A digest whose health checks failed (and that was taken back): not synced again until the
   * group's snapshot changes, so a broken change does not flap in and out every pass.
   */
  readonly checksFailedDigest: string | null;
  /** A digest whose progressive canary failed a step (and went back to 0%): no more steps until the snapshot changes. */
  readonly canaryHeldDigest: string | null;
}

export interface Health {
  /** The process answers: always true while it runs. */
  readonly live: true;
  /** The first pass is done and the last one succeeded. */
  readonly ready: boolean;
  /** Why not ready (or `ready`). */
  readonly reason: string;
}

const DEFAULT_MAX_BACKOFF_MS = 5 * 60_000;
const DEFAULT_PULL_TIMEOUT_MS = 2 * 60_000;
/** Diagnostics quoted in one log line; the rest are counted. */
const LOGGED_DIAGNOSTICS = 10;

type MutableState = { -readonly [K in keyof GroupState]: GroupState[K] };

export class Agent {
  readonly metrics: AgentMetrics = createAgentMetrics();
  /** When the agent last moved (or first saw) each progressive canary, by group and service: its pause runs from there. */
  private readonly canarySteppedAt = new Map<string, number>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly states = new Map<string, MutableState>();
  private last: ReconcileReport | null = null;
  private passes = 0;

  constructor(private readonly options: AgentOptions) {
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.log = options.logger;
    for (const group of options.groups) {
      this.states.set(group, { group, syncedDigest: null, consecutiveFailures: 0, retryAt: 0, lastSuccessAt: null, checksFailedDigest: null, canaryHeldDigest: null });
      this.metrics.groupFailures.touch({ group });
      this.metrics.consecutiveFailures.set({ group }, 0);
      for (const reason of ['startup', 'new-digest', 'drift'] as const) this.metrics.syncs.touch({ group, reason });
    }
    for (const result of ['success', 'failure']) this.metrics.reconciles.touch({ result });
    if (options.pull) this.metrics.pullFailures.touch();
  }

  /** Per group: the last synced digest and the backoff. */
  groupStates(): readonly GroupState[] {
    return [...this.states.values()].map((s) => ({ ...s }));
  }

  /** The last pass, or null before the first one ended. */
  lastReconcile(): ReconcileReport | null {
    return this.last;
  }

  health(): Health {
    if (this.last === null) return { live: true, ready: false, reason: 'the first reconcile has not finished' };
    if (this.last.ok) return { live: true, ready: true, reason: 'ready' };
    const problems: string[] = [];
    if (this.last.pull !== null && !this.last.pull.ok) problems.push('pull failed');
    for (const g of this.last.groups) if (!g.ok) problems.push(`${g.group} ${g.outcome}`);
    return { live: true, ready: false, reason: `the last reconcile failed: ${problems.join(', ') || 'stopped'}` };
  }

  /**
   * Runs passes every `intervalMs` (measured start to start; a pass that takes longer is followed
   * by the next at once) until `stop` aborts. Resolves after the pass in flight has wound down.
   */
  async run(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      const report = await this.reconcile(stop);
      if (stop.aborted) break;
      await this.clock.sleep(Math.max(0, this.options.intervalMs - report.durationMs), stop);
    }
  }

  /** One pass (see the module comment). Never throws for gateway, git or config failures. */
  async reconcile(stop?: AbortSignal): Promise<ReconcileReport> {
    const startedAt = this.clock.now();
    this.passes += 1;
    this.log.debug('reconcile started', { pass: this.passes });
    const pull = this.options.pull ? await this.pull() : null;
    const groups: GroupOutcome[] = [];
    for (const group of this.options.groups) {
      if (stop?.aborted === true) {
        groups.push({ group, outcome: 'stopped', ok: false, digest: null, reason: null, targets: [], error: null });
        continue;
      }
      try {
        groups.push(await this.reconcileGroup(group, stop));
      } catch (error) {
        // A bug must not take the loop (and every other group) down with it.
        groups.push(this.fail(group, { error: describeError(error).message, cause: error, log: 'internal error' }));
      }
    }
    const stopped = groups.some((g) => g.outcome === 'stopped');
    const ok = !stopped && (pull === null || pull.ok) && groups.every((g) => g.ok);
    const durationMs = Math.max(0, this.clock.now() - startedAt);
    const report: ReconcileReport = { ok, startedAt, durationMs, pull, groups, stopped };
    this.metrics.reconcileDuration.observe(durationMs / 1000);
    if (!stopped) {
      this.metrics.reconciles.inc({ result: ok ? 'success' : 'failure' });
      this.last = report;
    }
    this.log.log(ok || stopped ? 'info' : 'warn', stopped ? 'reconcile stopped' : 'reconcile done', {
      pass: this.passes,
      ok,
      durationMs,
      groups: Object.fromEntries(groups.map((g) => [g.group, g.outcome])),
    });
    return report;
  }

  private async pull(): Promise<PullOutcome> {
    try {
      const result = await pullFastForward(this.options.dir, {
        signal: AbortSignal.timeout(this.options.pullTimeoutMs ?? DEFAULT_PULL_TIMEOUT_MS),
        ...(this.options.gitAuth !== undefined ? { auth: this.options.gitAuth } : {}),
      });
      this.metrics.pullLastSuccess.set({}, this.clock.now() / 1000);
      const where = { branch: result.branch, remote: result.remote, url: result.url, newTags: result.newTags.length > 0 ? result.newTags : undefined };
      if (result.kind === 'fast-forwarded') this.log.info('pulled', { ...where, from: result.from, to: result.to });
      else if (result.kind === 'ahead') {
        this.log.warn('the clone has commits its remote lacks; deploying HEAD', { ...where, commit: result.commit, remoteCommit: result.remoteCommit });
      } else this.log.log(result.newTags.length > 0 ? 'info' : 'debug', 'up to date', { ...where, commit: result.commit });
      return { ok: true, result };
    } catch (error) {
      this.metrics.pullFailures.inc();
      const { message, hint } = describeError(error);
      this.log.error('pull failed', { error: message, hint: hint ?? undefined });
      return { ok: false, error: message, hint };
    }
  }

  private state(group: string): MutableState {
    const state = this.states.get(group);
    if (state === undefined) throw new Error(`unknown group ${group}`);
    return state;
  }

  private async reconcileGroup(group: string, stop: AbortSignal | undefined): Promise<GroupOutcome> {
    const state = this.state(group);
    const now = this.clock.now();
    if (now < state.retryAt) {
      this.log.debug('backing off', { group, failures: state.consecutiveFailures, retryAt: new Date(state.retryAt).toISOString() });
      return { group, outcome: 'backing-off', ok: false, digest: null, reason: null, targets: [], error: null };
    }

    let loaded: LoadedGroup;
    const { snapshotDir } = this.options;
    this.log.debug(snapshotDir === undefined ? 'compiling' : 'reading the snapshot', { group });
    try {
      loaded = await this.options.loadGroup(
        snapshotDir === undefined
          ? { cwd: this.options.dir, group, rev: 'HEAD' }
          : {
              cwd: this.options.dir,
              group,
              snapshotFile: path.join(snapshotDir, group, 'snapshot.json'),
              trustedKeys: this.options.trustedKeys ?? [],
              env: this.options.env,
            },
      );
    } catch (error) {
      return this.fail(group, { error: describeError(error).message, cause: error, log: snapshotDir === undefined ? 'cannot compile the group' : 'cannot take the snapshot' });
    }
    this.log.debug('compiled', { group, digest: loaded.kind === 'loaded' ? loaded.snapshot.digest : undefined, findings: loaded.kind === 'findings' || undefined });
    if (stop?.aborted === true) {
      // Stopped while it compiled: nothing of the group was read or written yet.
      return { group, outcome: 'stopped', ok: false, digest: null, reason: null, targets: [], error: null };
    }
    if (loaded.kind === 'findings') {
      const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
      this.log.error('the group does not compile; its fleet is left as it is', {
        group,
        findings: errors.length,
        diagnostics: errors.slice(0, LOGGED_DIAGNOSTICS).map(diagnosticFields),
      });
      return this.fail(group, { error: `${errors.length} finding(s)` });
    }
    const { fleet } = loaded;
    // The consumers' secret references resolved in memory, as `tagway sync` does: a rotated value
    // gives another digest, which the next pass syncs.
    let snapshot: Snapshot;
    try {
      snapshot = resolveSecretReferences(loaded.snapshot, { env: this.options.env, root: loaded.root }).snapshot;
    } catch (error) {
      return this.fail(group, { error: describeError(error).message, digest: loaded.snapshot.digest, cause: error, log: 'cannot sync' });
    }
    this.metrics.snapshot.set({ group, digest: snapshot.digest });
    if (fleet.targets.length === 0) {
      return this.fail(group, { error: `group ${group} has no targets`, digest: snapshot.digest, cause: new UserError(`group ${group} has no targets`, `Add a targets: list to ${fleet.file}.`), log: 'cannot sync' });
    }

    if (state.checksFailedDigest !== null && state.checksFailedDigest !== snapshot.digest) {
      this.log.info('the snapshot changed since its health checks failed; syncing it', { group, failed: state.checksFailedDigest, digest: snapshot.digest });
      state.checksFailedDigest = null;
      this.metrics.checksFailed.remove({ group });
    }
    if (state.checksFailedDigest === snapshot.digest) {
      this.log.debug('held: this snapshot failed its health checks; waiting for a change', { group, digest: snapshot.digest });
      return { group, outcome: 'held', ok: false, digest: snapshot.digest, reason: null, targets: [], error: `snapshot ${snapshot.digest} failed its health checks and was taken back; it is not synced again until the group's snapshot changes` };
    }

    let targets: Target[];
    let checks: RolloutChecks | null;
    try {
      checks = rolloutChecks(snapshot, fleet.targets, { probes: fleet.probes, probeChangedRoutes: fleet.probeChangedRoutes, ...(fleet.metrics !== undefined ? { metrics: fleet.metrics } : {}), env: this.options.env, rollout: fleet.rollout, ...(this.options.probeRuntime !== undefined ? { probeRuntime: this.options.probeRuntime } : {}) });
      targets = createTargets(fleet.targets, {
        env: this.options.env,
        root: loaded.root,
        ...(this.options.retry !== undefined ? { retry: this.options.retry } : {}),
        ...(this.options.runtime !== undefined ? { runtime: this.options.runtime } : {}),
        ...(this.options.concurrency !== undefined ? { concurrency: this.options.concurrency } : {}),
      });
    } catch (error) {
      // An unset credential variable: nothing was contacted.
      return this.fail(group, { error: describeError(error).message, digest: snapshot.digest, cause: error, log: 'cannot sync' });
    }
    for (const t of targets) this.metrics.targetFailures.touch({ group, target: t.name });

    try {
      const outcome = await this.checkOrSync(group, loaded.root, snapshot, targets, fleet, checks, stop);
      // A fleet on its snapshot: a progressive canary may take its next step.
      if (outcome.ok && outcome.outcome !== 'locked' && !isAborted(stop)) await this.stepCanaries(group, loaded.root, snapshot, targets, fleet, stop);
      return outcome;
    } finally {
      await closeTargets(targets);
    }
  }

  /**
   * A group whose snapshot the fleet ran at the last success: a drift check, and a repair of what
   * drifted; otherwise (a new digest, or the first pass) a sync.
   */
  private async checkOrSync(
    group: string,
    root: string,
    snapshot: Snapshot,
    targets: readonly Target[],
    fleet: GroupFleet,
    checks: RolloutChecks | null,
    stop: AbortSignal | undefined,
  ): Promise<GroupOutcome> {
    const state = this.state(group);
    let reason: SyncReason;
    if (state.syncedDigest === snapshot.digest) {
      const drift = await checkDriftTargets(snapshot, targets);
      const outcomes = drift.targets.map((t) => this.recordDrift(group, t));
      if (drift.inSync) {
        this.log.debug('in sync', { group, digest: snapshot.digest });
        this.succeed(group, snapshot.digest);
        return { group, outcome: 'in-sync', ok: true, digest: snapshot.digest, reason: null, targets: outcomes, error: null };
      }
      const drifted = drift.targets.filter((t) => t.status === 'drifted');
      for (const t of drifted) {
        this.log.warn('drift detected', {
          group,
          target: t.target,
          objects: t.objects.map((o) => ({ kind: o.kind, id: o.id, state: o.state, fields: o.fields.length > 0 ? o.fields.map((f) => f.path) : undefined })),
          conflicts: t.conflicts.length > 0 ? t.conflicts.map((c) => ({ kind: c.kind, id: c.id, code: c.code })) : undefined,
        });
      }
      if (drifted.length === 0) {
        // Every target that is not in sync could not be read: a sync would fail the same way.
        return this.fail(group, { error: 'targets could not be read', digest: snapshot.digest, targets: outcomes });
      }
      reason = 'drift';
    } else {
      reason = state.syncedDigest === null ? 'startup' : 'new-digest';
    }
    return await this.syncLeased(group, root, snapshot, targets, fleet.rollout.batch_size, checks, reason, stop);
  }

  /**
   * Syncs under the group's local lock and the pass's leases on its targets, both taken without
   * waiting (docs/concurrent-runs.md): when another run, such as a manual `tagway sync`, holds
   * either, the group is skipped this pass (`locked`, not a failure) and tried again on the next.
   */
  private async syncLeased(
    group: string,
    root: string,
    snapshot: Snapshot,
    targets: readonly Target[],
    batchSize: number,
    checks: RolloutChecks | null,
    reason: SyncReason,
    stop: AbortSignal | undefined,
  ): Promise<GroupOutcome> {
    const held = await this.holdGroup(group, root, snapshot, targets, `pass ${this.passes}`);
    if (held instanceof SyncError) {
      this.log.info('another run is syncing the group; skipped this pass', { group, digest: snapshot.digest, reason, holder: held.message });
      return { group, outcome: 'locked', ok: true, digest: snapshot.digest, reason, targets: [], error: held.message };
    }
    try {
      return await this.sync(group, snapshot, held.lease, batchSize, checks, reason, stop);
    } finally {
      await held.release();
    }
  }

  /**
   * The group's local lock and the leases on its targets, taken without waiting; the `locked`
   * SyncError when another run holds either (then nothing is held).
   */
  private async holdGroup(group: string, root: string, snapshot: Snapshot, targets: readonly Target[], what: string): Promise<{ lease: FleetLease; release: () => Promise<void> } | SyncError> {
    const holder = describeRun({ command: `tagway agent (group ${group}, ${what})`, digest: snapshot.digest });
    let lock: LocalLock | null = null;
    try {
      lock = await acquireLocalLock({ root, group, holder, timeoutMs: 0 });
      const lease = await FleetLease.acquire(group, targets, { holder, timeoutMs: 0 });
      const locked = lock;
      return {
        lease,
        release: async () => {
          await lease.release();
          locked.release();
        },
      };
    } catch (error) {
      lock?.release();
      if (error instanceof SyncError && error.code === 'locked') return error;
      throw error;
    }
  }

  /**
   * Syncs the targets batch by batch (as `rolloutTargets` does: a batch with a target that does
   * not end on the snapshot, or that fails its health checks, halts the rollout; a failed check
   * takes the batch back and holds the digest, see `GroupState.checksFailedDigest`), checking
   * `stop` between batches, then proves the targets reported on the snapshot still hold it
   * (`FleetLease.prove`). Targets after a halt are read, not written, to report what they run;
   * after a stop they are left alone.
   */
  private async sync(
    group: string,
    snapshot: Snapshot,
    lease: FleetLease,
    batchSize: number,
    checks: RolloutChecks | null,
    reason: SyncReason,
    stop: AbortSignal | undefined,
  ): Promise<GroupOutcome> {
    this.metrics.syncs.inc({ group, reason });
    this.log.info('syncing', { group, digest: snapshot.digest, reason, services: snapshot.provenance.services.map((s) => `${s.name} ${s.version}`) });
    const size = Math.max(1, Math.floor(batchSize));
    const targets = lease.targets;
    const outcomes: TargetOutcome[] = [];
    const synced: TargetReport[] = [];
    const written: { target: Target; run: TargetSync }[] = [];
    let next = 0;
    let halted = false;
    while (next < targets.length && !halted) {
      if (stop?.aborted === true) {
        this.log.info('stopped before the next batch', { group, notSynced: targets.slice(next).map((t) => t.name) });
        return { group, outcome: 'stopped', ok: false, digest: snapshot.digest, reason, targets: outcomes, error: null };
      }
      const batch = targets.slice(next, next + size);
      next += batch.length;
      if (checks?.beforeWrite !== undefined) await checks.beforeWrite(batch, stop);
      // Waiting out a metric window may have taken the stop request.
      if (isAborted(stop)) {
        this.log.info('stopped before the next batch', { group, notSynced: targets.slice(next - batch.length).map((t) => t.name) });
        return { group, outcome: 'stopped', ok: false, digest: snapshot.digest, reason, targets: outcomes, error: null };
      }
      const runs = await Promise.all(batch.map((t) => runTargetSync(snapshot, t, this.options.concurrency !== undefined ? { concurrency: this.options.concurrency } : {})));
      let reports = runs.map((r) => r.report);
      halted = reports.some((r) => r.status !== 'in-sync' && r.status !== 'applied');
      if (!halted && checks !== null) {
        // The reports of every target a failed check may take back: this batch's and the earlier ones'.
        const checked = new Map<Target, TargetReport>([...written.map((w) => [w.target, synced.find((r) => r.target === w.target.name)!] as const), ...batch.map((t, i) => [t, reports[i]!] as const)]);
        const failed = await checkBatch(checks, batch, runs, written, checked, stop);
        if (failed === 'stopped') {
          // Stopped while checking: the batch goes back as it was, and nothing is held.
          const undone = await Promise.all(runs.map((r) => (r.undo === null ? r.report : r.undo())));
          for (const report of undone) outcomes.push(this.recordSync(group, report));
          this.log.info('stopped while the batch was checked; it was taken back', { group, targets: batch.map((t) => t.name) });
          return { group, outcome: 'stopped', ok: false, digest: snapshot.digest, reason, targets: outcomes, error: null };
        }
        reports = batch.map((t) => checked.get(t)!);
        if (failed !== null) {
          halted = true;
          // A drift repair that fails its checks is not the snapshot's fault (a backend may be
          // down): the group backs off and tries again, rather than holding a healthy snapshot.
          if (reason !== 'drift') this.holdFailedChecks(group, snapshot.digest, failed);
          // Earlier batches taken back too (restore_on_check_failure: all): record what they run now.
          for (const w of written) {
            const at = synced.findIndex((r) => r.target === w.target.name);
            const report = checked.get(w.target)!;
            if (report === synced[at]) continue;
            synced[at] = report;
            outcomes[at] = this.recordSync(group, report);
          }
        }
      }
      batch.forEach((t, i) => written.push({ target: t, run: runs[i]! }));
      for (const report of reports) outcomes.push(this.recordSync(group, report));
      synced.push(...reports);
    }
    const proven = await lease.prove(snapshot, synced);
    proven.forEach((report, i) => {
      if (report.status === synced[i]?.status) return;
      outcomes[i] = this.recordSync(group, report);
      halted = true;
    });
    if (halted) {
      const rest = targets.slice(next);
      if (rest.length > 0 && stop?.aborted !== true) {
        const probes = await Promise.all(rest.map((t) => probeTarget(snapshot, t)));
        rest.forEach((t, i) => {
          const probe = probes[i];
          if (probe === undefined) return;
          this.metrics.targetDigest.set(digestLabels(group, t.name, t.kind, probe.runs));
          outcomes.push({ target: t.name, kind: t.kind, status: 'skipped', runs: probe.runs, writes: 0, drifted: probe.plan === null ? null : changes(probe.plan.counts), error: null });
        });
        this.log.warn('rollout halted; later targets were not written', { group, skipped: rest.map((t) => t.name) });
      }
      return this.fail(group, { error: 'a target does not run the snapshot', digest: snapshot.digest, targets: outcomes, reason });
    }
    this.succeed(group, snapshot.digest);
    return { group, outcome: 'synced', ok: true, digest: snapshot.digest, reason, targets: outcomes, error: null };
  }

  /**
   * Moves each progressive canary of the group one step, as `tagway rollout` does (one step per
   * pass, and only once the canary's pause has passed since the agent saw the last one): the
   * weight a rollout reached is on the gateways, so a restarted agent resumes from it. A step
   * whose checks fail is taken back, the weight set to 0% everywhere, and the snapshot's canaries
   * held until the snapshot changes. Under the group's lock and leases, taken without waiting: a
   * run that holds them makes the agent skip the step this pass.
   */
  private async stepCanaries(group: string, root: string, snapshot: Snapshot, targets: readonly Target[], fleet: GroupFleet, stop: AbortSignal | undefined): Promise<void> {
    const services = snapshot.apisix.services.filter((s) => canarySteps(s) !== null);
    const state = this.state(group);
    if (services.length === 0 || state.canaryHeldDigest === snapshot.digest) return;
    try {
      await this.stepCanariesHeld(group, root, snapshot, targets, fleet, services, stop);
    } catch (error) {
      // A canary that cannot move this pass leaves the group as it was: it is tried again later.
      const { message } = describeError(error);
      this.log.warn('canary step not taken this pass', { group, error: message });
    }
  }

  private async stepCanariesHeld(
    group: string,
    root: string,
    snapshot: Snapshot,
    targets: readonly Target[],
    fleet: GroupFleet,
    services: readonly ApisixObject[],
    stop: AbortSignal | undefined,
  ): Promise<void> {
    const state = this.state(group);
    const held = await this.holdGroup(group, root, snapshot, targets, 'canary');
    // Another run holds the group: the step waits for a later pass.
    if (held instanceof SyncError) return;
    const { lease } = held;
    try {
      const lives = await Promise.all(lease.targets.map((t) => t.read()));
      for (const service of services) {
        const steps = canarySteps(service) ?? [];
        const reached = fleetWeight(service, lives.map((l) => l.config.services));
        this.metrics.canaryWeight.set({ group, service: service.id }, reached);
        const next = steps.find((w) => w > reached);
        if (next === undefined) continue;
        const key = `${group}\u0000${service.id}`;
        const last = this.canarySteppedAt.get(key);
        if (last === undefined) this.canarySteppedAt.set(key, this.clock.now());
        if (this.clock.now() - (last ?? this.clock.now()) < canaryPause(service) * 1000) continue;
        const routes = new Set(snapshot.apisix.routes.filter((r) => r.service_id === service.id).map((r) => r.id));
        const at = (weight: number) => ({ group: snapshot.group, digest: stepDigest(snapshot.digest, service.id, weight), apisix: configAtWeight(snapshot.apisix, service.id, weight) });
        const checks = rolloutChecks(at(next), fleet.targets, {
          probes: fleet.probes,
          ...(fleet.metrics !== undefined ? { metrics: fleet.metrics } : {}),
          watchRoutes: routes,
          env: this.options.env,
          rollout: fleet.rollout,
          ...(this.options.probeRuntime !== undefined ? { probeRuntime: this.options.probeRuntime } : {}),
        });
        const batchSize = fleet.rollout.batch_size;
        const report = await rolloutTargets(at(next), lease.targets, { batchSize, ...(checks !== null ? { checks } : {}), ...(stop !== undefined ? { signal: stop } : {}) });
        this.canarySteppedAt.set(key, this.clock.now());
        if (report.ok) {
          this.metrics.canaryWeight.set({ group, service: service.id }, next);
          this.log.info('canary stepped', { group, service: service.id, from: reached, weight: next });
          continue;
        }
        if (report.interrupted !== null) return;
        if (report.halted?.checks === undefined) {
          // Not its checks (a gateway unreachable, a write refused): the step is tried again on a later pass.
          this.log.warn('canary step did not complete; trying again on a later pass', { group, service: service.id, weight: next, failed: report.halted?.failed ?? report.preflight.failed });
          return;
        }
        // Every gateway that can be reached goes back to 0%, whatever the others do.
        const reset = await rolloutTargets(at(0), lease.targets, { batchSize, allowPartial: true });
        state.canaryHeldDigest = snapshot.digest;
        this.metrics.canaryWeight.set({ group, service: service.id }, reset.ok ? 0 : reached);
        this.log.error("canary step failed; its weight is back to 0 and the snapshot's canaries are held until it changes", {
          group,
          service: service.id,
          weight: next,
          failed: report.halted?.failed ?? [],
          reset: reset.ok,
        });
        break;
      }
    } finally {
      await held.release();
    }
  }

  /** Holds a digest whose health checks failed: not synced again until the group's snapshot changes. */
  private holdFailedChecks(group: string, digest: string, failed: { readonly failed: readonly string[]; readonly restored: readonly string[] }): void {
    this.state(group).checksFailedDigest = digest;
    this.metrics.checksFailed.set({ group, digest });
    this.log.error('health checks failed; the batch was taken back, and this snapshot is held until it changes', { group, digest, failed: failed.failed, restored: failed.restored });
  }

  private recordSync(group: string, report: TargetReport): TargetOutcome {
    const ok = report.status === 'in-sync' || report.status === 'applied';
    const read = report.runs.state === 'previous' || report.runs.state === 'mixed';
    const drifted = ok ? 0 : report.plan !== null && read ? changes(report.plan) : null;
    if (drifted !== null) this.metrics.drifted.set({ group, target: report.target }, drifted);
    this.metrics.targetDigest.set(digestLabels(group, report.target, report.kind, report.runs));
    const fields = { group, target: report.target, kind: report.kind, status: report.status, writes: report.writes, digest: report.runs.digest ?? undefined };
    if (ok) {
      this.log.log(report.status === 'applied' ? 'info' : 'debug', report.status === 'applied' ? 'target synced' : 'target already in sync', fields);
    } else {
      this.metrics.targetFailures.inc({ group, target: report.target });
      this.log.error('target sync failed', {
        ...fields,
        runs: report.runs.state,
        error: report.error ?? undefined,
        restore: report.restore === null ? undefined : { attempted: report.restore.attempted, ok: report.restore.ok, verified: report.restore.verified },
      });
    }
    return { target: report.target, kind: report.kind, status: report.status, runs: report.runs, writes: report.writes, drifted, error: report.error };
  }

  private recordDrift(group: string, drift: TargetDrift): TargetOutcome {
    this.metrics.targetDigest.set(digestLabels(group, drift.target, drift.kind, drift.runs));
    let drifted: number | null = null;
    if (drift.status === 'in-sync' || drift.status === 'drifted') {
      drifted = drift.objects.length + drift.conflicts.length;
      this.metrics.drifted.set({ group, target: drift.target }, drifted);
    } else {
      this.metrics.targetFailures.inc({ group, target: drift.target });
      this.log.error('target cannot be read', { group, target: drift.target, kind: drift.kind, status: drift.status, error: drift.error ?? undefined });
    }
    return { target: drift.target, kind: drift.kind, status: drift.status, runs: drift.runs, writes: 0, drifted, error: drift.error };
  }

  private succeed(group: string, digest: string): void {
    const state = this.state(group);
    const now = this.clock.now();
    if (state.consecutiveFailures > 0) this.log.info('group recovered', { group, failures: state.consecutiveFailures });
    state.syncedDigest = digest;
    state.consecutiveFailures = 0;
    state.retryAt = 0;
    state.lastSuccessAt = now;
    this.metrics.lastSuccess.set({ group }, now / 1000);
    this.metrics.consecutiveFailures.set({ group }, 0);
  }

  /**
   * Records a failure, schedules the group's retry, and returns the `failed` outcome. With
   * `cause`, the error is logged (under `log`) with its hint.
   */
  private fail(group: string, failure: Failure): GroupOutcome {
    const state = this.state(group);
    if (failure.cause !== undefined) {
      const { message, hint } = describeError(failure.cause);
      this.log.error(failure.log ?? 'group failed', { group, error: message, hint: hint ?? undefined });
    }
    state.consecutiveFailures += 1;
    const maxMs = this.options.maxBackoffMs ?? Math.max(DEFAULT_MAX_BACKOFF_MS, this.options.intervalMs);
    const delay = backoffDelay(state.consecutiveFailures, { baseMs: this.options.intervalMs, maxMs, jitter: 'equal' }, () => this.clock.random());
    state.retryAt = this.clock.now() + delay;
    this.metrics.groupFailures.inc({ group });
    this.metrics.consecutiveFailures.set({ group }, state.consecutiveFailures);
    this.log.warn('group failed; retrying later', { group, failures: state.consecutiveFailures, retryInMs: delay, retryAt: new Date(state.retryAt).toISOString() });
    return { group, outcome: 'failed', ok: false, digest: failure.digest ?? null, reason: failure.reason ?? null, targets: failure.targets ?? [], error: failure.error };
  }
}

interface Failure {
  /** One line for the outcome. */
  readonly error: string;
  readonly digest?: string;
  readonly reason?: SyncReason;
  readonly targets?: readonly TargetOutcome[];
  /** An error to log (message and hint), under the message `log`. */
  readonly cause?: unknown;
  readonly log?: string;
}

function changes(counts: { readonly create: number; readonly update: number; readonly delete: number }): number {
  return counts.create + counts.update + counts.delete;
}

function digestLabels(group: string, target: string, kind: TargetKind, runs: RunningConfig): Record<string, string> {
  return { group, target, kind, state: runs.state, digest: runs.digest ?? '' };
}

function diagnosticFields(d: Diagnostic): Record<string, unknown> {
  return { code: d.code, file: d.file, line: d.line, column: d.column, message: d.message };
}

/** Message and hint of anything thrown, for a log line; an unexpected error says it is a bug. */
function describeError(error: unknown): { readonly message: string; readonly hint: string | null } {
  if (error instanceof UserError) return { message: error.message, hint: error.hint ?? null };
  if (error instanceof GitError) return { message: error.message, hint: error.hint ?? null };
  if (error instanceof SyncError) return { message: error.message, hint: error.data.hint ?? null };
  const data = errorData(error);
  return { message: data.message, hint: data.hint ?? null };
}

/** Whether `signal` aborted, read anew (a property test would be narrowed by the type checker). */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
