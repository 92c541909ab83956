/**
 * The live drift check behind `status --live` and `diff --live`: compiles a group as `compile`
 * does and compares every target's live objects of the group with that snapshot. Read-only.
 */
import type { Diagnostic } from '../model/diagnostic.js';
import type { Snapshot } from '../model/snapshot.js';
import type { Env } from '../sync/credentials.js';
import { checkDrift, type DriftReport } from '../sync/drift.js';
import type { RetryPolicy } from '../sync/retry.js';
import { loadGroupSnapshot, selectTargets, withFleetErrors } from './group-snapshot.js';
import type { LoadedGroup } from '../model/group-snapshot.js';
import { resolveSecretReferences } from '../sync/secret-references.js';

export interface DriftCheckOptions {
  /** Any folder inside the config repository. */
  readonly cwd: string;
  readonly group: string;
  /** Only these targets of the group's fleet (names); default all of them. */
  readonly targets?: readonly string[];
  /** Where `env:NAME` credential references are looked up; the CLI passes `process.env`. */
  readonly env: Env;
  /** Compile the group at this revision instead of the worktree. */
  readonly rev?: string;
  /** Retry policy of gateway reads (default `DEFAULT_RETRY_POLICY`). */
  readonly retry?: Partial<RetryPolicy>;
}

/**
 * - `findings`: the group does not compile; no target was contacted (exit 1 with the findings).
 * - `checked`: `ok` when every target is in sync (exit 0), otherwise drifted, unreachable or
 *   unreadable targets are in `report` (exit 1).
 */
export type DriftCheckOutcome =
  | (Extract<LoadedGroup, { kind: 'findings' }> & { readonly ok: false })
  | {
      readonly kind: 'checked';
      readonly ok: boolean;
      readonly root: string;
      readonly snapshot: Snapshot;
      readonly report: DriftReport;
      /** Compile warnings. */
      readonly diagnostics: readonly Diagnostic[];
      readonly sources: ReadonlyMap<string, string>;
    };

/**
 * Compiles `group` (worktree, or `rev`) and reads each selected target. Throws a UserError for an
 * unknown target name, a group without targets, or an unset credential variable (before any
 * target is contacted). Never writes.
 */
export async function runDriftCheck(options: DriftCheckOptions): Promise<DriftCheckOutcome> {
  const loaded = await loadGroupSnapshot({ cwd: options.cwd, group: options.group, ...(options.rev !== undefined ? { rev: options.rev } : {}) });
  if (loaded.kind === 'findings') return { ...loaded, ok: false };
  const targets = selectTargets(loaded.snapshot.group, loaded.fleet, options.targets);
  const report = await withFleetErrors(async () => {
    // The consumers' secret references resolved in memory, as a sync compares them.
    const resolved = resolveSecretReferences(loaded.snapshot, { env: options.env, root: loaded.root }).snapshot;
    return checkDrift(resolved, targets, { env: options.env, fleet: loaded.fleet.targets, root: loaded.root, ...(options.retry !== undefined ? { retry: options.retry } : {}) });
  });
  return {
    kind: 'checked',
    ok: report.inSync,
    root: loaded.root,
    snapshot: loaded.snapshot,
    report,
    diagnostics: loaded.diagnostics,
    sources: loaded.sources,
  };
}
