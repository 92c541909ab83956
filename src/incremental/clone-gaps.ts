/**
 * What the clone lacks that a compile needs, gathered for `CompileInput.clone`: whether version
 * tags may be missing (a shallow clone, one made without tags), version tags whose objects are
 * missing, and templates at tags that cannot be read. With the compile cache, the files a compile
 * will read are checked for here too, before it runs: compile itself reads no git objects it
 * could find missing.
 */
import { ciKind, missingTagsReason, readCloneState } from '../git/clone.js';
import type { GitRepo } from '../git/repo.js';
import { parseVersionTagName } from '../git/tags.js';
import type { IgnoredTag } from '../git/tags.js';
import { missingBlobs } from '../git/reader.js';
import type { CompileInput } from '../compile/compile.js';
import type { SourceBytes } from '../source/file-bytes.js';
import { missingFileFinding, templateContext } from '../source/git-revision.js';
import type { InputFile } from '../load/source-file.js';
import type { BrokenTag, CloneGaps } from '../model/clone.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { MissingObjectError } from '../git/missing-object.js';

/** The clone's gaps: `ignored` from the tag scan, `templates` from reading the templates at tags. */
export function cloneGaps(repo: GitRepo, ignored: readonly IgnoredTag[], templates: ReadonlyMap<string, MissingObjectError>): CloneGaps {
  const brokenTags = new Map<string, BrokenTag>();
  for (const t of ignored) {
    const name = parseVersionTagName(t.tag);
    if (t.reason === 'missing-object' && t.missing !== undefined && name.kind === 'version') {
      brokenTags.set(t.tag, { service: name.service, version: name.version, tag: t.tag, missing: t.missing });
    }
  }
  return {
    tags: missingTagsReason(readCloneState(repo), ciKind()),
    brokenTags,
    templates: new Map([...templates].map(([tag, error]) => [tag, error.toData()])),
  };
}

/**
 * `input` without the files listed without bytes whose blobs the repository does not hold, checked
 * for among `toRead` (what compile will read): a template at a tag goes to `clone.templates`, a
 * file of the revision read becomes a TW1016 finding in `tree.problems`. Those files would
 * otherwise be read in the middle of compile. Every unread file of a missing blob goes, not only
 * those in `toRead`: a template at a tag that is the revision's file is read as that file.
 */
export async function withoutMissingBlobs(repo: GitRepo, input: CompileInput, toRead: readonly InputFile[], bytes: SourceBytes): Promise<CompileInput> {
  const fromGit = (source: InputFile): boolean => bytes.unreadBlob(source);
  const missing = await missingBlobs(repo, toRead.filter(fromGit).map((source) => source.oid!));
  if (missing.size === 0) return input;
  const lost = (source: InputFile): MissingObjectError | undefined => (fromGit(source) ? missing.get(source.oid!) : undefined);
  const templates = new Map<string, MissingObjectError>();
  for (const [tag, source] of input.templatesAtTags) {
    const error = lost(source);
    const version = input.tags.find((t) => t.tag === tag);
    if (error !== undefined) templates.set(tag, version === undefined ? error : error.withContext(templateContext(version)));
  }
  const problems: Diagnostic[] = [];
  for (const source of input.tree.files) {
    const error = lost(source);
    if (error !== undefined) problems.push(missingFileFinding(source.path, source.revision ?? 'HEAD', error));
  }
  const gaps = input.clone;
  return {
    ...input,
    tree: { files: input.tree.files.filter((f) => lost(f) === undefined), problems: [...input.tree.problems, ...problems] },
    templatesAtTags: new Map([...input.templatesAtTags].filter(([, source]) => lost(source) === undefined)),
    clone: {
      tags: gaps?.tags ?? null,
      brokenTags: gaps?.brokenTags ?? new Map(),
      templates: new Map([...(gaps?.templates ?? []), ...[...templates].map(([tag, e]) => [tag, e.toData()] as const)]),
    },
  };
}
