/** Plain-text renderings of the version commands' results (publish, promote, rollback, history, status). */
import type { CommitStep, PointerMove, TagStep } from '../../app/version-change.js';
import type { HistoryReport, PointerView } from '../../app/history.js';
import type { VersionStatus } from '../../app/status.js';

export function shortOid(oid: string): string {
  return oid.slice(0, 7);
}

/** `^1.0 (1.2.0)` for a range, `1.2.0` for an exact pin, `(none)` when absent. */
export function pointerText(pointer: PointerView | null): string {
  if (pointer === null) return '(none)';
  // A range that selected no tag (then or now).
  if (pointer.version === null) return pointer.pin;
  return pointer.pin === pointer.version ? pointer.pin : `${pointer.pin} (${pointer.version})`;
}

/** A writing command's change: what it made, or in a dry run would make. */
export interface VersionChange {
  readonly dryRun: boolean;
  readonly tags?: readonly TagStep[];
  readonly moves: readonly PointerMove[];
  readonly commits: readonly CommitStep[];
}

/**
 * The tags made, then per commit the pointer moves it holds and the commit itself. A dry run says
 * so first, shows each tag's message, and each commit's changed lines per file, pointer lines
 * before (-) and after (+).
 */
export function renderVersionChange(change: VersionChange): string {
  const lines: string[] = [];
  if (change.dryRun) lines.push('dry run: nothing was written; this is what would be made');
  for (const tag of change.tags ?? []) {
    if (!change.dryRun) {
      lines.push(`tagged ${tag.name} on commit ${shortOid(tag.commit)} (tag object ${shortOid(tag.object ?? '')})`);
      continue;
    }
    lines.push(`would tag ${tag.name} on commit ${shortOid(tag.commit)}, with the message:`);
    lines.push(...tag.message.replace(/\n+$/, '').split('\n').map((l) => (l === '' ? '' : `    ${l}`)));
  }
  for (const commit of change.commits) {
    for (const move of change.moves.filter((m) => m.message === commit.message)) {
      const from = pointerText(move.from);
      const to = pointerText(move.to);
      // The pin stays; the commit records the tag it resolves to (group.yaml `locks`).
      lines.push(from === to ? `${move.group}: ${move.service} ${to} (its tag recorded)` : `${move.group}: ${move.service} ${from} → ${to}`);
    }
    if (!change.dryRun) {
      lines.push(`  commit ${shortOid(commit.commit ?? '')} ${commit.message}`);
      continue;
    }
    lines.push(`  would commit: ${commit.message}`);
    for (const file of commit.files) {
      lines.push(`    ${file.path}`);
      lines.push(...file.lines.map((l) => `      ${l.op} ${l.text}`));
    }
  }
  // A pointer is what a group should run: its gateways run it once it is synced.
  const groups = [...new Set(change.moves.map((m) => m.group))].sort();
  if (!change.dryRun && groups.length > 0) {
    lines.push(`next: ${groups.map((g) => `tagway sync --group ${g}`).join('; ')} (or the agent, once it pulls this commit) to take the gateways there`);
  }
  return lines.join('\n');
}

/** Columns padded to their widest cell; the last column is not padded. */
function table(rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

export function renderHistory(report: HistoryReport): string {
  const lines = [`${report.service}`, '', 'versions (newest first):'];
  if (report.versions.length === 0) lines.push('  (none)');
  lines.push(
    ...table(
      report.versions.map((v) => [
        v.version,
        v.by.date,
        v.by.name,
        shortOid(v.commit),
        v.runningIn.length > 0 ? `[${v.runningIn.join(', ')}]` : '',
        firstLine(v.message),
      ]),
    ),
  );
  if (report.missingTags !== null) lines.push(`  note: versions may be missing: ${report.missingTags.reason}. ${report.missingTags.hint}`);
  lines.push('', 'running now:');
  if (report.groups.length === 0) lines.push('  (no group publishes it)');
  lines.push(...table(report.groups.map((g) => [g.group, g.now === null ? '(not published)' : pointerText(g.now)])));
  for (const g of report.groups) {
    lines.push('', `${g.group} pointer changes (oldest first):`);
    if (g.cut !== null) lines.push(`  … ${g.cut.message}`, `    hint: ${g.cut.hint}`);
    if (g.timeline.length === 0) lines.push('  (none)');
    lines.push(
      ...table(
        g.timeline.map((e) => {
          // Where a shallow clone's history starts, what the group ran before is not known.
          const from = g.cut?.kind === 'shallow' && g.cut.commit === e.commit ? '?' : pointerText(e.from);
          return [e.author.date, e.author.name, `${from} → ${pointerText(e.to)}`, shortOid(e.commit), firstLine(e.message)];
        }),
      ),
    );
  }
  return lines.join('\n');
}

export function renderStatus(status: VersionStatus): string {
  const note = uncommittedNote(status.uncommitted);
  if (status.services.length === 0) return ['no services', ...note].join('\n');
  const lines: string[] = [];
  // In a clone that may lack tags, a version not found may exist all the same.
  const incomplete = status.missingTags !== null;
  if (status.missingTags !== null) lines.push(`note: versions may be missing: ${status.missingTags.reason}.`, `  hint: ${status.missingTags.hint}`);
  for (const s of status.services) {
    const latest = s.latest === null ? (incomplete ? 'no version in this clone' : 'no version yet') : `latest ${s.latest.version}`;
    const pre = s.prerelease === null ? '' : `, pre-release ${s.prerelease.version}`;
    const template =
      s.template === 'published'
        ? 'template published'
        : s.template === 'changed'
          ? 'template changed since the latest version'
          : s.template === 'removed'
            ? 'template removed'
            : s.template === 'unknown'
              ? 'template state unknown'
              : incomplete
                ? 'no published template in this clone'
                : 'template not published yet';
    const uncommitted = s.uncommitted === true ? ' (and uncommitted edits)' : '';
    lines.push(`${s.service}: ${latest}${pre}; ${template}${uncommitted}`);
    if (s.missing !== undefined) lines.push(`  ${s.missing.message}`, `    hint: ${s.missing.hint}`);
    lines.push(
      ...table(
        s.groups.map((g) => [
          g.group,
          g.version === null ? `${g.pin} (${incomplete ? 'no such tag in this clone' : 'matches no tag'})` : pointerText({ pin: g.pin, version: g.version }),
          g.behind ? 'behind' : g.version === null ? '' : 'up to date',
          // Not protected against a moved tag (TW3016) until publish, promote or rollback records it.
          g.version !== null && !g.recorded ? 'unrecorded' : '',
        ]),
      ),
    );
  }
  return [...lines, ...note].join('\n');
}

/** What status does not show: config files edited in the worktree, and what to run about them. */
function uncommittedNote(paths: readonly string[] | null): string[] {
  if (paths === null || paths.length === 0) return [];
  const shown = paths.slice(0, 8);
  return [
    '',
    `not committed: ${paths.length === 1 ? 'this file differs' : `${paths.length} files differ`} from HEAD, and status reads HEAD:`,
    ...shown.map((p) => `  ${p}`),
    ...(paths.length > shown.length ? [`  … and ${paths.length - shown.length} more (git status lists them)`] : []),
    'Run `tagway validate` to check the worktree as it is, and commit (or `git restore`) these files; publish, promote and rollback also read HEAD.',
  ];
}
