import type { KindDescriptor, ReferenceRule } from './descriptor.js';
import { GATEWAY_SERVER_FIELDS, LABEL_OWNERSHIP } from './ownership.js';
import { INLINE_UPSTREAM_CLIENT_CERT, SERVICE_ID, TRAFFIC_SPLIT_UPSTREAMS, UPSTREAM_ID } from './reference-rules.js';
import { UPSTREAM_DEFAULTS } from './upstreams.js';

/** `plugin_config_id`: the plugin config whose plugins a route takes (`routes.lua` checks it exists). */
export const PLUGIN_CONFIG_ID: ReferenceRule = { kind: 'plugin_configs', at: ['plugin_config_id'] };

/** `/apisix/admin/routes`: what requests match. Refers to services, upstreams and plugin configs. */
export const ROUTES: KindDescriptor<'routes'> = {
  name: 'routes',
  singular: 'route',
  admin: { list: 'routes', object: 'routes/{id}' },
  id: { field: 'id' },
  standalone: { key: 'routes' },
  references: [SERVICE_ID, UPSTREAM_ID, TRAFFIC_SPLIT_UPSTREAMS, PLUGIN_CONFIG_ID, INLINE_UPSTREAM_CLIENT_CERT],
  ownership: LABEL_OWNERSHIP,
  serverFields: GATEWAY_SERVER_FIELDS,
  defaults: { values: { priority: 0, status: 1 }, fields: { upstream: UPSTREAM_DEFAULTS } },
  defaultMarkers: ['priority', 'status'],
  secretFields: ['/upstream/tls/client_key'],
  schema: 'route',
};
