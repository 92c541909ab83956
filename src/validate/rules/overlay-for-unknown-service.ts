import { overlayPath, templatePath } from '../../load/layout.js';
import { cmp } from '../../model/diagnostic.js';
import { didYouMean } from '../../core/did-you-mean.js';
import type { Rule, RuleContext } from './rule.js';
import { finding } from './rule.js';

/** Whether `service` exists anywhere: a template in the tree, or a version tag. */
export function serviceExists(ctx: RuleContext, service: string): boolean {
  return ctx.repo.templateFiles.has(service) || (ctx.tagsByService.get(service)?.length ?? 0) > 0;
}

/**
 * An overlay names an existing service (TW3019): one with no template (`services/<s>/`) and no
 * version tag configures nothing and is usually a misspelt file name, so it is an error, where an
 * overlay of an existing service the group does not publish is a warning (TW3011). A group that
 * publishes such a service has its pin reported instead (TW3004).
 */
export const overlayForUnknownService: Rule = {
  name: 'overlay-for-unknown-service',
  scope: 'repo',
  *check(ctx) {
    let known: string[] | null = null;
    for (const { group, service, file } of ctx.repo.rawOverlays) {
      if (serviceExists(ctx, service) || ctx.repo.groups.get(group)?.spec.published?.[service] !== undefined) continue;
      known ??= [...new Set([...ctx.repo.templateFiles, ...ctx.tagsByService.keys()])].sort(cmp);
      const guess = didYouMean(service, known);
      yield finding('TW3019', file, '', `there is no service ${service} (no ${templatePath(service)} and no version tag), so this overlay configures nothing`, {
        hint: guess
          ? `Did you mean ${guess}? Then rename this file to ${overlayPath(group, guess)}.`
          : `Create the template ${templatePath(service)} (and publish it), or delete this file.`,
      });
    }
  },
};
