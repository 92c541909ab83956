/**
 * ed25519 keys as tagway reads and names them. Two forms each, so that a key fits a PEM file as
 * well as a one-line environment variable or YAML value:
 * - private: PEM PKCS#8 (`-----BEGIN PRIVATE KEY-----`, what `openssl genpkey -algorithm
 *   ed25519` and `tagway keygen` write), or the 32-byte seed in base64;
 * - public: PEM SPKI (`-----BEGIN PUBLIC KEY-----`), or the 32-byte key in base64.
 * Parsing never puts the text it was given into a message: a private key must not reach output
 * even when it is malformed.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/** DER of a PKCS#8 ed25519 private key up to its 32-byte seed (RFC 8410 §7). */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** DER of an SPKI ed25519 public key up to its 32 bytes (RFC 8410 §4). */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A private key to sign with, and the id of its public key. Holds no printable secret. */
export interface SigningKey {
  readonly id: string;
  readonly privateKey: KeyObject;
}

/** A public key to verify with, and its id. */
export interface PublicKey {
  readonly id: string;
  readonly key: KeyObject;
}

export type ParsedKey<K> = { readonly ok: true; readonly key: K } | { readonly ok: false; readonly problem: string };

/** The PEM label of a text that starts as a PEM block, or null. */
function pemLabel(text: string): string | null {
  return /^-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1] ?? null;
}

/** The bytes of strict, padded base64 (no other characters, no white space inside), or null. */
function base64Bytes(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}

/** What tells the two kinds of key apart when parsing. */
const FORMS = {
  private: {
    label: 'PRIVATE KEY',
    expected: 'an unencrypted PKCS#8 "PRIVATE KEY" block',
    neither: 'a PEM PKCS#8 private key nor the base64 of a 32-byte ed25519 seed',
    fromPem: (pem: string) => createPrivateKey({ key: pem, format: 'pem' }),
    fromRaw: (raw: Buffer) => createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' }),
  },
  // createPublicKey would also take a private key (and derive its public key): the label check
  // refuses a private key where a public one belongs rather than using it.
  public: {
    label: 'PUBLIC KEY',
    expected: 'a "PUBLIC KEY" block',
    neither: 'a PEM public key nor the base64 of a 32-byte ed25519 public key',
    fromPem: (pem: string) => createPublicKey({ key: pem, format: 'pem' }),
    fromRaw: (raw: Buffer) => createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' }),
  },
} as const;

/** An ed25519 key of one kind, from PEM or from the base64 of its 32 bytes. */
function parseKey(text: string, kind: keyof typeof FORMS): ParsedKey<KeyObject> {
  const form = FORMS[kind];
  const trimmed = text.trim();
  const label = pemLabel(trimmed);
  let key: KeyObject;
  if (label !== null) {
    if (label !== form.label) return { ok: false, problem: `it is a PEM "${label}" block; ${form.expected} is expected` };
    try {
      key = form.fromPem(trimmed);
    } catch {
      return { ok: false, problem: `its PEM block does not hold ${kind === 'private' ? 'a PKCS#8 private key' : 'a public key'}` };
    }
  } else {
    const raw = base64Bytes(trimmed);
    if (raw === null || raw.byteLength !== 32) return { ok: false, problem: `it is neither ${form.neither}` };
    try {
      key = form.fromRaw(raw);
    } catch {
      return { ok: false, problem: 'its 32 bytes are not an ed25519 key' };
    }
  }
  if (key.asymmetricKeyType !== 'ed25519') return { ok: false, problem: `it is an ${key.asymmetricKeyType ?? 'unknown'} key, not an ed25519 key` };
  return { ok: true, key };
}

export function parsePrivateKey(text: string): ParsedKey<SigningKey> {
  const parsed = parseKey(text, 'private');
  return parsed.ok ? { ok: true, key: { id: keyId(createPublicKey(parsed.key)), privateKey: parsed.key } } : parsed;
}

export function parsePublicKey(text: string): ParsedKey<PublicKey> {
  const parsed = parseKey(text, 'public');
  return parsed.ok ? { ok: true, key: { id: keyId(parsed.key), key: parsed.key } } : parsed;
}

/** The 32 bytes of an ed25519 public key. */
export function rawPublicKey(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' }).subarray(SPKI_PREFIX.byteLength);
}

/**
 * A key's id: the first 16 hex digits of the sha256 of its 32 bytes. Short enough to read in a
 * log line, long enough that two keys of one deployment never share one by chance; an id only
 * picks the key to verify with, the signature check itself uses the whole key.
 */
export function keyId(key: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(key)).digest('hex').slice(0, 16);
}
