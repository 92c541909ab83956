/**
 * Parts of a compile's input, by service: what a compile of some services needs (their files and
 * tags, and the files every service's results depend on). The memo's keys make what is computed on
 * a part valid for a compile of the whole repository (`prefillMemo`, and the build's worker threads).
 */
import { classifyPath, type FileRole } from '../load/layout.js';
import type { InputFile } from '../load/source-file.js';
import type { VersionTag } from '../model/version.js';
import type { CompileInput } from './input.js';

/**
 * Whether every part needs the file: what a unit's memo key names besides its own template and
 * overlay (memo.ts `unitKey`): the groups' group.yaml, tagway.yaml (the plugin set) and the groups'
 * secret managers. A part without the secret managers would key its units with none, and a
 * compile of the whole repository would find none of them and do the work again.
 */
function everyPartNeeds(role: FileRole): boolean {
  return role.kind === 'group' || role.kind === 'config' || role.kind === 'secret-manager';
}

/** The input's files and tags by service, and the files every part needs (`everyPartNeeds`). */
export function partsByService(input: CompileInput): { shared: InputFile[]; files: Map<string, InputFile[]>; tags: Map<string, VersionTag[]> } {
  const shared: InputFile[] = [];
  const files = new Map<string, InputFile[]>();
  for (const source of input.tree.files) {
    const role = classifyPath(source.path);
    if (everyPartNeeds(role)) shared.push(source);
    else if (role.kind === 'template' || role.kind === 'overlay') {
      let list = files.get(role.service);
      if (!list) files.set(role.service, (list = []));
      list.push(source);
    }
  }
  const tags = new Map<string, VersionTag[]>();
  for (const tag of input.tags) {
    let list = tags.get(tag.service);
    if (!list) tags.set(tag.service, (list = []));
    list.push(tag);
  }
  return { shared, files, tags };
}

/** The part of `input` that the given services need: their files and those every part needs. */
export function servicesInput(input: CompileInput, services: ReadonlySet<string>): CompileInput {
  const files = input.tree.files.filter((source) => {
    const role = classifyPath(source.path);
    return everyPartNeeds(role) || ((role.kind === 'template' || role.kind === 'overlay') && services.has(role.service));
  });
  return partInput(
    input,
    files,
    input.tags.filter((t) => services.has(t.service)),
  );
}

/** `input` narrowed to these files and tags (and the templates at those tags), its options kept; no memo. */
export function partInput(input: CompileInput, files: InputFile[], tags: VersionTag[]): CompileInput {
  const templatesAtTags = new Map<string, InputFile>();
  for (const tag of tags) {
    const source = input.templatesAtTags.get(tag.tag);
    if (source) templatesAtTags.set(tag.tag, source);
  }
  return {
    tree: { files, problems: [], ...(input.tree.overlaysOf ? { overlaysOf: input.tree.overlaysOf } : {}) },
    tags,
    templatesAtTags,
    commit: input.commit,
    ...(input.draft ? { draft: true } : {}),
    ...(input.selection ? { selection: input.selection } : {}),
    ...(input.snapshots === false ? { snapshots: false } : {}),
    ...(input.clone ? { clone: input.clone } : {}),
  };
}
