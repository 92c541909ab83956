import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

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
 * Files whose content is already the same are left untouched. Returns the paths it replaced.
 */
export async function writeFilesAtomically(files: readonly PlannedFile[]): Promise<string[]> {
  // The files are staged at the same time: most of the time goes to waiting for the disk (fsync).
  const staged = await Promise.allSettled(files.map(stage));
  const done = staged.flatMap((s) => (s.status === 'fulfilled' && s.value !== null ? [s.value] : []));
  const failed = staged.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(done.map((s) => fs.rm(s.tmp, { force: true })));
    throw failed.reason;
  }
  for (const s of done) await fs.rename(s.tmp, s.final);
  return done.map((s) => s.final);
}

/** Writes the file's content to a temporary sibling (fsynced); null when the file already holds it. */
async function stage(file: PlannedFile): Promise<{ tmp: string; final: string } | null> {
  const chunks = typeof file.content === 'string' ? [Buffer.from(file.content, 'utf8')] : file.content instanceof Uint8Array ? [file.content] : file.content;
  if (!(file.previous !== undefined && !sameBytes(chunks, file.previous)) && (await holds(file.path, chunks))) return null;
  await fs.mkdir(path.dirname(file.path), { recursive: true });
  const tmp = path.join(path.dirname(file.path), `.${path.basename(file.path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'w');
  try {
    let rest = chunks.filter((c) => c.byteLength > 0);
    while (rest.length > 0) {
      const { bytesWritten } = await handle.writev(rest.slice(0, 1024));
      rest = afterWritten(rest, bytesWritten);
    }
    await handle.sync();
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
  return { tmp, final: file.path };
}

/** Whether the file holds exactly these bytes. Only a file of the same size can: others are not read. */
async function holds(file: string, chunks: readonly Uint8Array[]): Promise<boolean> {
  const size = chunks.reduce((n, c) => n + c.byteLength, 0);
  const onDisk = await fs.stat(file).then((st) => st.size, () => -1);
  if (onDisk !== size) return false;
  const bytes = await fs.readFile(file).catch(() => null);
  return bytes !== null && sameBytes(chunks, bytes);
}

function sameBytes(chunks: readonly Uint8Array[], bytes: Uint8Array): boolean {
  let at = 0;
  for (const c of chunks) {
    if (at + c.byteLength > bytes.byteLength || Buffer.compare(c, bytes.subarray(at, at + c.byteLength)) !== 0) return false;
    at += c.byteLength;
  }
  return at === bytes.byteLength;
}

/** The chunks still to write once the first `written` bytes are. */
function afterWritten(chunks: readonly Uint8Array[], written: number): Uint8Array[] {
  const rest: Uint8Array[] = [];
  for (const c of chunks) {
    if (written >= c.byteLength) {
      written -= c.byteLength;
      continue;
    }
    rest.push(written > 0 ? c.subarray(written) : c);
    written = 0;
  }
  return rest;
}
