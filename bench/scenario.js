// The changes the benchmark makes to a working copy of a generated repository, with the real git
// CLI: a template changed and published as a new version, an overlay changed, and fleet targets
// added.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { serviceName, templateText } from './generate.js';

const GIT_ENV = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_'))),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

export function git(dir, args, options = {}) {
  return execFileSync('git', args, { cwd: dir, env: GIT_ENV, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'], ...options });
}

/**
 * A disposable copy of the generated repository at `source` (which stays untouched for the next
 * run). The index is refreshed, as a fresh clone's would be.
 */
export function workingCopy(source, dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(source, dir, { recursive: true, preserveTimestamps: true });
  git(dir, ['update-index', '-q', '--refresh']);
  return dir;
}

/** Adds Admin API and standalone targets (and their key variable) to a group, committed. */
export function addTargets(dir, group, targets) {
  const file = path.join(dir, 'gateway-groups', group, 'group.yaml');
  const text = fs.readFileSync(file, 'utf8');
  const lines = targets.flatMap((t) => [`  - name: ${t.name}`, `    kind: ${t.kind}`, `    admin_url: ${t.url}`, `    admin_key: env:${t.keyVariable}`]);
  fs.writeFileSync(file, text.replace(/^targets:\n/m, `targets:\n${lines.join('\n')}\n`));
  git(dir, ['commit', '-q', '-am', `bench: targets of ${group}`]);
}

/** Changes service `i`'s template (route `create` gets `priority: revision`), commits it and tags it. */
export function publishTemplateChange(dir, i, revision) {
  const name = serviceName(i);
  fs.writeFileSync(path.join(dir, 'services', name, 'service.yaml'), templateText(i, revision));
  git(dir, ['commit', '-q', '-am', `${name}: priority ${revision}`]);
  const tag = `${name}/v1.${revision}.0`;
  git(dir, ['tag', '-a', '-m', `${name} 1.${revision}.0`, tag]);
  return tag;
}

/** Moves service `i`'s first upstream node in `group` to another address, committed. */
export function commitOverlayChange(dir, group, i, octet) {
  const name = serviceName(i);
  const file = path.join(dir, 'gateway-groups', group, 'services', `${name}.yaml`);
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, text.replace(/(host: 10\.\d+\.\d+\.)1\n/, `$1${octet}\n`));
  git(dir, ['commit', '-q', '-am', `${group}: move ${name}`]);
}
