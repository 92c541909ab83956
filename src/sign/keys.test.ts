import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyId, parsePrivateKey, parsePublicKey, rawPublicKey } from './keys.js';

/** A fixed seed, so that ids are the same on every run. */
const SEED = Buffer.alloc(32, 7).toString('base64');
const privatePem = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, 7)]), format: 'der', type: 'pkcs8' })
  .export({ type: 'pkcs8', format: 'pem' })
  .toString();
const publicKey = createPublicKey(createPrivateKey(privatePem));
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const publicRaw = rawPublicKey(publicKey).toString('base64');

function ok<K>(result: { ok: true; key: K } | { ok: false; problem: string }): K {
  if (!result.ok) throw new Error(result.problem);
  return result.key;
}

describe('ed25519 keys', () => {
  it('a private key in PEM PKCS#8 and as its base64 seed is the same key, with the id of its public key', () => {
    const fromPem = ok(parsePrivateKey(privatePem));
    const fromSeed = ok(parsePrivateKey(`  ${SEED}\n`));
    expect(fromPem.id).toMatch(/^[0-9a-f]{16}$/);
    expect(fromSeed.id).toBe(fromPem.id);
    expect(ok(parsePublicKey(publicPem)).id).toBe(fromPem.id);
    expect(ok(parsePublicKey(publicRaw)).id).toBe(fromPem.id);
    expect(keyId(publicKey)).toBe(fromPem.id);
  });

  it('another key has another id', () => {
    const other = generateKeyPairSync('ed25519').publicKey;
    expect(keyId(other)).not.toBe(keyId(publicKey));
  });

  it.each([
    ['a public key', publicPem, 'a PEM "PUBLIC KEY" block'],
    ['an RSA key', generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'not an ed25519 key'],
    ['an encrypted key', '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIGb\n-----END ENCRYPTED PRIVATE KEY-----\n', 'ENCRYPTED PRIVATE KEY'],
    ['a broken PEM block', '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWNhbmFyeQ==\n-----END PRIVATE KEY-----\n', 'does not hold'],
    ['31 bytes', Buffer.alloc(31, 7).toString('base64'), 'neither'],
    ['a passphrase', 'secret-canary-passphrase', 'neither'],
  ])('refuses %s as a private key, without repeating it', (_name, text, problem) => {
    const result = parsePrivateKey(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem).toContain(problem);
    expect(result.problem).not.toContain(text.trim().slice(0, 16));
  });

  it.each([
    // createPublicKey would derive the public key from it: a private key is never taken as public.
    ['a private key', privatePem, 'a PEM "PRIVATE KEY" block'],
    ['the base64 seed given in PEM armour', `-----BEGIN PUBLIC KEY-----\n${SEED}\n-----END PUBLIC KEY-----\n`, 'does not hold'],
    ['base64 with white space inside', `${publicRaw.slice(0, 10)} ${publicRaw.slice(10)}`, 'neither'],
    ['an RSA key', generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'not an ed25519 key'],
  ])('refuses %s as a public key', (_name, text, problem) => {
    const result = parsePublicKey(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toContain(problem);
  });
});
