import { isExactVersion, isValidPin, resolvePin } from '../../core/pins.js';
import { didYouMean } from '../../core/did-you-mean.js';
import { templatePath } from '../../load/layout.js';
import { joinPointer } from '../../load/yaml-file.js';
import type { BrokenTag, CloneGaps } from '../../model/clone.js';
import type { Rule } from './rule.js';
import { finding } from './rule.js';
import type { VersionTag } from '../../model/version.js';

/**
 * Every pin in a group's `published` map is an exact version or a semver range that matches at
 * least one tag `<service>/v<semver>` (TW3004). In a draft compile the templates come from the
 * worktree, so an unmatched pin is only a warning there.
 *
 * What the clone lacks is told apart from what does not exist: a pin whose tag is in the clone
 * but whose tag object or commit is not (a damaged or partial clone), or whose selection such a
 * tag would change, is TW1016; a pin that matches no tag in a clone that may lack tags (shallow,
 * or made without tags) is TW3018, naming the command that fetches them. Only in a clone that
 * holds every tag is an unmatched pin TW3004.
 */
export const pinMatchesTag: Rule = {
  name: 'pin-matches-tag',
  scope: 'repo',
  *check(ctx) {
    const severity = ctx.draft ? 'warning' : 'error';
    for (const g of ctx.repo.groups.values()) {
      for (const [service, pin] of Object.entries(g.spec.published ?? {})) {
        const pointer = `/published${joinPointer(service)}`;
        const tags = ctx.tagsByService.get(service) ?? [];
        if (!isValidPin(pin)) {
          yield finding('TW3004', g.file, pointer, `\`${pin}\` is neither a version nor a semver range`, {
            hint: 'Write an exact version (1.2.0) to pin, or a range (^1.2, ~2.0, *) to track the newest matching tag.',
          });
          continue;
        }
        const broken = brokenSelection(ctx.clone, tags, service, pin);
        if (broken !== null) {
          yield finding('TW1016', g.file, pointer, `tag ${broken.tag}, which \`${pin}\` selects, cannot be read: ${broken.missing.message}`, { severity, hint: broken.missing.hint });
          continue;
        }
        if (resolvePin(tags, service, pin) !== null) continue;
        const incomplete = ctx.clone?.tags ?? null;
        if (incomplete !== null) {
          const what = isExactVersion(pin) ? `tag ${service}/v${pin} is not` : `no tag ${service}/v… matching \`${pin}\` is`;
          yield finding('TW3018', g.file, pointer, `${what} in this clone, and ${incomplete.reason}`, {
            severity,
            hint: `${incomplete.hint} If the tag does not exist on the remote either, publish it with \`tagway publish ${service} --version X.Y.Z\`.`,
          });
          continue;
        }
        const versions = tags.map((t) => t.version);
        if (versions.length === 0 && !ctx.repo.templates.has(service)) {
          // No template and no version: most often a misspelled service name.
          const near = didYouMean(service, new Set([...ctx.repo.templates.keys(), ...ctx.tagsByService.keys()]));
          yield finding('TW3004', g.file, pointer, `there is no service ${service}: no ${templatePath(service)} and no tag ${service}/v…`, {
            key: true,
            severity,
            hint: `${near !== null ? `Did you mean \`${near}\`? ` : ''}Pin a service of this repository, or create ${templatePath(service)} and publish it.`,
          });
          continue;
        }
        const known = versions.length > 0 ? `Existing versions of ${service}: ${versions.join(', ')}.` : `${service} has no version yet.`;
        yield finding('TW3004', g.file, pointer, `no tag ${service}/v… matches \`${pin}\``, {
          severity,
          hint: `${known} Publish one with \`tagway publish ${service} --version X.Y.Z\`, or point the group at an existing version.`,
        });
      }
    }
  },
};

/** The broken tag `pin` would select were its objects here, if it would select one. */
function brokenSelection(clone: CloneGaps | undefined, tags: readonly VersionTag[], service: string, pin: string): BrokenTag | null {
  if (clone === undefined || clone.brokenTags.size === 0) return null;
  const broken = [...clone.brokenTags.values()].filter((b) => b.service === service);
  if (broken.length === 0) return null;
  const stand = broken.map((b) => ({ service, version: b.version, tag: b.tag, object: '', commit: '', annotated: false }));
  const selected = resolvePin([...tags, ...stand], service, pin);
  return selected !== null && selected.object === '' ? (clone.brokenTags.get(selected.tag) ?? null) : null;
}
