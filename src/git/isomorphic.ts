/**
 * isomorphic-git, the one way the git module loads it. Loaded with `require`, as the CommonJS
 * build it ships for Node: an `import` of a CommonJS module first scans its source for the names
 * it exports, and for isomorphic-git's 580 KB that cost ≈45 ms of every command's start-up.
 */
import { createRequire } from 'node:module';

type IsomorphicGit = typeof import('isomorphic-git').default;

const git = (createRequire(import.meta.url)('isomorphic-git') as { default: IsomorphicGit }).default;

export default git;
