import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { SyncError } from '../../errors.js';

/** Top-level entries of the repository a `file` target may never write into. */
const PROTECTED = new Set(['.git', 'services', 'gateway-groups', 'schemas', 'tagway.yaml']);

/**
 * The absolute path a `file` target writes, after checking that it stays where generated files
 * belong: inside the repository (also after following symbolic links of its folders), outside
 * `.git` and the config folders, and named like a standalone file (`.yaml`, `.yml` or `.json`).
 * A target must never be able to overwrite the repository or its own configuration.
 */
export async function safeTargetPath(target: string, root: string, path: string): Promise<string> {
  const refuse = (why: string): never => {
    throw new SyncError({
      code: 'io',
      target,
      message: `target ${target}: refusing to write ${path}: ${why}`,
      hint: 'Point `path:` at a generated file inside the repository, e.g. out/<group>/apisix.yaml.',
    });
  };
  if (isAbsolute(path)) refuse('the path must be relative to the repository root');
  const rootReal = await realpath(root);
  const absolute = resolve(rootReal, path);
  const rel = relative(rootReal, absolute);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) refuse('it is outside the repository');
  const first = rel.split(sep)[0]!;
  if (PROTECTED.has(first)) refuse(`${first} holds the repository's own data, never gateway output`);
  if (!/\.(ya?ml|json)$/.test(rel)) refuse('a standalone file ends in .yaml, .yml or .json');
  // The nearest folder that exists decides where the write really lands.
  let folder = dirname(absolute);
  for (;;) {
    const real = await realpath(folder).catch(() => null);
    if (real !== null) {
      const fromRoot = relative(rootReal, real);
      if (fromRoot.startsWith('..') || isAbsolute(fromRoot)) refuse(`its folder is a link to ${real}, outside the repository`);
      if (fromRoot !== '' && PROTECTED.has(fromRoot.split(sep)[0]!)) refuse(`its folder is a link into ${fromRoot}`);
      break;
    }
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  return absolute;
}
