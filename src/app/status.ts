/**
 * `tagway status [--group G]`: the version status of every service — its latest version, whether
 * its template changed since (the template state), and per group the version running and whether
 * it is behind. Read at HEAD (what a pipeline deploys), plus the work tree for uncommitted edits.
 *
 * The report is built from independent sections so that `status --live` (the fleet's drift
 * against each group's snapshot) can add its own section and its own `ok` without changing
 * this one: `versions` is always there, a live section is added beside it.
 */
import semver from 'semver';
import { ciKind, missingTagsReason, readCloneState } from '../git/clone.js';
import { objectAtPath, parsePointerFile, pointerState, treeMemo } from '../git/history.js';
import type { GitRepo } from '../git/repo.js';
import { resolvePin } from '../core/pins.js';
import { headCommit } from '../git/revision.js';
import { listVersionTags } from '../git/tags.js';
import { tagsByService } from '../compile/resolve.js';
import { listTree } from '../git/reader.js';
import { readBlob } from '../git/tree.js';
import { uncommittedPaths } from '../git/write.js';
import { classifyPath, groupOfRole, groupPath, parseInclude, sharedObjectPath } from '../load/layout.js';
import { REPO_CONFIG_FILE } from '../load/source-file.js';
import { UserError } from '../core/errors.js';
import { groupsAtHead } from './version-change.js';
import type { VersionTag } from '../model/version.js';
import { openConfigRepo } from '../source/config-repo.js';
import { MissingObjectError } from '../git/missing-object.js';

export interface StatusOptions {
  readonly cwd: string;
  /** Only these groups, and the services they publish (default: every group and service). */
  readonly groups?: readonly string[];
}

/**
 * `unpublished`: no version yet; `published`: HEAD's template folder equals the latest version's;
 * `changed`: committed changes since the latest version (publish a new one); `removed`: versions
 * exist but the template is gone at HEAD; `unknown`: the latest version's folder cannot be read
 * (an object is missing from the clone: see `ServiceStatus.missing`).
 */
export type TemplateState = 'unpublished' | 'published' | 'changed' | 'removed' | 'unknown';

export interface GroupVersion {
  readonly group: string;
  readonly pin: string;
  /** The version the pin resolves to now; null when it matches no tag. */
  readonly version: string | null;
  readonly tag: string | null;
  /** True when the group runs a version lower than the service's latest. */
  readonly behind: boolean;
  /**
   * True when group.yaml records the tag of `version` (`locks:`, written by publish, promote and
   * rollback), so validate reports it if the tag is moved (TW3016). False for a pin without a
   * record (written by hand, or a range that moved on to a newer tag) or that matches no tag: such
   * a pin is not protected until one of those commands next writes it.
   */
  readonly recorded: boolean;
}

export interface ServiceStatus {
  readonly service: string;
  /** The highest version that is not a pre-release (the highest pre-release when there are only those). */
  readonly latest: { readonly version: string; readonly tag: string } | null;
  /** A pre-release newer than `latest`, if any. */
  readonly prerelease: { readonly version: string; readonly tag: string } | null;
  readonly template: TemplateState;
  /** Files of services/<service>/ differ from HEAD in the work tree or index (null: unknown, as in a linked worktree). */
  readonly uncommitted: boolean | null;
  /** Groups (of the selection) that publish the service. */
  readonly groups: readonly GroupVersion[];
  /** With template `unknown`: the missing object and how to fetch it. */
  readonly missing?: { readonly message: string; readonly hint: string };
}

export interface VersionStatus {
  readonly head: string;
  readonly services: readonly ServiceStatus[];
  /**
   * Why versions may be missing from this clone although they exist on its remote (shallow, made
   * without tags) and how to fetch them; null when it holds every tag. Then "no version yet" and
   * "matches no tag" mean: not in this clone.
   */
  readonly missingTags: { readonly reason: string; readonly hint: string } | null;
  /**
   * Config files of the report (the selected groups' group.yaml, overlays and group-level files,
   * the shared files they include, the services' templates, tagway.yaml) whose worktree or index
   * content differs from HEAD, sorted: the report reads HEAD, so a pin edited but not committed
   * is not in it. Null when unknown (a linked worktree).
   */
  readonly uncommitted: readonly string[] | null;
}

export interface StatusReport {
  readonly ok: boolean;
  readonly root: string;
  readonly versions: VersionStatus;
}

export async function runStatus(options: StatusOptions): Promise<StatusReport> {
  const repo = await openConfigRepo(options.cwd);
  const versions = await readVersionStatus(repo, options.groups);
  return { ok: true, root: repo.dir, versions };
}

/** The `versions` section of `status`. */
export async function readVersionStatus(repo: GitRepo, selection: readonly string[] | undefined): Promise<VersionStatus> {
  const head = await headCommit(repo);
  if (head === null) throw new UserError('the repository has no commit yet', 'Commit services/ and gateway-groups/ first.');
  const tags = await listVersionTags(repo);
  const allGroups = await groupsAtHead(repo, head);
  const unknown = (selection ?? []).filter((g) => !allGroups.includes(g));
  if (unknown.length > 0) {
    throw new UserError(`there is no gateway group ${unknown.map((g) => `\`${g}\``).join(', ')} at HEAD`, `Groups here: ${allGroups.join(', ') || '(none)'}.`);
  }
  const groups = selection === undefined ? allGroups : allGroups.filter((g) => selection.includes(g));

  const templates = new Set(
    (await listTree(repo, head, ['services'], { large: true }))
      .map((e) => /^services\/([^/]+)\/service\.yaml$/.exec(e.path)?.[1])
      .filter((s): s is string => s !== undefined),
  );
  /** Per service and group: the pin, and the version recorded for it (null: no fitting record). */
  const pins = new Map<string, Map<string, { readonly pin: string; readonly recorded: string | null }>>();
  /** The shared files the listed groups include (null: every one, when every group is listed). */
  const included: Set<string> | null = selection === undefined ? null : new Set();
  for (const group of groups) {
    const entry = (await listTree(repo, head, [groupPath(group)]))[0];
    const pointer = entry === undefined ? null : parsePointerFile(new TextDecoder().decode(await readBlob(repo, entry.oid)));
    for (const include of pointer?.include ?? []) {
      const named = parseInclude(include);
      if (named !== null) included?.add(sharedObjectPath(named.kind, named.name));
    }
    for (const [service] of pointer?.published ?? []) {
      const state = pointerState(pointer!, service);
      if (state === null) continue;
      let byGroup = pins.get(service);
      if (byGroup === undefined) pins.set(service, (byGroup = new Map()));
      byGroup.set(group, { pin: state.pin, recorded: state.object === null ? null : state.version });
    }
  }
  // With a group selection, only the services those groups publish.
  const names = (selection === undefined ? [...new Set([...templates, ...tags.map((t) => t.service), ...pins.keys()])] : [...pins.keys()]).sort();

  // One status walk for all config folders; null when it cannot be read (a linked worktree).
  const changed = await uncommittedPaths(repo, ['services', 'gateway-groups', REPO_CONFIG_FILE]).catch(() => null);
  const dirty: ReadonlySet<string> | null = changed === null ? null : new Set(changed.filter((p) => p.startsWith('services/')).map((p) => p.split('/')[1]!));
  const services: ServiceStatus[] = [];
  const tagsOf = tagsByService(tags);
  // The trees read for one service are read for the next one too (HEAD's services/ folder at least).
  const trees = treeMemo();
  for (const service of names) {
    const mine = tagsOf.get(service) ?? [];
    const latest = latestVersion(mine);
    const newestPre = mine[mine.length - 1];
    const prerelease = newestPre !== undefined && latest !== null && semver.gt(newestPre.version, latest.version) ? newestPre : null;
    const folder = `services/${service}`;
    let template: TemplateState;
    let missing: ServiceStatus['missing'];
    if (latest === null) template = 'unpublished';
    else if (!templates.has(service)) template = 'removed';
    else {
      const newest = newestPre ?? latest;
      try {
        const atHead = await objectAtPath(repo, head, folder, trees);
        const atTag = await objectAtPath(repo, newest.commit, folder, trees);
        template = atHead === atTag ? 'published' : 'changed';
      } catch (error) {
        if (!(error instanceof MissingObjectError)) throw error;
        const named = error.withContext(`the folder ${folder} at tag ${newest.tag}`);
        template = 'unknown';
        missing = { message: named.message, hint: named.hint };
      }
    }
    const uncommitted = dirty === null ? null : dirty.has(service);
    const groupVersions: GroupVersion[] = [...(pins.get(service) ?? [])]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([group, { pin, recorded }]) => {
        const tag = resolvePin(mine, service, pin);
        return {
          group,
          pin,
          version: tag?.version ?? null,
          tag: tag?.tag ?? null,
          behind: tag !== null && latest !== null && semver.lt(tag.version, latest.version),
          recorded: tag !== null && recorded === tag.version,
        };
      });
    services.push({
      service,
      latest: latest === null ? null : { version: latest.version, tag: latest.tag },
      prerelease: prerelease === null ? null : { version: prerelease.version, tag: prerelease.tag },
      template,
      uncommitted,
      groups: groupVersions,
      ...(missing !== undefined ? { missing } : {}),
    });
  }
  return { head, services, missingTags: missingTagsReason(readCloneState(repo), ciKind()), uncommitted: changed === null ? null : changed.filter((p) => reported(p, groups, names, included)) };
}

/**
 * Whether a changed path is a config file of the report: of a listed group or service, a shared
 * file a listed group includes (`included`; null: every shared file), or tagway.yaml.
 */
function reported(path: string, groups: readonly string[], services: readonly string[], included: ReadonlySet<string> | null): boolean {
  const role = classifyPath(path);
  if (role.kind === 'config') return true;
  if (role.kind === 'template') return services.includes(role.service);
  if ('shared' in role) return included === null || included.has(path);
  const group = groupOfRole(role);
  return group !== null && groups.includes(group);
}

/** `tags` of one service sorted ascending: the highest release, else the highest pre-release. */
function latestVersion(tags: readonly VersionTag[]): VersionTag | null {
  const releases = tags.filter((t) => semver.prerelease(t.version) === null);
  return releases[releases.length - 1] ?? tags[tags.length - 1] ?? null;
}
