/**
 * `tagway keygen`: a new ed25519 key pair for signed snapshots (docs/signing.md). The private key
 * goes to a file only the user can read and is never printed; the public key is written beside
 * it and printed with its id, ready for tagway.yaml's `trusted_keys`.
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import { keyId, rawPublicKey } from '../sign/keys.js';
import { UserError } from '../core/errors.js';

export interface KeygenOptions {
  /** Where the private key goes (PEM PKCS#8); the public key goes to `<file>.pub` (PEM SPKI). */
  readonly privateKeyFile: string;
}

export interface KeygenOutcome {
  readonly privateKeyFile: string;
  readonly publicKeyFile: string;
  readonly keyId: string;
  /** The public key as a PEM block. */
  readonly publicKeyPem: string;
  /** The public key as the base64 of its 32 bytes (one line, for tagway.yaml or --trusted-key). */
  readonly publicKey: string;
}

/** Writes a new key pair; refuses (UserError) when either file exists, writing neither. */
export async function runKeygen(options: KeygenOptions): Promise<KeygenOutcome> {
  const privateKeyFile = options.privateKeyFile;
  const publicKeyFile = `${privateKeyFile}.pub`;
  for (const file of [privateKeyFile, publicKeyFile]) {
    const exists = await fs.lstat(file).then(
      () => true,
      () => false,
    );
    if (exists) throw new UserError(`${file} exists; keygen never overwrites a key`, 'Give another --out, or remove the old key pair once nothing signs or verifies with it.');
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  try {
    // 'wx': created here, never through a file (or link) that appeared since the check.
    await fs.writeFile(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    await fs.writeFile(publicKeyFile, publicKeyPem, { mode: 0o644, flag: 'wx' });
  } catch (error) {
    throw new UserError(`cannot write the key pair: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'Give --out a path in a folder you can write to.', { cause: error });
  }
  return { privateKeyFile, publicKeyFile, keyId: keyId(publicKey), publicKeyPem, publicKey: rawPublicKey(publicKey).toString('base64') };
}
