import type { KindDescriptor } from './descriptor.js';
import { PLUGIN_SET } from './plugin-sets.js';

/**
 * `/apisix/admin/consumer_groups`: plugins shared by the consumers of the group (a rate limit).
 * Keyed by `id`, with `labels` (`schema_def.lua` `consumer_group`, which requires `plugins`).
 * Refers to upstreams only through `traffic-split`. APISIX before 3.0 has none: read as empty there.
 */
export const CONSUMER_GROUPS: KindDescriptor<'consumer_groups'> = {
  ...PLUGIN_SET,
  name: 'consumer_groups',
  singular: 'consumer group',
  admin: { list: 'consumer_groups', object: 'consumer_groups/{id}' },
  standalone: { key: 'consumer_groups' },
  schema: 'consumer_group',
  optional: true,
};
