/**
 * Incremental compile: after a clean compile, `compile` keeps a record of what it was made from
 * and where each service's objects went in the files it wrote (a "result record", one per
 * selection of groups, in the compile cache's folder). The next compile of the same selection
 * that finds only a few services changed compiles those services alone and splices their objects
 * into the files it wrote before, instead of looking up the whole repository's records again.
 *
 * What changed is told from what git says, unparsed: the index's entries as `git ls-files`
 * lists them (compared byte for byte with the record's copy), the files read from disk rather
 * than the index (changed or untracked: their blob ids), and the version tags' refs (packed-refs
 * by its stat data, loose refs by content). Nothing of the rest of the repository is parsed.
 *
 * The result is the one a whole compile gives, because the shortcut is only taken when that is
 * certain:
 * - no compiled group has an adoption record (`adopt.yaml`, checked against the group's whole
 *   snapshot);
 * - everything not owned by one service is unchanged: group.yaml and tagway.yaml (pins, locks,
 *   plugins, hosts), every other config file that is not a service's, the packed tags, the
 *   options, the tool (the record lives in the cache folder of this tool version), and the
 *   worktree is read as the record's was: through git's listing (no attributes files, no
 *   linked or unmerged entries), every version tag naming its object by id (no symbolic tag)
 *   and found whole (a tag whose objects are missing could later resolve otherwise);
 * - the compile that made the record reported nothing at all, not even a warning, so a service
 *   whose files, tags and templates at tags are unchanged still contributes no finding and the
 *   same objects. A compile reports only the findings of the files its groups are compiled from
 *   (`CompileInput.reportAll`), so a template no group runs may hold one unreported; what makes
 *   it run is a change of its service (a tag) or of a group.yaml or the packed tags, each of
 *   which the record tells;
 * - the changed services, compiled alone with every rule (`compileServices`), find nothing
 *   either, and none of their routes claims what an unchanged service's route claims;
 * - the files the record describes are still the ones it wrote: same size, modification and
 *   change times, inode and device (as git tells a changed worktree file; a write to the file, a
 *   file put in its place, even one with its old times restored, changes its change time), and
 *   written before the record itself, so a write in the same clock tick cannot hide.
 * Otherwise the compile runs whole, as if there were no record, and reports what it finds; so
 * does anything unexpected on the way (a git error, a file changing under it). git is run with
 * replace refs off, as the JavaScript reader reads objects, so both read the same templates.
 *
 * What a service owns: `services/<s>/service.yaml`, its overlays in the compiled groups, and its
 * loose version tags (the template at a tag is fixed by the tag's target).
 */
import { compileServices, templatesNeeded } from '../compile/compile.js';
import type { CompileResult } from '../compile/compile.js';
import { MemoryMemo } from '../compile/memo.js';
import { assembleSnapshot } from '../compile/snapshot.js';
import type { AssembledSnapshot, RenderedPiece } from '../compile/snapshot.js';
import { gitReader } from '../git/reader.js';
import type { GitRepo } from '../git/repo.js';
import { parseVersionTagName, scanVersionTags } from '../git/tags.js';
import { SourceBytes } from '../source/file-bytes.js';
import { readTemplatesAtTags } from '../source/git-revision.js';
import { classifyPath } from '../load/layout.js';
import { CONFIG_ROOTS } from '../load/source-file.js';
import { treeOfListing } from '../source/worktree.js';
import type { WorktreeListing } from '../source/worktree.js';
import { perKind } from '../apisix/kinds/index.js';
import { cmp } from '../model/diagnostic.js';
import type { ServiceProvenance, Snapshot } from '../model/snapshot.js';
import type { Selection } from '../model/selection.js';
import type { RawListing } from './input.js';
import {
  claimHash,
  encodeClaims,
  everyEntryPlain,
  KINDS,
  ownerOf,
  PIECE_NUMBERS,
  plainTags,
  readFromDisk,
  storeProvenance,
} from './result-record.js';
import type { DecodedGroup, FoundRecord, LayoutEntry, RecordInputs, SplicedLayout } from './result-record.js';

/**
 * Most services a compile splices in; with more changed, a whole compile (with the per-file and
 * per-service records of the compile cache) costs about as much.
 */
export const MAX_SPLICED_SERVICES = 64;

/** The paths of the index entries that differ between two listings (both sorted by path, as git lists them); null if one is malformed. */
function changedEntries(before: Buffer, after: Buffer): string[] | null {
  if (before.equals(after)) return [];
  const paths: string[] = [];
  const pathOf = (b: Buffer, at: number, end: number) => b.toString('utf8', at + 52, end);
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const ie = i < before.length ? before.indexOf(0, i) : -1;
    const je = j < after.length ? after.indexOf(0, j) : -1;
    if ((ie >= 0 && ie - i < 53) || (je >= 0 && je - j < 53)) return null;
    if (ie < 0) {
      paths.push(pathOf(after, j, je));
      j = je + 1;
      continue;
    }
    if (je < 0) {
      paths.push(pathOf(before, i, ie));
      i = ie + 1;
      continue;
    }
    if (ie - i === je - j && before.compare(after, j, je, i, ie) === 0) {
      i = ie + 1;
      j = je + 1;
      continue;
    }
    // Records sort by path (from byte 52 on): the smaller one is missing on the other side.
    const order = before.compare(after, j + 52, je, i + 52, ie);
    if (order <= 0) {
      paths.push(pathOf(before, i, ie));
      i = ie + 1;
    }
    if (order >= 0) {
      paths.push(pathOf(after, j, je));
      j = je + 1;
    }
  }
  return paths;
}

/**
 * The part of a listing that names the files of `services`: their index records (found by
 * searching the listing for their names, not by reading all of it) and the files read from disk.
 */
function listingOf(listing: WorktreeListing, services: ReadonlySet<string>): WorktreeListing {
  const { indexed } = listing;
  const starts = new Set<number>();
  for (const service of services) {
    for (const needle of [`\tservices/${service}/service.yaml\0`, `/services/${service}.yaml\0`]) {
      for (let at = indexed.indexOf(needle); at >= 0; at = indexed.indexOf(needle, at + 1)) {
        const start = indexed.lastIndexOf(0, at) + 1;
        const end = indexed.indexOf(0, at + 1);
        if (ownerOf(indexed.toString('utf8', start + 52, end)) === service) starts.add(start);
      }
    }
  }
  const records = [...starts].sort((a, b) => a - b).map((start) => indexed.subarray(start, indexed.indexOf(0, start) + 1));
  const pick = (bytes: Buffer) => {
    const kept: Buffer[] = [];
    for (let at = 0; at < bytes.length; ) {
      const eol = bytes.indexOf(0, at);
      const stop = eol < 0 ? bytes.length : eol;
      if (services.has(ownerOf(bytes.toString('utf8', at, stop)) ?? '')) kept.push(bytes.subarray(at, stop + 1));
      at = stop + 1;
    }
    return Buffer.concat(kept);
  };
  return { indexed: Buffer.concat(records), changed: pick(listing.changed), untracked: pick(listing.untracked) };
}

/**
 * The compile the record allows: the changed services compiled alone and spliced into the
 * snapshots the record describes. Null when the shortcut does not apply (see the module's
 * comment); the caller then compiles the whole repository.
 */
export async function spliceCompile(
  repo: GitRepo,
  found: FoundRecord,
  raw: RawListing,
  selection: Selection,
  now?: number,
): Promise<{ result: CompileResult; changed: string[]; previous: ReadonlyMap<string, Buffer>; inputs: RecordInputs; layouts: ReadonlyMap<string, SplicedLayout> } | null> {
  const { record } = found;
  if (JSON.stringify(selection.groups) !== JSON.stringify(record.selection) || raw.tags.packed !== record.tags.packed || !plainTags(raw.tags)) return null;
  // An adoption record is checked against the whole snapshot of its group, whose every service
  // may name what it lists (src/compile/adoption.ts): such a group is compiled whole.
  if (record.globalFiles.some(([rel]) => classifyPath(rel).kind === 'adopt')) return null;

  // What changed: index entries, files read from disk, loose tags. A file's content is its blob
  // id as read from disk when it was, else as the index has it.
  const indexedBefore = found.indexed;
  const changedIndexed = changedEntries(indexedBefore, raw.worktree.indexed);
  if (changedIndexed === null) return null;
  const disk = treeOfListing(repo, { indexed: Buffer.alloc(0), changed: raw.worktree.changed, untracked: raw.worktree.untracked });
  if (disk === null || disk.problems.length > 0) return null;
  // (The entries of the index the record holds were all plain; the changed ones are checked below.)
  const fromDisk = readFromDisk(raw.worktree, disk);
  const fromDiskBefore = new Map(record.fromDisk);
  const content = (rel: string, indexed: Buffer, read: ReadonlyMap<string, string>) => read.get(rel) ?? indexedOid(indexed, rel);
  const paths = new Set([...changedIndexed, ...fromDiskBefore.keys(), ...fromDisk.keys()]);
  const changed = new Set<string>();
  for (const rel of paths) {
    // An attributes file, or a config folder listed as a file: git's listing is not trusted then
    // (see treeOfListing), and the record no longer tells changes.
    if (rel.endsWith('/.gitattributes') || rel === '.gitattributes' || (CONFIG_ROOTS as readonly string[]).includes(rel)) return null;
    if (content(rel, indexedBefore, fromDiskBefore) === content(rel, raw.worktree.indexed, fromDisk)) continue;
    const owner = ownerOf(rel);
    if (owner !== null) changed.add(owner);
    else if (classifyPath(rel).kind !== 'other') return null; // read by compile, owned by no service
  }
  const looseBefore = new Map(record.tags.loose);
  const looseNow = new Map(raw.tags.loose);
  for (const ref of new Set<string>([...looseBefore.keys(), ...looseNow.keys()])) {
    if (looseBefore.get(ref) === looseNow.get(ref)) continue;
    const name = parseVersionTagName(ref.slice('refs/tags/'.length));
    if (name.kind === 'version') changed.add(name.service);
  }
  if (changed.size > MAX_SPLICED_SERVICES) return null;
  // An entry of the index read from disk (a link, a conflict) is not followed by the record.
  for (const rel of changedIndexed) if (!plainEntryOf(raw.worktree.indexed, rel)) return null;

  // The changed services, alone: their files and tags, and the files no service owns. Their bytes
  // are read when compile asks for them (through the memo).
  const git = gitReader(repo);
  const bytes = new SourceBytes(repo, git);
  const memo = new MemoryMemo((file) => bytes.read(file));
  for (const [key, fileRecord] of record.files) memo.saveFile(key, fileRecord);
  const own = treeOfListing(repo, listingOf(raw.worktree, changed), disk);
  if (own === null || own.problems.length > 0) return null;
  const globalFiles = record.globalFiles.map(([rel, oid]) => ({ path: rel, oid, bytes: null }));
  const scan = await scanVersionTags(repo, { services: changed });
  // A tag whose objects are missing is left out; when they arrive its ref stays as it was, so
  // the record could not tell: no shortcut (and the whole compile keeps no record).
  if (scan.ignored.some((t) => t.reason === 'missing-object')) return null;
  const { tags } = scan;
  const tree = { files: [...globalFiles, ...own.files], problems: [] };
  const needed = templatesNeeded(tree, tags, { selection, memo, services: changed });
  // Read when compile needs them, where the reader can read a blob then.
  const atTags = await readTemplatesAtTags(repo, needed, { byFolder: true, deferred: git.synchronous });
  // A template that cannot be read is the whole compile's to report.
  if (atTags.missing.size > 0) return null;
  // The `repo` rules run here on every file no service owns (an expiring certificate too), so a
  // finding that time brought about means a whole compile, which reports it.
  const compiled = compileServices({ tree, tags, templatesAtTags: atTags.templates, commit: null, memo, selection, ...(now !== undefined ? { now } : {}) }, [...changed]);
  if (compiled.diagnostics.length > 0) return null;

  const previous = await found.previous;
  if (previous === null) return null;
  const snapshots: Snapshot[] = [];
  const files = new Map<string, AssembledSnapshot>();
  const layouts = new Map<string, SplicedLayout>();
  for (const group of found.groups) {
    const spliced = spliceGroup(group, previous.get(group.stored.group)!, compiled.outputs.get(group.stored.group) ?? [], changed);
    if (spliced === null) return null;
    snapshots.push(spliced.assembled.snapshot);
    files.set(group.stored.group, spliced.assembled);
    layouts.set(group.stored.group, spliced.layout);
  }
  // What the files held, by path: new content that differs is written without reading them again.
  const byPath = new Map<string, Buffer>();
  for (const group of record.groups) {
    const files = previous.get(group.group)!;
    byPath.set(group.json.path, files.json);
    byPath.set(group.yaml.path, files.yaml);
  }
  return {
    result: { diagnostics: [], snapshots, sources: new Map(), files },
    changed: [...changed].sort(cmp),
    previous: byPath,
    inputs: { selection, state: { raw, fromDisk }, globalFiles: record.globalFiles, fileRecords: record.files },
    layouts,
  };
}

/** The blob id of `rel` in a listing of the index (`none` when it has no entry). */
function indexedOid(indexed: Buffer, rel: string): string {
  const at = indexed.indexOf(`\t${rel}\0`);
  if (at < 0) return 'none';
  const start = indexed.lastIndexOf(0, at) + 1;
  return indexed.toString('latin1', start + 9, start + 49);
}

/** Whether the index entry of `rel` in a listing is plain (see everyEntryPlain); true when it has none. */
function plainEntryOf(indexed: Buffer, rel: string): boolean {
  const at = indexed.indexOf(`\t${rel}\0`);
  if (at < 0) return true;
  const start = indexed.lastIndexOf(0, at) + 1;
  return everyEntryPlain(indexed, start, at + rel.length + 1) && indexed.indexOf(`\t${rel}\0`, at + 1) < 0;
}

/** Whether a service in `kept` has a claim of hash `h` (searched for: a few hashes among tens of thousands). */
function claimedByKept(group: DecodedGroup, h: number, kept: ReadonlySet<number>): boolean {
  const { claimNumbers, claimStarts } = group;
  for (let at = claimNumbers.indexOf(h); at >= 0; at = claimNumbers.indexOf(h, at + 1)) {
    // The service whose claims hold `at`: the last one starting before it (at its start is its count).
    let lo = 0;
    let hi = claimStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (claimStarts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    if (claimStarts[lo] !== at && kept.has(lo)) return true;
  }
  return false;
}

/**
 * One group's snapshot: the earlier pieces of the unchanged services, as blocks of the earlier
 * files, and the changed services' new pieces between them, in key order; and how it was put
 * together, for its record. Null when a changed service's route may claim what an unchanged one's
 * claims (a whole compile then tells a real conflict from two keys of one hash), or the record
 * does not fit the files.
 */
function spliceGroup(
  group: DecodedGroup,
  files: { readonly json: Buffer; readonly yaml: Buffer },
  fresh: readonly { readonly provenance: ServiceProvenance; readonly pieces: readonly RenderedPiece[]; readonly claims: readonly { readonly key: string }[] }[],
  changed: ReadonlySet<string>,
): { assembled: AssembledSnapshot; layout: SplicedLayout } | null {
  // The group's own pieces (consumers; owner one past the last service) are kept: a change of
  // their files makes a whole compile.
  const kept = new Set<number>([group.services.length]);
  group.services.forEach((p, i) => {
    if (!changed.has(p.name)) kept.add(i);
  });
  const freshHashes = fresh.map((o) => o.claims.map((c) => claimHash(c.key)));
  for (const hashes of freshHashes) for (const h of hashes) if (claimedByKept(group, h, kept)) return null;

  // The services, old and new, in name order.
  type Service = { provenance: ServiceProvenance; old: number | null; fresh: number | null };
  const all: Service[] = [];
  group.services.forEach((provenance, i) => {
    if (kept.has(i)) all.push({ provenance, old: i, fresh: null });
  });
  fresh.forEach((o, i) => all.push({ provenance: o.provenance, old: null, fresh: i }));
  all.sort((a, b) => cmp(a.provenance.name, b.provenance.name));
  const owners: number[] = [];
  const freshOwner: number[] = [];
  all.forEach((s, i) => (s.old !== null ? (owners[s.old] = i) : (freshOwner[s.fresh!] = i)));
  owners[group.services.length] = all.length;
  const claims = encodeClaims(all.map((s) => (s.old !== null ? group.claims[s.old]! : freshHashes[s.fresh!]!)));

  const layout = perKind((): LayoutEntry[] => []);
  for (const kind of KINDS) {
    const stored = group.kinds[kind];
    const numbers = stored.numbers;
    const news = fresh
      .flatMap((o, i) => o.pieces.filter((p) => p.kind === kind).map((piece) => ({ piece, owner: freshOwner[i]! })))
      .sort((a, b) => cmp(a.piece.key, b.piece.key));
    const entries = layout[kind];
    let next = 0;
    let from = -1;
    const close = (to: number) => {
      if (from < 0) return;
      const first = from * PIECE_NUMBERS;
      const last = (to - 1) * PIECE_NUMBERS;
      let count = 0;
      for (let i = from; i < to; i++) count += numbers[i * PIECE_NUMBERS + 1]!;
      const [js, ys, je, ye] = [numbers[first + 3]!, numbers[first + 5]!, numbers[last + 4]!, numbers[last + 6]!];
      if (!(js <= je && je <= files.json.byteLength && ys <= ye && ye <= files.yaml.byteLength)) throw new RangeError('a record that does not fit its files');
      const piece: RenderedPiece = {
        kind,
        key: stored.keys[from]!,
        count,
        openEnded: (numbers[last + 2]! & 1) !== 0,
        text: { form: 'spans', json: files.json, jsonStart: js, jsonEnd: je, yaml: files.yaml, yamlStart: ys, yamlEnd: ye },
      };
      entries.push({ piece, owner: -1, old: { numbers, unusual: group.stored.kinds[kind].keys, from, to, owners } });
      from = -1;
    };
    try {
      for (let i = 0; i < stored.keys.length; i++) {
        const key = stored.keys[i]!;
        while (next < news.length && cmp(news[next]!.piece.key, key) < 0) {
          close(i);
          entries.push({ ...news[next++]!, old: null });
        }
        const owner = numbers[i * PIECE_NUMBERS]!;
        if (!kept.has(owner)) {
          close(i);
          continue;
        }
        if (from < 0) from = i;
      }
      close(stored.keys.length);
    } catch {
      return null;
    }
    while (next < news.length) entries.push({ ...news[next++]!, old: null });
  }

  const assembled = assembleSnapshot(
    group.stored.group,
    all.map((s) => s.provenance),
    KINDS.flatMap((kind) => layout[kind].map((e) => e.piece)),
    // A record is only made of a compile of the worktree (no commit), never of a draft.
    { commit: null, draft: false },
  );
  const stored = all.map((s) => (s.old !== null ? group.stored.services[s.old]! : storeProvenance(group.stored.group, s.provenance)));
  return { assembled, layout: { services: stored, claims, kinds: layout } };
}
