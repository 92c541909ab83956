/**
 * All git reading of tagway: objects through `GitReader` (reader.ts chooses git's command line or
 * isomorphic-git), refs through node:fs; nothing here writes to a repository.
 */
export { GitError } from './errors.js';
export { openRepo, type GitRepo } from './repo.js';
export {
  resolveRevision,
  headCommit,
  currentBranch,
  defaultBranch,
  mergeBase,
  type DefaultBranch,
} from './revision.js';
export {
  listVersionTags,
  scanVersionTags,
  parseVersionTagName,
  compareVersionTags,
  NAME_PATTERN,
  type VersionTagScan,
  type IgnoredTag,
  type TagName,
} from './tags.js';
export { gitReader, listTree, readBlobs, type GitReader, type TreeEntry } from './reader.js';
export { readBlob } from './tree.js';
