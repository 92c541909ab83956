import { createHash, type Hash } from 'node:crypto';
import type { ApisixConfig, ApisixKind, ApisixObject } from '../model/apisix.js';
import { KINDS, STANDALONE_LISTS, bodyOf, perKind, type KindDescriptor } from '../apisix/kinds/index.js';
import { cmp } from '../model/diagnostic.js';
import type { ServiceProvenance, Snapshot } from '../model/snapshot.js';
import { SNAPSHOT_FORMAT, type SnapshotAdoption } from '../model/snapshot.js';
import { asBuffer } from '../core/text.js';
import { canonicalJson, inKeyOrder, sha256Digest, sortKeys } from '../core/canonical.js';
import { renderStandaloneItem, renderStandaloneYaml, standaloneParts } from '../apisix/standalone-yaml.js';

/** sha256 of the canonical JSON of what reaches the gateway, and nothing else. */
export function configDigest(config: ApisixConfig): string {
  return sha256Digest(canonicalJson(config));
}

/**
 * Emitted objects of one kind that stay next to each other in id order whatever else the
 * snapshot holds, rendered once for each place they appear in: the digest, `snapshot.json` and
 * `apisix.yaml`. The renderings are plain bytes so that they can be made in worker threads and
 * kept in the compile cache; the files are their concatenation (`assembleSnapshot`).
 *
 * A piece is one object, or the run of a service's objects whose ids all start with `<service>.`
 * (its routes): ids of a service hold no dot, so no other id sorts inside such a run.
 */
export interface RenderedPiece {
  readonly kind: ApisixKind;
  /** Orders the piece among the pieces of its kind: the id of a single object, `<service>.` for a run. */
  readonly key: string;
  /** Objects in the piece. */
  readonly count: number;
  /**
   * Two renderings: the objects' lines in snapshot.json (each line the indent and one object's
   * canonical JSON: keys sorted, no whitespace; lines joined by `,\n`), and their items in
   * apisix.yaml (see `renderStandaloneItem`). The canonical JSON the digest covers (objects
   * joined by `,`) is the lines without their indent and line breaks: canonical JSON holds no
   * line break. As strings when just rendered; as UTF-8 bytes, one rendering after the other,
   * when read from the compile cache; as the spans of the two files a previous compile wrote,
   * when spliced into a new snapshot (src/incremental/splice.ts).
   */
  readonly text: PieceText;
  /** js-yaml's end-of-document marker would follow if the piece ended the file. */
  readonly openEnded: boolean;
}

export type PieceText =
  | { readonly form: 'strings'; readonly pretty: string; readonly yaml: string }
  | { readonly form: 'bytes'; readonly bytes: Uint8Array; readonly prettyEnd: number }
  /** The piece's bytes in a snapshot.json and an apisix.yaml written before. */
  | { readonly form: 'spans'; readonly json: Buffer; readonly jsonStart: number; readonly jsonEnd: number; readonly yaml: Buffer; readonly yamlStart: number; readonly yamlEnd: number };

/** Where each piece of a snapshot is in its two files (byte offsets), in file order. */
export interface PieceSpan {
  readonly piece: RenderedPiece;
  readonly json: readonly [start: number, end: number];
  readonly yaml: readonly [start: number, end: number];
}

/** Depth of an object in snapshot.json: root → `apisix` → kind → object. */
const PRETTY_INDENT = ' '.repeat(6);

/**
 * The kinds in the order snapshot.json (and the canonical JSON the digest covers) lists them: by
 * name in code-point order, as canonical JSON sorts keys.
 */
const SNAPSHOT_KINDS: readonly ApisixKind[] = KINDS.map((k) => k.name).sort();

/** The kinds in the order apisix.yaml lists their objects: its lists in order, the kinds of each. */
const STANDALONE_KINDS: readonly ApisixKind[] = STANDALONE_LISTS.flatMap((list) => list.kinds.map((k) => k.name));

/**
 * A service's objects of one kind as pieces: each object whose id is not `<service>.<…>` alone,
 * and those whose id is, as one run.
 */
export function renderPieces(service: string, kind: KindDescriptor, objects: readonly ApisixObject[]): RenderedPiece[] {
  const prefix = `${service}.`;
  const sorted = [...objects].sort((a, b) => cmp(a.id, b.id));
  const pieces = sorted.filter((o) => !o.id.startsWith(prefix)).map((o) => renderPiece(kind, o.id, [o]));
  const run = sorted.filter((o) => o.id.startsWith(prefix));
  if (run.length > 0) pieces.push(renderPiece(kind, prefix, run));
  return pieces;
}

/** Objects that belong to no service (a group's consumers): one piece each. */
export function renderObjectPieces(kind: KindDescriptor, objects: readonly ApisixObject[]): RenderedPiece[] {
  return [...objects].sort((a, b) => cmp(a.id, b.id)).map((o) => renderPiece(kind, o.id, [o]));
}

function renderPiece(kind: KindDescriptor, key: string, objects: readonly ApisixObject[]): RenderedPiece {
  const pretty: string[] = [];
  let yaml = '';
  let openEnded = false;
  for (const object of objects) {
    const sorted = inKeyOrder(object);
    pretty.push(PRETTY_INDENT + JSON.stringify(sorted));
    const item = renderStandaloneItem(bodyOf(kind, sorted));
    yaml += item.text;
    openEnded = item.openEnded;
  }
  return { kind: kind.name, key, count: objects.length, text: { form: 'strings', pretty: pretty.join(',\n'), yaml }, openEnded };
}

/** A service's provenance with its keys in code-point order, as `sortKeys` would give it. */
function canonicalProvenance(p: ServiceProvenance): ServiceProvenance {
  return { commit: p.commit, name: p.name, overlay: p.overlay, tag: p.tag, template: p.template, version: p.version };
}

/** A snapshot put together from rendered pieces (`assembleSnapshot`), with its two files. */
export interface AssembledSnapshot {
  readonly snapshot: Snapshot;
  /**
   * The bytes of snapshot.json and apisix.yaml, put together on first call (with where each piece
   * went; null when rendered from the objects), each as the chunks that make it up in order:
   * blocks spliced from earlier files are views of them, not copies.
   */
  readonly files: () => { readonly json: readonly Buffer[]; readonly standalone: readonly Buffer[]; readonly spans: readonly PieceSpan[] | null };
  readonly counts: SnapshotCounts;
}

/** Objects per kind. */
export type SnapshotCounts = { readonly [K in ApisixKind]: number };

/**
 * Pure: a group's rendered pieces and provenance → the snapshot. Its canonical JSON and digest
 * are put together from the pieces (each kind in id order) now, its two files when first asked
 * for (`files`; with `files: false` from the objects, the pieces not kept), and its `apisix` is
 * parsed from the
 * canonical JSON on first read: a compile that writes the files never builds the objects, and a
 * diff or a sync never builds the files. `apisix` is what the JSON holds (JSON has no -0).
 */
export function assembleSnapshot(
  group: string,
  services: readonly ServiceProvenance[],
  pieces: readonly RenderedPiece[],
  options: { readonly commit: string | null; readonly draft: boolean; readonly files?: boolean; readonly adopt?: SnapshotAdoption },
): AssembledSnapshot {
  const adopt = options.adopt !== undefined && Object.keys(options.adopt).length > 0 ? { adopt: options.adopt } : {};
  const byKind = perKind((): RenderedPiece[] => []);
  for (const p of pieces) byKind[p.kind].push(p);
  for (const list of Object.values(byKind)) list.sort((a, b) => cmp(a.key, b.key));
  const kinds = SNAPSHOT_KINDS;
  const count = (kind: ApisixKind) => byKind[kind].reduce((n, p) => n + p.count, 0);

  const canonical = new TextBuilder();
  canonical.text('{');
  kinds.forEach((kind, k) => {
    canonical.text(`${k > 0 ? ',' : ''}"${kind}":[`);
    byKind[kind].forEach((p, i) => {
      if (i > 0) canonical.text(',');
      canonical.piece(p.text, 0);
    });
    canonical.text(']');
  });
  canonical.text('}');
  // With the files to write, the canonical JSON is put together only when the objects are first
  // read (a compile that writes the files never reads them); otherwise the pieces are let go
  // (see below) and it is kept instead.
  let canonicalBytes: Buffer | undefined;
  let digest: string;
  let builder: TextBuilder | null = canonical;
  if (options.files === false) {
    canonicalBytes = canonical.done();
    digest = `sha256:${createHash('sha256').update(canonicalBytes).digest('hex')}`;
    builder = null;
  } else {
    digest = `sha256:${canonical.sha256()}`;
  }
  const canonicalText = () => (canonicalBytes ??= builder!.done());
  // In canonical key order (written out: sortKeys would copy every service's object).
  const provenance = { commit: options.commit, services: [...services].sort((a, b) => cmp(a.name, b.name)).map(canonicalProvenance) };

  // The two files are put together when first asked for (a diff or a sync never writes them).
  const files = (): { json: Buffer[]; standalone: Buffer[]; spans: PieceSpan[] } => {
    // The rest of the snapshot after `apisix`, in canonical key order, as JSON.stringify indents it.
    // (Its keys are written in that order; `provenance` is sorted already.)
    const rest = JSON.stringify({ ...adopt, digest, draft: options.draft, format: SNAPSHOT_FORMAT, group, provenance }, null, 2);
    const json = new TextBuilder();
    json.text('{\n  "apisix": {\n');
    kinds.forEach((kind, k) => {
      const list = byKind[kind];
      json.text(`${k > 0 ? ',\n' : ''}    "${kind}": `);
      if (list.length === 0) {
        json.text('[]');
        return;
      }
      json.text('[\n');
      list.forEach((p, i) => {
        if (i > 0) json.text(',\n');
        json.piece(p.text, 1);
      });
      json.text('\n    ]');
    });
    json.text('\n  },\n');
    json.text(rest.slice(2, -2));
    json.text('\n}\n');
    const standalone = new TextBuilder();
    for (const part of standaloneParts(byKind)) {
      if (typeof part === 'string') standalone.text(part);
      else standalone.piece(part, 2);
    }
    const jsonBytes = json.chunks();
    const standaloneBytes = standalone.chunks();
    // Each file holds a kind's pieces together, by key, with the kinds in its own order: the
    // spans of a kind's pieces start where the kinds before it in that order end.
    const yamlStart = new Map<ApisixKind, number>();
    let at = 0;
    for (const kind of STANDALONE_KINDS) {
      yamlStart.set(kind, at);
      at += byKind[kind].length;
    }
    const spans: PieceSpan[] = [];
    for (const kind of kinds) {
      const first = yamlStart.get(kind)!;
      byKind[kind].forEach((piece, i) => spans.push({ piece, json: json.spans[spans.length]!, yaml: standalone.spans[first + i]! }));
    }
    return { json: jsonBytes, standalone: standaloneBytes, spans };
  };

  let apisix: ApisixConfig | undefined;
  const snapshot = {
    ...adopt,
    get apisix(): ApisixConfig {
      apisix ??= JSON.parse(canonicalText().toString('utf8')) as ApisixConfig;
      return apisix;
    },
    digest,
    draft: options.draft,
    format: SNAPSHOT_FORMAT,
    group,
    provenance,
  } as Snapshot;
  // `files: false`: the caller will not write the files, so the pieces are not kept for them
  // (they are most of the memory); if asked for anyway, the files are rendered from `apisix`.
  const fromObjects = () => ({
    json: [Buffer.from(snapshotJsonText(snapshot), 'utf8')],
    standalone: [Buffer.from(renderStandaloneYaml(snapshot.apisix), 'utf8')],
    spans: null,
  });
  let built: { json: Buffer[]; standalone: Buffer[]; spans: PieceSpan[] | null } | undefined;
  const build = options.files === false ? fromObjects : files;
  return {
    snapshot,
    files: () => (built ??= build()),
    counts: perKind((kind) => count(kind.name)),
  };
}

/**
 * Parts `first`..`last` of a TextBuilder, `length` bytes in rendering `which`: one fixed string or
 * piece (`block` null), or pieces spliced from one earlier file that sit there one after the
 * other, copied at once from `src` between `from` and `to`.
 */
interface Run {
  readonly first: number;
  readonly last: number;
  readonly which: number;
  readonly length: number;
  readonly block: { readonly src: Buffer; readonly from: number; readonly to: number } | null;
}

/**
 * Puts a file together from fixed strings and pieces' renderings: one pass to measure, one copy
 * into a buffer of the final size (no intermediate strings or views per piece). `spans` holds,
 * once done, where each piece went, in the order they were added.
 */
class TextBuilder {
  readonly #parts: (string | PieceText)[] = [];
  readonly #which: number[] = [];
  readonly spans: [number, number][] = [];
  text(s: string): void {
    this.#parts.push(s);
    this.#which.push(-1);
  }
  /** Rendering 0 (canonical), 1 (snapshot.json) or 2 (apisix.yaml) of a piece. */
  piece(t: PieceText, which: 0 | 1 | 2): void {
    this.#parts.push(t);
    this.#which.push(which);
  }
  /** The whole text in one buffer. */
  done(): Buffer {
    const chunks = this.chunks(false);
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  /**
   * The text as chunks, in order: with `views` (the default), each block spliced from an earlier
   * file is a view of it and the rest is copied into buffers between them; otherwise one buffer.
   */
  chunks(views = true): Buffer[] {
    const runs = this.#runs();
    const isView = (run: Run) => views && run.which !== 0 && (run.block !== null || this.#bytesOf(run) !== null);
    const chunks: Buffer[] = [];
    let offset = 0;
    for (let r = 0; r < runs.length; ) {
      const run = runs[r]!;
      if (isView(run)) {
        if (run.block !== null) {
          this.#placeBlock(run, offset);
          chunks.push(run.block.src.subarray(run.block.from, run.block.to));
        } else {
          // A piece read from the cache: its rendering is a view of the record's bytes.
          const view = this.#bytesOf(run)!;
          this.spans.push([offset, offset + view.byteLength]);
          chunks.push(view);
        }
        offset += run.length;
        r++;
        continue;
      }
      const [out, next] = this.#gather(runs, r, isView, offset);
      chunks.push(out);
      offset += out.byteLength;
      r = next;
    }
    return chunks;
  }

  /**
   * sha256 (hex) of the text, without putting it together where that would mean copying: the
   * lines of a block of canonical JSON spliced from an earlier snapshot.json are hashed where
   * they are, everything else is put together in buffers first.
   */
  sha256(): string {
    const hash = createHash('sha256');
    const runs = this.#runs();
    const inPlace = (run: Run) => run.block !== null && run.which === 0;
    for (let r = 0; r < runs.length; ) {
      const run = runs[r]!;
      if (inPlace(run)) {
        const { src, from, to } = run.block!;
        hashStrippedLines(hash, src, from, to);
        r++;
        continue;
      }
      const [out, next] = this.#gather(runs, r, inPlace, null);
      hash.update(out);
      r = next;
    }
    return hash.digest('hex');
  }

  /**
   * The runs from `r` up to the first that `stop` takes, copied into one buffer; and the index of
   * that run. With `offset` (where the buffer starts in the text), the pieces' spans are noted.
   */
  #gather(runs: readonly Run[], r: number, stop: (run: Run) => boolean, offset: number | null): [Buffer, number] {
    let end = r;
    let size = 0;
    // Canonical JSON is copied as snapshot.json lines, then closed up (closeUp): room for that.
    let room = 0;
    for (; end < runs.length && !stop(runs[end]!); end++) {
      const run = runs[end]!;
      size += run.length;
      if (run.which !== 0) continue;
      const part = this.#parts[run.first]!;
      if (run.block !== null) room = Math.max(room, run.block.to - run.block.from - run.length);
      else if (typeof part !== 'string') room = Math.max(room, renderingLength(part, 1) - run.length);
    }
    const out = Buffer.allocUnsafe(size + room);
    let at = 0;
    for (; r < end; r++) {
      const run = runs[r]!;
      const { first, which, block } = run;
      const start = at;
      if (block !== null) {
        at = which === 0 ? copyStripped(block.src, block.from, block.to, out, at) : at + block.src.copy(out, at, block.from, block.to);
        if (offset !== null) this.#placeBlock(run, offset + start);
        continue;
      }
      const part = this.#parts[first]!;
      if (typeof part === 'string') {
        at += out.write(part, at, 'utf8');
        continue;
      }
      at = copyRendering(part, which, out, at);
      if (offset !== null) this.spans.push([offset + start, offset + at]);
    }
    return [at === out.byteLength ? out : out.subarray(0, at), end];
  }

  /** Rendering 1 or 2 of a single piece read from the cache (bytes), as a view; null for others. */
  #bytesOf(run: Run): Buffer | null {
    const part = this.#parts[run.first];
    if (run.block !== null || typeof part !== 'object' || part.form !== 'bytes' || run.which === 0) return null;
    return bytesRendering(part, run.which);
  }

  /** Where the pieces of a block went, once the block starts at `start`: each keeps its place in it. */
  #placeBlock(run: Run, start: number): void {
    const { from } = run.block!;
    for (let i = run.first; i <= run.last; i++) {
      const part = this.#parts[i]!;
      if (typeof part === 'string' || part.form !== 'spans') continue;
      const [s0, s1] = run.which === 2 ? [part.yamlStart, part.yamlEnd] : [part.jsonStart, part.jsonEnd];
      this.spans.push([start + s0 - from, start + s1 - from]);
    }
  }

  /**
   * The parts, with each run of pieces spliced from one earlier file that sit there one after the
   * other (with what this file puts between them there too) as one block, copied at once.
   */
  #runs(): Run[] {
    const runs: Run[] = [];
    const parts = this.#parts;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const which = this.#which[i]!;
      if (typeof part === 'string' || part.form !== 'spans') {
        runs.push({ first: i, last: i, which, length: typeof part === 'string' ? Buffer.byteLength(part, 'utf8') : renderingLength(part, which), block: null });
        continue;
      }
      const src = which === 2 ? part.yaml : part.json;
      let to = which === 2 ? part.yamlEnd : part.jsonEnd;
      let last = i;
      for (;;) {
        // The next piece, after at most one fixed text.
        let j = last + 1;
        const between = parts[j];
        const text = typeof between === 'string' ? between : '';
        if (typeof between === 'string') j++;
        const next = parts[j];
        if (next === undefined || typeof next === 'string' || next.form !== 'spans' || this.#which[j] !== which) break;
        if ((which === 2 ? next.yaml : next.json) !== src) break;
        const nextFrom = which === 2 ? next.yamlStart : next.jsonStart;
        if (!gapHolds(src, to, nextFrom, which === 0 && text === ',' ? ',\n' : text)) break;
        to = which === 2 ? next.yamlEnd : next.jsonEnd;
        last = j;
      }
      const from = which === 2 ? part.yamlStart : part.jsonStart;
      runs.push({ first: i, last, which, length: which === 0 ? strippedLength(src, from, to) : to - from, block: { src, from, to } });
      i = last;
    }
    return runs;
  }
}

/**
 * Feeds `hash` the snapshot.json lines of `src` from `from` to `to` as canonical JSON (see
 * copyStripped): whole lines at a time, up to `chunk` bytes, copied into one buffer used again
 * and closed up there — one hash call per chunk rather than a view and a call per line.
 */
export function hashStrippedLines(hash: Hash, src: Buffer, from: number, to: number, chunk = 2 ** 20): void {
  for (let at = from; at < to; ) {
    let end = to;
    if (to - at > chunk) {
      // The last line break within the chunk; after a line longer than that, its own end.
      let eol = src.lastIndexOf(0x0a, at + chunk);
      if (eol <= at) eol = src.indexOf(0x0a, at + chunk);
      if (eol > at && eol < to) end = eol;
    }
    if (hashScratch.byteLength < end - at) hashScratch = Buffer.allocUnsafe(Math.max(end - at, 2 ** 16));
    hash.update(hashScratch.subarray(0, copyStripped(src, at, end, hashScratch, 0)));
    // The line break between two chunks is left out, as closeUp leaves out the others.
    at = end + 1;
  }
}

let hashScratch = Buffer.allocUnsafe(0);

/** `src` holds exactly `text` (ASCII) from `from` to `to`. */
function gapHolds(src: Buffer, from: number, to: number, text: string): boolean {
  if (to - from !== text.length) return false;
  for (let k = 0; k < text.length; k++) if (src[from + k] !== text.charCodeAt(k)) return false;
  return true;
}

/**
 * snapshot.json lines from `from` to `to` as canonical JSON: the first line's indent and every line
 * break with the next line's indent left out (see the `spans` form of PieceText).
 */
function strippedLength(src: Buffer, from: number, to: number): number {
  let breaks = 0;
  for (let i = src.indexOf(0x0a, from); i >= 0 && i < to; i = src.indexOf(0x0a, i + 1)) breaks++;
  return canonicalLength(to - from, breaks);
}

/** The length of snapshot.json lines of `length` bytes with `breaks` line breaks, as canonical JSON. */
function canonicalLength(length: number, breaks: number): number {
  return length - PRETTY_INDENT.length - breaks * (1 + PRETTY_INDENT.length);
}

/**
 * Copies the lines from `from` to `to` into `out` at `at`, then closes up the indents and line
 * breaks in place (two native copies per line instead of a copy of each line from `src`): `out`
 * must have room for the lines as they are (see `chunks`).
 */
function copyStripped(src: Buffer, from: number, to: number, out: Buffer, at: number): number {
  src.copy(out, at, from, to);
  return closeUp(out, at, at + (to - from));
}

/** snapshot.json lines written in `out` from `at` to `end` as canonical JSON, in place; returns its end. */
function closeUp(out: Buffer, at: number, end: number): number {
  if (end <= at) return at;
  // Line breaks are looked for up to `end` only: what follows may be megabytes without one.
  const lines = out.subarray(0, end);
  let write = at;
  let read = at + PRETTY_INDENT.length;
  for (;;) {
    const eol = read < end ? lines.indexOf(0x0a, read) : -1;
    const stop = eol < 0 ? end : eol;
    if (write !== read) out.copyWithin(write, read, stop);
    write += stop - read;
    if (eol < 0) return write;
    read = eol + 1 + PRETTY_INDENT.length;
  }
}

/**
 * Length in UTF-8 bytes of rendering `which` of a piece rendered now or read from the cache:
 * 0 canonical JSON (its snapshot.json lines without indents and line breaks), 1 snapshot.json,
 * 2 apisix.yaml.
 */
function renderingLength(t: PieceText, which: number): number {
  if (t.form === 'strings') {
    if (which === 2) return Buffer.byteLength(t.yaml, 'utf8');
    const pretty = Buffer.byteLength(t.pretty, 'utf8');
    if (which === 1 || pretty === 0) return pretty;
    let breaks = 0;
    for (let i = t.pretty.indexOf('\n'); i >= 0; i = t.pretty.indexOf('\n', i + 1)) breaks++;
    return canonicalLength(pretty, breaks);
  }
  if (t.form === 'bytes') {
    if (which === 0) return t.prettyEnd === 0 ? 0 : strippedLength(asBuffer(t.bytes), 0, t.prettyEnd);
    return which === 1 ? t.prettyEnd : t.bytes.byteLength - t.prettyEnd;
  }
  throw new Error('pieces spliced from earlier files are copied as blocks');
}

/**
 * Copies rendering `which` of a piece rendered now or read from the cache into `out` at `at`;
 * returns the offset after it. Canonical JSON is written as snapshot.json lines and closed up, so
 * `out` needs room for those (see `#gather`).
 */
function copyRendering(t: PieceText, which: number, out: Buffer, at: number): number {
  if (t.form === 'strings') {
    const end = at + out.write(which === 2 ? t.yaml : t.pretty, at, 'utf8');
    return which === 0 ? closeUp(out, at, end) : end;
  }
  if (t.form === 'bytes') {
    if (which === 0) return copyStripped(asBuffer(t.bytes), 0, t.prettyEnd, out, at);
    const view = bytesRendering(t, which);
    out.set(view, at);
    return at + view.byteLength;
  }
  throw new Error('pieces spliced from earlier files are copied as blocks');
}

/** Rendering 1 (snapshot.json) or 2 (apisix.yaml) of a piece read from the cache, as a view. */
function bytesRendering(t: Extract<PieceText, { form: 'bytes' }>, which: number): Buffer {
  const bytes = asBuffer(t.bytes);
  return which === 1 ? bytes.subarray(0, t.prettyEnd) : bytes.subarray(t.prettyEnd);
}

/**
 * `snapshot.json` as defined: the snapshot's canonical JSON (keys sorted at every level) indented
 * by two spaces, except that each gateway object is one line, its canonical JSON. At tens of
 * thousands of objects the file stays a third smaller than fully indented and as easy to diff
 * (a changed object is a changed line), and each line is exactly what the digest covers.
 */
export function snapshotJsonText(snapshot: Snapshot): string {
  const { apisix, ...rest } = sortKeys(snapshot) as Snapshot;
  const kinds = SNAPSHOT_KINDS.map((kind) => {
    const list = apisix[kind];
    const lines = list.map((o) => PRETTY_INDENT + JSON.stringify(o)).join(',\n');
    return `    "${kind}": ${list.length === 0 ? '[]' : `[\n${lines}\n    ]`}`;
  });
  const tail = JSON.stringify(rest, null, 2).slice(2, -2);
  return `{\n  "apisix": {\n${kinds.join(',\n')}\n  },\n${tail}\n}\n`;
}

/** A snapshot put together from rendered pieces, told from a snapshot alone. */
function isAssembled(s: Snapshot | AssembledSnapshot): s is AssembledSnapshot {
  return typeof (s as Partial<AssembledSnapshot>).files === 'function';
}

/**
 * The bytes of both files as chunks to write one after the other: of a snapshot put together
 * from rendered pieces, its files (no copy of what a spliced snapshot takes from earlier files);
 * of a snapshot alone, rendered from its objects.
 */
export function snapshotFileChunks(s: Snapshot | AssembledSnapshot): { readonly json: readonly Buffer[]; readonly standalone: readonly Buffer[] } {
  if (isAssembled(s)) return s.files();
  return { json: [Buffer.from(snapshotJsonText(s), 'utf8')], standalone: [Buffer.from(renderStandaloneYaml(s.apisix), 'utf8')] };
}

function joined(chunks: readonly Buffer[]): Buffer {
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** Where each piece of an assembled snapshot is in its two files (put together if not done yet); null when they were rendered from the objects. */
export function snapshotSpans(s: AssembledSnapshot): readonly PieceSpan[] | null {
  return s.files().spans;
}

/** The text of `snapshot.json` (see `snapshotFileChunks`). */
export function renderSnapshotJson(s: Snapshot | AssembledSnapshot): string {
  return isAssembled(s) ? joined(s.files().json).toString('utf8') : snapshotJsonText(s);
}

/** The text of the group's standalone `apisix.yaml` (see `snapshotFileChunks`). */
export function renderSnapshotStandalone(s: Snapshot | AssembledSnapshot): string {
  return isAssembled(s) ? joined(s.files().standalone).toString('utf8') : renderStandaloneYaml(s.apisix);
}

/** How many objects of each kind the snapshot holds (without building them when it need not). */
export function snapshotCounts(s: Snapshot | AssembledSnapshot): SnapshotCounts {
  if (isAssembled(s)) return s.counts;
  const apisix = s.apisix;
  return perKind((kind) => apisix[kind.name].length);
}
