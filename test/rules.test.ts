/**
 * Table tests of the semantic rules and schema findings: each case is a small repository (as
 * text), and the expected findings are `{code, file, line, column}`. Message wording may change;
 * codes and positions may not.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../src/compile/compile.js';
import type { CloneGaps, MissingObject } from '../src/model/clone.js';
import { memoryInput } from './support/memory-repo.js';

const WEB = `name: web
upstream:
  nodes:
    - host: 10.0.0.1
      port: 80
routes:
  - name: home
    uris: [/]
    methods: [GET]
`;
const GROUP = `name: g
published:
  web: 1.0.0
`;

interface Case {
  readonly name: string;
  /** Worktree files that replace or add to the base repo (null deletes). */
  readonly files?: Readonly<Record<string, string | null>>;
  /** Tags → template text; default `web/v1.0.0` = the worktree template. */
  readonly tags?: Readonly<Record<string, string | null>>;
  readonly draft?: boolean;
  /** What the clone lacks (default: nothing). */
  readonly clone?: Partial<CloneGaps>;
  readonly expected: readonly { code: string; file?: string; line?: number; column?: number; severity?: string }[];
}

function run(c: Case) {
  const files: Record<string, string> = {
    'services/web/service.yaml': WEB,
    'gateway-groups/g/group.yaml': GROUP,
  };
  for (const [path, content] of Object.entries(c.files ?? {})) {
    if (content === null) delete files[path];
    else files[path] = content;
  }
  const tags = c.tags ?? { 'web/v1.0.0': files['services/web/service.yaml'] ?? null };
  const input = memoryInput({ files, tags, ...(c.draft ? { draft: true } : {}) });
  return compile(c.clone ? { ...input, clone: { tags: null, brokenTags: new Map(), templates: new Map(), ...c.clone } } : input);
}

const SHALLOW = { reason: 'this clone is shallow', hint: 'Fetch the tags and the rest of the history: `git fetch --tags --unshallow origin`.' };
const LOST: MissingObject = { oid: 'c'.repeat(40), type: 'blob', message: `git blob ${'c'.repeat(40)} is missing from this clone`, hint: 'Run `git fsck`.' };

const T = 'services/web/service.yaml';
const G = 'gateway-groups/g/group.yaml';
const O = 'gateway-groups/g/services/web.yaml';

const cases: Case[] = [
  { name: 'a clean repository has no findings', expected: [] },
  {
    name: 'unknown key with a did-you-mean hint (TW2001)',
    files: { [T]: WEB.replace('routes:', 'rotues: []\nroutes:') },
    expected: [{ code: 'TW2001', file: T, line: 6, column: 1 }],
  },
  {
    name: 'missing required key (TW2002)',
    files: { [T]: WEB.replace('    uris: [/]\n', '') },
    expected: [{ code: 'TW2002', file: T, line: 7, column: 5 }],
  },
  {
    name: 'enum value (TW2003)',
    files: { [T]: WEB.replace('upstream:\n', 'upstream:\n  type: roundrobn\n') },
    expected: [{ code: 'TW2003', file: T, line: 3, column: 9 }],
  },
  {
    name: 'a service named ../x (TW2003 name pattern + TW3001 folder)',
    files: { [T]: WEB.replace('name: web', 'name: ../x') },
    expected: [{ code: 'TW2003', file: T, line: 1, column: 7 }],
  },
  {
    name: 'name does not match folder (TW3001)',
    files: { [T]: WEB.replace('name: web', 'name: webb') },
    expected: [{ code: 'TW3001', file: T, line: 1, column: 7 }],
  },
  {
    name: 'group name does not match folder (TW3001)',
    files: { [G]: GROUP.replace('name: g', 'name: h') },
    expected: [{ code: 'TW3001', file: G, line: 1, column: 7 }],
  },
  {
    name: 'duplicate route names (TW3002)',
    files: { [T]: `${WEB}  - name: home\n    uris: [/other]\n` },
    expected: [{ code: 'TW3002', file: T, line: 10, column: 11 }],
  },
  {
    name: 'overlay sets a template field (TW3003)',
    files: { [O]: 'plugins:\n  cors: {}\nupstream:\n  type: chash\n' },
    expected: [
      { code: 'TW3003', file: O, line: 1, column: 1 },
      { code: 'TW3003', file: O, line: 4, column: 3 },
    ],
  },
  {
    name: 'pin matching no tag (TW3004)',
    files: { [G]: GROUP.replace('1.0.0', '2.0.0') },
    expected: [{ code: 'TW3004', file: G, line: 3, column: 8 }],
  },
  {
    name: 'a pin that is not a version or range (TW3004)',
    files: { [G]: GROUP.replace('1.0.0', 'latest') },
    expected: [{ code: 'TW3004', file: G, line: 3, column: 8 }],
  },
  {
    name: 'an unmatched pin is only a warning in a draft compile',
    files: { [G]: GROUP.replace('1.0.0', '2.0.0') },
    draft: true,
    expected: [{ code: 'TW3004', file: G, line: 3, column: 8, severity: 'warning' }],
  },
  {
    name: 'nodes and discovery together (TW3005)',
    files: { [O]: 'upstream:\n  nodes:\n    - host: a.internal\n      port: 80\n  discovery:\n    type: dns\n    service_name: a:80\n' },
    expected: [{ code: 'TW3005', file: O, line: 5, column: 3 }],
  },
  {
    name: 'chash without key (TW3006)',
    files: { [T]: WEB.replace('upstream:\n', 'upstream:\n  type: chash\n  hash_on: header\n') },
    expected: [{ code: 'TW3006', file: T, line: 3, column: 9 }],
  },
  {
    name: 'chash on vars with an unknown variable (TW3006)',
    files: { [T]: WEB.replace('upstream:\n', 'upstream:\n  type: chash\n  key: user_agent\n') },
    expected: [{ code: 'TW3006', file: T, line: 4, column: 8 }],
  },
  {
    name: 'key without chash is a warning (TW3006)',
    files: { [T]: WEB.replace('upstream:\n', 'upstream:\n  key: remote_addr\n') },
    expected: [{ code: 'TW3006', file: T, line: 3, column: 3, severity: 'warning' }],
  },
  {
    name: 'IPv6 node host without brackets (TW3007)',
    files: { [O]: 'upstream:\n  nodes:\n    - host: "fd00::1"\n      port: 80\n' },
    expected: [{ code: 'TW3007', file: O, line: 3, column: 13 }],
  },
  {
    name: 'bracketed host that is not IPv6 (TW3007)',
    files: { [O]: 'upstream:\n  nodes:\n    - host: "[10.0.0.1]"\n      port: 80\n' },
    expected: [{ code: 'TW3007', file: O, line: 3, column: 13 }],
  },
  {
    name: 'nodes not indented under upstream: an empty upstream (TW2003) and a stray nodes (TW2001)',
    files: { [T]: WEB.replace('upstream:\n  nodes:\n    - host: 10.0.0.1\n      port: 80\n', 'upstream:\nnodes:\n  - host: 10.0.0.1\n    port: 80\n') },
    tags: { 'web/v1.0.0': WEB },
    draft: true,
    expected: [
      { code: 'TW2003', file: T, line: 2, column: 10 },
      { code: 'TW2001', file: T, line: 3, column: 1 },
    ],
  },
  {
    name: 'pass_host rewrite without upstream_host (TW3008)',
    files: { [T]: WEB.replace('upstream:\n', 'upstream:\n  pass_host: rewrite\n') },
    expected: [{ code: 'TW3008', file: T, line: 3, column: 14 }],
  },
  {
    name: 'two services claiming the same host + method + path are reported once, at the later route (TW3009)',
    files: {
      'services/api/service.yaml': 'name: api\nupstream:\n  nodes:\n    - host: 10.0.0.2\n      port: 80\nroutes:\n  - name: root\n    uris: [/x, /]\n',
      [G]: 'name: g\npublished:\n  web: 1.0.0\n  api: 1.0.0\n',
    },
    tags: {
      'web/v1.0.0': WEB,
      'api/v1.0.0': 'name: api\nupstream:\n  nodes:\n    - host: 10.0.0.2\n      port: 80\nroutes:\n  - name: root\n    uris: [/x, /]\n',
    },
    expected: [{ code: 'TW3009', file: T, line: 8, column: 12 }],
  },
  {
    name: 'routes told apart by vars do not conflict',
    files: { [T]: `${WEB}  - name: beta\n    uris: [/]\n    methods: [GET]\n    vars: [[arg_beta, "==", "1"]]\n` },
    expected: [],
  },
  {
    name: 'a path prefix in the group resolves a conflict',
    files: {
      'services/api/service.yaml': 'name: api\nupstream:\n  nodes:\n    - host: 10.0.0.2\n      port: 80\nroutes:\n  - name: root\n    uris: [/]\n',
      [G]: 'name: g\npublished:\n  web: 1.0.0\n  api: 1.0.0\n',
      'gateway-groups/g/services/api.yaml': 'path_prefix: /api\n',
    },
    tags: {
      'web/v1.0.0': WEB,
      'api/v1.0.0': 'name: api\nupstream:\n  nodes:\n    - host: 10.0.0.2\n      port: 80\nroutes:\n  - name: root\n    uris: [/]\n',
    },
    expected: [],
  },
  {
    name: 'unknown plugin with a did-you-mean hint (TW3010)',
    files: { [T]: WEB.replace('routes:', 'plugins:\n  limit-cont: {}\nroutes:') },
    expected: [{ code: 'TW3010', file: T, line: 7, column: 3 }],
  },
  {
    name: 'custom plugins are allowed through tagway.yaml',
    files: { [T]: WEB.replace('routes:', 'plugins:\n  my-auth: {}\nroutes:'), 'tagway.yaml': 'plugins: [my-auth]\n' },
    expected: [],
  },
  {
    name: 'overlay for a service the group does not publish (TW3011 warning)',
    files: { 'gateway-groups/g/services/other.yaml': 'hosts: [a.example.com]\n', 'services/other/service.yaml': WEB.replace('name: web', 'name: other') },
    expected: [{ code: 'TW3011', file: 'gateway-groups/g/services/other.yaml', line: 1, column: 1, severity: 'warning' }],
  },
  {
    name: 'overlay for a service with no template and no tag (TW3019)',
    files: { 'gateway-groups/g/services/other.yaml': 'hosts: [a.example.com]\n' },
    expected: [{ code: 'TW3019', file: 'gateway-groups/g/services/other.yaml', line: 1, column: 1, severity: 'error' }],
  },
  {
    name: 'overlay for a service known only by its tag is not TW3019',
    files: { 'gateway-groups/g/services/other.yaml': 'hosts: [a.example.com]\n' },
    tags: { 'web/v1.0.0': WEB, 'other/v1.0.0': WEB.replace('name: web', 'name: other') },
    expected: [{ code: 'TW3011', file: 'gateway-groups/g/services/other.yaml', line: 1, column: 1, severity: 'warning' }],
  },
  {
    name: 'no upstream nodes or discovery anywhere (TW3012)',
    files: { [T]: WEB.replace('upstream:\n  nodes:\n    - host: 10.0.0.1\n      port: 80\n', '') },
    expected: [{ code: 'TW3012', file: G, line: 3, column: 8 }],
  },
  {
    name: 'the overlay supplies the nodes the template lacks',
    files: {
      [T]: WEB.replace('upstream:\n  nodes:\n    - host: 10.0.0.1\n      port: 80\n', ''),
      [O]: 'upstream:\n  nodes:\n    - host: 10.0.0.9\n      port: 80\n',
    },
    expected: [],
  },
  {
    name: 'strip_path_prefix with a uri-rewriting proxy-rewrite (TW3013)',
    files: {
      [T]: WEB.replace('    methods: [GET]\n', '    methods: [GET]\n    plugins:\n      proxy-rewrite:\n        uri: /index.html\n'),
      [O]: 'path_prefix: /web\nstrip_path_prefix: true\n',
    },
    expected: [{ code: 'TW3013', file: T, line: 11, column: 7 }],
  },
  {
    name: 'canary with a template traffic-split (TW3014)',
    files: {
      [T]: WEB.replace('routes:', 'plugins:\n  traffic-split:\n    rules: []\nroutes:'),
      [O]: 'canary:\n  weight: 5\n  nodes:\n    - host: 10.0.0.5\n      port: 80\n',
    },
    expected: [{ code: 'TW3014', file: T, line: 7, column: 3 }],
  },
  {
    name: 'a tag whose commit has no template (TW3015)',
    tags: { 'web/v1.0.0': null },
    expected: [{ code: 'TW3015' }],
  },
  {
    name: 'a pin whose tag is not in a clone that may lack tags (TW3018, not TW3004)',
    files: { [G]: GROUP.replace('1.0.0', '2.0.0') },
    clone: { tags: SHALLOW },
    expected: [{ code: 'TW3018', file: G, line: 3, column: 8 }],
  },
  {
    name: 'a pin whose tag is not in the clone is only a warning in a draft compile',
    files: { [G]: GROUP.replace('1.0.0', '2.0.0') },
    clone: { tags: SHALLOW },
    draft: true,
    expected: [{ code: 'TW3018', file: G, line: 3, column: 8, severity: 'warning' }],
  },
  {
    name: 'a pin whose tag has lost its tag object or commit (TW1016)',
    tags: {},
    clone: { brokenTags: new Map([['web/v1.0.0', { service: 'web', version: '1.0.0', tag: 'web/v1.0.0', missing: LOST }]]) },
    expected: [{ code: 'TW1016', file: G, line: 3, column: 8 }],
  },
  {
    name: 'a range that would select a tag that lost its objects (TW1016), not the older one',
    files: { [G]: GROUP.replace('1.0.0', '^1.0') },
    clone: { brokenTags: new Map([['web/v1.1.0', { service: 'web', version: '1.1.0', tag: 'web/v1.1.0', missing: LOST }]]) },
    expected: [{ code: 'TW1016', file: G, line: 3, column: 8 }],
  },
  {
    name: 'a template at a tag that cannot be read (TW1016 at the pin, not TW3015)',
    tags: { 'web/v1.0.0': null },
    clone: { templates: new Map([['web/v1.0.0', LOST]]) },
    expected: [{ code: 'TW1016', file: G, line: 3, column: 8 }],
  },
  {
    name: 'an invalid template at the tag is reported at the tag',
    tags: { 'web/v1.0.0': WEB.replace('name: home', 'name: Home') },
    expected: [{ code: 'TW2003', file: T, line: 7, column: 11 }],
  },
  {
    name: 'canary needs weight or match (TW2002)',
    files: { [O]: 'canary:\n  nodes:\n    - host: 10.0.0.5\n      port: 80\n' },
    expected: [{ code: 'TW2002', file: O, line: 1, column: 1 }],
  },
  {
    name: 'target with a literal key instead of a reference (TW2003)',
    files: { [G]: `${GROUP}targets:\n  - name: eu-1\n    kind: apisix\n    admin_url: http://127.0.0.1:9180\n    admin_key: edd1c9f034335f136f87ad84b625c8f1\n` },
    expected: [{ code: 'TW2003', file: G, line: 8, column: 16 }],
  },
  {
    name: 'a file target that would overwrite the repository (TW2003)',
    files: { [G]: `${GROUP}targets:\n  - name: local\n    kind: file\n    path: .git/HEAD\n` },
    expected: [{ code: 'TW2003', file: G, line: 7, column: 11 }],
  },
  {
    name: 'two targets of a group share a name (TW3017)',
    files: { [G]: `${GROUP}targets:\n  - name: local\n    kind: file\n    path: out/a.yaml\n  - name: local\n    kind: file\n    path: out/b.yaml\n` },
    expected: [{ code: 'TW3017', file: G, line: 8, column: 11 }],
  },
  {
    name: 'an include that names no shared file (TW3055)',
    files: { [G]: `${GROUP}include: [consumers/ops]\n`, 'gateway-groups/_shared/consumers/opss.yaml': 'plugins: {}\n' },
    expected: [
      { code: 'TW3057', file: 'gateway-groups/_shared/consumers/opss.yaml', line: 1, column: 1 },
      { code: 'TW3055', file: G, line: 4, column: 11 },
    ],
  },
  {
    name: 'an include of a shared file the group has its own file for (TW3056)',
    files: { [G]: `${GROUP}include: [consumers/ops]\n`, 'gateway-groups/_shared/consumers/ops.yaml': 'plugins: {}\n', 'gateway-groups/g/consumers/ops.yaml': 'plugins: {}\n' },
    expected: [{ code: 'TW3056', file: G, line: 4, column: 11 }],
  },
  {
    name: 'a shared file no group includes (TW3057)',
    files: { 'gateway-groups/_shared/consumer-groups/gold.yaml': 'plugins: {}\n' },
    expected: [{ code: 'TW3057', file: 'gateway-groups/_shared/consumer-groups/gold.yaml', line: 1, column: 1, severity: 'warning' }],
  },
  {
    name: 'an include that is not <folder>/<name> (TW2003)',
    files: { [G]: `${GROUP}include: [ops]\n` },
    expected: [{ code: 'TW2003', file: G, line: 4, column: 11 }],
  },
  {
    name: 'a file target with a stray admin_url (TW2001)',
    files: { [G]: `${GROUP}targets:\n  - name: local\n    kind: file\n    path: out/g.yaml\n    admin_url: http://x\n` },
    expected: [{ code: 'TW2001', file: G, line: 8, column: 5 }],
  },
];

describe('rules', () => {
  for (const c of cases) {
    it(c.name, () => {
      const { diagnostics } = run(c);
      const got = diagnostics.map((d) => ({
        code: d.code,
        ...(c.expected.some((e) => e.file !== undefined) ? { file: d.file } : {}),
        ...(c.expected.some((e) => e.line !== undefined) ? { line: d.line, column: d.column } : {}),
        ...(c.expected.some((e) => e.severity !== undefined) ? { severity: d.severity } : {}),
      }));
      expect(got).toEqual(c.expected);
      for (const d of diagnostics) {
        expect(d.message).not.toMatch(/undefined/);
        if (d.code !== 'TW3015' && d.code !== 'TW1014') expect(d.hint ?? d.message).toBeTruthy();
      }
    });
  }

  it('an unknown key hint names the likely key', () => {
    const { diagnostics } = run(cases[1]!);
    expect(diagnostics[0]!.hint).toContain('`routes`');
  });

  it('the overlay finding says which file to change and that a version must be published', () => {
    const { diagnostics } = run(cases.find((c) => c.name.startsWith('overlay sets'))!);
    expect(diagnostics[0]!.hint).toContain('services/web/service.yaml');
    expect(diagnostics[0]!.hint).toContain('publish');
  });

  it('a conflict points at the other route as related', () => {
    const { diagnostics } = run(cases.find((c) => c.name.startsWith('two services'))!);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.related).toEqual([expect.objectContaining({ file: 'services/api/service.yaml', line: 8, column: 16 })]);
  });

  it.each([
    ['published versions: what can change is an overlay or a new version', false, /published versions \(web\/v1\.0\.0 and api\/v1\.0\.0\).*`path_prefix`.*gateway-groups\/g\/services\/web\.yaml.*publish a new version/],
    ['drafts: the routes themselves', true, /^Change one route's path/],
  ])('a conflict hint at %s', (_name, draft, hint) => {
    const conflict = cases.find((c) => c.name.startsWith('two services'))!;
    const { diagnostics } = run({ ...conflict, draft });
    expect(diagnostics.filter((d) => d.code === 'TW3009').map((d) => d.hint)).toEqual([expect.stringMatching(hint)]);
  });

  it('a conflict of two routes of one published version says a new version is the way', () => {
    const twice = `${WEB}  - name: home-again\n    uris: [/]\n    methods: [GET]\n`;
    const { diagnostics } = run({ name: 'one service', files: { [T]: twice }, expected: [] });
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([['TW3009', 11]]);
    expect(diagnostics[0]!.hint).toBe('Both routes are in web/v1.0.0, a published version, which does not change: change a route in services/web/service.yaml and publish a new version.');
  });

  it('an empty upstream beside its nodes hints at indentation, in a template and in an overlay', () => {
    const template = run(cases.find((c) => c.name.startsWith('nodes not indented'))!).diagnostics;
    expect(template.map((d) => d.hint)).toEqual([
      '`upstream:` is empty and `nodes:` (line 3) sits beside it instead of under it. Indent `nodes:` and its entries by two more spaces.',
      '`upstream:` above is empty: `nodes:` likely belongs under it. Indent `nodes:` and its entries by two more spaces.',
    ]);
    const overlay = run({ name: 'overlay', files: { [O]: 'upstream:\ndiscovery:\n  type: dns\n  service_name: web.internal\n' }, expected: [] }).diagnostics;
    expect(overlay.map((d) => [d.code, d.line, d.hint?.startsWith('`upstream:`')])).toEqual([
      ['TW2003', 1, true],
      ['TW2001', 2, true],
    ]);
  });

  it('a literal key is never echoed in a finding', () => {
    const { diagnostics } = run(cases.find((c) => c.name.startsWith('target with a literal key'))!);
    expect(JSON.stringify(diagnostics)).not.toContain('edd1c9f034335f136f87ad84b625c8f1');
  });

  it('findings in a template read at a tag name the tag', () => {
    const { diagnostics } = run(cases.find((c) => c.name.startsWith('an invalid template at the tag'))!);
    expect(diagnostics[0]!.revision).toBe('web/v1.0.0');
  });
});
