#!/usr/bin/env node
// `npm run demo`: builds a scratch config repository from the bundled example (services/,
// gateway-groups/) under demo/ (git-ignored), tags the versions the groups publish, and runs
// tagway on it the way a user would: validate, compile, then publish → promote → rollback →
// history. Every step prints the command it runs.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import selfsigned from 'selfsigned';

const project = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const repo = path.join(project, 'demo', 'repo');
const cli = path.join(project, 'bin', 'run.js');

const step = (title) => process.stdout.write(`\n== ${title}\n`);
const git = (...args) => {
  process.stdout.write(`$ git ${args.join(' ')}\n`);
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } }).trim();
};
const tagway = (...args) => {
  process.stdout.write(`$ tagway ${args.join(' ')}\n`);
  const run = spawnSync(process.execPath, [cli, ...args], { cwd: repo, stdio: 'inherit' });
  if (run.status !== 0) {
    process.stderr.write(`demo: \`tagway ${args.join(' ')}\` exited with ${run.status}\n`);
    process.exit(run.status ?? 2);
  }
};

step(`A scratch config repository in ${path.relative(process.cwd(), repo) || repo}`);
fs.rmSync(repo, { recursive: true, force: true });
fs.mkdirSync(repo, { recursive: true });
for (const dir of ['services', 'gateway-groups', 'schemas']) {
  fs.cpSync(path.join(project, dir), path.join(repo, dir), { recursive: true });
}
fs.writeFileSync(path.join(repo, '.gitignore'), 'dist/\nout/\ntls/\n');
git('init', '-q', '-b', 'main');
git('config', 'user.name', 'Demo Operator');
git('config', 'user.email', 'operator@example.com');
git('add', '-A');
git('commit', '-q', '-m', 'Example configuration: petstore, orders, catalog; staging and production');

step('Version 1.0.0 of every service, and a 1.1.0 of petstore');
for (const service of ['catalog', 'orders', 'petstore']) {
  git('tag', '-a', `${service}/v1.0.0`, '-m', `${service} 1.0.0`);
}
const template = path.join(repo, 'services/petstore/service.yaml');
fs.appendFileSync(template, '  - name: pet-photos\n    uris: [/pets/*/photos]\n    methods: [GET, POST]\n');
git('commit', '-q', '-am', 'petstore: add the pet photos route');
git('tag', '-a', 'petstore/v1.1.0', '-m', 'petstore 1.1.0: pet photos');
process.stdout.write('staging pins petstore to ^1.0 and so runs 1.1.0; production pins 1.0.0.\n');

step("Staging's certificate, made now: the key never goes into git");
// gateway-groups/staging/ssls/staging.yaml names both files by `file:` references, which sync
// reads; a certificate must match its key, so it is made here with it rather than committed.
{
  const names = ['api.staging.example.com', 'petstore.staging.example.com'];
  const made = await selfsigned.generate([{ name: 'commonName', value: names[0] }], {
    days: 90,
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) }],
  });
  fs.mkdirSync(path.join(repo, 'tls'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'tls', 'staging.crt'), made.cert);
  fs.writeFileSync(path.join(repo, 'tls', 'staging.key'), made.private, { mode: 0o600 });
  process.stdout.write(`tls/staging.crt and tls/staging.key (git-ignored), for ${names.join(', ')}, valid 90 days\n`);
}

step('Validate');
tagway('validate');

step('Compile one snapshot per gateway group');
tagway('compile');

step('Where the outputs are');
for (const group of ['production', 'staging']) {
  const snapshot = JSON.parse(fs.readFileSync(path.join(repo, 'dist', group, 'snapshot.json'), 'utf8'));
  const versions = snapshot.provenance.services.map((s) => `${s.name}@${s.version}`).join(', ');
  process.stdout.write(`${group}: ${versions}\n  ${path.join(repo, 'dist', group, 'snapshot.json')}\n  ${path.join(repo, 'dist', group, 'apisix.yaml')}\n`);
}

// Versions and rollback: every step is a tag or a commit that plain git shows.
const showGit = (...args) => process.stdout.write(`${git(...args)}\n`);

step('Publish petstore 1.2.0 (a new route) to staging');
fs.appendFileSync(template, '  - name: adopt-pet\n    uris: [/pets/*/adopt]\n    methods: [POST]\n');
git('commit', '-q', '-am', 'petstore: adopt a pet');
tagway('publish', 'petstore', '--version', '1.2.0', '--group', 'staging');
process.stdout.write('The same facts in git: the annotated tag, and the commit that moved staging\'s pointer.\n');
showGit('tag', '-n9', '-l', 'petstore/v1.2.0');
showGit('log', '--oneline', '-1', '--', 'gateway-groups/staging/group.yaml');

step('Promote it from staging to production');
tagway('promote', 'petstore', '--from', 'staging', '--to', 'production');

step('Roll production back to the version it ran before');
tagway('rollback', 'petstore', '--group', 'production');

step('History of petstore');
tagway('history', 'petstore');
process.stdout.write('The same facts in git:\n');
showGit('log', '--oneline', '--', 'gateway-groups/production/group.yaml');
showGit('tag', '-n');
showGit('show', '--no-patch', 'petstore/v1.2.0');
tagway('status');


// ---- sync: both groups to their targets, then a second sync that writes nothing ----
// The example groups' targets are `file` targets (out/<group>/apisix.yaml, APISIX's standalone
// format), so this runs without a gateway; an `apisix` target would be synced the same way.
step('Sync both groups to their targets');
for (const group of ['staging', 'production']) tagway('sync', '--group', group);

step('Sync again: every target already runs its snapshot, so nothing is written');
for (const group of ['staging', 'production']) tagway('sync', '--group', group);
process.stdout.write(`The standalone files: ${path.join(repo, 'out', 'staging', 'apisix.yaml')}, ${path.join(repo, 'out', 'production', 'apisix.yaml')}\n`);
// ---- end of sync ----

process.stdout.write(`\nTry a mistake: edit ${path.relative(process.cwd(), template)} and run \`npx tagway validate -C demo/repo\`.\n`);
