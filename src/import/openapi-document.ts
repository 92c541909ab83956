/**
 * An OpenAPI document read with its positions (YAML or JSON: JSON is read as YAML), so that every
 * finding about it, and about the template made from it, names a line and column of the document.
 */
import { LineCounter, parseDocument } from 'yaml';
import type { Diagnostic, SourceLocation } from '../model/diagnostic.js';
import { nodeRange } from '../load/yaml-file.js';

/** Aliases a document may expand to before it is treated as an alias bomb (as config files). */
const MAX_ALIAS_COUNT = 100;

export interface OpenApiDocument {
  readonly path: string;
  readonly data: unknown;
  /** Where the value at `pointer` (or its key) is; the nearest existing ancestor when it is absent. */
  locate(pointer: string, options?: { readonly key?: boolean }): SourceLocation;
}

export type ReadResult = { readonly ok: true; readonly document: OpenApiDocument } | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** Parses `text` (the file at `path`); never throws. */
export function readOpenApiDocument(text: string, path: string): ReadResult {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lineCounter = new LineCounter();
  const doc = parseDocument(body, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, logLevel: 'error' });
  const at = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { file: path, line: p.line, column: p.col };
  };
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const duplicate = first.code === 'DUPLICATE_KEY';
    return fail({
      code: duplicate ? 'TW1006' : 'TW1005',
      ...at(first.pos[0]),
      message: duplicate ? 'a key appears twice in the same mapping' : `invalid YAML or JSON: ${first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      hint: duplicate ? 'Remove one of the two keys: the document is ambiguous.' : 'Fix the syntax at this position (indentation, quotes, brackets, commas).',
    });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    return fail({
      code: 'TW1008',
      ...at(0),
      message: 'YAML aliases expand to too many nodes',
      hint: `Use fewer aliases; a document may expand at most ${MAX_ALIAS_COUNT} alias references.`,
    });
  }
  return {
    ok: true,
    document: {
      path,
      data,
      locate(pointer, options) {
        const [start, end] = nodeRange(doc, pointer, options?.key === true);
        const from = lineCounter.linePos(start);
        const to = lineCounter.linePos(end);
        return { file: path, line: from.line, column: from.col, endLine: to.line, endColumn: to.col, pointer };
      },
    },
  };
}

function fail(d: Omit<Diagnostic, 'severity' | 'related'>): ReadResult {
  return { ok: false, diagnostics: [{ severity: 'error', related: [], ...d }] };
}
