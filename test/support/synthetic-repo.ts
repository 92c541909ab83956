/**
 * A synthetic config repository of `n` services for tests of the compile cache and incremental
 * compiles: templates with some of everything the emitter and the YAML writer handle, two groups
 * (production pins 1.0.0, staging ^1.0) with an overlay for every service.
 */
import { execFileSync } from 'node:child_process';
import { makeRepo } from './git-repo.js';
import type { TempRepo } from './git-repo.js';

/** A template with some of everything the emitter and the YAML writer handle. */
export function template(i: number, extra = ''): string {
  return `name: svc-${i}
description: "Service ${i}: it's \\"quoted\\""
labels:
  team: t${i % 3}
hosts: [svc-${i}.example.com]
path_prefix: /svc-${i}
plugins:
  limit-count: { count: ${100 + i}, time_window: 60, rejected_code: 429, key: remote_addr }
upstream:
  type: chash
  hash_on: header
  key: X-User
  nodes:
    - host: 10.0.${i}.1
      port: 8080
routes:
  - name: list
    uris: [/items]
    methods: [GET]
  - name: item
    uris: [/items/*, /things/*]
    methods: [GET, PUT]
    vars: [[arg_x, "==", "1"]]
    plugins:
      proxy-rewrite:
        headers: { set: { X-Note: "line one: two" } }${extra}
`;
}

export function overlay(i: number, group: string): string {
  return `hosts: [${group}-${i}.example.com]\nupstream:\n  nodes:\n    - host: 10.${group === 'production' ? 20 : 30}.${i}.1\n      port: 80\n`;
}

/**
 * Annotated tags on HEAD, all made by one `git fast-import` instead of two git processes a tag:
 * for repositories of thousands of services.
 */
export function tagHead(repo: TempRepo, tags: readonly { readonly name: string; readonly message: string }[]): void {
  const head = repo.revParse('HEAD');
  const stream = tags
    .map((t) => `tag ${t.name}\nfrom ${head}\ntagger Test <test@example.com> 1700000000 +0000\ndata ${Buffer.byteLength(t.message)}\n${t.message}\n`)
    .join('');
  execFileSync('git', ['fast-import', '--quiet'], { cwd: repo.dir, input: stream, stdio: ['pipe', 'ignore', 'pipe'] });
}

/**
 * `n` services, two groups with overlays, one tag per service (the caller cleans it up). With
 * `batchTags`, the tags are made by one process (`tagHead`).
 */
export function makeSyntheticRepo(n: number, options: { readonly batchTags?: boolean } = {}): TempRepo {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    files[`services/svc-${i}/service.yaml`] = template(i);
    for (const g of ['production', 'staging']) files[`gateway-groups/${g}/services/svc-${i}.yaml`] = overlay(i, g);
  }
  for (const g of ['production', 'staging']) {
    const pins = Array.from({ length: n }, (_, i) => `  svc-${i}: ${g === 'staging' ? '^1.0' : '1.0.0'}`).join('\n');
    files[`gateway-groups/${g}/group.yaml`] = `name: ${g}\npublished:\n${pins}\ntargets:\n  - name: local\n    kind: file\n    path: out/${g}/apisix.yaml\n`;
  }
  const repo = makeRepo({ files, commit: 'synthetic' });
  const tags = Array.from({ length: n }, (_, i) => ({ name: `svc-${i}/v1.0.0`, message: `svc-${i} 1.0.0` }));
  if (options.batchTags === true) tagHead(repo, tags);
  else for (const t of tags) repo.tag(t.name, { message: t.message });
  return repo;
}

