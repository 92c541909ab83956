import { didYouMean } from '../../core/did-you-mean.js';
import { cmp } from '../../model/diagnostic.js';
import { BUNDLED_PLUGIN_NAMES, metadataSchemaOf } from '../../apisix/validator/index.js';
import type { Rule } from './rule.js';
import { finding } from './rule.js';

/** The plugins APISIX bundles that declare a metadata schema, for did-you-mean. */
let withMetadata: readonly string[] | null = null;
function pluginsWithMetadata(): readonly string[] {
  withMetadata ??= BUNDLED_PLUGIN_NAMES.filter((name) => metadataSchemaOf(name) !== undefined).sort(cmp);
  return withMetadata;
}

/**
 * A plugin metadata file names a plugin whose metadata tagway can check and own (TW3047: APISIX
 * bundles it and declares a `metadata_schema`; APISIX would take any object for a plugin without
 * one, which the plugin never reads), whose metadata schema leaves room for the ownership
 * `labels` tagway adds (TW3048: a schema that forbids unknown properties would refuse them), and
 * holds no `id` (TW3049: the id is the plugin's name, the file name).
 */
export const pluginMetadataFiles: Rule = {
  name: 'plugin-metadata-files',
  scope: 'repo',
  *check(ctx) {
    for (const entries of ctx.repo.groupObjects['plugin-metadata'].values()) {
      for (const [plugin, { file, spec }] of entries) {
        const schema = metadataSchemaOf(plugin);
        if (schema === undefined) {
          const guess = didYouMean(plugin, pluginsWithMetadata());
          const known = ctx.plugins.has(plugin);
          yield finding(
            'TW3047',
            file,
            '',
            known ? `plugin ${plugin} has no metadata that tagway can check: APISIX declares no metadata_schema for it` : `APISIX has no plugin ${plugin}`,
            {
              hint:
                (guess ? `Did you mean ${guess}? ` : '') +
                `A file of plugin-metadata/ is named after a plugin APISIX bundles with a metadata schema: ${pluginsWithMetadata().join(', ')}.`,
            },
          );
          continue;
        }
        if (schema['additionalProperties'] === false) {
          yield finding('TW3048', file, '', `the metadata schema of plugin ${plugin} forbids properties it does not name, so the gateway would refuse tagway's ownership labels`, {
            hint: 'APISIX keeps no labels on plugin metadata: tagway marks the metadata it manages with an extra `labels` property, which this plugin refuses. Set its metadata on the gateway instead.',
          });
        }
        if (Object.hasOwn(spec, 'id')) {
          yield finding('TW3049', file, '/id', `plugin metadata has no id of its own: its id is the plugin's name, ${plugin}`, {
            key: true,
            hint: 'Remove `id:`; the file name says which plugin the metadata is for.',
          });
        }
      }
    }
  },
};
