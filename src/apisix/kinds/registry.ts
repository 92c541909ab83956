/**
 * Every kind tagway writes, one module each: adding a kind is a module and a line here (and its
 * object type in src/model/apisix.ts `ApisixObjects`, which this record is checked against).
 * Nothing else lists kinds; every stage iterates `KINDS` of index.ts.
 */
import type { ApisixKind } from '../../model/apisix.js';
import { CONSUMER_GROUPS } from './consumer-groups.js';
import { CONSUMERS } from './consumers.js';
import type { KindDescriptor } from './descriptor.js';
import { GLOBAL_RULES } from './global-rules.js';
import { PLUGIN_METADATA } from './plugin-metadata.js';
import { PLUGIN_CONFIGS } from './plugin-configs.js';
import { ROUTES } from './routes.js';
import { SECRETS } from './secrets.js';
import { SERVICES } from './services.js';
import { SSLS } from './ssls.js';
import { STREAM_ROUTES } from './stream-routes.js';
import { UPSTREAMS } from './upstreams.js';

export const REGISTRY: { readonly [K in ApisixKind]: KindDescriptor<K> } = {
  upstreams: UPSTREAMS,
  services: SERVICES,
  routes: ROUTES,
  consumer_groups: CONSUMER_GROUPS,
  consumers: CONSUMERS,
  ssls: SSLS,
  global_rules: GLOBAL_RULES,
  plugin_metadata: PLUGIN_METADATA,
  plugin_configs: PLUGIN_CONFIGS,
  stream_routes: STREAM_ROUTES,
  secrets: SECRETS,
};
