import path from 'node:path';
import { listTree, readBlobs } from '../git/tree.js';
import type { TreeEntry } from '../git/tree.js';
import type { GitRepo } from '../git/repo.js';
import type { VersionTag } from '../git/tags.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { templatePath } from './layout.js';
import { CONFIG_ROOTS, MAX_FILE_BYTES, REPO_CONFIG_FILE } from './source-file.js';
import type { SourceFile, SourceTree } from './source-file.js';

const SYMLINK = '120000';

/**
 * Reads the config files as committed at `commit`. Symlinks are resolved inside the commit's
 * tree; one that leaves the repository or points at nothing is reported, never followed.
 */
export async function readRevision(repo: GitRepo, commit: string, revision: string): Promise<SourceTree> {
  const entries = await listTree(repo, commit, [...CONFIG_ROOTS, REPO_CONFIG_FILE]);
  const problems: Diagnostic[] = [];
  const wanted = entries.filter((e) => e.path === REPO_CONFIG_FILE || /\.ya?ml$/.test(e.path) || e.mode === SYMLINK);
  const blobs = await readBlobs(repo, [...new Set(wanted.map((e) => e.oid))]);
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const files: SourceFile[] = [];
  for (const entry of wanted) {
    let blob: TreeEntry = entry;
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
      if (!blobs.has(found.oid)) blobs.set(found.oid, (await readBlobs(repo, [found.oid])).get(found.oid)!);
    }
    const bytes = blobs.get(blob.oid)!;
    files.push({ path: entry.path, bytes: bytes.byteLength > MAX_FILE_BYTES ? new Uint8Array(bytes.byteLength) : bytes, oid: blob.oid, revision });
  }
  return { files, problems };
}

/**
 * The service template as committed at each tag (tags whose commit lacks one are left out).
 * Tags are grouped by commit so each commit's trees are read once, however many tags share it
 * (a release commit often carries the tags of many services).
 */
export async function readTemplatesAtTags(repo: GitRepo, tags: readonly VersionTag[]): Promise<Map<string, SourceFile>> {
  const byCommit = new Map<string, VersionTag[]>();
  for (const tag of tags) {
    let list = byCommit.get(tag.commit);
    if (!list) byCommit.set(tag.commit, (list = []));
    list.push(tag);
  }
  const present: { tag: VersionTag; entry: TreeEntry }[] = [];
  for (const [commit, list] of byCommit) {
    const entries = await listTree(repo, commit, list.map((t) => templatePath(t.service)));
    const byPath = new Map(entries.map((e) => [e.path, e]));
    for (const tag of list) {
      const entry = byPath.get(templatePath(tag.service));
      if (entry && entry.mode !== SYMLINK) present.push({ tag, entry });
    }
  }
  const blobs = await readBlobs(repo, [...new Set(present.map((x) => x.entry.oid))]);
  const out = new Map<string, SourceFile>();
  for (const { tag, entry } of present) {
    out.set(tag.tag, { path: entry.path, bytes: blobs.get(entry.oid)!, oid: entry.oid, revision: tag.tag });
  }
  return out;
}
