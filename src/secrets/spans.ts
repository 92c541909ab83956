/**
 * Secret values in a file's text, as spans, and the one way a text is masked before it is shown
 * (code frames). The spans of a file are those its findings carry (`Diagnostic.secrets`) and
 * those `secretSpans` finds by the classifier of classify.ts, so a frame drawn for any finding
 * of a file masks every secret of the lines it shows.
 */
import { quickDocument, recoverDocument } from '../load/yaml-file.js';
import type { TextSpan } from '../model/diagnostic.js';
import { looksLikeSecret, MASKED, secretPaths } from './classify.js';

/**
 * The spans of the values of `text` that classify.ts calls secret (values under secret-named
 * keys, encrypted plugin fields, values that look like keys or tokens). A text that does not
 * parse cleanly is also searched line by line (`key: value` lines under a secret-named key, and
 * words that look like secrets), since the parser may have dropped the part that holds one.
 */
export function secretSpans(text: string): TextSpan[] {
  // Most files: read fast, every secret's span read off the lines; any doubt reads them in full.
  const quick = quickDocument(text);
  if (quick !== null) {
    const spans = secretPaths(quick.data).map((pointer) => quick.span(pointer));
    if (spans.every((s): s is TextSpan => s !== null)) return spans;
  }
  const doc = recoverDocument(text);
  const spans: TextSpan[] = [];
  if (doc !== null) for (const pointer of secretPaths(doc.data)) spans.push(doc.span(pointer));
  if (doc === null || !doc.clean) spans.push(...lineSpans(text));
  return spans;
}

/** `  admin_key: value`, `- token: value`, `"password": value`: the key and where the value starts. */
const KEY_LINE = /^(\s*(?:-\s+)*)(["']?)([^\s:#"'][^:#"']*?)\2\s*:[ \t]+(\S)/;

function lineSpans(text: string): TextSpan[] {
  const spans: TextSpan[] = [];
  text.split(/\r?\n/).forEach((content, i) => {
    const line = i + 1;
    const end = content.length + 1;
    const pair = KEY_LINE.exec(content);
    if (pair) {
      const column = pair[0].length;
      if (masksValue(pair[3]!, content.slice(column - 1).trim())) spans.push({ line, column, endLine: line, endColumn: end });
    }
    for (const word of content.matchAll(/[^\s"',[\]{}]+/g)) {
      if (looksLikeSecret(word[0])) spans.push({ line, column: word.index + 1, endLine: line, endColumn: word.index + 1 + word[0].length });
    }
  });
  return spans;
}

/** Whether the classifier masks `value` under `key` (a reference such as `env:NAME` stays visible). */
function masksValue(key: string, value: string): boolean {
  return secretPaths({ [key]: value }).length > 0;
}

/** A line of text with its secret spans replaced, and where its columns went. */
export interface MaskedLine {
  readonly text: string;
  /** The column in `text` of a column of the original line (a column inside a mask: the mask's start). */
  column(original: number): number;
  /** The same for an exclusive end column (an end inside a mask: the mask's end). */
  endColumn(original: number): number;
}

/**
 * Line `line` of a text (its content given, tabs already expanded or not) with the parts of it
 * that `spans` cover replaced by `<masked>`.
 */
export function maskLine(content: string, line: number, spans: readonly TextSpan[]): MaskedLine {
  const ranges: [number, number][] = [];
  const last = content.length + 1;
  const indent = content.length - content.trimStart().length + 1;
  for (const s of spans) {
    if (s.line > line || s.endLine < line) continue;
    const start = s.line === line ? s.column : indent;
    const end = s.endLine === line ? s.endColumn : last;
    if (Math.min(end, last) > Math.max(start, 1)) ranges.push([Math.max(start, 1), Math.min(end, last)]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const prev = merged[merged.length - 1];
    if (prev && r[0] <= prev[1]) prev[1] = Math.max(prev[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  const moves: { readonly start: number; readonly end: number; readonly newStart: number; readonly newEnd: number }[] = [];
  let text = '';
  let at = 1;
  for (const [start, end] of merged) {
    text += content.slice(at - 1, start - 1);
    const newStart = text.length + 1;
    text += MASKED;
    moves.push({ start, end, newStart, newEnd: text.length + 1 });
    at = end;
  }
  text += content.slice(at - 1);
  const shift = (col: number) => moves.filter((m) => m.end <= col).reduce((n, m) => n + (m.newEnd - m.newStart) - (m.end - m.start), 0);
  return {
    text,
    column: (col) => moves.find((m) => m.start <= col && col < m.end)?.newStart ?? col + shift(col),
    endColumn: (col) => moves.find((m) => m.start < col && col <= m.end)?.newEnd ?? col + shift(col),
  };
}
