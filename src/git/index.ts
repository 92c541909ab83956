/**
 * All git reading of tagway. isomorphic-git for objects, node:fs for refs; nothing here writes to
 * a repository or runs the git CLI.
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
export { listTree, readBlob, readBlobs, type TreeEntry } from './tree.js';
