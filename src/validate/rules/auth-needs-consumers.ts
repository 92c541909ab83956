import { groupObjectPath } from '../../load/layout.js';
import type { ConsumerReference } from '../consumer-references.js';
import { groupConsumers } from '../group-consumers.js';
import type { Rule } from './rule.js';
import { describeFile, finding } from './rule.js';

/**
 * A route or service plugin that looks the request's consumer up among the gateway group's
 * consumers (key-auth, basic-auth, jwt-auth, hmac-auth, the other auth plugins consumers carry,
 * multi-auth over them) has a consumer that holds it in every group that publishes the service
 * (TW3024, a warning): otherwise APISIX refuses every request the plugin checks. Positioned at the
 * plugin in the template; consumers are per group, so the hint names the group's folder.
 */
export const authNeedsConsumers: Rule = {
  name: 'auth-needs-consumers',
  scope: 'repo',
  *check(ctx) {
    const held = new Map<string, Set<string>>();
    const heldIn = (group: string) => {
      let plugins = held.get(group);
      if (plugins === undefined) {
        plugins = new Set([...groupConsumers(ctx.repo, group).consumers.values()].flatMap((c) => Object.keys(c.spec.plugins ?? {})));
        held.set(group, plugins);
      }
      return plugins;
    };
    for (const { group, service, template, references } of ctx.referencing) {
      for (const ref of references) {
        if (ref.kind !== 'auth' || ref.plugins.some((p) => heldIn(group).has(p))) continue;
        const which = ref.plugins.join(' or ');
        yield finding('TW3024', template.file, ref.pointer, `${where(template.spec.routes, service, ref)} uses ${which}, but no consumer of gateway group ${group} holds ${which}: every request it checks is refused`, {
          key: true,
          severity: 'warning',
          hint: `Add a consumer with ${which} to gateway group ${group} (${groupObjectPath('consumer', group, '<username>')}), or stop publishing ${service} in ${group}. Consumers are per gateway group; ${describeFile(template.file)} is the same in every group.`,
        });
      }
    }
  },
};

/** "route orders.place-order" or "service orders", from where the reference is. */
function where(routes: readonly { readonly name: string }[], service: string, ref: ConsumerReference): string {
  const route = /^\/routes\/(\d+)\//.exec(ref.pointer);
  return route ? `route ${service}.${routes[Number(route[1])]!.name}` : `service ${service}`;
}
