import type { GroupSpec, RepoConfig, RuntimeOverlay, ServiceTemplate } from '../model/config.js';
import { OVERLAY_KEYS, OVERLAY_UPSTREAM_KEYS, TEMPLATE_KEYS, UPSTREAM_KEYS } from '../model/config.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { VersionTag } from '../git/tags.js';
import type { ParsedRepo } from '../load/repo.js';
import type { YamlFile } from '../load/yaml-file.js';
import { checkSchema } from './schemas.js';

/** A schema-valid service template, from the worktree (`tag: null`) or read at a version tag. */
export interface TemplateEntry {
  readonly service: string;
  readonly file: YamlFile;
  readonly spec: ServiceTemplate;
  readonly tag: VersionTag | null;
}

export interface GroupEntry {
  readonly group: string;
  readonly file: YamlFile;
  readonly spec: GroupSpec;
}

export interface OverlayEntry {
  readonly group: string;
  readonly service: string;
  readonly file: YamlFile;
  readonly spec: RuntimeOverlay;
}

/** The repository's files that passed their schema, typed. */
export interface CheckedRepo {
  readonly config: RepoConfig;
  readonly templates: ReadonlyMap<string, TemplateEntry>;
  readonly groups: ReadonlyMap<string, GroupEntry>;
  readonly overlays: ReadonlyMap<string, ReadonlyMap<string, OverlayEntry>>;
  /** Every parsed overlay, valid or not (the runtime-only rule explains template keys in them). */
  readonly rawOverlays: readonly { readonly group: string; readonly service: string; readonly file: YamlFile }[];
}

const TEMPLATE_ONLY = new Set<string>(TEMPLATE_KEYS.filter((k) => !(OVERLAY_KEYS as readonly string[]).includes(k)));
const UPSTREAM_POLICY_ONLY = new Set<string>(UPSTREAM_KEYS.filter((k) => !(OVERLAY_UPSTREAM_KEYS as readonly string[]).includes(k)));

/**
 * True for a key an overlay may not set because it belongs to the service template
 * (`plugins`, `routes`, `upstream.type`, …). The overlay-runtime-only rule reports those with
 * the "publish a new version" explanation, so the schema check leaves them out.
 */
export function isTemplateOnlyKey(pointer: string, key: string): boolean {
  return (pointer === '' && TEMPLATE_ONLY.has(key)) || (pointer === '/upstream' && UPSTREAM_POLICY_ONLY.has(key));
}

/** Schema-checks one template file (worktree or tag). */
export function checkTemplate(file: YamlFile, service: string, tag: VersionTag | null): { entry: TemplateEntry | null; diagnostics: Diagnostic[] } {
  const diagnostics = checkSchema('service', file);
  if (diagnostics.length > 0) return { entry: null, diagnostics };
  return { entry: { service, file, spec: file.data as ServiceTemplate, tag }, diagnostics };
}

/** Schema-checks every worktree (or --rev) file of a parsed repository. */
export function checkRepo(repo: ParsedRepo): { checked: CheckedRepo; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  let config: RepoConfig = {};
  if (repo.config) {
    const found = checkSchema('config', repo.config);
    diagnostics.push(...found);
    if (found.length === 0) config = repo.config.data as RepoConfig;
  }
  const templates = new Map<string, TemplateEntry>();
  for (const [service, file] of repo.templates) {
    const { entry, diagnostics: found } = checkTemplate(file, service, null);
    diagnostics.push(...found);
    if (entry) templates.set(service, entry);
  }
  const groups = new Map<string, GroupEntry>();
  for (const [group, file] of repo.groups) {
    const found = checkSchema('group', file);
    diagnostics.push(...found);
    if (found.length === 0) groups.set(group, { group, file, spec: file.data as GroupSpec });
  }
  for (const group of repo.groupFolders) {
    if (repo.groupFiles.has(group)) continue; // present but unparsable: already reported
    const firstOverlay = [...(repo.overlays.get(group)?.values() ?? [])][0];
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
  for (const [group, byService] of repo.overlays) {
    for (const [service, file] of byService) {
      rawOverlays.push({ group, service, file });
      const found = checkSchema('overlay', file, { skipUnknownKey: isTemplateOnlyKey });
      diagnostics.push(...found);
      if (found.length > 0 || hasTemplateOnlyKey(file.data)) continue;
      let m = overlays.get(group);
      if (!m) overlays.set(group, (m = new Map()));
      m.set(service, { group, service, file, spec: file.data as RuntimeOverlay });
    }
  }
  return { checked: { config, templates, groups, overlays, rawOverlays }, diagnostics };
}

function hasTemplateOnlyKey(data: unknown): boolean {
  const top = data as Record<string, unknown>;
  if (Object.keys(top).some((k) => isTemplateOnlyKey('', k))) return true;
  const upstream = top['upstream'];
  return typeof upstream === 'object' && upstream !== null && Object.keys(upstream).some((k) => isTemplateOnlyKey('/upstream', k));
}
