/**
 * What publish, promote and rollback share: opening the repository for writing, the identity,
 * reading and editing group.yaml at HEAD, validating the result before anything is written, and
 * committing through src/git/write.ts. Every refusal is a UserError; an invalid result is returned
 * as diagnostics (a finding), with nothing written.
 */
import { structuredPatch } from 'diff';
import { compile, templatesNeeded } from '../compile/compile.js';
import { selectionOf } from '../model/selection.js';
import { GitError } from '../git/errors.js';
import { parsePerson, readIdentity } from '../git/identity.js';
import type { IdentityEnv, Person } from '../git/identity.js';
import { parsePointerFile } from '../git/history.js';
import type { PointerFile } from '../git/history.js';
import type { GitRepo } from '../git/repo.js';
import { currentBranch, headCommit } from '../git/revision.js';
import { listVersionTags } from '../git/tags.js';
import { listTree } from '../git/reader.js';
import { readBlob } from '../git/tree.js';
import { applyRepositoryChange, assertWritable, signatureAt, uncommittedPaths } from '../git/write.js';
import type { AppliedChange, CommitPlan, Signature, WriteFs } from '../git/write.js';
import { readRevision, readTemplatesAtTags } from '../source/git-revision.js';
import { cloneGaps } from '../incremental/clone-gaps.js';
import { groupPath, templatePath } from '../load/layout.js';
import type { SourceFile } from '../load/source-file.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { hasErrors } from '../model/diagnostic.js';
import { UserError } from '../core/errors.js';
import { uneditablePointer } from './group-pointer.js';
import type { VersionTag } from '../model/version.js';
import { openConfigRepo } from '../source/config-repo.js';

/** Options every writing command takes. */
export interface WriteOptions {
  /** Any folder inside the config repository. */
  readonly cwd: string;
  /** `Name <email>` for the author of the commits (the committer stays the configured identity). */
  readonly author?: string;
  /** Where the git identity is looked up (GIT_AUTHOR_NAME, HOME, …); default `process.env`. */
  readonly env?: IdentityEnv;
  /** Time of the commits and tag; default now. */
  readonly now?: Date;
  /** File system for all writes; tests inject failures through it. */
  readonly fs?: WriteFs;
  /**
   * Check and plan everything, write nothing: no object, ref, index entry or file. The outcome
   * says what would be made (`TagStep`, `CommitStep`) with null where an id is only known once
   * written.
   */
  readonly dryRun?: boolean;
}

/** A group pointer's move of one service, before and after a change. */
export interface PointerMove {
  readonly group: string;
  readonly service: string;
  readonly from: { readonly pin: string; readonly version: string | null } | null;
  readonly to: { readonly pin: string; readonly version: string };
  /** The commit that made the move; null in a dry run. */
  readonly commit: string | null;
  readonly message: string;
}

/** An annotated version tag a change makes (or, in a dry run, would make). */
export interface TagStep {
  readonly name: string;
  readonly service: string;
  readonly version: string;
  /** The commit it names. */
  readonly commit: string;
  /** The tag object; null in a dry run. */
  readonly object: string | null;
  readonly message: string;
}

/** One line of a file a commit changes: removed (`-`) or added (`+`). */
export interface LineChange {
  readonly op: '-' | '+';
  readonly text: string;
}

/** A commit a change makes (or would make), with the lines it changes in each file. */
export interface CommitStep {
  readonly message: string;
  /** Null in a dry run. */
  readonly commit: string | null;
  readonly files: readonly { readonly path: string; readonly lines: readonly LineChange[] }[];
}

/** A commit to make: its message and the new text of each file it changes. */
export interface PlannedCommit {
  readonly message: string;
  readonly files: readonly { readonly path: string; readonly before: string; readonly after: string }[];
}

export interface WriteContext {
  readonly repo: GitRepo;
  readonly head: string;
  /** Null when HEAD is detached (a tag can still be made; commits cannot). */
  readonly branch: string | null;
  readonly tags: readonly VersionTag[];
  readonly author: Signature;
  readonly committer: Signature;
}

/** A user-facing error for a git failure (not a repository, ref locked, moved meanwhile, …). */
export function asUserError(error: unknown): unknown {
  if (error instanceof GitError) return new UserError(error.message, error.hint, { cause: error });
  return error;
}

/** Opens the repository at HEAD with the identity commits will carry. */
export async function openForWrite(options: WriteOptions): Promise<WriteContext> {
  const repo = await openConfigRepo(options.cwd);
  try {
    await assertWritable(repo);
  } catch (error) {
    throw asUserError(error);
  }
  const head = await headCommit(repo);
  if (head === null) throw new UserError('the repository has no commit yet', 'Commit services/ and gateway-groups/ first.');
  const branch = await currentBranch(repo);
  const tags = await listVersionTags(repo);
  const now = options.now ?? new Date();
  const { author, committer } = await resolveIdentity(repo, options);
  return { repo, head, branch, tags, author: signatureAt(author, now), committer: signatureAt(committer, now) };
}

const IDENTITY_HINT =
  'Set it as for any commit: `git config user.name "Your Name"` and `git config user.email you@example.com` ' +
  '(add --global for every repository), or pass --author "Name <email>".';

async function resolveIdentity(repo: GitRepo, options: WriteOptions): Promise<{ author: Person; committer: Person }> {
  const configured = await readIdentity(repo, options.env ?? process.env);
  let given: Person | null = null;
  if (options.author !== undefined) {
    given = parsePerson(options.author);
    if (given === null) throw new UserError(`--author must be "Name <email>", not "${options.author}"`, 'e.g. --author "Ada Lovelace <ada@example.com>"');
  }
  const author = given ?? configured.author;
  const committer = configured.committer ?? given;
  if (author === null || committer === null) {
    throw new UserError('no git identity is configured: user.name and user.email are not set', IDENTITY_HINT);
  }
  return { author, committer };
}

/** group.yaml of `group` as committed at HEAD; a UserError naming the groups there when it is missing. */
export async function readGroupAtHead(ctx: WriteContext, group: string): Promise<{ path: string; text: string; pointer: PointerFile }> {
  const path = groupPath(group);
  const entries = await listTree(ctx.repo, ctx.head, [path]);
  const entry = entries.find((e) => e.path === path && e.mode !== '120000');
  if (entry === undefined) {
    const all = await groupsAtHead(ctx.repo, ctx.head);
    throw new UserError(`there is no gateway group \`${group}\` at HEAD (${path} is not committed)`, `Groups here: ${all.join(', ') || '(none)'}.`);
  }
  const text = new TextDecoder().decode(await readBlob(ctx.repo, entry.oid));
  const pointer = parsePointerFile(text);
  const problem = pointer === null ? 'is not valid YAML' : uneditablePointer(text);
  if (pointer === null || problem !== null) {
    throw new UserError(`${path} ${problem ?? 'is not valid YAML'} at HEAD`, 'Fix it (`tagway validate` shows where) and commit, then run the command again.');
  }
  return { path, text, pointer };
}

/** Names of the groups whose group.yaml is committed at `commit`, sorted. */
export async function groupsAtHead(repo: GitRepo, commit: string): Promise<string[]> {
  const entries = await listTree(repo, commit, ['gateway-groups']);
  return entries
    .map((e) => /^gateway-groups\/([^/]+)\/group\.yaml$/.exec(e.path)?.[1])
    .filter((g): g is string => g !== undefined)
    .sort();
}

/** Refuses when files under `paths` differ from HEAD in the work tree or index. */
export async function assertCommitted(ctx: WriteContext, paths: readonly string[], why: string): Promise<void> {
  let dirty: string[];
  try {
    dirty = await uncommittedPaths(ctx.repo, paths);
  } catch (error) {
    throw asUserError(error);
  }
  if (dirty.length > 0) {
    throw new UserError(`${dirty.join(', ')} ${dirty.length === 1 ? 'has' : 'have'} uncommitted changes; ${why}`, 'Commit or stash them first (`git status` lists them).');
  }
}

export interface ValidatedChange {
  readonly ok: boolean;
  /** Findings about the services' templates and the changed groups (errors block the change). */
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: ReadonlyMap<string, string>;
}

/**
 * Compiles the repository as the change would leave it: HEAD's files with `edits` applied,
 * HEAD's tags plus `extraTags` (versions being published), only the changed `groups`. Findings
 * in other files are not this change's doing and are left out; everything about the `services`'
 * templates and the changed groups' files counts.
 */
export async function validateChange(
  ctx: WriteContext,
  change: { readonly services: readonly string[]; readonly groups: readonly string[]; readonly edits: ReadonlyMap<string, string>; readonly extraTags?: readonly VersionTag[] },
): Promise<ValidatedChange> {
  const head = await readRevision(ctx.repo, ctx.head, 'HEAD');
  const encoder = new TextEncoder();
  const files: SourceFile[] = head.files.map((file) =>
    change.edits.has(file.path) ? { path: file.path, bytes: encoder.encode(change.edits.get(file.path)!) } : file,
  );
  const tree = { files, problems: head.problems };
  const tags = [...ctx.tags, ...(change.extraTags ?? [])];
  const selection = selectionOf({ groups: change.groups, reportAll: true });
  const atTags = await readTemplatesAtTags(ctx.repo, templatesNeeded(tree, tags, { selection }));
  const clone = cloneGaps(ctx.repo, [], atTags.missing);
  const result = compile({ tree, tags, templatesAtTags: atTags.templates, commit: ctx.head, selection, clone });
  const relevant = (file: string | undefined): boolean =>
    file === undefined || change.services.some((service) => file === templatePath(service)) || change.groups.some((g) => file.startsWith(`gateway-groups/${g}/`));
  const diagnostics = result.diagnostics.filter((d) => relevant(d.file) || d.related.some((r) => relevant(r.file)));
  return { ok: !hasErrors(diagnostics), diagnostics, sources: result.sources };
}

/**
 * Applies the change through the git module (git failures become UserErrors), or in a dry run
 * writes nothing. The commits as made, in order (ids null in a dry run).
 */
export async function commitChange(
  ctx: WriteContext,
  change: { readonly tags?: readonly { readonly name: string; readonly object: string }[]; readonly commits: readonly PlannedCommit[] },
  options: WriteOptions,
): Promise<CommitStep[]> {
  const steps = (ids: readonly (string | null)[]): CommitStep[] =>
    change.commits.map((c, i) => ({ message: c.message, commit: ids[i] ?? null, files: c.files.map((f) => ({ path: f.path, lines: lineChanges(f.before, f.after) })) }));
  if (options.dryRun === true) return steps([]);
  const encoder = new TextEncoder();
  const commits: CommitPlan[] = change.commits.map((c) => ({ message: c.message, changes: c.files.map((f) => ({ path: f.path, content: encoder.encode(f.after) })) }));
  let applied: AppliedChange;
  try {
    applied = await applyRepositoryChange(
      ctx.repo,
      { branch: ctx.branch, head: ctx.head, ...(change.tags !== undefined ? { tags: change.tags } : {}), commits, author: ctx.author, committer: ctx.committer },
      options.fs !== undefined ? { fs: options.fs } : {},
    );
  } catch (error) {
    throw asUserError(error);
  }
  return steps(applied.commits);
}

/** The lines removed and added from `before` to `after`, in file order (no context). */
export function lineChanges(before: string, after: string): LineChange[] {
  const patch = structuredPatch('before', 'after', before, after, undefined, undefined, { context: 0 });
  return patch.hunks.flatMap((h) =>
    h.lines.filter((l) => l.startsWith('-') || l.startsWith('+')).map((l) => ({ op: l[0] as '-' | '+', text: l.slice(1) })),
  );
}

/** Refuses to commit on a detached HEAD, before any work is done. */
export function assertOnBranch(ctx: WriteContext): void {
  if (ctx.branch === null) {
    throw new UserError('HEAD is detached; the pointer change must be committed on a branch', 'Check out the branch to change, e.g. `git switch main`.');
  }
}
