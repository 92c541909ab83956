import type { MetricsCheckSpec, ProbeSpec, RolloutSpec, TargetSpec } from '../model/target.js';
import { withFleetLease, type FleetLeaseOptions } from './lease/fleet-lease.js';
import { closeTargets, createTargets, type TargetOptions } from './targets/create.js';
import type { ChecksRecord, Target } from './targets/port.js';
import { runBounded } from '../core/bounded.js';
import { abortReason } from './errors.js';
import { blockedReport, planTarget, runTargetSync, skippedReport, unreadReport, type SyncEvent, type TargetRead, type TargetSync } from './sync.js';
import { affectedRoutes, APISIX_NOT_FOUND, derivedProbes } from './checks/derived.js';
import { displayUrl, judgeMetrics, readyMetricsCheck, scrape, type MetricsSample } from './checks/metrics.js';
import { readyProbe, runProbe, SYSTEM_PROBE_RUNTIME, type ProbeResult, type ProbeRuntime } from './checks/probe.js';
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
  /** Health checks run after each batch is written (docs/health-checks.md). */
  readonly checks?: RolloutChecks;
}

/** How a rollout checks each batch through the data plane, and what it takes back when one fails. */
export interface RolloutChecks {
  /** The snapshot checked: its group and digest, for the record each target keeps (`Target.recordChecks`). */
  readonly snapshot: { readonly group: string; readonly digest: string };
  /** The checks of each target of a batch that holds the snapshot (with its report, whose steps say what changed), by target name. */
  readonly run: (batch: readonly { readonly target: Target; readonly report: TargetReport }[], signal?: AbortSignal) => Promise<ReadonlyMap<string, readonly ProbeResult[]>>;
  /** `batch`: the failed batch's targets are taken back; `all`: those of every batch before it too. */
  readonly restore: 'batch' | 'all';
  /** Before each batch is written (metric checks take the window before the write here). */
  readonly beforeWrite?: (batch: readonly Target[], signal?: AbortSignal) => Promise<void>;
}

const SUCCESS: ReadonlySet<TargetStatus> = new Set(['in-sync', 'applied']);

/** A target after the preflight: its read (null when unreadable), and its report if it failed. */
interface Preflight {
  readonly read: TargetRead | null;
  readonly failure: TargetReport | null;
}

/**
 * Reads and plans every target, `parallel` at a time (see `planTarget`); once `signal` aborts no
 * further target is read (those have no entry). A target that cannot be read or planned is a
 * failure of its own; anything else that throws here (a listener of `onEvent`) is thrown once
 * the reads in flight end, before anything is written.
 */
async function preflightTargets(
  snapshot: SyncSnapshot,
  targets: readonly Target[],
  parallel: number,
  signal?: AbortSignal,
  onEvent?: (event: SyncEvent) => void,
): Promise<Map<Target, Preflight>> {
  const results = new Map<Target, Preflight>();
  const failure = await runBounded(targets, parallel, async (target) => {
    onEvent?.({ type: 'phase', target: target.name, phase: 'preflight' });
    try {
      const read = await planTarget(snapshot, target);
      results.set(target, { read, failure: read.plan.conflicts.length > 0 ? blockedReport(snapshot, target, read, 'preflight') : null });
    } catch (error) {
      results.set(target, { read: null, failure: unreadReport(target, error, 'preflight') });
    }
  }, signal);
  if (failure !== undefined) throw failure;
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
  // Targets of earlier batches that could still be taken back (restore_on_check_failure: all).
  const written: { target: Target; run: TargetSync }[] = [];
  for (let batch = 1; next < rollout.length; batch += 1) {
    if (stopped()) break;
    const members = rollout.slice(next, next + batchSize);
    next += members.length;
    // The window before the write is watched only on targets the batch writes to.
    const writing = members.filter((t) => (preflight.get(t)?.read?.plan.steps.length ?? 1) > 0);
    if (options.checks?.beforeWrite !== undefined && writing.length > 0) await options.checks.beforeWrite(writing, signal);
    if (stopped()) break;
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
    if (options.checks !== undefined) {
      const checked = await checkBatch(options.checks, members, runs, written, reports, signal);
      if (checked === 'stopped' && signal !== undefined) {
        // Stopped while the batch was being checked: taken back as an interrupted batch (earlier
        // batches keep the snapshot), not as one that failed its checks.
        const undone = await Promise.all(runs.map((r) => (r.undo === null ? r.report : r.undo())));
        members.forEach((t, i) => reports.set(t, undone[i]!));
        interrupted = { by: abortReason(signal), batch };
        break;
      }
      if (checked !== null && checked !== 'stopped') {
        halted = { batch, failed: checked.failed, checks: { restored: checked.restored } };
        break;
      }
      members.forEach((t, i) => written.push({ target: t, run: runs[i]! }));
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

/**
 * Runs the health checks of a batch whose targets all hold the snapshot, and records them in the
 * reports. When any target fails them, every target of the batch that was written is taken back
 * (with `restore: all`, those of the earlier batches too), each reported `failed` with a
 * `checks-failed` error; returns the targets that failed and those taken back, null when all
 * passed, or `stopped` when `signal` aborted meanwhile (nothing is taken back: the caller does).
 */
export async function checkBatch(
  checks: RolloutChecks,
  members: readonly Target[],
  runs: readonly TargetSync[],
  earlier: readonly { target: Target; run: TargetSync }[],
  reports: Map<Target, TargetReport>,
  signal: AbortSignal | undefined,
): Promise<{ failed: string[]; restored: string[] } | 'stopped' | null> {
  const results = await checks.run(members.map((t) => ({ target: t, report: reports.get(t)! })), signal);
  // A stop cuts probes and windows short: what they saw judges nothing.
  if (signal?.aborted === true) return 'stopped';
  const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await Promise.all(
    members.map(async (t) => {
      const seen = results.get(t.name) ?? [];
      reports.set(t, { ...reports.get(t)!, checks: seen });
      if (seen.length > 0) await t.recordChecks?.(checksRecord(checks.snapshot, seen, at));
    }),
  );
  const failed = members.filter((t) => (results.get(t.name) ?? []).some((r) => !r.ok)).map((t) => t.name);
  if (failed.length === 0) return null;
  const because = (t: Target) => {
    const mine = (results.get(t.name) ?? []).filter((r) => !r.ok);
    const what =
      mine.length > 0
        ? `its health checks failed (${mine.map((r) => `${r.probe}: ${r.reason ?? 'failed'}`).join('; ')})`
        : members.includes(t)
          ? `the health checks of ${failed.join(', ')} in its batch failed`
          : `the health checks of ${failed.join(', ')} in a later batch failed, and restore_on_check_failure is all`;
    return {
      error: {
        code: 'checks-failed' as const,
        target: t.name,
        message: `target ${t.name}: ${what}`,
        hint: 'see what the probes saw, fix the configuration and sync again (the targets taken back run what they ran before)',
      },
    };
  };
  const restore = [...members.map((t, i) => ({ target: t, run: runs[i]! })), ...(checks.restore === 'all' ? earlier : [])];
  const restored: string[] = [];
  await Promise.all(
    restore.map(async ({ target, run }) => {
      const report = reports.get(target)!;
      if (run.undo === null) {
        // In sync before the run: nothing to take back, but it failed its checks all the same.
        if (members.includes(target)) reports.set(target, { ...report, status: 'failed', error: because(target).error });
        return;
      }
      const undone = await run.undo(because(target));
      reports.set(target, { ...undone, ...(report.checks !== undefined ? { checks: report.checks } : {}) });
      restored.push(target.name);
      // An earlier batch's record said its checks passed: it now says why it was taken back.
      if (!members.includes(target)) {
        await target.recordChecks?.({ group: checks.snapshot.group, digest: checks.snapshot.digest, ok: false, description: `checks of ${checks.snapshot.digest.slice(0, 19)} passed, then taken back at ${at}: the checks of ${failed.join(', ')} in a later batch failed` });
      }
    }),
  );
  const order = new Map(restore.map(({ target }, i) => [target.name, i]));
  restored.sort((a, b) => order.get(a)! - order.get(b)!);
  return { failed, restored };
}

export interface SyncGroupOptions extends TargetOptions {
  readonly rollout?: RolloutSpec;
  /** The group's health-check probes, sent through each target's `proxy_url` after its batch. */
  readonly probes?: readonly ProbeSpec[];
  /** Also a probe per route each target's plan creates or updates (`checks.probe_changed_routes`). */
  readonly probeChangedRoutes?: boolean;
  /** The metric check (`checks.metrics`), read from each target's `metrics_url`. */
  readonly metrics?: MetricsCheckSpec;
  /** The routes a metric check watches, instead of those each plan changed (a canary's step changes only its service). */
  readonly watchRoutes?: ReadonlySet<string>;
  /** Waits and clock of the probes (tests). */
  readonly probeRuntime?: ProbeRuntime;
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
  // Header references resolved before any request, like the targets' keys.
  const checks = rolloutChecks(snapshot, specs, options);
  const targets = createTargets(specs, options);
  try {
    return await withFleetLease(snapshot, targets, options.lease, (leased) =>
      rolloutTargets(snapshot, leased, {
        batchSize: options.rollout?.batch_size ?? 1,
        ...(checks !== null ? { checks } : {}),
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

/**
 * The rollout's checks: the group's probes, and with `probeChangedRoutes` one per route each
 * target's plan created or updated (derived.ts), all sent at once through each target's
 * `proxy_url`. Null when there is nothing to check.
 */
export function rolloutChecks(
  snapshot: Pick<SyncSnapshot, 'group' | 'apisix' | 'digest'>,
  specs: readonly TargetSpec[],
  options: Pick<SyncGroupOptions, 'probes' | 'probeChangedRoutes' | 'metrics' | 'watchRoutes' | 'env' | 'rollout' | 'probeRuntime'>,
): RolloutChecks | null {
  const derive = options.probeChangedRoutes === true;
  const metrics = options.metrics === undefined ? null : readyMetricsCheck(options.metrics);
  const targetProbes = specs.some((s) => s.kind !== 'file' && (s.checks?.probes?.length ?? 0) > 0);
  if ((options.probes === undefined || options.probes.length === 0) && !derive && metrics === null && !targetProbes) return null;
  const probes = (options.probes ?? []).map((p) => readyProbe(p, options.env, snapshot.group));
  const runtime = options.probeRuntime ?? SYSTEM_PROBE_RUNTIME;
  const proxies = new Map<string, string>();
  const metricsUrls = new Map<string, string>();
  const ownProbes = new Map<string, ReturnType<typeof readyProbe>[]>();
  for (const spec of specs) {
    if (spec.kind === 'file') continue;
    if (spec.proxy_url !== undefined) proxies.set(spec.name, spec.proxy_url);
    if (spec.metrics_url !== undefined) metricsUrls.set(spec.name, spec.metrics_url);
    if (spec.checks?.probes !== undefined) ownProbes.set(spec.name, spec.checks.probes.map((p) => readyProbe(p, options.env, snapshot.group)));
  }
  // The window before each target's write: a sample taken at least `window` before it, and one just before.
  const before = new Map<string, [MetricsSample | null, MetricsSample | null]>();
  const sampleOrNull = async (url: string) => {
    try {
      return await scrape(url, runtime.now());
    } catch {
      return null;
    }
  };
  return {
    snapshot: { group: snapshot.group, digest: snapshot.digest },
    restore: options.rollout?.restore_on_check_failure ?? 'batch',
    ...(metrics === null
      ? {}
      : {
          beforeWrite: async (batch: readonly Target[], signal?: AbortSignal) => {
            const members = batch.filter((t) => metricsUrls.has(t.name));
            if (members.length === 0) return;
            const first = await Promise.all(members.map((t) => sampleOrNull(metricsUrls.get(t.name)!)));
            await runtime.sleep(metrics.windowMs, signal);
            const last = await Promise.all(members.map((t) => sampleOrNull(metricsUrls.get(t.name)!)));
            members.forEach((t, i) => before.set(t.name, [first[i] ?? null, last[i] ?? null]));
          },
        }),
    run: async (batch, signal) => {
      const out = new Map<string, readonly ProbeResult[]>();
      const runOptions = { runtime, ...(signal !== undefined ? { signal } : {}) };
      // Metric windows run beside the probes: one wait for the whole batch.
      const watched = metrics === null ? [] : batch.filter(({ target }) => metricsUrls.has(target.name));
      // The window after the write runs beside the probes: its first samples, then its wait.
      const windowStart = Promise.all(watched.map(({ target }) => sampleOrNull(metricsUrls.get(target.name)!)));
      const windowEnd = metrics === null || watched.length === 0 ? null : windowStart.then(async (starts) => {
        await runtime.sleep(metrics.windowMs, signal);
        return starts;
      });
      const probed = await Promise.all(
        batch.map(async ({ target: t, report }) => {
          const proxy = proxies.get(t.name);
          // A file target has no data plane of its own to ask.
          if (proxy === undefined) return [] as ProbeResult[];
          // A derived probe fails on APISIX's own 404 (no route matched), not on a backend's.
          const own = derive ? derivedProbes(report.steps, snapshot.apisix).map((p) => ({ ...readyProbe(p, options.env, snapshot.group), unrouted: APISIX_NOT_FOUND })) : [];
          return Promise.all([...probes, ...(ownProbes.get(t.name) ?? []), ...own].map((p) => runProbe(p, proxy, runOptions)));
        }),
      );
      batch.forEach(({ target }, i) => {
        if (proxies.has(target.name) || metricsUrls.has(target.name)) out.set(target.name, probed[i]!);
      });
      if (metrics !== null && windowEnd !== null) {
        const starts = await windowEnd;
        const ends = await Promise.all(watched.map(({ target }) => sampleOrNull(metricsUrls.get(target.name)!)));
        watched.forEach(({ target, report }, i) => {
          const url = metricsUrls.get(target.name)!;
          const start = starts[i] ?? null;
          const end = ends[i] ?? null;
          const judged: ProbeResult =
            start === null || end === null
              ? { probe: 'metrics', ok: false, attempts: 1, request: `GET ${displayUrl(url)}`, status: null, latencyMs: null, reason: 'the metrics endpoint could not be read' }
              : judgeMetrics(metrics, url, windowBefore(before.get(target.name)), [start, end], metrics.routes === 'all' ? null : (options.watchRoutes ?? affectedRoutes(report.steps, snapshot.apisix)));
          out.set(target.name, [...(out.get(target.name) ?? []), judged]);
        });
      }
      return out;
    },
  };
}

function windowBefore(samples: [MetricsSample | null, MetricsSample | null] | undefined): readonly [MetricsSample, MetricsSample] | null {
  return samples !== undefined && samples[0] !== null && samples[1] !== null ? [samples[0], samples[1]] : null;
}

/** The short account a target keeps of its last checks: `checks of sha256:… passed at …: list-pets ok; metrics FAILED (…)`. */
function checksRecord(snapshot: { readonly group: string; readonly digest: string }, results: readonly ProbeResult[], at: string): ChecksRecord {
  const ok = results.every((r) => r.ok);
  const each = results.map((r) => (r.ok ? `${r.probe} ok` : `${r.probe} FAILED (${r.reason ?? 'failed'})`)).join('; ');
  return { group: snapshot.group, digest: snapshot.digest, ok, description: `checks of ${snapshot.digest.slice(0, 19)} ${ok ? 'passed' : 'failed'} at ${at}: ${each}` };
}
