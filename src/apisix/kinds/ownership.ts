/** Ownership of the kinds that carry `labels` (see `Ownership` in descriptor.ts). */
import { LABEL_GROUP, LABEL_MANAGED_BY, LABEL_MANAGED_BY_VALUE, type ApisixObject } from '../../model/apisix.js';
import type { Ownership } from './descriptor.js';

/** `tagway.group` of an object labelled `managed-by: tagway`, else null. */
function groupLabel(obj: ApisixObject): string | null {
  const labels = obj.labels;
  return labels?.[LABEL_MANAGED_BY] === LABEL_MANAGED_BY_VALUE ? (labels[LABEL_GROUP] ?? null) : null;
}

/** An object is a group's when labelled `managed-by: tagway` and `tagway.group: <group>`. */
export const LABEL_OWNERSHIP: Ownership = {
  labels: true,
  claimedBy: groupLabel,
  adopt: (name, group) =>
    `to adopt it, add the labels "${LABEL_MANAGED_BY}": "${LABEL_MANAGED_BY_VALUE}" and "${LABEL_GROUP}": "${group}" ` +
    `to ${name} on the gateway and sync again (tagway then replaces it with the snapshot's version)`,
};

/** Fields the Admin API sets (`apisix/admin/utils.lua` `inject_timestamp`) and standalone mode's `modifiedIndex`. */
export const GATEWAY_SERVER_FIELDS = ['create_time', 'update_time', 'modifiedIndex'] as const;
