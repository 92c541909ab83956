import { describe, expect, it } from 'vitest';
import { GROUP_OBJECT_KINDS, classifyPath, isGroupObject } from '../load/layout.js';
import { parseYamlFile } from '../load/yaml-file.js';
import type { GroupObjectKind } from '../model/config.js';
import type { YamlFile } from '../load/yaml-file.js';
import { groupEntry, groupObjectEntry } from './entries.js';
import type { GroupEntry, GroupObjectEntries, SharedObjectEntries } from './entries.js';
import { withIncludes } from './includes.js';

function yaml(path: string, text = 'plugins: {}\n'): YamlFile {
  const parsed = parseYamlFile({ path, bytes: new TextEncoder().encode(text) });
  if (!parsed.ok) throw new Error(`${path} does not parse`);
  return parsed.file;
}

/** Group files (`<group>/<folder>/<name>`) and shared files (`_shared/<folder>/<name>`), and each group's include. */
interface Case {
  readonly name: string;
  readonly files: readonly string[];
  readonly include: Readonly<Record<string, readonly string[]>>;
  /** What each group holds: `<group> <kind> <name> <file>`, in map order. */
  readonly expected: readonly string[];
}

function run(c: Case): string[] {
  const own = Object.fromEntries(GROUP_OBJECT_KINDS.map((kind) => [kind, new Map()])) as Record<GroupObjectKind, Map<string, Map<string, unknown>>>;
  const shared = Object.fromEntries(GROUP_OBJECT_KINDS.map((kind) => [kind, new Map()])) as Record<GroupObjectKind, Map<string, unknown>>;
  for (const rel of c.files) {
    const path = `gateway-groups/${rel}.yaml`;
    const role = classifyPath(path);
    if (!isGroupObject(role)) throw new Error(`${path} is no group-level file`);
    const file = yaml(path);
    if ('shared' in role) shared[role.kind].set(role.name, groupObjectEntry('_shared', role.name, file));
    else {
      if (!own[role.kind].has(role.group)) own[role.kind].set(role.group, new Map());
      own[role.kind].get(role.group)!.set(role.name, groupObjectEntry(role.group, role.name, file));
    }
  }
  const groups = new Map<string, GroupEntry>();
  for (const [group, include] of Object.entries(c.include)) {
    groups.set(group, groupEntry(group, yaml(`gateway-groups/${group}/group.yaml`, `name: ${group}\ninclude: [${include.join(', ')}]\n`)));
  }
  const held = withIncludes(own as unknown as GroupObjectEntries, shared as unknown as SharedObjectEntries, groups);
  return GROUP_OBJECT_KINDS.flatMap((kind) =>
    [...held[kind]].flatMap(([group, byName]) => [...byName].map(([name, e]) => `${group} ${kind} ${name} ${e.file.path}${e.included ? ' (included)' : ''}`)),
  );
}

const cases: Case[] = [
  {
    name: 'a group without includes holds its own files',
    files: ['staging/consumers/ops', '_shared/consumers/kiosk'],
    include: { staging: [] },
    expected: ['staging consumer ops gateway-groups/staging/consumers/ops.yaml'],
  },
  {
    name: 'each including group holds the shared file, at the shared path',
    files: ['_shared/consumers/kiosk', '_shared/consumer-groups/gold'],
    include: { production: ['consumers/kiosk'], staging: ['consumers/kiosk', 'consumer-groups/gold'] },
    expected: [
      'production consumer kiosk gateway-groups/_shared/consumers/kiosk.yaml (included)',
      'staging consumer kiosk gateway-groups/_shared/consumers/kiosk.yaml (included)',
      'staging consumer-group gold gateway-groups/_shared/consumer-groups/gold.yaml (included)',
    ],
  },
  {
    name: 'own and included names in code-point order',
    files: ['staging/consumers/m', 'staging/consumers/z', '_shared/consumers/a', '_shared/consumers/n'],
    include: { staging: ['consumers/n', 'consumers/a'] },
    expected: [
      'staging consumer a gateway-groups/_shared/consumers/a.yaml (included)',
      'staging consumer m gateway-groups/staging/consumers/m.yaml',
      'staging consumer n gateway-groups/_shared/consumers/n.yaml (included)',
      'staging consumer z gateway-groups/staging/consumers/z.yaml',
    ],
  },
  {
    name: 'a group\'s own file of the same kind and name stays (the clash is TW3056)',
    files: ['staging/consumers/kiosk', '_shared/consumers/kiosk'],
    include: { staging: ['consumers/kiosk'] },
    expected: ['staging consumer kiosk gateway-groups/staging/consumers/kiosk.yaml'],
  },
  {
    name: 'the same name of another kind is no clash',
    files: ['staging/consumer-groups/kiosk', '_shared/consumers/kiosk'],
    include: { staging: ['consumers/kiosk'] },
    expected: ['staging consumer kiosk gateway-groups/_shared/consumers/kiosk.yaml (included)', 'staging consumer-group kiosk gateway-groups/staging/consumer-groups/kiosk.yaml'],
  },
  {
    name: 'a secret manager, one folder deeper, is included by its <manager>/<id>',
    files: ['_shared/secrets/vault/main', 'staging/secrets/aws/main'],
    include: { staging: ['secrets/vault/main'] },
    expected: [
      'staging secret-manager aws/main gateway-groups/staging/secrets/aws/main.yaml',
      'staging secret-manager vault/main gateway-groups/_shared/secrets/vault/main.yaml (included)',
    ],
  },
  {
    name: 'an include of no shared file, or of no folder, adds nothing (TW3055 reports it)',
    files: ['_shared/consumers/kiosk'],
    include: { staging: ['consumers/kiosks', 'widgets/kiosk', 'consumer-groups/kiosk'] },
    expected: [],
  },
];

describe('withIncludes', () => {
  for (const c of cases) it(c.name, () => expect(run(c)).toEqual(c.expected));
});
