import type { Diagnostic, RelatedLocation, Severity } from '../../model/diagnostic.js';
import type { VersionTag } from '../../git/tags.js';
import type { YamlFile } from '../../load/yaml-file.js';
import type { ResolvedService } from '../../compile/merge.js';
import type { CheckedRepo, GroupEntry, TemplateEntry } from '../entries.js';

/** A gateway group with each published service resolved and merged. */
export interface ResolvedGroup {
  readonly group: GroupEntry;
  readonly services: readonly ResolvedService[];
}

/** Everything a rule may look at. Rules are pure: they read this and return findings. */
export interface RuleContext {
  readonly repo: CheckedRepo;
  /** Worktree templates and every template read at a published tag (schema-valid only). */
  readonly templates: readonly TemplateEntry[];
  readonly tags: readonly VersionTag[];
  /** The same tags by service, sorted by semver ascending. */
  readonly tagsByService: ReadonlyMap<string, readonly VersionTag[]>;
  readonly resolved: readonly ResolvedGroup[];
  /** Plugin names the gateways know: APISIX's bundled ones plus tagway.yaml's `plugins`. */
  readonly plugins: ReadonlySet<string>;
  /** Compiling worktree templates instead of published versions. */
  readonly draft: boolean;
}

export interface Rule {
  /** kebab-case, equal to the file name. */
  readonly name: string;
  check(ctx: RuleContext): Iterable<Diagnostic>;
}

/** A diagnostic at `pointer` of `file` (at its key with `key: true`). */
export function finding(
  code: string,
  file: YamlFile,
  pointer: string,
  message: string,
  extra: { readonly hint?: string; readonly severity?: Severity; readonly key?: boolean; readonly related?: readonly RelatedLocation[] } = {},
): Diagnostic {
  const loc = file.locate(pointer, { key: extra.key === true });
  return {
    code,
    severity: extra.severity ?? 'error',
    message,
    ...loc,
    ...(extra.hint !== undefined ? { hint: extra.hint } : {}),
    related: extra.related ?? [],
  };
}

export function relatedAt(file: YamlFile, pointer: string, message: string): RelatedLocation {
  return { ...file.locate(pointer), message };
}

/** "services/petstore/service.yaml" or "services/petstore/service.yaml at petstore/v1.2.0". */
export function describeFile(file: YamlFile): string {
  return file.revision ? `${file.path} at ${file.revision}` : file.path;
}
