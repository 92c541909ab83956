/**
 * apisix/ssl.lua `validate(cert, key)` on a certificate and its key (an SSL object's `cert` /
 * `key` and `certs` / `keys`, an upstream's `tls.client_cert` / `client_key`): the certificate
 * parses, the key decrypts and parses. Beyond APISIX, which accepts a pair whose key is not the
 * certificate's (ssl.lua leaves it as a TODO), such a pair is reported as a warning: every TLS
 * handshake that uses it fails.
 */

import type { Report } from './report.js';
import { keyMatches, parseCertificateChain, parsePrivateKey } from './pem.js';

export function checkCertificateAndKey(
  cert: string,
  key: string | undefined,
  at: { readonly cert: string; readonly key: string },
  report: Report,
  prefix = '',
): void {
  const certificate = parseCertificateChain(cert);
  if (!certificate.ok) report(at.cert, `${prefix}${certificate.message}`);
  if (key === undefined) return;
  const privateKey = parsePrivateKey(key);
  if (privateKey && !privateKey.ok) report(at.key, `${prefix}${privateKey.message}`);
  if (certificate.ok && privateKey?.ok && !keyMatches(certificate.value, privateKey.value)) {
    report(at.key, `${prefix}the private key does not belong to the certificate: every TLS handshake with it will fail`, 'warning');
  }
}
