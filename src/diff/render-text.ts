import {
  CHANGE_SYMBOL,
  describeCounts,
  describeHost,
  describeMethods,
  describeRef,
  describeSide,
  describeStatus,
  describeVersion,
  kindName,
  plural,
} from './describe.js';
import type { DiffReport, GroupDiff, ObjectDiff, RoutingChange, ServiceDiff } from './model.js';

function indent(text: string, by: string): string {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => `${by}${line}`)
    .join('\n');
}

/** `sha256:` and the first 12 hex digits: enough to tell snapshots apart on a terminal. */
function shortDigest(digest: string | null): string {
  return digest === null ? '(none)' : digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, '$1');
}

function renderService(service: ServiceDiff): string[] {
  const lines = [`  ${service.service}: ${describeVersion(service.version)}`];
  const relabelled = service.objects.filter((o) => o.change === 'relabelled');
  lines.push(...renderObjects(service.objects));
  if (relabelled.length > 0) {
    lines.push(`    ${CHANGE_SYMBOL.relabelled} ${plural(relabelled.length, 'object')} with only the version label changed: ${relabelled.map(describeRef).join(', ')}`);
  }
  return lines;
}

/** Each object that changes more than its version label, with its YAML hunks. */
function renderObjects(objects: readonly ObjectDiff[]): string[] {
  const lines: string[] = [];
  for (const o of objects) {
    if (o.change === 'relabelled') continue;
    lines.push(`    ${CHANGE_SYMBOL[o.change]} ${kindName(o.kind)} ${o.id}`);
    if (o.patch.length > 0) lines.push(indent(o.patch, '        '));
  }
  return lines;
}

function renderRouting(change: RoutingChange): string {
  const what = `${change.change.padEnd(8)}${describeMethods(change.methods).padEnd(16)} ${describeHost(change.host)} ${change.path}`;
  const why = change.change === 'changes' ? `because of ${change.causes.map(describeRef).join(', ')}` : `route ${change.routes.join(', ')}`;
  return `    ${what}  (${why})`;
}

function renderGroup(group: GroupDiff): string[] {
  if (group.status === 'unchanged') return [`${group.group}: no changes`];
  const lines = [`${group.group}: ${describeStatus(group)}, ${describeCounts(group.counts)}`];
  if (group.digest.before !== group.digest.after) lines.push(`  digest ${shortDigest(group.digest.before)} → ${shortDigest(group.digest.after)}`);
  lines.push(...renderGroupChanges(group));
  return lines;
}

/** A group's services (each object with its hunks) and its routing impact, indented under a heading line. */
export function renderGroupChanges(group: GroupDiff): string[] {
  const lines: string[] = [];
  for (const service of group.services) lines.push(...renderService(service));
  if (group.groupObjects.length > 0) lines.push('  objects of no service:', ...renderObjects(group.groupObjects));
  if (group.impact.length > 0) {
    lines.push('  routing:');
    for (const change of group.impact) lines.push(renderRouting(change));
  }
  return lines;
}

/**
 * The report for a terminal: per group its services (version change, then each object with its
 * YAML hunks; objects whose only change is the version label on one line), then the routing
 * impact. Ends with a one-line summary.
 */
export function renderDiffText(report: DiffReport): string {
  const lines = [`tagway diff: ${describeSide(report.from)} → ${describeSide(report.to)}`, ''];
  for (const group of report.groups) lines.push(...renderGroup(group), '');
  const changed = report.groups.filter((g) => g.status !== 'unchanged').length;
  lines.push(
    report.groups.length === 0
      ? 'No gateway groups to compare.'
      : changed === 0
        ? `No changes in ${plural(report.groups.length, 'group')}.`
        : `${plural(changed, 'group')} of ${report.groups.length} ${changed === 1 ? 'changes' : 'change'}.`,
  );
  return `${lines.join('\n')}\n`;
}
