import { CONSUMER_KEY_FIELDS } from '../../apisix/consumer-auth.js';
import { joinPointer } from '../../load/yaml-file.js';
import { cmp } from '../../model/diagnostic.js';
import type { ConsumerEntry } from '../entries.js';
import { everyGroupConsumers } from '../group-consumers.js';
import type { Rule } from './rule.js';
import { finding, relatedAt } from './rule.js';

/**
 * No two consumers of a gateway group hold the same credential of an auth plugin (TW3023): the
 * field APISIX finds the consumer by (key-auth `key`, basic-auth `username`, jwt-auth `key`,
 * hmac-auth `key_id`, …: CONSUMER_KEY_FIELDS) holds the same value as written, literal or
 * reference, so APISIX would match a request to either consumer (the last one it loaded wins).
 * Reported at the consumer later in username order, with the first under `related`; the value is
 * never in the message, since it may be a secret.
 */
export const uniqueConsumerCredentials: Rule = {
  name: 'unique-consumer-credentials',
  scope: 'repo',
  *check(ctx) {
    for (const { group, consumers } of everyGroupConsumers(ctx.repo)) {
      const holders = new Map<string, ConsumerEntry>();
      for (const username of [...consumers.keys()].sort(cmp)) {
        const consumer = consumers.get(username)!;
        for (const [plugin, conf] of Object.entries(consumer.spec.plugins ?? {})) {
          const field = CONSUMER_KEY_FIELDS[plugin];
          const value = field === undefined ? undefined : conf[field];
          if (typeof value !== 'string') continue;
          const pointer = `/plugins${joinPointer(plugin, field!)}`;
          const key = `${plugin}\u0000${value}`;
          const first = holders.get(key);
          if (first === undefined) {
            holders.set(key, consumer);
            continue;
          }
          yield finding('TW3023', consumer.file, pointer, `consumer ${username} has the same ${plugin} ${field} as consumer ${first.name} in gateway group ${group}: APISIX would match a request to either`, {
            hint: `Give each consumer its own ${plugin} ${field}: change it in one of the two files.`,
            related: [relatedAt(first.file, pointer, `consumer ${first.name}`)],
          });
        }
      }
    }
  },
};
