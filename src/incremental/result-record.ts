/**
 * The result record of an incremental compile (see incremental.ts): what a compile read and
 * where each service's objects went in the files it wrote, kept in the compile cache's folder,
 * and how it is written, read and checked.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CompileInput, CompileResult } from '../compile/compile.js';
import { fileKey } from '../compile/memo.js';
import type { MemoRecords } from '../compile/memo.js';
import { snapshotSpans } from '../compile/snapshot.js';
import type { PieceSpan, RenderedPiece } from '../compile/snapshot.js';
import type { TagRefsState } from '../git/refs.js';
import { gitBlobId } from '../load/blob-id.js';
import { classifyPath, overlayPath, templatePath } from '../load/layout.js';
import type { InputFile, SourceTree } from '../load/source-file.js';
import { utf8Text } from '../core/text.js';
import { nulSeparated } from '../source/worktree.js';
import type { WorktreeListing } from '../source/worktree.js';
import type { ApisixKind } from '../model/apisix.js';
import { KIND_NAMES, perKind } from '../apisix/kinds/index.js';
import { cmp } from '../model/diagnostic.js';
import type { ServiceProvenance } from '../model/snapshot.js';
import { EVERY_GROUP } from '../model/selection.js';
import type { Selection } from '../model/selection.js';
import type { FileRecord } from '../validate/entries.js';
import { fileIdentity } from '../core/atomic-write.js';
import { CACHE_DIR, namespace } from './compile-cache.js';
import type { RawListing } from './input.js';

/** Format of the result record; a record of another format is ignored. */
const FORMAT = 6;

/** What git said about the repository when a compile read it, and the files read from disk. */
export interface RepositoryState {
  readonly raw: RawListing;
  /** Each file read from disk rather than the index (changed, untracked) → its blob id, or `none` (gone). */
  readonly fromDisk: ReadonlyMap<string, string>;
}

/**
 * The state of the repository as a compile of `tree` (read from `raw`) saw it; null when a later
 * compile could not tell changes from it (a linked or unmerged entry in the index, a problem
 * reading a file).
 */
export function stateOf(raw: RawListing, tree: SourceTree): RepositoryState | null {
  if (tree.problems.length > 0 || !everyEntryPlain(raw.worktree.indexed, 0, raw.worktree.indexed.byteLength) || !plainTags(raw.tags)) return null;
  return { raw, fromDisk: readFromDisk(raw.worktree, tree) };
}

/**
 * Whether every loose version tag names an object by its id: a symbolic one (`ref: …`) follows
 * another ref, whose changes its own content does not show.
 */
export function plainTags(tags: TagRefsState): boolean {
  return tags.loose.every(([, content]) => /^[0-9a-f]{40}$/.test(content));
}

/** The blob id of each file of a listing read from disk (changed, untracked), `none` when `tree` does not hold it. */
export function readFromDisk(listing: WorktreeListing, tree: SourceTree): Map<string, string> {
  const read = new Map(tree.files.map((f) => [f.path, f]));
  const fromDisk = new Map<string, string>();
  for (const rel of [...nulSeparated(listing.changed), ...nulSeparated(listing.untracked)]) {
    const file = read.get(rel);
    fromDisk.set(rel, file ? oidOf(file) : 'none');
  }
  return fromDisk;
}

/**
 * Whether the index entries from `start` to `end` (`ls-files -s -v -z` records) are all plain:
 * cached (`H`), stage 0, not a link or a submodule. Others are read from disk, which the record
 * does not follow.
 */
export function everyEntryPlain(indexed: Buffer, start: number, end: number): boolean {
  for (let at = start; at < end; ) {
    const eol = indexed.indexOf(0, at);
    const stop = eol < 0 || eol > end ? end : eol;
    // `<tag> <mode> <oid> <stage>\t<path>`: tag at 0, mode at 2..8, stage at 50, tab at 51.
    if (stop - at < 53 || indexed[at] !== 0x48 || indexed[at + 50] !== 0x30 || indexed[at + 51] !== 0x09) return false;
    const mode = indexed.toString('latin1', at + 2, at + 8);
    if (mode === '120000' || mode === '160000') return false;
    at = stop + 1;
  }
  return true;
}

/** The service a path is a file of (its template or an overlay), or null. */
export function ownerOf(rel: string): string | null {
  const role = classifyPath(rel);
  return role.kind === 'template' || role.kind === 'overlay' ? role.service : null;
}

/** A file's blob id: as listed, or of its bytes (a file listed without bytes always has one). */
export function oidOf(file: InputFile): string {
  if (file.oid !== undefined) return file.oid;
  if (file.bytes === null) throw new Error(`${file.path} has neither bytes nor a blob id`);
  return gitBlobId(file.bytes);
}

/**
 * A service's provenance as the record keeps it: `[name, version, commit, overlay]` when its tag,
 * template and overlay are named as usual (overlay 1: the group's overlay file, 0: none), else
 * `[name, version, tag, commit, template, overlay]`.
 */
type StoredProvenance = readonly [string, string, string | null, 0 | 1] | readonly [string, string, string | null, string | null, string, string | null];

export function storeProvenance(group: string, p: ServiceProvenance): StoredProvenance {
  const usual = p.tag === `${p.name}/v${p.version}` && p.template === templatePath(p.name) && (p.overlay === null || p.overlay === overlayPath(group, p.name));
  return usual ? [p.name, p.version, p.commit, p.overlay === null ? 0 : 1] : [p.name, p.version, p.tag, p.commit, p.template, p.overlay];
}

function loadProvenance(group: string, s: StoredProvenance): ServiceProvenance {
  if (s.length === 6) {
    const [name, version, tag, commit, template, overlay] = s;
    return { name, version, tag, commit, template, overlay };
  }
  const [name, version, commit, overlay] = s;
  return { name, version, tag: `${name}/v${version}`, commit, template: templatePath(name), overlay: overlay === 1 ? overlayPath(group, name) : null };
}

/** The key a piece of a service's objects usually has: the service's name, and `<name>.` for the run of its routes. */
function usualKey(kind: ApisixKind, service: string): string {
  return kind === 'routes' ? `${service}.` : service;
}

/** A file the compile wrote, as `stat` saw it right after (times in nanoseconds; numbers as text). */
interface StoredFile {
  readonly path: string;
  readonly size: string;
  readonly mtime: string;
  readonly ctime: string;
  readonly ino: string;
  readonly dev: string;
}

function statFields(st: fs.BigIntStats): Omit<StoredFile, 'path'> {
  return { size: String(st.size), mtime: String(st.mtimeNs), ctime: String(st.ctimeNs), ino: String(st.ino), dev: String(st.dev) };
}

/**
 * One kind's pieces, in file order: their unusual keys, and base64 of 32-bit numbers, seven per piece:
 * the index of its service, its count of objects, 1 when it ends open (see RenderedPiece), and
 * its spans in snapshot.json and apisix.yaml (start, end).
 */
interface StoredKind {
  /** The pieces whose key is not the usual one (see `usualKey`): index, key. */
  readonly keys: readonly (readonly [number, string])[];
  readonly numbers: string;
}

interface StoredGroup {
  readonly group: string;
  readonly json: StoredFile;
  readonly yaml: StoredFile;
  /** The snapshot's services, in order. */
  readonly services: readonly StoredProvenance[];
  readonly kinds: Readonly<Record<ApisixKind, StoredKind>>;
  /** Base64 of 32-bit numbers: per service, its number of route claims, then a hash of each (`claimHash`). */
  readonly claims: string;
}

/** What the record holds. */
export interface ResultRecord {
  readonly format: typeof FORMAT;
  /** The groups compiled (sorted; null: all). */
  readonly selection: readonly string[] | null;
  /**
   * git's listing of the index's entries as the compile read it: the name of the file beside the
   * record that holds it (`<record>.<token>.index`, written before the record), and its size.
   */
  readonly indexed: { readonly token: string; readonly size: number };
  /** The files read from disk rather than the index, with their blob ids (see RepositoryState). */
  readonly fromDisk: readonly (readonly [string, string])[];
  readonly tags: TagRefsState;
  /** The config files no single service owns, with their blob ids. */
  readonly globalFiles: readonly (readonly [string, string])[];
  /** The records of group.yaml and tagway.yaml, by their key in the compile memo. */
  readonly files: readonly (readonly [string, FileRecord])[];
  readonly groups: readonly StoredGroup[];
}

export const KINDS: readonly ApisixKind[] = KIND_NAMES;
export const PIECE_NUMBERS = 7;

/** Where the record of a compile of `selection` into `out` is kept. */
function recordPath(root: string, selection: Selection, out: string): string {
  const scope = createHash('sha256')
    .update(JSON.stringify({ groups: selection.groups, out }))
    .digest('hex')
    .slice(0, 24);
  return path.join(root, CACHE_DIR, namespace(), `result-${scope}.json`);
}

/** The file beside a record holding the index listing it was made from. */
function indexPath(record: string, token: string): string {
  return `${record}.${token}.index`;
}

/** Removes the index listings beside a record but the one named `keep`. */
function removeOtherIndexes(record: string, keep: string | null): void {
  const prefix = `${path.basename(record)}.`;
  const kept = keep === null ? null : path.basename(indexPath(record, keep));
  for (const name of fs.readdirSync(path.dirname(record))) {
    if (name.startsWith(prefix) && /\.index(\.tmp)?$/.test(name) && name !== kept) fs.rmSync(path.join(path.dirname(record), name), { force: true });
  }
}

/**
 * The record for this selection, and the files it describes being read and checked meanwhile
 * (null, when they no longer hold what the record says); null when there is no usable record.
 * Never throws.
 */
export function readResultRecord(root: string, selection: Selection, out: string): FoundRecord | null {
  try {
    const file = recordPath(root, selection, out);
    const fd = fs.openSync(file, 'r');
    let text: string;
    let written: bigint;
    try {
      written = fs.fstatSync(fd, { bigint: true }).mtimeNs;
      text = utf8Text(fs.readFileSync(fd));
    } finally {
      fs.closeSync(fd);
    }
    const record = JSON.parse(text) as ResultRecord;
    if (record.format !== FORMAT || !/^[0-9a-f]+$/.test(record.indexed.token)) return null;
    const indexed = fs.readFileSync(indexPath(file, record.indexed.token));
    if (indexed.byteLength !== record.indexed.size) return null;
    const previous = readPrevious(record, written);
    previous.catch(() => {});
    // Decoded now: the caller is usually waiting for git meanwhile.
    const decoded = record.groups.map(decodeGroup);
    if (decoded.some((g) => g === null)) return null;
    return { record, indexed, previous, groups: decoded as DecodedGroup[] };
  } catch {
    return null;
  }
}

/** A record found for a compile, with the files it describes being read. */
export interface FoundRecord {
  readonly record: ResultRecord;
  /** git's listing of the index's entries the record was made from. */
  readonly indexed: Buffer;
  readonly previous: Promise<PreviousFiles | null>;
  readonly groups: readonly DecodedGroup[];
}

/** A recorded snapshot, decoded. */
export interface DecodedGroup {
  readonly stored: StoredGroup;
  readonly services: readonly ServiceProvenance[];
  /** Per service, the hashes of its route claims (views of `claimNumbers`). */
  readonly claims: readonly Uint32Array[];
  /** The stored claims: per service, its count and then its hashes. */
  readonly claimNumbers: Uint32Array;
  /** Where each service's claims start in `claimNumbers` (at its count). */
  readonly claimStarts: Uint32Array;
  readonly kinds: Readonly<Record<ApisixKind, { readonly keys: readonly string[]; readonly numbers: Uint32Array }>>;
}

function decodeGroup(group: StoredGroup): DecodedGroup | null {
  const claimNumbers = numbersOf(group.claims);
  if (claimNumbers === null) return null;
  const claims: Uint32Array[] = [];
  const claimStarts = new Uint32Array(group.services.length);
  let at = 0;
  for (let i = 0; i < group.services.length; i++) {
    claimStarts[i] = at;
    const count = claimNumbers[at++] ?? 0;
    claims.push(claimNumbers.subarray(at, at + count));
    at += count;
  }
  if (at !== claimNumbers.length) return null;
  const services = group.services.map((p) => loadProvenance(group.group, p));
  const kinds = {} as Record<ApisixKind, { keys: readonly string[]; numbers: Uint32Array }>;
  for (const kind of KINDS) {
    const numbers = numbersOf(group.kinds[kind].numbers);
    if (numbers === null || numbers.length % PIECE_NUMBERS !== 0) return null;
    const keys: string[] = [];
    for (let i = 0; i < numbers.length / PIECE_NUMBERS; i++) {
      const index = numbers[i * PIECE_NUMBERS]!;
      const owner = services[index];
      // One past the last service: a piece of the group's own (a consumer), its key always listed.
      if (owner === undefined && index !== services.length) return null;
      keys.push(owner === undefined ? '' : usualKey(kind, owner.name));
    }
    for (const [i, key] of group.kinds[kind].keys) {
      if (!(i >= 0 && i < keys.length)) return null;
      keys[i] = key;
    }
    if (keys.includes('')) return null;
    kinds[kind] = { keys, numbers };
  }
  return { stored: group, services, claims, claimNumbers, claimStarts, kinds };
}

/** The files a record describes, by group. */
type PreviousFiles = ReadonlyMap<string, { readonly json: Buffer; readonly yaml: Buffer }>;

/**
 * The files of the record (read off the main thread), if each is still the file the record
 * describes and was written before the record (`recordWritten`, its modification time).
 */
async function readPrevious(record: ResultRecord, recordWritten: bigint): Promise<PreviousFiles | null> {
  try {
    const read = (f: StoredFile) =>
      readWhole(f.path, Number(f.size), (now) => {
        const same = now.size === f.size && now.mtime === f.mtime && now.ctime === f.ctime && now.ino === f.ino && now.dev === f.dev;
        if (!same || BigInt(now.ctime) >= recordWritten) throw new Error('changed');
      });
    const groups = await Promise.all(record.groups.map(async (g) => [g.group, { json: await read(g.json), yaml: await read(g.yaml) }] as const));
    return new Map(groups);
  } catch {
    return null;
  }
}

/**
 * A file of a known size, read in one request to the thread pool rather than in the small steps
 * of `readFile`, each of which waits for a busy main thread.
 */
async function readWhole(file: string, size: number, check: (st: Omit<StoredFile, 'path'>) => void): Promise<Buffer> {
  const handle = await fs.promises.open(file, 'r');
  try {
    // The file opened is the one checked, whatever is renamed into its place meanwhile.
    check(statFields(await handle.stat({ bigint: true })));
    const bytes = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await handle.read(bytes, at, size - at, at);
      if (bytesRead === 0) throw new Error('shorter than recorded');
      at += bytesRead;
    }
    if ((await handle.read(Buffer.alloc(1), 0, 1, size)).bytesRead !== 0) throw new Error('longer than recorded');
    return bytes;
  } finally {
    await handle.close();
  }
}

/** Per group: the paths and bytes (as chunks) of the files a compile writes. */
export type WrittenFiles = ReadonlyMap<
  string,
  { readonly json: { path: string; chunks: readonly Uint8Array[] }; readonly yaml: { path: string; chunks: readonly Uint8Array[] } }
>;

/** What a record keeps besides the snapshots: the state the compile read, and what no service owns. */
export interface RecordInputs {
  /** The groups compiled. */
  readonly selection: Selection;
  /** Null: the compile's input cannot be followed by a record (read at a revision, a problem reading, …). */
  readonly state: RepositoryState | null;
  readonly globalFiles: readonly (readonly [string, string])[];
  readonly fileRecords: readonly (readonly [string, FileRecord])[];
}

/** The record inputs of a whole compile of `input`, whose records `memo` holds. */
export function recordInputsOf(input: CompileInput, memo: MemoRecords, state: RepositoryState | null): RecordInputs {
  const globalFiles: [string, string][] = [];
  const fileRecords: [string, FileRecord][] = [];
  for (const source of input.tree.files) {
    if (ownerOf(source.path) !== null) continue;
    globalFiles.push([source.path, oidOf(source)]);
    const role = classifyPath(source.path);
    if (role.kind !== 'group' && role.kind !== 'config') continue;
    const key = fileKey(role.kind, source.path, source.revision, oidOf(source));
    const record = memo.file(key);
    if (record) fileRecords.push([key, record]);
  }
  const selection = input.selection ?? EVERY_GROUP;
  const usable = input.draft !== true && !selection.reportAll && input.commit === null;
  return { selection, state: usable ? state : null, globalFiles: globalFiles.sort(([a], [b]) => cmp(a, b)), fileRecords };
}

/**
 * Prepares the record of a compile that is writing `written`: `commit` keeps it once the files
 * are in place, `discard` removes any record (the files may not be what a record describes). A
 * compile that found anything keeps no record. `spliced`: how each snapshot of a spliced compile
 * was put together (src/incremental/splice.ts); a whole compile's result says it in `outputs`. Never
 * throws: the record only ever saves time.
 */
export function prepareResultRecord(
  root: string,
  inputs: RecordInputs,
  result: CompileResult,
  written: WrittenFiles,
  out: string,
  spliced: ReadonlyMap<string, SplicedLayout> | null = null,
): { commit(identities: ReadonlyMap<string, string>): Promise<void>; discard(): void } {
  const file = recordPath(root, inputs.selection, out);
  const discard = () => {
    try {
      fs.rmSync(file, { force: true });
      removeOtherIndexes(file, null);
    } catch {
      // Nothing to remove, or no cache folder.
    }
  };
  const groups = recordedGroups(result, written, spliced);
  const { state } = inputs;
  if (groups === null || state === null) return { commit: async () => discard(), discard };
  return {
    discard,
    commit: async (identities) => {
      try {
        // Each file must still be the one written (or found holding its content): a compile
        // running beside this one may have replaced it since.
        const current = (rel: string) => {
          const st = fs.statSync(rel, { bigint: true });
          if (fileIdentity(st) !== identities.get(rel)) throw new Error(`${rel} changed since it was written`);
          return statFields(st);
        };
        const stored = groups.map((g) => {
          const files = written.get(g.group)!;
          return { ...g, json: { path: files.json.path, ...current(files.json.path) }, yaml: { path: files.yaml.path, ...current(files.yaml.path) } };
        });
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const token = randomBytes(6).toString('hex');
        const indexed = state.raw.worktree.indexed;
        const indexTmp = `${indexPath(file, token)}.tmp`;
        fs.writeFileSync(indexTmp, indexed);
        fs.renameSync(indexTmp, indexPath(file, token));
        const record: ResultRecord = {
          format: FORMAT,
          selection: inputs.selection.groups,
          indexed: { token, size: indexed.byteLength },
          fromDisk: [...state.fromDisk].sort(([a], [b]) => cmp(a, b)),
          tags: state.raw.tags,
          globalFiles: inputs.globalFiles,
          files: inputs.fileRecords,
          groups: stored,
        };
        const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
        const text = JSON.stringify(record);
        const newest = stored.reduce((n, g) => [BigInt(g.json.ctime), BigInt(g.yaml.ctime)].reduce((a, b) => (a > b ? a : b), n), 0n);
        // The record must be written in a later clock tick than the files (see readPrevious): in
        // the rare case it is not, it is written again a moment later.
        for (let attempt = 0; ; attempt++) {
          fs.writeFileSync(tmp, text);
          if (fs.statSync(tmp, { bigint: true }).mtimeNs > newest) break;
          if (attempt === 3) {
            fs.rmSync(tmp, { force: true });
            discard();
            return;
          }
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        }
        fs.renameSync(tmp, file);
        removeOtherIndexes(file, token);
      } catch {
        discard();
      }
    },
  };
}

/** A piece as the record keeps it, with where it is in the files written. */
interface PlacedPiece {
  readonly key: string;
  readonly owner: number;
  readonly count: number;
  readonly openEnded: boolean;
  readonly json: readonly [number, number];
  readonly yaml: readonly [number, number];
}

/** What the record keeps of each snapshot (all but the files' sums); null when a snapshot cannot be recorded. */
function recordedGroups(result: CompileResult, written: WrittenFiles, layouts: ReadonlyMap<string, SplicedLayout> | null): Omit<StoredGroup, 'json' | 'yaml'>[] | null {
  if (result.diagnostics.length > 0 || result.snapshots.length === 0) return null;
  const groups: Omit<StoredGroup, 'json' | 'yaml'>[] = [];
  for (const snapshot of result.snapshots) {
    const assembled = result.files?.get(snapshot.group);
    const spans = assembled ? snapshotSpans(assembled) : null;
    if (!spans || !written.has(snapshot.group)) return null;
    const at = new Map(spans.map((s) => [s.piece, s]));
    const spliced = layouts?.get(snapshot.group);
    const placed = perKind((): PlacedPiece[] => []);
    let services: StoredProvenance[];
    let claims: Buffer;
    if (spliced) {
      services = [...spliced.services];
      claims = spliced.claims;
      const kinds = {} as Record<ApisixKind, StoredKind>;
      for (const kind of KINDS) kinds[kind] = splicedKind(kind, spliced.kinds[kind], at, services);
      groups.push({ group: snapshot.group, services, kinds, claims: claims.toString('base64') });
      continue;
    } else {
      const outputs = result.outputs?.get(snapshot.group);
      if (!outputs) return null;
      const owner = new Map<RenderedPiece, number>();
      outputs.forEach((o, i) => o.pieces.forEach((p) => owner.set(p, i)));
      services = outputs.map((o) => storeProvenance(snapshot.group, o.provenance));
      claims = encodeClaims(outputs.map((o) => o.claims.map((c) => claimHash(c.key))));
      for (const span of spans) {
        const p = span.piece;
        // A piece of no service (a consumer) is the group's: owner one past the last service.
        placed[p.kind].push({ key: p.key, owner: owner.get(p) ?? outputs.length, count: p.count, openEnded: p.openEnded, json: span.json, yaml: span.yaml });
      }
    }
    const kinds = {} as Record<ApisixKind, StoredKind>;
    for (const kind of KINDS) {
      const list = placed[kind];
      const numbers = new Uint32Array(list.length * PIECE_NUMBERS);
      list.forEach((p, i) => numbers.set([p.owner, p.count, p.openEnded ? 1 : 0, p.json[0], p.json[1], p.yaml[0], p.yaml[1]], i * PIECE_NUMBERS));
      const keys = list.flatMap((p, i) => (p.owner < services.length && p.key === usualKey(kind, services[p.owner]![0]) ? [] : [[i, p.key] as const]));
      kinds[kind] = { keys, numbers: base64(numbers) };
    }
    groups.push({ group: snapshot.group, services, kinds, claims: claims.toString('base64') });
  }
  return groups;
}

/**
 * A kind's pieces in a spliced snapshot, as the record keeps them: blocks of earlier pieces are
 * copied number by number and moved (their owners renumbered, their spans shifted), not taken
 * apart piece by piece.
 */
function splicedKind(
  kind: ApisixKind,
  entries: readonly LayoutEntry[],
  at: ReadonlyMap<RenderedPiece, PieceSpan>,
  services: readonly StoredProvenance[],
): StoredKind {
  const total = entries.reduce((n, e) => n + (e.old === null ? 1 : e.old.to - e.old.from), 0);
  const numbers = new Uint32Array(total * PIECE_NUMBERS);
  const keys: (readonly [number, string])[] = [];
  let i = 0;
  for (const entry of entries) {
    const span = at.get(entry.piece)!;
    if (entry.old === null) {
      const p = entry.piece;
      numbers.set([entry.owner, p.count, p.openEnded ? 1 : 0, span.json[0], span.json[1], span.yaml[0], span.yaml[1]], i * PIECE_NUMBERS);
      if (p.key !== usualKey(kind, services[entry.owner]![0])) keys.push([i, p.key]);
      i += 1;
      continue;
    }
    const { numbers: old, from, to, owners, unusual } = entry.old;
    const jsonShift = span.json[0] - old[from * PIECE_NUMBERS + 3]!;
    const yamlShift = span.yaml[0] - old[from * PIECE_NUMBERS + 5]!;
    numbers.set(old.subarray(from * PIECE_NUMBERS, to * PIECE_NUMBERS), i * PIECE_NUMBERS);
    for (let n = i * PIECE_NUMBERS, end = (i + to - from) * PIECE_NUMBERS; n < end; n += PIECE_NUMBERS) {
      numbers[n] = owners[numbers[n]!]!;
      numbers[n + 3] = numbers[n + 3]! + jsonShift;
      numbers[n + 4] = numbers[n + 4]! + jsonShift;
      numbers[n + 5] = numbers[n + 5]! + yamlShift;
      numbers[n + 6] = numbers[n + 6]! + yamlShift;
    }
    for (const [k, key] of unusual) if (k >= from && k < to) keys.push([i + k - from, key]);
    i += to - from;
  }
  return { keys, numbers: base64(numbers) };
}

function base64(numbers: Uint32Array): string {
  return Buffer.from(numbers.buffer, numbers.byteOffset, numbers.byteLength).toString('base64');
}

function numbersOf(text: string): Uint32Array | null {
  const raw = Buffer.from(text, 'base64');
  if (raw.byteLength % 4 !== 0) return null;
  // A copy: base64 decoding may leave the bytes unaligned for a Uint32Array.
  return new Uint32Array(Uint8Array.from(raw).buffer);
}

/** Per service, its number of claims and then their hashes. */
export function encodeClaims(perService: readonly (ArrayLike<number> & Iterable<number>)[]): Buffer {
  const array = new Uint32Array(perService.reduce((n, hashes) => n + 1 + hashes.length, 0));
  let at = 0;
  for (const hashes of perService) {
    array[at++] = hashes.length;
    array.set(hashes, at);
    at += hashes.length;
  }
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

/** FNV-1a of a claim key's UTF-16 code units: equal keys give equal hashes. */
export function claimHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** How a spliced snapshot was put together, for its record. */
export interface SplicedLayout {
  /** The snapshot's services, as the record keeps them. */
  readonly services: readonly StoredProvenance[];
  readonly claims: Buffer;
  /** Per kind, in file order: a changed service's new piece, or a block of earlier pieces. */
  readonly kinds: Readonly<Record<ApisixKind, readonly LayoutEntry[]>>;
}

export interface LayoutEntry {
  readonly piece: RenderedPiece;
  /** The service's index among the snapshot's services (a new piece). */
  readonly owner: number;
  /** The earlier pieces `from`..`to` of the kind, and the new index of each earlier service (a block). */
  readonly old: {
    readonly numbers: Uint32Array;
    /** The kind's pieces with an unusual key (index, key), as the record had them. */
    readonly unusual: readonly (readonly [number, string])[];
    readonly from: number;
    readonly to: number;
    readonly owners: readonly number[];
  } | null;
}
