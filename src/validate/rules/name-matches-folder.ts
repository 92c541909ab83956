import type { Rule } from './rule.js';
import { finding } from './rule.js';

/** A template's `name` equals its folder; a group's `name` equals its folder (TW3001). */
export const nameMatchesFolder: Rule = {
  name: 'name-matches-folder',
  scope: 'file',
  *check(ctx) {
    for (const t of ctx.templates) {
      if (t.spec.name !== t.service) {
        yield finding('TW3001', t.file, '/name', `service name \`${t.spec.name}\` does not match its folder services/${t.service}/`, {
          hint: `Set \`name: ${t.service}\`, or rename the folder to services/${t.spec.name}/.`,
        });
      }
    }
    for (const g of ctx.repo.groups.values()) {
      if (g.spec.name !== g.group) {
        yield finding('TW3001', g.file, '/name', `group name \`${g.spec.name}\` does not match its folder gateway-groups/${g.group}/`, {
          hint: `Set \`name: ${g.group}\`, or rename the folder to gateway-groups/${g.spec.name}/.`,
        });
      }
    }
  },
};
