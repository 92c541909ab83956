import { describe, expect, it } from 'vitest';
import { parseYamlFile } from '../load/yaml-file.js';
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

const FOLDER_KIND = { consumers: 'consumer', 'consumer-groups': 'consumer-group' } as const;

function run(c: Case): string[] {
  const own = { consumer: new Map(), 'consumer-group': new Map() } as Record<string, Map<string, Map<string, unknown>>>;
  const shared = { consumer: new Map(), 'consumer-group': new Map() } as Record<string, Map<string, unknown>>;
  for (const rel of c.files) {
    const [where, folder, name] = rel.split('/') as [string, keyof typeof FOLDER_KIND, string];
    const kind = FOLDER_KIND[folder];
    const file = yaml(`gateway-groups/${rel}.yaml`);
    if (where === '_shared') shared[kind]!.set(name, groupObjectEntry('_shared', name, file));
    else {
      if (!own[kind]!.has(where)) own[kind]!.set(where, new Map());
      own[kind]!.get(where)!.set(name, groupObjectEntry(where, name, file));
    }
  }
  const groups = new Map<string, GroupEntry>();
  for (const [group, include] of Object.entries(c.include)) {
    groups.set(group, groupEntry(group, yaml(`gateway-groups/${group}/group.yaml`, `name: ${group}\ninclude: [${include.join(', ')}]\n`)));
  }
  const held = withIncludes(own as unknown as GroupObjectEntries, shared as unknown as SharedObjectEntries, groups);
  return (['consumer', 'consumer-group'] as const).flatMap((kind) =>
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
    name: 'an include of no shared file, or of no folder, adds nothing (TW3055 reports it)',
    files: ['_shared/consumers/kiosk'],
    include: { staging: ['consumers/kiosks', 'widgets/kiosk', 'consumer-groups/kiosk'] },
    expected: [],
  },
];

describe('withIncludes', () => {
  for (const c of cases) it(c.name, () => expect(run(c)).toEqual(c.expected));
});
