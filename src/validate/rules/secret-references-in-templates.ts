import type { Plugins } from '../../model/config.js';
import { secretReferenceFinding, secretReferences } from '../secret-references.js';
import type { Rule } from './rule.js';

/**
 * A `$secret://` reference in the plugins of a service a gateway group publishes (the service's
 * and its routes') names a secret manager of that group (TW3050) and reads as APISIX reads one
 * (TW3051). Both warnings. The group's secret managers are part of what a unit's findings depend
 * on (its memo key, src/compile/service-unit.ts).
 */
export const secretReferencesInTemplates: Rule = {
  name: 'secret-references-in-templates',
  scope: 'service',
  *check(ctx) {
    for (const { group, services } of ctx.resolved) {
      const managers = new Set(ctx.repo.groupObjects['secret-manager'].get(group.group)?.keys() ?? []);
      for (const { template } of services) {
        const places: [string, Plugins | undefined][] = [['/plugins', template.spec.plugins]];
        for (const [i, r] of template.spec.routes.entries()) places.push([`/routes/${i}/plugins`, r.plugins]);
        for (const [pointer, plugins] of places) {
          for (const ref of secretReferences(plugins, pointer)) {
            const found = secretReferenceFinding(template.file, ref.pointer, ref.reference, group.group, managers);
            if (found !== null) yield found;
          }
        }
      }
    }
  },
};
