import type { KindDescriptor } from './descriptor.js';
import { GATEWAY_SERVER_FIELDS, LABEL_OWNERSHIP } from './ownership.js';

/** The paths of an SSL's private keys that it holds: `key`, and each of `keys`. */
export function sslSecretPaths(obj: Readonly<Record<string, unknown>>): readonly (readonly string[])[] {
  const keys = Array.isArray(obj['keys']) ? obj['keys'].map((_, i) => ['keys', String(i)]) : [];
  return [...(obj['key'] !== undefined ? [['key']] : []), ...keys];
}

/**
 * `/apisix/admin/ssls`: certificates the gateway presents (`type: server`, for its `snis`) or
 * presents to upstreams (`type: client`, an upstream's `tls.client_cert_id`). Keyed by `id`, with
 * `labels` (`schema_def.lua` `ssl`). Refers to nothing; upstreams refer to it, so SSLs are
 * written before upstreams and deleted after them.
 *
 * The private keys (`key`, `keys`) are secrets. With data encryption on (APISIX's default since
 * 3.1) the gateway returns them encrypted, so they are not compared: a key cannot change without
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
  schema: 'ssl',
};
