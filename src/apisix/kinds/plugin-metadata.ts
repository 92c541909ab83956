import { metadataSchemaOf } from '../validator/index.js';
import type { KindDescriptor } from './descriptor.js';
import { GATEWAY_SERVER_FIELDS, LABEL_OWNERSHIP } from './ownership.js';

/**
 * The secret fields of plugin metadata: each plugin's `metadata_schema` `encrypt_fields` (what
 * APISIX stores encrypted, `plugin_metadata.lua` `encrypt_conf`), as JSON pointers. Of the plugins
 * APISIX bundles, only azure-functions declares one (kinds.test.ts checks this list against them).
 */
export const METADATA_SECRET_POINTERS: readonly string[] = ['/master_apikey'];

/** The paths of the secret fields of the metadata `obj` of plugin `obj.id`, for those it holds. */
function metadataSecretPaths(obj: Readonly<Record<string, unknown>>): readonly (readonly string[])[] {
  const plugin = obj['id'];
  const fields = typeof plugin === 'string' ? metadataSchemaOf(plugin)?.['encrypt_fields'] : undefined;
  if (!Array.isArray(fields)) return [];
  return fields
    .filter((f): f is string => typeof f === 'string')
    .map((f) => f.split('.'))
    .filter((path) => path.length === 1 && obj[path[0]!] !== undefined);
}

/**
 * `/apisix/admin/plugin_metadata/<plugin>`: settings a plugin shares across every route (a
 * logger's `log_format`). Keyed by the plugin's name: APISIX's PUT takes no `id` in the path's
 * place (`no_id_res`) and stores the path's name as the body's `id` (`resource.lua` `put`),
 * which GET and the list return; no `create_time` / `update_time` (it skips
 * `inject_conf_with_prev_conf`); POST and PATCH are refused. The list
 * (`GET /apisix/admin/plugin_metadata`) exists in every APISIX 3.x (`plugin_metadata.lua` `get`
 * without a key in 3.0 and 3.1, `resource.lua` from 3.2), so the kind is not `optional`.
 *
 * Ownership by labels although APISIX declares none: no plugin's `metadata_schema` forbids
 * properties it does not name (APISIX accepts `zz_unknown` in every metadata body it was tried
 * with), so tagway writes its `labels` there as an extra top-level property and reads them back
 * from GET like any kind's. Trade-off: a plugin or a future APISIX whose metadata schema forbids
 * unknown properties refuses the write; compile refuses such a plugin's metadata (TW3048), and
 * kinds.test.ts checks every bundled plugin with a metadata schema accepts the labels.
 */
export const PLUGIN_METADATA: KindDescriptor<'plugin_metadata'> = {
  name: 'plugin_metadata',
  singular: 'plugin metadata',
  admin: { list: 'plugin_metadata', object: 'plugin_metadata/{id}' },
  id: { field: 'id' },
  standalone: { key: 'plugin_metadata' },
  references: [],
  ownership: LABEL_OWNERSHIP,
  serverFields: GATEWAY_SERVER_FIELDS,
  defaults: {},
  defaultMarkers: [],
  secretFields: METADATA_SECRET_POINTERS,
  secretPaths: metadataSecretPaths,
  schema: 'plugin_metadata',
};
