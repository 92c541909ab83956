/**
 * The one seam between compile and the incremental build (src/incremental): the memo a caller may give
 * compile (`CompileInput.memo`).
 *
 * - Results compile may reuse instead of computing them again: per file (parse + schema + file
 *   rules) and per service of a group (merge, service rules, route claims, consumer references,
 *   plugin places, emitted objects). A
 *   key names everything its result depends on (content by git blob id), so a result found under
 *   a key is the result for the input at hand; a memo never has to be invalidated, only filled.
 *   The on-disk cache (src/incremental/compile-cache.ts) and the worker pool (src/incremental/prefetch.ts)
 *   fill one before compile runs; compile adds what it had to compute.
 * - The bytes of the input's files given without them (`InputFile.bytes: null`), which compile
 *   asks for (`read`) when it needs more than a file's results: its data to merge a service that
 *   changed, a position for a new finding, its text for a code frame. Compile does no I/O of its
 *   own: the only I/O a compile can cause is a `read` of the memo its caller gave it.
 */
import type { Diagnostic } from '../model/diagnostic.js';
import { withBytes } from '../load/source-file.js';
import type { InputFile, SourceFile } from '../load/source-file.js';
import type { FileKind, FileRecord } from '../validate/entries.js';
import type { RouteClaim } from '../validate/rules/route-conflicts.js';
import type { ConsumerReference } from '../validate/consumer-references.js';
import type { PluginPlace } from '../validate/rules/plugins-run-twice.js';
import type { HostPlace } from '../validate/rules/tls-host-coverage.js';
import type { RenderedPiece } from './snapshot.js';

/** The results half of a memo: records by key (the compile cache is one). */
export interface MemoRecords {
  file(key: string): FileRecord | undefined;
  saveFile(key: string, record: FileRecord): void;
  unit(key: string): UnitRecord | undefined;
  saveUnit(key: string, record: UnitRecord): void;
}

export interface CompileMemo extends MemoRecords {
  /**
   * The bytes of `file`, an input file given without them; what its blob id names. It may read
   * them now (synchronously), or have read them before. Throws when it cannot.
   */
  read(file: InputFile): Uint8Array;
}

/** `file` with its bytes: its own, or read through `memo`, the only way compile reads a file. */
export function sourceOf(file: InputFile, memo: CompileMemo | null | undefined): SourceFile {
  if (file.bytes !== null) return file as SourceFile;
  if (!memo) throw new Error(`${file.path} was given without its bytes, and without a memo to read them`);
  return withBytes(file, memo.read(file));
}

/**
 * One published service as one group runs it (a "unit"): what the `service` and `routes`
 * scoped rules need and find, and, once the repository had no errors, its emitted objects.
 */
export interface UnitRecord {
  readonly claims: readonly RouteClaim[];
  /** What the template's plugins ask of the group's consumers, for the `repo` rules. */
  readonly references: readonly ConsumerReference[];
  /**
   * Where the template sets each plugin that runs (service, plugin configs its routes use,
   * routes): what the group's global rules are compared with (TW3045) without parsing the
   * template again. A place is located once a finding relates it (src/compile/rules.ts).
   */
  readonly pluginPlaces: readonly PluginPlace[];
  /**
   * Where the template or overlay sets each host the service is routed by: what a group's
   * certificates are compared with (TW3040) without merging the service again. A place is located
   * once a finding is made at it (src/compile/rules.ts).
   */
  readonly hostPlaces: readonly HostPlace[];
  /** Findings of the `service`-scoped rules. */
  readonly findings: readonly Diagnostic[];
  /**
   * The blob id of the group.yaml a finding points into, or null when none does. Findings are
   * located in the files they point at, so a record whose findings point into group.yaml holds
   * only for that content of it; the unit's key leaves group.yaml out (its pins change often).
   */
  readonly groupFile: string | null;
  readonly emitted?: UnitEmission;
}

export interface UnitEmission {
  /**
   * The unit's objects, rendered for the digest and both output files; null when a findings-only
   * compile (`CompileInput.snapshots: false`) checked them without rendering them.
   */
  readonly pieces: readonly RenderedPiece[] | null;
  /** APISIX's own checks of the objects (TW4001). */
  readonly findings: readonly Diagnostic[];
}

/** Key of a file's record: its kind, path, revision (none for the worktree) and blob id. */
export function fileKey(kind: FileKind, path: string, revision: string | undefined, oid: string): string {
  return `${kind}\u0000${path}\u0000${revision ?? ''}\u0000${oid}`;
}

/** What a unit's result depends on. `template` and `overlay` name files by path, revision and blob id. */
export interface UnitKeyParts {
  readonly group: string;
  readonly service: string;
  /** Semver of the published version, or `draft`. */
  readonly version: string;
  readonly template: { readonly path: string; readonly revision: string | undefined; readonly oid: string };
  readonly overlay: { readonly path: string; readonly oid: string } | null;
  /** The plugin set the gateways know (see `pluginSetKey`). */
  readonly plugins: string;
  /** The ids of the group's secret managers, which its `$secret://` references must name (`secretManagersKey`). */
  readonly secretManagers: string;
}

export function unitKey(p: UnitKeyParts): string {
  const overlay = p.overlay ? `${p.overlay.path}\u0000${p.overlay.oid}` : '\u0000';
  return [p.group, p.service, p.version, p.template.path, p.template.revision ?? '', p.template.oid, overlay, p.plugins, p.secretManagers].join('\u0000');
}

/** Names the set of a group's secret managers by their ids (`vault/prod`). */
export function secretManagersKey(ids: Iterable<string>): string {
  return [...ids].sort().join(',');
}

/** Names a set of custom plugin names (APISIX's bundled ones belong to the tool version). */
export function pluginSetKey(custom: readonly string[]): string {
  return [...new Set(custom)].sort().join(',');
}

/**
 * A memo held in memory only (tests, one process's compiles, a worker's part). `reader` reads the
 * files given without bytes; without one, such a file is an error.
 */
export class MemoryMemo implements CompileMemo {
  readonly files = new Map<string, FileRecord>();
  readonly units = new Map<string, UnitRecord>();
  readonly #reader: ((file: InputFile) => Uint8Array) | null;
  constructor(reader?: (file: InputFile) => Uint8Array) {
    this.#reader = reader ?? null;
  }
  read(file: InputFile): Uint8Array {
    if (this.#reader === null) throw new Error(`${file.path} was given without its bytes, and this memo reads no files`);
    return this.#reader(file);
  }
  file(key: string): FileRecord | undefined {
    return this.files.get(key);
  }
  saveFile(key: string, record: FileRecord): void {
    this.files.set(key, record);
  }
  unit(key: string): UnitRecord | undefined {
    return this.units.get(key);
  }
  saveUnit(key: string, record: UnitRecord): void {
    this.units.set(key, record);
  }
}
