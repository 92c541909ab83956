/**
 * Signed snapshots (docs/signing.md) as a user meets them: `compile --sign` writes a detached
 * signature beside each snapshot, and `sync --snapshot` and `agent --snapshot-dir` take a
 * snapshot file only with a valid signature by a trusted key, for that very snapshot, whenever
 * a key is trusted. The private key never reaches output, dist or the cache.
 */
import { createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../src/agent/agent.js';
import { createLogger } from '../src/agent/log.js';
import { runAgent } from '../src/app/agent.js';
import { runCompile, runValidate, type CompileCommandOptions } from '../src/app/compile.js';
import { runSync, type SyncOptions } from '../src/app/sync.js';
import { configDigest } from '../src/compile/snapshot.js';
import type { SignatureFile } from '../src/model/signature.js';
import type { Snapshot } from '../src/model/snapshot.js';
import { keyId, parsePrivateKey, rawPublicKey } from '../src/sign/keys.js';
import { startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { manualClock } from './support/agent-fixture.js';
import { runCli, synced, userError, type Run } from './support/cli-run.js';
import { parse } from 'yaml';
import { EXAMPLE_STAGING_TLS, makeExampleRepo, PETSTORE_1_1_ROUTE } from './support/example-repo.js';
import { makeTempDir, type TempRepo } from './support/git-repo.js';
import { loadGroupSnapshot } from '../src/app/group-snapshot.js';

/** A key pair from a fixed seed; `seed` and `pem` are the private key's two forms: canaries. */
function keyPair(fill: number): { seed: string; pem: string; publicRaw: string; publicPem: string; id: string } {
  const seed = Buffer.alloc(32, fill).toString('base64');
  const parsed = parsePrivateKey(seed);
  if (!parsed.ok) throw new Error(parsed.problem);
  const { privateKey } = parsed.key;
  const publicKey = createPublicKey(privateKey);
  return {
    seed,
    pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicRaw: rawPublicKey(publicKey).toString('base64'),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    id: keyId(publicKey),
  };
}

const CI = keyPair(0x5a);
const OTHER = keyPair(0x3c);

/** What of the private key may never show: its seed (base64, hex) and its PEM body. */
function canaries(key: { seed: string; pem: string }): string[] {
  const body = key.pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
  return [key.seed, Buffer.from(key.seed, 'base64').toString('hex'), ...body];
}

function expectNoPrivateKey(...texts: string[]): void {
  for (const text of texts) for (const canary of canaries(CI)) expect(text).not.toContain(canary);
}

/** Every file under `dir` (recursively), as Latin-1 text so that any bytes compare. */
function allFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      out[path.relative(dir, file)] = fs.readFileSync(file).toString('latin1');
    }
  }
  return out;
}

const ENV = { TAGWAY_SIGNING_KEY: CI.pem, OTHER_SIGNING_KEY: OTHER.seed };

describe('compile --sign', () => {
  let repo: TempRepo;
  beforeEach(() => {
    repo = makeExampleRepo();
  });
  afterEach(() => repo.cleanup());

  const compile = (options: Partial<CompileCommandOptions> = {}) => runCompile({ cwd: repo.dir, env: ENV, ...options });
  const signature = (out: string, group: string) => JSON.parse(repo.read(`${out}/${group}/snapshot.json.sig`)) as SignatureFile;

  it('writes snapshot.json.sig beside each snapshot and leaves snapshot.json as an unsigned compile writes it; the key shows nowhere', async () => {
    const plain = await compile({ outDir: 'plain', cache: false });
    expect(plain.groups.map((g) => g.signature)).toEqual([null, null]);
    const outcome = await compile({ sign: { key: 'env:TAGWAY_SIGNING_KEY' } });
    expect(outcome.ok).toBe(true);
    for (const group of ['production', 'staging']) {
      expect(repo.read(`dist/${group}/snapshot.json`)).toBe(repo.read(`plain/${group}/snapshot.json`));
      expect(repo.read(`dist/${group}/apisix.yaml`)).toBe(repo.read(`plain/${group}/apisix.yaml`));
      const snapshot = JSON.parse(repo.read(`dist/${group}/snapshot.json`)) as Snapshot;
      expect(signature('dist', group)).toMatchObject({
        format: 'tagway.snapshot-signature/v1',
        key_id: CI.id,
        statement: { format: snapshot.format, group, digest: snapshot.digest, draft: false, commit: null },
      });
      expect(outcome.groups.find((g) => g.group === group)?.signature).toEqual({ path: path.join(repo.dir, 'dist', group, 'snapshot.json.sig'), keyId: CI.id, signedAt: null });
    }
    expectNoPrivateKey(JSON.stringify(outcome.groups), ...Object.values(allFiles(path.join(repo.dir, 'dist'))), ...Object.values(allFiles(path.join(repo.dir, '.tagway'))));
  });

  it('two compiles with the same key give the same bytes; a time only from --signed-at or SOURCE_DATE_EPOCH', async () => {
    await compile({ outDir: 'a', cache: false, sign: { key: 'env:TAGWAY_SIGNING_KEY' } });
    await compile({ outDir: 'b', sign: { key: 'env:TAGWAY_SIGNING_KEY' } });
    expect(allFiles(path.join(repo.dir, 'b'))).toEqual(allFiles(path.join(repo.dir, 'a')));
    // The same key as its base64 seed in a file.
    fs.writeFileSync(path.join(repo.dir, 'seed.txt'), `${CI.seed}\n`);
    await compile({ outDir: 'c', sign: { key: 'file:seed.txt' } });
    expect(allFiles(path.join(repo.dir, 'c'))).toEqual(allFiles(path.join(repo.dir, 'a')));

    await compile({ outDir: 'd', sign: { key: 'env:TAGWAY_SIGNING_KEY' }, env: { ...ENV, SOURCE_DATE_EPOCH: '1714564800' } });
    expect(signature('d', 'staging').statement.signed_at).toBe('2024-05-01T12:00:00Z');
    await compile({ outDir: 'd', sign: { key: 'env:TAGWAY_SIGNING_KEY', signedAt: '2024-05-01T14:00:00+02:00' }, env: { ...ENV, SOURCE_DATE_EPOCH: '1' } });
    expect(signature('d', 'staging').statement.signed_at).toBe('2024-05-01T12:00:00Z');
    await expect(compile({ outDir: 'e', sign: { key: 'env:TAGWAY_SIGNING_KEY', signedAt: 'yesterday' } })).rejects.toThrow('--signed-at "yesterday" is not a time');
  });

  it('a warm compile spliced into the previous files signs the spliced snapshot as a whole compile would', async () => {
    expect((await compile({ sign: { key: 'env:TAGWAY_SIGNING_KEY' } })).incremental).toBeNull();
    repo.write('services/petstore/service.yaml', `${repo.read('services/petstore/service.yaml')}${PETSTORE_1_1_ROUTE.replaceAll('pet-photos', 'pet-videos').replace('photos', 'videos')}`);
    repo.commit('petstore: add the pet videos route');
    repo.tag('petstore/v1.2.0', { message: 'petstore 1.2.0' });
    const warm = await compile({ sign: { key: 'env:TAGWAY_SIGNING_KEY' } });
    expect(warm.incremental).toEqual(['petstore']);
    await compile({ outDir: 'whole', cache: false, sign: { key: 'env:TAGWAY_SIGNING_KEY' } });
    expect(allFiles(path.join(repo.dir, 'dist/staging'))).toEqual(allFiles(path.join(repo.dir, 'whole/staging')));
    expect(repo.read('dist/staging/snapshot.json')).toContain('pet-videos');
    const outcome = synced(await runSync({ cwd: repo.dir, snapshotFile: 'dist/staging/snapshot.json', trustedKeys: [CI.publicRaw], env: {} }));
    expect(outcome.snapshot.source).toMatchObject({ kind: 'file', signature: { keyId: CI.id } });
  });

  it('without --sign, a signature an earlier compile left is removed (of the groups compiled)', async () => {
    await compile({ sign: { key: 'env:TAGWAY_SIGNING_KEY' } });
    const again = await compile({ groups: ['staging'] });
    expect(again.groups).toMatchObject([{ group: 'staging', signature: null, changed: true }]);
    expect(fs.existsSync(path.join(repo.dir, 'dist/staging/snapshot.json.sig'))).toBe(false);
    expect(fs.existsSync(path.join(repo.dir, 'dist/production/snapshot.json.sig'))).toBe(true);
  });

  it('a key that cannot be used is an error naming its reference, never its value, and nothing is written', async () => {
    fs.writeFileSync(path.join(repo.dir, 'public.pem'), CI.publicPem);
    const cases: [string, Record<string, string>, string][] = [
      ['env:UNSET_SIGNING_KEY', {}, '--sign env:UNSET_SIGNING_KEY: environment variable UNSET_SIGNING_KEY is not set'],
      ['env:TAGWAY_SIGNING_KEY', { TAGWAY_SIGNING_KEY: '' }, 'environment variable TAGWAY_SIGNING_KEY is empty'],
      ['file:missing.pem', {}, '--sign file:missing.pem: cannot read'],
      ['file:public.pem', {}, '--sign file:public.pem is not an ed25519 private key: it is a PEM "PUBLIC KEY" block'],
      ['env:TAGWAY_SIGNING_KEY', { TAGWAY_SIGNING_KEY: CI.pem.replace(/\n[A-Za-z0-9+/=]+\n/, '\nMC4CAQAwBQYDK2Vw\n') }, '--sign env:TAGWAY_SIGNING_KEY is not an ed25519 private key'],
      // The key itself where its reference belongs.
      [CI.pem, {}, '--sign (value not shown) is not a key reference'],
      [CI.seed, {}, '--sign (value not shown) is not a key reference'],
    ];
    for (const [key, env, message] of cases) {
      const error = await userError(runCompile({ cwd: repo.dir, sign: { key }, env }));
      expect(error.message).toContain(message);
      expectNoPrivateKey(error.message, error.hint ?? '');
    }
    expect(fs.existsSync(path.join(repo.dir, 'dist'))).toBe(false);
  });
});

describe('sync --snapshot with trusted keys', () => {
  let repo: TempRepo;
  beforeEach(async () => {
    repo = makeExampleRepo();
    await runCompile({ cwd: repo.dir, sign: { key: 'env:TAGWAY_SIGNING_KEY' }, env: ENV });
    await runCompile({ cwd: repo.dir, outDir: 'unsigned' });
    await runCompile({ cwd: repo.dir, outDir: 'other-key', sign: { key: 'env:OTHER_SIGNING_KEY' }, env: ENV });
  });
  afterEach(() => repo.cleanup());

  const sync = (snapshotFile: string, options: Partial<SyncOptions> = {}) => runSync({ cwd: repo.dir, snapshotFile, trustedKeys: [`file:${keyFile()}`], env: {}, ...options });
  const keyFile = () => {
    fs.writeFileSync(path.join(repo.dir, 'ci.pub'), CI.publicPem);
    return 'ci.pub';
  };
  const nothingSynced = () => expect(fs.existsSync(path.join(repo.dir, 'out'))).toBe(false);
  /** A copy of dist/<group>/ as carried elsewhere, with `change` applied to its snapshot. */
  const carry = (group: string, change?: (snapshot: { -readonly [K in keyof Snapshot]: Snapshot[K] }) => void, sigFrom = `dist/${group}`): string => {
    const snapshot = JSON.parse(repo.read(`dist/${group}/snapshot.json`)) as Snapshot;
    change?.(snapshot);
    repo.write(`carried/${group}/snapshot.json`, JSON.stringify(snapshot, null, 2));
    if (fs.existsSync(path.join(repo.dir, sigFrom, 'snapshot.json.sig'))) repo.write(`carried/${group}/snapshot.json.sig`, repo.read(`${sigFrom}/snapshot.json.sig`));
    return `carried/${group}/snapshot.json`;
  };

  it('a signed snapshot verifies and syncs to its file target: key given with --trusted-key', async () => {
    const outcome = synced(await sync(carry('staging')));
    expect(outcome.ok).toBe(true);
    expect(outcome.snapshot.source).toEqual({ kind: 'file', path: path.join(repo.dir, 'carried/staging/snapshot.json'), signature: { keyId: CI.id, signedAt: null } });
    expect(outcome.report.targets).toMatchObject([{ target: 'local', status: 'applied' }]);
    // The compiled file, with the values of its references (the example's certificate files).
    const compiled = parse(repo.read('dist/staging/apisix.yaml')) as { ssls: Record<string, unknown>[] };
    compiled.ssls[0] = { ...compiled.ssls[0], cert: EXAMPLE_STAGING_TLS.cert.trimEnd(), key: EXAMPLE_STAGING_TLS.key.trimEnd() };
    expect(parse(repo.read('out/staging/apisix.yaml'))).toEqual(compiled);
  });

  it('keys in tagway.yaml trusted_keys (PEM or base64, with or without id), several at once for rotation', async () => {
    const indent = (pem: string) => pem.trimEnd().split('\n').map((l) => `      ${l}`).join('\n');
    repo.write('tagway.yaml', `trusted_keys:\n  - id: ${OTHER.id}\n    key: ${OTHER.publicRaw}\n  - key: |\n${indent(CI.publicPem)}\n`);
    expect(synced(await sync(carry('staging'), { trustedKeys: [] })).snapshot.source).toMatchObject({ signature: { keyId: CI.id } });
    expect(synced(await sync('other-key/staging/snapshot.json', { trustedKeys: [] })).snapshot.source).toMatchObject({ signature: { keyId: OTHER.id } });
    // The repository still compiles with its settings.
    expect((await runCompile({ cwd: repo.dir, outDir: 'again' })).ok).toBe(true);
  });

  it('refuses a snapshot with an object edited and its digest recomputed (mismatch), and one whose signed statement was edited to match (bad-signature)', async () => {
    const file = carry('staging', (s) => {
      (s.apisix.routes[0] as unknown as { uris: string[] }).uris = ['/tampered'];
      s.digest = configDigest(s.apisix);
    });
    const mismatch = await userError(sync(file));
    expect(mismatch.message).toContain(`snapshot ${file} refused (mismatch)`);
    expect(mismatch.message).toMatch(/digest "sha256:[0-9a-f]{64}", signed "sha256:[0-9a-f]{64}"/);
    const sig = JSON.parse(repo.read(`${file}.sig`)) as SignatureFile;
    const digest = (JSON.parse(repo.read(file)) as Snapshot).digest;
    repo.write(`${file}.sig`, JSON.stringify({ ...sig, statement: { ...sig.statement, digest } }));
    expect((await userError(sync(file))).message).toContain('refused (bad-signature): its signature does not verify with key');
    nothingSynced();
  });

  it('refuses an unsigned snapshot, and a signature that is not one (malformed)', async () => {
    const unsigned = await userError(sync('unsigned/staging/snapshot.json'));
    expect(unsigned.message).toBe('snapshot unsigned/staging/snapshot.json refused (unsigned): it has no signature unsigned/staging/snapshot.json.sig, and snapshots must be signed here');
    expect(unsigned.hint).toContain('--trusted-key file:ci.pub');
    repo.write('unsigned/staging/snapshot.json.sig', '{"format":"tagway.snapshot-signature/v1"}');
    expect((await userError(sync('unsigned/staging/snapshot.json'))).message).toContain('refused (malformed)');
    nothingSynced();
  });

  it('refuses a signature by a key that is not trusted', async () => {
    const error = await userError(sync('other-key/staging/snapshot.json'));
    expect(error.message).toContain(`refused (unknown-key): it is signed by key ${OTHER.id}, which is not trusted here (trusted: ${CI.id})`);
    nothingSynced();
  });

  it("refuses another group's signature beside a snapshot", async () => {
    const file = carry('staging', undefined, 'dist/production');
    const error = await userError(sync(file));
    expect(error.message).toContain('refused (mismatch)');
    expect(error.message).toContain('group "staging", signed "production"');
    nothingSynced();
  });

  it('with no key configured, signatures are not checked, as before signing existed', async () => {
    const outcome = synced(await sync('unsigned/staging/snapshot.json', { trustedKeys: [] }));
    expect(outcome.snapshot.source).toMatchObject({ signature: null });
    repo.write('tagway.yaml', 'trusted_keys: []\n');
    expect(synced(await sync('other-key/staging/snapshot.json', { trustedKeys: [] })).ok).toBe(true);
  });

  it('a trusted key that is not one: an id that is not its own, a private key, a key variable unset, no snapshot to check', async () => {
    repo.write('tagway.yaml', `trusted_keys:\n  - id: ${OTHER.id}\n    key: ${CI.publicRaw}\n`);
    expect((await userError(sync(carry('staging'), { trustedKeys: [] }))).message).toBe(`tagway.yaml trusted_keys[0] says id ${OTHER.id}, but its key's id is ${CI.id}`);
    // Not a key, and a private key pasted where the public key belongs: schema findings that do not show the value.
    repo.write('tagway.yaml', `trusted_keys:\n  - key: not-a-key\n  - key: |\n${CI.pem.trimEnd().split('\n').map((l) => `      ${l}`).join('\n')}\n`);
    const findings = await sync(carry('staging'), { trustedKeys: [] });
    expect(findings.kind).toBe('findings');
    if (findings.kind === 'findings') {
      expect(findings.diagnostics.map((d) => [d.code, d.pointer, d.message])).toEqual([
        ['TW2003', '/trusted_keys/0/key', '`trusted_keys[0].key` is not an ed25519 public key (its value is not shown: it may be a secret)'],
        ['TW2003', '/trusted_keys/1/key', '`trusted_keys[1].key` is not an ed25519 public key (its value is not shown: it may be a secret)'],
      ]);
      expectNoPrivateKey(JSON.stringify(findings.diagnostics));
    }
    // validate finds the same on the pull request that adds them.
    const validated = await runValidate({ cwd: repo.dir });
    expect(validated.diagnostics.map((d) => [d.code, d.file, d.pointer])).toEqual([
      ['TW2003', 'tagway.yaml', '/trusted_keys/0/key'],
      ['TW2003', 'tagway.yaml', '/trusted_keys/1/key'],
    ]);
    repo.remove('tagway.yaml');
    expect((await userError(sync(carry('staging'), { trustedKeys: ['env:CI_PUBLIC_KEY'] }))).message).toBe('--trusted-key env:CI_PUBLIC_KEY: environment variable CI_PUBLIC_KEY is not set');
    expect(synced(await sync(carry('staging'), { trustedKeys: ['env:CI_PUBLIC_KEY'], env: { CI_PUBLIC_KEY: CI.publicPem } })).ok).toBe(true);
    expect((await userError(runSync({ cwd: repo.dir, group: 'staging', trustedKeys: [CI.publicRaw], env: {} }))).message).toContain('none is given');
  });
});

/** Runs the built CLI; a SOURCE_DATE_EPOCH of this process would put a time in the signatures. */
function tagway(args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): Promise<Run> {
  return runCli(args, cwd, env, ['SOURCE_DATE_EPOCH']);
}

const ADMIN_KEY = 'signing-admin-key-4e1c9a7b';

function apisixStaging(url: string): string {
  return `name: staging\npublished:\n  petstore: ^1.0\n  orders: 1.0.0\n  catalog: 1.0.0\ntargets:\n  - name: eu-1\n    kind: apisix\n    admin_url: ${url}\n    admin_key: env:TAGWAY_SIGNING_TEST_ADMIN_KEY\n`;
}

describe('with an Admin API test server as the staging fleet', () => {
  let server: AdminServer;
  let repo: TempRepo;
  beforeAll(async () => {
    server = await startAdminServer({ apiKey: ADMIN_KEY });
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    repo = makeExampleRepo({ 'gateway-groups/staging/group.yaml': apisixStaging(server.url) });
  });
  afterEach(() => repo.cleanup());

  describe('the built CLI: keygen, compile --sign, carry, sync --snapshot to an Admin API', () => {
    let keys: { dir: string; cleanup(): void };
    beforeEach(() => {
      keys = makeTempDir('tagway-keys-');
    });
    afterEach(() => keys.cleanup());

    it('signs in one place, verifies in another: synced when signed, exit 2 before any request when tampered or unsigned; the key never printed', async () => {
      const keygen = await tagway(['keygen', '--out', path.join(keys.dir, 'ci.pem')], repo.dir);
      expect(keygen.code).toBe(0);
      const id = /key id: ([0-9a-f]{16})/.exec(keygen.stdout)?.[1];
      expect(id).toBeDefined();
      expect(fs.statSync(path.join(keys.dir, 'ci.pem')).mode & 0o777).toBe(0o600);
      const privatePem = fs.readFileSync(path.join(keys.dir, 'ci.pem'), 'utf8');
      const body = privatePem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
      expect(keygen.stdout).toContain(`trusted_keys:\n  - id: ${id}\n    key: `);
      expect((await tagway(['keygen', '--out', path.join(keys.dir, 'ci.pem')], repo.dir)).code).toBe(2);

      const compile = await tagway(['compile', '--group', 'staging', '--sign', 'env:CI_KEY', '--format', 'json'], repo.dir, { CI_KEY: privatePem });
      expect(compile.code).toBe(0);
      expect(JSON.parse(compile.stdout).groups[0].signature).toMatchObject({ keyId: id, signedAt: null });

      // Carried to another place: the snapshot and its signature, nothing else.
      fs.mkdirSync(path.join(repo.dir, 'carried'));
      for (const f of ['snapshot.json', 'snapshot.json.sig']) fs.copyFileSync(path.join(repo.dir, 'dist/staging', f), path.join(repo.dir, 'carried', f));
      const env = { TAGWAY_SIGNING_TEST_ADMIN_KEY: ADMIN_KEY };
      const trust = ['--trusted-key', `file:${path.join(keys.dir, 'ci.pem.pub')}`];

      const tampered = JSON.parse(fs.readFileSync(path.join(repo.dir, 'carried/snapshot.json'), 'utf8')) as Snapshot;
      (tampered.apisix.routes[0] as unknown as { uris: string[] }).uris = ['/tampered'];
      fs.writeFileSync(path.join(repo.dir, 'tampered.json'), JSON.stringify({ ...tampered, digest: configDigest(tampered.apisix) }));
      fs.copyFileSync(path.join(repo.dir, 'carried/snapshot.json.sig'), path.join(repo.dir, 'tampered.json.sig'));
      const refused = await tagway(['sync', '--snapshot', 'tampered.json', ...trust], repo.dir, env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('error: snapshot tampered.json refused (mismatch)');
      fs.rmSync(path.join(repo.dir, 'dist/staging/snapshot.json.sig'));
      const unsigned = await tagway(['sync', '--snapshot', 'dist/staging/snapshot.json', ...trust, '--format', 'json'], repo.dir, env);
      expect(unsigned.code).toBe(2);
      expect(JSON.parse(unsigned.stdout).error.message).toContain('refused (unsigned)');
      expect(server.requests).toHaveLength(0);

      const run = await tagway(['sync', '--snapshot', 'carried/snapshot.json', ...trust], repo.dir, env);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`, signed by key ${id}`);
      expect(server.objects('routes').size).toBe(9);
      for (const text of [keygen.stdout, keygen.stderr, compile.stdout, compile.stderr, refused.stdout, refused.stderr, unsigned.stdout, unsigned.stderr, run.stdout, run.stderr]) {
        for (const line of body) expect(text).not.toContain(line);
      }
      for (const text of Object.values({ ...allFiles(path.join(repo.dir, 'dist')), ...allFiles(path.join(repo.dir, '.tagway')) })) {
        for (const line of body) expect(text).not.toContain(line);
      }
    });

    it('refuses before any request: no gateway is contacted for a refused snapshot', async () => {
      await runCompile({ cwd: repo.dir, groups: ['staging'], sign: { key: 'env:OTHER_SIGNING_KEY' }, env: ENV });
      const run = await tagway(['sync', '--snapshot', 'dist/staging/snapshot.json', '--trusted-key', CI.publicRaw], repo.dir, { TAGWAY_SIGNING_TEST_ADMIN_KEY: ADMIN_KEY });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('refused (unknown-key)');
      expect(server.requests).toHaveLength(0);
    });

    it('--help documents signing: compile --sign, sync and agent --trusted-key, keygen', async () => {
      const [compile, sync, agent, keygen] = await Promise.all(['compile', 'sync', 'agent', 'keygen'].map((c) => tagway([c, '--help'], repo.dir)));
      expect(compile?.stdout).toContain('--sign=env:NAME|file:PATH');
      expect(compile?.stdout).toContain('--signed-at');
      expect(compile?.stdout).toContain('snapshot.json.sig');
      expect(sync?.stdout).toContain('--trusted-key=file:PATH|env:NAME|KEY');
      expect(sync?.stdout).toContain('unsigned, mis-signed or unknown-key snapshot is refused');
      expect(agent?.stdout).toContain('--snapshot-dir');
      expect(agent?.stdout).toContain('--trusted-key');
      expect(keygen?.stdout).toContain('openssl genpkey -algorithm ed25519');
    });
  });

  describe('agent --snapshot-dir', () => {
    const agent = (trustedKeys: readonly string[]) => {
      let logs = '';
      const clock = manualClock();
      const a = new Agent({
        dir: repo.dir,
        groups: ['staging'],
        intervalMs: 10_000,
        pull: false,
        env: { TAGWAY_SIGNING_TEST_ADMIN_KEY: ADMIN_KEY },
        logger: createLogger({ write: (line) => (logs += line), clock, level: 'debug' }),
        clock,
        runtime: { sleep: async () => undefined },
        snapshotDir: path.join(repo.dir, 'carried'),
        trustedKeys,
        loadGroup: loadGroupSnapshot,
      });
      return { agent: a, logs: () => logs };
    };

    it('syncs a signed snapshot from the folder, and leaves the fleet alone when the snapshot there is not signed by a trusted key', async () => {
      await runCompile({ cwd: repo.dir, outDir: 'carried', groups: ['staging'], sign: { key: 'env:TAGWAY_SIGNING_KEY' }, env: ENV });
      const signed = agent([CI.publicRaw]);
      expect((await signed.agent.reconcile()).groups).toMatchObject([{ group: 'staging', outcome: 'synced', ok: true }]);
      expect(server.objects('routes').size).toBe(9);

      server.reset();
      await runCompile({ cwd: repo.dir, outDir: 'carried', groups: ['staging'], sign: { key: 'env:OTHER_SIGNING_KEY' }, env: ENV });
      const refused = agent([CI.publicRaw]);
      const report = await refused.agent.reconcile();
      expect(report.groups).toMatchObject([{ group: 'staging', outcome: 'failed', ok: false }]);
      expect(report.groups[0]?.error).toContain('refused (unknown-key)');
      expect(refused.logs()).toContain('cannot take the snapshot');
      expect(server.requests).toHaveLength(0);
    });

    it('refuses to start with trusted keys and no snapshot folder: it compiles from git then, and there is nothing to verify', async () => {
      const options = { cwd: repo.dir, groups: ['staging'], intervalMs: 1000, pull: false, listen: null, once: true, env: {}, stop: new AbortController().signal };
      const logger = createLogger({ write: () => {}, clock: manualClock(), level: 'error' });
      expect((await userError(runAgent({ ...options, logger, trustedKeys: [CI.publicRaw] }))).message).toContain('the agent is given none');
      expect((await userError(runAgent({ ...options, logger, snapshotDir: 'nowhere' }))).message).toBe('--snapshot-dir nowhere is not a folder');
    });
  });
});
