import { joinPointer } from '../../load/yaml-file.js';
import { overlayPath } from '../../load/layout.js';
import type { Rule } from './rule.js';
import { finding, relatedAt } from './rule.js';

/**
 * After the merge, every published service has somewhere to send traffic: upstream `nodes` or
 * `discovery`, from the template's defaults or the group's overlay (TW3012); and so does a
 * canary.
 */
export const upstreamRequired: Rule = {
  name: 'upstream-required',
  scope: 'service',
  *check(ctx) {
    for (const { group, services } of ctx.resolved) {
      for (const s of services) {
        if (!s.upstream.nodes && !s.upstream.discovery) {
          yield finding('TW3012', group.file, `/published${joinPointer(s.name)}`, `service ${s.name} has no upstream nodes or discovery in group ${group.group}`, {
            hint: `Set \`upstream.nodes\` or \`upstream.discovery\` in ${overlayPath(group.group, s.name)} (or a default in the service template).`,
            related: [relatedAt(s.template.file, '', 'service template')],
          });
        }
        const canary = s.canary;
        if (canary && canary.value.nodes === undefined && canary.value.discovery === undefined) {
          yield finding('TW3012', canary.from.file, canary.from.pointer, `the canary of ${s.name} has no nodes or discovery`, {
            key: true,
            hint: 'Add `nodes:` or `discovery:` under `canary:` for the canary upstream.',
          });
        }
      }
    }
  },
};
