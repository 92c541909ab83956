/**
 * `tagway sync`: takes one group's snapshot to the targets of its fleet (docs/architecture.md §4), or with
 * `dryRun` shows each target's plan without writing.
 */
import type { Diagnostic } from '../model/diagnostic.js';
import type { Env } from '../sync/credentials.js';
import { checkDrift, type DriftReport } from '../sync/drift.js';
import { DEFAULT_LOCK_TIMEOUT_MS } from '../sync/lease/fleet-lease.js';
import { describeRun } from '../sync/lease/holder.js';
import { acquireLocalLock } from '../sync/lease/local-lock.js';
import { SYSTEM_LEASE_CLOCK, type LeaseClock } from '../sync/lease/wait.js';
import type { RetryPolicy } from '../sync/retry.js';
import { syncGroup } from '../sync/rollout.js';
import type { SyncEvent } from '../sync/sync.js';
import type { TargetSpec } from '../model/target.js';
import { loadGroupSnapshot, selectTargets, withFleetErrors } from './group-snapshot.js';
import type { SnapshotSource } from '../model/group-snapshot.js';
import type { RolloutReport } from '../sync/report.js';
import { resolveSecretReferences } from '../sync/secret-references.js';

export interface SyncOptions {
  /** Any folder inside the config repository. */
  readonly cwd: string;
  /** The group to sync; required unless `snapshotFile` is given. */
  readonly group?: string;
  /** Only these targets of the fleet (names); default all of them. */
  readonly targets?: readonly string[];
  /** Compile the group at this revision instead of the worktree. */
  readonly rev?: string;
  /** Sync this compiled snapshot.json instead of compiling. */
  readonly snapshotFile?: string;
  /**
   * With `snapshotFile`: public keys its signature is checked against (`env:NAME`, `file:PATH`
   * or the key), besides tagway.yaml's `trusted_keys` (docs/signing.md).
   */
  readonly trustedKeys?: readonly string[];
  /** Read every target and plan, write nothing. */
  readonly dryRun?: boolean;
  /** Writes in flight per target within a phase. Default 16. */
  readonly concurrency?: number;
  /** Where `env:NAME` credential references are looked up; the CLI passes `process.env`. */
  readonly env: Env;
  /** Retry policy of gateway requests (default `DEFAULT_RETRY_POLICY`). */
  readonly retry?: Partial<RetryPolicy>;
  /** Roll out to the targets the preflight could read even when others failed it. */
  readonly allowPartial?: boolean;
  /** Stops the sync when aborted (see `RolloutOptions.signal`); its `reason` names the signal. */
  readonly signal?: AbortSignal;
  /** Told what the sync of each target does as it goes (see `SyncEvent`): phases, writes done. */
  readonly onEvent?: (event: SyncEvent) => void;
  /**
   * Given the warnings of the compile (or of the snapshot file's group) as soon as the snapshot is
   * loaded, before any target is contacted, so they are not held back until the sync ends.
   */
  readonly onCompiled?: (diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>) => void | Promise<void>;
  /**
   * How long to wait for another run of the group, for its local lock and its leases on the
   * targets together (docs/concurrent-runs.md). Default `DEFAULT_LOCK_TIMEOUT_MS`; 0 fails at once.
   */
  readonly lockTimeoutMs?: number;
  /** Told when another run holds the group (`target` null: the local lock) and this one waits. */
  readonly onWait?: (wait: { readonly target: string | null; readonly holder: string }) => void;
  /** Time of the waits (tests). */
  readonly lockClock?: LeaseClock;
}

/** The snapshot a sync takes, for headers and reports. */
export interface SyncedSnapshot {
  readonly group: string;
  readonly digest: string;
  readonly source: SnapshotSource;
  readonly services: readonly { readonly name: string; readonly version: string }[];
}

interface Loaded {
  readonly root: string;
  readonly snapshot: SyncedSnapshot;
  /** The targets synced (or planned), in fleet order. */
  readonly targets: readonly TargetSpec[];
  /** Compile warnings. */
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: ReadonlyMap<string, string>;
}

/**
 * - `findings`: the group does not compile (or its group.yaml is invalid); nothing was contacted.
 * - `dry-run`: each target's plan (`report.targets[i].plan`); `ok` when every target could be read
 *   and planned without conflicts, i.e. a sync would start on each.
 * - `synced`: the rollout report; `ok` when every selected target runs the snapshot.
 */
export type SyncOutcome =
  | {
      readonly kind: 'findings';
      readonly ok: false;
      readonly root: string;
      readonly diagnostics: readonly Diagnostic[];
      readonly sources: ReadonlyMap<string, string>;
    }
  | (Loaded & { readonly kind: 'dry-run'; readonly ok: boolean; readonly report: DriftReport })
  | (Loaded & { readonly kind: 'synced'; readonly ok: boolean; readonly report: RolloutReport });

/** The command a run describes itself by to the runs that wait for it (no secrets: only what names the snapshot). */
function syncCommand(group: string, options: SyncOptions): string {
  const parts = ['tagway sync', `--group ${group}`];
  if (options.rev !== undefined) parts.push(`--rev ${options.rev}`);
  if (options.snapshotFile !== undefined) parts.push(`--snapshot ${options.snapshotFile}`);
  for (const target of options.targets ?? []) parts.push(`--target ${target}`);
  return parts.join(' ');
}

/**
  * Compiles (or reads) the group's snapshot, selects targets, and syncs them in rollout order,
 * one run of the group at a time: the run takes the group's local lock, then its lease on each
 * target (docs/concurrent-runs.md), waiting up to `lockTimeoutMs` for another run.
 * Usage problems (unknown target, no targets, an unset credential variable, a bad snapshot file,
 * one not signed as the trusted keys require) and a run of the group that keeps its lock past
 * the wait throw UserErrors before anything is written; gateway failures are in the report.
 */
export async function runSync(options: SyncOptions): Promise<SyncOutcome> {
  const loaded = await loadGroupSnapshot({
    cwd: options.cwd,
    ...(options.group !== undefined ? { group: options.group } : {}),
    ...(options.rev !== undefined ? { rev: options.rev } : {}),
    ...(options.snapshotFile !== undefined ? { snapshotFile: options.snapshotFile } : {}),
    ...(options.trustedKeys !== undefined ? { trustedKeys: options.trustedKeys } : {}),
    env: options.env,
  });
  if (loaded.kind === 'findings') return { ...loaded, ok: false };
  await options.onCompiled?.(loaded.diagnostics, loaded.sources);

  const { snapshot, fleet } = loaded;
  const targets = selectTargets(snapshot.group, fleet, options.targets);
  // The secret references of the snapshot's consumers, resolved in memory before any plan.
  const resolved = await withFleetErrors(async () => resolveSecretReferences(snapshot, { env: options.env, root: loaded.root }).snapshot);
  const base: Loaded = {
    root: loaded.root,
    snapshot: {
      group: snapshot.group,
      digest: snapshot.digest,
      source: loaded.source,
      services: snapshot.provenance.services.map((s) => ({ name: s.name, version: s.version })),
    },
    targets,
    diagnostics: loaded.diagnostics,
    sources: loaded.sources,
  };
  const targetOptions = {
    env: options.env,
    fleet: fleet.targets,
    root: loaded.root,
    ...(options.retry !== undefined ? { retry: options.retry } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
  };

  if (options.dryRun === true) {
    const report = await withFleetErrors(() => checkDrift(resolved, targets, targetOptions));
    const ok = report.targets.every((t) => (t.status === 'in-sync' || t.status === 'drifted') && t.conflicts.length === 0);
    return { ...base, kind: 'dry-run', ok, report };
  }
  const clock = options.lockClock ?? SYSTEM_LEASE_CLOCK;
  const timeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const deadline = clock.now() + timeoutMs;
  const holder = describeRun({ command: syncCommand(snapshot.group, options), digest: snapshot.digest });
  const onWait = options.onWait;
  const report = await withFleetErrors(async () => {
    const lock = await acquireLocalLock({
      root: loaded.root,
      group: snapshot.group,
      holder,
      timeoutMs,
      clock,
      ...(onWait !== undefined ? { onWait: (h: string) => onWait({ target: null, holder: h }) } : {}),
    });
    try {
      const lease = { holder, timeoutMs: Math.max(0, deadline - clock.now()), clock, ...(onWait !== undefined ? { onWait } : {}) };
      return await syncGroup(resolved, targets, {
        ...targetOptions,
        rollout: fleet.rollout,
        probes: fleet.probes,
        probeChangedRoutes: fleet.probeChangedRoutes,
        ...(fleet.metrics !== undefined ? { metrics: fleet.metrics } : {}),
        lease,
        ...(options.allowPartial !== undefined ? { allowPartial: options.allowPartial } : {}),
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
        ...(options.onEvent !== undefined ? { onEvent: options.onEvent } : {}),
      });
    } finally {
      lock.release();
    }
  });
  return { ...base, kind: 'synced', ok: report.ok, report };
}
