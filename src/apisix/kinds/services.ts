import type { KindDescriptor } from './descriptor.js';
import { GATEWAY_SERVER_FIELDS, LABEL_OWNERSHIP } from './ownership.js';
import { INLINE_UPSTREAM_CLIENT_CERT, TRAFFIC_SPLIT_UPSTREAMS, UPSTREAM_ID } from './reference-rules.js';
import { UPSTREAM_DEFAULTS } from './upstreams.js';

/** `/apisix/admin/services`: what routes share (hosts, plugins, an upstream). Refers to upstreams. */
export const SERVICES: KindDescriptor<'services'> = {
  name: 'services',
  singular: 'service',
  admin: { list: 'services', object: 'services/{id}' },
  id: { field: 'id' },
  standalone: { key: 'services' },
  references: [UPSTREAM_ID, TRAFFIC_SPLIT_UPSTREAMS, INLINE_UPSTREAM_CLIENT_CERT],
  ownership: LABEL_OWNERSHIP,
  serverFields: GATEWAY_SERVER_FIELDS,
  defaults: { fields: { upstream: UPSTREAM_DEFAULTS } },
  defaultMarkers: [],
  secretFields: ['/upstream/tls/client_key'],
  schema: 'service',
};
