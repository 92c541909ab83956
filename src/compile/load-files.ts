/**
 * Pipeline stage *load* (docs/architecture.md §3): every config file parsed, with positions, and
 * checked against its schema — or its record taken from the memo (memo.ts), keyed by the file's
 * blob id, in which case the file is parsed only if a later stage needs its data or a position.
 */
import { gitBlobId } from '../load/blob-id.js';
import { GROUP_OBJECT_KINDS, SHARED_FOLDER, classifyPath, includeName, isGroupObject } from '../load/layout.js';
import { parseRepo } from '../load/repo.js';
import type { ParsedRepo } from '../load/repo.js';
import type { InputFile, SourceFile, SourceTree } from '../load/source-file.js';
import { parseYamlFile } from '../load/yaml-file.js';
import type { YamlFile } from '../load/yaml-file.js';
import type { RepoConfig } from '../model/config.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { groupEntry, groupObjectEntry, overlayEntry, prepareFile, templateEntry } from '../validate/entries.js';
import type { AdoptEntry, CheckedRepo, FileKind, FileRecord, GroupObjectEntries, GroupEntry, OverlayEntry, SharedObjectEntries, TemplateEntry } from '../validate/entries.js';
import { withIncludes } from '../validate/includes.js';
import { fileKey, sourceOf } from './memo.js';
import type { CompileMemo } from './memo.js';

/**
 * A config file as compile holds it: its source, kind, record and memo key, and the parsed file,
 * parsed only when its data, text or positions are first used (a record from the memo leaves it
 * unparsed: to merge a service that changed, or to place a new finding, it is parsed then, its
 * bytes read through the memo if it came without them).
 */
export class CompileFile implements YamlFile {
  readonly path: string;
  declare readonly revision?: string;
  #parsed: YamlFile | null;

  constructor(
    readonly source: InputFile,
    readonly kind: FileKind,
    readonly key: string | null,
    public record: FileRecord,
    parsed: YamlFile | null,
    private readonly files: CompileFiles,
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

/** The compile file behind a parsed file of this run. */
export function compiled(file: YamlFile): CompileFile {
  return file as CompileFile;
}

/**
 * The files one run of compile looked at (parsed or not: where the texts of code frames come
 * from), and how it gets their records, bytes and blob ids: through the memo, the one seam (a file
 * given without bytes is read by the memo, never by compile).
 */
export class CompileFiles {
  readonly looked: InputFile[] = [];
  readonly #ids = new Map<InputFile, string>();
  constructor(readonly memo: CompileMemo | null) {}

  /** The file's record (parse and schema findings) from the memo, or made now and saved there. */
  prepare(source: InputFile, kind: FileKind): { readonly file: CompileFile | null; readonly diagnostics: readonly Diagnostic[] } {
    this.looked.push(source);
    const memo = this.memo;
    const key = memo ? fileKey(kind, source.path, source.revision, this.blobId(source)) : null;
    const known = key ? memo!.file(key) : undefined;
    let file: CompileFile | null = null;
    let record: FileRecord;
    if (known === undefined) {
      const fresh = prepareFile(this.source(source), kind);
      record = fresh.record;
      if (fresh.file) file = new CompileFile(source, kind, key, record, fresh.file, this);
      if (key) memo!.saveFile(key, record);
    } else {
      record = known;
      if (record.parsed) file = new CompileFile(source, kind, key, record, null, this);
    }
    return { file, diagnostics: record.diagnostics };
  }

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

  /** Whether two files hold the same bytes. */
  same(a: InputFile, b: InputFile): boolean {
    if (a.oid !== undefined && b.oid !== undefined) return a.oid === b.oid;
    const x = this.source(a).bytes;
    return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(this.source(b).bytes);
  }
}

/** The repository's files as parsed (`parsed`) and, of those that passed their schema, typed (`checked`). */
export interface LoadedRepo {
  readonly parsed: ParsedRepo<CompileFile>;
  readonly checked: CheckedRepo;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Parses and schema-checks every file of `tree` (records from the memo where it holds them). The
 * typed entries read their file's data only when used.
 */
export function loadFiles(tree: SourceTree, files: CompileFiles): LoadedRepo {
  const { repo: parsed, diagnostics } = parseRepo(tree, (source, kind) => files.prepare(source, kind));
  const valid = (file: CompileFile) => file.record.valid;

  let config: RepoConfig = {};
  if (parsed.config && valid(parsed.config)) config = parsed.config.data as RepoConfig;
  const templates = new Map<string, TemplateEntry>();
  for (const [service, file] of parsed.templates) if (valid(file)) templates.set(service, templateEntry(service, file, null));
  const groups = new Map<string, GroupEntry>();
  for (const [group, file] of parsed.groups) if (valid(file)) groups.set(group, groupEntry(group, file));
  for (const group of parsed.groupFolders) {
    if (parsed.groupFiles.has(group)) continue; // present but unparsable: already reported
    const firstOverlay = [...(parsed.overlays.get(group)?.values() ?? [])][0];
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
  for (const [group, byService] of parsed.overlays) {
    for (const [service, file] of byService) {
      rawOverlays.push({ group, service, file });
      if (!valid(file)) continue;
      let m = overlays.get(group);
      if (!m) overlays.set(group, (m = new Map()));
      m.set(service, overlayEntry(group, service, file));
    }
  }
  const adoptions = new Map<string, AdoptEntry>();
  for (const [group, file] of parsed.adoptions) {
    if (valid(file)) adoptions.set(group, { group, file, spec: file.data as AdoptEntry['spec'] });
  }
  const byGroup = (files: ReadonlyMap<string, ReadonlyMap<string, CompileFile>>) =>
    new Map([...files].map(([group, byName]) => [group, new Map([...byName].filter(([, f]) => valid(f)).map(([name, f]) => [name, groupObjectEntry(group, name, f)]))]));
  const own = Object.fromEntries(GROUP_OBJECT_KINDS.map((kind) => [kind, byGroup(parsed.groupObjects[kind])])) as unknown as GroupObjectEntries;
  const shared = Object.fromEntries(
    GROUP_OBJECT_KINDS.map((kind) => [kind, new Map([...parsed.shared[kind]].filter(([, f]) => valid(f)).map(([name, f]) => [name, groupObjectEntry(SHARED_FOLDER, name, f)]))]),
  ) as unknown as SharedObjectEntries;
  const groupObjects = withIncludes(own, shared, groups);
  const templateFiles = new Set<string>();
  const sharedFiles = new Set<string>();
  for (const path of [...tree.files.map((f) => f.path), ...tree.problems.map((d) => d.file)]) {
    const role = path === undefined ? null : classifyPath(path);
    if (role?.kind === 'template') templateFiles.add(role.service);
    else if (role !== null && isGroupObject(role) && 'shared' in role) sharedFiles.add(includeName(role.kind, role.name));
  }
  return { parsed, checked: { config, templates, groups, overlays, adoptions, groupObjects, shared, rawOverlays, templateFiles, sharedFiles }, diagnostics };
}
