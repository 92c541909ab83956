/**
 * A kind APISIX does not have, registered only by test/extra-kind.test.ts (which mocks
 * src/apisix/kinds/registry.ts) to show that the planner, the three targets, the renderers, the
 * diff and the test servers take their kinds from the registry. It declares what the three real
 * kinds do not: an id kept in another body field (`key`, as consumers keep `username`),
 * ownership by a rule instead of labels, schema defaults of its own and a secret field that only
 * the declaration names.
 */
import type { ApisixKind } from '../../src/model/apisix.js';
import type { KindDescriptor } from '../../src/apisix/kinds/descriptor.js';
import { GATEWAY_SERVER_FIELDS } from '../../src/apisix/kinds/ownership.js';
import { UPSTREAM_ID } from '../../src/apisix/kinds/reference-rules.js';

/** `desc: "tagway:<group>"` marks a widget of that group. */
export function widgetOwner(group: string): string {
  return `tagway:${group}`;
}

export const WIDGETS: KindDescriptor = {
  name: 'widgets' as ApisixKind,
  singular: 'widget',
  admin: { list: 'widgets', object: 'widgets/{id}' },
  id: { field: 'key' },
  standalone: { key: 'widgets' },
  references: [UPSTREAM_ID],
  ownership: {
    labels: false,
    claimedBy: (obj) => (typeof obj.desc === 'string' ? (/^tagway:(\S+)$/.exec(obj.desc)?.[1] ?? null) : null),
    adopt: (name, group) => `to adopt it, set the desc of ${name} to "${widgetOwner(group)}"`,
  },
  serverFields: GATEWAY_SERVER_FIELDS,
  defaults: { values: { enabled: true } },
  defaultMarkers: ['enabled'],
  secretFields: ['/pin'],
  schema: null,
};
