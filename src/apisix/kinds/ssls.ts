import { fieldValue } from '../consumer-secrets.js';
import { keyMatches, parseCertificateChain, parsePrivateKey } from '../validator/pem.js';
import type { KindDescriptor, ResolvedProblem } from './descriptor.js';
import { GATEWAY_SERVER_FIELDS, LABEL_OWNERSHIP } from './ownership.js';

type JsonObject = Readonly<Record<string, unknown>>;

/** The paths of an array field's items (`['keys', '0']`, …), none when it is no array. */
function itemPaths(obj: JsonObject, field: string): string[][] {
  const list = obj[field];
  return Array.isArray(list) ? list.map((_, i) => [field, String(i)]) : [];
}

/** The paths of an SSL's private keys that it holds: `key`, and each of `keys`. */
export function sslSecretPaths(obj: JsonObject): readonly (readonly string[])[] {
  return [...(obj['key'] !== undefined ? [['key']] : []), ...itemPaths(obj, 'keys')];
}

/** The paths of an SSL's certificates that it holds: `cert`, each of `certs`, and `client.ca`. */
export function sslCertificatePaths(obj: JsonObject): readonly (readonly string[])[] {
  const client = obj['client'];
  const ca = typeof client === 'object' && client !== null && (client as JsonObject)['ca'] !== undefined ? [['client', 'ca']] : [];
  return [...(obj['cert'] !== undefined ? [['cert']] : []), ...itemPaths(obj, 'certs'), ...ca];
}

/** An SSL's certificate and key pairs, as paths: `cert` with `key`, then `certs[i]` with `keys[i]`. */
export function sslPairs(obj: JsonObject): readonly { readonly cert: readonly string[]; readonly key: readonly string[] }[] {
  const certs = itemPaths(obj, 'certs');
  return [{ cert: ['cert'], key: ['key'] }, ...certs.map((cert, i) => ({ cert, key: ['keys', String(i)] }))];
}

/** PEM text, as opposed to a reference (tagway's or the gateway's) or a key the gateway encrypted. */
function isPemText(value: unknown): value is string {
  return typeof value === 'string' && value.trimStart().startsWith('-----BEGIN ');
}

/**
 * Whether each certificate of an SSL is read and its key belongs to it, for the pairs both of whose
 * values are PEM text (not references): what sync checks once references are resolved, and
 * compile of what the file holds. Never
 * says anything of a key but that it is not one, or not the certificate's.
 */
export function sslPairProblems(obj: JsonObject): ResolvedProblem[] {
  const problems: ResolvedProblem[] = [];
  for (const pair of sslPairs(obj)) {
    const cert = fieldValue(obj, pair.cert);
    const key = fieldValue(obj, pair.key);
    if (!isPemText(cert) || !isPemText(key)) continue;
    const certificate = parseCertificateChain(cert);
    if (!certificate.ok) {
      problems.push({ field: pair.cert, problem: `is not a PEM certificate (${certificate.message})` });
      continue;
    }
    const privateKey = parsePrivateKey(key);
    if (privateKey === null) continue;
    if (!privateKey.ok) problems.push({ field: pair.key, problem: 'is not a PEM private key' });
    else if (!keyMatches(certificate.value, privateKey.value)) problems.push({ field: pair.key, problem: `is not the private key of the certificate in ${pair.cert.join('.')}` });
  }
  return problems;
}

/**
 * `/apisix/admin/ssls`: certificates the gateway presents (`type: server`, for its `snis`) or
 * presents to upstreams (`type: client`, an upstream's `tls.client_cert_id`). Keyed by `id`, with
 * `labels` (`schema_def.lua` `ssl`). Refers to nothing; upstreams refer to it, so SSLs are
 * written before upstreams and deleted after them.
 *
 * The private keys (`key`, `keys`) are secrets. A gateway never returns them as sent: with data
 * encryption on (APISIX's default since 3.1) it returns them encrypted, and the newest versions
 * leave them out of every read (`admin/resource.lua`), so they are not compared: a key cannot change without
 * its certificate (the pair must match, which sync checks), and a changed certificate rewrites
 * the whole object, key included.
 */
export const SSLS: KindDescriptor<'ssls'> = {
  name: 'ssls',
  singular: 'SSL certificate',
  admin: { list: 'ssls', object: 'ssls/{id}' },
  id: { field: 'id' },
  standalone: { key: 'ssls' },
  references: [],
  ownership: LABEL_OWNERSHIP,
  serverFields: GATEWAY_SERVER_FIELDS,
  defaults: { values: { type: 'server', status: 1 }, fields: { client: { values: { depth: 1 } } }, ignored: ['key', 'keys'] },
  defaultMarkers: ['type', 'status'],
  secretFields: ['/key', '/keys'],
  secretPaths: sslSecretPaths,
  referencePaths: sslCertificatePaths,
  checkResolved: sslPairProblems,
  schema: 'ssl',
};
