import { joinPointer } from '../../load/yaml-file.js';
import type { Plugins } from '../../model/config.js';
import { didYouMean } from '../../core/did-you-mean.js';
import type { Rule } from './rule.js';
import { finding } from './rule.js';

/**
 * Every plugin name is one the gateways know: APISIX's bundled plugins, or a name listed under
 * `plugins:` in the repository's tagway.yaml (custom and enterprise plugins) (TW3010).
 */
export const unknownPlugin: Rule = {
  name: 'unknown-plugin',
  scope: 'file',
  *check(ctx) {
    for (const t of ctx.templates) {
      const places: [string, Plugins | undefined][] = [['/plugins', t.spec.plugins]];
      for (const [i, r] of t.spec.routes.entries()) places.push([`/routes/${i}/plugins`, r.plugins]);
      for (const [name, pc] of Object.entries(t.spec.plugin_configs ?? {})) places.push([`/plugin_configs/${name}/plugins`, pc.plugins]);
      for (const [pointer, plugins] of places) {
        for (const name of Object.keys(plugins ?? {})) {
          if (ctx.plugins.has(name)) continue;
          const guess = didYouMean(name, ctx.plugins);
          yield finding('TW3010', t.file, `${pointer}${joinPointer(name)}`, `unknown plugin \`${name}\``, {
            key: true,
            hint: guess
              ? `Did you mean \`${guess}\`? A custom plugin must be listed under \`plugins:\` in tagway.yaml.`
              : 'Use a plugin APISIX bundles, or list your custom plugin under `plugins:` in tagway.yaml.',
          });
        }
      }
    }
  },
};
