import { didYouMean } from '../../core/did-you-mean.js';
import { GROUP_OBJECT_FILES, GROUP_OBJECT_KINDS, groupObjectPath, includeName, parseInclude, sharedObjectPath } from '../../load/layout.js';
import { cmp } from '../../model/diagnostic.js';
import type { Rule } from './rule.js';
import { finding, relatedAt } from './rule.js';

/**
 * Each entry of a group.yaml's `include` names a shared file (gateway-groups/_shared/<folder>/
 * <name>.yaml) that exists (TW3055, with a did-you-mean hint) and that the group has no file of
 * its own of the same kind and name for (TW3056: two files would make one object; both places
 * reported). A shared file that no group includes is a warning (TW3057): no gateway receives it,
 * likely a forgotten include.
 */
export const groupIncludes: Rule = {
  name: 'group-includes',
  scope: 'repo',
  *check(ctx) {
    const { groups, groupObjects, shared, sharedFiles } = ctx.repo;
    const known = [...sharedFiles].sort(cmp);
    const included = new Set<string>();
    for (const [group, { file, spec }] of groups) {
      for (const [i, entry] of (spec.include ?? []).entries()) {
        included.add(entry);
        const named = parseInclude(entry);
        const pointer = `/include/${i}`;
        if (named === null || !sharedFiles.has(entry)) {
          const guess = didYouMean(entry, known);
          const where = named === null ? `${entry.split('/')[0]}/ is no folder of shared files` : `there is no ${sharedObjectPath(named.kind, named.name)}`;
          yield finding('TW3055', file, pointer, `include ${entry} names no shared file: ${where}`, {
            hint: guess
              ? `Did you mean ${guess}?`
              : `An include is <folder>/<name> of a file gateway-groups/_shared/<folder>/<name>.yaml, <folder> one of ${GROUP_OBJECT_KINDS.map((k) => GROUP_OBJECT_FILES[k].folder).sort(cmp).join(', ')}. Create the file, or remove the include.`,
          });
          continue;
        }
        const from = shared[named.kind].get(named.name);
        const mine = groupObjects[named.kind].get(group)?.get(named.name);
        if (from === undefined || mine === undefined || mine.included) continue;
        yield finding('TW3056', file, pointer, `${groupObjectPath(named.kind, group, named.name)} and the included ${sharedObjectPath(named.kind, named.name)} are the same ${GROUP_OBJECT_FILES[named.kind].nameIs}`, {
          hint: `A group holds one object of each name: remove ${entry} from include, or the group's own file.`,
          related: [relatedAt(mine.file, '', 'the group\'s own file'), relatedAt(from.file, '', 'the shared file')],
        });
      }
    }
    for (const kind of GROUP_OBJECT_KINDS) {
      for (const [name, { file }] of shared[kind]) {
        if (included.has(includeName(kind, name))) continue;
        yield finding('TW3057', file, '', `no gateway group includes ${includeName(kind, name)}`, {
          severity: 'warning',
          hint: `List it in the include of each group.yaml that should hold it (include: [${includeName(kind, name)}]), or remove the file.`,
        });
      }
    }
  },
};
