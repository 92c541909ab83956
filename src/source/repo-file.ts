import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_ROOTS, MAX_FILE_BYTES, REPO_CONFIG_FILE } from '../load/source-file.js';

/**
 * Why a repository path was not read. Nothing of the file is read, shown or hashed then.
 * - `outside`: the path, or the symbolic link it names, leads out of the config folders
 *   (`services/`, `gateway-groups/`, `tagway.yaml`): another part of the repository such as
 *   `.git/`, or any file outside it. `target` is where the link leads.
 * - `broken-link`: a symbolic link that points at nothing (or at a loop).
 * - `linked-folder`: a folder on the way is a symbolic link, or the link names a folder.
 * - `not-a-file`: a FIFO, socket or device (opened without waiting, never read).
 * - `missing`: nothing is there (any more).
 * - `unreadable`: the system refused (permissions, I/O); `code` is its error code.
 */
export type RepoFileRefusal =
  | { readonly kind: 'outside'; readonly target: string }
  | { readonly kind: 'broken-link' }
  | { readonly kind: 'linked-folder' }
  | { readonly kind: 'not-a-file'; readonly what: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'unreadable'; readonly code: string };

export type RepoFileRead = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly refusal: RepoFileRefusal };

/**
 * The one way tagway reads a config file of a work tree by its path: for parsing, hashing
 * (the compile cache keys on blob ids), code frames and target lists alike. A path is read only
 * when
 * - it is a plain relative path (no `..`, no absolute path, no empty or `.` segment);
 * - every folder on the way is a real folder, not a symbolic link (folders are checked by
 *   `realpath` once per reader);
 * - its last part is a regular file, or a symbolic link whose real path is a regular file in the
 *   config folders of the same repository (so a link to `.git/config` or `/proc/self/environ` is
 *   refused, as is a link to a link that leaves);
 * - the file is opened with `O_NOFOLLOW` (a link put in its place after the checks is not
 *   followed) and `O_NONBLOCK` (a FIFO never makes the run wait), and `fstat` of the open file
 *   says it is a regular file.
 * A file larger than `MAX_FILE_BYTES` is handed on as a marker of its size (zero bytes of that
 * length), never read whole, so the parser reports it (TW1003).
 *
 * Never throws. The checks hold for the repository as it is while it is read: folders swapped
 * for links by another process during a run are not defended against beyond `O_NOFOLLOW`.
 */
export interface RepoFileReader {
  /** The repository root, symbolic links resolved. */
  readonly root: string;
  read(rel: string): RepoFileRead;
}

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

export function repoFileReader(root: string): RepoFileReader {
  let rootReal: string;
  try {
    rootReal = fs.realpathSync.native(root);
  } catch {
    rootReal = path.resolve(root);
  }
  /** Folder (repository-relative) → whether it is a real folder inside the root. */
  const folders = new Map<string, RepoFileRefusal | null>();
  const folderCheck = (dir: string): RepoFileRefusal | null => {
    let known = folders.get(dir);
    if (known === undefined) {
      const abs = dir === '' ? rootReal : `${rootReal}${path.sep}${dir}`;
      try {
        known = fs.realpathSync.native(abs) === abs ? null : { kind: 'linked-folder' };
      } catch (error) {
        known = refusalOf(errorCode(error));
      }
      folders.set(dir, known);
    }
    return known;
  };
  return {
    root: rootReal,
    read(rel) {
      if (!isPlainPath(rel)) return refused({ kind: 'outside', target: rel });
      const slash = rel.lastIndexOf('/');
      const folder = folderCheck(slash < 0 ? '' : rel.slice(0, slash));
      if (folder !== null) return refused(folder);
      const abs = `${rootReal}${path.sep}${rel}`;
      const opened = openFile(abs);
      if (typeof opened === 'number') return readOpen(opened, false);
      // ELOOP under O_NOFOLLOW: the last part is a symbolic link.
      if (opened !== 'ELOOP' && opened !== 'EMLINK') return refused(refusalOf(opened));
      let real: string;
      try {
        real = fs.realpathSync.native(abs);
      } catch {
        return refused({ kind: 'broken-link' });
      }
      if (!isConfigPath(path.relative(rootReal, real))) return refused({ kind: 'outside', target: real });
      const target = openFile(real);
      return typeof target === 'number' ? readOpen(target, true) : refused(refusalOf(target));
    },
  };
}

/** Reads one file through a reader made for `root` (see `repoFileReader`). */
export function readRepoFile(root: string, rel: string): RepoFileRead {
  return repoFileReader(root).read(rel);
}

/** What a refusal says in a message: why the file was not read, never anything of its content. */
export function describeRefusal(rel: string, refusal: RepoFileRefusal): string {
  switch (refusal.kind) {
    case 'outside':
      return refusal.target === rel ? `${rel} is not a path inside the repository` : `${rel} is a symbolic link to ${refusal.target}, outside the config folders of the repository`;
    case 'broken-link':
      return `${rel} is a broken symbolic link`;
    case 'linked-folder':
      return `${rel} is or lies in a symbolic link to a folder; tagway does not follow linked folders`;
    case 'not-a-file':
      return `${rel} is a ${refusal.what}, not a regular file; it was not read`;
    case 'missing':
      return `${rel} does not exist`;
    case 'unreadable':
      return `cannot read ${rel}: ${refusal.code}`;
  }
}

function refused(refusal: RepoFileRefusal): RepoFileRead {
  return { ok: false, refusal };
}

/** `a/b.yaml`: relative, forward slashes, no empty, `.` or `..` segment, no NUL. */
function isPlainPath(rel: string): boolean {
  if (rel === '' || rel.includes('\0') || rel.includes('\\')) return false;
  return rel.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/** Whether a path relative to the root lies in the config folders (a link may point only there). */
function isConfigPath(rel: string): boolean {
  if (path.isAbsolute(rel) || rel === '..' || rel.startsWith(`..${path.sep}`)) return false;
  const posix = rel.split(path.sep).join('/');
  return posix === REPO_CONFIG_FILE || CONFIG_ROOTS.some((r) => posix === r || posix.startsWith(`${r}/`));
}

/** The open file's descriptor, or the error code of the failed open. */
function openFile(abs: string): number | string {
  try {
    return fs.openSync(abs, OPEN_FLAGS);
  } catch (error) {
    return errorCode(error);
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

function refusalOf(code: string): RepoFileRefusal {
  if (code === 'ELOOP' || code === 'EMLINK') return { kind: 'broken-link' };
  if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
  if (code === 'EISDIR') return { kind: 'not-a-file', what: 'folder' };
  return { kind: 'unreadable', code };
}

/** Checks what an open file is, reads at most `MAX_FILE_BYTES` of it, and closes it. */
function readOpen(fd: number, viaLink: boolean): RepoFileRead {
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) return refused(viaLink ? { kind: 'linked-folder' } : { kind: 'not-a-file', what: 'folder' });
    if (!st.isFile()) return refused({ kind: 'not-a-file', what: st.isFIFO() ? 'FIFO' : st.isSocket() ? 'socket' : 'device' });
    if (st.size > MAX_FILE_BYTES) return { ok: true, bytes: new Uint8Array(st.size) };
    return { ok: true, bytes: readLimited(fd, st.size) };
  } catch (error) {
    return refused(refusalOf(errorCode(error)));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The bytes of an open regular file, or a marker of the length read once it passes the limit (a
 * file that grows while it is read). Config files are small: one read into a reused buffer
 * usually gets all of it (reads are synchronous, so the buffer is never shared).
 */
function readLimited(fd: number, size: number): Uint8Array {
  let at = fs.readSync(fd, scratch, 0, FIRST_READ, 0);
  if (at < FIRST_READ) return Buffer.from(scratch.subarray(0, at));
  let bytes = Buffer.concat([scratch, Buffer.alloc(Math.max(FIRST_READ, size - FIRST_READ + 1))]);
  for (;;) {
    if (at === bytes.byteLength) {
      if (at > MAX_FILE_BYTES) return new Uint8Array(at);
      bytes = Buffer.concat([bytes, Buffer.alloc(bytes.byteLength)]);
    }
    const n = fs.readSync(fd, bytes, at, bytes.byteLength - at, at);
    if (n === 0) break;
    at += n;
  }
  if (at > MAX_FILE_BYTES) return new Uint8Array(at);
  return bytes.subarray(0, at);
}

const FIRST_READ = 64 * 1024;
const scratch = Buffer.allocUnsafe(FIRST_READ);
