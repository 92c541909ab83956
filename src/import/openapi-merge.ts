/**
 * Re-importing an OpenAPI document into a service that exists: the template made from the
 * document (`next`) is written into the template's text: the `yaml` Document API finds where each
 * field is, and only the text of what changes is replaced, so comments and the formatting of the
 * rest stay byte for byte. Routes are matched by name. What the document
 * owns is set; everything else (a plugin added by hand, labels, an upstream setting the document
 * does not give) is kept. docs/import.md, "Re-importing".
 */
import { Document, isMap, isScalar, isSeq, parseDocument, type Node as YamlNode, type YAMLMap, type YAMLSeq } from 'yaml';
import { canonicalJson } from '../core/canonical.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { RuntimeOverlay, ServiceTemplate } from '../model/config.js';

/** One thing a re-import changed: a route added, removed or changed (`field` says which), or a service field. */
export interface TemplateChange {
  readonly kind: 'added' | 'removed' | 'changed';
  readonly route?: string;
  /** Dotted below the route (or the service): `uris`, `plugins.limit-count`, `upstream.scheme`. */
  readonly field?: string;
}

export type MergeResult =
  | { readonly ok: true; readonly text: string; readonly changes: readonly TemplateChange[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** A route's fields the document owns, set from it; a plugin is owned per name (below). */
const ROUTE_FIELDS = ['description', 'uris', 'methods', 'hosts'] as const;
/** The service's fields the document owns (`name` is the folder's, never changed). */
const SERVICE_FIELDS = ['description', 'hosts'] as const;

/**
 * A template's text as an import first writes it: the schema line editors read, then the template
 * with each route's `uris`, `methods` and `hosts` inline, as re-imports write new routes.
 */
export function templateText(template: ServiceTemplate): string {
  const { routes, ...service } = template;
  return `# yaml-language-server: $schema=../../schemas/service.schema.json\n${block(service, 0)}routes:\n${block(routes, 2, true)}`;
}

/** An overlay's text as an import writes it: the schema line, then the overlay. */
export function overlayText(overlay: RuntimeOverlay): string {
  return `# yaml-language-server: $schema=../../../schemas/overlay.schema.json\n${block(overlay, 0)}`;
}

/** `next` written into `existingText` (the template at `path`); never throws. */
export function mergeTemplate(existingText: string, next: ServiceTemplate, path = 'service.yaml'): MergeResult {
  const doc = parseDocument(existingText, { prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  const root = doc.contents;
  if (doc.errors.length > 0 || !isMap(root)) {
    const offset = doc.errors[0]?.pos[0] ?? 0;
    const [line, column] = lineAndColumn(existingText, offset);
    return {
      ok: false,
      diagnostics: [
        {
          code: doc.errors.length > 0 ? 'TW1005' : 'TW1009',
          severity: 'error',
          message: doc.errors.length > 0 ? `the template cannot be re-imported into: ${doc.errors[0]!.message.split('\n')[0]!}` : 'the template does not hold a mapping',
          file: path,
          line,
          column,
          hint: 'Fix the template first (tagway validate shows what is wrong), then import again.',
          related: [],
        },
      ],
    };
  }
  const editor = new TextEditor(existingText);
  const changes: TemplateChange[] = [];
  for (const field of SERVICE_FIELDS) {
    if (next[field] !== undefined && editor.set(root, field, next[field])) changes.push({ kind: 'changed', field });
  }
  mergeNamed(editor, root, 'plugins', next.plugins, changes, undefined);
  mergeNamed(editor, root, 'upstream', next.upstream as Readonly<Record<string, unknown>> | undefined, changes, undefined);
  mergeRoutes(editor, root, next.routes, changes);
  return { ok: true, text: editor.apply(), changes };
}

function mergeRoutes(editor: TextEditor, root: YAMLMap, routes: ServiceTemplate['routes'], changes: TemplateChange[]): void {
  const seq = root.get('routes', true);
  if (!isSeq(seq) || seq.flow === true || seq.items.length === 0) {
    editor.set(root, 'routes', routes);
    for (const r of routes) changes.push({ kind: 'added', route: r.name });
    return;
  }
  const byName = new Map<string, YAMLMap>();
  for (const item of seq.items) {
    if (isMap(item) && typeof item.get('name') === 'string') byName.set(item.get('name') as string, item);
  }
  const wanted = new Set(routes.map((r) => r.name));
  for (const route of routes) {
    const existing = byName.get(route.name);
    if (!existing) {
      editor.append(seq, route);
      changes.push({ kind: 'added', route: route.name });
      continue;
    }
    for (const field of ROUTE_FIELDS) {
      if (route[field] !== undefined && editor.set(existing, field, route[field])) changes.push({ kind: 'changed', route: route.name, field });
    }
    mergeNamed(editor, existing, 'plugins', route.plugins, changes, route.name);
  }
  for (const [name, item] of byName) {
    if (wanted.has(name)) continue;
    editor.remove(item);
    changes.push({ kind: 'removed', route: name });
  }
}

/**
 * The entries of `value` (a plugin by name, an upstream setting by key) set into the mapping at
 * `key`; entries the mapping has and `value` does not are kept.
 */
function mergeNamed(
  editor: TextEditor,
  owner: YAMLMap,
  key: 'plugins' | 'upstream',
  value: Readonly<Record<string, unknown>> | undefined,
  changes: TemplateChange[],
  route: string | undefined,
): void {
  if (value === undefined || Object.keys(value).length === 0) return;
  const where = route === undefined ? {} : { route };
  const map = owner.get(key, true);
  if (!isMap(map) || map.flow === true || map.items.length === 0) {
    const old = isMap(map) ? (map.toJSON() as Record<string, unknown>) : {};
    const merged = { ...old };
    for (const [name, v] of Object.entries(value)) {
      if (canonicalJson(old[name]) === canonicalJson(v)) continue;
      changes.push({ kind: name in old ? 'changed' : 'added', ...where, field: `${key}.${name}` });
      merged[name] = v;
    }
    editor.set(owner, key, merged);
    return;
  }
  for (const [name, v] of Object.entries(value)) {
    const had = map.has(name);
    if (editor.set(map, name, v)) changes.push({ kind: had ? 'changed' : 'added', ...where, field: `${key}.${name}` });
  }
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * Edits of the template's text at the ranges of its nodes: what is not edited stays byte for
 * byte (comments, quotes, blank lines, the width of the indentation). A new value is written as
 * the yaml library writes it, indented where it goes; lists inside a new route inline.
 */
class TextEditor {
  private readonly edits: Edit[] = [];
  /** The text edited: the template's, ending with a newline so that a line can follow its last. */
  private readonly text: string;

  constructor(private readonly original: string) {
    this.text = original === '' || original.endsWith('\n') ? original : `${original}\n`;
  }

  /** Sets `map[key]` (adding the key at the end of a block mapping) unless it holds `value` already. */
  set(map: YAMLMap, key: string, value: unknown): boolean {
    const pair = map.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    if (!pair) {
      if (map.flow === true) return this.replaceWhole(map, { ...(map.toJSON() as Record<string, unknown>), [key]: value });
      const at = this.lineAfter(contentEnd(this.text, map));
      this.edits.push({ start: at, end: at, text: block({ [key]: value }, this.column(map.range![0])) });
      return true;
    }
    const old = pair.value as YamlNode | null;
    const oldValue = old === null ? null : (old.toJSON() as unknown);
    if (old !== null && canonicalJson(oldValue) === canonicalJson(value)) return false;
    const isBlock = old !== null && (isMap(old) || isSeq(old)) && old.flow !== true;
    if (old !== null && !isBlock) return this.replaceWhole(old, value);
    const colon = this.text.indexOf(':', (pair.key as YamlNode).range![1]);
    const end = old === null ? colon + 1 : contentEnd(this.text, old);
    const indent = old === null ? this.column((pair.key as YamlNode).range![0]) + 2 : this.column(old.range![0]);
    const oneLine = inline(value);
    this.edits.push({ start: colon + 1, end, text: oneLine.includes('\n') || isCollection(value) ? `\n${block(value, indent).replace(/\n$/, '')}` : ` ${oneLine}` });
    return true;
  }

  /** Appends `route` to a block sequence. */
  append(seq: YAMLSeq, route: unknown): void {
    const at = this.lineAfter(contentEnd(this.text, seq));
    this.edits.push({ start: at, end: at, text: block([route], this.column(seq.range![0]), true) });
  }

  /** Removes an item of a block sequence, with the comment lines right above it. */
  remove(item: YAMLMap): void {
    let start = this.lineStart(item.range![0]);
    const indent = this.text.slice(start).match(/^ */)![0];
    for (;;) {
      if (start === 0) break;
      const previous = this.lineStart(start - 1);
      if (!this.text.slice(previous, start).startsWith(`${indent}#`)) break;
      start = previous;
    }
    this.edits.push({ start, end: this.lineAfter(contentEnd(this.text, item)), text: '' });
  }

  apply(): string {
    if (this.edits.length === 0) return this.original;
    let out = this.text;
    for (const e of [...this.edits].sort((a, b) => b.start - a.start)) out = `${out.slice(0, e.start)}${e.text}${out.slice(e.end)}`;
    return out;
  }

  private replaceWhole(node: YamlNode, value: unknown): boolean {
    // `key:` with nothing after it holds an empty scalar right after the colon.
    const space = this.text[node.range![0] - 1] === ':' ? ' ' : '';
    this.edits.push({ start: node.range![0], end: node.range![1], text: `${space}${inline(value)}` });
    return true;
  }

  private lineStart(offset: number): number {
    return this.text.lastIndexOf('\n', offset - 1) + 1;
  }

  private column(offset: number): number {
    return offset - this.lineStart(offset);
  }

  /** The start of the line after the one `offset` is on. */
  private lineAfter(offset: number): number {
    if (offset > 0 && this.text[offset - 1] === '\n') return offset;
    const newline = this.text.indexOf('\n', offset);
    return newline === -1 ? this.text.length : newline + 1;
  }
}

/** Where a node's own text ends: block collections' ranges take in their last newline. */
function contentEnd(text: string, node: YamlNode): number {
  let end = node.range![1];
  while (end > node.range![0] && text[end - 1] === '\n') end--;
  return end;
}

const RENDER = { lineWidth: 0, flowCollectionPadding: false } as const;

/** `value` on one line: a scalar, or a collection in flow style. */
function inline(value: unknown): string {
  const doc = new Document(value);
  if (isMap(doc.contents) || isSeq(doc.contents)) doc.contents.flow = true;
  return doc.toString(RENDER).trimEnd();
}

/** `value` as block YAML, every line indented by `indent` spaces; a route's lists inline. */
function block(value: unknown, indent: number, routes = false): string {
  const doc = new Document(value);
  if (routes && isSeq(doc.contents)) {
    for (const item of doc.contents.items) {
      if (!isMap(item)) continue;
      for (const field of ['uris', 'methods', 'hosts']) {
        const list = item.get(field, true);
        if (isSeq(list)) list.flow = true;
      }
    }
  }
  const pad = ' '.repeat(indent);
  return doc
    .toString(RENDER)
    .split('\n')
    .map((line) => (line === '' ? line : `${pad}${line}`))
    .join('\n');
}

function isCollection(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length > 0;
}

function lineAndColumn(text: string, offset: number): [number, number] {
  const before = text.slice(0, offset).split('\n');
  return [before.length, before[before.length - 1]!.length + 1];
}
