import type { CloneGaps } from '../../model/clone.js';
import type { Diagnostic, RelatedLocation, Severity } from '../../model/diagnostic.js';
import type { YamlFile } from '../../load/yaml-file.js';
import type { CheckedRepo, GroupEntry, TemplateEntry } from '../entries.js';
import type { VersionTag } from '../../model/version.js';
import type { ResolvedService } from '../resolved.js';
import type { ReferencingService } from '../consumer-references.js';

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
  /**
   * Each published service of each group with what its plugins ask of the group's consumers
   * (consumer-references.ts), for the `repo` rules; empty for the other scopes.
   */
  readonly referencing: readonly ReferencingService[];
  /** Plugin names the gateways know: APISIX's bundled ones plus tagway.yaml's `plugins`. */
  readonly plugins: ReadonlySet<string>;
  /** Compiling worktree templates instead of published versions. */
  readonly draft: boolean;
  /** What the clone lacks (tags, objects); absent: nothing. */
  readonly clone?: CloneGaps;
  /** The time findings are judged at (ms since the epoch; `CompileInput.now`); absent: dates are not checked. */
  readonly now?: number;
}

/**
 * What a rule's findings depend on. Compile runs each rule according to its scope, which is what
 * lets it keep findings in its cache and check only what changed; a rule must not read more than
 * its scope grants.
 * - `file`: each finding is about one template, overlay or group.yaml, depends only on that file
 *   (its content and path, and `plugins`), and is located in it. Compile runs the rule with
 *   `templates`, `repo.overlays` and `repo.rawOverlays` holding only the files still to check
 *   (`repo.groups` holds every group).
 * - `service`: each finding depends only on one service as one group runs it (its template, its
 *   overlay, the group's name, and the group.yaml location of its pin). Compile runs the rule
 *   with `resolved` holding that one service.
 * - `routes`: a group's published services as a whole: route conflicts inside a group, found
 *   from each service's route claims (route-conflicts.ts; compile keeps the claims per service),
 *   plugins that a global rule of the group runs again (plugins-run-twice.ts), and others that
 *   compile runs with `resolved` holding that group's services (and the rest of the context, as
 *   a `repo` rule has it). Compile runs each with its group's units, every time.
 * - `repo`: anything else. Run once with the whole context, except `resolved`, which is empty:
 *   the merged services are what the `service` and `routes` scopes are for. What a service's
 *   plugins ask of its group's consumers is in `referencing` (compile keeps it per unit, as it
 *   keeps route claims).
 */
export type RuleScope = 'file' | 'service' | 'routes' | 'repo';

export interface Rule {
  /** kebab-case, equal to the file name. */
  readonly name: string;
  readonly scope: RuleScope;
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
