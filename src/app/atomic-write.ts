import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface PlannedFile {
  readonly path: string;
  /** Text (written as UTF-8) or bytes. */
  readonly content: string | Uint8Array;
}

/**
 * Writes a set of files so that a reader never sees a half-written one: every file goes to a
 * temporary sibling first (fsynced), and only when all of them are written are they renamed into
 * place. On a failure before the renames, the temporaries are removed and nothing changed.
 * Files whose content is already the same are left untouched. Returns the paths it replaced.
 */
export async function writeFilesAtomically(files: readonly PlannedFile[]): Promise<string[]> {
  const staged: { tmp: string; final: string }[] = [];
  try {
    for (const file of files) {
      const content = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
      // Only a file of the same size can hold the same content; others need no reading.
      const size = await fs.stat(file.path).then((st) => st.size, () => -1);
      if (size === content.byteLength && (await fs.readFile(file.path).catch(() => null))?.equals(content) === true) continue;
      await fs.mkdir(path.dirname(file.path), { recursive: true });
      const tmp = path.join(path.dirname(file.path), `.${path.basename(file.path)}.${randomBytes(6).toString('hex')}.tmp`);
      const handle = await fs.open(tmp, 'w');
      try {
        await handle.writeFile(content);
        await handle.sync();
      } finally {
        await handle.close();
      }
      staged.push({ tmp, final: file.path });
    }
  } catch (error) {
    await Promise.all(staged.map((s) => fs.rm(s.tmp, { force: true })));
    throw error;
  }
  for (const s of staged) await fs.rename(s.tmp, s.final);
  return staged.map((s) => s.final);
}
