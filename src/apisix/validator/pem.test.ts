import { describe, expect, it } from 'vitest';
import { oracleBody } from '../../../test/support/oracle-cases.js';
import { keyMatches, parseCertificateChain, parsePrivateKey } from './pem.js';

type Pair = { cert: string; key: string };
// Certificates and keys of the oracle cases.
const rsa = oracleBody<Pair>('g03051'); // an RSA certificate and its PKCS#8 key
const ec = oracleBody<Pair>('g03087'); // an EC certificate and its key
const encrypted = oracleBody<Pair>('g03193'); // the RSA certificate, its key encrypted with the default keyring

describe('parseCertificateChain (ngx.ssl.parse_pem_cert)', () => {
  it('reads a certificate, and a chain whose every certificate parses', () => {
    expect(parseCertificateChain(rsa.cert).ok).toBe(true);
    expect(parseCertificateChain(`${rsa.cert}\n${ec.cert}\ntrailing junk\n`).ok).toBe(true);
  });

  it.each([
    ['no certificate', 'x'.repeat(200)],
    ['a private key', rsa.key],
    ['a certificate with broken base64', rsa.cert.replace('MII', '!II')],
    ['a chain whose second certificate has no END line', `${rsa.cert}\n${ec.cert.slice(0, 300)}`],
  ])('refuses %s', (_name, pem) => {
    const parsed = parseCertificateChain(pem);
    expect(parsed.ok ? null : parsed.message).toMatch(/^failed to parse cert: /);
  });
});

describe('parsePrivateKey (aes_decrypt_pkey, then ngx.ssl.parse_pem_priv_key)', () => {
  it('reads PEM keys, and a key the Admin API encrypted with the default keyring', () => {
    expect(parsePrivateKey(rsa.key)?.ok).toBe(true);
    expect(parsePrivateKey(ec.key)?.ok).toBe(true);
    expect(parsePrivateKey(encrypted.key)?.ok).toBe(true);
  });

  it.each([
    ['not base64', '!'.repeat(80), 'failed to decrypt previous encrypted key'],
    ['base64 of no whole cipher block', 'QUJD'.repeat(30), 'failed to decrypt previous encrypted key'],
    ['a PEM key with broken base64', rsa.key.replace('MII', '!II'), 'failed to parse key: '],
  ])('refuses %s', (_name, text, message) => {
    const parsed = parsePrivateKey(text);
    expect(parsed && !parsed.ok ? parsed.message : null).toContain(message);
  });

  it('leaves a key encrypted with another keyring to the gateway', () => {
    expect(parsePrivateKey('c'.repeat(64))).toBeNull();
  });
});

describe('keyMatches', () => {
  it('tells a certificate its own key from another', () => {
    const cert = parseCertificateChain(rsa.cert);
    const own = parsePrivateKey(encrypted.key);
    const other = parsePrivateKey(ec.key);
    if (!cert.ok || !own?.ok || !other?.ok) throw new Error('fixtures do not parse');
    expect(keyMatches(cert.value, own.value)).toBe(true);
    expect(keyMatches(cert.value, other.value)).toBe(false);
  });
});
