/**
 * What `tagway import` prints: what was written, what the repository cannot hold (by object and
 * field), the variables to set (names only, never values), next steps.
 */
import type { ImportOutcome } from '../../app/import.js';
import { plural } from '../../diff/describe.js';

/** Lines of a list longer than this are summarised (the full list is in `--format json`). */
const LIST_LIMIT = 40;

export function renderImport(outcome: ImportOutcome): string {
  const lines: string[] = [];
  const verb = outcome.dryRun ? 'would write' : 'wrote';
  lines.push(`read ${outcome.source.origin} (${FORMAT_NAMES[outcome.source.format]})`);
  if (outcome.createdRepository) lines.push(`initialised a git repository in ${outcome.root}`);
  const services = outcome.services.length;
  lines.push(`${verb} ${outcome.written.length} files (${services} service${services === 1 ? '' : 's'})${outcome.unchanged.length > 0 ? `; ${outcome.unchanged.length} already as imported` : ''}`);
  lines.push(...limited(outcome.written.map((f) => `  ${f}`), 'files'));
  const adopted = Object.entries(outcome.adoption).map(([kind, n]) => `${n} ${kind}`);
  if (adopted.length > 0) lines.push(`the group takes over ${adopted.join(', ')} of the gateway (adopt.yaml; docs/adoption.md)`);
  if (outcome.ignored.length > 0) lines.push(`left out ${plural(outcome.ignored.length, 'object')} tagway manages already`);
  if (outcome.changes.length > 0) {
    lines.push('', `changed in the template (${outcome.changes.length}):`);
    lines.push(...limited(outcome.changes.map((c) => `  ${c.kind} ${[c.route !== undefined ? `route ${c.route}` : 'service', c.field].filter((x) => x !== undefined).join(' ')}`), 'changes'));
  }
  if (outcome.notes.length > 0) lines.push('', 'notes:', ...limited(outcome.notes.map((n) => `  ${n}`), 'notes'));
  // A whole object not imported is neither written nor taken over; a field is written without.
  const whole = outcome.unexpressed.filter((u) => u.field === undefined);
  const fields = outcome.unexpressed.filter((u) => u.field !== undefined);
  if (whole.length > 0) {
    // A file's objects go to gateways whole (file targets): what is not written is not there.
    const fate = outcome.source.format === 'apisix' ? 'neither written nor taken over; the gateway keeps them as they are' : "not written: the group's files do not hold them";
    lines.push('', `not imported (${plural(whole.length, 'object')}): ${fate}`);
    lines.push(...limited(whole.map((u) => `  ${u.kind} ${u.id}: ${u.reason}`), 'entries'));
  }
  if (outcome.kept.length > 0) {
    lines.push('', `kept on the gateway for them (${plural(outcome.kept.length, 'object')}): written as tagway's own copies, not taken over`);
    lines.push(...limited(outcome.kept.map((u) => `  ${u.kind} ${u.id}: ${u.reason}`), 'entries'));
  }
  if (fields.length > 0) {
    lines.push('', `fields not imported (${fields.length}): the objects were written without them`);
    lines.push(...limited(fields.map((u) => `  ${u.kind} ${u.id} ${u.field!}: ${u.reason}`), 'entries'));
  }
  if (outcome.variables.length > 0) {
    lines.push('', `secrets were written as references; set these ${outcome.variables.length} variables (values are not shown):`);
    lines.push(
      ...limited(
        outcome.variables.map((v) => `  ${v.name}  (${v.readBy === 'sync' ? "tagway sync's environment" : "the gateway's environment"}: ${v.kind} ${v.id} ${v.field})`),
        'variables',
      ),
    );
  }
  if (outcome.published !== null) {
    lines.push('', outcome.published.ok ? `published ${outcome.published.tags.length} versions and pointed ${outcome.published.groups.length > 0 ? 'the group' : 'no group'} at them` : 'publish refused: see the findings above');
  }
  if (outcome.publishSkipped !== null) lines.push('', `not published: ${outcome.publishSkipped}; nothing was committed or tagged`);
  if (outcome.next.length > 0) lines.push('', 'next:', ...outcome.next.map((s) => `  ${s}`));
  return `${lines.join('\n')}\n`;
}

const FORMAT_NAMES = { apisix: 'Admin API', standalone: 'standalone file', adc: 'ADC file', openapi: 'OpenAPI document' } as const;

function limited(lines: readonly string[], what: string): string[] {
  if (lines.length <= LIST_LIMIT) return [...lines];
  return [...lines.slice(0, LIST_LIMIT), `  … and ${lines.length - LIST_LIMIT} more ${what} (all of them with --format json)`];
}
