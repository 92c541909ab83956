/**
 * Edits of a group's pointer (`published.<service>` and its `locks.<service>` record) in the text
 * of group.yaml. Pure.
 *
 * The edit keeps the user's file: only the pin's value and the lock's line change (or a line is
 * inserted), so comments, blank lines, key order, quoting and alignment elsewhere stay byte for
 * byte and the commit's diff shows exactly the pointer move. Layouts the splice does not handle
 * (a flow-style `published: {…}`, an empty map) fall back to editing the parsed YAML document,
 * which keeps comments but may re-space them. Either way the result is parsed again and checked
 * to hold exactly the intended data.
 *
 * One comment goes: when the pin changes from a range to an exact version or back, the comment at
 * the end of the pin's line described the old kind of pin (`^1.0  # tracks the newest 1.x tag`
 * would be false beside `1.2.0`), so it is dropped. Comments above the line stay.
 */
import { YAMLParseError, isMap, isNode, isPair, isScalar, isSeq, parseDocument, stringify } from 'yaml';
import type { Document, Pair, Scalar, YAMLMap } from 'yaml';
import { canonicalJson } from '../core/canonical.js';
import { isExactVersion, resolvePin } from '../core/pins.js';
import type { PinLock } from '../core/pin-locks.js';
import type { VersionTag } from '../model/version.js';

export interface PointerEdit {
  readonly service: string;
  readonly pin: string;
  readonly lock: PinLock;
}

/** Comment written above a `locks:` map that tagway creates. */
export const LOCKS_COMMENT = '# Written by tagway: the tag each pin resolved to. validate reports a tag moved since (TW3016).';

/**
 * The pin to write when pointing a group at `tag`: its current pin when that is a range which
 * selects exactly this tag (so the group keeps tracking new versions), else the exact version.
 */
export function pinFor(current: string | undefined, tag: VersionTag, tags: readonly VersionTag[]): string {
  if (current !== undefined && current !== tag.version && resolvePin(tags, tag.service, current)?.tag === tag.tag) return current;
  return tag.version;
}

/**
 * The document of a group.yaml text, a key written twice in one map being an error as yaml's
 * `uniqueKeys` makes it. That check compares each key with every key before it: for a group of
 * 10,000 pins, seconds in each of the parses an edit makes. This one remembers the keys it met.
 */
export function parseGroupFile(text: string): Document {
  const doc = parseDocument(text, { uniqueKeys: false, logLevel: 'error' });
  const repeated = doc.errors.length === 0 ? repeatedKey(doc.contents) : null;
  if (repeated !== null) doc.errors.push(new YAMLParseError([repeated.range?.[0] ?? 0, repeated.range?.[1] ?? 0], 'DUPLICATE_KEY', 'Map keys must be unique'));
  return doc;
}

/** The first key of a map under `node` that its map holds already; null when there is none. */
function repeatedKey(node: unknown): Scalar | null {
  if (isMap(node)) {
    const seen = new Set<unknown>();
    for (const item of node.items) {
      // Scalar keys are one key when their values are (`a` and "a"), as yaml compares them.
      if (isScalar(item.key)) {
        if (seen.has(item.key.value)) return item.key;
        seen.add(item.key.value);
      }
      const inner = repeatedKey(item.value);
      if (inner !== null) return inner;
    }
    return null;
  }
  if (isSeq(node)) {
    for (const item of node.items) {
      const inner = repeatedKey(item);
      if (inner !== null) return inner;
    }
  }
  return null;
}

/**
 * Why `editGroupPointer` cannot edit `text` (not one YAML map without errors, or `published` /
 * `locks` that are not maps); null when it can.
 */
export function uneditablePointer(text: string): string | null {
  const doc = parseGroupFile(text);
  if (doc.errors.length > 0) return 'is not valid YAML';
  if (!isMap(doc.contents)) return 'is not a YAML map';
  for (const key of ['published', 'locks']) {
    const value = doc.contents.get(key, true);
    if (value !== undefined && value !== null && !isMap(value) && !(isScalar(value) && value.value === null)) return `has a \`${key}\` that is not a map`;
  }
  return null;
}

/** `text` with the pointer of `edit.service` set (see the module comment); `text` must pass `uneditablePointer`. */
export function editGroupPointer(text: string, edit: PointerEdit): string {
  const expected = editDocument(text, edit);
  const wanted = canonicalJson(expected.toJS());
  const spliced = spliceLines(text, edit);
  if (spliced !== null && holds(spliced, wanted)) return spliced;
  const rendered = expected.toString();
  if (!holds(rendered, wanted)) throw new Error(`editing the pointer of ${edit.service} does not give the intended YAML`);
  return rendered;
}

function holds(text: string, wanted: string): boolean {
  const doc = parseGroupFile(text);
  return doc.errors.length === 0 && canonicalJson(doc.toJS()) === wanted;
}

/** The edit made on the parsed document: the reference result, and the fallback text. */
function editDocument(text: string, edit: PointerEdit): Document {
  const doc = parseGroupFile(text);
  if (doc.errors.length > 0) throw new Error(`group.yaml is not valid YAML: ${doc.errors[0]!.message}`);
  if (!isMap(doc.contents)) throw new Error('group.yaml is not a map');
  const root = doc.contents;
  // `published:` with no value is an empty map to the schema.
  if (root.has('published') && !isMap(root.get('published', true))) doc.set('published', doc.createNode({}));
  const published = doc.get('published', true);
  const node = isMap(published) ? published.get(edit.service, true) : undefined;
  const before = isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
  doc.setIn(['published', edit.service], edit.pin);
  if (before !== undefined && kindChanges(before, edit.pin)) {
    const after = (doc.get('published', true) as YAMLMap).get(edit.service, true);
    if (isScalar(after)) delete after.comment;
  }
  const lockNode = doc.createNode({ version: edit.lock.version, object: edit.lock.object }, { flow: true });
  const locks = root.get('locks', true);
  if (isMap(locks)) {
    locks.set(edit.service, lockNode);
  } else if (root.has('locks')) {
    doc.set('locks', doc.createNode({ [edit.service]: lockNode }));
  } else {
    const map = doc.createNode({}) as YAMLMap;
    map.set(edit.service, lockNode);
    const pair = doc.createPair('locks', map) as Pair<Scalar, YAMLMap>;
    (pair.key as Scalar).commentBefore = ` ${LOCKS_COMMENT.slice(2)}`;
    const at = root.items.findIndex((item) => isPair(item) && isScalar(item.key) && item.key.value === 'published');
    root.items.splice(at < 0 ? root.items.length : at + 1, 0, pair as never);
  }
  return doc;
}

/** True when one of the pins is a range and the other an exact version (see the module comment). */
function kindChanges(before: string, after: string): boolean {
  return isExactVersion(before) !== isExactVersion(after);
}

/** A scalar as YAML source: in the original quoting style when there was one, plain when it may be. */
function renderScalar(value: string, style?: Scalar['type']): string {
  if (style === 'QUOTE_DOUBLE') return JSON.stringify(value);
  if (style === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  return stringify(value).trimEnd();
}

function renderLock(lock: PinLock): string {
  return `{ version: ${renderScalar(lock.version)}, object: ${renderScalar(lock.object)} }`;
}

/** Start of the line holding `offset`, and that line's indentation. */
function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset just after the line break ending the line that holds `offset` (text end if none). */
function afterLine(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
}

type Splice = { readonly at: number; readonly end: number; readonly insert: string };

function apply(text: string, splice: Splice): string {
  let insert = splice.insert;
  // Inserting whole lines at the end of a file without a final newline.
  if (splice.at === text.length && text.length > 0 && !text.endsWith('\n') && insert.endsWith('\n') && splice.at === splice.end) {
    insert = `\n${insert.slice(0, -1)}`;
  }
  return text.slice(0, splice.at) + insert + text.slice(splice.end);
}

/** The key/value line edits of a block map: replace a scalar value, or add a `key: value` line after the last entry. */
function setInBlockMap(text: string, map: YAMLMap, key: string, valueSource: string, replaceAny: boolean): Splice | null {
  if (map.flow === true || map.items.length === 0) return null;
  const pair = map.items.find((item) => isScalar(item.key) && item.key.value === key);
  if (pair !== undefined) {
    const value = pair.value;
    if (!isNode(value) || value.range == null) return null;
    if (!isScalar(value) && !replaceAny) return null;
    return { at: value.range[0], end: value.range[1], insert: valueSource };
  }
  const first = map.items[0]!;
  const last = map.items[map.items.length - 1]!;
  if (!isScalar(first.key) || first.key.range == null) return null;
  const indent = first.key.range[0] - lineStart(text, first.key.range[0]);
  const lastValue = last.value as { range?: [number, number, number] | null } | null;
  const end = lastValue?.range?.[1] ?? (isScalar(last.key) ? last.key.range?.[1] : undefined);
  if (end === undefined) return null;
  const at = afterLine(text, Math.max(end - 1, 0));
  return { at, end: at, insert: `${' '.repeat(indent)}${renderKey(key)}: ${valueSource}\n` };
}

function renderKey(key: string): string {
  return renderScalar(key);
}

/** The minimal text edit, or null when the layout is not one it handles. */
function spliceLines(text: string, edit: PointerEdit): string | null {
  let current = text;
  const parse = () => parseGroupFile(current);

  let doc = parse();
  if (doc.errors.length > 0 || !isMap(doc.contents)) return null;
  const published = doc.contents.get('published', true);
  if (!isMap(published)) return null;
  const existingPin = published.items.find((item) => isScalar(item.key) && item.key.value === edit.service)?.value;
  const pinSource = isScalar(existingPin) ? renderScalar(edit.pin, existingPin.type) : renderScalar(edit.pin);
  let pinSplice = setInBlockMap(current, published, edit.service, pinSource, false);
  if (pinSplice === null) return null;
  if (isScalar(existingPin) && typeof existingPin.value === 'string' && kindChanges(existingPin.value, edit.pin)) {
    // The rest of the pin's line, when it is only a comment, goes with the old pin.
    const lineEnd = current.indexOf('\n', pinSplice.end);
    const rest = current.slice(pinSplice.end, lineEnd < 0 ? current.length : lineEnd);
    const comment = /^[ \t]+#.*?(\r?)$/.exec(rest);
    if (comment !== null) pinSplice = { ...pinSplice, end: pinSplice.end + rest.length - comment[1]!.length };
  }
  current = apply(current, pinSplice);

  doc = parse();
  if (doc.errors.length > 0 || !isMap(doc.contents)) return null;
  const locks = doc.contents.get('locks', true);
  if (locks === undefined) {
    const pub = doc.contents.get('published', true);
    if (!isMap(pub) || pub.flow === true || pub.items.length === 0) return null;
    const first = pub.items[0]!;
    if (!isScalar(first.key) || first.key.range == null) return null;
    const indent = first.key.range[0] - lineStart(current, first.key.range[0]);
    const last = pub.items[pub.items.length - 1]!;
    const end = (last.value as { range?: [number, number, number] | null } | null)?.range?.[1];
    if (end === undefined) return null;
    const pubPair = doc.contents.items.find((item) => isScalar(item.key) && item.key.value === 'published');
    const keyStart = pubPair !== undefined && isScalar(pubPair.key) ? pubPair.key.range?.[0] : undefined;
    if (keyStart === undefined) return null;
    const topIndent = ' '.repeat(keyStart - lineStart(current, keyStart));
    const at = afterLine(current, Math.max(end - 1, 0));
    current = apply(current, {
      at,
      end: at,
      insert: `${topIndent}${LOCKS_COMMENT}\n${topIndent}locks:\n${topIndent}${' '.repeat(indent - topIndent.length)}${renderKey(edit.service)}: ${renderLock(edit.lock)}\n`,
    });
  } else {
    if (!isMap(locks)) return null;
    const lockSplice = setInBlockMap(current, locks, edit.service, renderLock(edit.lock), true);
    if (lockSplice === null) return null;
    current = apply(current, lockSplice);
  }
  return current;
}
