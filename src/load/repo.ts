import type { Diagnostic } from '../model/diagnostic.js';
import { cmp } from '../model/diagnostic.js';
import { classifyPath } from './layout.js';
import type { InputFile, SourceFile, SourceTree } from './source-file.js';
import { parseYamlFile } from './yaml-file.js';
import type { YamlFile } from './yaml-file.js';

const NAME = /^[a-z0-9]([a-z0-9-]{0,29}[a-z0-9])?$/;
/** A consumer's username as APISIX takes it (`schema_def.lua` `consumer`), up to 64 characters. */
const USERNAME = /^[a-zA-Z0-9_-]{1,64}$/;

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
  /** group → username → consumer. */
  readonly consumers: ReadonlyMap<string, ReadonlyMap<string, F>>;
  /** group → name → consumer group. */
  readonly consumerGroups: ReadonlyMap<string, ReadonlyMap<string, F>>;
  /** Group folders seen (also those without a readable group.yaml). */
  readonly groupFolders: readonly string[];
  /** Groups whose folder has a group.yaml, parsed or not. */
  readonly groupFiles: ReadonlySet<string>;
}

/** Parses one file of a role: the result (null when it did not parse) and the findings. */
export type ParseFile<F, S extends InputFile = SourceFile> = (source: S, kind: 'config' | 'template' | 'group' | 'overlay' | 'consumer' | 'consumer-group') => {
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
  const consumers = new Map<string, Map<string, F>>();
  const consumerGroups = new Map<string, Map<string, F>>();
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
    const names =
      role.kind === 'template'
        ? [role.service]
        : role.kind === 'overlay'
          ? [role.group, role.service]
          : role.kind === 'consumer-group'
            ? [role.group, role.name]
            : role.kind === 'group' || role.kind === 'consumer'
              ? [role.group]
              : [];
    const badUsername = role.kind === 'consumer' && !USERNAME.test(role.username) ? role.username : undefined;
    if (badUsername !== undefined) {
      diagnostics.push({
        code: 'TW1012',
        severity: 'error',
        message: `${JSON.stringify(badUsername)} in ${source.path} is not a valid consumer username`,
        file: source.path,
        line: 1,
        column: 1,
        hint: 'A consumer file is named after its username: 1-64 characters of letters, digits, _ and - (APISIX usernames). Rename it.',
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
    if (role.kind !== 'template' && role.kind !== 'config') groupFolders.add(role.group);
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
      case 'overlay': {
        let byService = overlays.get(role.group);
        if (!byService) overlays.set(role.group, (byService = new Map()));
        byService.set(role.service, parsed.file);
        break;
      }
      case 'consumer':
        inGroup(consumers, role.group).set(role.username, parsed.file);
        break;
      case 'consumer-group':
        inGroup(consumerGroups, role.group).set(role.name, parsed.file);
        break;
    }
  }
  return {
    repo: { config, templates, groups, overlays, consumers, consumerGroups, groupFolders: [...groupFolders].sort(cmp), groupFiles },
    diagnostics,
  };
}

/** The map of `group` in `byGroup`, made when missing. */
function inGroup<F>(byGroup: Map<string, Map<string, F>>, group: string): Map<string, F> {
  let m = byGroup.get(group);
  if (!m) byGroup.set(group, (m = new Map()));
  return m;
}
