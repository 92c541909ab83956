/**
 * `tagway sync`: takes one group's snapshot to the targets of its fleet (docs/architecture.md §4), or with
 * `dryRun` shows each target's plan without writing.
 */
import type { Diagnostic } from '../model/diagnostic.js';
import type { Env } from '../sync/credentials.js';
import { checkDrift, type DriftReport } from '../sync/drift.js';
import type { RetryPolicy } from '../sync/retry.js';
import { syncGroup, type RolloutReport } from '../sync/rollout.js';
import type { SyncEvent } from '../sync/sync.js';
import type { TargetSpec } from '../model/target.js';
import { loadGroupSnapshot, selectTargets, withFleetErrors, type SnapshotSource } from './group-snapshot.js';

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
  /** Told when a target's writes start and end. */
  readonly onEvent?: (event: SyncEvent) => void;
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

/**
 * Compiles (or reads) the group's snapshot, selects targets, and syncs them in rollout order.
 * Usage problems (unknown target, no targets, an unset credential variable, a bad snapshot file,
 * one not signed as the trusted keys require) throw UserErrors before any target is contacted;
 * gateway failures are in the report.
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

  const { snapshot, fleet } = loaded;
  const targets = selectTargets(snapshot.group, fleet, options.targets);
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
    const report = await withFleetErrors(() => checkDrift(snapshot, targets, targetOptions));
    const ok = report.targets.every((t) => (t.status === 'in-sync' || t.status === 'drifted') && t.conflicts.length === 0);
    return { ...base, kind: 'dry-run', ok, report };
  }
  const report = await withFleetErrors(() =>
    syncGroup(snapshot, targets, {
      ...targetOptions,
      rollout: fleet.rollout,
      ...(options.allowPartial !== undefined ? { allowPartial: options.allowPartial } : {}),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      ...(options.onEvent !== undefined ? { onEvent: options.onEvent } : {}),
    }),
  );
  return { ...base, kind: 'synced', ok: report.ok, report };
}
