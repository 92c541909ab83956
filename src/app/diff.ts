import { compile } from '../compile/compile.js';
import { selectionOf } from '../model/selection.js';
import type { CompileInput } from '../compile/compile.js';
import { buildDiffReport, diffSnapshots } from '../diff/index.js';
import type { DiffReport, DiffSide } from '../diff/index.js';
import { GitError } from '../git/errors.js';
import type { GitRepo } from '../git/repo.js';
import { defaultBranch, mergeBase, resolveRevision } from '../git/revision.js';
import { classifyPath } from '../load/layout.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { hasErrors } from '../model/diagnostic.js';
import type { Snapshot } from '../model/snapshot.js';
import { UserError } from '../core/errors.js';
import { loadCompileInput } from '../incremental/input.js';
import { openConfigRepo } from '../source/config-repo.js';
import { revisionHint } from '../source/config-repo.js';

export interface DiffCommandOptions {
  /** Any folder inside the config repository. */
  readonly cwd: string;
  /** The base revision. Default: the merge base of the default branch and `to` (or HEAD). */
  readonly from?: string;
  /** The revision to compare with the base. Default: the worktree. */
  readonly to?: string;
  /** Only these groups (a group may exist on one side only). Default: every group of either side. */
  readonly groups?: readonly string[];
  /**
   * The `to` side uses its templates instead of the published versions: what publishing them
   * would change. The `from` side always runs the published versions.
   */
  readonly draft?: boolean;
}

export interface DiffSideOutcome {
  readonly side: DiffSide;
  /** All findings of compiling this side (warnings too). */
  readonly diagnostics: readonly Diagnostic[];
  /** File texts for code frames (see CompileResult.sources). */
  readonly sources: ReadonlyMap<string, string>;
}

export interface DiffOutcome {
  /** Both sides compiled without errors. */
  readonly ok: boolean;
  readonly root: string;
  readonly from: DiffSideOutcome;
  readonly to: DiffSideOutcome;
  /** null when a side does not compile. */
  readonly report: DiffReport | null;
}

function asUserError(error: unknown, hint: string): never {
  if (error instanceof GitError) throw new UserError(error.message, error.hint ?? hint, { cause: error });
  throw error;
}

/** The base commit and how to name it: `--from` as given, else the merge base with the default branch. */
async function resolveBase(repo: GitRepo, from: string | undefined, to: string | undefined): Promise<{ label: string; commit: string }> {
  if (from !== undefined) {
    const commit = await resolveRevision(repo, from).catch((e: unknown) => asUserError(e, revisionHint(repo)));
    return { label: from, commit };
  }
  const branch = await defaultBranch(repo);
  if (branch === null) {
    throw new UserError('cannot tell which branch is the default branch (no origin/HEAD, main or master)', 'Name the base with --from, e.g. --from origin/main.');
  }
  const head = to ?? 'HEAD';
  const base = await mergeBase(repo, branch.ref, head).catch((e: unknown) => asUserError(e, 'Name the base with --from.'));
  if (base === null) {
    throw new UserError(`${branch.name} and ${head} have no common history`, 'Name the base with --from. In a shallow clone, fetch the full history (fetch-depth: 0).');
  }
  return { label: `merge base with ${branch.name}`, commit: base };
}

function groupsIn(input: CompileInput): Set<string> {
  const groups = new Set<string>();
  for (const file of input.tree.files) {
    const role = classifyPath(file.path);
    if (role.kind === 'group') groups.add(role.group);
  }
  return groups;
}

interface CompiledSide {
  readonly outcome: DiffSideOutcome;
  readonly snapshots: readonly Snapshot[] | null;
}

function compileSide(side: DiffSide, input: CompileInput, groups: readonly string[] | undefined): CompiledSide {
  const result = compile({ ...input, selection: selectionOf({ groups }), files: false });
  const outcome = { side, diagnostics: result.diagnostics, sources: result.sources };
  return { outcome, snapshots: hasErrors(result.diagnostics) ? null : result.snapshots };
}

/**
 * `tagway diff`: compiles the config at the base revision and at the other side (the worktree,
 * or a revision), with the repository's current tags on both sides, and compares each gateway
 * group. Returns the findings instead of a report when either side does not compile.
 */
export async function runDiff(options: DiffCommandOptions): Promise<DiffOutcome> {
  const repo = await openConfigRepo(options.cwd);
  const base = await resolveBase(repo, options.from, options.to);
  const draft = options.draft === true;
  const fromLoaded = await loadCompileInput({ cwd: options.cwd, rev: options.from ?? base.commit });
  const toLoaded = await loadCompileInput({ cwd: options.cwd, ...(options.to !== undefined ? { rev: options.to } : {}), draft }, { cache: fromLoaded.cache });
  const fromInput = fromLoaded.input;
  const toInput = toLoaded.input;

  const fromSide: DiffSide = { label: base.label, commit: base.commit, draft: false };
  const toSide: DiffSide = { label: options.to ?? 'worktree', commit: toInput.commit, draft };

  // A group may exist on one side only (added or removed by the change): each side compiles the
  // wanted groups it has. A group on neither side is left to the `to` side, which reports it.
  let fromGroups: string[] | undefined;
  let toGroups: string[] | undefined;
  if (options.groups) {
    const inFrom = groupsIn(fromInput);
    const inTo = groupsIn(toInput);
    fromGroups = options.groups.filter((g) => inFrom.has(g));
    toGroups = options.groups.filter((g) => inTo.has(g) || !inFrom.has(g));
  }
  const from = compileSide(fromSide, fromInput, fromGroups);
  const to = compileSide(toSide, toInput, toGroups);
  toLoaded.cache?.save();

  if (from.snapshots === null || to.snapshots === null) {
    return { ok: false, root: repo.dir, from: from.outcome, to: to.outcome, report: null };
  }
  const groups = diffSnapshots(from.snapshots, to.snapshots, { ...(options.groups ? { groups: options.groups } : {}), ...(draft ? { draft } : {}) });
  return { ok: true, root: repo.dir, from: from.outcome, to: to.outcome, report: buildDiffReport(fromSide, toSide, groups) };
}
