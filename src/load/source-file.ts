import type { Diagnostic } from '../model/diagnostic.js';

/**
 * One file of the config repository as read from the worktree or a git revision: raw bytes,
 * nothing parsed yet. `revision` names where it was read when that is not the worktree
 * (a tag such as `petstore/v1.2.0`, or a commit), so diagnostics can say which content they mean.
 */
export interface SourceFile {
  /** Repository-relative path, forward slashes. */
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly revision?: string;
  /** git blob id when read from git (a cache key); absent for worktree files. */
  readonly oid?: string;
}

/**
 * A file as a source lists it for compile: read (`bytes`), or not read yet (`bytes: null`, its
 * content named by its blob id `oid`). A file without bytes is read, if compile needs more than
 * the results its memo keeps for it, through that memo (src/compile/memo.ts): compile itself
 * never reads.
 */
export interface InputFile {
  readonly path: string;
  readonly bytes: Uint8Array | null;
  readonly revision?: string;
  readonly oid?: string;
}

/** What a source reader hands to the (pure) compiler: the files, and what it could not read. */
export interface SourceTree<F extends InputFile = InputFile> {
  readonly files: readonly F[];
  /** Problems found while reading (unreadable file, symlink leaving the repository). */
  readonly problems: readonly Diagnostic[];
  /**
   * The tree holds the overlays of these groups only (see `scopeTree`); absent: of every group.
   * Such a tree serves a compile of those groups only.
   */
  readonly overlaysOf?: readonly string[];
}

/** `file` with `bytes` (its path, revision and blob id kept). */
export function withBytes(file: InputFile, bytes: Uint8Array): SourceFile {
  const out: { path: string; bytes: Uint8Array; revision?: string; oid?: string } = { path: file.path, bytes };
  if (file.revision !== undefined) out.revision = file.revision;
  if (file.oid !== undefined) out.oid = file.oid;
  return out;
}

/** Folders and files of the config repository that tagway reads; everything else is ignored. */
export const CONFIG_ROOTS = ['services', 'gateway-groups'] as const;
export const REPO_CONFIG_FILE = 'tagway.yaml';

/** Largest YAML file tagway parses; a larger one is reported, not read. */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;
