/**
 * One published service as one gateway group runs it (a "unit"): its template at the published
 * version, the group's overlay, and what follows from them alone — the merge, the
 * `service`-scoped rules, the route claims the conflict check needs, what its plugins ask of the
 * group's consumers, where its template sets each plugin (for the group's global rules), and the
 * emitted objects.
 * Pure; compile keeps the results per unit in the memo (memo.ts, `unitSlots`), and worker threads
 * compute them in parallel (src/incremental/prefetch.ts).
 */
import type { Diagnostic } from '../model/diagnostic.js';
import type { GroupEntry, OverlayEntry, TemplateEntry } from '../validate/entries.js';
import { RULES } from '../validate/rules/index.js';
import type { RuleContext } from '../validate/rules/index.js';
import { routeClaims } from '../validate/rules/route-conflicts.js';
import { templateReferences } from '../validate/consumer-references.js';
import { pluginPlaces } from '../validate/rules/plugins-run-twice.js';
import { hostPlaces } from '../validate/rules/tls-host-coverage.js';
import { checkEmitted } from './check-emitted.js';
import { emitService } from './emit.js';
import { mergeService } from './merge.js';
import { unitKey } from './memo.js';
import type { CompileMemo, UnitEmission, UnitRecord } from './memo.js';
import { compiled } from './load-files.js';
import type { CompileFiles } from './load-files.js';
import { renderPieces } from './snapshot.js';
import { KINDS } from '../apisix/kinds/index.js';
import type { ResolvedService } from '../validate/resolved.js';

export interface Unit {
  readonly group: GroupEntry;
  /** Blob id of the group's group.yaml (recorded when a finding points into it). */
  readonly groupOid: string;
  readonly service: string;
  /** Semver of the published version, or `draft`. */
  readonly version: string;
  readonly template: TemplateEntry;
  readonly overlay: OverlayEntry | null;
}

/** A unit with its key in the memo and its record: the memo's, or made by the stages as they go. */
export interface UnitSlot {
  readonly unit: Unit;
  /** Null without a memo. */
  readonly key: string | null;
  record: UnitRecord | null;
  /** The merged service, once merged (a unit whose record came from the memo is merged only if emitted again). */
  merged: ResolvedService | null;
}

/**
 * Each unit's slot: its memo key (group, service, version, template and overlay by path and blob
 * id, plugin set, the group's secret managers) and the record the memo holds under it. A record whose findings point into
 * group.yaml holds only for the group.yaml it was made with (its blob id is kept in the record).
 */
export function unitSlots(units: readonly Unit[], files: CompileFiles, pluginsKey: string, secretManagersKey: string): UnitSlot[] {
  const memo = files.memo;
  return units.map((unit) => {
    const { template, overlay } = unit;
    const key = memo
      ? unitKey({
          group: unit.group.group,
          service: unit.service,
          version: unit.version,
          template: { path: template.file.path, revision: template.file.revision, oid: files.blobId(compiled(template.file).source) },
          overlay: overlay ? { path: overlay.file.path, oid: files.blobId(compiled(overlay.file).source) } : null,
          plugins: pluginsKey,
          secretManagers: secretManagersKey,
        })
      : null;
    let record = key ? (memo!.unit(key) ?? null) : null;
    if (record && record.groupFile !== null && record.groupFile !== unit.groupOid) record = null;
    return { unit, key, record, merged: null };
  });
}

/** The slot's unit merged (once). */
export function mergedOf(slot: UnitSlot): ResolvedService {
  return (slot.merged ??= mergeUnit(slot.unit));
}

/** Keeps the slot's record in the memo, under its key. */
export function saveSlot(slot: UnitSlot, memo: CompileMemo | null): void {
  if (slot.key !== null && memo) memo.saveUnit(slot.key, slot.record!);
}

const SERVICE_RULES = RULES.filter((r) => r.scope === 'service');

export function mergeUnit(unit: Unit): ResolvedService {
  return mergeService(unit.template, unit.overlay, unit.version);
}

/**
 * The unit's `service`-scoped findings, route claims, consumer references, plugin places and host places. `base` is the repository's rule context;
 * each rule sees only this unit in `resolved`.
 */
export function checkUnit(unit: Unit, merged: ResolvedService, base: RuleContext): UnitRecord {
  const ctx: RuleContext = { ...base, resolved: [{ group: unit.group, services: [merged] }] };
  const findings: Diagnostic[] = [];
  for (const rule of SERVICE_RULES) findings.push(...rule.check(ctx));
  const file = unit.group.file;
  const inGroupFile = (l: { readonly file?: string; readonly revision?: string }) => l.file === file.path && l.revision === file.revision;
  const pointsIntoGroupFile = findings.some((d) => inGroupFile(d) || d.related.some(inGroupFile));
  return {
    claims: routeClaims(merged),
    references: templateReferences(merged.template.spec),
    pluginPlaces: pluginPlaces(unit.service, merged.template.spec),
    hostPlaces: hostPlaces(merged),
    findings,
    groupFile: pointsIntoGroupFile ? unit.groupOid : null,
  };
}

/**
 * The unit's APISIX objects with APISIX's own checks of them (TW4001), rendered unless `render`
 * is false (a findings-only compile: rendering is most of the cost of emitting).
 */
export function emitUnit(unit: Unit, merged: ResolvedService, plugins: ReadonlySet<string>, render = true): UnitEmission {
  const { config, origins } = emitService(unit.group.group, merged);
  return {
    pieces: render ? KINDS.flatMap((kind) => renderPieces(unit.service, kind, config[kind.name])) : null,
    findings: checkEmitted(config, origins, plugins),
  };
}
