/**
 * Certificates and private keys as apisix/ssl.lua `validate(cert, key)` reads them, with node's
 * crypto in place of OpenSSL's PEM readers: `ngx.ssl.parse_pem_cert` (one or more PEM
 * certificates, each of which must parse), `aes_decrypt_pkey` (a key that does not start with
 * "---" was encrypted by the Admin API with the gateway's `data_encryption.keyring`), and
 * `ngx.ssl.parse_pem_priv_key` (an unencrypted PEM private key). Beyond APISIX, which leaves it
 * as a TODO, a key must belong to its certificate: a pair that does not match fails every TLS
 * handshake.
 */

import { X509Certificate, createDecipheriv, createPrivateKey, type KeyObject } from 'node:crypto';
import { isNgxBase64 } from './ngx-base64.js';

const BEGIN_CERTIFICATE = '-----BEGIN CERTIFICATE-----';
const END_CERTIFICATE = '-----END CERTIFICATE-----';

/** The keyring of APISIX's default configuration (apisix/cli/config.lua `data_encryption`). */
const DEFAULT_KEYRING = ['qeddd145sfvddff3', 'edd1c9f0985e76a2'];

export type PemResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/**
 * `ngx.ssl.parse_pem_cert`: the first (leaf) certificate, or why the text is not a certificate
 * chain. OpenSSL reads certificate after certificate until the text has no more: what lies
 * between them is skipped, but a certificate begun must end and parse.
 */
export function parseCertificateChain(pem: string): PemResult<X509Certificate> {
  let leaf: X509Certificate | null = null;
  let at = pem.indexOf(BEGIN_CERTIFICATE);
  if (at < 0) return { ok: false, message: 'failed to parse cert: no PEM certificate found' };
  while (at >= 0) {
    const end = pem.indexOf(END_CERTIFICATE, at);
    if (end < 0) return { ok: false, message: `failed to parse cert: certificate ${leaf ? 'of the chain ' : ''}without its END line` };
    try {
      const certificate = new X509Certificate(pem.slice(at, end + END_CERTIFICATE.length));
      leaf ??= certificate;
    } catch (e) {
      return { ok: false, message: `failed to parse cert: ${e instanceof Error ? e.message : 'not a certificate'}` };
    }
    at = pem.indexOf(BEGIN_CERTIFICATE, end);
  }
  return { ok: true, value: leaf! };
}

/**
 * `aes_decrypt_pkey` then `ngx.ssl.parse_pem_priv_key`: the private key, why it cannot be read,
 * or null when it was encrypted with a keyring other than the default one (only the gateway can
 * read it).
 */
export function parsePrivateKey(text: string): PemResult<KeyObject> | null {
  let pem = text;
  if (!text.startsWith('---')) {
    const decrypted = decryptStoredKey(text);
    if (decrypted === null) return { ok: false, message: 'failed to decrypt previous encrypted key' };
    if (decrypted === undefined) return null;
    pem = decrypted;
  }
  try {
    return { ok: true, value: createPrivateKey({ key: pem, format: 'pem' }) };
  } catch (e) {
    return { ok: false, message: `failed to parse key: ${e instanceof Error ? e.message : 'not a private key'}` };
  }
}

/** Whether `key` is the private key of `certificate`. */
export function keyMatches(certificate: X509Certificate, key: KeyObject): boolean {
  try {
    return certificate.checkPrivateKey(key);
  } catch {
    return false;
  }
}

/**
 * core/data_encryption.lua `aes_cbc_decrypt` with the default keyring (AES-128-CBC, each key its
 * own IV): the plain text; null when no keyring could decrypt it (not base64 as nginx decodes it,
 * or not whole cipher blocks); undefined when the default keyring does not.
 */
function decryptStoredKey(text: string): string | null | undefined {
  const end = text.indexOf('=');
  const data = end < 0 ? text : text.slice(0, end);
  if (!isNgxBase64(text)) return null;
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length === 0 || bytes.length % 16 !== 0) return null;
  for (const secret of DEFAULT_KEYRING) {
    try {
      const key = Buffer.from(secret);
      const decipher = createDecipheriv('aes-128-cbc', key, key);
      return Buffer.concat([decipher.update(bytes), decipher.final()]).toString('latin1');
    } catch {
      // Bad padding: not this key.
    }
  }
  return undefined;
}
