/**
 * A gateway group's SSL certificates end to end: compiled from gateway-groups/<group>/ssls/ with
 * their references kept, synced to an Admin API gateway (before the upstreams), to a standalone
 * file, shown by the diff; the key never in any output; a key that is not its certificate's
 * stops the sync before any write; a deleted file deletes the object; an object of the same id
 * that tagway does not own is refused, not overwritten. Certificates are made for the test.
 */
import { createCipheriv } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCompile, runValidate } from '../src/app/compile.js';
import { runDiff } from '../src/app/diff.js';
import { runSync, type SyncOutcome } from '../src/app/sync.js';
import { renderDrift } from '../src/cli/render/drift.js';
import { renderRollout, renderRolloutMarkdown } from '../src/cli/render/sync.js';
import { renderDiffText } from '../src/diff/render-text.js';
import { startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { makeCertificate, type TestCertificate } from './support/certificates.js';
import { runCli, synced } from './support/cli-run.js';
import { makeExampleRepo, writeExampleTls } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';
import { targetYaml } from './support/target-yaml.js';

const ADMIN = 'TAGWAY_TEST_SSLS_ADMIN';
const ADMIN_KEY = 'admin-key-ssls-71c2';
const G = 'gateway-groups/staging';
const SSL = `${G}/ssls/staging.yaml`;
const DAY = 24 * 60 * 60 * 1000;
const NAMES = ['api.staging.example.com', 'petstore.staging.example.com'];

function stagingGroup(targets: string): string {
  return `name: staging\npublished:\n  petstore: ^1.0\n  orders: 1.0.0\n  catalog: 1.0.0\ntargets:\n${targets}`;
}

/** A key as the gateway stores and returns it: encrypted with its default keyring (ssl.lua `aes_encrypt_pkey`). */
function encrypted(pem: string): string {
  const key = Buffer.from('qeddd145sfvddff3');
  const cipher = createCipheriv('aes-128-cbc', key, key);
  return Buffer.concat([cipher.update(pem, 'utf8'), cipher.final()]).toString('base64');
}

/** A line from the middle of a private key: on no output, ever. */
const keyLine = (tls: TestCertificate) => tls.key.split('\n')[2]!;

function outputs(outcome: SyncOutcome): string[] {
  if (outcome.kind === 'synced') return [renderRollout(outcome.report), renderRolloutMarkdown(outcome.report), JSON.stringify(outcome.report)];
  if (outcome.kind === 'dry-run') return [renderDrift(outcome.report)];
  return [];
}

let tls: TestCertificate;
let other: TestCertificate;

beforeAll(async () => {
  const valid = { notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 365 * DAY) };
  tls = await makeCertificate({ names: NAMES, ...valid });
  other = await makeCertificate({ names: NAMES, ...valid });
});

describe('SSL certificates synced to an Admin API gateway', () => {
  let admin: AdminServer;
  let repo: TempRepo;
  const env = { [ADMIN]: ADMIN_KEY };
  const sync = () => runSync({ cwd: repo.dir, group: 'staging', env, retry: { maxAttempts: 1 } });

  beforeAll(async () => {
    admin = await startAdminServer({ apiKey: ADMIN_KEY });
  });
  afterAll(() => admin.close());
  beforeEach(() => {
    repo = makeExampleRepo({ [`${G}/group.yaml`]: stagingGroup(targetYaml('eu-1', 'apisix', admin.url, ADMIN)) });
    writeExampleTls(repo.dir, tls);
  });
  afterEach(() => {
    repo.cleanup();
    admin.reset();
  });

  it('writes the certificate and key read from their files, before the upstreams, and nothing the second time', async () => {
    const first = synced(await sync());
    expect(first.report.targets).toMatchObject([{ status: 'applied' }]);
    expect(admin.objects('ssls').get('staging')).toMatchObject({
      cert: tls.cert.replace(/\n$/, ''),
      key: encrypted(tls.key.replace(/\n$/, '')),
      snis: NAMES,
      labels: { 'managed-by': 'tagway', 'tagway.group': 'staging' },
    });
    const puts = admin.requests.filter((r) => r.method === 'PUT').map((r) => r.path);
    expect(puts.indexOf('/apisix/admin/ssls/staging')).toBeGreaterThanOrEqual(0);
    expect(puts.indexOf('/apisix/admin/ssls/staging')).toBeLessThan(puts.indexOf('/apisix/admin/upstreams/catalog'));
    await runCompile({ cwd: repo.dir });
    const dist = ['snapshot.json', 'apisix.yaml'].map((f) => fs.readFileSync(path.join(repo.dir, 'dist', 'staging', f), 'utf8'));
    expect(dist[0]).toContain('"key":"file:tls/staging.key"');
    for (const text of [...outputs(first), ...dist]) expect(text).not.toContain(keyLine(tls));

    const writes = admin.objectWrites();
    expect(synced(await sync()).report.targets).toMatchObject([{ status: 'in-sync', writes: 0 }]);
    expect(admin.objectWrites()).toBe(writes);
    const dry = await runSync({ cwd: repo.dir, group: 'staging', env, dryRun: true });
    expect(dry.ok).toBe(true);
    for (const text of outputs(dry)) expect(text).not.toContain(keyLine(tls));
  });

  it('stops before any write when the key is not the certificate\'s, naming the field and the reference, never the key', async () => {
    writeExampleTls(repo.dir, { cert: tls.cert, key: other.key });
    const error = await sync().then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toBe('SSL certificate staging key (from file:tls/staging.key) is not the private key of the certificate in cert');
    expect(JSON.stringify(error)).not.toContain(keyLine(other));
    expect(admin.objectWrites()).toBe(0);
    fs.rmSync(path.join(repo.dir, 'tls', 'staging.key'));
    await expect(sync()).rejects.toThrow('SSL certificate staging key: file:tls/staging.key cannot be read');
    expect(admin.objectWrites()).toBe(0);
  });

  it('writes a renewed certificate and key as one update', async () => {
    synced(await sync());
    writeExampleTls(repo.dir, other);
    const writes = admin.objectWrites();
    expect(synced(await sync()).report.targets).toMatchObject([{ status: 'applied', writes: 1 }]);
    expect(admin.objectWrites() - writes).toBe(1);
    expect(admin.objects('ssls').get('staging')).toMatchObject({ key: encrypted(other.key.replace(/\n$/, '')) });
  });

  it('deletes an SSL certificate removed from git', async () => {
    synced(await sync());
    repo.remove(SSL);
    expect(synced(await sync()).report.targets).toMatchObject([{ status: 'applied', writes: 1 }]);
    expect(admin.objects('ssls').has('staging')).toBe(false);
  });

  it('never overwrites an SSL of the same id that tagway does not own', async () => {
    admin.seed('ssls', 'staging', { id: 'staging', snis: ['hand.example.com'], cert: 'c', key: 'k' });
    const outcome = synced(await sync());
    expect(outcome.ok).toBe(false);
    expect(outcome.report.targets[0]!.conflicts).toEqual([expect.objectContaining({ code: 'unowned', kind: 'ssls', id: 'staging' })]);
    expect(admin.objects('ssls').get('staging')).toEqual({ id: 'staging', snis: ['hand.example.com'], cert: 'c', key: 'k' });
  });

  it('keeps the key out of the CLI output, text and JSON', async () => {
    const text = await runCli(['sync', '--group', 'staging'], repo.dir, env, []);
    expect(text.code).toBe(0);
    const json = await runCli(['sync', '--group', 'staging', '--dry-run', '--format', 'json'], repo.dir, env, []);
    const status = await runCli(['status', '--group', 'staging', '--live'], repo.dir, env, []);
    for (const out of [text, json, status]) for (const s of [out.stdout, out.stderr]) expect(s).not.toContain(keyLine(tls));
  });
});

describe('SSL certificates in the file target, the diff and validate', () => {
  let repo: TempRepo;
  afterEach(() => repo.cleanup());

  it('file target: carries the certificate and key in the standalone file, nothing the second time', async () => {
    repo = makeExampleRepo();
    writeExampleTls(repo.dir, tls);
    const sync = () => runSync({ cwd: repo.dir, group: 'staging', env: {}, retry: { maxAttempts: 1 } });
    expect(synced(await sync()).report.targets).toMatchObject([{ status: 'applied', writes: 1 }]);
    const file = fs.readFileSync(path.join(repo.dir, 'out', 'staging', 'apisix.yaml'), 'utf8');
    expect(file).toContain('ssls:\n  - cert: |-\n      -----BEGIN CERTIFICATE-----');
    expect(file).toContain(keyLine(tls));
    expect(synced(await sync()).report.targets).toMatchObject([{ status: 'in-sync', writes: 0 }]);
  });

  it('diff: shows the SSL a change adds; a key written in the file (literal_secrets: warn) masked', async () => {
    repo = makeExampleRepo();
    repo.remove(SSL);
    repo.commit('no certificate yet');
    const block = (pem: string) => `|\n${pem.trimEnd().replace(/^/gm, '  ')}`;
    repo.write('tagway.yaml', 'literal_secrets: warn\n');
    repo.write(SSL, `snis: [${NAMES.join(', ')}]\ncert: ${block(tls.cert)}\nkey: ${block(tls.key)}\n`);
    const outcome = await runDiff({ cwd: repo.dir, from: 'HEAD' });
    expect(outcome.ok).toBe(true);
    const staging = outcome.report!.groups.find((g) => g.group === 'staging')!;
    expect(staging.groupObjects.map((o) => [o.change, o.kind, o.id])).toEqual([['added', 'ssls', 'staging']]);
    const rendered = renderDiffText(outcome.report!);
    expect(rendered).toContain('+ SSL certificate staging');
    expect(rendered).toContain('key: <masked>');
    expect(rendered).not.toContain(keyLine(tls));
  });

  it('validate: a fresh clone without the certificate files passes; an expired certificate written in the file is an error', async () => {
    repo = makeExampleRepo();
    fs.rmSync(path.join(repo.dir, 'tls'), { recursive: true });
    expect((await runValidate({ cwd: repo.dir })).diagnostics).toEqual([]);
    const expired = await makeCertificate({ names: NAMES, notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - DAY) });
    repo.write(SSL, `snis: [${NAMES.join(', ')}]\ncert: |\n${expired.cert.trimEnd().replace(/^/gm, '  ')}\nkey: file:tls/staging.key\n`);
    const found = await runValidate({ cwd: repo.dir });
    expect(found.diagnostics.map((d) => [d.code, d.file, d.line])).toEqual([['TW3036', SSL, 2]]);
  });

  it('compile: a certificate that expired since the last compile is reported, not spliced over', async () => {
    repo = makeExampleRepo();
    const cert = await makeCertificate({ names: NAMES, notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 10 * DAY) });
    repo.write(SSL, `snis: [${NAMES.join(', ')}]\ncert: |\n${cert.cert.trimEnd().replace(/^/gm, '  ')}\nkey: file:tls/staging.key\n`);
    repo.commit('a certificate written in the file');
    const before = await runCompile({ cwd: repo.dir, now: Date.now() - 30 * DAY });
    expect(before.ok).toBe(true);
    expect(before.diagnostics).toEqual([]);
    const after = await runCompile({ cwd: repo.dir, now: Date.now() + 20 * DAY });
    expect(after.ok).toBe(false);
    expect(after.diagnostics.map((d) => d.code)).toEqual(['TW3036']);
  });
});
