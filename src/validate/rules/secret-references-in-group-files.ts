import { GROUP_OBJECT_FILES, GROUP_OBJECT_KINDS } from '../../load/layout.js';
import { secretReferenceFinding, secretReferences } from '../secret-references.js';
import type { Rule } from './rule.js';

/**
 * A `$secret://` reference anywhere in a gateway group's own objects (its consumers, consumer
 * groups, …) names a secret manager of that group (TW3050) and reads as APISIX reads one
 * (TW3051). Both warnings. A secret manager's own fields are left out: APISIX resolves only
 * `$env://` there.
 */
export const secretReferencesInGroupFiles: Rule = {
  name: 'secret-references-in-group-files',
  scope: 'repo',
  *check(ctx) {
    const definedBy = ctx.repo.groupObjects['secret-manager'];
    for (const fileKind of GROUP_OBJECT_KINDS) {
      if (GROUP_OBJECT_FILES[fileKind].apisixKind === 'secrets') continue;
      for (const [group, entries] of ctx.repo.groupObjects[fileKind]) {
        const managers = new Set(definedBy.get(group)?.keys() ?? []);
        for (const { file, spec } of entries.values()) {
          for (const ref of secretReferences(spec, '')) {
            const found = secretReferenceFinding(file, ref.pointer, ref.reference, group, managers);
            if (found !== null) yield found;
          }
        }
      }
    }
  },
};
