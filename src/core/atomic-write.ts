import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { mapBounded } from './bounded.js';

export interface PlannedFile {
  readonly path: string;
  /** Text (written as UTF-8), bytes, or chunks of bytes written one after the other. */
  readonly content: string | Uint8Array | readonly Uint8Array[];
  /**
   * What the file held when the caller last read it, when it knows: content that differs from it
   * is written without reading the file again to compare.
   */
  readonly previous?: Uint8Array;
}

/**
 * Writes a set of files so that a reader never sees a half-written one: every file goes to a
 * temporary sibling first (fsynced), and only when all of them are written are they renamed into
 * place. On a failure before the renames, the temporaries are removed and nothing changed.
 * Before a file is replaced, its old content is kept aside (a hard link to it, or a copy where
 * the file system has no links); when a rename fails part-way, the files already renamed are put
 * back (the old content renamed back into place, a file that did not exist removed), the other
 * temporaries are removed, and the rename's error is thrown: the set changes whole or not at all.
 * An undo step that fails itself leaves that file's old content aside under
 * `.<name>.<random>.old`. Files whose content is already the same are left untouched. With
 * `newFiles: 'direct'`, a file that did not exist is created in place instead (`WriteOptions`),
 * and removed again when the set fails. Returns the paths it wrote, in the order given.
 */
export async function writeFilesAtomically(files: readonly PlannedFile[], options: WriteOptions = {}): Promise<string[]> {
  return (await writeSet(files, options, false)).replaced;
}

export interface WriteOptions {
  /**
   * How a file that does not exist yet is written. `staged` (the default): as every other file,
   * to a temporary that is fsynced, then renamed into place. `direct`: created in place
   * (exclusively: a file that appears at that path meanwhile fails the set) and not fsynced;
   * on a failure it is removed as the set is undone. A reader may see such a file before it is
   * complete, and a crash of the machine may leave it empty: for a writer of many new files whose
   * loss costs a rerun, not data (`tagway import`, docs/decisions.md).
   */
  readonly newFiles?: 'staged' | 'direct';
}

/**
 * `writeFilesAtomically`, also telling each file by its inode, size and modification time as
 * written (or as found holding the content): a later stat that differs means someone else wrote
 * or replaced the file since (a rename keeps all three).
 */
export async function writeFilesAtomicallyNoting(files: readonly PlannedFile[], options: WriteOptions = {}): Promise<{ replaced: string[]; identities: Map<string, string> }> {
  return writeSet(files, options, true);
}

/** The set written; each file's identity only when `note` (empty otherwise). */
async function writeSet(files: readonly PlannedFile[], options: WriteOptions, note: boolean): Promise<{ replaced: string[]; identities: Map<string, string> }> {
  const folders = new Folders();
  const direct = options.newFiles === 'direct';
  // The files are staged many at a time (most of the time goes to waiting for the disk: fsync),
  // but not all at once: a set of tens of thousands of files would run out of file descriptors.
  const settled = await mapBounded(files, STAGED_AT_ONCE, (file) => stage(file, folders, direct, note).then(
    (value): PromiseSettledResult<Staged> => ({ status: 'fulfilled', value }),
    (reason: unknown): PromiseSettledResult<Staged> => ({ status: 'rejected', reason }),
  ));
  const staged = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  const created = staged.filter((s) => s.created).map((s) => s.final);
  if (failed) {
    await Promise.all([...staged.flatMap((s) => (s.tmp === null ? [] : [s.tmp])), ...created].map((f) => fs.rm(f, { force: true })));
    throw failed.reason;
  }
  const toReplace = staged.filter((s): s is Staged & { tmp: string } => s.tmp !== null);
  const done: Array<{ final: string; aside: string | null }> = [];
  try {
    for (const s of toReplace) {
      const aside = await keepAside(s.final);
      try {
        await fs.rename(s.tmp, s.final);
      } catch (error) {
        if (aside !== null) await fs.rm(aside, { force: true });
        throw error;
      }
      done.push({ final: s.final, aside });
    }
  } catch (error) {
    await Promise.all(toReplace.slice(done.length).map((s) => fs.rm(s.tmp, { force: true }).catch(() => {})));
    for (const d of done.reverse()) {
      await (d.aside === null ? fs.rm(d.final, { force: true }) : fs.rename(d.aside, d.final)).catch(() => {});
    }
    await Promise.all(created.map((f) => fs.rm(f, { force: true }).catch(() => {})));
    throw error;
  }
  await Promise.all(done.map((d) => (d.aside === null ? null : fs.rm(d.aside, { force: true }).catch(() => {}))));
  return { replaced: staged.filter((s) => s.created || s.tmp !== null).map((s) => s.final), identities: note ? new Map(staged.map((s) => [s.final, s.identity])) : new Map() };
}

/** The folders of a set's files, each made once however many files it holds. */
class Folders {
  private readonly made = new Map<string, Promise<unknown>>();

  make(folder: string): Promise<unknown> {
    let done = this.made.get(folder);
    if (done === undefined) {
      done = fs.mkdir(folder, { recursive: true });
      // A failure is the file's to report, and a later file of the folder tries again.
      done.catch(() => this.made.delete(folder));
      this.made.set(folder, done);
    }
    return done;
  }
}

/** Files staged at the same time: each holds a file descriptor while it is written and synced. */
const STAGED_AT_ONCE = 64;

interface Staged {
  /** The temporary to rename into place; null when there is nothing to rename. */
  readonly tmp: string | null;
  /** Written in place, where no file was (`newFiles: 'direct'`). */
  readonly created: boolean;
  readonly final: string;
  readonly identity: string;
}

/**
 * Keeps what `file` holds under a sibling name, so a failed set of renames can put it back: a
 * hard link (nothing copied), or a copy where links are refused. Null when there is no file.
 */
async function keepAside(file: string): Promise<string | null> {
  const aside = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.old`);
  try {
    await fs.link(file, aside);
    return aside;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
  }
  try {
    await fs.copyFile(file, aside, fs.constants.COPYFILE_EXCL);
    return aside;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** A file's inode, size and modification time (what a rename keeps). */
export function fileIdentity(st: { readonly ino: bigint; readonly size: bigint; readonly mtimeNs: bigint }): string {
  return `${st.ino}:${st.size}:${st.mtimeNs}`;
}

/**
 * Writes the file's content to a temporary sibling (fsynced); `tmp` null when the file already
 * holds it. With `direct`, a file that is not there is created in place instead (`create`).
 * `identity` tells what was written, or found (see writeFilesAtomicallyNoting).
 */
async function stage(file: PlannedFile, folders: Folders, direct: boolean, note: boolean): Promise<Staged> {
  const chunks = typeof file.content === 'string' ? [Buffer.from(file.content, 'utf8')] : file.content instanceof Uint8Array ? [file.content] : file.content;
  if (direct) {
    await folders.make(path.dirname(file.path));
    const created = await create(file.path, chunks, note);
    if (created !== null) return created;
  }
  if (!(file.previous !== undefined && !sameBytes(chunks, file.previous))) {
    const found = await holds(file.path, chunks);
    if (found !== null) return { tmp: null, created: false, final: file.path, identity: found };
  }
  await folders.make(path.dirname(file.path));
  const tmp = path.join(path.dirname(file.path), `.${path.basename(file.path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'w');
  let identity: string;
  try {
    await writeAll(handle, chunks.filter((c) => c.byteLength > 0));
    await handle.sync();
    identity = fileIdentity(await handle.stat({ bigint: true }));
  } catch (error) {
    await handle.close().catch(() => {});
    await fs.rm(tmp, { force: true });
    throw error;
  }
  try {
    await handle.close();
  } catch (error) {
    await fs.rm(tmp, { force: true });
    throw error;
  }
  return { tmp, created: false, final: file.path, identity };
}

/**
 * Writes a file where none was (`newFiles: 'direct'`): exclusively, not synced, removed again on
 * a failure. Null when there is a file at that path already. Its identity only when `note`.
 */
async function create(file: string, chunks: readonly Uint8Array[], note: boolean): Promise<Staged | null> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw error;
  }
  try {
    await writeAll(handle, chunks.filter((c) => c.byteLength > 0));
    const identity = note ? fileIdentity(await handle.stat({ bigint: true })) : '';
    await handle.close();
    return { tmp: null, created: true, final: file, identity };
  } catch (error) {
    await handle.close().catch(() => {});
    await fs.rm(file, { force: true });
    throw error;
  }
}

/**
 * The file's identity (see fileIdentity) when it holds exactly these bytes, else null. Only a
 * file of the same size can: others are not read.
 */
async function holds(file: string, chunks: readonly Uint8Array[]): Promise<string | null> {
  const size = chunks.reduce((n, c) => n + c.byteLength, 0);
  const before = await fs.stat(file, { bigint: true }).catch(() => null);
  if (before === null || Number(before.size) !== size) return null;
  const bytes = await fs.readFile(file).catch(() => null);
  return bytes !== null && sameBytes(chunks, bytes) ? fileIdentity(before) : null;
}

function sameBytes(chunks: readonly Uint8Array[], bytes: Uint8Array): boolean {
  let at = 0;
  for (const c of chunks) {
    if (at + c.byteLength > bytes.byteLength || Buffer.compare(c, bytes.subarray(at, at + c.byteLength)) !== 0) return false;
    at += c.byteLength;
  }
  return at === bytes.byteLength;
}

/**
 * Writes the chunks in order, at most 1,024 at a time (IOV_MAX), going on after a short write
 * from where it stopped. A file can be tens of thousands of chunks (the pieces of a snapshot are
 * views of the cache's records): the position is kept as an index, not as a new list each time.
 */
export async function writeAll(handle: Pick<fs.FileHandle, 'writev'>, chunks: readonly Uint8Array[]): Promise<void> {
  let next = 0;
  // What is left of chunks[next] when a write ended inside it.
  let head: Uint8Array | null = null;
  while (next < chunks.length) {
    const batch: Uint8Array[] = [head ?? chunks[next]!, ...chunks.slice(next + 1, next + 1024)];
    let { bytesWritten } = await handle.writev(batch);
    head = null;
    for (const c of batch) {
      if (bytesWritten < c.byteLength) {
        head = c.subarray(bytesWritten);
        break;
      }
      bytesWritten -= c.byteLength;
      next += 1;
    }
  }
}
