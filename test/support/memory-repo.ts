/**
 * In-memory compile inputs for rule and compiler table tests: no git, no disk. Version tags are
 * synthetic and their templates are given as text.
 */
import type { CompileInput } from '../../src/compile/compile.js';
import type { SourceFile } from '../../src/load/source-file.js';
import type { VersionTag } from '../../src/model/version.js';
import { selectionOf } from '../../src/model/selection.js';

const encoder = new TextEncoder();

export interface MemoryRepoSpec {
  /** Worktree files by path. */
  readonly files: Readonly<Record<string, string | Uint8Array>>;
  /** Version tags: tag name → the service.yaml text at that tag (null: the tag's commit has none). */
  readonly tags?: Readonly<Record<string, string | null>>;
  readonly draft?: boolean;
  readonly groups?: readonly string[];
}

export function fakeOid(seed: string): string {
  let h = 0;
  for (const ch of seed) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(8, '0').repeat(5);
}

export function memoryInput(spec: MemoryRepoSpec): CompileInput {
  const files: SourceFile[] = Object.entries(spec.files).map(([path, content]) => ({
    path,
    bytes: typeof content === 'string' ? encoder.encode(content) : content,
  }));
  const tags: VersionTag[] = [];
  const templatesAtTags = new Map<string, SourceFile>();
  for (const [tag, text] of Object.entries(spec.tags ?? {})) {
    const match = /^([^/]+)\/v(.+)$/.exec(tag);
    if (!match) throw new Error(`bad tag name in test: ${tag}`);
    const [, service, version] = match as unknown as [string, string, string];
    tags.push({ service, version, tag, object: fakeOid(`o${tag}`), commit: fakeOid(`c${tag}`), annotated: true });
    if (text !== null) templatesAtTags.set(tag, { path: `services/${service}/service.yaml`, bytes: encoder.encode(text), revision: tag });
  }
  return {
    tree: { files, problems: [] },
    tags,
    templatesAtTags,
    commit: null,
    ...(spec.draft ? { draft: true } : {}),
    ...(spec.groups ? { selection: selectionOf({ groups: spec.groups }) } : {}),
  };
}
