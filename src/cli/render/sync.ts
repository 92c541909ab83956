/** Plain-text rendering of `tagway sync`: the rollout report, and the plans of `--dry-run`. */
import type { SyncedSnapshot } from '../../app/sync.js';
import type { DriftReport, TargetDrift } from '../../sync/drift.js';
import type { PlanCounts, PlanStep } from '../../sync/plan.js';
import { plural } from '../../diff/describe.js';
import { describeRuns, keptLines, objectName, renderConflicts, renderError, renderFieldChanges, shadowedLines, shortDigest, table } from './drift.js';
import type { RolloutReport, StepSummary, TargetReport, TargetStatus } from '../../sync/report.js';

/** Steps listed per target; the rest are counted. */
const MAX_STEPS = 40;

const STATUS_TEXT: Readonly<Record<TargetStatus, string>> = {
  'in-sync': 'in sync',
  applied: 'applied',
  failed: 'failed',
  skipped: 'skipped',
  unreachable: 'unreachable',
  interrupted: 'interrupted',
};

const OP_SYMBOL: Readonly<Record<StepSummary['op'], string>> = { create: '+', update: '~', delete: '-' };

function stepLine(step: StepSummary): string {
  const fields = step.fields !== undefined && step.fields.length > 0 ? `  (${step.fields.join(', ')})` : '';
  return `${OP_SYMBOL[step.op]} ${objectName(step.kind, step.id)}${fields}${adoptionNote(step.adoption, step.replacedBy)}`;
}

/** What an adoption step is (docs/adoption.md): taken over in place, or retired for its replacement. */
function adoptionNote(adoption: 'takeover' | 'retire' | undefined, replacedBy: string | undefined): string {
  if (adoption === 'takeover') return '  [taken over in place]';
  if (adoption === 'retire') return `  [retired: replaced by ${replacedBy ?? '?'}]`;
  return '';
}

/** `, 2 taken over in place, 3 to retire` when the plan adopts anything. */
function adoptionCounts(c: PlanCounts): string {
  return (c.takeover !== undefined ? `, ${c.takeover} taken over in place` : '') + (c.retire !== undefined ? `, ${c.retire} to retire` : '');
}

function capped<T>(items: readonly T[], render: (item: T) => string[], indent: string, what: string): string[] {
  const lines = items.slice(0, MAX_STEPS).flatMap(render);
  if (items.length > MAX_STEPS) lines.push(`${indent}… and ${plural(items.length - MAX_STEPS, what)}`);
  return lines;
}

function renderRestore(t: TargetReport, indent: string): string[] {
  const r = t.restore;
  if (r === null) return t.status === 'failed' && t.writes === 0 && !t.error?.message.includes('nothing was written') ? [`${indent}nothing was written`] : [];
  const unchecked = r.unread !== undefined ? `the target could not be read back to check it: ${r.unread}` : undefined;
  if (!r.attempted) {
    return [`${indent}restored: nothing to undo (no write had changed the target)${r.verified ? '; the read-back confirms it' : `; ${unchecked ?? 'the read-back does NOT match the state before the run'}`}`];
  }
  if (r.ok && r.verified) return [`${indent}restored: yes; the read-back matches the state before the run`];
  if (r.ok) return [`${indent}restored: NOT verified; every undo request succeeded, but ${unchecked ?? 'the read-back differs from the state before the run'}`];
  return [
    `${indent}restored: NO; ${plural(r.failures.length, 'undo request')} failed:`,
    ...r.failures.map((f) => `${indent}  ${f.request.method} ${f.request.path} → ${f.request.status ?? 'no response'}: ${f.message}`),
    ...(unchecked !== undefined ? [`${indent}  and ${unchecked}`] : []),
  ];
}

/** What the run's lease on the target proved, when it is worth a line (docs/concurrent-runs.md). */
function renderLease(t: TargetReport, indent: string): string[] {
  const lease = t.lease;
  if (lease === undefined) return [];
  const lines: string[] = [];
  if (lease.waitedFor !== null) lines.push(`${indent}waited for another run: ${lease.waitedFor}`);
  if (lease.state === 'unproven' && lease.checkedWhole && t.status !== 'failed') {
    lines.push(`${indent}lease not held: ${lease.reason ?? 'unknown'}; read whole at the end, the target holds the snapshot`);
  }
  return lines;
}

/** `check list-pets: passed (GET host /pets, 200 in 12 ms)`, or what a failed probe saw. */
function renderChecks(t: TargetReport, indent: string): string[] {
  return (t.checks ?? []).map((c) => {
    const seen = c.status === null ? 'no answer' : `${c.status} in ${c.latencyMs ?? '?'} ms`;
    const attempts = c.attempts === 1 ? '' : `, ${c.attempts} requests`;
    // A metric check says what it judged; a probe, what it sent and saw.
    const what = c.latencyMs === null && c.status !== null ? c.request : `${c.request}, ${seen}${attempts}`;
    if (c.ok) return `${indent}check ${c.probe}: passed (${c.reason ?? what})`;
    return `${indent}check ${c.probe}: FAILED: ${c.reason ?? 'failed'} (${what})`;
  });
}

function renderTargetDetail(t: TargetReport): string[] {
  const indent = '    ';
  const lines: string[] = [...renderLease(t, indent), ...renderChecks(t, indent)];
  if (t.status === 'applied') lines.push(...capped(t.steps, (s) => [`${indent}${stepLine(s)}`], indent, 'more step'));
  lines.push(...keptLines(t.kept, indent));
  lines.push(...shadowedLines(t.target, t.shadowed, indent));
  if (t.error !== null) lines.push(...renderError(t.error, indent, { hint: t.conflicts.length === 0 }));
  lines.push(...renderConflicts(t.conflicts, indent));
  if (t.status === 'failed' || t.status === 'unreachable' || t.status === 'interrupted') lines.push(...renderRestore(t, indent));
  return lines;
}

/** Which targets run what after the rollout, grouped by what they run. */
function renderRunning(report: RolloutReport): string[] {
  const groups = new Map<string, string[]>();
  for (const t of report.targets) {
    const what = t.runs.state === 'snapshot' && t.runs.digest === report.digest ? `${shortDigest(report.digest)} (this snapshot)` : describeRuns(t.runs);
    groups.set(what, [...(groups.get(what) ?? []), t.target]);
  }
  return ['running now:', ...table([...groups.entries()].map(([what, targets]) => [`${what}:`, targets.join(', ')]))];
}

/**
 * Per target one line (name, kind, status, writes, what it runs) with the steps it applied, or,
 * for a target that failed: the error, the failed request, APISIX's message, the objects in the
 * way, and whether its previous state was restored. Then a summary; when the rollout did not
 * reach the snapshot everywhere, where it halted and which targets run which configuration.
 */
export function renderRollout(report: RolloutReport, compiled?: string): string {
  const lines = [`${report.group}: sync to ${syncedDigest(report.digest, compiled)}`];
  const heads = table(
    report.targets.map((t) => [t.target, t.kind, STATUS_TEXT[t.status], plural(t.writes, 'write'), `runs ${describeRuns(t.runs)}`]),
  );
  report.targets.forEach((t, i) => {
    lines.push(heads[i] ?? '');
    lines.push(...renderTargetDetail(t));
  });

  const writes = report.targets.reduce((n, t) => n + t.writes, 0);
  const counts = (Object.keys(STATUS_TEXT) as TargetStatus[])
    .filter((s) => report.counts[s] > 0)
    .map((s) => `${report.counts[s]} ${STATUS_TEXT[s]}`)
    .join(', ');
  lines.push(`${report.group}: ${counts}; ${plural(writes, 'write')}`);
  if (report.ok) {
    lines.push(`every target runs ${shortDigest(report.digest)}`);
  } else {
    if (!report.preflight.ok) {
      const written = report.targets.some((t) => t.writes > 0);
      lines.push(
        `preflight: ${report.preflight.failed.join(', ')} cannot be synced; ` +
          (written ? 'the other targets were synced (--allow-partial)' : 'nothing was written to any target (--allow-partial syncs the others)'),
      );
    }
    if (report.halted !== null) {
      const h = report.halted;
      lines.push(
        h.checks === undefined
          ? `rollout halted at batch ${h.batch} (${h.failed.join(', ')} failed); later targets were not written`
          : `rollout halted at batch ${h.batch}: the health checks of ${h.failed.join(', ')} failed; ${h.checks.restored.length > 0 ? `${h.checks.restored.join(', ')} taken back` : 'nothing to take back'}; later targets were not written`,
      );
    }
    const stop = report.interrupted;
    if (stop !== null) {
      lines.push(
        stop.batch === null
          ? `interrupted by ${stop.by} before a batch was written; no target was being written`
          : `interrupted by ${stop.by}: the writes in flight finished, and the targets of batch ${stop.batch} were taken back to their state before the run; later targets were not written`,
      );
    }
    lines.push(...renderRunning(report));
  }
  return `${lines.join('\n')}\n`;
}

function planStepLines(step: PlanStep, indent: string): string[] {
  if (step.op !== 'update') return [`${indent}${OP_SYMBOL[step.op]} ${objectName(step.kind, step.id)}${adoptionNote(step.op === 'delete' && step.retiredFor !== undefined ? 'retire' : undefined, step.op === 'delete' ? step.retiredFor : undefined)}`];
  return [`${indent}~ ${objectName(step.kind, step.id)}${adoptionNote(step.takeover === true ? 'takeover' : undefined, undefined)}`, ...renderFieldChanges(step.kind, step.changes, 'plan', `${indent}    `)];
}

function dryRunHeadline(t: TargetDrift): string {
  if (t.status === 'unreachable') return 'unreachable';
  if (t.status === 'failed') return 'not readable';
  if (t.conflicts.length > 0) return `blocked: ${plural(t.conflicts.length, 'object')} in the way; a sync would write nothing here`;
  const c = t.plan?.counts;
  if (c === undefined || t.status === 'in-sync') return 'in sync: nothing to do';
  const retireLater = t.plan?.retire?.length ?? 0;
  return `would change ${plural(c.create + c.update + c.delete + retireLater, 'object')}: ${c.create} to create, ${c.update} to update, ${c.delete} to delete, ${c.unchanged} unchanged${adoptionCounts(c)}`;
}

/**
 * The digest a sync goes to; when it is not the compiled snapshot's (`compiled`), that is because
 * the snapshot's secret references were resolved (docs/secrets.md), which the line says.
 */
function syncedDigest(digest: string, compiled: string | undefined): string {
  return compiled === undefined || compiled === digest ? shortDigest(digest) : `${shortDigest(digest)} (the snapshot with its secret references resolved)`;
}

/** `sync --dry-run`: each target's plan (steps in apply order, changed fields), nothing written. */
export function renderDryRun(report: DriftReport, compiled?: string): string {
  const lines = [`${report.group}: dry run of a sync to ${syncedDigest(report.digest, compiled)}; nothing is written`];
  const heads = table(report.targets.map((t) => [t.target, t.kind, dryRunHeadline(t)]));
  report.targets.forEach((t, i) => {
    lines.push(heads[i] ?? '');
    const indent = '    ';
    if (t.plan !== null && t.conflicts.length === 0) {
      lines.push(...capped(t.plan.steps, (s) => planStepLines(s, indent), indent, 'more step'));
      // The second stage: once the steps above are applied and verified.
      if (t.plan.retire !== undefined) lines.push(`${indent}then, once those hold:`, ...capped(t.plan.retire, (s) => planStepLines(s, indent), indent, 'more step'));
      lines.push(...keptLines(t.plan.kept, indent));
    }
    lines.push(...shadowedLines(t.target, t.plan?.shadowed, indent));
    lines.push(...renderConflicts(t.conflicts, indent));
    if (t.error !== null) lines.push(...renderError(t.error, indent));
  });
  const changes = report.targets.reduce((n, t) => n + (t.conflicts.length === 0 ? (t.plan?.steps.length ?? 0) + (t.plan?.retire?.length ?? 0) : 0), 0);
  const blocked = report.targets.filter((t) => t.conflicts.length > 0 || t.status === 'unreachable' || t.status === 'failed');
  lines.push(
    `${report.group}: a sync would change ${plural(changes, 'object')}` +
      (blocked.length > 0 ? `; it would not reach ${blocked.map((t) => t.target).join(', ')}` : ''),
  );
  return `${lines.join('\n')}\n`;
}

/** Where the synced snapshot came from and the versions it holds, e.g. for the first line. */
/** Past this many services, the header line counts them and names the changed ones first. */
export const LISTED_SERVICES = 12;

/**
 * The services a sync or its dry run writes objects of, by the ids tagway gives objects
 * (`<service>`, `<service>.<route>`, `<service>.canary`; docs/compile.md).
 */
export function touchedServices(report: RolloutReport | DriftReport): Set<string> {
  const ids = 'counts' in report ? report.targets.flatMap((t) => t.steps.map((s) => s.id)) : report.targets.flatMap((t) => (t.plan?.steps ?? []).map((s) => s.id));
  return new Set(ids.map((id) => id.split('.')[0]!));
}

/**
 * `staging: snapshot sha256:… compiled from the worktree (petstore 1.2.0, orders 1.0.0)`. Past
 * `LISTED_SERVICES` services the list would fill the screen: the line counts them and lists the
 * ones in `touched` (those the sync writes) first, up to that many; `--format json` has them all.
 */
export function renderSnapshotSource(snapshot: SyncedSnapshot, touched: ReadonlySet<string> = new Set()): string {
  const signature = snapshot.source.kind === 'file' ? snapshot.source.signature : null;
  const from =
    snapshot.source.kind === 'file'
      ? `from ${snapshot.source.path}${signature === null ? '' : `, signed by key ${signature.keyId}${signature.signedAt === null ? '' : ` at ${signature.signedAt}`}`}`
      : snapshot.source.commit === null
        ? 'compiled from the worktree'
        : `compiled at ${snapshot.source.commit.slice(0, 7)}`;
  const head = `${snapshot.group}: snapshot ${shortDigest(snapshot.digest)} ${from}`;
  const note = uncommittedNote(snapshot.source.kind === 'compiled' ? (snapshot.source.uncommitted ?? null) : null);
  const all = snapshot.services;
  if (all.length === 0) return `${head} (no services)\n${note}`;
  const named = (list: readonly { readonly name: string; readonly version: string }[]) => list.map((s) => `${s.name} ${s.version}`).join(', ');
  if (all.length <= LISTED_SERVICES) return `${head} (${named(all)})\n${note}`;
  const changed = all.filter((s) => touched.has(s.name));
  const shown = changed.slice(0, LISTED_SERVICES);
  const more = changed.length - shown.length;
  const which = changed.length === 0 ? 'none written' : `written: ${named(shown)}${more > 0 ? ` and ${more} more` : ''}`;
  return `${head} (${all.length} services; ${which}; ${all.length - changed.length} untouched)\n${note}`;
}

/** Shown files of a worktree compile that differ from HEAD; the rest are counted. */
const LISTED_UNCOMMITTED = 5;

/** The config files a worktree compile took that are not committed, as a note line; '' for none. */
function uncommittedNote(paths: readonly string[] | null): string {
  if (paths === null || paths.length === 0) return '';
  const shown = paths.slice(0, LISTED_UNCOMMITTED).join(', ');
  const more = paths.length > LISTED_UNCOMMITTED ? ` and ${paths.length - LISTED_UNCOMMITTED} more` : '';
  return (
    `  note: ${paths.length === 1 ? '1 config file differs' : `${paths.length} config files differ`} from HEAD and ${paths.length === 1 ? 'is' : 'are'} taken as ${paths.length === 1 ? 'it is' : 'they are'}: ${shown}${more}. ` +
    'Commit them so that the repository holds what the gateways run (or sync --rev HEAD).\n'
  );
}

/** A markdown table cell: pipes and line breaks escaped. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * The rollout report in markdown, for a CI job's summary (`sync --summary FILE`): a row per
 * target (status, writes, what it runs, its checks), then why it halted and each failed target's
 * error and checks. Nothing in it that the text report does not show.
 */
export function renderRolloutMarkdown(report: RolloutReport): string {
  const lines = [`### tagway sync \`${report.group}\` → \`${shortDigest(report.digest)}\``, ''];
  lines.push(report.ok ? `Every target runs \`${shortDigest(report.digest)}\`.` : `**Not every target runs \`${shortDigest(report.digest)}\`.**`, '');
  lines.push('| target | kind | status | writes | runs | checks |', '|---|---|---|--:|---|---|');
  for (const t of report.targets) {
    const checks = (t.checks ?? []).map((c) => `${c.ok ? '✓' : '✗'} ${c.probe}`).join(', ');
    lines.push(`| \`${cell(t.target)}\` | ${t.kind} | ${STATUS_TEXT[t.status]} | ${t.writes} | ${cell(describeRuns(t.runs))} | ${cell(checks)} |`);
  }
  if (report.halted !== null) {
    const h = report.halted;
    lines.push(
      '',
      h.checks === undefined
        ? `Halted at batch ${h.batch}: ${h.failed.map((f) => `\`${f}\``).join(', ')} failed; later targets were not written.`
        : `Halted at batch ${h.batch}: the health checks of ${h.failed.map((f) => `\`${f}\``).join(', ')} failed; ${h.checks.restored.length > 0 ? `${h.checks.restored.map((f) => `\`${f}\``).join(', ')} taken back` : 'nothing to take back'}; later targets were not written.`,
    );
  }
  if (report.interrupted !== null) lines.push('', `Interrupted by ${report.interrupted.by}.`);
  // What the text report says as `warning:` lines: originals kept, routes taken by others.
  const warnings = report.targets.flatMap((t) => [
    ...(t.kept ?? []).map((k) => `- \`${cell(t.target)}\`: ${cell(k.message)}`),
    ...(t.shadowed ?? []).map((r) => `- \`${cell(t.target)}\`: ${cell(r.message)}. ${cell(r.hint)}`),
  ]);
  if (warnings.length > 0) lines.push('', '#### Warnings', '', ...warnings);
  for (const t of report.targets.filter((x) => x.error !== null || (x.checks ?? []).some((c) => !c.ok))) {
    lines.push('', `#### \`${t.target}\``);
    if (t.error !== null) lines.push('', cell(t.error.message));
    for (const c of (t.checks ?? []).filter((x) => !x.ok)) lines.push(`- check \`${cell(c.probe)}\`: ${cell(c.reason ?? 'failed')} (${cell(c.request)}, ${c.status === null ? 'no answer' : `status ${c.status}`})`);
    if (t.restore !== null) lines.push(`- restored: ${t.restore.ok && t.restore.verified ? 'yes, verified' : t.restore.ok ? 'not verified' : 'no'}`);
  }
  return `${lines.join('\n')}\n`;
}
