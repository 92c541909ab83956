import { CONSUMER_SECRET_POINTERS, pluginsSecretPaths } from '../consumer-secrets.js';
import type { KindDescriptor, ReferenceRule } from './descriptor.js';
import { GATEWAY_SERVER_FIELDS, LABEL_OWNERSHIP } from './ownership.js';
import { TRAFFIC_SPLIT_UPSTREAMS } from './reference-rules.js';

/** `group_id`: the consumer group a consumer belongs to (`consumers.lua` checks it exists). */
export const CONSUMER_GROUP_ID: ReferenceRule = { kind: 'consumer_groups', at: ['group_id'] };

/**
 * `/apisix/admin/consumers`: who calls the gateway, with their credentials in auth plugins.
 * APISIX keys a consumer by its `username` (`PUT /apisix/admin/consumers` with it in the body; the
 * schema has no `id`), keeps `labels`, and refers to a consumer group by `group_id`: consumer
 * groups are written before consumers and deleted after them.
 */
export const CONSUMERS: KindDescriptor<'consumers'> = {
  name: 'consumers',
  singular: 'consumer',
  admin: { list: 'consumers', object: 'consumers/{id}' },
  id: { field: 'username' },
  standalone: { key: 'consumers' },
  references: [CONSUMER_GROUP_ID, TRAFFIC_SPLIT_UPSTREAMS],
  ownership: LABEL_OWNERSHIP,
  serverFields: GATEWAY_SERVER_FIELDS,
  defaults: {},
  defaultMarkers: [],
  secretFields: CONSUMER_SECRET_POINTERS,
  secretPaths: pluginsSecretPaths,
  schema: 'consumer',
};
