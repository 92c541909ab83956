import type { KindDescriptor } from './descriptor.js';
import { GATEWAY_SERVER_FIELDS, LABEL_OWNERSHIP } from './ownership.js';
import { TRAFFIC_SPLIT_UPSTREAMS } from './reference-rules.js';

/**
 * `/apisix/admin/consumer_groups`: plugins shared by the consumers of the group (a rate limit).
 * Keyed by `id`, with `labels` (`schema_def.lua` `consumer_group`, which requires `plugins`).
 * Refers to upstreams only through `traffic-split`. APISIX before 3.0 has none: read as empty there.
 */
export const CONSUMER_GROUPS: KindDescriptor<'consumer_groups'> = {
  name: 'consumer_groups',
  singular: 'consumer group',
  admin: { list: 'consumer_groups', object: 'consumer_groups/{id}' },
  id: { field: 'id' },
  standalone: { key: 'consumer_groups' },
  references: [TRAFFIC_SPLIT_UPSTREAMS],
  ownership: LABEL_OWNERSHIP,
  serverFields: GATEWAY_SERVER_FIELDS,
  defaults: {},
  defaultMarkers: [],
  secretFields: [],
  schema: 'consumer_group',
  optional: true,
};
