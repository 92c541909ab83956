import type { ApisixObject } from '../../model/apisix.js';
import { GLOBAL_RULE_NAME, NAME } from '../../load/layout.js';
import type { KindDescriptor, Ownership } from './descriptor.js';
import { GATEWAY_SERVER_FIELDS } from './ownership.js';
import { TRAFFIC_SPLIT_UPSTREAMS } from './reference-rules.js';

/** The namespace of the ids of the global rules tagway writes: `tagway.<group>.<name>`. */
const ID_PREFIX = 'tagway.';

/** The id of global rule `name` of `group` on the gateway: `tagway.<group>.<name>`. */
export function globalRuleId(group: string, name: string): string {
  return `${ID_PREFIX}${group}.${name}`;
}

/**
 * The group of a global rule whose id has exactly the shape `globalRuleId` gives (a group name, a
 * dot, a global-rule name), else null: a rule made by hand (`1`, `prometheus`) is nobody's.
 */
export function globalRuleGroup(id: string): string | null {
  if (!id.startsWith(ID_PREFIX)) return null;
  const rest = id.slice(ID_PREFIX.length);
  const dot = rest.indexOf('.');
  if (dot < 0) return null;
  const group = rest.slice(0, dot);
  return NAME.test(group) && GLOBAL_RULE_NAME.test(rest.slice(dot + 1)) ? group : null;
}

/**
 * Ownership without labels: APISIX's global rule schema has only `id` and `plugins`
 * (additionalProperties false), so tagway keeps the owner in the id. An object is a group's when
 * its id is `tagway.<group>.<name>`; nothing else is read. A global rule made on the gateway by
 * hand cannot be marked as the group's: to hand it over, its plugins go into a file and the rule
 * is deleted (or re-created under the id tagway uses).
 */
export const GLOBAL_RULE_OWNERSHIP: Ownership = {
  labels: false,
  claimedBy: (obj: ApisixObject) => globalRuleGroup(String(obj.id)),
  adopt: (name, group) =>
    `APISIX keeps no labels on global rules, so tagway owns one by its id: to adopt ${name}, put its plugins in ` +
    `gateway-groups/${group}/global-rules/<name>.yaml and delete it on the gateway (or re-create it there under the id ` +
    `${globalRuleId(group, '<name>')}), then sync again`,
};

/**
 * `/apisix/admin/global_rules`: plugins run on every request of the gateway. Keyed by `id`
 * (`schema_def.lua` `global_rule`: `id` and `plugins` only, so no `labels`, no `desc`); owned by
 * its id `tagway.<group>.<name>` (`GLOBAL_RULE_OWNERSHIP`). Refers to upstreams only through
 * `traffic-split`. The Admin API sets `create_time` / `update_time`; POST is refused; a plugin may
 * be in one global rule only (`global_rules.lua`).
 */
export const GLOBAL_RULES: KindDescriptor<'global_rules'> = {
  name: 'global_rules',
  singular: 'global rule',
  admin: { list: 'global_rules', object: 'global_rules/{id}' },
  id: { field: 'id' },
  standalone: { key: 'global_rules' },
  references: [TRAFFIC_SPLIT_UPSTREAMS],
  ownership: GLOBAL_RULE_OWNERSHIP,
  serverFields: GATEWAY_SERVER_FIELDS,
  defaults: {},
  defaultMarkers: [],
  secretFields: [],
  schema: 'global_rule',
};
