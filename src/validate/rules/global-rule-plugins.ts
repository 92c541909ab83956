import { globalRuleId } from '../../apisix/kinds/global-rules.js';
import { joinPointer } from '../../load/yaml-file.js';
import { cmp } from '../../model/diagnostic.js';
import type { Rule } from './rule.js';
import { finding, relatedAt } from './rule.js';

/**
 * A plugin is in one global rule of a gateway group only (TW3046): APISIX refuses a global rule
 * with a plugin another global rule holds (`global_rules.lua`), so the second write would fail
 * on every gateway. Reported at the later rule (by name), the earlier one related.
 */
export const globalRulePlugins: Rule = {
  name: 'global-rule-plugins',
  scope: 'repo',
  *check(ctx) {
    for (const [group, rules] of ctx.repo.groupObjects['global-rule']) {
      const first = new Map<string, string>();
      for (const name of [...rules.keys()].sort(cmp)) {
        const { file, spec } = rules.get(name)!;
        for (const plugin of Object.keys(spec.plugins)) {
          const earlier = first.get(plugin);
          if (earlier === undefined) {
            first.set(plugin, name);
            continue;
          }
          const other = rules.get(earlier)!;
          yield finding('TW3046', file, joinPointer('plugins', plugin), `plugin ${plugin} is also in global rule ${earlier} of gateway group ${group}`, {
            key: true,
            hint: `APISIX takes a plugin in one global rule only and would refuse ${globalRuleId(group, name)}: keep ${plugin} in one of the two files.`,
            related: [relatedAt(other.file, joinPointer('plugins', plugin), `${plugin} in global rule ${earlier}`)],
          });
        }
      }
    }
  },
};
