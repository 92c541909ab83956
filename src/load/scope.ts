import type { Selection } from '../model/selection.js';
import { overlaysRead } from '../model/selection.js';
import { classifyPath } from './layout.js';
import type { InputFile, SourceTree } from './source-file.js';

/**
 * The tree as a compile of `selection` reads it: without the overlays of the groups it does not
 * compile (none of their findings would be reported; in a repository of three groups, a third of
 * its files), and marked as holding the others' only (`overlaysOf`), so that it serves no other
 * selection. Their group.yaml files stay, to name the groups there are when one asked for does not
 * exist. The tree itself when the selection reads every overlay, or when it is scoped so already.
 *
 * A tree that lacks overlays the selection reads (scoped for other groups, or for fewer) is a
 * caller's mistake, and an error, not a compile that silently misses files.
 */
export function scopeTree<F extends InputFile>(tree: SourceTree<F>, selection: Selection): SourceTree<F> {
  const groups = overlaysRead(selection);
  const held = tree.overlaysOf;
  if (held !== undefined && (groups === null || groups.some((g) => !held.includes(g)))) {
    throw new Error(
      `this input holds the overlays of ${held.join(', ')} only; load it for ${groups === null ? 'every group' : groups.join(', ')} (loadCompileInput with that selection, or one that reports every file)`,
    );
  }
  if (groups === null || (held !== undefined && held.length === groups.length)) return tree;
  const files = tree.files.filter((source) => {
    const role = classifyPath(source.path);
    return role.kind !== 'overlay' || groups.includes(role.group);
  });
  return { files: files.length === tree.files.length ? tree.files : files, problems: tree.problems, overlaysOf: groups };
}
