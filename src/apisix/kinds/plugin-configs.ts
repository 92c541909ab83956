import type { KindDescriptor } from './descriptor.js';
import { PLUGIN_SET } from './plugin-sets.js';

/**
 * `/apisix/admin/plugin_configs`: a set of plugins routes share by `plugin_config_id`, keyed by
 * `id`, with `labels` (`schema_def.lua` `plugin_config`). Routes refer to it, so plugin configs
 * are written before routes and deleted after them (`plugin_config.lua` refuses to delete one a
 * route still uses).
 */
export const PLUGIN_CONFIGS: KindDescriptor<'plugin_configs'> = {
  ...PLUGIN_SET,
  name: 'plugin_configs',
  singular: 'plugin config',
  admin: { list: 'plugin_configs', object: 'plugin_configs/{id}' },
  standalone: { key: 'plugin_configs' },
  schema: 'plugin_config',
};
