/**
 * `tagway history <service> [--group G]`: every version of a service (its tags), which version
 * each group runs now, and per group the timeline of pointer changes read from the git history
 * of its group.yaml. Read-only; everything is read at HEAD.
 */
import semver from 'semver';
import { ciKind, missingTagsReason, readCloneState, shallowHistoryHint } from '../git/clone.js';
import { parsePointerFile, pointerState, pointerTimeline, readFileHistory, readTagDetails } from '../git/history.js';
import type { HistoryCut, PointerState } from '../git/history.js';
import type { GitRepo } from '../git/repo.js';
import { resolvePin } from '../core/pins.js';
import { headCommit } from '../git/revision.js';
import { NAME_PATTERN, listVersionTags } from '../git/tags.js';
import type { Signature } from '../git/write.js';
import { groupPath } from '../load/layout.js';
import { UserError } from '../core/errors.js';
import { openConfigRepo } from '../source/config-repo.js';
import { closestService, knownServices } from './service-names.js';
import { groupsAtHead } from './version-change.js';

export interface HistoryOptions {
  readonly cwd: string;
  readonly service: string;
  /** Only this group's pointer (default: every group that publishes or published the service). */
  readonly group?: string;
}

export interface PersonAt {
  readonly name: string;
  readonly email: string;
  /** ISO 8601 with the offset the person recorded, e.g. 2024-05-01T14:03:00+02:00. */
  readonly date: string;
}

export interface VersionEntry {
  readonly version: string;
  readonly tag: string;
  /** What the tag ref points at: the tag object (annotated) or the commit (lightweight). */
  readonly object: string;
  readonly commit: string;
  readonly annotated: boolean;
  /** The tagger (annotated) or the commit's committer (lightweight). */
  readonly by: PersonAt;
  readonly message: string;
  /** Groups whose pointer resolves to this version now. */
  readonly runningIn: readonly string[];
}

export interface PointerView {
  readonly pin: string;
  /**
   * The version the pin selected: now, or at that point of the timeline (recorded then, or a
   * range resolved against the tags created by then); null when it matched no tag.
   */
  readonly version: string | null;
}

export interface TimelineEntry {
  readonly commit: string;
  readonly author: PersonAt;
  readonly message: string;
  /**
   * What the group ran just before this commit; for a range this can be newer than the previous
   * entry's `to`, as the range followed tags created in between. Null: not published before.
   */
  readonly from: PointerView | null;
  /** What the commit set; null when it stopped publishing the service. */
  readonly to: PointerView | null;
}

export interface GroupHistory {
  readonly group: string;
  /** The group's pointer now; null when it no longer publishes the service. */
  readonly now: (PointerView & { readonly tag: string | null }) | null;
  /** Oldest first. */
  readonly timeline: readonly TimelineEntry[];
  /** Earlier changes are missing from the clone (`cut` says where and why). */
  readonly truncated: boolean;
  /**
   * Where the history of group.yaml could not be followed further back: at `commit`, the edge
   * of a shallow clone (the timeline's entry at that commit, if any, is the state the clone's
   * history starts with: its `from` is not known, rather than "not published"), or the commit
   * whose group.yaml could not be read (a missing object; the timeline starts after it).
   */
  readonly cut: HistoryCutView | null;
}

export interface HistoryCutView {
  readonly kind: 'shallow' | 'missing-object';
  readonly commit: string;
  readonly message: string;
  /** How to fetch the rest. */
  readonly hint: string;
}

export interface HistoryReport {
  readonly root: string;
  readonly service: string;
  /** Newest version first. */
  readonly versions: readonly VersionEntry[];
  readonly groups: readonly GroupHistory[];
  /** Why versions may be missing from this clone (shallow, made without tags) and how to fetch them; null when it holds every tag. */
  readonly missingTags: { readonly reason: string; readonly hint: string } | null;
}

/** An ISO 8601 date in the time zone the signature was made in. */
export function signatureDate(signature: Signature): string {
  const offset = -signature.timezoneOffset;
  const local = new Date((signature.timestamp + offset * 60) * 1000).toISOString().slice(0, 19);
  const abs = Math.abs(offset);
  return `${local}${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function personAt(signature: Signature): PersonAt {
  return { name: signature.name, email: signature.email, date: signatureDate(signature) };
}

function view(state: PointerState | null): PointerView | null {
  return state === null ? null : { pin: state.pin, version: state.version };
}

export async function runHistory(options: HistoryOptions): Promise<HistoryReport> {
  const { service } = options;
  if (!NAME_PATTERN.test(service)) throw new UserError(`\`${service}\` is not a service name`);
  const repo = await openConfigRepo(options.cwd);
  const head = await headCommit(repo);
  if (head === null) throw new UserError('the repository has no commit yet', 'Commit services/ and gateway-groups/ first.');
  const tags = await listVersionTags(repo);
  const mine = tags.filter((t) => t.service === service);

  const allGroups = await groupsAtHead(repo, head);
  if (options.group !== undefined && !allGroups.includes(options.group)) {
    throw new UserError(`there is no gateway group \`${options.group}\` at HEAD`, `Groups here: ${allGroups.join(', ') || '(none)'}.`);
  }
  const details = await readTagDetails(repo, mine);
  const groups: GroupHistory[] = [];
  for (const group of options.group !== undefined ? [options.group] : allGroups) {
    const history = await readFileHistory(repo, head, groupPath(group));
    const timeline = pointerTimeline(history, service, details);
    if (timeline.length === 0 && options.group === undefined) continue;
    const atHead = history.revisions[history.revisions.length - 1]?.text ?? null;
    const pointer = atHead === null ? null : parsePointerFile(atHead);
    const nowState = pointer === null ? null : pointerState(pointer, service);
    const resolved = nowState === null ? null : resolvePin(tags, service, nowState.pin);
    groups.push({
      group,
      now: nowState === null ? null : { pin: nowState.pin, version: resolved?.version ?? null, tag: resolved?.tag ?? null },
      timeline: timeline.map((c) => ({ commit: c.commit.oid, author: personAt(c.commit.author), message: c.commit.message, from: view(c.from), to: view(c.to) })),
      truncated: history.truncated,
      cut: history.cut === null ? null : cutView(repo, history.cut),
    });
  }

  if (mine.length === 0 && groups.length === 0) {
    const known = await knownServices(repo, head, tags);
    if (!known.includes(service)) {
      const hint = closestService(service, known) ?? (known.length > 0 ? `Services here: ${known.join(', ')}.` : undefined);
      throw new UserError(`there is no service \`${service}\`: no template, no version and no group publishes it`, hint);
    }
  }
  const versions = details
    .map((t) => ({
      version: t.version,
      tag: t.tag,
      object: t.object,
      commit: t.commit,
      annotated: t.annotated,
      by: personAt(t.by),
      message: t.message,
      runningIn: groups.filter((g) => g.now?.tag === t.tag).map((g) => g.group),
    }))
    .sort((a, b) => semver.rcompare(a.version, b.version));
  return { root: repo.dir, service, versions, groups, missingTags: missingTagsReason(readCloneState(repo), ciKind()) };
}

function cutView(repo: GitRepo, cut: HistoryCut): HistoryCutView {
  if (cut.kind === 'missing-object') return { kind: cut.kind, commit: cut.commit, message: cut.error.message, hint: cut.error.hint };
  return {
    kind: cut.kind,
    commit: cut.commit,
    message: `the history is truncated at commit ${cut.commit}: this clone is shallow and holds no earlier commit`,
    hint: shallowHistoryHint(readCloneState(repo), ciKind()),
  };
}
