/**
 * Pipeline stages *emit* and *snapshot* (docs/architecture.md §3): each unit's APISIX objects,
 * checked by APISIX's own rules and rendered for the output files (kept in the memo with the
 * unit's record), then each group's snapshot put together from its units' rendered pieces.
 */
import type { Diagnostic } from '../model/diagnostic.js';
import type { ServiceProvenance, Snapshot } from '../model/snapshot.js';
import type { AdoptEntry, GroupEntry } from '../validate/entries.js';
import { checkAdoption, snapshotAdoption } from './adoption.js';
import type { ServiceOutput } from './input.js';
import type { CompileMemo, UnitEmission } from './memo.js';
import { emitUnit, mergedOf, saveSlot } from './service-unit.js';
import type { UnitSlot } from './service-unit.js';
import { assembleSnapshot } from './snapshot.js';
import type { AssembledSnapshot, RenderedPiece } from './snapshot.js';

/**
 * The slot's emitted objects: its record's, or emitted now (a record checked by a findings-only
 * compile has no renderings: they are rendered now if `render`) and kept in the memo.
 */
export function emitSlot(slot: UnitSlot, plugins: ReadonlySet<string>, render: boolean, memo: CompileMemo | null): UnitEmission {
  const known = slot.record!.emitted;
  if (known && (known.pieces !== null || !render)) return known;
  const emitted = emitUnit(slot.unit, mergedOf(slot), plugins, render);
  slot.record = { ...slot.record!, emitted };
  saveSlot(slot, memo);
  return emitted;
}

export interface Assembled {
  /** APISIX's findings about the emitted objects (TW4001). */
  readonly diagnostics: Diagnostic[];
  /** One per group, in group order (none when `pieces` only: see `assembleGroups`). */
  readonly snapshots: Snapshot[];
  /** The snapshots with their files, by group, when `files`. */
  readonly files: Map<string, AssembledSnapshot>;
  /** Per group, what each service put into its snapshot, in service order (when asked for). */
  readonly outputs: Map<string, ServiceOutput[]>;
}

/**
 * Emits every unit of every group and puts each group's snapshot together from their pieces
 * (`render`: false for a findings-only compile, which emits and checks but renders and assembles
 * nothing). `pieces`: give the units' outputs only, no snapshot (a compile of some services, to be
 * spliced into an earlier whole one); `outputs`: give them beside the snapshots too.
 */
export function assembleGroups(
  groups: ReadonlyMap<GroupEntry, readonly UnitSlot[]>,
  options: {
    readonly plugins: ReadonlySet<string>;
    readonly render: boolean;
    readonly memo: CompileMemo | null;
    readonly commit: string | null;
    readonly draft: boolean;
    readonly files: boolean;
    readonly outputs: boolean;
    readonly pieces: boolean;
    /**
     * The group's objects that belong to no service (its consumer groups and consumers), as
     * pieces, and APISIX's findings about them. Not asked for with `pieces`: a compile of some
     * services leaves them as they were.
     */
    readonly groupObjects?: (group: GroupEntry, render: boolean) => { readonly pieces: readonly RenderedPiece[]; readonly findings: readonly Diagnostic[] };
    /** The group's adoption record, if it has one (adoption.ts): carried into its snapshot, checked against its objects. */
    readonly adoption?: (group: GroupEntry) => AdoptEntry | undefined;
  },
): Assembled {
  const diagnostics: Diagnostic[] = [];
  const snapshots: Snapshot[] = [];
  const files = new Map<string, AssembledSnapshot>();
  const outputs = new Map<string, ServiceOutput[]>();
  for (const [group, slots] of groups) {
    // A group with an adoption record is put together even when only findings are wanted: the
    // record is checked against its objects.
    const record = options.pieces ? undefined : options.adoption?.(group);
    const render = options.render || record !== undefined;
    const pieces: RenderedPiece[] = [];
    const services: ServiceProvenance[] = [];
    const made: ServiceOutput[] = [];
    if (!options.pieces && options.groupObjects) {
      const own = options.groupObjects(group, render);
      diagnostics.push(...own.findings);
      pieces.push(...own.pieces);
    }
    for (const slot of slots) {
      const emitted = emitSlot(slot, options.plugins, render, options.memo);
      diagnostics.push(...emitted.findings);
      if (!render) continue;
      pieces.push(...emitted.pieces!);
      const { template, overlay } = slot.unit;
      const provenance: ServiceProvenance = {
        name: slot.unit.service,
        version: slot.unit.version,
        tag: template.tag?.tag ?? null,
        commit: template.tag?.commit ?? null,
        template: template.file.path,
        overlay: overlay?.file.path ?? null,
      };
      services.push(provenance);
      made.push({ provenance, pieces: emitted.pieces!, claims: slot.record!.claims });
    }
    if (!render) continue;
    if (options.outputs) outputs.set(group.group, made);
    if (options.pieces) continue;
    const adopt = record === undefined ? null : snapshotAdoption(record);
    const assembled = assembleSnapshot(group.group, services, pieces, {
      commit: options.commit,
      draft: options.draft,
      ...(options.files && options.render ? {} : { files: false }),
      ...(adopt !== null ? { adopt } : {}),
    });
    if (record !== undefined) diagnostics.push(...checkAdoption(record, assembled.snapshot.apisix));
    if (!options.render) continue;
    snapshots.push(assembled.snapshot);
    if (options.files) files.set(group.group, assembled);
  }
  return { diagnostics, snapshots, files, outputs };
}
