import type { GroupObjectKind, GroupObjectSpecs, GroupSpec, RepoConfig, RuntimeOverlay, ServiceTemplate } from '../model/config.js';
import { OVERLAY_KEYS, OVERLAY_UPSTREAM_KEYS, TEMPLATE_KEYS, UPSTREAM_KEYS } from '../model/config.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { GROUP_OBJECT_KINDS, type FileKind } from '../load/layout.js';
import type { SourceFile } from '../load/source-file.js';
import { parseYamlFile } from '../load/yaml-file.js';
import type { YamlFile } from '../load/yaml-file.js';
import { checkSchema } from './schemas.js';
import type { SchemaKind } from './schemas.js';
import type { VersionTag } from '../model/version.js';

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

/** A schema-valid adoption record, `gateway-groups/<group>/adopt.yaml`: kind → gateway id → tagway id. */
export interface AdoptEntry {
  readonly group: string;
  readonly file: YamlFile;
  readonly spec: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/**
 * A schema-valid group-level object's file (a consumer, a consumer group, …): `name` is its file
 * name. `file` is where it is written: the group's own folder, or for an object the group
 * includes (`included`), the shared file (gateway-groups/_shared/…), so findings point there.
 */
export interface GroupObjectEntry<S> {
  readonly group: string;
  readonly name: string;
  readonly file: YamlFile;
  readonly spec: S;
  /** Taken in from gateway-groups/_shared/ by the group's `include`. */
  readonly included: boolean;
}
export type ConsumerEntry = GroupObjectEntry<GroupObjectSpecs['consumer']>;
export type ConsumerGroupEntry = GroupObjectEntry<GroupObjectSpecs['consumer-group']>;

/** Per group-level kind: group → name → its entry. */
export type GroupObjectEntries = { readonly [K in GroupObjectKind]: ReadonlyMap<string, ReadonlyMap<string, GroupObjectEntry<GroupObjectSpecs[K]>>> };
/** Per group-level kind: name → the shared file's entry (its `group` is `_shared`). */
export type SharedObjectEntries = { readonly [K in GroupObjectKind]: ReadonlyMap<string, GroupObjectEntry<GroupObjectSpecs[K]>> };

/** The repository's files that passed their schema, typed. */
export interface CheckedRepo {
  readonly config: RepoConfig;
  readonly templates: ReadonlyMap<string, TemplateEntry>;
  readonly groups: ReadonlyMap<string, GroupEntry>;
  readonly overlays: ReadonlyMap<string, ReadonlyMap<string, OverlayEntry>>;
  /** group → its adoption record, when it has one that passed its schema (docs/adoption.md). */
  readonly adoptions: ReadonlyMap<string, AdoptEntry>;
  /**
   * Per group-level kind (consumers, consumer groups, …): group → name → entry, of what each group
   * holds: its own files, and the shared files its `include` names (its own file wins a clash of
   * names, which is an error: TW3056).
   */
  readonly groupObjects: GroupObjectEntries;
  /** Per group-level kind: the shared files (gateway-groups/_shared/), included or not. */
  readonly shared: SharedObjectEntries;
  /** Every parsed overlay, valid or not (the runtime-only rule explains template keys in them). */
  readonly rawOverlays: readonly { readonly group: string; readonly service: string; readonly file: YamlFile }[];
  /** Services whose template path is in the tree, valid, invalid, unparsable or refused (a link, a folder). */
  readonly templateFiles: ReadonlySet<string>;
  /** Shared files in the tree (valid, invalid, unparsable or refused), as `include` names them: `consumers/petstore-mobile`. */
  readonly sharedFiles: ReadonlySet<string>;
}

/** The file kinds of the config repository, each with its schema (a group-level kind's is named as the kind). */
export type { FileKind };

const SCHEMA_OF: Readonly<Record<FileKind, SchemaKind>> = {
  config: 'config',
  template: 'service',
  group: 'group',
  overlay: 'overlay',
  adopt: 'adopt',
  ...(Object.fromEntries(GROUP_OBJECT_KINDS.map((kind) => [kind, kind])) as Record<GroupObjectKind, SchemaKind>),
};

/**
 * What one file says on its own, before any other file is looked at: whether it parsed, whether
 * it passed its schema, and the findings of both. A pure function of the file's kind, path,
 * revision and content, so it may be kept (src/compile/memo.ts) and used again for the same blob.
 */
export interface FileRecord {
  /** It is YAML holding a mapping. */
  readonly parsed: boolean;
  /** It passed its schema; an overlay must also hold no template-only key. */
  readonly valid: boolean;
  /** The findings of parsing, then of the schema check. */
  readonly diagnostics: readonly Diagnostic[];
  /**
   * Findings of the `file`-scope rules (rule.ts) about this file, made with the plugin set named
   * `plugins` (see `pluginSetKey`); absent until the rules ran on it.
   */
  readonly rules?: { readonly plugins: string; readonly diagnostics: readonly Diagnostic[] };
  /**
   * The parsed data of a valid group.yaml or tagway.yaml, which every compile reads whole
   * (group.yaml holds a line per published service), when JSON holds it exactly; other kinds are
   * parsed again when their data is needed. An invalid file's data is never kept: it may hold
   * what its schema refuses, such as a literal key, which must not reach the cache.
   */
  readonly data?: unknown;
}

/** A prepared file: its record, and the parsed file when it parsed. */
export interface PreparedFile {
  readonly record: FileRecord;
  readonly file: YamlFile | null;
}

/** Parses and schema-checks one file of `kind`. Never throws. */
export function prepareFile(source: SourceFile, kind: FileKind): PreparedFile {
  const parsed = parseYamlFile(source);
  if (!parsed.ok) return { record: { parsed: false, valid: false, diagnostics: parsed.diagnostics }, file: null };
  const found = checkSchema(SCHEMA_OF[kind], parsed.file, kind === 'overlay' ? { skipUnknownKey: isTemplateOnlyKey } : {});
  const valid = found.length === 0 && (kind !== 'overlay' || !hasTemplateOnlyKey(parsed.file.data));
  const keep = valid && (kind === 'group' || kind === 'config') && isPlainJson(parsed.file.data);
  return { record: { parsed: true, valid, diagnostics: found, ...(keep ? { data: parsed.file.data } : {}) }, file: parsed.file };
}

/** True when JSON.stringify + JSON.parse gives back the same value (no NaN, infinities or -0). */
function isPlainJson(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (value === null || typeof value !== 'object') return typeof value === 'string' || typeof value === 'boolean' || value === null;
  if (Array.isArray(value)) return value.every(isPlainJson);
  return Object.getPrototypeOf(value) === Object.prototype && Object.values(value).every(isPlainJson);
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
  return { entry: templateEntry(service, file, tag), diagnostics };
}

/*
 * Entries read their file's data only when asked (`spec`): a compile that takes most results
 * from its cache never parses the files whose results it reuses.
 */

class LazyTemplateEntry implements TemplateEntry {
  constructor(
    readonly service: string,
    readonly file: YamlFile,
    readonly tag: VersionTag | null,
  ) {}
  get spec(): ServiceTemplate {
    return this.file.data as ServiceTemplate;
  }
}

class LazyOverlayEntry implements OverlayEntry {
  constructor(
    readonly group: string,
    readonly service: string,
    readonly file: YamlFile,
  ) {}
  get spec(): RuntimeOverlay {
    return this.file.data as RuntimeOverlay;
  }
}

class LazyGroupEntry implements GroupEntry {
  constructor(
    readonly group: string,
    readonly file: YamlFile,
  ) {}
  get spec(): GroupSpec {
    return this.file.data as GroupSpec;
  }
}

export function templateEntry(service: string, file: YamlFile, tag: VersionTag | null): TemplateEntry {
  return new LazyTemplateEntry(service, file, tag);
}

export function overlayEntry(group: string, service: string, file: YamlFile): OverlayEntry {
  return new LazyOverlayEntry(group, service, file);
}

class LazyGroupObjectEntry<S> implements GroupObjectEntry<S> {
  constructor(
    readonly group: string,
    readonly name: string,
    readonly file: YamlFile,
    readonly included: boolean,
  ) {}
  get spec(): S {
    return this.file.data as S;
  }
}

/** A group-level file of a gateway group (`included`: a shared file its `include` names), typed. */
export function groupObjectEntry<S>(group: string, name: string, file: YamlFile, included = false): GroupObjectEntry<S> {
  return new LazyGroupObjectEntry<S>(group, name, file, included);
}

export function groupEntry(group: string, file: YamlFile): GroupEntry {
  return new LazyGroupEntry(group, file);
}

function hasTemplateOnlyKey(data: unknown): boolean {
  const top = data as Record<string, unknown>;
  if (Object.keys(top).some((k) => isTemplateOnlyKey('', k))) return true;
  const upstream = top['upstream'];
  return typeof upstream === 'object' && upstream !== null && Object.keys(upstream).some((k) => isTemplateOnlyKey('/upstream', k));
}
