import nodeFs from 'node:fs';
import path from 'node:path';
import { GitError, errorCode } from './errors.js';
import { resolveRefName } from './refs.js';
import type { GitRepo } from './repo.js';

/** The file system a ref update goes through (tests pass a wrapper that fails one operation). */
export interface RefFs {
  readonly promises: typeof nodeFs.promises;
}

/** File of a loose ref. */
export function refPath(repo: GitRepo, ref: string): string {
  return path.join(repo.gitdir, ...ref.split('/'));
}

/**
 * Sets `ref` to `value` if it currently is `expected` (null: must not exist, loose or packed),
 * holding `<ref>.lock` while checking and writing, as git does, so a concurrent git either waits
 * for us or we refuse. `moved` words the refusal when the ref is not at `expected`.
 */
export async function updateRefLocked(
  repo: GitRepo,
  fsc: RefFs,
  ref: string,
  expected: string | null,
  value: string,
  moved: (current: string | null) => GitError,
): Promise<void> {
  const file = refPath(repo, ref);
  const lock = `${file}.lock`;
  await fsc.promises.mkdir(path.dirname(file), { recursive: true });
  let handle: nodeFs.promises.FileHandle;
  try {
    handle = await fsc.promises.open(lock, 'wx');
  } catch (error) {
    if (errorCode(error) === 'EEXIST') {
      throw new GitError(`cannot lock ${ref}: ${lock} exists`, {
        hint: 'another git process is changing the repository; if none is running, remove the .lock file',
        cause: error,
      });
    }
    throw error;
  }
  let locked = true;
  try {
    try {
      const current = await resolveRefName(repo, ref);
      if (current !== expected) throw moved(current);
      await handle.writeFile(`${value}\n`);
    } finally {
      await handle.close();
    }
    await fsc.promises.rename(lock, file);
    locked = false;
  } finally {
    if (locked) await fsc.promises.unlink(lock).catch(() => undefined);
  }
}
