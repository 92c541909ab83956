import { serviceExists } from './overlay-for-unknown-service.js';
import type { Rule } from './rule.js';
import { finding } from './rule.js';

/**
 * An overlay belongs to a service its group publishes (TW3011, a warning): an overlay for a
 * service the group does not run has no effect, usually a typo or a leftover. An overlay of a
 * service that does not exist at all is an error of its own (TW3019).
 */
export const overlayForUnpublished: Rule = {
  name: 'overlay-for-unpublished',
  scope: 'repo',
  *check(ctx) {
    for (const { group, service, file } of ctx.repo.rawOverlays) {
      const g = ctx.repo.groups.get(group);
      if (!g || g.spec.published?.[service] !== undefined || !serviceExists(ctx, service)) continue;
      yield finding('TW3011', file, '', `group ${group} does not publish service ${service}, so this overlay has no effect`, {
        severity: 'warning',
        hint: `Add \`${service}: <version>\` under \`published:\` in gateway-groups/${group}/group.yaml, or delete this file.`,
      });
    }
  },
};
