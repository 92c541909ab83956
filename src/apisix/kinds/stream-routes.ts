import type { KindDescriptor } from './descriptor.js';
import { GATEWAY_SERVER_FIELDS, LABEL_OWNERSHIP } from './ownership.js';
import { SERVICE_ID, UPSTREAM_ID } from './reference-rules.js';

/**
 * `/apisix/admin/stream_routes`: L4 (TCP/UDP) proxying by server address and port, remote address
 * or SNI. Keyed by `id`, with `labels` (`schema_def.lua` `stream_route`); refers to upstreams and
 * services. A gateway whose `proxy_mode` leaves stream out answers 400 "stream mode is disabled"
 * (`admin/init.lua`): its list reads as empty there, and a write fails.
 */
export const STREAM_ROUTES: KindDescriptor<'stream_routes'> = {
  name: 'stream_routes',
  singular: 'stream route',
  admin: { list: 'stream_routes', object: 'stream_routes/{id}' },
  id: { field: 'id' },
  standalone: { key: 'stream_routes' },
  references: [SERVICE_ID, UPSTREAM_ID],
  ownership: LABEL_OWNERSHIP,
  serverFields: GATEWAY_SERVER_FIELDS,
  defaults: {},
  defaultMarkers: [],
  secretFields: [],
  schema: 'stream_route',
  optional: true,
};
