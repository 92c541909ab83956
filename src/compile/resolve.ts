/**
 * Pipeline stage *resolve* (docs/architecture.md §3): the selected groups, each group's pins
 * resolved to version tags, and the template read at each tag — one unit per published service
 * of a group, which the later stages merge, check and emit.
 */
import { resolvePin } from '../core/pins.js';
import { classifyPath, templatePath } from '../load/layout.js';
import type { InputFile, SourceTree } from '../load/source-file.js';
import { joinPointer, parseYamlFile } from '../load/yaml-file.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { cmp } from '../model/diagnostic.js';
import { EVERY_GROUP, selects } from '../model/selection.js';
import type { Selection } from '../model/selection.js';
import type { VersionTag } from '../model/version.js';
import { templateEntry } from '../validate/entries.js';
import type { CheckedRepo, GroupEntry, TemplateEntry } from '../validate/entries.js';
import type { CompileInput } from './input.js';
import { compiled } from './load-files.js';
import type { CompileFiles, LoadedRepo } from './load-files.js';
import { fileKey, sourceOf } from './memo.js';
import type { CompileMemo } from './memo.js';
import type { Unit } from './service-unit.js';

/**
 * The tags whose template the caller must read for `compile` (pins resolved against `tags`);
 * with `services`, for those services' pins only. A group.yaml's data comes from its record in
 * the memo when it holds one; a file given without bytes is read through the memo.
 */
export function templatesNeeded(
  tree: SourceTree,
  tags: readonly VersionTag[],
  options: { draft?: boolean; selection?: Selection; memo?: CompileMemo; services?: ReadonlySet<string> } = {},
): VersionTag[] {
  if (options.draft) return [];
  const selection = options.selection ?? EVERY_GROUP;
  const needed = new Map<string, VersionTag>();
  const byService = tagsByService(tags);
  for (const source of tree.files) {
    if (!source.path.endsWith('/group.yaml')) continue;
    const role = classifyPath(source.path);
    if (role.kind !== 'group' || !selects(selection, role.group)) continue;
    const recorded = options.memo && source.oid !== undefined ? options.memo.file(fileKey('group', source.path, source.revision, source.oid)) : undefined;
    let data = recorded?.data;
    if (data === undefined) {
      const parsed = parseYamlFile(sourceOf(source, options.memo));
      if (!parsed.ok) continue; // compile reports it
      data = parsed.file.data;
    }
    const published = (data as { published?: unknown }).published;
    if (typeof published !== 'object' || published === null) continue;
    const pins = options.services
      ? [...options.services].flatMap((s) => (Object.prototype.hasOwnProperty.call(published, s) ? [[s, (published as Record<string, unknown>)[s]] as const] : []))
      : Object.entries(published);
    for (const [service, pin] of pins) {
      if (typeof pin !== 'string') continue;
      const tag = resolvePin(byService.get(service) ?? [], service, pin);
      if (tag) needed.set(tag.tag, tag);
    }
  }
  return [...needed.values()].sort((a, b) => cmp(a.tag, b.tag));
}

export function tagsByService(tags: readonly VersionTag[]): Map<string, VersionTag[]> {
  const map = new Map<string, VersionTag[]>();
  for (const tag of tags) {
    let list = map.get(tag.service);
    if (!list) map.set(tag.service, (list = []));
    list.push(tag);
  }
  return map;
}

/** The selected groups that passed their schema, in name order; a selected name that is no such group is reported. */
export function pickGroups(checked: CheckedRepo, selection: Selection, diagnostics: Diagnostic[]): GroupEntry[] {
  const all = [...checked.groups.values()].sort((a, b) => cmp(a.group, b.group));
  const wanted = selection.groups;
  if (wanted === null) return all;
  for (const name of wanted) {
    if (!checked.groups.has(name)) {
      diagnostics.push({
        code: 'TW1014',
        severity: 'error',
        message: `there is no valid gateway group \`${name}\``,
        hint: `Groups here: ${all.map((g) => g.group).join(', ') || '(none)'}. A group is gateway-groups/<name>/group.yaml.`,
        related: [],
      });
    }
  }
  return all.filter((g) => selects(selection, g.group));
}

/** The units of the selected groups, and every template the compile looks at. */
export interface ResolvedUnits {
  /** Per selected group, in name order: a unit per service it publishes that resolved, in service order. */
  readonly groups: ReadonlyMap<GroupEntry, readonly Unit[]>;
  /** Worktree templates and templates at the tags the pins resolved to, schema-valid, each place once. */
  readonly templates: readonly TemplateEntry[];
}

/**
 * Resolves the pins of the `selected` groups (of the services in `only`, when given) to tags and
 * reads the template at each tag: the tree's file when the tag holds the same bytes (parsed and
 * checked once, and a mistake in it reported once, against the tree), else the file read at the
 * tag (its record from the memo, see `CompileFiles.prepare`). In a draft, each service's worktree
 * template. What cannot resolve is reported (TW3015 no template, TW1016 missing from the clone);
 * a pin that names no tag is pin-matches-tag's to report.
 */
export function resolveUnits(
  input: CompileInput,
  loaded: LoadedRepo,
  selected: readonly GroupEntry[],
  only: readonly string[] | null,
  context: { readonly files: CompileFiles; readonly treeFiles: ReadonlyMap<string, InputFile>; readonly byService: ReadonlyMap<string, readonly VersionTag[]> },
  diagnostics: Diagnostic[],
): ResolvedUnits {
  const { parsed, checked } = loaded;
  const { files, treeFiles, byService } = context;
  const draft = input.draft === true;
  const atTags = new Map<string, TemplateEntry | null>();
  const templateAt = (tag: VersionTag): TemplateEntry | null => {
    if (atTags.has(tag.tag)) return atTags.get(tag.tag)!;
    const source = input.templatesAtTags.get(tag.tag);
    let entry: TemplateEntry | null = null;
    if (!source) {
      diagnostics.push({
        code: 'TW3015',
        severity: 'error',
        message: `tag ${tag.tag} has no ${templatePath(tag.service)}`,
        hint: `The tag must point at a commit that holds the service template. Point the group at another version of ${tag.service}.`,
        related: [],
      });
    } else {
      const same = treeFiles.get(source.path);
      if (same && files.same(same, source) && parsed.templates.get(tag.service)?.path === source.path) {
        const checkedEntry = checked.templates.get(tag.service);
        entry = checkedEntry ? templateEntry(checkedEntry.service, checkedEntry.file, tag) : null;
      } else {
        const result = files.prepare(source.revision === tag.tag ? source : { ...source, revision: tag.tag }, 'template');
        diagnostics.push(...result.diagnostics);
        if (result.file && result.file.record.valid) entry = templateEntry(tag.service, result.file, tag);
      }
    }
    atTags.set(tag.tag, entry);
    return entry;
  };

  const groups = new Map<GroupEntry, Unit[]>();
  for (const group of selected) {
    const units: Unit[] = [];
    groups.set(group, units);
    const pins = group.spec.published ?? {};
    const published: (readonly [string, string])[] = only
      ? only.flatMap((service) => (Object.prototype.hasOwnProperty.call(pins, service) ? [[service, pins[service]!] as const] : []))
      : Object.entries(pins).sort(([a], [b]) => cmp(a, b));
    for (const [service, pin] of published) {
      let template: TemplateEntry | null;
      let version: string;
      if (draft) {
        template = checked.templates.get(service) ?? null;
        version = 'draft';
        // A template that is there but does not parse is reported at its own error, not here.
        if (!template && !parsed.templates.has(service) && !treeFiles.has(templatePath(service))) {
          diagnostics.push({
            code: 'TW3015',
            severity: 'error',
            message: `group ${group.group} publishes ${service}, which has no template ${templatePath(service)} to draft from`,
            ...group.file.locate(`/published/${service}`),
            hint: `Create ${templatePath(service)}, or remove ${service} from the group.`,
            related: [],
          });
        }
      } else {
        const tag = resolvePin(byService.get(service) ?? [], service, pin);
        if (!tag) continue; // reported by pin-matches-tag
        const missing = input.clone?.templates.get(tag.tag);
        if (missing) {
          diagnostics.push({
            code: 'TW1016',
            severity: 'error',
            message: missing.message,
            ...group.file.locate(`/published${joinPointer(service)}`),
            hint: missing.hint,
            related: [],
          });
          continue;
        }
        template = templateAt(tag);
        version = tag.version;
      }
      if (!template) continue;
      const overlay = checked.overlays.get(group.group)?.get(service) ?? null;
      const groupOid = files.memo ? files.blobId(compiled(group.file).source) : '';
      units.push({ group, groupOid, service, version, template, overlay });
    }
  }
  const templates = uniqueTemplates([...checked.templates.values(), ...[...atTags.values()].filter((t): t is TemplateEntry => t !== null)]);
  return { groups, templates };
}

/** A template read at a tag whose bytes equal the worktree's is still checked once per place. */
function uniqueTemplates(entries: TemplateEntry[]): TemplateEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = `${e.file.path}@${e.file.revision ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
