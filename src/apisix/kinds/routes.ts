import type { KindDescriptor } from './descriptor.js';
import { GATEWAY_SERVER_FIELDS, LABEL_OWNERSHIP } from './ownership.js';
import { SERVICE_ID, TRAFFIC_SPLIT_UPSTREAMS, UPSTREAM_ID } from './reference-rules.js';
import { UPSTREAM_DEFAULTS } from './upstreams.js';

/** `/apisix/admin/routes`: what requests match. Refers to services and upstreams. */
export const ROUTES: KindDescriptor<'routes'> = {
  name: 'routes',
  singular: 'route',
  admin: { list: 'routes', object: 'routes/{id}' },
  id: { field: 'id' },
  standalone: { key: 'routes' },
  references: [SERVICE_ID, UPSTREAM_ID, TRAFFIC_SPLIT_UPSTREAMS],
  ownership: LABEL_OWNERSHIP,
  serverFields: GATEWAY_SERVER_FIELDS,
  defaults: { values: { priority: 0, status: 1 }, fields: { upstream: UPSTREAM_DEFAULTS } },
  defaultMarkers: ['priority', 'status'],
  secretFields: ['/upstream/tls/client_key'],
  schema: 'route',
};
