/**
 * Positions found by reading lines, for the files most findings point into: block-style YAML of
 * plain keys and one-line plain scalars, as config files are written. A finding's position would
 * otherwise cost a second parse of its file with positions kept (the `yaml` library, several
 * times the cost of the parse that read the data), and a compile with a warning per service paid
 * that once per service.
 *
 * `quickLocate` answers only where the lines leave no doubt, and then exactly as the positioned
 * parse would (yaml-file.ts `nodeRange`; the tests compare the two on every pointer of many
 * files). Anything else — flow collections, quoted or multi-line scalars, block scalars, tags,
 * keys that are not plain names, tabs, document markers, a pointer that is not there — gives
 * null, and the caller parses with positions.
 */

/** A span in 1-based lines and columns; the end is exclusive, as `yaml`'s ranges are. */
export interface QuickSpan {
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

/** A key that reads as the same string in YAML 1.2's core schema and in the data. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.\/-]*$/;
/** Plain keys that the core schema reads as something else than their text. */
const NOT_A_STRING = /^(?:null|Null|NULL|true|True|TRUE|false|False|FALSE|\.inf|\.Inf|\.INF|\.nan|\.NaN|\.NAN)$/;
/** The first character of a scalar that is not plain, or of a node that is not a scalar. */
const NOT_PLAIN_START = /^["'{[&*!|>%@`]/;
/** `key:` followed by a space, a tab or the end of the line; the key is group 1. */
const KEY_LINE = /^([^\s:#][^:#]*?)[ ]*:(?:[ \t]|$)/;

/** A text's lines, for `quickLocate` (null from `readLines`: a text it cannot read by lines). */
export interface Lines {
  readonly text: readonly string[];
}

/** Where a block node's entries are: at `indent`, from `from`; `inline`: the first entry sits after `- ` on line `from`. */
interface Block {
  readonly indent: number;
  readonly from: number;
  readonly inline: boolean;
}

/**
 * The span `nodeRange` would give for `segments` (the key's with `wantKey`), or null when the
 * lines leave any doubt.
 */
export function quickLocate(lines: Lines, segments: readonly string[], wantKey: boolean): QuickSpan | null {
  if (segments.length === 0) return null;
  const first = nextContent(lines, 0);
  if (first === -1 || indentOf(lines.text[first]!) !== 0) return null;
  let block: Block = { indent: 0, from: first, inline: false };
  for (let i = 0; i < segments.length; i++) {
    const last = i === segments.length - 1;
    const seg = segments[i]!;
    const isSeq = startsItem(lines.text[block.from]!.slice(block.indent));
    if (!isSeq) {
      const found = findKey(lines, block, seg);
      if (found === null) return null;
      const { line, rest, valueAt } = found;
      if (last && wantKey) return span(line, block.indent, line, block.indent + seg.length);
      if (rest !== '') {
        if (!last) return null;
        return scalarSpan(lines, line, valueAt, rest, block.indent);
      }
      if (last) return null;
      const child = childBlock(lines, line, block.indent);
      if (child === null) return null;
      block = child;
    } else {
      if ((last && wantKey) || !/^(?:0|[1-9][0-9]*)$/.test(seg)) return null;
      const found = findItem(lines, block, Number(seg));
      if (found === null) return null;
      const { line, rest, contentAt } = found;
      if (rest === '') {
        if (last) return null;
        const child = childBlock(lines, line, block.indent);
        if (child === null || child.indent === block.indent) return null;
        block = child;
        continue;
      }
      const key = KEY_LINE.exec(rest);
      if (key !== null) {
        // `- key: value`: a mapping whose first entry is on the item's line.
        if (last) return null;
        block = { indent: contentAt, from: line, inline: true };
        continue;
      }
      if (!last) return null;
      return scalarSpan(lines, line, contentAt, rest, block.indent);
    }
  }
  return null;
}

function span(line: number, column: number, endLine: number, endColumn: number): QuickSpan {
  return { line: line + 1, column: column + 1, endLine: endLine + 1, endColumn: endColumn + 1 };
}

/**
 * The lines of the text, or null when anything in it makes reading by lines unsafe: a tab in an
 * indentation, a document marker or directive, or a line that opens a quoted scalar or a flow
 * collection it does not close (its next lines could look like keys).
 */
export function readLines(text: string): Lines | null {
  const out = text.split('\n');
  for (let i = 0; i < out.length; i++) {
    let line = out[i]!;
    if (line.endsWith('\r')) line = out[i] = line.slice(0, -1);
    if (line.startsWith('---') || line.startsWith('...') || line.startsWith('%')) return null;
    const indent = indentOf(line);
    if (line.charCodeAt(indent) === 9) return null;
    if (/[\t]/.test(line.slice(0, indent))) return null;
    if (!closesOnItsLine(line.slice(indent))) return null;
  }
  return { text: out };
}

/**
 * The last of `text`'s lines before line `before` (1-based) that opens a quoted scalar or a flow
 * collection it does not close (`routes: [` with no `]`): what a parser reports only where the
 * text ends, or where it stops making sense. 1-based line and column of the opening character,
 * and the character; null when no line does.
 */
export function unclosedOpening(text: string, before: number): { line: number; column: number; opens: string } | null {
  const lines = text.split('\n');
  let found: { line: number; column: number; opens: string } | null = null;
  for (let i = 0; i < Math.min(before - 1, lines.length); i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (skippable(line)) continue;
    const content = line.slice(indentOf(line));
    if (closesOnItsLine(content)) continue;
    const rest = valueOf(content);
    found = { line: i + 1, column: line.length - rest.length + 1, opens: rest[0]! };
  }
  return found;
}

/** What a line's content holds after its item markers (`- `) and its key (`key: `). */
function valueOf(content: string): string {
  let rest = content;
  while (startsItem(rest)) rest = rest.slice(1).trimStart();
  // `{ a: 1` is a flow map, not a key `{ a`.
  if (/^[[{]/.test(rest)) return rest;
  const key = KEY_LINE.exec(rest);
  if (key !== null) rest = rest.slice(key[0].length).trimStart();
  return rest;
}

/**
 * Whether a quoted scalar or flow collection that a line starts (after `- ` or `key: `) ends on
 * it, with nothing but a comment after it.
 */
function closesOnItsLine(content: string): boolean {
  const rest = valueOf(content);
  const c = rest[0];
  if (c !== '"' && c !== "'" && c !== '[' && c !== '{') return true;
  const end = closingAt(rest);
  return end !== -1 && /^[ \t]*(?:#.*)?$/.test(rest.slice(end));
}

/** The offset just after the quoted scalar or flow collection `text` starts with; -1 when it does not end in `text`. */
function closingAt(text: string): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = null;
    } else if (quote === "'") {
      if (c === "'" && text[i + 1] === "'") i++;
      else if (c === "'") quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    if (quote === null && depth <= 0) return i + 1;
  }
  return -1;
}

function indentOf(line: string): number {
  let n = 0;
  while (line.charCodeAt(n) === 32) n++;
  return n;
}

function skippable(line: string): boolean {
  const t = line.trimStart();
  return t === '' || t.startsWith('#');
}

/** The first line at or after `from` that is neither blank nor a comment; -1 when none. */
function nextContent(lines: Lines, from: number): number {
  for (let i = from; i < lines.text.length; i++) if (!skippable(lines.text[i]!)) return i;
  return -1;
}

function startsItem(content: string): boolean {
  return content.startsWith('-') && (content.length === 1 || content[1] === ' ');
}

/** A block mapping's entry: its line, and what follows its `:` (without a comment). */
interface KeyEntry {
  readonly line: number;
  readonly rest: string;
  readonly valueAt: number;
}

/** The entry `key` of a block mapping, or null. */
function findKey(lines: Lines, block: Block, key: string): KeyEntry | null {
  if (!PLAIN_KEY.test(key) || NOT_A_STRING.test(key)) return null;
  return entriesOf(lines, block).get(key) ?? null;
}

/** Each text's block mappings read so far, by where the block starts (`entriesOf`). */
const blockEntries = new WeakMap<Lines, Map<string, ReadonlyMap<string, KeyEntry>>>();

/**
 * The entries of a block mapping, each key at its first line, read in one pass that ends where the
 * block ends or at the first line that leaves doubt (a key beyond it is not found). Kept per text
 * and block: a file with a finding on each of its thousands of entries (a pin per service in a
 * group.yaml) is read once, not once per finding.
 */
function entriesOf(lines: Lines, block: Block): ReadonlyMap<string, KeyEntry> {
  let blocks = blockEntries.get(lines);
  if (blocks === undefined) blockEntries.set(lines, (blocks = new Map()));
  const where = `${block.indent} ${block.from} ${block.inline}`;
  const known = blocks.get(where);
  if (known !== undefined) return known;
  const entries = new Map<string, KeyEntry>();
  blocks.set(where, entries);
  for (let i = block.from; i < lines.text.length; i++) {
    const line = lines.text[i]!;
    const inline = block.inline && i === block.from;
    if (!inline && skippable(line)) continue;
    const indent = inline ? block.indent : indentOf(line);
    if (indent < block.indent) break;
    if (indent > block.indent) continue;
    const content = line.slice(indent);
    // A compact sequence, the value of the entry above.
    if (!inline && startsItem(content)) continue;
    const m = KEY_LINE.exec(content);
    if (m === null) break;
    const name = m[1]!;
    if (!PLAIN_KEY.test(name) || NOT_A_STRING.test(name)) break;
    if (entries.has(name)) continue;
    const after = indent + m[0].length;
    const rest = withoutComment(line.slice(after));
    const valueAt = after + (rest.length - rest.trimStart().length);
    entries.set(name, { line: i, rest: rest.trim(), valueAt });
  }
  return entries;
}

/** Item `index` of a block sequence: its line, the column its content starts at, and that content. */
function findItem(lines: Lines, block: Block, index: number): { line: number; rest: string; contentAt: number } | null {
  let seen = 0;
  for (let i = block.from; i < lines.text.length; i++) {
    const line = lines.text[i]!;
    if (skippable(line)) continue;
    const indent = indentOf(line);
    if (indent < block.indent) return null;
    if (indent > block.indent) continue;
    const content = line.slice(indent);
    if (!startsItem(content)) return null;
    if (seen++ < index) continue;
    const after = withoutComment(content.slice(1));
    const contentAt = indent + 1 + (after.length - after.trimStart().length);
    const rest = after.trim();
    if (rest.startsWith('-') || NOT_PLAIN_START.test(rest)) return null;
    return { line: i, rest, contentAt };
  }
  return null;
}

/** The block a `key:` (or `-`) with nothing after it on line `line` holds: deeper lines, or a compact sequence. */
function childBlock(lines: Lines, line: number, parentIndent: number): Block | null {
  const next = nextContent(lines, line + 1);
  if (next === -1) return null;
  const indent = indentOf(lines.text[next]!);
  const content = lines.text[next]!.slice(indent);
  if (indent > parentIndent || (indent === parentIndent && startsItem(content))) {
    if (NOT_PLAIN_START.test(content)) return null;
    return { indent, from: next, inline: false };
  }
  return null;
}

/** A plain scalar that starts at `at` on `line` and ends on it (a next line deeper than `parentIndent` would continue it). */
function scalarSpan(lines: Lines, line: number, at: number, rest: string, parentIndent: number): QuickSpan | null {
  if (NOT_PLAIN_START.test(rest) || rest.startsWith('- ') || rest === '-' || KEY_LINE.test(rest) || /:[ \t]/.test(rest)) return null;
  const next = nextContent(lines, line + 1);
  if (next !== -1 && indentOf(lines.text[next]!) > parentIndent) return null;
  // A comment line deeper than the scalar could also be a continuation: be sure.
  for (let i = line + 1; i < (next === -1 ? lines.text.length : next); i++) {
    const l = lines.text[i]!;
    if (l.trim() !== '' && indentOf(l) > parentIndent) return null;
  }
  return span(line, at, line, at + rest.length);
}

/** The text before a comment (` #`); a `#` not after whitespace is part of a plain scalar. */
function withoutComment(text: string): string {
  const m = /(^|[ \t])#/.exec(text);
  return m === null ? text : text.slice(0, m.index);
}
