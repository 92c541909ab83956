import fs from 'node:fs/promises';
import path from 'node:path';
import { mapConcurrent } from '../git/concurrency.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { CONFIG_ROOTS, MAX_FILE_BYTES, REPO_CONFIG_FILE } from './source-file.js';
import type { SourceFile, SourceTree } from './source-file.js';

/**
 * Reads the config files of a work tree (`services/`, `gateway-groups/`, `tagway.yaml`).
 * Symlinks are followed only when they stay inside the repository; a link that leaves it, a
 * broken link and a linked folder are reported, never read. Files above the size limit are
 * reported without reading them whole. Only genuine I/O failures throw.
 */
const FS_CONCURRENCY = 64;

export async function readWorktree(root: string): Promise<SourceTree> {
  const rootReal = await fs.realpath(root);
  const files: SourceFile[] = [];
  const problems: Diagnostic[] = [];

  /** `link` says the folder listing saw a symbolic link (regular files skip the extra stat). */
  const readOne = async ({ rel, link }: { rel: string; link: boolean }): Promise<void> => {
    const abs = path.join(rootReal, rel);
    let target = abs;
    if (link) {
      let real: string;
      try {
        real = await fs.realpath(abs);
      } catch {
        problems.push(problem('TW1004', rel, `${rel} is a broken symbolic link`, 'Point the link at a file inside the repository, or replace it with the file.'));
        return;
      }
      if (real !== rootReal && !real.startsWith(`${rootReal}${path.sep}`)) {
        problems.push(
          problem('TW1004', rel, `${rel} is a symbolic link to ${real}, outside the repository`, 'Config must live in the repository: copy the file in instead of linking to it.'),
        );
        return;
      }
      const st = await fs.stat(real);
      if (st.isDirectory()) {
        problems.push(problem('TW1004', rel, `${rel} is a symbolic link to a folder; tagway does not follow linked folders`, 'Replace the link with the folder itself.'));
        return;
      }
      if (!st.isFile()) return;
      target = real;
    }
    let handle;
    try {
      handle = await fs.open(target, 'r');
      const { size } = await handle.stat();
      // An oversized file is handed on as a marker of its size, without reading it whole.
      const bytes = size > MAX_FILE_BYTES ? new Uint8Array(size) : new Uint8Array(await handle.readFile());
      files.push({ path: rel, bytes });
    } catch (error) {
      problems.push(problem('TW1001', rel, `cannot read ${rel}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, "Check the file's permissions."));
    } finally {
      await handle?.close();
    }
  };

  const candidates: { rel: string; link: boolean }[] = [];
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(path.join(rootReal, rel), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      problems.push(problem('TW1001', rel, `cannot read folder ${rel}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'Check the folder\'s permissions.'));
      return;
    }
    const folders: string[] = [];
    for (const entry of entries) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) folders.push(child);
      else if (entry.isSymbolicLink()) candidates.push({ rel: child, link: true });
      else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) candidates.push({ rel: child, link: false });
    }
    await mapConcurrent(folders, FS_CONCURRENCY, walk);
  };

  await Promise.all(CONFIG_ROOTS.map(walk));
  // Reads overlap: tens of thousands of small files are read in a fraction of the serial time.
  await mapConcurrent(candidates, FS_CONCURRENCY, readOne);
  const config = await fs.lstat(path.join(rootReal, REPO_CONFIG_FILE)).catch(() => null);
  if (config) await readOne({ rel: REPO_CONFIG_FILE, link: config.isSymbolicLink() });
  return { files, problems };
}

function problem(code: string, file: string, message: string, hint: string): Diagnostic {
  return { code, severity: 'error', message, file, line: 1, column: 1, hint, related: [] };
}
