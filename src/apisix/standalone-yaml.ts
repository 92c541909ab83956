import { dump } from 'js-yaml';
import type { ApisixConfig, ApisixKind } from '../model/apisix.js';
import { STANDALONE_LISTS, bodyOf, perKind } from './kinds/index.js';

/**
 * Renders a gateway configuration as an APISIX standalone file (`conf/apisix.yaml`): one list per
 * standalone key of the kinds (`routes`, `services`, `upstreams`; see `STANDALONE_LISTS`), each
 * object as APISIX takes it (`bodyOf`), ending with the `#END` line APISIX waits for before it
 * loads the file. Pure and deterministic: objects keep the (id-sorted) order they have.
 *
 * The text is exactly what js-yaml's `dump(doc, DUMP_OPTIONS)` writes. It is put together from one
 * item per object (`renderStandaloneItem`), so that items can be rendered in parallel and cached
 * per object, and the items are written by a small emitter that mirrors js-yaml's block layout;
 * js-yaml itself still decides how each scalar is written, so quoting rules are js-yaml's.
 */
export function renderStandaloneYaml(config: ApisixConfig): string {
  const items = perKind((kind) => config[kind.name].map((obj) => renderStandaloneItem(bodyOf(kind, obj))));
  return standaloneParts(items).join('');
}

/** js-yaml's options for the standalone file: no references, no line folding, keys as given. */
export const DUMP_OPTIONS = { lineWidth: -1, noRefs: true, sortKeys: false } as const;

/**
 * One object as an item of its kind's list in the standalone file: `\n  - key: value…`.
 * `openEnded` is js-yaml's "the last scalar was a block scalar keeping its final newlines", after
 * which a document written last needs a `...` end marker.
 */
export interface StandaloneItem {
  readonly text: string;
  readonly openEnded: boolean;
}

/** Each kind's items (or pieces of items), in id order. */
export type StandaloneItems<T> = { readonly [K in ApisixKind]: readonly { readonly text: T; readonly openEnded: boolean }[] };

/**
 * The pieces of the standalone file, in order, from its items: the lists of `STANDALONE_LISTS`,
 * each with the items of its kinds one kind after the other.
 */
export function standaloneParts<T>(items: StandaloneItems<T>): (T | string)[] {
  const out: (T | string)[] = [];
  let last: { readonly openEnded: boolean } | undefined;
  for (const { key, kinds } of STANDALONE_LISTS) {
    last = undefined;
    for (const kind of kinds) {
      for (const item of items[kind.name]) {
        if (last === undefined) out.push(`${key}:`);
        out.push(item.text);
        last = item;
      }
    }
    out.push(last === undefined ? `${key}: []\n` : '\n');
  }
  // As js-yaml: the document ends with `...` when its last scalar left it open-ended.
  if (last?.openEnded === true) out.push('...\n');
  out.push('#END\n');
  return out;
}

/** Objects sit at level 2 of the document: root mapping (0) → kind's sequence (1) → item (2). */
const ITEM_LEVEL = 2;

export function renderStandaloneItem(object: unknown): StandaloneItem {
  const writer = new ItemWriter('\n  - ');
  // An item's first line is never empty: a compact node starts on the line of its dash.
  if (writer.node(object, ITEM_LEVEL, true)) return { text: writer.text, openEnded: false };
  return fallbackItem(object);
}

/**
 * A YAML document of a mapping, exactly as js-yaml's `dump(value, DUMP_OPTIONS)` writes it: by
 * the standalone items' writer (the mapping at level 0, its values from level 1 on) where that
 * covers the value, else by js-yaml itself. For writers of many small documents (an import's
 * files), which would otherwise pay js-yaml's setup once per document.
 */
export function renderYamlDocument(value: Readonly<Record<string, unknown>>): string {
  const writer = new ItemWriter('');
  if (writer.node(value, 0, true)) return `${writer.text}\n`;
  return dump(value, DUMP_OPTIONS);
}

/**
 * js-yaml renders the object as the only item of a sequence at level 0 (`- …`, items at level 1);
 * at level 2 every line but the first is indented two more spaces, except empty lines (js-yaml's
 * `indentString` leaves those empty). Scalar styles do not depend on the level from 1 on.
 */
function fallbackItem(object: unknown): StandaloneItem {
  let text = dump([object], DUMP_OPTIONS);
  const openEnded = text.endsWith('\n...\n');
  text = text.slice(0, openEnded ? -'...\n'.length : undefined);
  if (!text.endsWith('\n')) throw new Error('unexpected js-yaml output');
  const lines = text.slice(0, -1).split('\n');
  const shifted = lines.map((line, i) => (i === 0 || line === '' ? line : `  ${line}`)).join('\n');
  return { text: `\n  ${shifted}`, openEnded };
}

/**
 * Strings js-yaml surely writes plain: words of letters, digits and `_./-` separated by single
 * spaces, starting with a letter, `_` or `/` (so no YAML indicator, comment or `: `, and never a
 * number or timestamp), longer than any YAML 1.1 boolean or null word (`false`, `NULL`, …); a
 * `*` may follow the first character of a word (wildcard uris: `/pets/*`), where it is no alias.
 * Everything else is asked of js-yaml once and remembered.
 */
const SURELY_PLAIN = /^[A-Za-z_/][A-Za-z0-9_./*-]*(?: [A-Za-z0-9_./-][A-Za-z0-9_./*-]*)*$/;

/**
 * Writes one item (or one document): the block layout of js-yaml's presenter (`writeNode`, `writeBlockMapping`,
 * `writeBlockSequence`) for plain objects, arrays and scalars. Each item has a writer of its own,
 * so rendering holds no state between items (what js-yaml answered about scalars and keys is
 * remembered below: answers of a pure function, the same for every caller).
 */
class ItemWriter {
  /**
   * What has been written so far. Appended to, never read back while an item is written: a
   * node's text is not inspected (which would make a flat copy of each level of it), the caller
   * knows from the value how it starts (`opensLine`). It starts with what comes before the
   * value: an item's `- ` on its line, nothing for a document.
   */
  constructor(public text: string) {}

  /**
   * Appends `value` at `level`. False for what it does not cover (what was written is then of no
   * use): multi-line strings, keys that need an explicit `? ` pair, and anything that is not plain
   * JSON-like data.
   */
  node(value: unknown, level: number, compact: boolean): boolean {
    if (Array.isArray(value)) {
      if (value.length === 0) {
        this.text += '[]';
        return true;
      }
      let first = true;
      for (const item of value) {
        if (!compact || !first) this.text += newline(level);
        // An item in a sequence is compact: it starts on the line of its dash.
        this.text += '- ';
        if (!this.node(item === undefined ? null : item, level + 1, true)) return false;
        first = false;
      }
      return true;
    }
    if (value !== null && typeof value === 'object') {
      if (!isPlain(value)) return false;
      let first = true;
      for (const key of Object.keys(value)) {
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined) continue;
        const keyText = renderKey(key);
        if (keyText === null) return false;
        if (!compact || !first) this.text += newline(level);
        this.text += keyText;
        this.text += opensLine(v) ? ':' : ': ';
        if (!this.node(v, level + 1, false)) return false;
        first = false;
      }
      if (first) this.text += '{}';
      return true;
    }
    const text = renderScalar(value);
    if (text === null) return false;
    this.text += text;
    return true;
  }
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Whether a mapping's value is written from the next line on (a collection written in block
 * layout: a sequence with items, a mapping with a member), so that its key takes `:` alone.
 */
function opensLine(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value === null || typeof value !== 'object' || !isPlain(value)) return false;
  for (const key in value) if (Object.prototype.hasOwnProperty.call(value, key) && (value as Record<string, unknown>)[key] !== undefined) return true;
  return false;
}

const newlines: string[] = [];
function newline(level: number): string {
  return (newlines[level] ??= `\n${' '.repeat(2 * level)}`);
}

/** What js-yaml writes for a scalar, by its type and value (`s…`, `n…`, `true`, `false`, `null`). */
const scalars = new Map<string, string>();

/** A scalar as js-yaml writes it at level 1 or deeper (where its style no longer depends on the level). */
function renderScalar(value: unknown): string | null {
  let memoKey: string;
  switch (typeof value) {
    case 'string': {
      if (value.length > 5 && SURELY_PLAIN.test(value)) return value;
      const known = strings.get(value);
      if (known !== undefined) return known;
      if (value.includes('\n')) return null;
      memoKey = `s${value}`;
      break;
    }
    case 'number':
      // js-yaml writes an integer in decimal, as String does below 2^53 (and -0 as `-0.0`).
      if (Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
      memoKey = `n${Object.is(value, -0) ? '-0' : String(value)}`;
      break;
    case 'boolean':
      memoKey = value ? 'true' : 'false';
      break;
    default:
      if (value !== null) return null;
      memoKey = 'null';
  }
  let text = scalars.get(memoKey);
  if (text === undefined) {
    const rendered = dump([value], DUMP_OPTIONS);
    if (!rendered.startsWith('- ') || !rendered.endsWith('\n') || rendered.indexOf('\n') !== rendered.length - 1) return null;
    text = rendered.slice(2, -1);
    if (scalars.size > 100_000) scalars.clear();
    scalars.set(memoKey, text);
  }
  if (typeof value === 'string') {
    if (strings.size > 100_000) strings.clear();
    strings.set(value, text);
  }
  return text;
}

/** Strings rendered before, by their value (the same as `scalars`, without building a key). */
const strings = new Map<string, string>();

/** What js-yaml writes for a mapping key, by the key. */
const keys = new Map<string, string>();

/** A mapping key as js-yaml writes it in a block mapping (an implicit key, `key: `). */
function renderKey(key: string): string | null {
  let text = keys.get(key);
  if (text === undefined) {
    const rendered = dump({ [key]: 0 }, DUMP_OPTIONS);
    if (!rendered.endsWith(': 0\n') || rendered.indexOf('\n') !== rendered.length - 1 || rendered.startsWith('?')) return null;
    text = rendered.slice(0, -': 0\n'.length);
    if (keys.size > 100_000) keys.clear();
    keys.set(key, text);
  }
  return text;
}
