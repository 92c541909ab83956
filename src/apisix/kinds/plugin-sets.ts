import type { KindDescriptor } from './descriptor.js';
import { GATEWAY_SERVER_FIELDS, LABEL_OWNERSHIP } from './ownership.js';
import { TRAFFIC_SPLIT_UPSTREAMS } from './reference-rules.js';

/**
 * What the kinds that are a named set of plugins (consumer groups, plugin configs) declare alike:
 * `schema_def.lua` gives both an `id`, `desc`, `labels` and the `plugins` it requires, and no
 * defaults; they use upstreams only through `traffic-split`.
 */
export const PLUGIN_SET = {
  id: { field: 'id' },
  references: [TRAFFIC_SPLIT_UPSTREAMS],
  ownership: LABEL_OWNERSHIP,
  serverFields: GATEWAY_SERVER_FIELDS,
  defaults: {},
  defaultMarkers: [],
  secretFields: [],
} as const satisfies Partial<KindDescriptor>;
