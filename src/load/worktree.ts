import fs from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../model/diagnostic.js';
import { CONFIG_ROOTS, MAX_FILE_BYTES, REPO_CONFIG_FILE } from './source-file.js';
import type { SourceFile, SourceTree } from './source-file.js';

/**
 * Reads the config files of a work tree (`services/`, `gateway-groups/`, `tagway.yaml`).
 * Symlinks are followed only when they stay inside the repository; a link that leaves it, a
 * broken link and a linked folder are reported, never read. Files above the size limit are
 * reported without reading them whole. Only genuine I/O failures throw.
 */
export async function readWorktree(root: string): Promise<SourceTree> {
  const rootReal = await fs.realpath(root);
  const files: SourceFile[] = [];
  const problems: Diagnostic[] = [];

  const readOne = async (rel: string): Promise<void> => {
    const abs = path.join(rootReal, rel);
    const lst = await fs.lstat(abs);
    let target = abs;
    if (lst.isSymbolicLink()) {
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
      target = real;
    }
    const st = await fs.stat(target);
    if (!st.isFile()) return;
    if (st.size > MAX_FILE_BYTES) {
      // Hand the parser a marker of the right size without reading the whole file.
      files.push({ path: rel, bytes: new Uint8Array(st.size) });
      return;
    }
    try {
      files.push({ path: rel, bytes: new Uint8Array(await fs.readFile(target)) });
    } catch (error) {
      problems.push(problem('TW1001', rel, `cannot read ${rel}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'Check the file\'s permissions.'));
    }
  };

  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(path.join(rootReal, rel), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      problems.push(problem('TW1001', rel, `cannot read folder ${rel}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'Check the folder\'s permissions.'));
      return;
    }
    for (const entry of entries) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(child);
      else if (/\.ya?ml$/.test(entry.name) || entry.isSymbolicLink()) await readOne(child);
    }
  };

  for (const dir of CONFIG_ROOTS) await walk(dir);
  try {
    await fs.lstat(path.join(rootReal, REPO_CONFIG_FILE));
    await readOne(REPO_CONFIG_FILE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return { files, problems };
}

function problem(code: string, file: string, message: string, hint: string): Diagnostic {
  return { code, severity: 'error', message, file, line: 1, column: 1, hint, related: [] };
}
