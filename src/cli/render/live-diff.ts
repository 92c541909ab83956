/** `diff --live` for a terminal and as JSON: per target, what a sync would change, in the diff format. */
import type { GroupLiveDiff, LiveDiff, TargetLiveDiff } from '../../app/live-diff.js';
import { plural } from '../../diff/describe.js';
import { describeCounts, renderGroupChanges } from '../../diff/index.js';
import { keptLines, renderConflicts, renderError, shadowedLines, shortDigest } from './drift.js';

function headline(t: TargetLiveDiff): string {
  if (t.status === 'unreachable') return 'unreachable';
  if (t.status === 'failed') return 'not readable';
  if (t.status === 'in-sync' || t.changes === null) return 'in sync';
  const parts = [t.changes.status === 'unchanged' ? '' : describeCounts(t.changes.counts), t.conflicts.length > 0 ? `${plural(t.conflicts.length, 'object')} in the way` : ''];
  return parts.filter((p) => p !== '').join(', ');
}

/**
 * One checked group: per target its headline, then (drifted) each service and object a sync
 * would change, from the target's live state to the snapshot, with hunks and routing impact;
 * objects of other owners in the way; the error of a target not read. Then one summary line.
 */
export function renderLiveDiff(group: Extract<GroupLiveDiff, { kind: 'checked' }>): string {
  const lines = [`${group.group}: live state → snapshot ${shortDigest(group.digest)} (what a sync would change)`];
  for (const t of group.targets) {
    lines.push(`${t.target} (${t.kind}): ${headline(t)}`);
    if (t.changes !== null && t.changes.status !== 'unchanged') lines.push(...renderGroupChanges(t.changes));
    lines.push(...renderConflicts(t.conflicts, '  '));
    lines.push(...keptLines(t.kept, '  '), ...shadowedLines(t.target, t.shadowed, '  '));
    if (t.error !== null) lines.push(...renderError(t.error, '  '));
  }
  const drifted = group.targets.filter((t) => t.status === 'drifted').length;
  const unread = group.targets.filter((t) => t.status === 'unreachable' || t.status === 'failed').length;
  const inSync = group.targets.length - drifted - unread;
  lines.push(
    group.ok
      ? `${group.group}: ${group.targets.length === 1 ? 'the target is' : `all ${group.targets.length} targets are`} in sync`
      : `${group.group}: ${[`${inSync} in sync`, drifted > 0 ? `${drifted} drifted` : '', unread > 0 ? `${unread} not readable` : ''].filter((p) => p !== '').join(', ')} (of ${plural(group.targets.length, 'target')})`,
  );
  return `${lines.join('\n')}\n`;
}

/** `diff --live --format json`: per group and target the diff (docs/diff.md's group shape), secrets masked. */
export function liveDiffJson(live: LiveDiff): unknown {
  return {
    ok: live.ok,
    groups: live.groups.map((g) =>
      g.kind === 'findings'
        ? { group: g.group, kind: g.kind, ok: false, diagnostics: g.diagnostics }
        : {
            group: g.group,
            kind: g.kind,
            ok: g.ok,
            digest: g.digest,
            targets: g.targets.map((t) => ({
              target: t.target,
              kind: t.kind,
              status: t.status,
              changes: t.changes,
              conflicts: t.conflicts,
              ...(t.kept.length > 0 ? { kept: t.kept } : {}),
              ...(t.shadowed.length > 0 ? { shadowed: t.shadowed } : {}),
              error: t.error,
            })),
            diagnostics: g.diagnostics,
          },
    ),
  };
}
