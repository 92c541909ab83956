/**
 * Where a repository path sits in the config layout (docs/architecture.md §2). Pure path arithmetic: no I/O.
 */
import type { ApisixKind } from '../model/apisix.js';
import type { GroupObjectKind } from '../model/config.js';

export type FileRole =
  | { readonly kind: 'template'; readonly service: string }
  | { readonly kind: 'group'; readonly group: string }
  | { readonly kind: 'overlay'; readonly group: string; readonly service: string }
  /** `gateway-groups/<group>/adopt.yaml`: the gateway objects the group takes over (docs/adoption.md). */
  | { readonly kind: 'adopt'; readonly group: string }
  /** `gateway-groups/<group>/<folder>/<name>.yaml`: one object of the group (`GROUP_OBJECT_FILES`). */
  | { readonly kind: GroupObjectKind; readonly group: string; readonly name: string }
  /**
   * `gateway-groups/_shared/<folder>/<name>.yaml`: one object written once for the groups whose
   * group.yaml lists it in `include` (no group's own file: it has no `group`).
   */
  | { readonly kind: GroupObjectKind; readonly shared: true; readonly name: string }
  | { readonly kind: 'config' }
  /** A YAML file in a config folder at a place tagway does not read (likely a mistake). */
  | { readonly kind: 'stray'; readonly expected: string }
  /** Not a config file (README, other extensions): ignored silently. */
  | { readonly kind: 'other' };

/** The kinds of the files tagway reads. */
export type FileKind = Exclude<FileRole['kind'], 'stray' | 'other'>;

/** Where the files of one group-level kind live, and what their names may be. */
export interface GroupObjectFiles {
  /** The folder under `gateway-groups/<group>/`. */
  readonly folder: string;
  /** The APISIX kind each file is one object of. */
  readonly apisixKind: ApisixKind;
  /** How the layout names a file's name in messages: `<username>`. */
  readonly placeholder: string;
  /** What a file's name (without `.yaml`) must match: the object's name or id on the gateway. */
  readonly name: RegExp;
  /** The rule `name` states, for the hint of a file named otherwise. */
  readonly nameRule: string;
  /** What a file's name is, in messages: `consumer username`. */
  readonly nameIs: string;
  /**
   * Files sit one folder deeper, `<folder>/<sub>/<name>.yaml`, and the object's name is
   * `<sub>/<name>` (a secret manager's `vault/prod`). Absent: directly in the folder.
   */
  readonly nested?: boolean;
}

/** Names of services, groups and most objects: lowercase DNS-label-like, 1-31 characters (§2). */
export const NAME = /^[a-z0-9]([a-z0-9-]{0,29}[a-z0-9])?$/;
const NAME_RULE = '1-31 characters of a-z, 0-9 and -, starting and ending with a letter or digit';

/**
 * Names of global rules: 1-25 characters, so the rule's id `tagway.<group>.<name>` (7 + 31 + 1 +
 * 25 characters at most) fits APISIX's 64 (`id_schema`). APISIX keeps no labels on global rules:
 * that id is how tagway knows a rule is a group's (src/apisix/kinds/global-rules.ts).
 */
export const GLOBAL_RULE_NAME = /^[a-z0-9]([a-z0-9-]{0,23}[a-z0-9])?$/;

/** Names of APISIX plugins (`apisix/plugins/<name>.lua`): the file name of a plugin's metadata. */
const PLUGIN_NAME = /^[a-z0-9]([a-z0-9_-]{0,62}[a-z0-9])?$/;

/**
 * The group-level files, one APISIX object each, by kind: the one place that says which folders
 * of a gateway group hold them. Parsing, validation and emit iterate it.
 */
export const GROUP_OBJECT_FILES: { readonly [K in GroupObjectKind]: GroupObjectFiles } = {
  // APISIX keys a consumer by its username (`schema_def.lua` `consumer`), up to 64 characters.
  consumer: { folder: 'consumers', apisixKind: 'consumers', placeholder: '<username>', name: /^[a-zA-Z0-9_-]{1,64}$/, nameRule: '1-64 characters of letters, digits, _ and - (APISIX usernames)', nameIs: 'consumer username' },
  'consumer-group': { folder: 'consumer-groups', apisixKind: 'consumer_groups', placeholder: '<name>', name: NAME, nameRule: NAME_RULE, nameIs: 'consumer group name' },
  // The file name is the SSL's id: readable and stable, as the ids of a service's objects.
  ssl: { folder: 'ssls', apisixKind: 'ssls', placeholder: '<name>', name: NAME, nameRule: NAME_RULE, nameIs: 'SSL certificate name' },
  'global-rule': {
    folder: 'global-rules',
    apisixKind: 'global_rules',
    placeholder: '<name>',
    name: GLOBAL_RULE_NAME,
    nameRule: '1-25 characters of a-z, 0-9 and -, starting and ending with a letter or digit (the rule\'s id on the gateway is tagway.<group>.<name>, at most 64 characters)',
    nameIs: 'global rule name',
  },
  // The file is named after the plugin whose metadata it holds, which is its id on the gateway.
  'plugin-metadata': { folder: 'plugin-metadata', apisixKind: 'plugin_metadata', placeholder: '<plugin>', name: PLUGIN_NAME, nameRule: 'the name of an APISIX plugin: lowercase letters, digits, - and _', nameIs: 'plugin name' },
  // APISIX keys a secret manager by `<manager>/<id>` (`apisix/secret/<manager>.lua`: vault, aws,
  // gcp), which is what `$secret://<manager>/<id>/…` names: the folder below secrets/ is the manager.
  'secret-manager': {
    folder: 'secrets',
    apisixKind: 'secrets',
    placeholder: '<manager>/<id>',
    name: /^(aws|gcp|vault)\/[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/,
    nameRule: 'a folder named after the manager (vault, aws or gcp), then 1-64 characters of letters, digits, _, . and -, starting with a letter or digit',
    nameIs: 'secret manager',
    nested: true,
  },
};

export const GROUP_OBJECT_KINDS = Object.keys(GROUP_OBJECT_FILES).sort() as readonly GroupObjectKind[];

const KIND_OF_FOLDER = new Map(GROUP_OBJECT_KINDS.map((kind) => [GROUP_OBJECT_FILES[kind].folder, kind]));

/**
 * The folder under gateway-groups/ of the group-level files several groups share. No group can
 * have its name: a group name starts with a letter or digit (`NAME`).
 */
export const SHARED_FOLDER = '_shared';

/** Whether a role is a group-level object's file (a group's own or a shared one). */
export function isGroupObject(role: FileRole): role is Extract<FileRole, { readonly kind: GroupObjectKind }> {
  return (GROUP_OBJECT_FILES as Readonly<Record<string, unknown>>)[role.kind] !== undefined;
}

/** The gateway group a file belongs to (group.yaml, an overlay, a group-level object), or null. */
export function groupOfRole(role: FileRole): string | null {
  return 'group' in role ? role.group : null;
}

export function templatePath(service: string): string {
  return `services/${service}/service.yaml`;
}

export function groupPath(group: string): string {
  return `gateway-groups/${group}/group.yaml`;
}

/** The group's adoption record: which of its gateways' objects it takes over (docs/adoption.md). */
export function adoptPath(group: string): string {
  return `gateway-groups/${group}/adopt.yaml`;
}

export function overlayPath(group: string, service: string): string {
  return `gateway-groups/${group}/services/${service}.yaml`;
}

export function groupObjectPath(kind: GroupObjectKind, group: string, name: string): string {
  return `gateway-groups/${group}/${GROUP_OBJECT_FILES[kind].folder}/${name}.yaml`;
}

/** `gateway-groups/_shared/<folder>/<name>.yaml`: a group-level file several groups may include. */
export function sharedObjectPath(kind: GroupObjectKind, name: string): string {
  return groupObjectPath(kind, SHARED_FOLDER, name);
}

/** How a group.yaml's `include` names a shared file: `<folder>/<name>` (`consumers/petstore-mobile`). */
export function includeName(kind: GroupObjectKind, name: string): string {
  return `${GROUP_OBJECT_FILES[kind].folder}/${name}`;
}

/** The kind and name an entry of `include` names, or null when its folder holds no group-level kind. */
export function parseInclude(entry: string): { readonly kind: GroupObjectKind; readonly name: string } | null {
  const slash = entry.indexOf('/');
  const kind = slash > 0 ? KIND_OF_FOLDER.get(entry.slice(0, slash)) : undefined;
  return kind === undefined ? null : { kind, name: entry.slice(slash + 1) };
}

export function classifyPath(path: string): FileRole {
  let role = roles.get(path);
  if (role === undefined) {
    role = classify(path);
    if (roles.size >= 200_000) roles.clear();
    roles.set(path, role);
  }
  return role;
}

/** Roles by path: a run classifies each path several times (pins, prefetch, compile). */
const roles = new Map<string, FileRole>();

const GROUP_FILES_EXPECTED = [
  'gateway-groups/<group>/group.yaml',
  'gateway-groups/<group>/adopt.yaml',
  'gateway-groups/<group>/services/<service>.yaml',
  ...GROUP_OBJECT_KINDS.map((kind) => groupObjectPath(kind, '<group>', GROUP_OBJECT_FILES[kind].placeholder)),
]
  .join(', ')
  .replace(/, ([^,]*)$/, ' or $1');

const SHARED_FILES_EXPECTED = GROUP_OBJECT_KINDS.map((kind) => sharedObjectPath(kind, GROUP_OBJECT_FILES[kind].placeholder))
  .join(', ')
  .replace(/, ([^,]*)$/, ' or $1');

function classify(path: string): FileRole {
  if (path === 'tagway.yaml') return { kind: 'config' };
  // The two shapes nearly every path has, told without splitting it.
  if (path.startsWith('services/') && path.endsWith('/service.yaml')) {
    const service = path.slice('services/'.length, -'/service.yaml'.length);
    if (service !== '' && !service.includes('/')) return { kind: 'template', service };
  } else if (path.startsWith('gateway-groups/') && path.endsWith('.yaml')) {
    const slash = path.indexOf('/', 'gateway-groups/'.length);
    const group = path.slice('gateway-groups/'.length, slash);
    const service = path.slice(slash + '/services/'.length, -'.yaml'.length);
    if (slash > 0 && group !== '' && group !== SHARED_FOLDER && path.startsWith('/services/', slash) && service !== '' && !service.includes('/')) return { kind: 'overlay', group, service };
  }
  const parts = path.split('/');
  const yaml = /\.ya?ml$/.test(path);
  if (parts[0] === 'services') {
    if (parts.length === 3 && parts[2] === 'service.yaml') return { kind: 'template', service: parts[1]! };
    if (yaml) return { kind: 'stray', expected: 'services/<service>/service.yaml' };
    return { kind: 'other' };
  }
  if (parts[0] === 'gateway-groups' && parts[1] === SHARED_FOLDER) {
    const named = groupObjectIn(parts);
    if (named !== null) return { kind: named.kind, shared: true, name: named.name };
    if (yaml) return { kind: 'stray', expected: SHARED_FILES_EXPECTED };
    return { kind: 'other' };
  }
  if (parts[0] === 'gateway-groups') {
    if (parts.length === 3 && parts[2] === 'group.yaml') return { kind: 'group', group: parts[1]! };
    if (parts.length === 3 && parts[2] === 'adopt.yaml') return { kind: 'adopt', group: parts[1]! };
    if (parts.length === 4 && parts[2] === 'services' && parts[3]!.endsWith('.yaml')) {
      return { kind: 'overlay', group: parts[1]!, service: parts[3]!.slice(0, -'.yaml'.length) };
    }
    const named = groupObjectIn(parts);
    if (named !== null) return { kind: named.kind, group: parts[1]!, name: named.name };
    if (yaml) return { kind: 'stray', expected: GROUP_FILES_EXPECTED };
    return { kind: 'other' };
  }
  return { kind: 'other' };
}

/**
 * The kind and name of `gateway-groups/<group or _shared>/<folder>/<name>.yaml` (one folder deeper
 * for a `nested` kind: `secrets/vault/main.yaml` is `vault/main`), or null for another path.
 */
function groupObjectIn(parts: readonly string[]): { readonly kind: GroupObjectKind; readonly name: string } | null {
  const kind = KIND_OF_FOLDER.get(parts[2]!);
  if (kind === undefined || !parts.at(-1)!.endsWith('.yaml')) return null;
  if (parts.length !== (GROUP_OBJECT_FILES[kind].nested === true ? 5 : 4)) return null;
  return { kind, name: parts.slice(3).join('/').slice(0, -'.yaml'.length) };
}
