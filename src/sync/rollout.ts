import type { RolloutSpec, TargetSpec } from '../model/target.js';
import { withFleetLease, type FleetLeaseOptions } from './lease/fleet-lease.js';
import { closeTargets, createTargets, type TargetOptions } from './targets/create.js';
import type { Target } from './targets/port.js';
import { probeTarget, syncTarget, type SyncSnapshot, type TargetReport, type TargetStatus } from './sync.js';

export interface RolloutOptions {
  /** Targets per step, synced concurrently; a step with a failed target halts the rollout. Default 1. */
  readonly batchSize?: number;
  /** Writes in flight per target within a phase. Default 16. */
  readonly concurrency?: number;
  /** Read skipped targets (no writes) to report what they run. Default true. */
  readonly probeSkipped?: boolean;
}

export interface RolloutReport {
  readonly group: string;
  readonly digest: string;
  /** Every target is `in-sync` or `applied`. */
  readonly ok: boolean;
  /** Set when a failed batch stopped the rollout: the 1-based batch and the targets that failed in it. */
  readonly halted: { readonly batch: number; readonly failed: readonly string[] } | null;
  /** One report per target, in fleet order. */
  readonly targets: readonly TargetReport[];
  readonly counts: Readonly<Record<TargetStatus, number>>;
}

const SUCCESS: ReadonlySet<TargetStatus> = new Set(['in-sync', 'applied']);

/**
 * Rolls a snapshot out to targets in order, `batchSize` at a time. The first batch with a target
 * that is not `in-sync`/`applied` halts the rollout; later targets are `skipped` and, unless
 * `probeSkipped` is false, read (never written) so the report says which digest each one runs.
 */
export async function rolloutTargets(
  snapshot: SyncSnapshot,
  targets: readonly Target[],
  options: RolloutOptions = {},
): Promise<RolloutReport> {
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 1));
  const syncOptions = options.concurrency !== undefined ? { concurrency: options.concurrency } : {};
  const reports: TargetReport[] = [];
  let halted: RolloutReport['halted'] = null;
  let next = 0;
  for (let batch = 1; next < targets.length; batch += 1) {
    const members = targets.slice(next, next + batchSize);
    next += members.length;
    const results = await Promise.all(members.map((t) => syncTarget(snapshot, t, syncOptions)));
    reports.push(...results);
    const failed = results.filter((r) => !SUCCESS.has(r.status)).map((r) => r.target);
    if (failed.length > 0) {
      halted = { batch, failed };
      break;
    }
  }

  const rest = targets.slice(next);
  const probes = await Promise.all(
    rest.map(async (t) => (options.probeSkipped === false ? null : probeTarget(snapshot, t))),
  );
  rest.forEach((t, i) => {
    const probe = probes[i] ?? null;
    reports.push({
      target: t.name,
      kind: t.kind,
      status: 'skipped',
      runs: probe?.runs ?? { state: 'unknown', digest: null, services: [] },
      plan: probe?.plan?.counts ?? null,
      steps: [],
      conflicts: [],
      writes: 0,
      error: null,
      restore: null,
    });
  });

  const counts: Record<TargetStatus, number> = { 'in-sync': 0, applied: 0, failed: 0, skipped: 0, unreachable: 0 };
  for (const r of reports) counts[r.status] += 1;
  return {
    group: snapshot.group,
    digest: snapshot.digest,
    ok: reports.every((r) => SUCCESS.has(r.status)),
    halted,
    targets: reports,
    counts,
  };
}

export interface SyncGroupOptions extends TargetOptions {
  readonly rollout?: RolloutSpec;
  /** Writes in flight per target within a phase (and connections per gateway). Default 16. */
  readonly concurrency?: number;
  readonly probeSkipped?: boolean;
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
        ...(options.probeSkipped !== undefined ? { probeSkipped: options.probeSkipped } : {}),
      }),
    );
  } finally {
    await closeTargets(targets);
  }
}
