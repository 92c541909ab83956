/**
 * apisix/admin/ssl.lua `check_conf` → apisix/ssl.lua `check_ssl_conf`: the SSL schema; the
 * certificate and key (unless either is a secret reference, resolved by the gateway); for a
 * server certificate, as many `keys` as `certs`, each pair too, and the client CA.
 */

import type { Report } from '../report.js';
import { isSecretReference } from '../secret-references.js';
import { checkCertificateAndKey } from '../ssl-pair.js';
import { parseCertificateChain } from '../pem.js';
import { checkCoreSchema } from './core-schema.js';

type JsonObject = Readonly<Record<string, unknown>>;

export function checkSsl(conf: unknown, report: Report): void {
  checkCoreSchema('ssl', conf, report);
  if (typeof conf !== 'object' || conf === null || Array.isArray(conf)) return;
  const ssl = conf as JsonObject;
  const cert = pemField(ssl.cert, 128);
  const key = pemField(ssl.key, 64);
  if (cert !== undefined && !isSecretReference(ssl.cert) && !isSecretReference(ssl.key)) {
    checkCertificateAndKey(cert, key, { cert: '/cert', key: '/key' }, report);
  }
  if (ssl.type === 'client') return;

  const certs = Array.isArray(ssl.certs) ? ssl.certs : [];
  const keys = Array.isArray(ssl.keys) ? ssl.keys : [];
  if (certs.length !== keys.length) {
    report(keys.length < certs.length ? '/certs' : '/keys', `mismatched number of certs and keys: ${certs.length} certs, ${keys.length} keys`);
  } else {
    certs.forEach((c: unknown, i) => {
      const pairCert = pemField(c, 128);
      const pairKey = pemField(keys[i], 64);
      if (pairCert === undefined || isSecretReference(c) || isSecretReference(keys[i])) return;
      checkCertificateAndKey(pairCert, pairKey, { cert: `/certs/${i}`, key: `/keys/${i}` }, report, `failed to handle cert-key pair[${i + 1}]: `);
    });
  }

  const client = ssl.client;
  if (typeof client === 'object' && client !== null && !Array.isArray(client)) {
    const ca = pemField((client as JsonObject).ca, 128);
    if (ca !== undefined && !isSecretReference(ca)) {
      const parsed = parseCertificateChain(ca);
      if (!parsed.ok) report('/client/ca', `failed to validate client_cert: ${parsed.message}`);
    }
  }
}

/** A PEM field that passed the schema's length check (the schema reports the others). */
function pemField(value: unknown, minLength: number): string | undefined {
  return typeof value === 'string' && value.length >= minLength && value.length <= 64 * 1024 ? value : undefined;
}
