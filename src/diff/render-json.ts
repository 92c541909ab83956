import type { Diagnostic } from '../model/diagnostic.js';
import { DIFF_FORMAT } from './model.js';
import type { DiffReport, DiffSide } from './model.js';

/**
 * What `tagway diff --format json` prints (documented in docs/diff.md): the report, plus
 * whether both sides compiled and the findings of each side. When a side does not compile,
 * `ok` is false, `changed` is false and `groups` is empty.
 */
export interface DiffDocument extends DiffReport {
  readonly ok: boolean;
  readonly diagnostics: { readonly from: readonly Diagnostic[]; readonly to: readonly Diagnostic[] };
}

export function diffDocument(
  report: DiffReport | null,
  sides: { readonly from: DiffSide; readonly to: DiffSide },
  diagnostics: DiffDocument['diagnostics'],
): DiffDocument {
  const base = report ?? { format: DIFF_FORMAT, from: sides.from, to: sides.to, changed: false, groups: [] };
  return {
    format: base.format,
    ok: report !== null,
    changed: base.changed,
    from: base.from,
    to: base.to,
    groups: base.groups,
    diagnostics,
  };
}

/** Two-space indented JSON with a trailing newline; key order is fixed by construction. */
export function renderDiffJson(document: DiffDocument): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
