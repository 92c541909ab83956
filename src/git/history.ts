/**
 * Version history read from git: details of version tags, and the history of a group's pointer
 * (`published` + `locks` in `gateway-groups/<group>/group.yaml`) through the commits that changed it.
 *
 * The pointer history follows the first-parent line of the branch (what the branch held, when):
 * a change merged from a side branch appears as its merge commit, with the merger as author.
 */
import fs from 'node:fs';
import git from './isomorphic.js';
import semver from 'semver';
import { parse as parseYaml } from 'yaml';
import type { Signature } from './write.js';
import { lockFits, type PinLock } from '../core/pin-locks.js';
import { readPresent } from './objects.js';
import { isExactVersion, resolvePin } from '../core/pins.js';
import { shallowCommits, type GitRepo } from './repo.js';
import type { VersionTag } from '../model/version.js';
import { MissingObjectError } from './missing-object.js';
import { neededFor } from './missing-object.js';

export interface CommitInfo {
  readonly oid: string;
  readonly author: Signature;
  readonly committer: Signature;
  readonly message: string;
}

export interface TagDetails extends VersionTag {
  /** Tagger of an annotated tag; the commit's committer for a lightweight one. */
  readonly by: Signature;
  /** The tag message (annotated) or the commit message (lightweight), trailing newline removed. */
  readonly message: string;
}

/** Tagger, date and message of each tag, in the order given. */
export async function readTagDetails(repo: GitRepo, tags: readonly VersionTag[]): Promise<TagDetails[]> {
  const out: TagDetails[] = [];
  for (const tag of tags) {
    if (tag.annotated) {
      const { tag: object } = await readPresent(repo, tag.object, 'tag', () => git.readTag({ fs, gitdir: repo.gitdir, oid: tag.object, cache: repo.cache }));
      out.push({ ...tag, by: { ...object.tagger }, message: trimMessage(object.message) });
    } else {
      const commit = await readCommitInfo(repo, tag.commit);
      out.push({ ...tag, by: commit.committer, message: commit.message });
    }
  }
  return out;
}

function trimMessage(message: string): string {
  return message.replace(/\s+$/, '');
}

export async function readCommitInfo(repo: GitRepo, oid: string): Promise<CommitInfo> {
  const commit = await readCommitRaw(repo, oid);
  return { oid, author: { ...commit.author }, committer: { ...commit.committer }, message: trimMessage(commit.message) };
}

/** One commit that changed a file: the file's text after it (null: deleted at that commit). */
export interface FileRevision {
  readonly commit: CommitInfo;
  readonly text: string | null;
}

export interface FileHistory {
  /** Oldest first. */
  readonly revisions: readonly FileRevision[];
  /** The walk stopped before the start of the history (`cut` says where and why). */
  readonly truncated: boolean;
  readonly cut: HistoryCut | null;
}

/**
 * Where the history of a file could not be followed further back.
 * - `shallow`: `commit` is at the edge of a shallow clone (its parents were not fetched). Its
 *   revision, when the file exists there, is the oldest listed; it may not be the commit that
 *   made that content.
 * - `missing-object`: an object of `commit` (its tree, or the file's blob there) is missing from
 *   the clone; the revisions listed are the ones after it.
 */
export type HistoryCut =
  | { readonly kind: 'shallow'; readonly commit: string }
  | { readonly kind: 'missing-object'; readonly commit: string; readonly error: MissingObjectError };

/**
 * The commits on the first-parent line from `head` that changed `filepath` (created, edited or
 * deleted it), oldest first, with the file's text after each. A history cut short by the edge of
 * a shallow clone or by a missing object is returned as far as it goes (`cut`); an object of
 * `head` itself that is missing throws MissingObjectError.
 */
export async function readFileHistory(repo: GitRepo, head: string, filepath: string): Promise<FileHistory> {
  const parts = filepath.split('/');
  const shallow = await shallowCommits(repo);
  const memo = new Map<string, Promise<string | null>>();
  /** Blob oid of `parts[depth..]` inside tree `tree`; memoised by tree oid, so unchanged subtrees cost nothing. */
  const blobIn = (tree: string, depth: number): Promise<string | null> => {
    const key = `${tree}:${depth}`;
    let found = memo.get(key);
    if (found === undefined) {
      found = (async () => {
        const { tree: entries } = await readPresent(repo, tree, 'tree', () => git.readTree({ fs, gitdir: repo.gitdir, oid: tree, cache: repo.cache }));
        const entry = entries.find((e) => e.path === parts[depth]);
        if (entry === undefined) return null;
        if (depth === parts.length - 1) return entry.type === 'blob' ? entry.oid : null;
        return entry.type === 'tree' ? blobIn(entry.oid, depth + 1) : null;
      })();
      memo.set(key, found);
    }
    return found;
  };

  const changes: { commit: CommitInfo; blob: string | null }[] = [];
  let cut: HistoryCut | null = null;
  let oid: string | undefined = head;
  let commit = await neededFor(`${filepath} at commit ${head}`, () => readCommitRaw(repo, head));
  let blob = await neededFor(`${filepath} at commit ${head}`, () => blobIn(commit.tree, 0));
  while (oid !== undefined) {
    const parent: string | undefined = commit.parent[0];
    if (parent === undefined || shallow.has(oid)) {
      if (parent !== undefined) cut = { kind: 'shallow', commit: oid };
      if (blob !== null) changes.push({ commit: toInfo(oid, commit), blob });
      break;
    }
    let parentCommit: RawCommit;
    let parentBlob: string | null;
    try {
      parentCommit = await readCommitRaw(repo, parent);
      parentBlob = await blobIn(parentCommit.tree, 0);
    } catch (error) {
      if (!(error instanceof MissingObjectError)) throw error;
      // A missing parent commit is the edge of the history this clone holds, whatever made it so.
      cut = error.objectType === 'commit' && error.oid === parent ? { kind: 'shallow', commit: oid } : { kind: 'missing-object', commit: parent, error: error.withContext(`${filepath} at commit ${parent}`) };
      if (blob !== null) changes.push({ commit: toInfo(oid, commit), blob });
      break;
    }
    if (parentBlob !== blob) changes.push({ commit: toInfo(oid, commit), blob });
    oid = parent;
    commit = parentCommit;
    blob = parentBlob;
  }
  changes.reverse();
  // The texts, newest first: a blob that cannot be read cuts the history there.
  const decoder = new TextDecoder();
  const texts = new Map<string, string>();
  let kept = 0;
  for (let i = changes.length - 1; i >= 0; i--) {
    const { commit: c, blob: b } = changes[i]!;
    if (b !== null && !texts.has(b)) {
      try {
        const bytes = await readPresent(repo, b, 'blob', async () => (await git.readBlob({ fs, gitdir: repo.gitdir, oid: b, cache: repo.cache })).blob);
        texts.set(b, decoder.decode(bytes));
      } catch (error) {
        if (!(error instanceof MissingObjectError)) throw error;
        // The newest revision's text is the file at `head`: without it there is no history to show.
        if (i === changes.length - 1) throw error.withContext(`${filepath} at commit ${head}`);
        cut = { kind: 'missing-object', commit: c.oid, error: error.withContext(`${filepath} at commit ${c.oid}`) };
        break;
      }
    }
    kept++;
  }
  const listed = changes.slice(changes.length - kept);
  return {
    revisions: listed.map(({ commit: c, blob: b }) => ({ commit: c, text: b === null ? null : texts.get(b)! })),
    truncated: cut !== null,
    cut,
  };
}

type RawCommit = Awaited<ReturnType<typeof git.readCommit>>['commit'];

async function readCommitRaw(repo: GitRepo, oid: string): Promise<RawCommit> {
  return (await readPresent(repo, oid, 'commit', () => git.readCommit({ fs, gitdir: repo.gitdir, oid, cache: repo.cache }))).commit;
}

function toInfo(oid: string, commit: RawCommit): CommitInfo {
  return { oid, author: { ...commit.author }, committer: { ...commit.committer }, message: trimMessage(commit.message) };
}

/** The pointer of a group at one commit. */
export interface PointerFile {
  readonly published: ReadonlyMap<string, string>;
  readonly locks: ReadonlyMap<string, PinLock>;
  /** The shared files the group includes (`include`, as `<folder>/<name>`). */
  readonly include: readonly string[];
}

/**
 * Reads `published`, `locks` and `include` of a group.yaml text leniently (history may hold files that
 * were invalid then); entries of the wrong shape are left out. Null when the text is not YAML.
 */
export function parsePointerFile(text: string): PointerFile | null {
  let data: unknown;
  try {
    // No check of duplicate keys: lenient, and `yaml`'s check is quadratic in a map's size (10,000 pins).
    data = parseYaml(text, { prettyErrors: false, uniqueKeys: false });
  } catch {
    return null;
  }
  const published = new Map<string, string>();
  const locks = new Map<string, PinLock>();
  if (typeof data !== 'object' || data === null) return { published, locks, include: [] };
  const record = data as Record<string, unknown>;
  const included = record['include'];
  const include = Array.isArray(included) ? included.filter((i): i is string => typeof i === 'string') : [];
  const pins = record['published'];
  if (typeof pins === 'object' && pins !== null) {
    for (const [service, pin] of Object.entries(pins)) if (typeof pin === 'string') published.set(service, pin);
  }
  const locked = record['locks'];
  if (typeof locked === 'object' && locked !== null) {
    for (const [service, lock] of Object.entries(locked)) {
      if (typeof lock !== 'object' || lock === null) continue;
      const { version, object } = lock as Record<string, unknown>;
      if (typeof version === 'string' && typeof object === 'string') locks.set(service, { version, object });
    }
  }
  return { published, locks, include };
}

/** A service's pointer in a group at one commit. */
export interface PointerState {
  readonly pin: string;
  /**
   * The version the pin selected then: the recorded lock when it fits the pin, else the pin when
   * it is an exact version, else (when tags are given, see `pointerStateAt`) the range resolved
   * against the tags created by then; null when that is not known or matched no tag.
   */
  readonly version: string | null;
  /** The tag object recorded for `version` (null without a record). */
  readonly object: string | null;
}

/**
 * The state a pointer file gives `service` from the file alone (a range without a record has no
 * version); null when the group does not publish it.
 */
export function pointerState(file: PointerFile, service: string): PointerState | null {
  const pin = file.published.get(service);
  if (pin === undefined) return null;
  const lock = file.locks.get(service);
  if (lock !== undefined && lockFits(pin, lock.version)) return { pin, version: lock.version, object: lock.object };
  return { pin, version: isExactVersion(pin) ? pin : null, object: null };
}

/**
 * A version tag with the time it came to exist, as far as git tells: `by.timestamp` of
 * `readTagDetails`, i.e. the tagger date of an annotated tag and the committer date of the commit
 * a lightweight tag names (a lightweight ref has no date of its own). The history of which tags
 * existed when is approximated from these dates alone: a lightweight tag made later on an old
 * commit counts from that commit's date, a moved or re-created tag from its current object, a
 * tag deleted since is not known, and clocks are taken as they are.
 */
export type DatedTag = VersionTag & { readonly by: { readonly timestamp: number } };

/** True when `tag` is one a pin could select: of `service` and matching `pin`. */
function selects(tag: VersionTag, service: string, pin: string): boolean {
  return tag.service === service && resolvePin([tag], service, pin) !== null;
}

/** The higher of two versions; null counts as lowest. */
function higher(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return semver.gt(b, a) ? b : a;
}

/**
 * The state a pointer file gives `service` at a commit made at `time` (seconds): as
 * `pointerState`, with a range that has no fitting record resolved against the tags of `tags`
 * created at or before `time` (see `DatedTag` for how exact that is).
 */
export function pointerStateAt(file: PointerFile, service: string, tags: readonly DatedTag[], time: number): PointerState | null {
  const state = pointerState(file, service);
  if (state === null || state.version !== null || isExactVersion(state.pin)) return state;
  const existing = tags.filter((t) => t.service === service && t.by.timestamp <= time);
  return { ...state, version: resolvePin(existing, service, state.pin)?.version ?? null };
}

/**
 * What a pointer set at `since` (seconds) selected just before the later time `before`: an exact
 * pin still its version; a range the highest of its version at `since` and the matching tags
 * created after `since` and before `before` (a range follows new tags without a commit). A tag
 * created in the same second as a commit counts as existing at that commit, not before it.
 */
function selectedBefore(state: PointerState, since: number, before: number, tags: readonly DatedTag[], service: string): PointerState {
  if (isExactVersion(state.pin)) return state;
  let version = state.version;
  for (const tag of tags) {
    if (tag.by.timestamp > since && tag.by.timestamp < before && selects(tag, service, state.pin)) version = higher(version, tag.version);
  }
  return version === state.version ? state : { pin: state.pin, version, object: null };
}

/** One change of a service's pointer in a group. */
export interface PointerChange {
  readonly commit: CommitInfo;
  /**
   * What the group ran just before this commit: the previous pointer, with a range resolved at
   * this commit's time (it may have moved on to newer tags since it was set). Null when the
   * service was not published in the group before this commit.
   */
  readonly from: PointerState | null;
  /** Null when this commit stopped publishing it (or deleted the group). */
  readonly to: PointerState | null;
}

/**
 * The changes of `service`'s pointer along a group file's history, oldest first: every commit
 * where its pin, recorded version or recorded object differs from the commit before. Revisions
 * whose file is not YAML are skipped (the pointer is taken as unchanged through them). With
 * `tags`, ranges without a record are resolved at each commit's time (`pointerStateAt`);
 * without, their version is null.
 */
export function pointerTimeline(history: FileHistory, service: string, tags: readonly DatedTag[] = []): PointerChange[] {
  const mine = tags.filter((t) => t.service === service);
  const changes: PointerChange[] = [];
  /** The pointer as the file gives it, and as it was resolved when it was set. */
  let previous: { readonly file: PointerState; readonly state: PointerState; readonly since: number } | null = null;
  for (const revision of history.revisions) {
    const file = revision.text === null ? { published: new Map(), locks: new Map(), include: [] } : parsePointerFile(revision.text);
    if (file === null) continue;
    const raw = pointerState(file, service);
    const same =
      raw === null || previous === null
        ? raw === (previous?.file ?? null)
        : raw.pin === previous.file.pin && raw.version === previous.file.version && raw.object === previous.file.object;
    if (same) continue;
    const time = revision.commit.committer.timestamp;
    const state = raw === null ? null : pointerStateAt(file, service, mine, time);
    const from = previous === null ? null : selectedBefore(previous.state, previous.since, time, mine, service);
    changes.push({ commit: revision.commit, from, to: state });
    previous = raw === null || state === null ? null : { file: raw, state, since: time };
  }
  return changes;
}

/**
 * The versions the group ran, in order, from a pointer timeline made with the same `tags`: the
 * version each change set, and for a range the newer matching tags it went on to as they were
 * created (before the next change; after the last one, up to now), by `DatedTag`'s dates. A
 * version not known (a range before any matching tag) is left out, and a version is listed again
 * only after another one.
 */
export function versionsRan(timeline: readonly PointerChange[], service: string, tags: readonly DatedTag[]): string[] {
  const mine = tags
    .filter((t) => t.service === service)
    .sort((a, b) => a.by.timestamp - b.by.timestamp || semver.compare(a.version, b.version));
  const ran: string[] = [];
  const add = (version: string | null) => {
    if (version !== null && ran[ran.length - 1] !== version) ran.push(version);
  };
  timeline.forEach((change, i) => {
    const to = change.to;
    if (to === null) return;
    add(to.version);
    if (isExactVersion(to.pin)) return;
    const since = change.commit.committer.timestamp;
    const until = timeline[i + 1]?.commit.committer.timestamp ?? Number.POSITIVE_INFINITY;
    let version = to.version;
    for (const tag of mine) {
      if (tag.by.timestamp <= since || tag.by.timestamp >= until || !selects(tag, service, to.pin)) continue;
      const next = higher(version, tag.version);
      if (next !== version) add((version = next));
    }
  });
  return ran;
}

/**
 * What `objectAtPath` has read, for many lookups in one run: each commit's tree, and each tree's
 * entries by name. A config repository's services/ folder has an entry per service; parsed again
 * for each lookup, a status of 10,000 services read 200 million entries.
 */
export interface TreeMemo {
  readonly roots: Map<string, string>;
  readonly trees: Map<string, ReadonlyMap<string, { readonly oid: string; readonly type: string }>>;
}

export function treeMemo(): TreeMemo {
  return { roots: new Map(), trees: new Map() };
}

/**
 * The oid of the tree or blob at `filepath` in `commit`; null when there is nothing there. Two
 * commits whose folder has the same oid hold the same files in it, byte for byte.
 */
export async function objectAtPath(repo: GitRepo, commit: string, filepath: string, memo: TreeMemo = treeMemo()): Promise<string | null> {
  let tree: string | undefined = memo.roots.get(commit);
  if (tree === undefined) memo.roots.set(commit, (tree = (await readCommitRaw(repo, commit)).tree));
  const parts = filepath.split('/').filter((p) => p !== '');
  for (const [i, part] of parts.entries()) {
    const oid: string = tree;
    let entries = memo.trees.get(oid);
    if (entries === undefined) {
      const read = await readPresent(repo, oid, 'tree', () => git.readTree({ fs, gitdir: repo.gitdir, oid, cache: repo.cache }));
      memo.trees.set(oid, (entries = new Map(read.tree.map((e) => [e.path, { oid: e.oid, type: e.type }]))));
    }
    const entry = entries.get(part);
    if (entry === undefined) return null;
    if (i === parts.length - 1) return entry.oid;
    if (entry.type !== 'tree') return null;
    tree = entry.oid;
  }
  return tree;
}
