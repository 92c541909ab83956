import type { Diagnostic } from '../../model/diagnostic.js';
import type { GroupSpec } from '../../model/config.js';
import type { YamlFile } from '../../load/yaml-file.js';
import type { Rule } from './rule.js';
import { finding, relatedAt } from './rule.js';

/**
 * Target names are unique within a group (TW3017): `sync --target`, rollout reports and the
 * agent's metrics name a target by it: two targets of one name could not be told apart.
 */
export const uniqueTargetNames: Rule = {
  name: 'unique-target-names',
  scope: 'file',
  *check(ctx) {
    for (const g of ctx.repo.groups.values()) yield* duplicateTargetNames(g.file, g.spec);
  },
};

/** TW3017 findings of one group.yaml that passed its schema (also used for `sync --snapshot`). */
export function duplicateTargetNames(file: YamlFile, spec: GroupSpec): Diagnostic[] {
  const first = new Map<string, number>();
  const found: Diagnostic[] = [];
  for (const [i, target] of (spec.targets ?? []).entries()) {
    const seen = first.get(target.name);
    if (seen === undefined) {
      first.set(target.name, i);
      continue;
    }
    found.push(
      finding('TW3017', file, `/targets/${i}/name`, `target name \`${target.name}\` is used twice in group ${spec.name}`, {
        hint: "Give each target of a group its own name: sync --target, rollout reports and the agent's metrics name a target by it.",
        related: [relatedAt(file, `/targets/${seen}/name`, 'first used here')],
      }),
    );
  }
  return found;
}
