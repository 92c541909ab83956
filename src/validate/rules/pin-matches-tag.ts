import { isValidPin, resolvePin } from '../../git/pin.js';
import { joinPointer } from '../../load/yaml-file.js';
import type { Rule } from './rule.js';
import { finding } from './rule.js';

/**
 * Every pin in a group's `published` map is an exact version or a semver range that matches at
 * least one tag `<service>/v<semver>` (TW3004). In a draft compile the templates come from the
 * worktree, so an unmatched pin is only a warning there.
 */
export const pinMatchesTag: Rule = {
  name: 'pin-matches-tag',
  scope: 'repo',
  *check(ctx) {
    for (const g of ctx.repo.groups.values()) {
      for (const [service, pin] of Object.entries(g.spec.published ?? {})) {
        const pointer = `/published${joinPointer(service)}`;
        const versions = (ctx.tagsByService.get(service) ?? []).map((t) => t.version);
        if (!isValidPin(pin)) {
          yield finding('TW3004', g.file, pointer, `\`${pin}\` is neither a version nor a semver range`, {
            hint: 'Write an exact version (1.2.0) to pin, or a range (^1.2, ~2.0, *) to track the newest matching tag.',
          });
          continue;
        }
        if (resolvePin(ctx.tagsByService.get(service) ?? [], service, pin) !== null) continue;
        const known = versions.length > 0 ? `Existing versions of ${service}: ${versions.join(', ')}.` : `${service} has no version yet.`;
        yield finding('TW3004', g.file, pointer, `no tag ${service}/v… matches \`${pin}\``, {
          severity: ctx.draft ? 'warning' : 'error',
          hint: `${known} Publish one with \`tagway publish ${service} --version X.Y.Z\`, or point the group at an existing version.`,
        });
      }
    }
  },
};
