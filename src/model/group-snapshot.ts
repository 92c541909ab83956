/**
 * A group's snapshot as the application hands it to the sync engine and the agent: where it came
 * from, the fleet it goes to, and the findings when it could not be made. Loading it is
 * `loadGroupSnapshot` (src/app/group-snapshot.ts); the agent receives that as a `GroupLoader`.
 */
import type { Diagnostic } from './diagnostic.js';
import type { Snapshot } from './snapshot.js';
import type { MetricsCheckSpec, ProbeSpec, RolloutSpec, TargetSpec } from './target.js';

/** A snapshot file's signature, as checked. */
export interface CheckedSignature {
  readonly keyId: string;
  readonly signedAt: string | null;
}

export interface GroupSnapshotOptions {
  /** Any folder inside the config repository; a relative `snapshotFile` is resolved against it. */
  readonly cwd: string;
  /** The group. Required unless `snapshotFile` is given (then it must match the snapshot's). */
  readonly group?: string;
  /** Compile the group's files at this revision instead of the worktree. */
  readonly rev?: string;
  /** Take this compiled `snapshot.json` instead of compiling. */
  readonly snapshotFile?: string;
  /**
   * With `snapshotFile`: public keys to check its signature against (`env:NAME`, `file:PATH` or
   * the key), besides tagway.yaml's `trusted_keys` (docs/signing.md).
   */
  readonly trustedKeys?: readonly string[];
  /** Where `env:NAME` key references are looked up. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Where the snapshot came from: compiled (at `commit`, null for the worktree) or a file, with its
 * signature when keys were trusted (null: none were, and the file was not checked for one).
 */
export type SnapshotSource =
  | {
      readonly kind: 'compiled';
      readonly commit: string | null;
      /**
       * Compiled from the worktree: its config files of the group that differ from HEAD (the
       * group's folder, the shared folder, services/, tagway.yaml); null when they could not be
       * listed (a linked worktree). Absent for a commit.
       */
      readonly uncommitted?: readonly string[] | null;
    }
  | { readonly kind: 'file'; readonly path: string; readonly signature: CheckedSignature | null };

/** The group's fleet, from the group.yaml the snapshot goes with. */
export interface GroupFleet {
  /** Repository-relative path of that group.yaml. */
  readonly file: string;
  readonly targets: readonly TargetSpec[];
  readonly rollout: RolloutSpec;
  /** The group's health-check probes (`checks.probes`); empty when it has none. */
  readonly probes: readonly ProbeSpec[];
  /** `checks.probe_changed_routes`. */
  readonly probeChangedRoutes: boolean;
  /** `checks.metrics`, when the group has one. */
  readonly metrics?: MetricsCheckSpec;
}

export type LoadedGroup =
  | {
      readonly kind: 'findings';
      readonly root: string;
      readonly diagnostics: readonly Diagnostic[];
      readonly sources: ReadonlyMap<string, string>;
    }
  | {
      readonly kind: 'loaded';
      readonly root: string;
      readonly snapshot: Snapshot;
      readonly source: SnapshotSource;
      readonly fleet: GroupFleet;
      /** Warnings of the compile (never errors). */
      readonly diagnostics: readonly Diagnostic[];
      readonly sources: ReadonlyMap<string, string>;
    };

/** Loads a group's snapshot (compiled, or from a file) and its fleet. */
export type GroupLoader = (options: GroupSnapshotOptions) => Promise<LoadedGroup>;
