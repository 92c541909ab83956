import fs from 'node:fs';
import git from './isomorphic.js';

/** `git init -b <branch>` in `dir` (which exists). A folder that already holds a repository is left as it is. */
export async function initRepository(dir: string, branch = 'main'): Promise<void> {
  await git.init({ fs, dir, defaultBranch: branch });
}
