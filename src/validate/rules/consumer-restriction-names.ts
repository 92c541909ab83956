import { didYouMean } from '../../core/did-you-mean.js';
import { groupObjectPath } from '../../load/layout.js';
import type { YamlFile } from '../../load/yaml-file.js';
import type { Diagnostic } from '../../model/diagnostic.js';
import { cmp } from '../../model/diagnostic.js';
import type { ConsumerReference } from '../consumer-references.js';
import { restrictionReferences } from '../consumer-references.js';
import type { GroupConsumers } from '../group-consumers.js';
import { everyGroupConsumers, groupConsumers } from '../group-consumers.js';
import type { Rule } from './rule.js';
import { finding } from './rule.js';

/**
 * Every name a `consumer-restriction` lists (`whitelist`, `blacklist`, `allowed_by_methods[].user`)
 * is a consumer of the gateway group (`type: consumer_name`, the default) or a consumer group of
 * it (`type: consumer_group_id`) (TW3025): on a service's or route's plugins, in every group that
 * publishes the service, and on a consumer's or consumer group's plugins. Lists of service or
 * route ids are not checked.
 */
export const consumerRestrictionNames: Rule = {
  name: 'consumer-restriction-names',
  scope: 'repo',
  *check(ctx) {
    for (const { group, service, template, references } of ctx.referencing) {
      const hint = template.tag === null ? '' : ` ${template.tag.tag} is a published version: the list changes with a new version.`;
      yield* unknownNames(groupConsumers(ctx.repo, group), template.file, references, `service ${service}`, hint);
    }
    for (const known of everyGroupConsumers(ctx.repo)) {
      for (const [kind, entries] of [
        ['consumer', known.consumers],
        ['consumer group', known.consumerGroups],
      ] as const) {
        for (const [name, { file, spec }] of entries) {
          yield* unknownNames(known, file, restrictionReferences(spec.plugins, '/plugins'), `${kind} ${name}`, '');
        }
      }
    }
  },
};

function* unknownNames(known: GroupConsumers, file: YamlFile, references: readonly ConsumerReference[], owner: string, more: string): Iterable<Diagnostic> {
  for (const ref of references) {
    if (ref.kind === 'auth') continue;
    const names = ref.kind === 'consumer' ? known.consumers : known.consumerGroups;
    if (names.has(ref.name)) continue;
    const what = ref.kind === 'consumer' ? 'consumer' : 'consumer group';
    const guess = didYouMean(ref.name, [...names.keys()].sort(cmp));
    const path = groupObjectPath(ref.kind === 'consumer' ? 'consumer' : 'consumer-group', known.group, ref.name);
    yield finding('TW3025', file, ref.pointer, `the consumer-restriction of ${owner} names ${what} ${ref.name}, which gateway group ${known.group} does not define`, {
      hint: `${guess ? `Did you mean ${guess}? ` : ''}Add ${path}, or remove ${ref.name} from the list.${more}`,
    });
  }
}
