/**
 * The compile cache: what compile learned per file and per published service (src/compile/memo.ts),
 * kept in `.tagway/cache/` at the repository root between runs, so a compile after a small change
 * redoes only what the change touched.
 *
 * - Entries are keyed by what they depend on, content by git blob id, so an entry is never stale;
 *   the folder is namespaced by a fingerprint of the tool (its version, its code, its schemas and
 *   the parser and emitter libraries it uses), so nothing is trusted across tool versions or
 *   schema changes. Deleting the folder is always safe.
 * - Files ("segments") are written whole to a temporary name and renamed into place, never
 *   changed afterwards; each run adds at most one segment per kind, and old ones are merged
 *   once there are many or they hold much that is no longer used. A segment ends with an index
 *   (key → place, length, CRC-32 of the entry), so a run reads only the entries it uses; a
 *   segment or an entry that is truncated, corrupt or of another format is ignored, as is any
 *   error while reading or writing the cache: it only ever costs time.
 * - Folders of other tool versions not used for an hour are removed when this one is written.
 * - `.tagway/cache/.gitignore` keeps the folder out of commits even where `.tagway/` is not
 *   ignored.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import type { ApisixKind } from '../model/apisix.js';
import { KIND_NAMES } from '../apisix/kinds/index.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { MemoRecords, UnitRecord } from '../compile/memo.js';
import type { RenderedPiece } from '../compile/snapshot.js';
import type { TagTemplates } from '../source/git-revision.js';
import type { FileRecord } from '../validate/entries.js';
import type { ConsumerReference } from '../validate/consumer-references.js';
import type { PluginPlace } from '../validate/rules/plugins-run-twice.js';
import type { HostPlace } from '../validate/rules/tls-host-coverage.js';

/** Format of the segment files; part of the namespace. */
const FORMAT = 6;
const MAGIC = Buffer.from('TWC3');
const END = Buffer.from('TWCE');
/** Entries read one by one from a segment before the rest of it is read at once. */
const WHOLE_AFTER_READS = 64;
/** Largest segment read whole (bigger ones are read entry by entry). */
const MAX_WHOLE_BYTES = 512 * 2 ** 20;
/** Segments of one kind before they are merged into one. */
const MAX_SEGMENTS = 8;
/** Unused bytes a kind's segments may hold, beside what a run used, before they are merged. */
const MAX_UNUSED = (used: number) => used + 16 * 2 ** 20;
/** Folders of other tool versions are removed once unused for this long (ms). */
const STALE_NAMESPACE_MS = 60 * 60 * 1000;

export const CACHE_DIR = path.join('.tagway', 'cache');

export class CompileCache implements MemoRecords, TagTemplates {
  readonly #dir: string;
  readonly #files = new Map<string, FileRecord | Stored>();
  #tags: Map<string, Stored> | null = null;
  readonly #units = new Map<string, Map<string, UnitRecord | Stored>>();
  readonly #segments = new Map<string, Segment[]>();
  /** Keys used by this run, by kind (what a merge of segments keeps). */
  readonly #used = new Map<string, Set<string>>();
  readonly #fresh = new Map<string, Map<string, Uint8Array>>();

  private constructor(dir: string) {
    this.#dir = dir;
  }

  /**
   * Opens (without creating) the cache of the repository at `root`, in the folder of this tool's
   * fingerprint (`namespace` names another one: tests). Never throws.
   */
  static open(root: string, options: { readonly namespace?: string } = {}): CompileCache {
    const cache = new CompileCache(path.join(root, CACHE_DIR, options.namespace ?? namespace()));
    cache.#load('files', cache.#files);
    return cache;
  }

  /**
   * Reads the indexes of the unit segments of `groups` (default: every group in the cache) now
   * rather than at first use: a caller waiting for git can do it meanwhile. Never throws.
   */
  preloadUnits(groups?: readonly string[]): void {
    let names = groups;
    if (names === undefined) {
      let files: string[] = [];
      try {
        files = fs.readdirSync(this.#dir);
      } catch {
        // No cache yet.
      }
      const kinds = files.flatMap((f) => SEGMENT_NAME.exec(f)?.[1] ?? []);
      names = [...new Set(kinds.filter((k) => k.startsWith(UNITS_PREFIX)).map((k) => k.slice(UNITS_PREFIX.length)))];
    }
    for (const group of names) this.#unitsOf(group);
  }

  file(key: string): FileRecord | undefined {
    const found = this.#files.get(key);
    if (found === undefined || !isStored(found)) return found;
    const body = this.#body('files', key, found);
    const record = body === null ? null : decodeFile(body);
    if (record === null) {
      this.#files.delete(key);
      return undefined;
    }
    this.#files.set(key, record);
    return record;
  }

  saveFile(key: string, record: FileRecord): void {
    this.#files.set(key, record);
    this.#stage('files', key, encodeFile(record));
  }

  unit(key: string): UnitRecord | undefined {
    const kind = unitKind(groupOfUnitKey(key));
    const units = this.#unitsOf(groupOfUnitKey(key));
    const found = units.get(key);
    if (found === undefined || !isStored(found)) return found;
    const body = this.#body(kind, key, found);
    const record = body === null ? null : decodeUnit(body);
    // Not kept decoded: its rendered objects are most of the memory a compile holds.
    if (record === null) units.delete(key);
    return record ?? undefined;
  }

  saveUnit(key: string, record: UnitRecord): void {
    const group = groupOfUnitKey(key);
    // Kept encoded only: a unit's rendered objects are most of the memory a compile holds, and
    // the encoded record is what the cache writes anyway (it is decoded again if asked for).
    const body = encodeUnit(record);
    this.#unitsOf(group).set(key, { body });
    this.#stage(unitKind(group), key, body);
  }

  /** Adds a record encoded elsewhere (`encodeFileRecord`, `encodeUnitRecord`), e.g. by a worker thread. */
  ingest(kind: 'file' | 'unit', key: string, body: Uint8Array): void {
    if (kind === 'file') {
      if (this.#files.has(key)) return;
      this.#files.set(key, { body });
      this.#stage('files', key, body);
    } else {
      const group = groupOfUnitKey(key);
      const units = this.#unitsOf(group);
      if (units.has(key)) return;
      units.set(key, { body });
      this.#stage(unitKind(group), key, body);
    }
  }

  /** The template blob a tag holds (see git-source.ts `TagTemplates`). */
  get(key: string): { readonly oid: string; readonly mode: string } | null | undefined {
    if (this.#tags === null) this.#load('tags', (this.#tags = new Map()));
    const found = this.#tags.get(key);
    if (found === undefined) return undefined;
    const body = this.#body('tags', key, found);
    // Empty: the tag holds no template; else the mode (six digits) and the raw 20-byte oid.
    if (body === null || (body.byteLength !== 0 && body.byteLength !== 26)) return undefined;
    if (body.byteLength === 0) return null;
    const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return { mode: buf.toString('latin1', 0, 6), oid: buf.toString('hex', 6) };
  }

  set(key: string, entry: { readonly oid: string; readonly mode: string } | null): void {
    const body = entry === null ? Buffer.alloc(0) : Buffer.concat([Buffer.from(entry.mode.padStart(6, '0'), 'latin1'), Buffer.from(entry.oid, 'hex')]);
    if (this.#tags === null) this.#load('tags', (this.#tags = new Map()));
    this.#tags.set(key, { body });
    this.#stage('tags', key, body);
  }

  /**
   * Writes what this run added as one new segment per kind, and merges a kind's segments into
   * one when there are many, or when they hold much this run did not use (keeping what it used,
   * and the newest of the rest). What this run made stays in memory for the rest of the run (a
   * cold compile uses nearly all of it right after prefetch saved it; reading it back would cost
   * a copy of tens of MiB); the rest is read from the files. Closes the segment files; the cache
   * may still be used after (files are opened again when read). Never throws.
   */
  save(): void {
    try {
      if (this.#fresh.size === 0) return;
      fs.mkdirSync(this.#dir, { recursive: true });
      const parent = path.dirname(this.#dir);
      const ignore = path.join(parent, '.gitignore');
      if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '# tagway compile cache: safe to delete, never commit\n*\n');
      for (const [kind, entries] of this.#fresh) {
        if (entries.size === 0) continue;
        const existing = this.#segments.get(kind) ?? [];
        const usedBytes = this.#usedBytes(kind, entries);
        const onDisk = existing.reduce((n, seg) => n + seg.size, 0);
        const compact = existing.length + 1 > MAX_SEGMENTS || onDisk + usedBytes > usedBytes + MAX_UNUSED(usedBytes);
        const segment = compact ? this.#compact(kind, existing, entries) : writeSegment(this.#dir, kind, entries);
        this.#segments.set(kind, compact ? [segment] : [...existing, segment]);
        const map: Map<string, unknown> | null = kind === 'files' ? this.#files : kind === 'tags' ? this.#tags : (this.#units.get(kind.slice(UNITS_PREFIX.length)) ?? null);
        if (map === null) continue;
        // What this run made stays in memory for the rest of it (a cold compile reads nearly all
        // of it right after prefetch saved it); entries of merged segments now point into the new one.
        for (const [key, entry] of segment.entries) {
          const current = map.get(key);
          if (current === undefined || (isStored(current) && !('body' in current))) map.set(key, entry);
        }
      }
      this.#fresh.clear();
      removeStaleNamespaces(parent, path.basename(this.#dir));
    } catch {
      // A cache that cannot be written is no cache.
    } finally {
      for (const list of this.#segments.values()) for (const seg of list) seg.close();
    }
  }

  #body(kind: string, key: string, found: Stored): Uint8Array | null {
    this.#use(kind, key);
    if ('body' in found) return found.body;
    return found.segment.read(found);
  }

  #stage(kind: string, key: string, body: Uint8Array): void {
    let entries = this.#fresh.get(kind);
    if (!entries) this.#fresh.set(kind, (entries = new Map()));
    entries.set(key, body);
    this.#use(kind, key);
  }

  #use(kind: string, key: string): void {
    let used = this.#used.get(kind);
    if (!used) this.#used.set(kind, (used = new Set()));
    used.add(key);
  }

  /** Bytes of the entries of `kind` this run used (as stored, or fresh). */
  #usedBytes(kind: string, fresh: ReadonlyMap<string, Uint8Array>): number {
    let n = 0;
    const stored = new Map<string, number>();
    for (const seg of this.#segments.get(kind) ?? []) for (const [key, e] of seg.entries) stored.set(key, e.length);
    for (const key of this.#used.get(kind) ?? []) n += fresh.get(key)?.byteLength ?? stored.get(key) ?? 0;
    return n;
  }

  #unitsOf(group: string): Map<string, UnitRecord | Stored> {
    let units = this.#units.get(group);
    if (!units) {
      this.#units.set(group, (units = new Map()));
      this.#load(unitKind(group), units);
    }
    return units;
  }

  /** Reads the index of every readable segment of `kind` into `into` (entries read when used). */
  #load(kind: string, into: Map<string, unknown>): void {
    const segments: Segment[] = [];
    for (const name of listSegments(this.#dir, kind)) {
      const seg = Segment.open(path.join(this.#dir, name));
      if (seg === null) continue;
      segments.push(seg);
      for (const [key, entry] of seg.entries) into.set(key, entry);
    }
    this.#segments.set(kind, segments);
  }

  /** Merges the segments of `kind` and the fresh entries into one. */
  #compact(kind: string, existing: readonly Segment[], fresh: ReadonlyMap<string, Uint8Array>): Segment {
    const used = this.#used.get(kind) ?? new Set<string>();
    const kept = new Map<string, Uint8Array>();
    const rest: [string, StoredEntry][] = [];
    let usedBytes = 0;
    // Newest segments last in `existing`; walk newest first so the kept rest is the newest.
    const seen = new Set<string>(fresh.keys());
    for (const seg of [...existing].reverse()) {
      for (const [key, entry] of seg.entries) {
        if (seen.has(key)) continue;
        seen.add(key);
        if (used.has(key)) {
          const body = seg.read(entry);
          if (body === null) continue;
          kept.set(key, body);
          usedBytes += body.byteLength;
        } else rest.push([key, entry]);
      }
    }
    for (const [key, body] of fresh) {
      kept.set(key, body);
      usedBytes += body.byteLength;
    }
    let budget = Math.floor(usedBytes / 4);
    for (const [key, entry] of rest) {
      if (budget - entry.length < 0) break;
      const body = entry.segment.read(entry);
      if (body === null) continue;
      budget -= entry.length;
      kept.set(key, body);
    }
    const written = writeSegment(this.#dir, kind, kept);
    for (const seg of existing) {
      seg.close();
      fs.rmSync(seg.file, { force: true });
    }
    return written;
  }
}

/** An entry kept in memory (fresh, or from a worker) or in a segment file. */
type Stored = { readonly body: Uint8Array } | StoredEntry;

interface StoredEntry {
  readonly segment: Segment;
  readonly offset: number;
  readonly length: number;
  readonly crc: number;
}

function isStored(value: unknown): value is Stored {
  return typeof value === 'object' && value !== null && ('body' in value || 'segment' in value);
}

/**
 * One segment file: its index read at open, each entry read (and its CRC-32 checked) when used.
 *
 * Layout: "TWC3", the entries' bodies, then the index (per entry: u32 key length, key UTF-8,
 * u32 offset, u32 length, u32 CRC-32 of the body), u32 entry count, u32 offset of the index,
 * u32 CRC-32 of the index, "TWCE".
 */
class Segment {
  readonly entries = new Map<string, StoredEntry>();
  /** Entries read so far, and the whole file once many were (see `read`). */
  #reads = 0;
  #whole: Buffer | null = null;
  /** The open file, if any; closed by `close()`, or when the segment is garbage collected. */
  readonly #handle: { fd: number | null } = { fd: null };

  private constructor(
    readonly file: string,
    readonly size: number,
  ) {
    closeWhenCollected.register(this, this.#handle);
  }

  /** The segment just written to `file` (see `writeSegment`): its index as written, not read again. */
  static written(file: string, size: number, index: readonly (readonly [key: string, offset: number, length: number, crc: number])[]): Segment {
    const seg = new Segment(file, size);
    for (const [key, offset, length, crc] of index) seg.entries.set(key, { segment: seg, offset, length, crc });
    return seg;
  }

  static open(file: string): Segment | null {
    let fd: number | null = null;
    try {
      fd = fs.openSync(file, 'r');
      const size = fs.fstatSync(fd).size;
      if (size < 4 + 16) return invalid(file);
      const head = Buffer.alloc(4);
      fs.readSync(fd, head, 0, 4, 0);
      const tail = Buffer.alloc(16);
      fs.readSync(fd, tail, 0, 16, size - 16);
      if (!head.equals(MAGIC) || !tail.subarray(12).equals(END)) return invalid(file);
      const count = tail.readUInt32LE(0);
      const indexAt = tail.readUInt32LE(4);
      if (indexAt < 4 || indexAt > size - 16) return invalid(file);
      const index = Buffer.alloc(size - 16 - indexAt);
      fs.readSync(fd, index, 0, index.byteLength, indexAt);
      if (crc32(index) !== tail.readUInt32LE(8)) return invalid(file);
      const seg = new Segment(file, size);
      let at = 0;
      for (let i = 0; i < count; i++) {
        if (at + 4 > index.byteLength) return invalid(file);
        const keyLength = index.readUInt32LE(at);
        at += 4;
        if (at + keyLength + 12 > index.byteLength) return invalid(file);
        const key = index.toString('utf8', at, at + keyLength);
        at += keyLength;
        const offset = index.readUInt32LE(at);
        const length = index.readUInt32LE(at + 4);
        const crc = index.readUInt32LE(at + 8);
        at += 12;
        if (offset < 4 || offset + length > indexAt) return invalid(file);
        seg.entries.set(key, { segment: seg, offset, length, crc });
      }
      if (at !== index.byteLength) return invalid(file);
      seg.#handle.fd = fd;
      fd = null;
      return seg;
    } catch {
      return null;
    } finally {
      if (fd !== null) fs.closeSync(fd);
    }
  }

  /**
   * An entry's body; null when it cannot be read or fails its CRC. The first few entries are read
   * one by one; a run that reads more (a compile reads most of its group's units) reads the whole
   * file once and takes the rest from memory: one read instead of thousands.
   */
  read(entry: StoredEntry): Uint8Array | null {
    try {
      if (this.#whole === null && ++this.#reads === WHOLE_AFTER_READS + 1 && this.size <= MAX_WHOLE_BYTES) {
        // Tried once. A file removed or replaced since it was opened (another run merged it, the
        // folder was deleted) is read entry by entry through the handle opened before.
        try {
          const whole = fs.readFileSync(this.file);
          if (whole.byteLength === this.size) this.#whole = whole;
        } catch {
          // Read entry by entry.
        }
      }
      let body: Uint8Array;
      if (this.#whole !== null) {
        if (entry.offset + entry.length > this.#whole.byteLength) return null;
        body = this.#whole.subarray(entry.offset, entry.offset + entry.length);
      } else {
        this.#handle.fd ??= fs.openSync(this.file, 'r');
        const buffer = Buffer.allocUnsafe(entry.length);
        if (fs.readSync(this.#handle.fd, buffer, 0, entry.length, entry.offset) !== entry.length) return null;
        body = buffer;
      }
      return crc32(body) === entry.crc ? body : null;
    } catch {
      return null;
    }
  }

  close(): void {
    closeHandle(this.#handle);
  }
}

function closeHandle(handle: { fd: number | null }): void {
  if (handle.fd === null) return;
  try {
    fs.closeSync(handle.fd);
  } catch {
    // Already closed.
  }
  handle.fd = null;
}

const closeWhenCollected = new FinalizationRegistry<{ fd: number | null }>(closeHandle);

/** A segment that is not one (truncated, corrupt, another format) is removed: it only costs time. */
function invalid(file: string): null {
  fs.rmSync(file, { force: true });
  return null;
}

/** Removes the cache folders of other tool versions that were not used for a while. Best effort. */
function removeStaleNamespaces(parent: string, current: string): void {
  for (const name of fs.readdirSync(parent)) {
    if (name === current || !/^v\d+-[0-9a-f]+$/.test(name)) continue;
    const dir = path.join(parent, name);
    try {
      if (Date.now() - fs.statSync(dir).mtimeMs > STALE_NAMESPACE_MS) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // Another process may be removing it too.
    }
  }
}

/** A segment file's name: `<kind>.<time>.<random>.seg` (kinds hold no dot). */
const SEGMENT_NAME = /^([^.]+)\.(\d+)\.[0-9a-f]+\.seg$/;

const UNITS_PREFIX = 'units-';

function unitKind(group: string): string {
  return `${UNITS_PREFIX}${group}`;
}

/** Unit keys start with the group name (memo.ts `unitKey`). */
function groupOfUnitKey(key: string): string {
  return key.slice(0, key.indexOf('\u0000'));
}

let cachedNamespace: string | undefined;

/** What the tool's fingerprint is made of: named parts, each a version or the bytes of a file. */
export type FingerprintPart = readonly [name: string, content: string | Uint8Array];

/** `v<format>-<hash>` of the parts, in the order given. */
export function fingerprint(parts: readonly FingerprintPart[]): string {
  const hash = createHash('sha256');
  hash.update(`format ${FORMAT}\n`);
  for (const [name, content] of parts) hash.update(`${name} ${Buffer.byteLength(content)}\n`).update(content);
  return `v${FORMAT}-${hash.digest('hex').slice(0, 24)}`;
}

/**
 * The namespace of this tool: the fingerprint of its package.json, every file of its code and of
 * its schemas, and the versions of the libraries whose behaviour is part of compile's output.
 * Computed once per process.
 */
export function namespace(): string {
  if (cachedNamespace !== undefined) return cachedNamespace;
  const parts: FingerprintPart[] = [];
  const codeRoot = new URL('../', import.meta.url);
  const pkgRoot = new URL('../../', import.meta.url);
  const require = createRequire(import.meta.url);
  for (const lib of ['js-yaml', 'js-yaml-4', 'yaml', 'ajv', 'ajv-formats', 'semver']) {
    let version = 'missing';
    try {
      version = (require(`${lib}/package.json`) as { version: string }).version;
    } catch {
      // A library without a readable package.json still gets a stable name.
    }
    parts.push([`lib ${lib}`, version]);
  }
  const walk = (dir: string, rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(abs, `${rel}${entry.name}/`);
      else if (/\.(js|ts|json)$/.test(entry.name) && !/\.(test|d)\.ts$/.test(entry.name)) parts.push([`${rel}${entry.name}`, fs.readFileSync(abs)]);
    }
  };
  walk(fileURLPath(codeRoot), 'code/');
  walk(fileURLPath(new URL('schemas/', pkgRoot)), 'schemas/');
  try {
    parts.push(['package.json', fs.readFileSync(fileURLPath(new URL('package.json', pkgRoot)))]);
  } catch {
    // Running from an unusual layout: the code still tells versions apart.
  }
  cachedNamespace = fingerprint(parts);
  return cachedNamespace;
}

function fileURLPath(url: URL): string {
  return decodeURIComponent(url.pathname);
}

function listSegments(dir: string, kind: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((name) => {
      const parts = SEGMENT_NAME.exec(name);
      return { name, order: parts?.[1] === kind ? parts[2] : undefined };
    })
    .filter((x): x is { name: string; order: string } => x.order !== undefined)
    .sort((a, b) => Number(a.order) - Number(b.order) || (a.name < b.name ? -1 : 1))
    .map((x) => x.name);
}

/** Writes a new segment of `kind` holding `entries`. */
function writeSegment(dir: string, kind: string, entries: ReadonlyMap<string, Uint8Array>): Segment {
  const name = `${kind}.${Date.now()}.${randomBytes(4).toString('hex')}.seg`;
  const tmp = path.join(dir, `.${name}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  const written: [key: string, offset: number, length: number, crc: number][] = [];
  let size: number;
  try {
    // Bodies go out through a small buffer: a segment can be tens of MiB.
    const out = new BufferedWriter(fd);
    out.write(MAGIC);
    for (const [key, body] of entries) {
      written.push([key, out.offset, body.byteLength, crc32(body)]);
      out.write(body);
    }
    const indexAt = out.offset;
    let indexBytes = 0;
    for (const [key] of written) indexBytes += 4 + Buffer.byteLength(key, 'utf8') + 12;
    const index = Buffer.allocUnsafe(indexBytes);
    let at = 0;
    for (const [key, offset, length, crc] of written) {
      const keyLength = index.write(key, at + 4, 'utf8');
      index.writeUInt32LE(keyLength, at);
      at += 4 + keyLength;
      index.writeUInt32LE(offset, at);
      index.writeUInt32LE(length, at + 4);
      index.writeUInt32LE(crc, at + 8);
      at += 12;
    }
    out.write(index);
    const tail = Buffer.allocUnsafe(16);
    tail.writeUInt32LE(entries.size, 0);
    tail.writeUInt32LE(indexAt, 4);
    tail.writeUInt32LE(crc32(index), 8);
    END.copy(tail, 12);
    out.write(tail);
    out.flush();
    size = out.offset;
  } finally {
    fs.closeSync(fd);
  }
  const file = path.join(dir, name);
  fs.renameSync(tmp, file);
  return Segment.written(file, size, written);
}

class BufferedWriter {
  readonly #fd: number;
  readonly #buf = Buffer.allocUnsafe(1 << 20);
  #at = 0;
  /** Bytes written so far. */
  offset = 0;
  constructor(fd: number) {
    this.#fd = fd;
  }
  write(b: Uint8Array): void {
    this.offset += b.byteLength;
    if (this.#at + b.byteLength > this.#buf.byteLength) this.flush();
    if (b.byteLength > this.#buf.byteLength) {
      fs.writeSync(this.#fd, b);
      return;
    }
    this.#buf.set(b, this.#at);
    this.#at += b.byteLength;
  }
  flush(): void {
    if (this.#at === 0) return;
    fs.writeSync(this.#fd, this.#buf.subarray(0, this.#at));
    this.#at = 0;
  }
}

/** CRC-32 (IEEE) of `data`, continuing from `crc` (the CRC of what came before). */
const crc32: (data: Uint8Array, crc?: number) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function'
    ? (data, crc = 0) => (zlib as unknown as { crc32(d: Uint8Array, value: number): number }).crc32(data, crc)
    : crc32js;

/** CRC-32 (IEEE) for Node versions without `zlib.crc32`. */
function crc32js(data: Uint8Array, previous = 0): number {
  let table = crcTable;
  if (!table) {
    table = crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  let crc = previous ^ -1;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
let crcTable: Int32Array | undefined;

/*
 * Record bodies. A file record is one flags byte, then (with rules) the plugin-set key, then
 * (with findings) JSON; most records are a few bytes and need no JSON at all. A unit record is
 * built of the same pieces plus its claims, its consumer references and plugin places (JSON, when
 * it has any) and its rendered objects, whose bytes are used in place.
 */

const F_PARSED = 1;
const F_VALID = 2;
const F_DIAGNOSTICS = 4;
const F_RULES = 8;
const F_RULE_FINDINGS = 16;
const F_DATA = 32;

/** A file record as the cache stores it. */
export function encodeFileRecord(r: FileRecord): Uint8Array {
  return encodeFile(r);
}

function encodeFile(r: FileRecord): Uint8Array {
  const w = new Writer();
  let flags = (r.parsed ? F_PARSED : 0) | (r.valid ? F_VALID : 0);
  if (r.diagnostics.length > 0) flags |= F_DIAGNOSTICS;
  if (r.rules) flags |= F_RULES | (r.rules.diagnostics.length > 0 ? F_RULE_FINDINGS : 0);
  if (r.data !== undefined) flags |= F_DATA;
  w.u8(flags);
  if (r.diagnostics.length > 0) w.json(r.diagnostics);
  if (r.rules) {
    w.text(r.rules.plugins);
    if (r.rules.diagnostics.length > 0) w.json(r.rules.diagnostics);
  }
  if (r.data !== undefined) w.json(r.data);
  return w.done();
}

/** Most file records are a few identical bytes (clean, valid, no findings): decoded once. */
const smallFiles = new Map<string, FileRecord | null>();

/** Records of the commonest shape (flags, then an empty plugin-set key): by their flags. */
const plainFiles = new Map<number, FileRecord | null>();

function decodeFile(body: Uint8Array): FileRecord | null {
  if (body.byteLength === 5 && body[1] === 0 && body[2] === 0 && body[3] === 0 && body[4] === 0) {
    let record = plainFiles.get(body[0]!);
    if (record === undefined) plainFiles.set(body[0]!, (record = decodeFileBody(body)));
    return record;
  }
  if (body.byteLength > 64) return decodeFileBody(body);
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1');
  let record = smallFiles.get(text);
  if (record === undefined) {
    record = decodeFileBody(body);
    if (smallFiles.size > 1000) smallFiles.clear();
    smallFiles.set(text, record);
  }
  return record;
}

function decodeFileBody(body: Uint8Array): FileRecord | null {
  try {
    const r = new Reader(body);
    const flags = r.u8();
    const diagnostics = flags & F_DIAGNOSTICS ? (r.json() as Diagnostic[]) : [];
    let rules: FileRecord['rules'];
    if (flags & F_RULES) {
      const plugins = r.text();
      rules = { plugins, diagnostics: flags & F_RULE_FINDINGS ? (r.json() as Diagnostic[]) : [] };
    }
    const data: unknown = flags & F_DATA ? r.json() : undefined;
    r.end();
    return { parsed: (flags & F_PARSED) !== 0, valid: (flags & F_VALID) !== 0, diagnostics, ...(rules ? { rules } : {}), ...(data !== undefined ? { data } : {}) };
  } catch {
    return null;
  }
}

const KINDS: readonly ApisixKind[] = KIND_NAMES;
/** A unit record's flag: emitted and checked, but not rendered (a findings-only compile). */
const U_UNRENDERED = 16;
/** A unit record's flag: it holds consumer references (JSON, after the claims). */
const U_REFERENCES = 32;
/** A unit record's flag: it holds plugin places (JSON, after the consumer references). */
const U_PLUGIN_PLACES = 64;
/** A unit record's flag: it holds host places (JSON, after the plugin places). */
const U_HOST_PLACES = 128;

/** A unit record as the cache stores it. */
export function encodeUnitRecord(r: UnitRecord): Uint8Array {
  return encodeUnit(r);
}

function encodeUnit(r: UnitRecord): Uint8Array {
  const w = new Writer();
  const rendered = r.emitted?.pieces != null;
  w.u8(
    (r.findings.length > 0 ? 1 : 0) |
      (r.groupFile !== null ? 2 : 0) |
      (r.emitted ? 4 : 0) |
      (r.emitted && r.emitted.findings.length > 0 ? 8 : 0) |
      (r.emitted && !rendered ? U_UNRENDERED : 0) |
      (r.references.length > 0 ? U_REFERENCES : 0) |
      (r.pluginPlaces.length > 0 ? U_PLUGIN_PLACES : 0) |
      (r.hostPlaces.length > 0 ? U_HOST_PLACES : 0),
  );
  w.u32(r.claims.length);
  for (const c of r.claims) {
    w.u32(c.route);
    w.u32(c.uri);
    w.text(c.key);
  }
  if (r.references.length > 0) w.json(r.references);
  if (r.pluginPlaces.length > 0) w.json(r.pluginPlaces);
  if (r.hostPlaces.length > 0) w.json(r.hostPlaces);
  if (r.findings.length > 0) w.json(r.findings);
  if (r.groupFile !== null) w.text(r.groupFile);
  if (r.emitted) {
    const pieces = r.emitted.pieces ?? [];
    w.u32(pieces.length);
    for (const p of pieces) {
      // The kind's place in `KINDS` above bit 3 (up to 32 kinds), bit 2 open-ended.
      w.u8((KINDS.indexOf(p.kind) << 3) | (p.openEnded ? 4 : 0));
      w.text(p.key);
      w.u32(p.count);
      if (p.text.form === 'bytes') {
        w.u32(p.text.prettyEnd);
        w.bytes(p.text.bytes);
      } else if (p.text.form === 'strings') {
        // The end of the snapshot.json rendering, then the length of both.
        const head = w.at;
        w.u32(0);
        w.u32(0);
        const pretty = w.raw(p.text.pretty);
        const all = pretty + w.raw(p.text.yaml);
        w.u32At(head, pretty);
        w.u32At(head + 4, all);
      } else {
        throw new Error('a piece spliced from earlier files belongs to no unit record');
      }
    }
    if (r.emitted.findings.length > 0) w.json(r.emitted.findings);
  }
  return w.done();
}

function decodeUnit(body: Uint8Array): UnitRecord | null {
  try {
    const r = new Reader(body);
    const flags = r.u8();
    const claims = Array.from({ length: r.u32() }, () => {
      const route = r.u32();
      const uri = r.u32();
      return { key: r.text(), route, uri };
    });
    const references = flags & U_REFERENCES ? (r.json() as ConsumerReference[]) : [];
    const pluginPlaces = flags & U_PLUGIN_PLACES ? (r.json() as PluginPlace[]) : [];
    const hostPlaces = flags & U_HOST_PLACES ? (r.json() as HostPlace[]) : [];
    const findings = flags & 1 ? (r.json() as Diagnostic[]) : [];
    const groupFile = flags & 2 ? r.text() : null;
    let emitted: UnitRecord['emitted'];
    if (flags & 4) {
      const pieces: RenderedPiece[] = Array.from({ length: r.u32() }, () => {
        const tag = r.u8();
        const kind = KINDS[tag >> 3];
        if (kind === undefined) throw new Error('bad kind');
        const key = r.text();
        const count = r.u32();
        const prettyEnd = r.u32();
        const bytes = r.bytes();
        if (!(prettyEnd <= bytes.byteLength)) throw new Error('bad piece');
        return { kind, key, count, text: { form: 'bytes' as const, bytes, prettyEnd }, openEnded: (tag & 4) !== 0 };
      });
      emitted = { pieces: flags & U_UNRENDERED ? null : pieces, findings: flags & 8 ? (r.json() as Diagnostic[]) : [] };
    }
    r.end();
    return { claims, references, pluginPlaces, hostPlaces, findings, groupFile, ...(emitted ? { emitted } : {}) };
  } catch {
    return null;
  }
}

/**
 * Writes a record straight into the current arena, after the records before it (encoding is
 * synchronous and never nested); a record that outgrows what is left of the arena is moved to a
 * new one. Strings are written straight into it, without measuring them first. Positions given
 * out (`at`) are from the start of the record.
 */
class Writer {
  /** Where the record starts in `arena`, and where it is written up to. */
  #start = arenaAt;
  #end = arenaAt;
  #room(n: number): void {
    if (this.#end + n <= arena.byteLength) return;
    const length = this.#end - this.#start;
    const next = Buffer.allocUnsafe(Math.max(ARENA_BYTES, 2 * (length + n)));
    arena.copy(next, 0, this.#start, this.#end);
    arena = next;
    arenaAt = 0;
    this.#start = 0;
    this.#end = length;
  }
  get at(): number {
    return this.#end - this.#start;
  }
  u8(n: number): void {
    this.#room(1);
    arena[this.#end++] = n;
  }
  u32(n: number): void {
    this.#room(4);
    arena.writeUInt32LE(n >>> 0, this.#end);
    this.#end += 4;
  }
  /** Writes `n` at an earlier place (a length known only once what follows is written). */
  u32At(at: number, n: number): void {
    arena.writeUInt32LE(n >>> 0, this.#start + at);
  }
  bytes(b: Uint8Array): void {
    this.u32(b.byteLength);
    this.#room(b.byteLength);
    arena.set(b, this.#end);
    this.#end += b.byteLength;
  }
  /** UTF-8 of `s` without a length (the reader knows it from elsewhere); returns its byte length. */
  raw(s: string): number {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8.
    this.#room(s.length * 3);
    const n = arena.write(s, this.#end, 'utf8');
    this.#end += n;
    return n;
  }
  text(s: string): void {
    const at = this.at;
    this.u32(0);
    this.u32At(at, this.raw(s));
  }
  json(v: unknown): void {
    this.text(JSON.stringify(v));
  }
  /** The record: a view of the arena, which the next record is written after. */
  done(): Uint8Array {
    const record = arena.subarray(this.#start, this.#end);
    arenaAt = this.#end;
    // An arena made larger for one big record is left to it: the next record starts a new one.
    if (arena.byteLength > ARENA_BYTES) {
      arena = Buffer.allocUnsafe(0);
      arenaAt = 0;
    }
    return record;
  }
}

/**
 * Encoded records are views into shared arenas of a few MiB rather than buffers of their own: a
 * cold compile encodes tens of thousands, and one allocation each (and the garbage collections
 * their external memory triggers) cost more. An arena is freed once no record in
 * it is used (once the cache holding them is dropped, at the end of a run).
 */
const ARENA_BYTES = 4 * 2 ** 20;
let arena = Buffer.allocUnsafe(0);
let arenaAt = 0;

class Reader {
  readonly #buf: Buffer;
  #at = 0;
  constructor(body: Uint8Array) {
    this.#buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
  u8(): number {
    this.#need(1);
    return this.#buf[this.#at++]!;
  }
  u32(): number {
    this.#need(4);
    const n = this.#buf.readUInt32LE(this.#at);
    this.#at += 4;
    return n;
  }
  bytes(): Uint8Array {
    const n = this.u32();
    this.#need(n);
    const out = this.#buf.subarray(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }
  text(): string {
    const n = this.u32();
    this.#need(n);
    const out = this.#buf.toString('utf8', this.#at, this.#at + n);
    this.#at += n;
    return out;
  }
  json(): unknown {
    return JSON.parse(this.text());
  }
  end(): void {
    if (this.#at !== this.#buf.byteLength) throw new Error('trailing bytes');
  }
  #need(n: number): void {
    if (this.#at + n > this.#buf.byteLength) throw new Error('truncated');
  }
}
