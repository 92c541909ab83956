/**
 * Results compile may reuse instead of computing them again: per file (parse + schema + file
 * rules) and per service of a group (merge, service rules, route claims, emitted objects). A key
 * names everything its result depends on (content by git blob id), so a result found under a key
 * is the result for the input at hand; a memo never has to be invalidated, only filled. The
 * on-disk cache (src/build/compile-cache.ts) and the worker pool (src/build/prefetch.ts) fill one
 * before compile runs; compile adds what it had to compute.
 */
import type { Diagnostic } from '../model/diagnostic.js';
import type { FileKind, FileRecord } from '../validate/entries.js';
import type { RouteClaim } from '../validate/rules/route-conflicts.js';
import type { RenderedPiece } from './snapshot.js';

export interface CompileMemo {
  file(key: string): FileRecord | undefined;
  saveFile(key: string, record: FileRecord): void;
  unit(key: string): UnitRecord | undefined;
  saveUnit(key: string, record: UnitRecord): void;
}

/**
 * One published service as one group runs it (a "unit"): what the `service` and `routes`
 * scoped rules need and find, and, once the repository had no errors, its emitted objects.
 */
export interface UnitRecord {
  readonly claims: readonly RouteClaim[];
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
}

export function unitKey(p: UnitKeyParts): string {
  const overlay = p.overlay ? `${p.overlay.path}\u0000${p.overlay.oid}` : '\u0000';
  return [p.group, p.service, p.version, p.template.path, p.template.revision ?? '', p.template.oid, overlay, p.plugins].join('\u0000');
}

/** Names a set of custom plugin names (APISIX's bundled ones belong to the tool version). */
export function pluginSetKey(custom: readonly string[]): string {
  return [...new Set(custom)].sort().join(',');
}

/** A memo held in memory only (tests, and one process's compiles). */
export class MemoryMemo implements CompileMemo {
  readonly files = new Map<string, FileRecord>();
  readonly units = new Map<string, UnitRecord>();
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
