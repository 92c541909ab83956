/**
 * `tagway import --check`: the differences between a gateway and what the repository written
 * from it compiles to, as text (one line each, then a summary) and as JSON. The report holds no
 * secret (src/import/equivalence.ts masks both sides), so neither rendering masks again.
 */
import { plural } from '../../diff/describe.js';
import { describeObject } from '../../apisix/references.js';
import type { Difference, EquivalenceReport } from '../../import/equivalence.js';

/** Which object a difference is about: `route 12 (compiled shop.list)`, `route (compiled shop.buy)`. */
function objectOf(d: Difference): string {
  if (d.sourceId === undefined) return `${describeObject(d.kind, '').trimEnd()} (compiled ${d.compiledId ?? '?'})`;
  const compiled = d.compiledId === undefined || d.compiledId === d.sourceId ? '' : ` (compiled ${d.compiledId})`;
  return `${describeObject(d.kind, d.sourceId)}${compiled}`;
}

/** One line: the object, the field, what differs, and both values where there are any. */
export function differenceLine(d: Difference): string {
  const field = d.field === '' ? '' : ` ${d.field}`;
  const values = d.source !== undefined || d.compiled !== undefined ? ` (source ${d.source ?? 'none'}, compiled ${d.compiled ?? 'none'})` : '';
  return `${objectOf(d)}${field}: ${d.message}${values}`;
}

/** How many objects the differences are about: one per source object, one per compiled object no source object matches. */
function objectsWithDifferences(differences: readonly Difference[]): number {
  return new Set(differences.map((d) => (d.sourceId !== undefined ? `${d.kind} source ${d.sourceId}` : `${d.kind} compiled ${d.compiledId ?? ''}`))).size;
}

/**
 * `compared N objects of the source (routes 2, …): D differences in M objects; K fields not
 * compared (secret references)`, then what was left out of the comparison and why.
 */
export function equivalenceSummary(report: EquivalenceReport): string {
  const byKind = Object.entries(report.comparedByKind).map(([kind, n]) => `${kind} ${n}`);
  const compared = `compared ${plural(report.compared, 'object')} of the source${byKind.length > 0 ? ` (${byKind.join(', ')})` : ''}`;
  const parts = [
    `${compared}: ${plural(report.differences.length, 'difference')} in ${plural(objectsWithDifferences(report.differences), 'object')}`,
    `${plural(report.notCompared.length, 'field')} not compared (secret references)`,
  ];
  const left = Object.entries(report.skippedBy).map(([category, n]) => `${plural(n, 'object')} ${category}`);
  if (report.skippedFields > 0) left.push(`${plural(report.skippedFields, 'field')} not imported`);
  if (left.length > 0) parts.push(`left out: ${left.join(', ')}`);
  return parts.join('; ');
}

/** Every difference, one a line, then the summary. */
export function renderEquivalence(report: EquivalenceReport): string {
  return `${[...report.differences.map(differenceLine), equivalenceSummary(report)].join('\n')}\n`;
}

/** The report for `--format json`: whether the two are equivalent, the counts, every difference and every field not compared (named, never with a value). */
export function equivalenceJson(report: EquivalenceReport): unknown {
  return {
    equivalent: report.differences.length === 0,
    differences: report.differences,
    notCompared: report.notCompared,
    counts: {
      differences: report.differences.length,
      objects: objectsWithDifferences(report.differences),
      notCompared: report.notCompared.length,
      skipped: report.skipped,
      skippedBy: report.skippedBy,
      skippedFields: report.skippedFields,
      compared: report.compared,
      comparedByKind: report.comparedByKind,
    },
  };
}
