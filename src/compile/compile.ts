import { resolvePin } from '../git/pin.js';
import type { VersionTag } from '../git/tags.js';
import { classifyPath, templatePath } from '../load/layout.js';
import { parseRepo } from '../load/repo.js';
import type { ParsedRepo } from '../load/repo.js';
import type { YamlFile } from '../load/yaml-file.js';
import type { SourceFile, SourceTree } from '../load/source-file.js';
import { parseYamlFile } from '../load/yaml-file.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { cmp, compareDiagnostics, hasErrors } from '../model/diagnostic.js';
import type { Snapshot } from '../model/snapshot.js';
import { BUNDLED_PLUGINS } from '../validate/apisix/index.js';
import { checkRepo, checkTemplate } from '../validate/entries.js';
import type { CheckedRepo, TemplateEntry } from '../validate/entries.js';
import { RULES } from '../validate/rules/index.js';
import type { ResolvedGroup, RuleContext } from '../validate/rules/index.js';
import { checkEmitted } from './check-emitted.js';
import { emitGroup } from './emit.js';
import { mergeService } from './merge.js';
import type { ResolvedService } from './merge.js';
import { buildSnapshot } from './snapshot.js';

/**
 * Everything a compile depends on, read beforehand by the caller (src/app): compile itself does
 * no I/O and reads no clock or environment, so the same input gives byte-identical output.
 */
export interface CompileInput {
  /** The worktree's (or a revision's) config files. */
  readonly tree: SourceTree;
  /** Every version tag of the repository. */
  readonly tags: readonly VersionTag[];
  /** `services/<s>/service.yaml` as committed at each tag that a pin resolves to (see `templatesNeeded`). */
  readonly templatesAtTags: ReadonlyMap<string, SourceFile>;
  /** Commit the tree was read at; null for the worktree. Recorded in provenance. */
  readonly commit: string | null;
  /** Compile the worktree templates instead of the published versions (marks snapshots as drafts). */
  readonly draft?: boolean;
  /** Only these groups (default: all). Unknown names are reported. */
  readonly groups?: readonly string[];
}

export interface CompileResult {
  /** All findings, sorted by file, line, column. */
  readonly diagnostics: readonly Diagnostic[];
  /** One snapshot per selected group, sorted by group name; empty when any error was found. */
  readonly snapshots: readonly Snapshot[];
  /** Text of every parsed file, by `sourceKey(path, revision)`, for code frames. */
  readonly sources: ReadonlyMap<string, string>;
}

export function sourceKey(path: string, revision: string | undefined): string {
  return `${path}@${revision ?? ''}`;
}

/** The tags whose template the caller must read for `compile` (pins resolved against `tags`). */
export function templatesNeeded(tree: SourceTree, tags: readonly VersionTag[], options: { draft?: boolean; groups?: readonly string[] } = {}): VersionTag[] {
  if (options.draft) return [];
  const needed = new Map<string, VersionTag>();
  const byService = tagsByService(tags);
  for (const source of tree.files) {
    const role = classifyPath(source.path);
    if (role.kind !== 'group' || (options.groups && !options.groups.includes(role.group))) continue;
    const parsed = parseYamlFile(source);
    if (!parsed.ok) continue; // compile reports it
    const published = (parsed.file.data as { published?: unknown }).published;
    if (typeof published !== 'object' || published === null) continue;
    for (const [service, pin] of Object.entries(published)) {
      if (typeof pin !== 'string') continue;
      const tag = resolvePin(byService.get(service) ?? [], service, pin);
      if (tag) needed.set(tag.tag, tag);
    }
  }
  return [...needed.values()].sort((a, b) => cmp(a.tag, b.tag));
}

/** Validates and compiles the config repository into one snapshot per gateway group. Pure. */
export function compile(input: CompileInput): CompileResult {
  const draft = input.draft === true;
  const diagnostics: Diagnostic[] = [];
  const parsed = parseRepo(input.tree);
  diagnostics.push(...parsed.diagnostics);
  const { checked, diagnostics: schemaFindings } = checkRepo(parsed.repo);
  diagnostics.push(...schemaFindings);

  const sources = new Map<string, string>();
  for (const file of allFiles(parsed.repo)) sources.set(sourceKey(file.path, file.revision), file.text);
  const selected = selectGroups(checked, input.groups, diagnostics);
  const byService = tagsByService(input.tags);
  const treeFiles = new Map(input.tree.files.map((f) => [f.path, f]));
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
      // A tag whose template is byte-identical to the one in the tree being compiled is that
      // file: parsed and checked once, and a mistake in it is reported once, against the tree.
      const same = treeFiles.get(source.path);
      if (same && Buffer.from(same.bytes).equals(source.bytes) && parsed.repo.templates.get(tag.service)?.path === source.path) {
        const checkedEntry = checked.templates.get(tag.service);
        entry = checkedEntry ? { ...checkedEntry, tag } : null;
      } else {
        const result = parseYamlFile({ ...source, revision: tag.tag });
        if (!result.ok) diagnostics.push(...result.diagnostics);
        else {
          sources.set(sourceKey(result.file.path, tag.tag), result.file.text);
          const found = checkTemplate(result.file, tag.service, tag);
          diagnostics.push(...found.diagnostics);
          entry = found.entry;
        }
      }
    }
    atTags.set(tag.tag, entry);
    return entry;
  };

  const resolved: ResolvedGroup[] = [];
  for (const group of selected) {
    const services: ResolvedService[] = [];
    const published = Object.entries(group.spec.published ?? {}).sort(([a], [b]) => cmp(a, b));
    for (const [service, pin] of published) {
      let template: TemplateEntry | null;
      let version: string;
      if (draft) {
        template = checked.templates.get(service) ?? null;
        version = 'draft';
        if (!template && !parsed.repo.templates.has(service)) {
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
        template = templateAt(tag);
        version = tag.version;
      }
      if (!template) continue;
      const overlay = checked.overlays.get(group.group)?.get(service) ?? null;
      services.push(mergeService(template, overlay, version));
    }
    resolved.push({ group, services });
  }

  const templates = uniqueTemplates([...checked.templates.values(), ...[...atTags.values()].filter((t): t is TemplateEntry => t !== null)]);
  const plugins = new Set([...BUNDLED_PLUGINS, ...(checked.config.plugins ?? [])]);
  const ctx: RuleContext = { repo: checked, templates, tags: input.tags, tagsByService: byService, resolved, plugins, draft };
  for (const rule of RULES) diagnostics.push(...rule.check(ctx));

  const snapshots: Snapshot[] = [];
  // APISIX's own checks are the last line of defence: they run once the files are free of errors
  // (which already explain, better placed, most of what APISIX would reject).
  const clean = !hasErrors(diagnostics);
  for (const group of resolved) {
    const { config, origins } = emitGroup(group);
    if (clean) diagnostics.push(...checkEmitted(config, origins, plugins));
    snapshots.push(buildSnapshot(group, config, { commit: input.commit, draft }));
  }

  const sorted = dedupe(diagnostics).sort(compareDiagnostics);
  return { diagnostics: sorted, snapshots: hasErrors(sorted) ? [] : snapshots, sources };
}

function* allFiles(repo: ParsedRepo): Iterable<YamlFile> {
  if (repo.config) yield repo.config;
  yield* repo.templates.values();
  yield* repo.groups.values();
  for (const byService of repo.overlays.values()) yield* byService.values();
}

function selectGroups(checked: CheckedRepo, wanted: readonly string[] | undefined, diagnostics: Diagnostic[]) {
  const all = [...checked.groups.values()].sort((a, b) => cmp(a.group, b.group));
  if (!wanted) return all;
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
  return all.filter((g) => wanted.includes(g.group));
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

/** The same finding reached twice (e.g. one template shared by two groups) is reported once. */
function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.code}|${d.file ?? ''}|${d.revision ?? ''}|${d.line ?? 0}|${d.column ?? 0}|${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
