/**
 * What compile takes and gives (compile.ts): data only. The caller (src/incremental, src/app) reads
 * everything beforehand; compile does no I/O and reads no clock or environment, so the same input
 * gives byte-identical output.
 */
import type { InputFile, SourceTree } from '../load/source-file.js';
import type { CloneGaps } from '../model/clone.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { Selection } from '../model/selection.js';
import type { ServiceProvenance, Snapshot } from '../model/snapshot.js';
import type { VersionTag } from '../model/version.js';
import type { RouteClaim } from '../validate/rules/route-conflicts.js';
import type { CompileMemo } from './memo.js';
import type { AssembledSnapshot, RenderedPiece } from './snapshot.js';

/** Everything a compile depends on, read beforehand by the caller. */
export interface CompileInput {
  /**
   * The worktree's (or a revision's) config files. A file may come without its bytes only with a
   * memo, which compile asks for them when it needs them (see memo.ts).
   */
  readonly tree: SourceTree;
  /** Every version tag of the repository. */
  readonly tags: readonly VersionTag[];
  /** `services/<s>/service.yaml` as committed at each tag that a pin resolves to (see `templatesNeeded`). */
  readonly templatesAtTags: ReadonlyMap<string, InputFile>;
  /** Commit the tree was read at; null for the worktree. Recorded in provenance. */
  readonly commit: string | null;
  /** Compile the worktree templates instead of the published versions (marks snapshots as drafts). */
  readonly draft?: boolean;
  /**
   * Which groups are compiled and whose findings count (default: every group, the findings of the
   * files they are compiled from). The overlays of other groups are not read (`scopeTree`); a
   * tree that holds the overlays of some groups only (`SourceTree.overlaysOf`) serves a selection
   * of those groups only: anything else is an error.
   */
  readonly selection?: Selection;
  /**
   * Results of earlier work to use instead of doing it again, and where compile keeps what it
   * computes (memo.ts). The output is the same with or without one.
   */
  readonly memo?: CompileMemo;
  /**
   * The caller will write the snapshots' files (default true). False (validate, diff, sync) lets
   * the rendered pieces go as soon as the snapshots are put together; the files can still be
   * rendered, from the objects.
   */
  readonly files?: boolean;
  /**
   * False: only the findings are wanted (validate). Objects are emitted and checked by APISIX's
   * rules but not rendered, and no snapshot is put together (`snapshots` is empty). Default true.
   */
  readonly snapshots?: boolean;
  /**
   * Also give, per group, what each service put into its snapshot (`CompileResult.outputs`): what
   * the build keeps to splice a later compile from this one (src/incremental/result-record.ts).
   */
  readonly outputs?: boolean;
  /**
   * What the clone lacks that this configuration may need (read by the caller); absent: nothing.
   * A pin whose tag or template is missing from the clone is reported as that (TW1016, TW3018):
   * the clone is to be completed, the configuration may be right.
   */
  readonly clone?: CloneGaps;
  /**
   * The time the findings are judged at, in milliseconds since the epoch: whether a certificate
   * has expired or expires soon (TW3036, TW3037). The use cases pass the current time, tests a
   * fixed one; absent: certificates' dates are not checked. Only findings depend on it, never a
   * snapshot's bytes.
   */
  readonly now?: number;
}

export interface CompileResult {
  /** All findings, sorted by file, line, column. */
  readonly diagnostics: readonly Diagnostic[];
  /** One snapshot per selected group, sorted by group name; empty when any error was found. */
  readonly snapshots: readonly Snapshot[];
  /** Text of every parsed file a finding points at, by `sourceKey(path, revision)`, for code frames. */
  readonly sources: ReadonlyMap<string, string>;
  /**
   * Per snapshot's group, the snapshot with its two files, put together from the rendered pieces
   * when first asked for: when the caller will write them (`CompileInput.files`, the default).
   */
  readonly files?: ReadonlyMap<string, AssembledSnapshot>;
  /**
   * Per snapshot's group, what each service put into it, in service order: when asked for
   * (`CompileInput.outputs`) and snapshots were put together from rendered pieces.
   */
  readonly outputs?: ReadonlyMap<string, readonly ServiceOutput[]>;
}

/** What one published service put into a group's snapshot. */
export interface ServiceOutput {
  readonly provenance: ServiceProvenance;
  readonly pieces: readonly RenderedPiece[];
  readonly claims: readonly RouteClaim[];
}
