import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import { CORE_SCHEMA as CORE_SCHEMA_4, load as loadYaml4 } from 'js-yaml-4';
import { createRequire } from 'node:module';
import type { Document, Node as YamlNode } from 'yaml';
import type { Diagnostic, SourceLocation, TextSpan } from '../model/diagnostic.js';
import { quickLocate, readLines, unclosedOpening, type Lines } from './quick-locate.js';
import { MAX_FILE_BYTES } from './source-file.js';
import type { SourceFile } from './source-file.js';

const requireHere = createRequire(import.meta.url);
let yamlLibrary: typeof import('yaml') | undefined;

/**
 * The `yaml` library, loaded when a text is first parsed with positions: most files never are
 * (see parseFast), and loading it with this module cost ≈35 ms of every command's start-up.
 */
function yaml(): typeof import('yaml') {
  return (yamlLibrary ??= requireHere('yaml') as typeof import('yaml'));
}

/** Aliases a document may expand to before it is treated as an alias bomb. */
const MAX_ALIAS_COUNT = 100;

/**
 * A YAML file parsed with its positions kept: the plain data (`data`) for validation and
 * merging, and `locate(pointer)` to turn a JSON pointer back into file, line and column.
 */
export interface YamlFile {
  readonly path: string;
  readonly revision?: string;
  readonly text: string;
  readonly data: unknown;
  /** Location of the value at `pointer` (or of its key with `{ key: true }`). Falls back to the
   *  nearest existing ancestor, so a location is always returned. */
  locate(pointer: string, options?: { readonly key?: boolean }): SourceLocation;
}

export type ParseResult =
  | { readonly ok: true; readonly file: YamlFile }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

const YAML_CODES: Readonly<Record<string, { code: string; hint: string }>> = {
  DUPLICATE_KEY: { code: 'TW1006', hint: 'Remove one of the two keys; YAML keeps only one of them.' },
  TAB_AS_INDENT: { code: 'TW1007', hint: 'Indent with spaces; YAML does not allow tabs for indentation.' },
  MULTIPLE_DOCS: { code: 'TW1010', hint: 'Keep one document per file: remove the `---` separator and what follows, or move it to its own file.' },
};

/**
 * Decodes, size-checks and parses one source file. Never throws. `maxBytes`: the largest file
 * read (a config file's limit by default; a whole gateway's file read by an import is larger).
 */
export function parseYamlFile(source: SourceFile, maxBytes = MAX_FILE_BYTES): ParseResult {
  const where = { file: source.path, ...(source.revision ? { revision: source.revision } : {}) };
  if (source.bytes.byteLength > maxBytes) {
    return fail({
      ...where,
      code: 'TW1003',
      line: 1,
      column: 1,
      message: `file is ${source.bytes.byteLength} bytes; tagway reads config files of at most ${maxBytes} bytes`,
      hint: 'Split the configuration into smaller files (one service per folder), or check that this is the file you meant to commit.',
    });
  }
  const decoded = decodeUtf8(source.bytes);
  if (!decoded.ok) {
    const pos = positionOfByte(source.bytes, decoded.badOffset);
    return fail({
      ...where,
      code: 'TW1002',
      ...pos,
      message: `file is not valid UTF-8 (invalid byte 0x${source.bytes[decoded.badOffset]!.toString(16).padStart(2, '0')} at offset ${decoded.badOffset})`,
      hint: 'Save the file as UTF-8.',
    });
  }
  const text = decoded.text.startsWith('\uFEFF') ? decoded.text.slice(1) : decoded.text;
  return parseFast(text, source, where) ?? parseWithPositions(text, source, where);
}

/**
 * The text of a source file as a code frame shows it: its UTF-8 text (without a byte-order
 * mark); null when the file is over the size limit or not valid UTF-8. Only sources the load
 * step accepted exist, so a frame never shows a file it refused.
 */
export function sourceText(source: SourceFile): string | null {
  if (source.bytes.byteLength > MAX_FILE_BYTES) return null;
  const decoded = decodeUtf8(source.bytes);
  if (!decoded.ok) return null;
  return decoded.text.startsWith('\uFEFF') ? decoded.text.slice(1) : decoded.text;
}

/**
 * The fast path (most files): plain data without positions; positions are computed only when a
 * finding asks for one, by parsing the text again with `yaml`. Files with anchors (possible alias
 * bombs) and files the parser rejects take the positioned path, which produces the diagnostics.
 *
 * The data is YAML 1.2's core schema, as js-yaml 5 and `yaml` read it. js-yaml 4 parses config
 * files several times faster than js-yaml 5 (docs/performance.md, "The parser") and reads them
 * the same, except for a few forms (`0b1`, `+0x1`,
 * `-0o7` as numbers, `+.5` as a string, complex keys as strings): a file in which any of them may
 * appear (`READ_DIFFERENTLY`, which errs on the side of caution) is read with js-yaml 5. The test
 * suite compares the two on thousands of scalars and keys.
 */
function parseFast(text: string, source: SourceFile, where: { file: string; revision?: string }): ParseResult | null {
  if (ANCHOR.test(text)) return null;
  let data: unknown;
  try {
    data = readsDifferently(text)
      ? loadYaml(text, { schema: CORE_SCHEMA, filename: source.path })
      : loadYaml4(text, { schema: CORE_SCHEMA_4, filename: source.path });
  } catch {
    return null;
  }
  const shape = checkShape(data, where, () => ({ line: 1, column: 1 }));
  if (shape) return shape;
  let positioned: YamlFile | null = null;
  let lines: Lines | null | undefined;
  const file: YamlFile = {
    path: source.path,
    ...(source.revision ? { revision: source.revision } : {}),
    text,
    data,
    locate(pointer, options) {
      // Most positions are read off the lines; the rest cost a parse with positions, once per file.
      if (!positioned) {
        lines ??= readLines(text);
        const quick = lines === null ? null : quickLocate(lines, pointerSegments(pointer), options?.key === true);
        if (quick !== null) return { ...where, ...quick, pointer };
        // js-yaml has refused duplicate keys already; `yaml`'s own check is quadratic in a map's size.
        const full = parseWithPositions(text, source, where, false);
        if (!full.ok) return { ...where, line: 1, column: 1, pointer };
        positioned = full.file;
      }
      return positioned.locate(pointer, options);
    },
  };
  return { ok: true, file };
}

/**
 * Where js-yaml 4 and YAML 1.2's core schema may disagree: a plain scalar starting `0b`, `+0x`,
 * `-0o`, `+.5` and the like; an explicit key (`? `), an empty key (` : `) or a flow collection
 * used as a key; a line starting with a document marker (`---`, `...`).
 */
export const READ_DIFFERENTLY =
  /(^|[\s:[\]{},-])([-+]?0b|[-+]0[xo]|[-+]\.[0-9])|^[ \t-]*\?(?:[ \t]|$)|[\]}][ \t]*:(?:[ \t]|$)|(^|[\s[{,]):(?:[ \t]|$)|^(---|\.\.\.)/m;

/**
 * What each form READ_DIFFERENTLY looks for holds (`0b`, `0x`, `0o`, `+.` or `-.`; `?`; a `:` after
 * `]` or `}`; a `:` at the start of a line or after a space, `[`, `{` or `,`; `---` or `...`),
 * written so that the regular expression engine can skip ahead: several times faster than
 * READ_DIFFERENTLY on the files that match neither, which are nearly all.
 */
const MAY_READ_DIFFERENTLY = /0[bxo]|[-+]\.|\?|---|\.\.\.|[\s[{,]:(?:[ \t]|$)|[\]}][ \t]*:|^:/m;

/** `READ_DIFFERENTLY.test(text)`, tried only where it may match. */
export function readsDifferently(text: string): boolean {
  return MAY_READ_DIFFERENTLY.test(text) && READ_DIFFERENTLY.test(text);
}

/** An anchor (`&name`) at the start of a node. */
const ANCHOR = /(^|[\s[{,:-])&[^\s,[\]{}]/;

function checkShape(
  data: unknown,
  where: { file: string; revision?: string },
  start: () => { line: number; column: number },
): ParseResult | null {
  if (data === null || data === undefined) {
    return fail({ ...where, code: 'TW1009', line: 1, column: 1, message: 'file is empty', hint: "Write the file's content, or delete the file." });
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    return fail({
      ...where,
      code: 'TW1009',
      ...start(),
      message: `file must hold a mapping (key: value lines), found ${Array.isArray(data) ? 'a list' : typeof data}`,
      hint: 'Start the file with its top-level keys, e.g. `name: ...`.',
    });
  }
  return null;
}

/** The positioned path: a `yaml` Document kept for `locate`, and every YAML error positioned. */
/**
 * A file parsed with every position kept, never by the fast path: what `parseYamlFile` gives for
 * files the fast path does not take, and the reference its positions are tested against.
 */
export function parseYamlFileWithPositions(source: SourceFile): ParseResult {
  const text = sourceText(source);
  if (text === null) return parseYamlFile(source);
  return parseWithPositions(text, source, { file: source.path, ...(source.revision ? { revision: source.revision } : {}) });
}

function parseWithPositions(text: string, source: SourceFile, where: { file: string; revision?: string }, uniqueKeys = true): ParseResult {
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys, prettyErrors: false, strict: true, logLevel: 'error' });
  const pos = (offset: number) => {
    const lp = lineCounter.linePos(offset);
    return { line: lp.line, column: lp.col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      // The parser often explains one mistake twice at the same place; the first says it best.
      diagnostics: doc.errors.filter((e, i, all) => all.findIndex((o) => o.pos[0] === e.pos[0]) === i).map((e) => {
        const known = YAML_CODES[e.code];
        if (e.code === 'DUPLICATE_KEY') return duplicateKey(doc, text, e.pos[0], where, pos);
        const at = pos(e.pos[0]);
        // A bracket or quote left open is reported where the parser gives up (often the end of
        // the file): name the line that opened it.
        const opened = known === undefined && UNCLOSED.test(e.message) ? unclosedOpening(text, at.line) : null;
        const closer = opened === null ? '' : opened.opens === '[' ? ']' : opened.opens === '{' ? '}' : opened.opens;
        return {
          ...diag({
            ...where,
            code: known?.code ?? 'TW1005',
            ...at,
            message: known ? firstLine(e.message) : `invalid YAML: ${firstLine(e.message)}`,
            hint:
              opened !== null
                ? `The \`${opened.opens}\` on line ${opened.line} is not closed: close it with \`${closer}\` on that line${opened.opens === '[' ? ', or write the list as `- item` lines' : ''}.`
                : (known?.hint ?? 'Fix the YAML syntax at this position (indentation, quotes, brackets).'),
          }),
          ...(opened !== null ? { related: [{ ...where, line: opened.line, column: opened.column, message: `\`${opened.opens}\` opened here` }] } : {}),
        };
      }),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const alias = firstAliasOffset(doc);
    return fail({
      ...where,
      code: 'TW1008',
      ...pos(alias ?? 0),
      message: `YAML aliases expand to too many nodes (${(error as Error).message})`,
      hint: `Use fewer aliases; a document may expand at most ${MAX_ALIAS_COUNT} alias references.`,
    });
  }
  const shape = checkShape(data, where, () => pos(doc.contents?.range[0] ?? 0));
  if (shape) return shape;
  const file: YamlFile = {
    path: source.path,
    ...(source.revision ? { revision: source.revision } : {}),
    text,
    data,
    locate(pointer, options) {
      const offsets = nodeRange(doc, pointer, options?.key === true);
      const start = lineCounter.linePos(offsets[0]);
      const end = lineCounter.linePos(offsets[1]);
      return {
        file: source.path,
        ...(source.revision ? { revision: source.revision } : {}),
        line: start.line,
        column: start.col,
        endLine: end.line,
        endColumn: end.col,
        pointer,
      };
    },
  };
  return { ok: true, file };
}

/** A duplicate key, named, with the first occurrence as the related location. */
function duplicateKey(
  doc: Document,
  text: string,
  offset: number,
  where: { file: string; revision?: string },
  pos: (offset: number) => { line: number; column: number },
): Diagnostic {
  const { isScalar, visit } = yaml();
  let name = text.slice(offset).match(/^[^:\n]*/)?.[0]?.trim() ?? '';
  let firstOffset: number | null = null;
  visit(doc, {
    Map(_key, map) {
      const dup = map.items.find((p) => (p.key as YamlNode | null)?.range?.[0] === offset);
      if (!dup || !isScalar(dup.key)) return undefined;
      name = String(dup.key.value);
      const first = map.items.find((p) => isScalar(p.key) && p.key.value === (dup.key as { value: unknown }).value);
      firstOffset = (first?.key as YamlNode | undefined)?.range?.[0] ?? null;
      return visit.BREAK;
    },
  });
  const related = firstOffset !== null && firstOffset !== offset ? [{ ...where, ...pos(firstOffset), message: 'first written here' }] : [];
  return {
    ...where,
    code: 'TW1006',
    severity: 'error',
    ...pos(offset),
    message: `key \`${name}\` appears twice in the same mapping`,
    hint: YAML_CODES['DUPLICATE_KEY']!.hint,
    related,
  };
}

function fail(d: Omit<Diagnostic, 'severity' | 'related'>): ParseResult {
  return { ok: false, diagnostics: [diag(d)] };
}

/** Messages of the parser about a flow collection or quoted scalar that does not end. */
const UNCLOSED = /flow (?:sequence|mapping|collection)|end with a [\]}]|missing closing|quoted scalar|unterminated|unexpected end/i;

function diag(d: Omit<Diagnostic, 'severity' | 'related'>): Diagnostic {
  return { severity: 'error', related: [], ...d };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * `text` read the fast way (as `parseFast` reads files), with spans read off its lines
 * (quick-locate.ts): null when the fast way does not read it (anchors, forms js-yaml 4 reads
 * differently, a syntax error) or its lines cannot be read; `span` is null where the lines leave
 * doubt. For showing a text: `recoverDocument` does the rest.
 */
export function quickDocument(text: string): { readonly data: unknown; span(pointer: string): TextSpan | null } | null {
  if (ANCHOR.test(text) || readsDifferently(text)) return null;
  const lines = readLines(text);
  if (lines === null) return null;
  let data: unknown;
  try {
    data = loadYaml4(text, { schema: CORE_SCHEMA_4 });
  } catch {
    return null;
  }
  return { data, span: (pointer) => quickLocate(lines, pointerSegments(pointer), false) };
}

/**
 * `text` read as far as it goes, syntax errors and all (as the parser recovers from them): its
 * data, whether it parsed without errors, and the span of the value at a pointer (or of its
 * nearest existing ancestor). Null when not even that can be had (aliases that expand too far).
 * For showing a text, never for compiling it.
 */
export function recoverDocument(text: string): { readonly data: unknown; readonly clean: boolean; span(pointer: string): TextSpan } | null {
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, logLevel: 'error' });
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    return null;
  }
  return {
    data,
    clean: doc.errors.length === 0,
    span(pointer) {
      const [start, end] = nodeRange(doc, pointer, false);
      const from = lineCounter.linePos(start);
      const to = lineCounter.linePos(end);
      return { line: from.line, column: from.col, endLine: to.line, endColumn: to.col };
    },
  };
}

/** JSON pointer segments, unescaped (RFC 6901). */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function joinPointer(...segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Start/end offsets of the node at `pointer` (or of its key), or of the deepest existing ancestor. */
export function nodeRange(doc: Document, pointer: string, wantKey: boolean): [number, number] {
  const { isAlias, isMap, isScalar, isSeq } = yaml();
  let node: unknown = doc.contents;
  let range: [number, number] = rangeOf(node) ?? [0, 0];
  const segments = pointerSegments(pointer);
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (isAlias(node)) node = node.resolve(doc);
    const last = i === segments.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === seg);
      if (!pair) break;
      const keyRange = rangeOf(pair.key);
      if (last && wantKey && keyRange) return keyRange;
      const valueRange = rangeOf(pair.value);
      // `key:` with no value has no value node: point at the key.
      if (!valueRange) return keyRange ?? range;
      node = pair.value;
      range = valueRange;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)];
      const itemRange = rangeOf(item);
      if (!itemRange) break;
      node = item;
      range = itemRange;
    } else {
      break;
    }
  }
  return range;
}

function rangeOf(node: unknown): [number, number] | null {
  const r = (node as YamlNode | null | undefined)?.range;
  return r ? [r[0], r[1]] : null;
}

function firstAliasOffset(doc: Document): number | null {
  const { visit } = yaml();
  let offset: number | null = null;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? null;
      return visit.BREAK;
    },
  });
  return offset;
}

type Decoded = { ok: true; text: string } | { ok: false; badOffset: number };

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeUtf8(bytes: Uint8Array): Decoded {
  try {
    return { ok: true, text: decoder.decode(bytes) };
  } catch {
    return { ok: false, badOffset: firstInvalidUtf8Offset(bytes) };
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) return i;
    const chunk = bytes.subarray(i, i + len);
    try {
      decoder.decode(chunk);
    } catch {
      return i;
    }
    i += len;
  }
  return Math.max(0, bytes.length - 1);
}

function positionOfByte(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  // Column in characters of the valid prefix of the line.
  const column = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, offset)).length + 1;
  return { line, column };
}
