/**
 * The group.yaml edit behind publish, promote and rollback (only the pointer's lines change;
 * comments and formatting elsewhere survive), the pin it writes, and the generated tag message.
 */
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { LOCKS_COMMENT, editGroupPointer, pinFor, uneditablePointer } from '../src/app/group-pointer.js';
import { templateChanges, versionTagMessage } from '../src/app/template-changes.js';
import type { VersionTag } from '../src/model/version.js';

const OBJECT = 'b'.repeat(40);
const OTHER = 'c'.repeat(40);

/** Lines of `after` that are not lines of `before` (and the other way round). */
function changedLines(before: string, after: string): { added: string[]; removed: string[] } {
  const a = before.split('\n');
  const b = after.split('\n');
  return { added: b.filter((l) => !a.includes(l)), removed: a.filter((l) => !b.includes(l)) };
}

const STAGING = `# yaml-language-server: $schema=../../schemas/group.schema.json
name: staging
description: Pre-production   # a trailing comment with odd spacing
published:
  # petstore follows every 1.x
  petstore: ^1.0        # tracks the newest 1.x tag
  orders: '1.0.0'
  catalog: "1.0.0"

targets:   # where snapshots go
  - name: local
    kind: file
    path: out/staging/apisix.yaml
rollout: { batch_size: 1 }
`;

describe('editGroupPointer', () => {
  it('changes only the pin and adds the record, keeping every comment, quote and blank line', () => {
    const after = editGroupPointer(STAGING, { service: 'orders', pin: '1.1.0', lock: { version: '1.1.0', object: OBJECT } });
    expect(changedLines(STAGING, after)).toEqual({
      removed: ["  orders: '1.0.0'"],
      added: ["  orders: '1.1.0'", LOCKS_COMMENT, 'locks:', `  orders: { version: 1.1.0, object: ${OBJECT} }`],
    });
    expect(after.indexOf('locks:')).toBeLessThan(after.indexOf('targets:'));
    expect(parse(after)).toMatchObject({ published: { orders: '1.1.0' }, locks: { orders: { version: '1.1.0', object: OBJECT } } });
  });

  it('updates an existing record in place and adds new ones below it', () => {
    const once = editGroupPointer(STAGING, { service: 'orders', pin: '1.1.0', lock: { version: '1.1.0', object: OBJECT } });
    const twice = editGroupPointer(once, { service: 'orders', pin: '1.2.0', lock: { version: '1.2.0', object: OTHER } });
    expect(changedLines(once, twice)).toEqual({
      removed: ["  orders: '1.1.0'", `  orders: { version: 1.1.0, object: ${OBJECT} }`],
      added: ["  orders: '1.2.0'", `  orders: { version: 1.2.0, object: ${OTHER} }`],
    });
    const third = editGroupPointer(twice, { service: 'catalog', pin: '1.1.0', lock: { version: '1.1.0', object: OBJECT } });
    expect(changedLines(twice, third).added).toEqual(['  catalog: "1.1.0"', `  catalog: { version: 1.1.0, object: ${OBJECT} }`]);
    // Going back restores the earlier bytes exactly (what makes rollback equal to git revert).
    expect(editGroupPointer(twice, { service: 'orders', pin: '1.1.0', lock: { version: '1.1.0', object: OBJECT } })).toBe(once);
  });

  it('adds a service the group did not publish yet', () => {
    const after = editGroupPointer(STAGING, { service: 'billing', pin: '0.1.0', lock: { version: '0.1.0', object: OBJECT } });
    expect(changedLines(STAGING, after).added.slice(0, 1)).toEqual(['  billing: 0.1.0']);
    expect(parse(after).published).toEqual({ petstore: '^1.0', orders: '1.0.0', catalog: '1.0.0', billing: '0.1.0' });
  });

  it('quotes what YAML would misread', () => {
    const after = editGroupPointer(STAGING, { service: 'petstore', pin: '*', lock: { version: '1.2.0', object: '1234567890'.repeat(4) } });
    expect(after).toContain('  petstore: "*"        # tracks the newest 1.x tag\n');
    expect(parse(after).locks.petstore.object).toBe('1234567890'.repeat(4));
  });

  it('drops the comment at the end of the pin\'s line when a range becomes an exact version or back, and only that comment', () => {
    const exact = editGroupPointer(STAGING, { service: 'petstore', pin: '1.2.0', lock: { version: '1.2.0', object: OBJECT } });
    expect(changedLines(STAGING, exact)).toEqual({
      removed: ['  petstore: ^1.0        # tracks the newest 1.x tag'],
      added: ['  petstore: 1.2.0', LOCKS_COMMENT, 'locks:', `  petstore: { version: 1.2.0, object: ${OBJECT} }`],
    });
    expect(exact).toContain('  # petstore follows every 1.x\n  petstore: 1.2.0\n');
    const commented = STAGING.replace("  orders: '1.0.0'", "  orders: '1.0.0'  # pinned for the audit");
    const range = editGroupPointer(commented, { service: 'orders', pin: '~1.0', lock: { version: '1.0.0', object: OBJECT } });
    expect(changedLines(commented, range).removed).toEqual(["  orders: '1.0.0'  # pinned for the audit"]);
    expect(changedLines(commented, range).added[0]).toBe("  orders: '~1.0'");
    // exact → exact and range → range keep it
    expect(editGroupPointer(commented, { service: 'orders', pin: '1.1.0', lock: { version: '1.1.0', object: OBJECT } })).toContain("  orders: '1.1.0'  # pinned for the audit\n");
    expect(editGroupPointer(STAGING, { service: 'petstore', pin: '~1.2', lock: { version: '1.2.0', object: OBJECT } })).toContain('  petstore: ~1.2        # tracks the newest 1.x tag\n');
    // the same in a layout edited as a document
    const flow = '# the group\npublished: {\n  web: ^1.0, # tracks 1.x\n  api: 1.0.0 # exact\n}\n';
    const after = editGroupPointer(flow, { service: 'web', pin: '1.1.0', lock: { version: '1.1.0', object: OBJECT } });
    expect(after).not.toContain('tracks 1.x');
    expect(after).toContain('# the group\n');
    expect(after).toContain('api: 1.0.0 # exact\n');
    expect(parse(after)).toEqual({ published: { web: '1.1.0', api: '1.0.0' }, locks: { web: { version: '1.1.0', object: OBJECT } } });
  });

  it('handles a file without a final newline', () => {
    const text = 'name: g\npublished:\n  web: 1.0.0';
    const after = editGroupPointer(text, { service: 'web', pin: '1.1.0', lock: { version: '1.1.0', object: OBJECT } });
    expect(parse(after)).toEqual({ name: 'g', published: { web: '1.1.0' }, locks: { web: { version: '1.1.0', object: OBJECT } } });
  });

  it('falls back to a document edit that keeps comments for layouts it does not splice (flow maps, no published map)', () => {
    const flow = '# the group\nname: g # its name\npublished: { web: 1.0.0 }\n';
    const after = editGroupPointer(flow, { service: 'web', pin: '1.1.0', lock: { version: '1.1.0', object: OBJECT } });
    expect(after).toContain('# the group\n');
    expect(after).toContain('# its name');
    expect(parse(after)).toEqual({ name: 'g', published: { web: '1.1.0' }, locks: { web: { version: '1.1.0', object: OBJECT } } });
    const bare = editGroupPointer('name: g\n', { service: 'web', pin: '1.1.0', lock: { version: '1.1.0', object: OBJECT } });
    expect(parse(bare)).toEqual({ name: 'g', published: { web: '1.1.0' }, locks: { web: { version: '1.1.0', object: OBJECT } } });
  });
});

describe('uneditablePointer', () => {
  it.each([
    ['name: g\npublished:\nlocks:\n', null],
    ['name: g\npublished: 1.0.0\n', 'has a `published` that is not a map'],
    ['name: g\nlocks: [a]\n', 'has a `locks` that is not a map'],
    ['name: a\nname: b\n', 'is not valid YAML'],
    ['name: g\npublished:\n  web: 1.0.0\n  "web": 1.1.0\n', 'is not valid YAML'],
    ['name: g\nlocks:\n  web: { version: 1.0.0, version: 1.1.0 }\n', 'is not valid YAML'],
    ['name: g\ntargets:\n  - name: a\n    name: b\n', 'is not valid YAML'],
    ['name: g\npublished:\n  web: 1.0.0\n  "1": 1.0.0\n  1: 1.0.0\n', null],
    ['- name\n', 'is not a YAML map'],
  ])('%j → %j', (text, problem) => {
    expect(uneditablePointer(text)).toBe(problem);
  });

  it('empty `published:` and `locks:` are filled in, not duplicated', () => {
    const after = editGroupPointer('name: g\npublished:\nlocks:\n', { service: 'web', pin: '1.0.0', lock: { version: '1.0.0', object: OBJECT } });
    expect(parse(after)).toEqual({ name: 'g', published: { web: '1.0.0' }, locks: { web: { version: '1.0.0', object: OBJECT } } });
  });
});

describe('pinFor', () => {
  const tag = (version: string): VersionTag => ({ service: 'web', version, tag: `web/v${version}`, object: OBJECT, commit: OTHER, annotated: true });
  const tags = [tag('1.0.0'), tag('1.1.0'), tag('2.0.0')];
  it.each([
    ['^1.0', '1.1.0', '^1.0'], // the range selects it: keep tracking
    ['^1.0', '1.0.0', '1.0.0'], // the range would select 1.1.0: pin exactly
    ['^1.0', '2.0.0', '2.0.0'],
    ['1.0.0', '1.1.0', '1.1.0'],
    [undefined, '1.1.0', '1.1.0'],
  ])('current %s, pointing at %s → %s', (current, version, expected) => {
    expect(pinFor(current, tag(version), tags)).toBe(expected);
  });
});

describe('generated tag message', () => {
  const base = 'name: web\nplugins:\n  cors: {}\nupstream:\n  retries: 1\nroutes:\n  - name: a\n    uris: [/a]\n  - name: b\n    uris: [/b]\n';
  it('lists routes added, removed and changed by name, plugins, upstream and other keys', () => {
    const next =
      'name: web\ndescription: now described\nplugins:\n  cors: { allow_origins: "*" }\n  key-auth: {}\nupstream:\n  retries: 2\nroutes:\n  - name: a\n    uris: [/a, /aa]\n    methods: [GET]\n  - name: c\n    uris: [/c]\n';
    expect(templateChanges(base, next)).toEqual([
      'route added: c',
      'route removed: b',
      'route changed: a (methods, uris)',
      'plugin added: key-auth',
      'plugin changed: cors',
      'upstream changed: retries',
      'description changed',
    ]);
  });

  it('names the first version and an unchanged template', () => {
    expect(versionTagMessage('web', '1.0.0', base, null)).toBe('web 1.0.0\n\nFirst version, routes: a, b.\n');
    expect(versionTagMessage('web', '1.0.1', base, { version: '1.0.0', text: base.replace('routes:', '# comment\nroutes:') })).toBe(
      'web 1.0.1\n\nNo changes to the template since 1.0.0.\n',
    );
  });
});
