/**
 * Pipeline stage *validate*, the semantic rules (docs/architecture.md §3; the schemas were checked
 * when the files were loaded): each rule runs on what its scope allows (src/validate/rules/rule.ts)
 * — `service` rules per unit and `file` rules per file, both kept in the memo, so only what
 * changed is checked again; `repo` rules and route conflicts (from the units' claims) every time.
 */
import { sourceKey } from '../model/diagnostic.js';
import type { Diagnostic, SourceLocation } from '../model/diagnostic.js';
import type { YamlFile } from '../load/yaml-file.js';
import type { CheckedRepo, GroupEntry, OverlayEntry, TemplateEntry } from '../validate/entries.js';
import { RULES } from '../validate/rules/index.js';
import type { RuleContext } from '../validate/rules/index.js';
import { findRouteConflicts, routeConflicts } from '../validate/rules/route-conflicts.js';
import { findPluginsRunTwice, pluginsRunTwice } from '../validate/rules/plugins-run-twice.js';
import type { PluginService } from '../validate/rules/plugins-run-twice.js';
import { findUncoveredHosts, serverSnis, tlsHostCoverage } from '../validate/rules/tls-host-coverage.js';
import type { HostService } from '../validate/rules/tls-host-coverage.js';
import { compiled } from './load-files.js';
import type { CompileFile } from './load-files.js';
import type { CompileMemo, UnitRecord } from './memo.js';
import { checkUnit, mergedOf, saveSlot } from './service-unit.js';
import type { UnitSlot } from './service-unit.js';

/**
 * The `service` rules and route claims of each unit whose record the memo lacks: merged, checked,
 * and kept in the memo. Returns every unit's findings.
 */
export function checkServices(slots: readonly UnitSlot[], ctx: RuleContext, memo: CompileMemo | null): Diagnostic[] {
  for (const slot of slots) {
    if (slot.record) continue;
    slot.record = checkUnit(slot.unit, mergedOf(slot), ctx);
    saveSlot(slot, memo);
  }
  return slots.flatMap((slot) => slot.record!.findings);
}

/**
 * Runs the `file` rules on the templates and overlays whose findings are not known for this
 * plugin set, records the findings per file, and returns the findings of every file (group files
 * are always checked: they are few, and always read).
 */
export function checkFiles(ctx: RuleContext, templates: readonly TemplateEntry[], checked: CheckedRepo, pluginsKey: string, memo: CompileMemo | null): Diagnostic[] {
  const known = (file: YamlFile) => compiled(file).record.rules?.plugins === pluginsKey;
  const fresh = new Map<CompileFile, Diagnostic[]>();
  const mark = (file: YamlFile) => {
    if (!known(file)) fresh.set(compiled(file), []);
  };
  const dirtyTemplates = templates.filter((t) => !known(t.file));
  const dirtyOverlays = new Map<string, Map<string, OverlayEntry>>();
  for (const [group, byService] of checked.overlays) {
    for (const [service, entry] of byService) {
      if (known(entry.file)) continue;
      let m = dirtyOverlays.get(group);
      if (!m) dirtyOverlays.set(group, (m = new Map()));
      m.set(service, entry);
    }
  }
  const dirtyRaw = checked.rawOverlays.filter((o) => !known(o.file));
  dirtyTemplates.forEach((t) => mark(t.file));
  dirtyRaw.forEach((o) => mark(o.file));

  const scoped: RuleContext = { ...ctx, templates: dirtyTemplates, repo: { ...checked, overlays: dirtyOverlays, rawOverlays: dirtyRaw } };
  const out: Diagnostic[] = [];
  const byFile = new Map<string, CompileFile>();
  for (const f of fresh.keys()) byFile.set(sourceKey(f.path, f.revision), f);
  for (const rule of RULES) {
    if (rule.scope !== 'file') continue;
    for (const d of rule.check(scoped)) {
      const owner = d.file === undefined ? undefined : byFile.get(sourceKey(d.file, d.revision));
      if (owner) fresh.get(owner)!.push(d);
      else out.push(d); // about a group.yaml
    }
  }
  for (const [f, found] of fresh) {
    f.record = { ...f.record, rules: { plugins: pluginsKey, diagnostics: found } };
    if (f.key !== null && memo) memo.saveFile(f.key, f.record);
  }
  // Every template and overlay the rules look at, with what was found in it.
  const seen = new Set<CompileFile>();
  const collect = (file: YamlFile) => {
    const f = compiled(file);
    if (seen.has(f)) return;
    seen.add(f);
    const found = f.record.rules?.diagnostics;
    if (found !== undefined && found.length > 0) out.push(...found);
  };
  templates.forEach((t) => collect(t.file));
  checked.rawOverlays.forEach((o) => collect(o.file));
  return out;
}

/**
 * The `repo` rules (with each unit's consumer references), and the rules about a group's services
 * as a whole (route conflicts from its units' claims, plugins a global rule runs again from their
 * plugin places, hosts no certificate covers from their host places). With
 * `only` (a
 * compile of those services alone), the rules see only their pins and locks (`ruled`, which the
 * caller uses from then on).
 */
export function checkRepo(
  ctx: RuleContext,
  groups: ReadonlyMap<GroupEntry, readonly UnitSlot[]>,
  only: ReadonlySet<string> | null,
  memo: CompileMemo | null,
): { readonly diagnostics: Diagnostic[]; readonly ruled: CheckedRepo } {
  const ruled = only ? onlyServices(ctx.repo, only) : ctx.repo;
  const referencing = [...groups].flatMap(([group, slots]) =>
    slots.map((s) => ({ group: group.group, service: s.unit.service, template: s.unit.template, references: s.record!.references })),
  );
  const repoCtx: RuleContext = { ...ctx, repo: ruled, referencing };
  const diagnostics: Diagnostic[] = [];
  for (const rule of RULES) {
    if (rule === routeConflicts) {
      for (const [group, slots] of groups) {
        const claiming = slots.map((s) => ({ name: s.unit.service, template: s.unit.template, claims: s.record!.claims }));
        diagnostics.push(...findRouteConflicts(group.group, claiming));
      }
    } else if (rule === pluginsRunTwice) {
      const located = new Set<UnitSlot>();
      for (const [group, slots] of groups) {
        const services = slots.map((slot) => pluginService(slot, located));
        diagnostics.push(...findPluginsRunTwice(group.group, ruled.groupObjects['global-rule'].get(group.group), services));
      }
      for (const slot of located) saveSlot(slot, memo);
    } else if (rule === tlsHostCoverage) {
      const located = new Set<UnitSlot>();
      for (const [group, slots] of groups) {
        const snis = serverSnis(ruled, group.group);
        if (snis !== null) diagnostics.push(...findUncoveredHosts(group.group, snis, slots.map((slot) => hostService(slot, located))));
      }
      for (const slot of located) saveSlot(slot, memo);
    } else if (rule.scope === 'routes') {
      // The services are merged only if the rule looks at them: units whose records came from
      // the memo are not parsed otherwise.
      for (const [group, slots] of groups) {
        diagnostics.push(...rule.check({ ...repoCtx, resolved: [{ group, get services() { return slots.map(mergedOf); } }] }));
      }
    } else if (rule.scope === 'repo') {
      diagnostics.push(...rule.check(repoCtx));
    }
  }
  return { diagnostics, ruled };
}

/**
 * The slot's service as the check of plugins a global rule runs again sees it: its plugin places
 * from its record, so a template whose record the memo held is not parsed. A place a finding
 * relates is located in the template the first time (a parse with positions) and kept located
 * in the record; `located` collects the slots whose records to keep again.
 */
function pluginService(slot: UnitSlot, located: Set<UnitSlot>): PluginService {
  const { service, template } = slot.unit;
  const places = locatedPlaces(slot, located, 'pluginPlaces', () => template.file);
  return {
    name: service,
    template,
    places: slot.record!.pluginPlaces,
    // As `relatedAt` places it: the location, then the message.
    locate: (place) => ({ ...places(place), message: place.message }),
  };
}

/** The slot's service as the check of hosts no certificate covers sees it: as `pluginService`, with its host places. */
function hostService(slot: UnitSlot, located: Set<UnitSlot>): HostService {
  const { service, template, overlay } = slot.unit;
  return {
    name: service,
    places: slot.record!.hostPlaces,
    locate: locatedPlaces(slot, located, 'hostPlaces', (place) => (place.in === 'overlay' ? overlay!.file : template.file)),
  };
}

/**
 * Locates a place of the slot's record (its `field`), in the file `fileOf` gives: the location
 * the record keeps, or found now and kept in the record, whose slot is added to `located`.
 */
function locatedPlaces<F extends 'pluginPlaces' | 'hostPlaces'>(
  slot: UnitSlot,
  located: Set<UnitSlot>,
  field: F,
  fileOf: (place: UnitRecord[F][number]) => YamlFile,
): (place: UnitRecord[F][number]) => SourceLocation {
  return (place) => {
    const record = slot.record!;
    const places = record[field] as readonly UnitRecord[F][number][];
    const known = places.find((p) => p.pointer === place.pointer)?.at ?? null;
    if (known !== null) return known;
    const at = fileOf(place).locate(place.pointer);
    slot.record = { ...record, [field]: places.map((p) => (p.pointer === place.pointer ? { ...p, at } : p)) };
    located.add(slot);
    return at;
  };
}

/** The repository as the `repo` rules see it in a compile of `services` alone: only their pins and locks. */
function onlyServices(checked: CheckedRepo, services: ReadonlySet<string>): CheckedRepo {
  const pick = <T>(map: Readonly<Record<string, T>> | undefined): Record<string, T> | undefined => {
    if (map === undefined) return undefined;
    return Object.fromEntries([...services].filter((s) => Object.prototype.hasOwnProperty.call(map, s)).map((s) => [s, map[s]!]));
  };
  const groups = new Map<string, GroupEntry>();
  for (const [name, g] of checked.groups) {
    const spec = { ...g.spec };
    const published = pick(g.spec.published);
    const locks = pick(g.spec.locks);
    if (published !== undefined) spec.published = published;
    if (locks !== undefined) spec.locks = locks;
    groups.set(name, { ...g, spec });
  }
  return { ...checked, groups };
}
