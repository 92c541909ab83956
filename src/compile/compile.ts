/**
 * The compile pipeline (docs/architecture.md §3), a pure function of its input:
 *
 *   load      every file parsed and checked against its schema          load-files.ts
 *   resolve   the selected groups, pins → tags → templates at tags      resolve.ts
 *   merge     template ⊕ overlay, per unit (a service as a group runs it) service-unit.ts
 *   validate  the semantic rules: per unit, per file, then the repo    rules.ts
 *   emit      APISIX objects per unit, checked by APISIX's rules         assemble.ts
 *   snapshot  each group's snapshot from its units' rendered objects    assemble.ts, snapshot.ts
 *
 * and the findings that concern the selection, sorted (findings.ts).
 *
 * The memo (memo.ts) is the one seam with the incremental build: a result found in it under its
 * key — a file's record, a unit's record — is used instead of being computed, and what is
 * computed is kept there; a file given without its bytes is read through it. The output is the
 * same with or without one.
 */
import { BUNDLED_PLUGINS } from '../apisix/validator/index.js';
import { scopeTree } from '../load/scope.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { cmp, hasErrors } from '../model/diagnostic.js';
import { EVERY_GROUP } from '../model/selection.js';
import type { RuleContext } from '../validate/rules/index.js';
import { assembleGroups, emitSlot } from './assemble.js';
import { emitGroupObjects } from './emit-group-objects.js';
import { relevantTo, sortUnique, sourcesOf } from './findings.js';
import type { CompileInput, CompileResult, ServiceOutput } from './input.js';
import { CompileFiles, loadFiles } from './load-files.js';
import type { CompileMemo } from './memo.js';
import { pluginSetKey, secretManagersKey } from './memo.js';
import { partInput, partsByService } from './parts.js';
import { pickGroups, resolveUnits, tagsByService } from './resolve.js';
import { checkFiles, checkRepo, checkServices } from './rules.js';
import { unitSlots } from './service-unit.js';
import type { UnitSlot } from './service-unit.js';
import type { GroupEntry } from '../validate/entries.js';

export type { CompileInput, CompileResult, ServiceOutput } from './input.js';
export { templatesNeeded, tagsByService } from './resolve.js';
export { servicesInput } from './parts.js';

/**
 * Validates and compiles the config repository into one snapshot per selected gateway group.
 * Pure: the only I/O it can cause is a read of a file given without bytes, through the memo its
 * caller gave it.
 */
export function compile(input: CompileInput): CompileResult {
  return run(input, null, 'compile');
}

/**
 * A compile of a few services only, for putting them into a compile of the whole repository
 * made before (src/incremental/splice.ts). `input` holds those services' files and tags (plus the
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
 * threads run this on parts of a repository (src/incremental/prefetch.ts). `afterChunk` is called after
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

/**
 * Services prepared at a time. Small enough that what a chunk parses and renders is garbage
 * before the collector moves it out of the young generation, which copies what outlives a
 * collection or two (docs/performance.md, "Threads").
 */
const PREFILL_CHUNK = 32;

/**
 * The pipeline. `only`: the only services to compute (sorted), null for every one. `mode`: a
 * whole compile, a prefill (`prefillMemo`: the services' records, nothing reported) or a compile
 * of those services alone (`compileServices`).
 */
function run(input: CompileInput, only: readonly string[] | null, mode: 'compile' | 'prefill' | 'only'): CompileResult {
  const draft = input.draft === true;
  const render = input.snapshots !== false;
  const selection = input.selection ?? EVERY_GROUP;
  const memo = input.memo ?? null;
  const files = new CompileFiles(memo);
  const diagnostics: Diagnostic[] = [];

  // load: the files of the selection, parsed and schema-checked (or their records, from the memo).
  const tree = scopeTree(input.tree, selection);
  const loaded = loadFiles(tree, files);
  diagnostics.push(...loaded.diagnostics);
  const { checked } = loaded;

  // resolve: the selected groups, their pins to tags, the templates at those tags; a unit per
  // published service of a group, with the record the memo holds for it.
  const selected = pickGroups(checked, selection, diagnostics);
  const byService = tagsByService(input.tags);
  const treeFiles = new Map(tree.files.map((f) => [f.path, f]));
  const resolved = resolveUnits(input, loaded, selected, only, { files, treeFiles, byService }, diagnostics);
  const plugins = new Set([...BUNDLED_PLUGINS, ...(checked.config.plugins ?? [])]);
  const pluginsKey = pluginSetKey(checked.config.plugins ?? []);
  const groups = new Map<GroupEntry, UnitSlot[]>();
  for (const [group, units] of resolved.groups) {
    const managers = secretManagersKey(checked.groupObjects['secret-manager'].get(group.group)?.keys() ?? []);
    groups.set(group, unitSlots(units, files, pluginsKey, managers));
  }
  const slots = [...groups.values()].flat();

  // merge + validate: each unit merged and checked by the `service` rules, each file by the
  // `file` rules — unless the memo knows their findings.
  const ctx: RuleContext = {
    repo: checked,
    templates: resolved.templates,
    tags: input.tags,
    tagsByService: byService,
    resolved: [],
    referencing: [],
    plugins,
    draft,
    ...(input.clone ? { clone: input.clone } : {}),
    ...(input.now !== undefined ? { now: input.now } : {}),
  };
  diagnostics.push(...checkServices(slots, ctx, memo));
  diagnostics.push(...checkFiles(ctx, resolved.templates, checked, pluginsKey, memo));

  if (mode === 'prefill') {
    // emit: every unit's objects, kept in the memo whether or not the repository has errors.
    for (const slot of slots) emitSlot(slot, plugins, render, memo);
    return { diagnostics: [], snapshots: [], sources: new Map() };
  }

  // validate: the `repo` rules and route conflicts (of these services alone, with `only`).
  const repo = checkRepo(ctx, groups, mode === 'only' ? new Set(only) : null, memo);
  diagnostics.push(...repo.diagnostics);
  const ruledSelected = repo.ruled === checked ? selected : selected.map((g) => repo.ruled.groups.get(g.group)!);
  const relevant = relevantTo(selection, ruledSelected, { draft, byService, treeFiles, templatesAtTags: input.templatesAtTags, files });

  // emit + snapshot. APISIX's own checks are the last line of defence: they run once the files are
  // free of errors (which already explain, better placed, most of what APISIX would reject).
  // Nothing is emitted otherwise: a compile with errors has no snapshots.
  const outputs = input.outputs === true;
  const assembled = hasErrors(diagnostics.filter(relevant))
    ? null
    : assembleGroups(groups, {
        plugins,
        render,
        memo,
        commit: input.commit,
        draft,
        files: input.files !== false,
        outputs,
        pieces: mode === 'only',
        groupObjects: (g, renderGroup) => emitGroupObjects(g.group, checked.groupObjects, plugins, renderGroup),
        adoption: (g) => checked.adoptions.get(g.group),
      });
  if (assembled) diagnostics.push(...assembled.diagnostics);

  const sorted = sortUnique(diagnostics).filter(relevant);
  const failed = hasErrors(sorted);
  const outputsKept = (mode === 'only' ? sorted.length > 0 : failed) ? new Map() : (assembled?.outputs ?? new Map());
  const made = !failed && assembled !== null;
  return {
    diagnostics: sorted,
    snapshots: made ? assembled.snapshots : [],
    sources: sourcesOf(sorted, files),
    ...(made && input.files !== false ? { files: assembled.files } : {}),
    ...(outputs ? { outputs: outputsKept } : {}),
  };
}
