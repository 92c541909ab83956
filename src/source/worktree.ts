import fs from 'node:fs';
import path from 'node:path';
import { gitReader } from '../git/reader.js';
import type { GitRepo } from '../git/repo.js';
import { EVERY_GROUP, overlaysRead } from '../model/selection.js';
import type { Selection } from '../model/selection.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { gitBlobId } from '../load/blob-id.js';
import { templateFolderProblem } from './git-revision.js';
import { describeRefusal, repoFileReader } from './repo-file.js';
import type { RepoFileReader } from './repo-file.js';
import { templatePath } from '../load/layout.js';
import { CONFIG_ROOTS, REPO_CONFIG_FILE } from '../load/source-file.js';
import type { InputFile, SourceFile, SourceTree } from '../load/source-file.js';

/**
 * Reads the config files of a work tree (`services/`, `gateway-groups/`, `tagway.yaml`), each
 * through the guarded reader (repo-file.ts): a symbolic link is followed only to a file in the
 * config folders; a link that leaves them, a broken link, a linked folder and a FIFO or device
 * are reported, never read. Files above the size limit are reported without reading them whole.
 * Every file carries its blob id.
 *
 * Reads are synchronous: tens of thousands of small files are read several times faster one
 * after the other than through promises (docs/performance.md).
 */
export async function readWorktree(root: string): Promise<SourceTree<SourceFile>> {
  const reader = repoFileReader(root);
  const rootReal = reader.root;
  const files: SourceFile[] = [];
  const problems: Diagnostic[] = [];
  const walk = (rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(rootReal, rel), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      problems.push(problem('TW1001', rel, `cannot read folder ${rel}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, "Check the folder's permissions."));
      return;
    }
    for (const entry of entries) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isSymbolicLink() || /\.ya?ml$/.test(entry.name)) readConfigFile(reader, child, files, problems);
    }
  };
  for (const root of CONFIG_ROOTS) {
    // A config folder that is itself a link is reported, not walked: its files would be read
    // from wherever it points.
    const st = lstatOrNull(path.join(rootReal, root));
    if (st?.isSymbolicLink()) readConfigFile(reader, root, files, problems);
    else if (st?.isDirectory()) walk(root);
  }
  if (lstatOrNull(path.join(rootReal, REPO_CONFIG_FILE))) readConfigFile(reader, REPO_CONFIG_FILE, files, problems);
  problems.push(...templateFolderProblems(rootReal, files));
  return { files, problems };
}

/**
 * A template path that is a folder (`services/<s>/service.yaml/`, made by a `mkdir -p` meant
 * for the file's folder): reported (TW1017), since the service would otherwise seem to have no
 * template at all. `files`: the config files read, whose template paths are files already. One
 * listing of `services/`; only a service folder without a template file is looked at closer.
 */
export function templateFolderProblems(root: string, files: readonly InputFile[]): Diagnostic[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(root, 'services'), { withFileTypes: true });
  } catch {
    return [];
  }
  const read = new Set(files.map((f) => f.path));
  const problems: Diagnostic[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const rel = templatePath(entry.name);
    if (read.has(rel) || lstatOrNull(path.join(root, rel))?.isDirectory() !== true) continue;
    problems.push(templateFolderProblem(rel));
  }
  return problems.sort((a, b) => (a.file! < b.file! ? -1 : 1));
}

/** The tree of a whole listing with the template folders git does not list (see `templateFolderProblems`). */
export function withTemplateFolders<F extends InputFile>(root: string, tree: SourceTree<F>): SourceTree<F> {
  const found = templateFolderProblems(root, tree.files);
  return found.length === 0 ? tree : { files: tree.files, problems: [...tree.problems, ...found] };
}

/**
 * The same files as `readWorktree`, with git's help: a tracked file whose stat data matches the
 * index (git's own check, racy timestamps included) takes the index's blob id and is listed
 * without its bytes (read when used, see file-bytes.ts), so a run that finds everything in its
 * cache reads almost nothing.
 * Changed, untracked and linked files are read as `readWorktree` reads them. Falls back to
 * `readWorktree` when git is not available or when git's blob ids could differ from the bytes
 * on disk or from what the folder walk would find: end-of-line or filter conversions configured
 * (`core.autocrlf`, `core.eol`, attributes files), submodules, sparse checkouts, a config folder
 * that is itself a link.
 *
 * With a `selection` of groups, git is asked not to list the overlays of the others (a compile of
 * those groups does not read them, see `scopeTree`), which saves it and us a third of the work
 * in a repository of three groups. Whatever is listed is what `readWorktree` would read.
 */
export async function readWorktreeIndexed(repo: GitRepo, selection: Selection = EVERY_GROUP): Promise<SourceTree> {
  const listing = await listWorktree(repo, selection);
  const tree = listing && treeOfListing(repo, listing);
  return tree ? withTemplateFolders(repo.dir, tree) : readWorktree(repo.dir);
}

/**
 * What git says about the config files of the worktree (`readWorktreeIndexed` reads its files
 * from it): the index's entries (`ls-files -s -v`), the tracked files whose stat data no longer
 * matches the index (`diff-files`) and the untracked ones (`ls-files --others`), as git wrote them.
 */
export interface WorktreeListing {
  readonly indexed: Buffer;
  readonly changed: Buffer;
  readonly untracked: Buffer;
}

/**
 * git's listing of the worktree's config files (without the overlays `selection` does not read,
 * see `readWorktreeIndexed`); null when git's listing cannot be had or its blob ids could differ
 * from the bytes on disk (conversions configured, attributes files): `readWorktree` reads the
 * folders then.
 */
export async function listWorktree(repo: GitRepo, selection: Selection = EVERY_GROUP): Promise<WorktreeListing | null> {
  const pathspec = ['--', ...CONFIG_ROOTS, REPO_CONFIG_FILE, ...otherOverlays(repo.dir, overlaysRead(selection))];
  const listing = await gitReader(repo).listWorktree(pathspec);
  if (listing === null) return null;
  const { indexed, changed, untracked, conversions } = listing;
  if (conversions.byteLength > 0 && !/^(core\.autocrlf\nfalse\0)*$/i.test(conversions.toString('utf8'))) return null;
  const xdg = process.env['XDG_CONFIG_HOME'] || path.join(process.env['HOME'] ?? '', '.config');
  const attributes = [path.join(repo.dir, '.gitattributes'), path.join(repo.gitdir, 'info', 'attributes'), path.join(xdg, 'git', 'attributes')];
  if (attributes.some((f) => fs.existsSync(f))) return null;
  return { indexed, changed, untracked };
}

/**
 * The files a listing describes: a tracked file git calls unchanged takes the index's blob id and
 * is listed without its bytes (`bytes: null`); changed, untracked and linked files are read now, unless
 * `read` (a tree made from the same listing) holds them already. Null when git would list
 * otherwise than the folder walk (nested repositories, skip-worktree entries, submodules,
 * attributes files in the folders): `readWorktree` reads the folders then.
 */
export function treeOfListing(repo: GitRepo, listing: WorktreeListing, read?: SourceTree): SourceTree | null {
  const { indexed, changed, untracked } = listing;
  const rootReal = repo.dir;
  const files: InputFile[] = [];
  const problems: Diagnostic[] = [];
  const fromDisk = new Set<string>();
  for (const rel of nulSeparated(changed)) fromDisk.add(rel);
  for (const rel of nulSeparated(untracked)) {
    // A folder listed whole is a nested repository, which the folder walk would enter.
    if (rel.endsWith('/') || rel.endsWith('/.gitattributes')) return null;
    fromDisk.add(rel);
  }
  const clean: { rel: string; oid: string }[] = [];
  const seen = new Set<string>();
  for (const record of nulSeparated(indexed)) {
    // `<tag> <mode> <oid> <stage>\t<path>`, fixed widths: tag `H` is a plain cached entry (lower
    // case: assume-unchanged), `S` skip-worktree; modes have six digits, oids forty.
    if (record.charCodeAt(51) !== 9) return null;
    const tag = record[0];
    const mode = record.slice(2, 8);
    const oid = record.slice(9, 49);
    const stage = record[50];
    const rel = record.slice(52);
    if ((CONFIG_ROOTS as readonly string[]).includes(rel) || rel.endsWith('/.gitattributes') || tag === 'S' || mode === '160000') return null;
    if (seen.has(rel)) continue; // the stages of a conflicted path
    seen.add(rel);
    if (tag !== 'H' || stage !== '0' || mode === '120000') fromDisk.add(rel);
    else if (!fromDisk.has(rel) && /\.ya?ml$/.test(rel)) clean.push({ rel, oid });
  }
  const reader = repoFileReader(rootReal);
  for (const { rel, oid } of clean) files.push({ path: rel, oid, bytes: null });
  const known = new Map(read?.files.map((f) => [f.path, f]));
  for (const rel of [...fromDisk].sort()) {
    const file = known.get(rel);
    if (file !== undefined) {
      files.push(file);
      continue;
    }
    const st = lstatOrNull(path.join(rootReal, rel));
    if (st === null || st.isDirectory()) continue;
    if (st.isSymbolicLink() || /\.ya?ml$/.test(rel)) readConfigFile(reader, rel, files, problems);
  }
  return { files, problems };
}

/**
 * The bytes of a worktree file read through `reader`. A file refused now (it was replaced by a
 * link, a FIFO or a folder since git listed it) is an error that says why, never its content.
 */
export function readWorktreeFile(reader: RepoFileReader, rel: string): Uint8Array {
  const read = reader.read(rel);
  if (!read.ok) throw new Error(describeRefusal(rel, read.refusal));
  return read.bytes;
}

/**
 * Pathspecs leaving out the overlays of the groups other than `groups` found in the worktree
 * (`gateway-groups/<g>/services/<s>.yaml`, as `classifyPath` calls overlays): none when every
 * group is wanted, and none for a folder whose name git's glob would read otherwise.
 */
function otherOverlays(root: string, groups: readonly string[] | null): string[] {
  if (groups === null) return [];
  let names: string[];
  try {
    names = fs.readdirSync(path.join(root, 'gateway-groups'));
  } catch {
    return [];
  }
  return names.filter((g) => !groups.includes(g) && /^[A-Za-z0-9._-]+$/.test(g)).map((g) => `:(exclude,glob)gateway-groups/${g}/services/*.yaml`);
}

/** Reads one candidate file into `files`, or reports why it is not read. */
function readConfigFile(reader: RepoFileReader, rel: string, files: InputFile[], problems: Diagnostic[]): void {
  const read = reader.read(rel);
  if (read.ok) {
    files.push({ path: rel, bytes: read.bytes, oid: gitBlobId(read.bytes) });
    return;
  }
  const { refusal } = read;
  const message = describeRefusal(rel, refusal);
  switch (refusal.kind) {
    case 'missing':
      return; // gone since it was listed
    case 'outside':
      return void problems.push(problem('TW1004', rel, message, 'Config must live in the config folders of the repository: copy the file in instead of linking to it.'));
    case 'broken-link':
      return void problems.push(problem('TW1004', rel, message, 'Point the link at a file inside the repository, or replace it with the file.'));
    case 'linked-folder':
      return void problems.push(problem('TW1004', rel, message, 'Replace the link with the folder itself.'));
    case 'not-a-file':
      return void problems.push(problem('TW1015', rel, message, 'Replace it with a regular file, or remove it.'));
    case 'unreadable':
      return void problems.push(problem('TW1001', rel, message, "Check the file's permissions."));
  }
}

function lstatOrNull(file: string): fs.Stats | null {
  try {
    return fs.lstatSync(file);
  } catch {
    return null;
  }
}

/** The records of git's NUL-terminated (`-z`) output. */
export function nulSeparated(out: Buffer): string[] {
  return out.toString('utf8').split('\0').filter((s) => s !== '');
}

function problem(code: string, file: string, message: string, hint: string): Diagnostic {
  return { code, severity: 'error', message, file, line: 1, column: 1, hint, related: [] };
}
