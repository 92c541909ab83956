import type { Diagnostic } from '../model/diagnostic.js';
import { cmp } from '../model/diagnostic.js';
import type { GroupObjectKind } from '../model/config.js';
import { GROUP_OBJECT_FILES, GROUP_OBJECT_KINDS, NAME, classifyPath, isGroupObject, type FileKind } from './layout.js';
import type { InputFile, SourceFile, SourceTree } from './source-file.js';
import { parseYamlFile } from './yaml-file.js';
import type { YamlFile } from './yaml-file.js';

/** Per group-level kind: group → name → its file. */
export type GroupObjectFileMaps<F> = { readonly [K in GroupObjectKind]: ReadonlyMap<string, ReadonlyMap<string, F>> };

/** Per group-level kind: name → its shared file (`gateway-groups/_shared/<folder>/<name>.yaml`). */
export type SharedFileMaps<F> = { readonly [K in GroupObjectKind]: ReadonlyMap<string, F> };

/**
 * The config repository's YAML files, parsed and sorted into their roles. `F` is what parsing a
 * file gives (a `YamlFile`, or more: see `parseRepo`).
 */
export interface ParsedRepo<F = YamlFile> {
  readonly config: F | null;
  /** service → its template. */
  readonly templates: ReadonlyMap<string, F>;
  /** group → its group.yaml. */
  readonly groups: ReadonlyMap<string, F>;
  /** group → service → overlay. */
  readonly overlays: ReadonlyMap<string, ReadonlyMap<string, F>>;
  /** group → its adoption record (`adopt.yaml`). */
  readonly adoptions: ReadonlyMap<string, F>;
  /** Per group-level kind (consumers, consumer groups, …): group → name → file. */
  readonly groupObjects: GroupObjectFileMaps<F>;
  /** Per group-level kind: name → the shared file the groups that list it in `include` hold. */
  readonly shared: SharedFileMaps<F>;
  /** Group folders seen (also those without a readable group.yaml). */
  readonly groupFolders: readonly string[];
  /** Groups whose folder has a group.yaml, parsed or not. */
  readonly groupFiles: ReadonlySet<string>;
}

/** Parses one file of a role: the result (null when it did not parse) and the findings. */
export type ParseFile<F, S extends InputFile = SourceFile> = (source: S, kind: FileKind) => {
  readonly file: F | null;
  readonly diagnostics: readonly Diagnostic[];
};

const parseYaml: ParseFile<YamlFile> = (source) => {
  const parsed = parseYamlFile(source);
  return parsed.ok ? { file: parsed.file, diagnostics: [] } : { file: null, diagnostics: parsed.diagnostics };
};

/**
 * Parses every config file of a source tree with `parse` (default: YAML only, of files read
 * whole). Files are handled in path order, so the result and its diagnostics do not depend on the
 * order the reader listed them in. Never throws.
 */
export function parseRepo(tree: SourceTree<SourceFile>): { repo: ParsedRepo; diagnostics: Diagnostic[] };
export function parseRepo<F, S extends InputFile>(tree: SourceTree<S>, parse: ParseFile<F, S>): { repo: ParsedRepo<F>; diagnostics: Diagnostic[] };
export function parseRepo<F, S extends InputFile>(tree: SourceTree<S>, parse?: ParseFile<F, S>): { repo: ParsedRepo<F>; diagnostics: Diagnostic[] } {
  const parseFile = parse ?? (parseYaml as unknown as ParseFile<F, S>);
  const diagnostics: Diagnostic[] = [...tree.problems];
  let config: F | null = null;
  const templates = new Map<string, F>();
  const groups = new Map<string, F>();
  const overlays = new Map<string, Map<string, F>>();
  const adoptions = new Map<string, F>();
  const groupObjects = Object.fromEntries(GROUP_OBJECT_KINDS.map((kind) => [kind, new Map<string, Map<string, F>>()])) as {
    [K in GroupObjectKind]: Map<string, Map<string, F>>;
  };
  const shared = Object.fromEntries(GROUP_OBJECT_KINDS.map((kind) => [kind, new Map<string, F>()])) as { [K in GroupObjectKind]: Map<string, F> };
  const groupFolders = new Set<string>();
  const groupFiles = new Set<string>();

  const files = [...tree.files].sort((a, b) => cmp(a.path, b.path));
  for (const source of files) {
    const role = classifyPath(source.path);
    if (role.kind === 'other') continue;
    if (role.kind === 'stray') {
      diagnostics.push({
        code: 'TW1011',
        severity: 'warning',
        message: `${source.path} is not read by tagway`,
        file: source.path,
        line: 1,
        column: 1,
        hint: `Config files live at ${role.expected}.`,
        related: [],
      });
      continue;
    }
    const names = role.kind === 'template' ? [role.service] : role.kind === 'overlay' ? [role.group, role.service] : 'group' in role ? [role.group] : [];
    if (isGroupObject(role) && !GROUP_OBJECT_FILES[role.kind].name.test(role.name)) {
      const files = GROUP_OBJECT_FILES[role.kind];
      diagnostics.push({
        code: 'TW1012',
        severity: 'error',
        message: `${JSON.stringify(role.name)} in ${source.path} is not a valid ${files.nameIs}`,
        file: source.path,
        line: 1,
        column: 1,
        hint: `A file of ${files.folder}/ is named after its object: ${files.nameRule}. Rename it.`,
        related: [],
      });
      continue;
    }
    const badName = names.find((n) => !NAME.test(n));
    if (badName !== undefined) {
      diagnostics.push({
        code: 'TW1012',
        severity: 'error',
        message: `${JSON.stringify(badName)} in ${source.path} is not a valid name`,
        file: source.path,
        line: 1,
        column: 1,
        hint: 'Folder and file names of services and groups are 1-31 characters of a-z, 0-9 and -, starting and ending with a letter or digit. Rename it.',
        related: [],
      });
      continue;
    }
    if ('group' in role) groupFolders.add(role.group);
    if (role.kind === 'group') groupFiles.add(role.group);
    const parsed = parseFile(source, role.kind);
    diagnostics.push(...parsed.diagnostics);
    if (parsed.file === null) continue;
    switch (role.kind) {
      case 'config':
        config = parsed.file;
        break;
      case 'template':
        templates.set(role.service, parsed.file);
        break;
      case 'group':
        groups.set(role.group, parsed.file);
        break;
      case 'adopt':
        adoptions.set(role.group, parsed.file);
        break;
      case 'overlay': {
        let byService = overlays.get(role.group);
        if (!byService) overlays.set(role.group, (byService = new Map()));
        byService.set(role.service, parsed.file);
        break;
      }
      default:
        if ('shared' in role) shared[role.kind].set(role.name, parsed.file);
        else inGroup(groupObjects[role.kind], role.group).set(role.name, parsed.file);
    }
  }
  return {
    repo: { config, templates, groups, overlays, adoptions, groupObjects, shared, groupFolders: [...groupFolders].sort(cmp), groupFiles },
    diagnostics,
  };
}

/** The map of `group` in `byGroup`, made when missing. */
function inGroup<F>(byGroup: Map<string, Map<string, F>>, group: string): Map<string, F> {
  let m = byGroup.get(group);
  if (!m) byGroup.set(group, (m = new Map()));
  return m;
}
