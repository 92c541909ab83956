// Synthetic config repositories for the benchmark, made with the real git CLI: N services (each
// 3 routes, plugins, an upstream of 3 nodes), groups `staging` and `production` with an overlay
// for every service, one annotated version tag per service, packed like a real clone.
// Built through `git fast-import`, so 10,000 services take seconds, not minutes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@tagway.invalid',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@tagway.invalid',
};

/** A certificate for *.example.com, valid for a year from now, and its key: made when the benchmark runs, never committed. */
export async function benchCertificate() {
  const { default: selfsigned } = await import('selfsigned');
  const made = await selfsigned.generate([{ name: 'commonName', value: 'example.com' }], {
    keyType: 'ec',
    days: 365,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: '*.example.com' }] }],
  });
  return { cert: made.cert, key: made.private };
}

export function serviceName(i) {
  return `svc-${String(i).padStart(5, '0')}`;
}

/**
 * Service `i`'s template; `revision` > 0 gives route `create` that priority. With `warning`, the
 * upstream has an `upstream_host` without `pass_host: rewrite`: a warning of its own (TW3008).
 */
export function templateText(i, revision = 0, { warning = false } = {}) {
  const name = serviceName(i);
  return `name: ${name}
description: Synthetic service ${i}
labels:
  team: team-${i % 50}
hosts:
  - api.example.com
path_prefix: /${name}
plugins:
  limit-count:
    count: ${100 + (i % 7)}
    time_window: 60
    rejected_code: 429
    key_type: var
    key: remote_addr
upstream:
  type: roundrobin
  retries: 2${warning ? '\n  upstream_host: backend.internal' : ''}
  timeout:
    connect: 3
    send: 10
    read: 10
  nodes:
    - host: 10.${i % 250}.0.1
      port: 8080
    - host: 10.${i % 250}.0.2
      port: 8080
    - host: 10.${i % 250}.0.3
      port: 8080
routes:
  - name: list
    uris: [/items]
    methods: [GET]
  - name: item
    uris: [/items/*]
    methods: [GET, PUT, DELETE]
    plugins:
      proxy-rewrite:
        headers:
          set:
            X-Service: ${name}
  - name: create
    uris: [/items]
    methods: [POST]${revision > 0 ? `\n    priority: ${revision}` : ''}
`;
}

function overlayText(i, group) {
  const net = group === 'production' ? 20 : 30;
  return `hosts:
  - ${group}.example.com
upstream:
  nodes:
    - host: 10.${net}.${i % 250}.1
      port: 8080
    - host: 10.${net}.${i % 250}.2
      port: 8080
    - host: 10.${net}.${i % 250}.3
      port: 8080
`;
}

function groupText(group, n) {
  const lines = [`name: ${group}`, 'published:'];
  for (let i = 0; i < n; i++) lines.push(`  ${serviceName(i)}: ${group === 'staging' ? '^1.0' : '1.0.0'}`);
  lines.push('targets:', '  - name: local', '    kind: file', `    path: out/${group}/apisix.yaml`);
  return `${lines.join('\n')}\n`;
}

/**
 * SSL certificate `i` of staging: the certificate written in the file (so compile reads and
 * checks it), its key by reference (tls/bench.key, beside the repository, never in git). The
 * first also serves staging's host, which every overlay sets, so no host goes uncovered.
 */
function sslText(i, cert) {
  const snis = [...(i === 0 ? ['staging.example.com'] : []), `site-${String(i).padStart(5, '0')}.example.com`];
  const pem = cert.trimEnd().split('\n').map((line) => `  ${line}`).join('\n');
  return `snis:\n${snis.map((s) => `  - ${s}\n`).join('')}cert: |\n${pem}\nkey: file:tls/bench.key\n`;
}

/**
 * The whole gateway of group `staging` besides its services, for `n` services: `n` consumers with
 * key-auth (each key a distinct `$env://` reference, which the gateway resolves) in `n / 100`
 * consumer groups with a rate limit. Path → text.
 */
export function groupObjectFiles(n) {
  const files = {};
  const groups = Math.max(1, Math.floor(n / 100));
  for (let g = 0; g < groups; g++) {
    files[`gateway-groups/staging/consumer-groups/tier-${String(g).padStart(3, '0')}.yaml`] =
      `desc: Synthetic consumer group ${g}\nplugins:\n  limit-count:\n    count: ${1000 + g}\n    time_window: 60\n    rejected_code: 429\n`;
  }
  for (let i = 0; i < n; i++) {
    const user = `user-${String(i).padStart(5, '0')}`;
    files[`gateway-groups/staging/consumers/${user}.yaml`] =
      `username: ${user}\ngroup: tier-${String(i % groups).padStart(3, '0')}\nplugins:\n  key-auth:\n    key: $env://BENCH_KEY_${String(i).padStart(5, '0')}\n`;
  }
  return files;
}

/** Creates (or reuses, when `reuse` and present) a repository of `n` services under `dir`. */
/** With `warnings`, every template has a warning of its own (see `templateText`). */
/**
 * With `certificates` (`{ count, cert, key }`: a certificate for *.example.com and its key), the
 * staging group has that many SSL files (see `sslText`). With `whole`, group `staging` also holds
 * the objects of `groupObjectFiles`.
 */
export function generateRepo(dir, n, { reuse = true, warnings = false, certificates = null, whole = false } = {}) {
  const marker = path.join(dir, '.bench-complete');
  const kind = `${n}${warnings ? ' warnings' : ''}${certificates ? ` ${certificates.count} certificates` : ''}${whole ? ' whole' : ''}`;
  if (reuse && fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === kind) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main', dir], { env: GIT_ENV });
  const chunks = [];
  const file = (p, text) => {
    const data = Buffer.from(text);
    chunks.push(Buffer.from(`M 100644 inline ${p}\ndata ${data.length}\n`), data, Buffer.from('\n'));
  };
  const time = 1_704_067_200;
  chunks.push(Buffer.from(`commit refs/heads/main\nmark :1\ncommitter Bench <bench@tagway.invalid> ${time} +0000\ndata 21\nsynthetic repository\n`));
  for (let i = 0; i < n; i++) file(`services/${serviceName(i)}/service.yaml`, templateText(i, 0, { warning: warnings }));
  for (const group of ['production', 'staging']) {
    file(`gateway-groups/${group}/group.yaml`, groupText(group, n));
    for (let i = 0; i < n; i++) file(`gateway-groups/${group}/services/${serviceName(i)}.yaml`, overlayText(i, group));
  }
  for (let i = 0; i < (certificates?.count ?? 0); i++) file(`gateway-groups/staging/ssls/site-${String(i).padStart(5, '0')}.yaml`, sslText(i, certificates.cert));
  if (whole) for (const [p, text] of Object.entries(groupObjectFiles(n))) file(p, text);
  chunks.push(Buffer.from('\n'));
  for (let i = 0; i < n; i++) {
    const msg = `${serviceName(i)} 1.0.0\n`;
    chunks.push(Buffer.from(`tag ${serviceName(i)}/v1.0.0\nfrom :1\ntagger Bench <bench@tagway.invalid> ${time + 60} +0000\ndata ${Buffer.byteLength(msg)}\n${msg}\n`));
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, input: Buffer.concat(chunks), env: GIT_ENV, maxBuffer: 1 << 30 });
  execFileSync('git', ['repack', '-adq'], { cwd: dir, env: GIT_ENV });
  execFileSync('git', ['pack-refs', '--all'], { cwd: dir, env: GIT_ENV });
  execFileSync('git', ['reset', '-q', '--hard', 'main'], { cwd: dir, env: GIT_ENV });
  execFileSync('git', ['config', 'user.name', 'Bench'], { cwd: dir, env: GIT_ENV });
  execFileSync('git', ['config', 'user.email', 'bench@tagway.invalid'], { cwd: dir, env: GIT_ENV });
  fs.writeFileSync(path.join(dir, '.git', 'info', 'exclude'), '.bench-complete\ndist/\nout/\n.tagway/\ntls/\n');
  if (certificates) {
    fs.mkdirSync(path.join(dir, 'tls'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'tls', 'bench.key'), certificates.key, { mode: 0o600 });
  }
  fs.writeFileSync(marker, kind);
  return dir;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 1000);
  const dir = process.argv[3] ?? path.join('bench', '.work', `repo-${n}`);
  const count = Number(process.argv[4] ?? 0);
  const t = Date.now();
  generateRepo(dir, n, { reuse: false, certificates: count > 0 ? { count, ...(await benchCertificate()) } : null });
  process.stdout.write(`generated ${n} services${count > 0 ? ` and ${count} certificates` : ''} in ${dir} (${Date.now() - t} ms)\n`);
}
