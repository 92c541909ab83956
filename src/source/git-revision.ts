import path from 'node:path';
import { gitReader } from '../git/reader.js';
import type { TreeEntry } from '../git/reader.js';
import type { GitRepo } from '../git/repo.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { templatePath } from '../load/layout.js';
import { CONFIG_ROOTS, MAX_FILE_BYTES, REPO_CONFIG_FILE } from '../load/source-file.js';
import type { InputFile, SourceFile, SourceTree } from '../load/source-file.js';
import type { VersionTag } from '../model/version.js';
import { MissingObjectError } from '../git/missing-object.js';

const SYMLINK = '120000';
/** A commit with fewer tags than this has them looked up one by one (see readTemplatesAtTags). */
const FEW_TAGS = 64;

/**
 * Reads the config files as committed at `commit`. Symlinks are resolved inside the commit's
 * tree; one that leaves the repository or points at nothing is reported, never followed. With
 * `deferred`, the files are listed without their bytes (read when used, see file-bytes.ts). A
 * file whose blob is missing from the clone is reported (TW1016) and left out; a missing tree
 * throws MissingObjectError, as the files of the revision cannot be listed.
 */
export async function readRevision(repo: GitRepo, commit: string, revision: string): Promise<SourceTree<SourceFile>>;
export async function readRevision(repo: GitRepo, commit: string, revision: string, options: { readonly deferred?: boolean }): Promise<SourceTree>;
export async function readRevision(repo: GitRepo, commit: string, revision: string, options: { readonly deferred?: boolean } = {}): Promise<SourceTree> {
  const git = gitReader(repo);
  const entries = await git.listTree(commit, [...CONFIG_ROOTS, REPO_CONFIG_FILE], { large: true }).catch((error: unknown) => {
    throw error instanceof MissingObjectError ? error.withContext(`the configuration at ${revision}`) : error;
  });
  const problems: Diagnostic[] = [];
  // A folder at a template's path shows as the files inside it (git keeps no empty folder).
  const folders = new Set(entries.map((e) => /^services\/[^/]+\/service\.yaml(?=\/)/.exec(e.path)?.[0]).filter((p): p is string => p !== undefined));
  for (const folder of [...folders].sort()) problems.push(templateFolderProblem(folder, revision));
  const wanted = entries.filter((e) => e.path === REPO_CONFIG_FILE || /\.ya?ml$/.test(e.path) || e.mode === SYMLINK);
  const eager = options.deferred === true ? wanted.filter((e) => e.mode === SYMLINK) : wanted;
  const { blobs, missing } = await git.readBlobs(eager.map((e) => e.oid));
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const files: InputFile[] = [];
  for (const entry of wanted) {
    let blob: TreeEntry = entry;
    const absent = missing.get(entry.oid);
    if (absent !== undefined) {
      problems.push(missingFileFinding(entry.path, revision, absent));
      continue;
    }
    if (entry.mode === SYMLINK) {
      const linkTarget = new TextDecoder().decode(blobs.get(entry.oid));
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(entry.path), linkTarget));
      const inside = !path.posix.isAbsolute(linkTarget) && resolved !== '..' && !resolved.startsWith('../');
      const found = inside ? byPath.get(resolved) : undefined;
      if (!found || found.mode === SYMLINK) {
        problems.push({
          code: 'TW1004',
          severity: 'error',
          message: inside ? `${entry.path} is a symbolic link to ${linkTarget}, which is not a file of this revision` : `${entry.path} is a symbolic link to ${linkTarget}, outside the repository`,
          file: entry.path,
          line: 1,
          column: 1,
          revision,
          hint: 'Config must live in the repository: commit the file itself instead of a link.',
          related: [],
        });
        continue;
      }
      blob = found;
      if (!blobs.has(found.oid) && options.deferred !== true) {
        const target = await git.readBlobs([found.oid]);
        const lost = target.missing.get(found.oid);
        if (lost !== undefined) {
          problems.push(missingFileFinding(entry.path, revision, lost));
          continue;
        }
        blobs.set(found.oid, target.blobs.get(found.oid)!);
      }
    }
    const known = blobs.get(blob.oid);
    if (known !== undefined) files.push({ path: entry.path, bytes: sizeChecked(known), oid: blob.oid, revision });
    else files.push({ path: entry.path, oid: blob.oid, revision, bytes: null });
  }
  return { files, problems };
}

/**
 * A config file of a revision that cannot be read because its blob (or the blob of the file a
 * link names) is missing from the clone (TW1016).
 */
export function missingFileFinding(path: string, revision: string, error: MissingObjectError): Diagnostic {
  const missing = error.withContext(`${path} at ${revision}`);
  return { code: 'TW1016', severity: 'error', message: missing.message, file: path, line: 1, column: 1, revision, hint: missing.hint, related: [] };
}

/** The templates at tags that could be read, and the tags whose template could not (a missing object). */
export interface TemplatesAtTags<F extends InputFile = InputFile> {
  readonly templates: Map<string, F>;
  /** Tag → the missing object, its context saying it was the template at that tag. */
  readonly missing: Map<string, MissingObjectError>;
}

/** What a template at a tag was needed for, in a MissingObjectError's context. */
export function templateContext(tag: VersionTag): string {
  return `the template ${templatePath(tag.service)} at tag ${tag.tag}`;
}

/**
 * The service template as committed at each tag (tags whose commit lacks one are left out).
 * Tags are grouped by commit so each commit's trees are read once, however many tags share it
 * (a release commit often carries the tags of many services). With `deferred`, the templates are
 * listed without their bytes (read when used, see file-bytes.ts). `known` remembers, per tag, which template blob it holds (or that it has
 * none), so a tag's tree is listed once: a tag's ref target, and so its content, never changes
 * without the target's oid changing. `byFolder`: read even a single commit's templates by their
 * folders (`<commit>:services/<service>`) where the reader can, rather than by listing that
 * commit's tree: faster in a repository of many services.
 */
export async function readTemplatesAtTags(repo: GitRepo, tags: readonly VersionTag[], options?: TemplateOptions & { readonly deferred?: false }): Promise<TemplatesAtTags<SourceFile>>;
export async function readTemplatesAtTags(repo: GitRepo, tags: readonly VersionTag[], options: TemplateOptions & { readonly deferred: boolean }): Promise<TemplatesAtTags>;
export async function readTemplatesAtTags(
  repo: GitRepo,
  tags: readonly VersionTag[],
  options: TemplateOptions & { readonly deferred?: boolean } = {},
): Promise<TemplatesAtTags> {
  const git = gitReader(repo);
  const missing = new Map<string, MissingObjectError>();
  const byCommit = new Map<string, VersionTag[]>();
  for (const tag of tags) {
    let list = byCommit.get(tag.commit);
    if (!list) byCommit.set(tag.commit, (list = []));
    list.push(tag);
  }
  const present: { tag: VersionTag; entry: TreeEntry }[] = [];
  const stillToList = new Map<string, VersionTag[]>();
  for (const [commit, list] of byCommit) {
    for (const tag of list) {
      const known = options.known?.get(tagTemplateKey(tag));
      if (known === undefined) {
        let rest = stillToList.get(commit);
        if (!rest) stillToList.set(commit, (rest = []));
        rest.push(tag);
      } else if (known !== null) {
        present.push({ tag, entry: { path: templatePath(tag.service), oid: known.oid, mode: known.mode } });
      }
    }
  }
  const found = (tag: VersionTag, entry: TreeEntry | undefined) => {
    const usable = entry !== undefined && entry.mode !== SYMLINK ? entry : null;
    options.known?.set(tagTemplateKey(tag), usable === null ? null : { oid: usable.oid, mode: usable.mode });
    if (usable) present.push({ tag, entry: usable });
  };
  // Commits with a few tags each (a repository where services are published one at a time):
  // one read of each tag's folder of its service (where the reader can read trees by name),
  // rather than the trees of every commit, thousands of entries each, one commit after the other.
  const few = [...stillToList].filter(([, list]) => list.length < FEW_TAGS);
  const wanted = few.flatMap(([commit, list]) => list.map((tag) => ({ commit, tag })));
  const trees = few.length > 1 || (few.length === 1 && options.byFolder === true) ? await git.treesByName(wanted.map(({ commit, tag }) => `${commit}:services/${tag.service}`)) : null;
  if (trees !== null) {
    for (const [commit] of few) stillToList.delete(commit);
    wanted.forEach(({ commit, tag }, i) => {
      const tree = trees[i];
      // Not resolved: no such folder, or a tree on the way is missing. Listed below, which tells.
      if (tree === undefined) {
        let rest = stillToList.get(commit);
        if (!rest) stillToList.set(commit, (rest = []));
        rest.push(tag);
        return;
      }
      const entry = tree?.find((e) => e.path === 'service.yaml');
      found(tag, entry && { path: templatePath(tag.service), oid: entry.oid, mode: entry.mode });
    });
  }
  for (const [commit, list] of stillToList) {
    let entries: TreeEntry[];
    try {
      entries = await git.listTree(commit, list.map((t) => templatePath(t.service)));
    } catch (error) {
      if (!(error instanceof MissingObjectError)) throw error;
      // Not remembered in `known`: the object may be fetched before the next run.
      for (const tag of list) missing.set(tag.tag, error.withContext(templateContext(tag)));
      continue;
    }
    const byPath = new Map(entries.map((e) => [e.path, e]));
    for (const tag of list) found(tag, byPath.get(templatePath(tag.service)));
  }
  const out = new Map<string, InputFile>();
  if (options.deferred === true) {
    for (const { tag, entry } of present) out.set(tag.tag, { path: entry.path, oid: entry.oid, revision: tag.tag, bytes: null });
    return { templates: out, missing };
  }
  const blobs = await git.readBlobs(present.map((x) => x.entry.oid));
  for (const { tag, entry } of present) {
    const lost = blobs.missing.get(entry.oid);
    if (lost !== undefined) missing.set(tag.tag, lost.withContext(templateContext(tag)));
    else out.set(tag.tag, { path: entry.path, bytes: blobs.blobs.get(entry.oid)!, oid: entry.oid, revision: tag.tag });
  }
  return { templates: out, missing };
}

interface TemplateOptions {
  readonly known?: TagTemplates;
  readonly byFolder?: boolean;
}

/** Which template blob each tag holds (null: none), by `tagTemplateKey`. */
export interface TagTemplates {
  get(key: string): { readonly oid: string; readonly mode: string } | null | undefined;
  set(key: string, entry: { readonly oid: string; readonly mode: string } | null): void;
}

/** The tag's ref target and the template's path: what the template entry at the tag depends on. */
export function tagTemplateKey(tag: VersionTag): string {
  return `${tag.object}:${templatePath(tag.service)}`;
}

/** An oversized blob is handed on as a marker of its size, as the worktree reader does. */
export function sizeChecked(bytes: Uint8Array): Uint8Array {
  return bytes.byteLength > MAX_FILE_BYTES ? new Uint8Array(bytes.byteLength) : bytes;
}

/** The finding of a folder at a template's path (src/source/worktree.ts finds them in the worktree). */
export function templateFolderProblem(rel: string, revision?: string): Diagnostic {
  return {
    code: 'TW1017',
    severity: 'error',
    message: `${rel} is a folder, not a file`,
    file: rel,
    line: 1,
    column: 1,
    hint: `A template is the file ${rel}: move what the folder holds elsewhere, remove the folder, and write the template there.`,
    related: [],
    ...(revision !== undefined ? { revision } : {}),
  };
}
