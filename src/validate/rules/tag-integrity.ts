import semver from 'semver';
import { lockFits } from '../../core/pin-locks.js';
import { isValidPin, resolvePin } from '../../core/pins.js';
import { joinPointer } from '../../load/yaml-file.js';
import type { Rule } from './rule.js';
import { finding, relatedAt } from './rule.js';

/**
 * A version tag a group runs was not moved or re-created since tagway recorded it (TW3016).
 *
 * `locks.<service>` in group.yaml records the version a pin resolved to and the object its tag
 * pointed at (written by publish, promote and rollback). It is compared when it still applies:
 * - the pin resolves to the recorded version, and the tag now names another object: moved or
 *   re-created;
 * - the pin is a range the recorded version satisfies, its tag is gone, and the range now falls
 *   back to an older version: deleted.
 * A range that resolves to a newer tag than the record has moved on legitimately (a new version,
 * not a moved one), and a pin edited by hand to another version has no record: neither is
 * compared. An exact pin whose tag is gone is TW3004's to report. In a draft compile the
 * published versions are not used, so findings are warnings.
 *
 * A recorded tag that is not in a clone that may lack tags (shallow, or made without tags) is not
 * known to be deleted: that is TW3018, as the range would run an older version than recorded
 * only because of the clone. One whose objects are missing is pin-matches-tag's (TW1016).
 */
export const tagIntegrity: Rule = {
  name: 'tag-integrity',
  scope: 'repo',
  *check(ctx) {
    const severity = ctx.draft ? 'warning' : 'error';
    for (const g of ctx.repo.groups.values()) {
      const published = g.spec.published ?? {};
      for (const [service, lock] of Object.entries(g.spec.locks ?? {})) {
        const pin = published[service];
        if (pin === undefined || !isValidPin(pin) || !lockFits(pin, lock.version)) continue;
        const tagName = `${service}/v${lock.version}`;
        const pinPointer = `/published${joinPointer(service)}`;
        const lockPointer = `/locks${joinPointer(service)}`;
        const tags = ctx.tagsByService.get(service) ?? [];
        const current = tags.find((t) => t.version === lock.version);
        const resolved = resolvePin(tags, service, pin);
        if (current !== undefined && resolved?.version === lock.version && current.object !== lock.object) {
          yield finding('TW3016', g.file, pinPointer, `tag ${tagName} was moved or re-created: group ${g.group} recorded ${short(lock.object)}, the tag now points at ${short(current.object)}`, {
            severity,
            hint:
              `Versions are immutable. If the tag was changed by mistake, put it back: \`git update-ref refs/tags/${tagName} ${lock.object}\` ` +
              `(or fetch the original tag from the remote with \`git fetch origin +refs/tags/${tagName}:refs/tags/${tagName}\`). ` +
              `If the new content is wanted, publish it as a new version (\`tagway publish ${service} --version X.Y.Z --group ${g.group}\`).`,
            related: [relatedAt(g.file, `${lockPointer}/object`, 'recorded here')],
          });
        } else if (current === undefined && resolved !== null && pin !== lock.version && semver.lt(resolved.version, lock.version)) {
          // A tag whose objects are missing is not deleted: pin-matches-tag reports it (TW1016).
          if (ctx.clone?.brokenTags.has(tagName)) continue;
          const incomplete = ctx.clone?.tags ?? null;
          if (incomplete !== null) {
            yield finding('TW3018', g.file, pinPointer, `tag ${tagName}, which group ${g.group} ran, is not in this clone, and ${incomplete.reason}; \`${pin}\` resolves to ${resolved.version} here`, {
              severity,
              hint: incomplete.hint,
              related: [relatedAt(g.file, lockPointer, 'recorded here')],
            });
            continue;
          }
          yield finding('TW3016', g.file, pinPointer, `tag ${tagName}, which group ${g.group} ran, was deleted; \`${pin}\` now resolves to ${resolved.version}`, {
            severity,
            hint:
              `Versions are immutable. Restore the tag (\`git update-ref refs/tags/${tagName} ${lock.object}\`, or fetch it from the remote), ` +
              `or roll the group back on purpose with \`tagway rollback ${service} --group ${g.group} --to ${resolved.version}\`.`,
            related: [relatedAt(g.file, lockPointer, 'recorded here')],
          });
        }
      }
    }
  },
};

function short(oid: string): string {
  return oid.slice(0, 12);
}
