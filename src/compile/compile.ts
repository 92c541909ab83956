import { resolvePin } from '../core/pins.js';
import { gitBlobId } from '../load/blob-id.js';
import { classifyPath, templatePath } from '../load/layout.js';
import { REPO_CONFIG_FILE } from '../load/source-file.js';
import { parseRepo } from '../load/repo.js';
import type { InputFile, SourceFile, SourceTree } from '../load/source-file.js';
import { joinPointer, parseYamlFile, sourceText } from '../load/yaml-file.js';
import type { YamlFile } from '../load/yaml-file.js';
import type { CloneGaps } from '../model/clone.js';
import type { RepoConfig } from '../model/config.js';
import type { Diagnostic, RelatedLocation } from '../model/diagnostic.js';
import { cmp, compareDiagnostics, hasErrors, sourceKey } from '../model/diagnostic.js';
import type { ServiceProvenance, Snapshot } from '../model/snapshot.js';
import { EVERY_GROUP, selects } from '../model/selection.js';
import { scopeTree } from '../load/scope.js';
import type { Selection } from '../model/selection.js';
import { BUNDLED_PLUGINS } from '../apisix/validator/index.js';
import { groupEntry, overlayEntry, prepareFile, templateEntry } from '../validate/entries.js';
import type { CheckedRepo, FileKind, FileRecord, GroupEntry, OverlayEntry, TemplateEntry } from '../validate/entries.js';
import { RULES } from '../validate/rules/index.js';
import type { RuleContext } from '../validate/rules/index.js';
import { findRouteConflicts, routeConflicts } from '../validate/rules/route-conflicts.js';
import type { RouteClaim } from '../validate/rules/route-conflicts.js';
import { canonicalJson } from '../core/canonical.js';
import { fileKey, pluginSetKey, sourceOf, unitKey } from './memo.js';
import type { CompileMemo, UnitRecord } from './memo.js';
import { checkUnit, emitUnit, mergeUnit } from './service-unit.js';
import type { Unit } from './service-unit.js';
import { assembleSnapshot } from './snapshot.js';
import type { RenderedPiece } from './snapshot.js';
import type { VersionTag } from '../model/version.js';

/**
 * Everything a compile depends on, read beforehand by the caller (src/app): compile itself does
 * no I/O and reads no clock or environment, so the same input gives byte-identical output.
 */
export interface CompileInput {
  /**
   * The worktree's (or a revision's) config files. A file may come without its bytes only with a
   * memo, which compile asks for them when it needs them (see memo.ts).
   */
  readonly tree: SourceTree;
  /** Every version tag of the repository. */
  readonly tags: readonly VersionTag[];
  /** `services/<s>/service.yaml` as committed at each tag that a pin resolves to (see `templatesNeeded`). */
  readonly templatesAtTags: ReadonlyMap<string, InputFile>;
  /** Commit the tree was read at; null for the worktree. Recorded in provenance. */
  readonly commit: string | null;
  /** Compile the worktree templates instead of the published versions (marks snapshots as drafts). */
  readonly draft?: boolean;
  /**
   * Which groups are compiled and whose findings count (default: every group, the findings of the
   * files they are compiled from). The overlays of other groups are not read (`scopeTree`); a
   * tree that holds the overlays of some groups only (`SourceTree.overlaysOf`) serves a selection
   * of those groups only: anything else is an error.
   */
  readonly selection?: Selection;
  /**
   * Results of earlier work to use instead of doing it again, and where compile keeps what it
   * computes (memo.ts). The output is the same with or without one.
   */
  readonly memo?: CompileMemo;
  /**
   * The caller will write the snapshots' files (default true). False (validate, diff, sync) lets
   * the rendered pieces go as soon as the snapshots are put together; the files can still be
   * rendered, from the objects.
   */
  readonly files?: boolean;
  /**
   * False: only the findings are wanted (validate). Objects are emitted and checked by APISIX's
   * rules but not rendered, and no snapshot is put together (`snapshots` is empty). Default true.
   */
  readonly snapshots?: boolean;
  /**
   * Also give, per group, what each service put into its snapshot (`CompileResult.outputs`): what
   * the build keeps to splice a later compile from this one (src/build/result-record.ts).
   */
  readonly outputs?: boolean;
  /**
   * What the clone lacks that this configuration may need (read by the caller); absent: nothing.
   * A pin whose tag or template is missing from the clone is reported as that (TW1016, TW3018):
   * the clone is to be completed, the configuration may be right.
   */
  readonly clone?: CloneGaps;
}

export interface CompileResult {
  /** All findings, sorted by file, line, column. */
  readonly diagnostics: readonly Diagnostic[];
  /** One snapshot per selected group, sorted by group name; empty when any error was found. */
  readonly snapshots: readonly Snapshot[];
  /** Text of every parsed file a finding points at, by `sourceKey(path, revision)`, for code frames. */
  readonly sources: ReadonlyMap<string, string>;
  /**
   * Per snapshot's group, what each service put into it, in service order: when asked for
   * (`CompileInput.outputs`) and snapshots were put together from rendered pieces.
   */
  readonly outputs?: ReadonlyMap<string, readonly ServiceOutput[]>;
}


/**
 * The tags whose template the caller must read for `compile` (pins resolved against `tags`);
 * with `services`, for those services' pins only.
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

/**
 * A config file as compile holds it: its source, kind, record and memo key, and the parsed file,
 * parsed only when its data, text or positions are first used (a record from the memo leaves it
 * unparsed: to merge a service that changed, or to place a new finding, it is parsed then, its
 * bytes read through the memo if it came without them).
 */
class CompileFile implements YamlFile {
  readonly path: string;
  declare readonly revision?: string;
  #parsed: YamlFile | null;

  constructor(
    readonly source: InputFile,
    readonly kind: FileKind,
    readonly key: string | null,
    public record: FileRecord,
    parsed: YamlFile | null,
    private readonly files: RunFiles,
  ) {
    this.path = source.path;
    if (source.revision !== undefined) (this as { revision?: string }).revision = source.revision;
    this.#parsed = parsed;
  }

  get text(): string {
    return this.#file().text;
  }

  get data(): unknown {
    return this.record.data !== undefined ? this.record.data : this.#file().data;
  }

  locate(pointer: string, options?: { readonly key?: boolean }): ReturnType<YamlFile['locate']> {
    return this.#file().locate(pointer, options);
  }

  #file(): YamlFile {
    if (this.#parsed === null) {
      const parsed = parseYamlFile(this.files.source(this.source));
      if (!parsed.ok) throw new Error(`${this.path} no longer parses as it did when it was recorded; it may have changed while tagway read it`);
      this.#parsed = parsed.file;
    }
    return this.#parsed;
  }
}

/**
 * Validates and compiles the config repository into one snapshot per gateway group. Pure.
 *
 * Work is organised so that it can be reused (see memo.ts): per file (parse, schema, `file`
 * rules), per published service of a group (merge, `service` rules, route claims, emitted and
 * rendered objects), and the rest, which is cheap, every time (pins, `repo` rules, route
 * conflicts from the claims, assembling the snapshots).
 */
export function compile(input: CompileInput): CompileResult {
  return run(input, null, 'compile');
}

/** What one published service put into a group's snapshot. */
export interface ServiceOutput {
  readonly provenance: ServiceProvenance;
  readonly pieces: readonly RenderedPiece[];
  readonly claims: readonly RouteClaim[];
}

/**
 * A compile of a few services only, for putting them into a compile of the whole repository
 * made before (src/build/splice.ts). `input` holds those services' files and tags (plus the
 * groups' files and tagway.yaml); every rule runs as in a compile, but on those services alone:
 * the pins and locks of other services are not looked at, and route conflicts are found among
 * these services only (the caller compares their claims with the others'). `outputs` holds, per
 * selected group, what each of these services it publishes puts into its snapshot; it is empty
 * when any relevant finding was made.
 */
export function compileServices(
  input: CompileInput,
  services: readonly string[],
): CompileResult & { readonly outputs: ReadonlyMap<string, readonly ServiceOutput[]> } {
  const result = run({ ...input, outputs: true }, [...services].sort(cmp), 'only');
  return { ...result, outputs: result.outputs ?? new Map() };
}

/**
 * Fills `input.memo` with everything compile will need for the services in `services` (their
 * files' records and their units, emitted whether or not the repository has errors), and
 * nothing else. `input` may hold only those services' files (and the groups' files): the memo's
 * keys make whatever is computed here valid for a compile of the whole repository. Worker
 * threads run this on parts of a repository (src/build/prefetch.ts). `afterChunk` is called after
 * each few dozen services (a worker sends their records on from there).
 */
export function prefillMemo(input: CompileInput & { readonly memo: CompileMemo }, services: Iterable<string>, afterChunk?: () => void): void {
  // A few dozen services at a time: their parsed files can be dropped before the next ones are
  // parsed, which keeps the heap (and the garbage collector's work) small.
  const all = [...services].sort(cmp);
  const parts = partsByService(input);
  for (let i = 0; i < all.length; i += PREFILL_CHUNK) {
    const chunk = all.slice(i, i + PREFILL_CHUNK);
    const files = [...parts.shared, ...chunk.flatMap((s) => parts.files.get(s) ?? [])];
    const tags = chunk.flatMap((s) => parts.tags.get(s) ?? []);
    run({ ...partInput(input, files, tags), memo: input.memo }, chunk, 'prefill');
    afterChunk?.();
  }
}

/** The input's files and tags by service, and the files every service needs (group.yaml, tagway.yaml). */
function partsByService(input: CompileInput): { shared: InputFile[]; files: Map<string, InputFile[]>; tags: Map<string, VersionTag[]> } {
  const shared: InputFile[] = [];
  const files = new Map<string, InputFile[]>();
  for (const source of input.tree.files) {
    const role = classifyPath(source.path);
    if (role.kind === 'group' || role.kind === 'config') shared.push(source);
    else if (role.kind === 'template' || role.kind === 'overlay') {
      let list = files.get(role.service);
      if (!list) files.set(role.service, (list = []));
      list.push(source);
    }
  }
  const tags = new Map<string, VersionTag[]>();
  for (const tag of input.tags) {
    let list = tags.get(tag.service);
    if (!list) tags.set(tag.service, (list = []));
    list.push(tag);
  }
  return { shared, files, tags };
}

/**
 * Services prepared at a time. Small enough that what a chunk parses and renders is garbage
 * before the collector moves it out of the young generation: at 10,000 services, chunks of 32
 * spent ≈0.45 s collecting garbage where chunks of 256 spent ≈0.65 s (`--trace-gc`).
 */
const PREFILL_CHUNK = 32;

/** The part of `input` that the given services need: their files, the groups' files and tagway.yaml. */
export function servicesInput(input: CompileInput, services: ReadonlySet<string>): CompileInput {
  const files = input.tree.files.filter((source) => {
    const role = classifyPath(source.path);
    return role.kind === 'group' || role.kind === 'config' || ((role.kind === 'template' || role.kind === 'overlay') && services.has(role.service));
  });
  return partInput(
    input,
    files,
    input.tags.filter((t) => services.has(t.service)),
  );
}

/** `input` narrowed to these files and tags (and the templates at those tags), its options kept; no memo. */
function partInput(input: CompileInput, files: InputFile[], tags: VersionTag[]): CompileInput {
  const templatesAtTags = new Map<string, InputFile>();
  for (const tag of tags) {
    const source = input.templatesAtTags.get(tag.tag);
    if (source) templatesAtTags.set(tag.tag, source);
  }
  return {
    tree: { files, problems: [], ...(input.tree.overlaysOf ? { overlaysOf: input.tree.overlaysOf } : {}) },
    tags,
    templatesAtTags,
    commit: input.commit,
    ...(input.draft ? { draft: true } : {}),
    ...(input.selection ? { selection: input.selection } : {}),
    ...(input.snapshots === false ? { snapshots: false } : {}),
    ...(input.clone ? { clone: input.clone } : {}),
  };
}

/**
 * `only`: the only services to compute (sorted), null for every one. `mode`: a whole compile, a
 * prefill (`prefillMemo`: the services' records, nothing reported) or a compile of those
 * services alone (`compileServices`).
 */
function run(
  input: CompileInput,
  only: readonly string[] | null,
  mode: 'compile' | 'prefill' | 'only',
): CompileResult & { outputs?: Map<string, ServiceOutput[]> } {
  const draft = input.draft === true;
  const selection = input.selection ?? EVERY_GROUP;
  const tree = scopeTree(input.tree, selection);
  const render = input.snapshots !== false;
  const memo = input.memo ?? null;
  const diagnostics: Diagnostic[] = [];
  const files = new RunFiles(memo);

  const prepare = (source: InputFile, kind: FileKind): { file: CompileFile | null; diagnostics: readonly Diagnostic[] } => {
    files.looked.push(source);
    const key = memo ? fileKey(kind, source.path, source.revision, files.blobId(source)) : null;
    const known = key ? memo!.file(key) : undefined;
    let file: CompileFile | null = null;
    let record: FileRecord;
    if (known === undefined) {
      const fresh = prepareFile(files.source(source), kind);
      record = fresh.record;
      if (fresh.file) file = new CompileFile(source, kind, key, record, fresh.file, files);
      if (key) memo!.saveFile(key, record);
    } else {
      record = known;
      if (record.parsed) file = new CompileFile(source, kind, key, record, null, files);
    }
    return { file, diagnostics: record.diagnostics };
  };
  const recordOf = (file: YamlFile): FileRecord => (file as CompileFile).record;

  const parsed = parseRepo(tree, prepare);
  diagnostics.push(...parsed.diagnostics);

  // The files that passed their schema, typed (their data is read only when used).
  let config: RepoConfig = {};
  if (parsed.repo.config && recordOf(parsed.repo.config).valid) config = parsed.repo.config.data as RepoConfig;
  const templates = new Map<string, TemplateEntry>();
  for (const [service, file] of parsed.repo.templates) if (recordOf(file).valid) templates.set(service, templateEntry(service, file, null));
  const groups = new Map<string, GroupEntry>();
  for (const [group, file] of parsed.repo.groups) if (recordOf(file).valid) groups.set(group, groupEntry(group, file));
  for (const group of parsed.repo.groupFolders) {
    if (parsed.repo.groupFiles.has(group)) continue; // present but unparsable: already reported
    const firstOverlay = [...(parsed.repo.overlays.get(group)?.values() ?? [])][0];
    diagnostics.push({
      code: 'TW1013',
      severity: 'error',
      message: `gateway group folder gateway-groups/${group}/ has no group.yaml`,
      ...(firstOverlay ? { file: firstOverlay.path, line: 1, column: 1 } : {}),
      hint: `Create gateway-groups/${group}/group.yaml with \`name: ${group}\`, or remove the folder.`,
      related: [],
    });
  }
  const overlays = new Map<string, Map<string, OverlayEntry>>();
  const rawOverlays: { group: string; service: string; file: YamlFile }[] = [];
  for (const [group, byService] of parsed.repo.overlays) {
    for (const [service, file] of byService) {
      rawOverlays.push({ group, service, file });
      if (!recordOf(file).valid) continue;
      let m = overlays.get(group);
      if (!m) overlays.set(group, (m = new Map()));
      m.set(service, overlayEntry(group, service, file));
    }
  }
  const templateFiles = new Set<string>();
  for (const path of [...tree.files.map((f) => f.path), ...tree.problems.map((d) => d.file)]) {
    const role = path === undefined ? null : classifyPath(path);
    if (role?.kind === 'template') templateFiles.add(role.service);
  }
  const checked: CheckedRepo = { config, templates, groups, overlays, rawOverlays, templateFiles };

  const selected = pickGroups(checked, selection, diagnostics);
  const byService = tagsByService(input.tags);
  const treeFiles = new Map(tree.files.map((f) => [f.path, f]));
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
      if (same && files.same(same, source) && parsed.repo.templates.get(tag.service)?.path === source.path) {
        const checkedEntry = checked.templates.get(tag.service);
        entry = checkedEntry ? templateEntry(checkedEntry.service, checkedEntry.file, tag) : null;
      } else {
        const result = prepare(source.revision === tag.tag ? source : { ...source, revision: tag.tag }, 'template');
        diagnostics.push(...result.diagnostics);
        if (result.file && recordOf(result.file).valid) entry = templateEntry(tag.service, result.file, tag);
      }
    }
    atTags.set(tag.tag, entry);
    return entry;
  };

  const plugins = new Set([...BUNDLED_PLUGINS, ...(checked.config.plugins ?? [])]);
  const pluginsKey = pluginSetKey(checked.config.plugins ?? []);

  // Every published service of every selected group, in group then service order.
  interface Slot {
    readonly unit: Unit;
    readonly key: string | null;
    record: UnitRecord | null;
    merged: ReturnType<typeof mergeUnit> | null;
  }
  const slots: Slot[] = [];
  const groupSlots = new Map<GroupEntry, Slot[]>();
  for (const group of selected) {
    const list: Slot[] = [];
    groupSlots.set(group, list);
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
      const groupSource = (group.file as CompileFile).source;
      const unit: Unit = { group, groupOid: memo ? files.blobId(groupSource) : '', service, version, template, overlay };
      const key = memo
        ? unitKey({
            group: group.group,
            service,
            version,
            template: { path: template.file.path, revision: template.file.revision, oid: files.blobId((template.file as CompileFile).source) },
            overlay: overlay ? { path: overlay.file.path, oid: files.blobId((overlay.file as CompileFile).source) } : null,
            plugins: pluginsKey,
          })
        : null;
      let record = key ? (memo!.unit(key) ?? null) : null;
      if (record && record.groupFile !== null && record.groupFile !== unit.groupOid) record = null;
      const slot: Slot = { unit, key, record, merged: null };
      slots.push(slot);
      list.push(slot);
    }
  }

  const templateList = uniqueTemplates([...checked.templates.values(), ...[...atTags.values()].filter((t): t is TemplateEntry => t !== null)]);
  const ctx: RuleContext = {
    repo: checked,
    templates: templateList,
    tags: input.tags,
    tagsByService: byService,
    resolved: [],
    plugins,
    draft,
    ...(input.clone ? { clone: input.clone } : {}),
  };

  // `service` rules and route claims: per unit, unless known.
  for (const slot of slots) {
    if (slot.record) continue;
    slot.merged = mergeUnit(slot.unit);
    slot.record = checkUnit(slot.unit, slot.merged, ctx);
    if (slot.key) memo!.saveUnit(slot.key, slot.record);
  }
  for (const slot of slots) diagnostics.push(...slot.record!.findings);

  // `file` rules: on the files whose findings are not known yet, then kept per file.
  diagnostics.push(...checkFiles(ctx, templateList, checked, pluginsKey, memo));

  if (mode === 'prefill') {
    for (const slot of slots) {
      const known = slot.record!.emitted;
      if ((known && (known.pieces !== null || !render)) || !slot.key) continue;
      const emitted = emitUnit(slot.unit, (slot.merged ??= mergeUnit(slot.unit)), plugins, render);
      memo!.saveUnit(slot.key, { ...slot.record!, emitted });
    }
    return { diagnostics: [], snapshots: [], sources: new Map() };
  }

  // A compile of some services only looks at their pins and locks.
  const ruled = mode === 'only' ? onlyServices(checked, new Set(only)) : checked;
  const repoCtx = ruled === checked ? ctx : { ...ctx, repo: ruled };
  for (const rule of RULES) {
    if (rule === routeConflicts) {
      for (const [group, list] of groupSlots) {
        const claiming = list.map((s) => ({ name: s.unit.service, template: s.unit.template, claims: s.record!.claims }));
        diagnostics.push(...findRouteConflicts(group.group, claiming));
      }
    } else if (rule.scope === 'repo') {
      diagnostics.push(...rule.check(repoCtx));
    }
  }

  // APISIX's own checks are the last line of defence: they run once the files are free of errors
  // (which already explain, better placed, most of what APISIX would reject). Nothing is emitted
  // otherwise: a compile with errors has no snapshots.
  const ruledSelected = ruled === checked ? selected : selected.map((g) => ruled.groups.get(g.group)!);
  const relevant = selection.reportAll ? (_d: Diagnostic) => true : relevantTo(input, selection, ruledSelected, byService, treeFiles, draft, files);
  const snapshots: Snapshot[] = [];
  const outputs = new Map<string, ServiceOutput[]>();
  if (!hasErrors(diagnostics.filter(relevant))) {
    for (const [group, list] of groupSlots) {
      const pieces: RenderedPiece[] = [];
      const services: ServiceProvenance[] = [];
      const made: ServiceOutput[] = [];
      for (const slot of list) {
        let emitted = slot.record!.emitted;
        // A record checked by a findings-only compile has no renderings: rendered now if needed.
        if (!emitted || (render && emitted.pieces === null)) {
          emitted = emitUnit(slot.unit, (slot.merged ??= mergeUnit(slot.unit)), plugins, render);
          slot.record = { ...slot.record!, emitted };
          if (slot.key) memo!.saveUnit(slot.key, slot.record);
        }
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
      if (input.outputs === true) outputs.set(group.group, made);
      if (mode === 'only') continue;
      snapshots.push(assembleSnapshot(group.group, services, pieces, { commit: input.commit, draft, ...(input.files === false ? { files: false } : {}) }));
    }
  }

  const sorted = sortUnique(diagnostics).filter(relevant);
  const failed = hasErrors(sorted);
  return {
    diagnostics: sorted,
    snapshots: failed ? [] : snapshots,
    sources: sourcesOf(sorted, files),
    ...(input.outputs === true ? { outputs: (mode === 'only' ? sorted.length > 0 : failed) ? new Map() : outputs } : {}),
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

/**
 * Which findings concern a compile of the selected groups (every group without a selection):
 * those of their own files (group.yaml, overlays; without a selection every file under
 * gateway-groups/, a group whose group.yaml is broken included), of the templates they are
 * compiled from (at the tag, or the tree's file when the tag holds the same bytes, or the tree's
 * in a draft), of tagway.yaml, and those of no file.
 */
function relevantTo(
  input: CompileInput,
  selection: Selection,
  selected: readonly GroupEntry[],
  byService: ReadonlyMap<string, readonly VersionTag[]>,
  treeFiles: ReadonlyMap<string, InputFile>,
  draft: boolean,
  files: RunFiles,
): (d: Diagnostic) => boolean {
  const used = new Set<string>();
  for (const group of selected) {
    for (const [service, pin] of Object.entries(group.spec.published ?? {})) {
      const path = templatePath(service);
      const tree = treeFiles.get(path);
      if (draft) {
        used.add(sourceKey(path, tree?.revision));
        continue;
      }
      const tag = resolvePin(byService.get(service) ?? [], service, pin);
      if (!tag) continue;
      const atTag = input.templatesAtTags.get(tag.tag);
      used.add(tree && atTag && files.same(tree, atTag) ? sourceKey(path, tree.revision) : sourceKey(path, tag.tag));
    }
  }
  return (d) => {
    if (d.file === undefined || d.file === REPO_CONFIG_FILE) return true;
    const group = /^gateway-groups\/([^/]+)\//.exec(d.file)?.[1];
    if (group !== undefined) return selects(selection, group);
    return used.has(sourceKey(d.file, d.revision));
  };
}

/**
 * Runs the `file` rules on the templates and overlays whose findings are not known for this
 * plugin set, records the findings per file, and returns the findings of every file (group files
 * are always checked: they are few, and always read).
 */
function checkFiles(ctx: RuleContext, templates: readonly TemplateEntry[], checked: CheckedRepo, pluginsKey: string, memo: CompileMemo | null): Diagnostic[] {
  const compiled = (file: YamlFile) => file as CompileFile;
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

/** The selected groups that passed their schema, in name order; a selected name that is no such group is reported. */
function pickGroups(checked: CheckedRepo, selection: Selection, diagnostics: Diagnostic[]): GroupEntry[] {
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

/**
 * Sorted (file, line, column, code, message, then the rest, so that the order never depends on
 * the order findings were made in), and the same finding reached twice (e.g. one template shared
 * by two groups) reported once.
 */
function sortUnique(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const whole = new Map<Diagnostic, string>();
  const full = (d: Diagnostic) => {
    let text = whole.get(d);
    if (text === undefined) whole.set(d, (text = canonicalJson(d)));
    return text;
  };
  const sorted = [...diagnostics].sort((a, b) => compareDiagnostics(a, b) || cmp(full(a), full(b)));
  const seen = new Set<string>();
  return sorted.filter((d) => {
    const key = `${d.code}|${d.file ?? ''}|${d.revision ?? ''}|${d.line ?? 0}|${d.column ?? 0}|${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Texts of the files the findings (and their related locations) point at, parsed or not (a YAML
 * syntax error is framed too). Only files the load step read and handed to compile are here: a
 * file it refused (a link out of the repository, a FIFO) has no text, so no frame.
 */
function sourcesOf(diagnostics: readonly Diagnostic[], files: RunFiles): Map<string, string> {
  const wanted = new Set<string>();
  const want = (l: { readonly file?: string; readonly revision?: string }) => {
    if (l.file !== undefined) wanted.add(sourceKey(l.file, l.revision));
  };
  for (const d of diagnostics) {
    want(d);
    d.related.forEach((r: RelatedLocation) => want(r));
  }
  const sources = new Map<string, string>();
  if (wanted.size === 0) return sources;
  for (const file of files.looked) {
    const key = sourceKey(file.path, file.revision);
    if (!wanted.has(key) || sources.has(key)) continue;
    const text = sourceText(files.source(file));
    if (text !== null) sources.set(key, text);
  }
  return sources;
}

/**
 * The files one run looked at (parsed or not: where the texts of code frames come from), and how
 * it gets their bytes (their own, or through the memo: see memo.ts) and blob ids.
 */
class RunFiles {
  readonly looked: InputFile[] = [];
  readonly #ids = new Map<InputFile, string>();
  constructor(readonly memo: CompileMemo | null) {}

  source(file: InputFile): SourceFile {
    return sourceOf(file, this.memo);
  }

  /** The blob id of a file (as git gives it, or computed from its bytes). */
  blobId(file: InputFile): string {
    if (file.oid !== undefined) return file.oid;
    let oid = this.#ids.get(file);
    if (oid === undefined) this.#ids.set(file, (oid = gitBlobId(this.source(file).bytes)));
    return oid;
  }

  same(a: InputFile, b: InputFile): boolean {
    if (a.oid !== undefined && b.oid !== undefined) return a.oid === b.oid;
    const x = this.source(a).bytes;
    return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(this.source(b).bytes);
  }
}
