/**
 * Shared group-level files (gateway-groups/_shared/<folder>/<name>.yaml) taken into the groups
 * whose group.yaml lists them in `include`: each such group holds the object as if the file were
 * in its own folder (same id, the group's ownership labels, given at emit), while the entry keeps
 * the shared file, so every finding about it points there.
 */
import { GROUP_OBJECT_KINDS, parseInclude } from '../load/layout.js';
import type { GroupObjectKind } from '../model/config.js';
import { cmp } from '../model/diagnostic.js';
import { groupObjectEntry } from './entries.js';
import type { GroupEntry, GroupObjectEntries, GroupObjectEntry, SharedObjectEntries } from './entries.js';

type Entry = GroupObjectEntry<unknown>;

/**
 * What each group holds: its own entries (`own`), plus each shared entry its `include` names that
 * exists and has no own file of the same kind and name (the group-includes rule reports an
 * include that names nothing, TW3055, and the clash, TW3056). Names in code-point order.
 */
export function withIncludes(own: GroupObjectEntries, shared: SharedObjectEntries, groups: ReadonlyMap<string, GroupEntry>): GroupObjectEntries {
  const out = Object.fromEntries(
    GROUP_OBJECT_KINDS.map((kind) => [kind, new Map([...(own[kind] as ReadonlyMap<string, ReadonlyMap<string, Entry>>)].map(([group, byName]) => [group, new Map(byName)]))]),
  ) as Record<GroupObjectKind, Map<string, Map<string, Entry>>>;
  for (const [group, entry] of groups) {
    for (const include of entry.spec.include ?? []) {
      const named = parseInclude(include);
      const from = named === null ? undefined : (shared[named.kind] as ReadonlyMap<string, Entry>).get(named.name);
      if (named === null || from === undefined) continue;
      let byName = out[named.kind].get(group);
      if (!byName) out[named.kind].set(group, (byName = new Map()));
      if (!byName.has(named.name)) byName.set(named.name, groupObjectEntry(group, named.name, from.file, true));
    }
  }
  for (const kind of GROUP_OBJECT_KINDS) {
    for (const [group, byName] of out[kind]) out[kind].set(group, new Map([...byName].sort(([a], [b]) => cmp(a, b))));
  }
  return out as unknown as GroupObjectEntries;
}
