/**
 * What a compile reports: the findings that concern the selection, in one total order, each once,
 * with the texts of the files they point at (for code frames).
 */
import { canonicalJson } from '../core/canonical.js';
import { resolvePin } from '../core/pins.js';
import { SHARED_FOLDER, parseInclude, sharedObjectPath, templatePath } from '../load/layout.js';
import { REPO_CONFIG_FILE } from '../load/source-file.js';
import type { InputFile } from '../load/source-file.js';
import { sourceText } from '../load/yaml-file.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { cmp, compareDiagnostics, sourceKey } from '../model/diagnostic.js';
import { selects } from '../model/selection.js';
import type { Selection } from '../model/selection.js';
import type { VersionTag } from '../model/version.js';
import type { GroupEntry } from '../validate/entries.js';
import type { CompileFiles } from './load-files.js';

/**
 * Which findings concern a compile of the selected groups (every group without a selection):
 * those of their own files (group.yaml, overlays, group-level files and the shared files they
 * include; without a selection every file under gateway-groups/, a group whose group.yaml is
 * broken included), of the templates they are compiled from (at the tag, or the tree's file when
 * the tag holds the same bytes, or the tree's in a draft), of tagway.yaml, and those of no file.
 * Every finding, with `reportAll`.
 */
export function relevantTo(
  selection: Selection,
  selected: readonly GroupEntry[],
  context: {
    readonly draft: boolean;
    readonly byService: ReadonlyMap<string, readonly VersionTag[]>;
    readonly treeFiles: ReadonlyMap<string, InputFile>;
    readonly templatesAtTags: ReadonlyMap<string, InputFile>;
    readonly files: CompileFiles;
  },
): (d: Diagnostic) => boolean {
  if (selection.reportAll) return () => true;
  const { draft, byService, treeFiles, templatesAtTags, files } = context;
  const used = new Set<string>();
  const includedShared = new Set<string>();
  for (const group of selected) {
    for (const entry of group.spec.include ?? []) {
      const named = parseInclude(entry);
      if (named !== null) includedShared.add(sharedObjectPath(named.kind, named.name));
    }
    for (const [service, pin] of Object.entries(group.spec.published ?? {})) {
      const path = templatePath(service);
      const tree = treeFiles.get(path);
      if (draft) {
        used.add(sourceKey(path, tree?.revision));
        continue;
      }
      const tag = resolvePin(byService.get(service) ?? [], service, pin);
      if (!tag) continue;
      const atTag = templatesAtTags.get(tag.tag);
      used.add(tree && atTag && files.same(tree, atTag) ? sourceKey(path, tree.revision) : sourceKey(path, tag.tag));
    }
  }
  return (d) => {
    if (d.file === undefined || d.file === REPO_CONFIG_FILE) return true;
    const group = /^gateway-groups\/([^/]+)\//.exec(d.file)?.[1];
    if (group === SHARED_FOLDER) return selection.groups === null || includedShared.has(d.file);
    if (group !== undefined) return selects(selection, group);
    return used.has(sourceKey(d.file, d.revision));
  };
}

/**
 * Sorted (file, line, column, code, message, then the rest, so that the order never depends on
 * the order findings were made in), and the same finding reached twice (e.g. one template shared
 * by two groups) reported once.
 */
export function sortUnique(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const whole = new Map<Diagnostic, string>();
  const full = (d: Diagnostic) => {
    let text = whole.get(d);
    if (text === undefined) whole.set(d, (text = canonicalJson(d)));
    return text;
  };
  const sorted = [...diagnostics].sort((a, b) => compareDiagnostics(a, b) || cmp(full(a), full(b)));
  const seen = new Set<string>();
  return sorted.filter((d) => {
    const key = `${d.code}|${d.file ?? ''}|${d.revision ?? ''}|${d.line ?? 0}|${d.column ?? 0}|${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Texts of the files the findings point at, parsed or not (a YAML syntax error is framed too),
 * for their code frames. A related location is named, never framed, so a file that only related
 * locations point at is not read: a warm compile whose findings relate a place in every template
 * reads none of them. Only files the load step read and handed to compile are here: a file it
 * refused (a link out of the repository, a FIFO) has no text, so no frame.
 */
export function sourcesOf(diagnostics: readonly Diagnostic[], files: CompileFiles): Map<string, string> {
  const wanted = new Set<string>();
  for (const d of diagnostics) {
    if (d.file !== undefined) wanted.add(sourceKey(d.file, d.revision));
  }
  const sources = new Map<string, string>();
  if (wanted.size === 0) return sources;
  for (const file of files.looked) {
    const key = sourceKey(file.path, file.revision);
    if (!wanted.has(key) || sources.has(key)) continue;
    const text = sourceText(files.source(file));
    if (text !== null) sources.set(key, text);
  }
  return sources;
}
