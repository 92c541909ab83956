/**
 * `validate`'s look at the next versions: the worktree templates that differ from every version
 * the groups run now are compiled as drafts, alone (with their overlays, in the groups that
 * publish them), and what APISIX would reject in them (TW4001) is reported. Templates equal to a
 * running version were checked by the normal compile, so a pull request that edits a few
 * templates costs a few services' work, not a second compile of the repository.
 */
import { compile } from '../compile/compile.js';
import type { CompileInput } from '../compile/compile.js';
import { MemoryMemo, sourceOf } from '../compile/memo.js';
import { classifyPath, groupPath } from '../load/layout.js';
import type { InputFile } from '../load/source-file.js';
import { parseYamlFile } from '../load/yaml-file.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { cmp } from '../model/diagnostic.js';

export function draftFindings(input: CompileInput): { diagnostics: readonly Diagnostic[]; sources: ReadonlyMap<string, string> } {
  const edited = editedServices(input);
  if (edited.size === 0) return { diagnostics: [], sources: new Map() };
  const files: InputFile[] = [];
  const encoder = new TextEncoder();
  for (const source of input.tree.files) {
    const role = classifyPath(source.path);
    if (role.kind === 'config') files.push(source);
    else if ((role.kind === 'template' || role.kind === 'overlay') && edited.has(role.service)) files.push(source);
    else if (role.kind === 'group') {
      // The group as far as the edited services go: only their pins (drafts ignore versions).
      const parsed = parseYamlFile(sourceOf(source, input.memo));
      if (!parsed.ok) continue;
      const published = (parsed.file.data as { published?: Record<string, unknown> }).published ?? {};
      const services = Object.keys(published).filter((s) => edited.has(s)).sort(cmp);
      if (services.length === 0) continue;
      const text = `name: ${role.group}\npublished:\n${services.map((s) => `  ${s}: "*"\n`).join('')}`;
      files.push({ path: groupPath(role.group), bytes: encoder.encode(text) });
    }
  }
  // A memo of its own (drafts are not what the cache keeps), reading bytes as the input's does.
  const memo = input.memo;
  const reads = memo ? new MemoryMemo((file) => memo.read(file)) : null;
  const result = compile({ tree: { files, problems: [] }, tags: [], templatesAtTags: new Map(), commit: input.commit, draft: true, snapshots: false, ...(reads ? { memo: reads } : {}) });
  // Only APISIX's verdicts on the drafts' objects, at the template or overlay they come from.
  const diagnostics = result.diagnostics.filter((d) => d.code === 'TW4001' && d.file !== undefined && !d.file.endsWith('/group.yaml'));
  return { diagnostics, sources: result.sources };
}

/** Services whose worktree template equals none of the templates their groups run now. */
function editedServices(input: CompileInput): Set<string> {
  const running = new Map<string, InputFile[]>();
  for (const [tag, source] of input.templatesAtTags) {
    const service = tag.slice(0, tag.indexOf('/'));
    let list = running.get(service);
    if (!list) running.set(service, (list = []));
    list.push(source);
  }
  const edited = new Set<string>();
  for (const source of input.tree.files) {
    const role = classifyPath(source.path);
    if (role.kind !== 'template') continue;
    if (!(running.get(role.service) ?? []).some((other) => same(source, other, input))) edited.add(role.service);
  }
  return edited;
}

function same(a: InputFile, b: InputFile, input: CompileInput): boolean {
  if (a.oid !== undefined && b.oid !== undefined) return a.oid === b.oid;
  const x = sourceOf(a, input.memo).bytes;
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(sourceOf(b, input.memo).bytes);
}
