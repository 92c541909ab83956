import type { Diagnostic, TextSpan } from '../../model/diagnostic.js';
import { maskLine, secretSpans } from '../../secrets/spans.js';
import { ANSI } from './colour.js';

/** Looks up the text of a file (at a revision) to draw code frames; null when unavailable. */
export type SourceLookup = (file: string, revision: string | undefined) => string | null;

export interface HumanOptions {
  readonly color: boolean;
}

const { RED, YELLOW, DIM, BOLD, CYAN, RESET } = ANSI;

/**
 * Compiler-style output: `file:line:col  error  message  [code]`, a code frame with a caret under
 * the position, the hint, and the related locations. Ends with a count line.
 *
 * A frame masks every secret of the lines it shows: the spans any finding of that file carries
 * (`Diagnostic.secrets`) and the values the secret classifier finds in the file.
 */
export function renderHuman(diagnostics: readonly Diagnostic[], source: SourceLookup, options: HumanOptions): string {
  const c = (code: string, text: string) => (options.color ? `${code}${text}${RESET}` : text);
  const fileKey = (file: string, revision: string | undefined) => JSON.stringify([file, revision ?? null]);
  // The spans the findings of each file carry, gathered once (a finding per file of thousands).
  const carried = new Map<string, TextSpan[]>();
  for (const d of diagnostics) {
    if (d.file === undefined || !d.secrets) continue;
    const key = fileKey(d.file, d.revision);
    carried.set(key, [...(carried.get(key) ?? []), ...d.secrets]);
  }
  // Each file's lines and secrets, made once: a group.yaml of 10,000 pins can carry as many findings.
  const framed = new Map<string, { readonly lines: readonly string[]; readonly secrets: TextSpan[] } | null>();
  const frameSource = (file: string, revision: string | undefined) => {
    const key = fileKey(file, revision);
    if (!framed.has(key)) {
      const text = source(file, revision);
      framed.set(key, text === null ? null : { lines: text.split(/\r?\n/), secrets: [...secretSpans(text), ...(carried.get(key) ?? [])] });
    }
    return framed.get(key)!;
  };
  const blocks = diagnostics.map((d) => {
    const where = locationText(d.file, d.revision, d.line, d.column);
    const sev = d.severity === 'error' ? c(RED + BOLD, 'error') : c(YELLOW + BOLD, 'warning');
    const lines = [`${c(BOLD, where)} ${sev} ${d.message} ${c(DIM, `[${d.code}]`)}`];
    if (d.file !== undefined && d.line !== undefined) {
      const shown = frameSource(d.file, d.revision);
      if (shown !== null) lines.push(...codeFrame(shown.lines, shown.secrets, d.line, d.column ?? 1, d.endLine, d.endColumn, (s) => c(RED, s), (s) => c(DIM, s)));
    }
    if (d.hint) lines.push(`  ${c(CYAN, 'hint:')} ${d.hint}`);
    for (const r of d.related) {
      lines.push(`  ${c(DIM, 'related:')} ${locationText(r.file, r.revision, r.line, r.column)} ${r.message}`);
    }
    return lines.join('\n');
  });
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  blocks.push(`${plural(errors, 'error')}, ${plural(warnings, 'warning')}`);
  return `${blocks.join('\n\n')}\n`;
}

/** A stable JSON array of the diagnostics (the Diagnostic type, documented in docs/diagnostics.md). */
export function renderJson(diagnostics: readonly Diagnostic[]): string {
  return `${JSON.stringify(diagnostics, null, 2)}\n`;
}

/**
 * GitHub Actions workflow commands, one per diagnostic, so findings show as annotations on the
 * pull request's changed lines. Files read at a tag are annotated without a line (the tag's
 * content is not the PR's).
 */
export function renderGithub(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => {
      const props: string[] = [];
      if (d.file !== undefined && d.revision === undefined) {
        props.push(`file=${escapeProperty(d.file)}`);
        if (d.line !== undefined) props.push(`line=${d.line}`);
        if (d.column !== undefined) props.push(`col=${d.column}`);
        if (d.endLine !== undefined && d.endLine !== d.line) props.push(`endLine=${d.endLine}`);
      }
      props.push(`title=${escapeProperty(`tagway ${d.code}`)}`);
      const where = d.revision !== undefined ? ` (${d.file} at ${d.revision}:${d.line ?? 1})` : '';
      const message = `${d.message}${where}${d.hint ? `\n${d.hint}` : ''}`;
      return `::${d.severity === 'error' ? 'error' : 'warning'} ${props.join(',')}::${escapeData(message)}\n`;
    })
    .join('');
}

function locationText(file: string | undefined, revision: string | undefined, line: number | undefined, column: number | undefined): string {
  if (file === undefined) return '(repository)';
  const at = revision !== undefined ? ` (at ${revision})` : '';
  return `${file}${line !== undefined ? `:${line}:${column ?? 1}` : ''}${at}`;
}

function codeFrame(
  lines: readonly string[],
  secrets: readonly TextSpan[],
  line: number,
  column: number,
  endLine: number | undefined,
  endColumn: number | undefined,
  mark: (s: string) => string,
  dim: (s: string) => string,
): string[] {
  const first = Math.max(1, line - 2);
  const last = Math.min(lines.length, line + 1);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const masked = maskLine((lines[n - 1] ?? '').replace(/\t/g, ' '), n, secrets);
    const content = masked.text;
    const gutter = `${n === line ? '>' : ' '} ${String(n).padStart(width)} |`;
    out.push(n === line ? `${gutter} ${content}` : dim(`${gutter} ${content}`));
    if (n === line) {
      const start = masked.column(column);
      const end = endLine === line && endColumn !== undefined && endColumn > column ? masked.endColumn(endColumn) : start + 1;
      const length = Math.max(1, Math.min(end - start, content.length - start + 1));
      out.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, start - 1))}${mark('^'.repeat(length))}`);
    }
  }
  return out;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
