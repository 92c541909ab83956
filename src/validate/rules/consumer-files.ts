import { didYouMean } from '../../core/did-you-mean.js';
import { groupObjectPath, groupPath, includeName } from '../../load/layout.js';
import { cmp } from '../../model/diagnostic.js';
import type { Rule } from './rule.js';
import { finding } from './rule.js';

/**
 * A consumer file names itself (TW3020: `username` equals the file name, since APISIX keys
 * consumers by it and the file name is what a reviewer sees) and a consumer group of its own
 * gateway group (TW3021: APISIX refuses a `group_id` with no group, and a group of another
 * gateway group is not on the same gateways).
 */
export const consumerFiles: Rule = {
  name: 'consumer-files',
  scope: 'repo',
  *check(ctx) {
    for (const [group, consumers] of ctx.repo.groupObjects.consumer) {
      const groups = ctx.repo.groupObjects['consumer-group'].get(group);
      for (const [username, { file, spec, included }] of consumers) {
        if (spec.username !== undefined && spec.username !== username) {
          yield finding('TW3020', file, '/username', `username ${JSON.stringify(spec.username)} differs from the file name ${username}`, {
            hint: `A consumer's file is named after its username: set username: ${username}, or rename the file to ${spec.username}.yaml.`,
          });
        }
        if (spec.group !== undefined && !groups?.has(spec.group)) {
          const guess = didYouMean(spec.group, [...(groups?.keys() ?? [])].sort(cmp));
          yield finding('TW3021', file, '/group', `there is no consumer group ${spec.group} in gateway group ${group}`, {
            hint: guess
              ? `Did you mean ${guess}?`
              : included
                ? `Create ${groupObjectPath('consumer-group', group, spec.group)} or include ${includeName('consumer-group', spec.group)} in ${groupPath(group)}, or remove group from this consumer.`
                : `Create ${groupObjectPath('consumer-group', group, spec.group)}, or remove group from this consumer.`,
          });
        }
      }
    }
  },
};
