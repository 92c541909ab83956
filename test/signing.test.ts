/**
 * Signed snapshots (docs/signing.md) as a user meets them: `compile --sign` writes a detached
 * signature beside each snapshot. The private key never reaches output, dist or the cache.
 */
import { createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCompile, type CompileCommandOptions } from '../src/app/compile.js';
import type { SignatureFile } from '../src/model/signature.js';
import type { Snapshot } from '../src/model/snapshot.js';
import { keyId, parsePrivateKey, rawPublicKey } from '../src/sign/keys.js';
import { userError } from './support/cli-run.js';
import { makeExampleRepo, PETSTORE_1_1_ROUTE } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';

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
