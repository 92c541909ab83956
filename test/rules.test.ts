/**
 * Table tests of the semantic rules and schema findings: each case is a small repository (as
 * text), and the expected findings are `{code, file, line, column}`. Message wording may change;
 * codes and positions may not.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../src/compile/compile.js';
import { MemoryMemo } from '../src/compile/memo.js';
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
const GR = (name: string) => `gateway-groups/g/global-rules/${name}.yaml`;
const PM = (plugin: string) => `gateway-groups/g/plugin-metadata/${plugin}.yaml`;
/** A consumer, and a consumer group, of group g. */
const C = (username: string) => `gateway-groups/g/consumers/${username}.yaml`;
const CG = (name: string) => `gateway-groups/g/consumer-groups/${name}.yaml`;
/** A consumer file with a key-auth key. */
const KEY = (key: string) => `plugins:\n  key-auth:\n    key: ${key}\n`;
const KEY_AUTH_WEB = WEB.replace('routes:', 'plugins:\n  key-auth: {}\nroutes:');

/** The web template with a route plugin that reads a header value from a secret manager. */
const withSecret = (reference: string) =>
  WEB.replace('    methods: [GET]\n', `    methods: [GET]\n    plugins:\n      proxy-rewrite:\n        headers:\n          set:\n            X-Api-Key: ${reference}\n`);
const VAULT = 'gateway-groups/g/secrets/vault/prod.yaml';
const VAULT_FILE = 'uri: https://vault.example.com:8200\nprefix: kv/apisix\ntoken: $env://VAULT_TOKEN\n';
const CONSUMER = 'gateway-groups/g/consumers/app.yaml';

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
    name: 'duplicate stream route names (TW3032)',
    files: { [T]: `${WEB}stream_routes:\n  - name: tcp\n    server_port: 9100\n  - name: tcp\n    server_port: 9101\n` },
    expected: [{ code: 'TW3032', file: T, line: 13, column: 11 }],
  },
  {
    name: 'a stream route may share a name with a route (another kind of id)',
    files: { [T]: `${WEB}stream_routes:\n  - name: home\n    server_port: 9100\n` },
    expected: [],
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
    name: 'a route uses a plugin config of its template',
    files: { [T]: `${WEB.replace('routes:', 'plugin_configs:\n  auth:\n    plugins:\n      key-auth: {}\nroutes:')}    plugin_config: auth\n` },
    expected: [],
  },
  {
    name: 'a route names a plugin config its template does not define, with a did-you-mean hint (TW3030)',
    files: { [T]: `${WEB.replace('routes:', 'plugin_configs:\n  auth:\n    plugins:\n      key-auth: {}\nroutes:')}    plugin_config: aut\n` },
    expected: [
      { code: 'TW3031', file: T, line: 7, column: 3, severity: 'warning' },
      { code: 'TW3030', file: T, line: 14, column: 20, severity: 'error' },
    ],
  },
  {
    name: 'a route names a plugin config in a template that has none (TW3030)',
    files: { [T]: `${WEB}    plugin_config: auth\n` },
    expected: [{ code: 'TW3030', file: T, line: 10, column: 20 }],
  },
  {
    name: 'a plugin config no route uses (TW3031 warning)',
    files: { [T]: WEB.replace('routes:', 'plugin_configs:\n  auth:\n    plugins:\n      key-auth: {}\nroutes:') },
    expected: [{ code: 'TW3031', file: T, line: 7, column: 3, severity: 'warning' }],
  },
  {
    name: 'a plugin config named like no route may be (TW2003), or without plugins (TW2002)',
    files: { [T]: WEB.replace('routes:', 'plugin_configs:\n  Auth_1:\n    plugins: {}\n  rate:\n    desc: limits\nroutes:') },
    expected: [
      { code: 'TW2003', file: T, line: 7, column: 3 },
      { code: 'TW2002', file: T, line: 9, column: 3 },
    ],
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
    name: "strip_path_prefix with a plugin config's uri-rewriting proxy-rewrite (TW3013)",
    files: {
      [T]: `${WEB.replace('routes:', 'plugin_configs:\n  rw:\n    plugins:\n      proxy-rewrite:\n        uri: /index.html\nroutes:')}    plugin_config: rw\n`,
      [O]: 'path_prefix: /web\nstrip_path_prefix: true\n',
    },
    expected: [{ code: 'TW3013', file: T, line: 9, column: 7 }],
  },
  {
    name: 'canary with a traffic-split in a plugin config (TW3014)',
    files: {
      [T]: `${WEB.replace('routes:', 'plugin_configs:\n  split:\n    plugins:\n      traffic-split:\n        rules: []\nroutes:')}    plugin_config: split\n`,
      [O]: 'canary:\n  weight: 5\n  nodes:\n    - host: 10.0.0.5\n      port: 80\n',
    },
    expected: [{ code: 'TW3014', file: T, line: 9, column: 7 }],
  },
  {
    name: 'unknown plugin in a plugin config (TW3010)',
    files: { [T]: `${WEB.replace('routes:', 'plugin_configs:\n  auth:\n    plugins:\n      key-auht: {}\nroutes:')}    plugin_config: auth\n` },
    expected: [{ code: 'TW3010', file: T, line: 9, column: 7 }],
  },
  {
    name: 'a pin of a service that has neither template nor tag, at its name (TW3004)',
    files: { [G]: 'name: g\npublished:\n  wbe: 1.0.0\n' },
    expected: [{ code: 'TW3004', file: G, line: 3, column: 3 }],
  },
  {
    name: 'a draft of a template with a YAML error: that error only, not a group without its template (TW3015)',
    files: { [T]: 'name: web\nroutes: [\n' },
    draft: true,
    expected: [{ code: 'TW1005', file: T }],
  },
  {
    name: 'a draft of a group that publishes a service with no template (TW3015)',
    files: { [T]: null },
    draft: true,
    expected: [{ code: 'TW3015', file: G, line: 3, column: 8 }],
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
  {
    name: 'a plugin of a global rule also on a route of a published service (TW3045 warning, at the rule)',
    files: { [GR('metrics')]: 'plugins:\n  real-ip: {source: http_x_real_ip}\n  prometheus: {}\n', [T]: WEB.replace('    methods: [GET]\n', '    methods: [GET]\n    plugins:\n      prometheus: {}\n') },
    expected: [{ code: 'TW3045', file: GR('metrics'), line: 3, column: 3, severity: 'warning' }],
  },
  {
    name: 'a plugin of a global rule also on a published service itself, at the version the group runs (TW3045 warning)',
    files: { [GR('cors')]: 'plugins:\n  cors: {}\n', [T]: WEB },
    tags: { 'web/v1.0.0': `${WEB}plugins:\n  cors: {}\n` },
    expected: [{ code: 'TW3045', file: GR('cors'), line: 2, column: 3, severity: 'warning' }],
  },
  {
    name: 'a plugin of a global rule also in a plugin config a route uses (TW3045 warning); in an unused one, no finding',
    files: {
      [GR('metrics')]: 'plugins:\n  prometheus: {}\n  cors: {}\n',
      [T]: WEB.replace('    methods: [GET]\n', '    methods: [GET]\n    plugin_config: observed\n').replace('routes:', 'plugin_configs:\n  observed:\n    plugins:\n      prometheus: {}\n  unused:\n    plugins:\n      cors: {}\nroutes:'),
    },
    // the unused plugin config is a warning of its own (TW3031)
    expected: [
      { code: 'TW3045', file: GR('metrics'), line: 2, column: 3, severity: 'warning' },
      { code: 'TW3031', file: T, line: 10, column: 3, severity: 'warning' },
    ],
  },
  {
    name: 'a plugin of a global rule on a service the group does not publish, or in the draft only (no finding)',
    files: {
      [GR('cors')]: 'plugins:\n  cors: {}\n',
      'services/api/service.yaml': 'name: api\nplugins:\n  cors: {}\nupstream:\n  nodes:\n    - host: 10.0.0.2\n      port: 80\nroutes:\n  - name: home\n    uris: [/api]\n',
      [T]: `${WEB}plugins:\n  cors: {}\n`,
    },
    tags: { 'web/v1.0.0': WEB },
    expected: [],
  },
  {
    name: 'two global rules of a group hold the same plugin (TW3046, at the later rule)',
    files: { [GR('b-metrics')]: 'plugins:\n  real-ip: {source: http_x_real_ip}\n  prometheus: {}\n', [GR('a-metrics')]: 'plugins:\n  prometheus: {}\n' },
    expected: [{ code: 'TW3046', file: GR('b-metrics'), line: 3, column: 3 }],
  },
  {
    name: 'global rules of a group with plugins of their own, and the same plugin in another group (no finding)',
    files: {
      [GR('metrics')]: 'plugins:\n  prometheus: {}\n',
      [GR('ip')]: 'plugins:\n  real-ip: {source: http_x_real_ip}\n',
      'gateway-groups/h/group.yaml': 'name: h\n',
      'gateway-groups/h/global-rules/metrics.yaml': 'plugins:\n  prometheus: {}\n',
    },
    expected: [],
  },
  {
    name: 'two consumers with the same key-auth key, reference as written (TW3023, at the later username)',
    files: { [C('a')]: KEY('$secret://vault/1/shop/key'), [C('b')]: KEY('$secret://vault/1/shop/key'), 'gateway-groups/g/secrets/vault/1.yaml': VAULT_FILE },
    expected: [{ code: 'TW3023', file: C('b'), line: 3, column: 10 }],
  },
  {
    name: 'two consumers with the same basic-auth username, jwt-auth key or hmac-auth key_id (TW3023 each)',
    files: {
      [C('a')]: 'plugins:\n  basic-auth:\n    username: shop\n    password: env:A\n  jwt-auth:\n    key: shop\n    secret: env:A\n  hmac-auth:\n    key_id: shop\n    secret_key: env:A\n',
      [C('b')]: 'plugins:\n  hmac-auth:\n    key_id: shop\n    secret_key: env:B\n  jwt-auth:\n    key: shop\n    secret: env:B\n  basic-auth:\n    username: shop\n    password: env:B\n',
    },
    expected: [
      { code: 'TW3023', file: C('b'), line: 3, column: 13 },
      { code: 'TW3023', file: C('b'), line: 6, column: 10 },
      { code: 'TW3023', file: C('b'), line: 9, column: 15 },
    ],
  },
  {
    name: 'credentials that differ as written, or that are in two gateway groups, do not collide',
    files: {
      [C('a')]: KEY('env:SHOP_KEY'),
      [C('b')]: KEY('$env://SHOP_KEY'),
      [C('c')]: 'plugins:\n  basic-auth:\n    username: env:SHOP_KEY\n    password: env:C\n',
      'gateway-groups/h/group.yaml': 'name: h\npublished: {}\n',
      'gateway-groups/h/consumers/a.yaml': KEY('env:SHOP_KEY'),
    },
    expected: [],
  },
  {
    name: 'plugin metadata of a plugin APISIX does not have (TW3047, did-you-mean)',
    files: { [PM('http-loger')]: 'log_format: {}\n' },
    expected: [{ code: 'TW3047', file: PM('http-loger'), line: 1, column: 1 }],
  },
  {
    name: 'plugin metadata of a plugin without a metadata schema (TW3047)',
    files: { [PM('key-auth')]: 'header: apikey\n' },
    expected: [{ code: 'TW3047', file: PM('key-auth'), line: 1, column: 1 }],
  },
  {
    name: 'plugin metadata of a custom plugin, whose metadata schema tagway does not know (TW3047)',
    files: { 'tagway.yaml': 'plugins: [my-logger]\n', [PM('my-logger')]: 'log_format: {}\n' },
    expected: [{ code: 'TW3047', file: PM('my-logger'), line: 1, column: 1 }],
  },
  {
    name: 'plugin metadata with an id of its own (TW3049)',
    files: { [PM('prometheus')]: 'disabled_labels: {}\nid: prometheus\n' },
    expected: [{ code: 'TW3049', file: PM('prometheus'), line: 2, column: 1 }],
  },
  {
    name: 'plugin metadata of plugins with a metadata schema (no finding)',
    files: { [PM('prometheus')]: 'disabled_labels:\n  http_status: [route]\n', [PM('http-logger')]: 'log_format:\n  host: $host\n' },
    expected: [],
  },
  {
    name: 'a service-wide key-auth in a group where no consumer holds key-auth (TW3024 warning, at the plugin)',
    files: { [T]: KEY_AUTH_WEB, [C('a')]: 'plugins:\n  basic-auth:\n    username: a\n    password: env:A\n' },
    expected: [{ code: 'TW3024', file: T, line: 7, column: 3, severity: 'warning' }],
  },
  {
    name: "a route's basic-auth in a group with no consumers at all (TW3024 warning, at the route's plugin)",
    files: { [T]: `${WEB}    plugins:\n      basic-auth: {}\n` },
    expected: [{ code: 'TW3024', file: T, line: 11, column: 7, severity: 'warning' }],
  },
  {
    name: 'an auth plugin is checked only in the groups that publish the service (TW3024 for h, not g)',
    files: {
      [T]: KEY_AUTH_WEB,
      [C('a')]: KEY('env:A'),
      'gateway-groups/h/group.yaml': 'name: h\npublished:\n  web: 1.0.0\n',
      'gateway-groups/i/group.yaml': 'name: i\npublished: {}\n',
    },
    expected: [{ code: 'TW3024', file: T, line: 7, column: 3, severity: 'warning' }],
  },
  {
    name: 'no TW3024 with an anonymous consumer, or for multi-auth with a consumer of one of its plugins',
    files: {
      [T]: WEB.replace('routes:', 'plugins:\n  key-auth:\n    anonymous_consumer: a\n  multi-auth:\n    auth_plugins:\n      - key-auth: {}\n      - basic-auth: {}\nroutes:'),
      [C('a')]: 'plugins:\n  basic-auth:\n    username: a\n    password: env:A\n',
    },
    expected: [],
  },
  {
    name: 'consumer-restriction names a consumer the group does not define (TW3025, at the name)',
    files: { [T]: WEB.replace('routes:', 'plugins:\n  key-auth: {}\n  consumer-restriction:\n    whitelist: [a, shpo]\nroutes:'), [C('a')]: KEY('env:A'), [C('shop')]: KEY('env:SHOP') },
    expected: [{ code: 'TW3025', file: T, line: 9, column: 20 }],
  },
  {
    name: 'consumer-restriction of consumer groups, and of a consumer, in allowed_by_methods (TW3025 each)',
    files: {
      [T]: `${WEB}    plugins:\n      consumer-restriction:\n        type: consumer_group_id\n        blacklist: [gold, silver]\n`,
      [CG('gold')]: 'plugins:\n  consumer-restriction:\n    allowed_by_methods:\n      - user: b\n        methods: [GET]\n    whitelist: [a]\n',
      [C('a')]: KEY('env:A'),
    },
    expected: [
      { code: 'TW3025', file: CG('gold'), line: 4, column: 15 },
      { code: 'TW3025', file: T, line: 13, column: 27 },
    ],
  },
  {
    name: 'consumer-restriction by service or route id names no consumers',
    files: { [T]: WEB.replace('routes:', 'plugins:\n  consumer-restriction:\n    type: route_id\n    whitelist: [web.home]\nroutes:') },
    expected: [],
  },
  {
    name: "a published route's $secret:// names a secret manager the group does not define (TW3050, warning)",
    files: { [T]: withSecret('$secret://vault/prod/web/key') },
    expected: [{ code: 'TW3050', file: T, line: 14, column: 24, severity: 'warning' }],
  },
  {
    name: "a published service's $secret:// names the group's secret manager: no finding",
    files: { [T]: withSecret('$secret://vault/prod/web/key'), [VAULT]: VAULT_FILE },
    expected: [],
  },
  {
    name: 'a $secret:// without the key to look up (TW3051, warning)',
    files: { [T]: withSecret('$secret://vault/prod'), [VAULT]: VAULT_FILE },
    expected: [{ code: 'TW3051', file: T, line: 14, column: 24, severity: 'warning' }],
  },
  {
    name: "a consumer's $secret:// names a secret manager the group does not define (TW3050, warning)",
    files: { [CONSUMER]: 'plugins:\n  key-auth:\n    key: $secret://aws/main/app-key\n', [VAULT]: VAULT_FILE },
    expected: [{ code: 'TW3050', file: CONSUMER, line: 3, column: 10, severity: 'warning' }],
  },
  {
    name: "a consumer's $secret:// names the group's secret manager: no finding",
    files: { [CONSUMER]: 'plugins:\n  key-auth:\n    key: $secret://vault/prod/app/key\n', [VAULT]: VAULT_FILE },
    expected: [],
  },
  {
    name: "a secret manager's $env:// where its manager does not read one, a $secret:// in one (TW3052)",
    files: {
      'gateway-groups/g/secrets/gcp/main.yaml': 'auth_config:\n  client_email: a@b\n  private_key: $env://GCP_KEY\n  project_id: p\n',
      [VAULT]: VAULT_FILE.replace('https://vault.example.com:8200', '$env://VAULT_ADDR'),
      'gateway-groups/g/secrets/aws/main.yaml': 'access_key_id: $env://AWS_KEY_ID\nsecret_access_key: $secret://vault/prod/aws/key\n',
    },
    expected: [
      { code: 'TW3052', file: 'gateway-groups/g/secrets/aws/main.yaml', line: 2, column: 20 },
      { code: 'TW3052', file: 'gateway-groups/g/secrets/gcp/main.yaml', line: 3, column: 16 },
      { code: 'TW3052', file: VAULT, line: 1, column: 6 },
    ],
  },
];

describe('a value of the wrong type or out of bounds says how to write it (TW2003)', () => {
  it.each([
    ['a fraction for an integer', 'port: 80.5', '`upstream.nodes[0].port` must be integer', 'Write a whole number without quotes (80, not "80" or 80.5).'],
    ['a quoted number for an integer', 'port: "80"', '`upstream.nodes[0].port` must be integer', 'Write a whole number without quotes (80, not "80" or 80.5).'],
    ['a port below its minimum', 'port: 0', '`upstream.nodes[0].port` must be >= 1', 'Write a number >= 1.'],
  ])('%s', (_name, port, message, hint) => {
    const { diagnostics } = run({ name: 'type', files: { [T]: WEB.replace('port: 80', port) }, expected: [] });
    expect(diagnostics.map((d) => [d.code, d.message, d.hint])).toEqual([['TW2003', message, hint]]);
  });

  it('a list where a map belongs, and a map where a list belongs', () => {
    const { diagnostics } = run({ name: 'shapes', files: { [T]: WEB.replace('  nodes:\n', '  nodes: {}\n  x:\n').replace('methods: [GET]', 'methods: { a: 1 }') }, expected: [] });
    expect(diagnostics.filter((d) => d.code === 'TW2003').map((d) => d.hint)).toContain('Write a list: `- item` lines under it (or `[a, b]`).');
  });
});

describe('a bracket or quote left open', () => {
  it('is reported where the parser stops, with the line that opened it (TW1005)', () => {
    const { diagnostics } = run({ name: 'open', files: { [T]: 'name: web\nroutes: [\n' }, expected: [] });
    expect(diagnostics.map((d) => [d.code, d.line, d.hint, d.related.map((r) => [r.line, r.column, r.message])])).toEqual([
      ['TW1005', 3, 'The `[` on line 2 is not closed: close it with `]` on that line, or write the list as `- item` lines.', [[2, 9, '`[` opened here']]],
    ]);
  });
});

describe('a pin of a service that does not exist', () => {
  it('names the service meant (TW3004)', () => {
    const { diagnostics } = run({ name: 'typo', files: { [G]: 'name: g\npublished:\n  wbe: 1.0.0\n' }, expected: [] });
    expect(diagnostics.map((d) => [d.code, d.message, d.hint])).toEqual([
      ['TW3004', 'there is no service wbe: no services/wbe/service.yaml and no tag wbe/v…', 'Did you mean `web`? Pin a service of this repository, or create services/wbe/service.yaml and publish it.'],
    ]);
  });
});

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

  it("a $secret:// close to one of the group's secret managers says which, else which file to add", () => {
    const close = run({ name: 'close', files: { [T]: withSecret('$secret://vault/prd/web/key'), [VAULT]: VAULT_FILE }, expected: [] });
    expect(close.diagnostics.map((d) => [d.code, d.message, d.hint])).toEqual([
      ['TW3050', 'secret manager vault/prd is not one of gateway group g', 'Did you mean $secret://vault/prod/…?'],
    ]);
    const far = run({ name: 'far', files: { [T]: withSecret('$secret://gcp/main/web/key') }, expected: [] });
    expect(far.diagnostics[0]!.hint).toContain('Add gateway-groups/g/secrets/gcp/main.yaml');
  });

  it("a service's $secret:// findings follow the group's secret managers, not a memo of the service", () => {
    const memo = new MemoryMemo();
    const files = { [T]: withSecret('$secret://vault/prod/web/key'), [G]: GROUP };
    const tags = { 'web/v1.0.0': files[T] };
    expect(compile({ ...memoryInput({ files, tags }), memo }).diagnostics.map((d) => d.code)).toEqual(['TW3050']);
    expect(compile({ ...memoryInput({ files: { ...files, [VAULT]: VAULT_FILE }, tags }), memo }).diagnostics).toEqual([]);
    expect(compile({ ...memoryInput({ files, tags }), memo }).diagnostics.map((d) => d.code)).toEqual(['TW3050']);
  });

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

  it('a plugin run twice points at each place of the service as related, in the version the group runs', () => {
    const route = run(cases.find((c) => c.name.startsWith('a plugin of a global rule also on a route'))!).diagnostics;
    expect(route[0]!.related).toEqual([expect.objectContaining({ file: T, line: 11, column: 19, message: 'prometheus on route home of service web' })]);
    const service = run(cases.find((c) => c.name.startsWith('a plugin of a global rule also on a published service'))!).diagnostics;
    expect(service[0]!.related).toEqual([expect.objectContaining({ file: T, line: 11, column: 9, message: 'cors on service web' })]);
    expect(service[0]!.hint).toContain('services/web/service.yaml at web/v1.0.0');
    const config = run(cases.find((c) => c.name.startsWith('a plugin of a global rule also in a plugin config'))!).diagnostics;
    expect(config[0]!.related).toEqual([expect.objectContaining({ file: T, line: 9, column: 19, message: 'prometheus in plugin config observed of service web' })]);
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

  it('a credential collision points at the other consumer and never repeats the credential', () => {
    const literal = 'shop-canary-5f3a9c';
    const { diagnostics } = run({ name: 'literal keys', files: { 'tagway.yaml': 'literal_secrets: warn\n', [C('a')]: KEY(literal), [C('b')]: KEY(literal) }, expected: [] });
    const collisions = diagnostics.filter((d) => d.code === 'TW3023');
    expect(collisions.map((d) => [d.file, d.line, d.column])).toEqual([[C('b'), 3, 10]]);
    expect(collisions[0]!.related).toEqual([expect.objectContaining({ file: C('a'), line: 3, column: 10 })]);
    expect(JSON.stringify(diagnostics)).not.toContain(literal);
  });

  it("an auth plugin without a consumer: the hint names the group's consumers folder", () => {
    const { diagnostics } = run(cases.find((c) => c.name.startsWith('an auth plugin is checked only'))!);
    expect(diagnostics.map((d) => d.hint)).toEqual([expect.stringContaining('gateway-groups/h/consumers/<username>.yaml')]);
  });

  it('an unknown consumer-restriction name: the hint names the likely consumer', () => {
    const { diagnostics } = run(cases.find((c) => c.name.startsWith('consumer-restriction names a consumer'))!);
    expect(diagnostics.map((d) => d.hint)).toEqual([expect.stringMatching(/^Did you mean shop\? Add gateway-groups\/g\/consumers\/shpo\.yaml/)]);
  });

  it('a plugin config a route misspells is named in the hint', () => {
    const { diagnostics } = run(cases.find((c) => c.name.startsWith('a route names a plugin config its template'))!);
    expect(diagnostics.filter((d) => d.code === 'TW3030').map((d) => d.hint)).toEqual(['Did you mean auth?']);
  });

  it('findings in a template read at a tag name the tag', () => {
    const { diagnostics } = run(cases.find((c) => c.name.startsWith('an invalid template at the tag'))!);
    expect(diagnostics[0]!.revision).toBe('web/v1.0.0');
  });
});
