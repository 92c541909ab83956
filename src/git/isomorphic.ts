/**
 * isomorphic-git, the one way the git module loads it: with `require`, as the CommonJS build it
 * ships for Node, and at the first use of one of its functions. An `import` of a CommonJS module
 * first scans its source for the names it exports (≈45 ms for isomorphic-git's 580 KB), and
 * loading it at all costs ≈30 ms more, which a command that reads no git object (a validate of a
 * repository without version tags, `--help`) need not pay.
 */
import { createRequire } from 'node:module';

type IsomorphicGit = typeof import('isomorphic-git').default;

let loaded: IsomorphicGit | undefined;

function load(): IsomorphicGit {
  return (loaded ??= (createRequire(import.meta.url)('isomorphic-git') as { default: IsomorphicGit }).default);
}

/** The library's functions, each loaded when first looked up (none of them uses `this`). */
const git = new Proxy({} as IsomorphicGit, { get: (_target, name) => Reflect.get(load(), name) });

export default git;
