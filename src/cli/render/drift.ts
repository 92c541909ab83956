/**
 * Plain-text rendering of a fleet's drift (`status --live`, `diff --live`) and the pieces the
 * sync renderer shares: digests, what a target runs, field changes with secrets masked.
 */
import { plural } from '../../diff/describe.js';
import { maskSecretPair, maskSecrets } from '../../secrets/classify.js';
import { pointerSegments } from '../../load/yaml-file.js';
import type { ApisixKind } from '../../model/apisix.js';
import { kindNamed } from '../../apisix/kinds/index.js';
import { describeObject } from '../../apisix/references.js';
import type { Conflict, FieldChange, KeptOriginal, Plan, PlanStep, ShadowedRoute } from '../../sync/plan.js';
import type { DriftReport, ObjectDrift, TargetDrift } from '../../sync/drift.js';
import type { SyncErrorData } from '../../sync/errors.js';
import type { RunningConfig } from '../../sync/report.js';

/** Longest rendering of one field value before it is cut. */
const MAX_VALUE = 100;
/** Field changes shown per object; the rest are counted. */
const MAX_FIELDS = 12;

export function objectName(kind: ApisixKind, id: string): string {
  return describeObject(kind, id);
}

/** `sha256:` and the first 12 hex digits: enough to tell snapshots apart on a terminal. */
export function shortDigest(digest: string | null): string {
  return digest === null ? '(none)' : digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, '$1');
}

/** What a target runs, in a few words: the digest, or the service versions found on it. */
export function describeRuns(runs: RunningConfig): string {
  if (runs.state === 'unknown') return 'unknown (could not be read)';
  if (runs.state === 'snapshot') return shortDigest(runs.digest);
  if (runs.state === 'mixed') return `a mix of two states: ${unfinishedRun(runs)}`;
  if (runs.services.length === 0 && runs.digest === null) return 'nothing of this group';
  const services = runs.services.length === 0 ? 'nothing of this group' : runs.services.map((s) => `${s.name} ${s.version}`).join(', ');
  return runs.digest !== null ? `${shortDigest(runs.digest)} (${services})` : `objects that differ from the snapshot (${services})`;
}

/** What the record of the run that did not finish says: `a sync of group staging to sha256:… started … and has not finished`. */
function unfinishedRun(runs: RunningConfig): string {
  return runs.unfinished?.description ?? `a sync to ${shortDigest(runs.unfinished?.digest ?? null)} did not finish`;
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

function cut(text: string): string {
  return text.length <= MAX_VALUE ? text : `${text.slice(0, MAX_VALUE - 1)}…`;
}

function show(value: unknown): string {
  return cut(JSON.stringify(value) ?? 'null');
}

/** A value placed at `pointer` inside an empty object, so the masker sees where it sits. */
function placed(pointer: string, value: unknown): unknown {
  let out: unknown = value;
  for (const segment of pointerSegments(pointer).reverse()) {
    if (/^(0|[1-9][0-9]*)$/.test(segment)) {
      const list: unknown[] = new Array<unknown>(Number(segment) + 1).fill(null);
      list[Number(segment)] = out;
      out = list;
    } else {
      out = { [segment]: out };
    }
  }
  return out;
}

function at(pointer: string, value: unknown): unknown {
  let out = value;
  for (const segment of pointerSegments(pointer)) {
    out = Array.isArray(out) ? out[Number(segment)] : (out as Record<string, unknown> | undefined)?.[segment];
  }
  return out;
}

/**
 * A field change of an object of `kind` with its values masked the way `diff` masks them (plugin
 * secrets, tokens, the kind's `secretFields`).
 */
export function maskFieldChange(kind: ApisixKind, change: FieldChange): FieldChange {
  const pair = maskSecretPair(
    'before' in change ? placed(change.path, change.before) : undefined,
    'after' in change ? placed(change.path, change.after) : undefined,
    kindNamed(kind).secretFields,
  );
  return {
    path: change.path,
    op: change.op,
    ...('before' in change ? { before: at(change.path, pair.before) } : {}),
    ...('after' in change ? { after: at(change.path, pair.after) } : {}),
  } as FieldChange;
}

/**
 * One field change; `live` phrases it as target vs snapshot (drift), otherwise as the change a
 * sync makes (`before → after`).
 */
export function renderFieldChange(kind: ApisixKind, raw: FieldChange, style: 'live' | 'plan'): string {
  const change = maskFieldChange(kind, raw);
  const path = change.path === '' ? '/' : change.path;
  if (style === 'live') {
    if (change.op === 'add') return `${path}: not on the target; snapshot ${show(change.after)}`;
    if (change.op === 'remove') return `${path}: target ${show(change.before)}; not in the snapshot`;
    return `${path}: target ${show(change.before)}; snapshot ${show(change.after)}`;
  }
  if (change.op === 'add') return `${path}: + ${show(change.after)}`;
  if (change.op === 'remove') return `${path}: - ${show(change.before)}`;
  return `${path}: ${show(change.before)} → ${show(change.after)}`;
}

export function renderFieldChanges(kind: ApisixKind, changes: readonly FieldChange[], style: 'live' | 'plan', indent: string): string[] {
  const lines = changes.slice(0, MAX_FIELDS).map((c) => `${indent}${renderFieldChange(kind, c, style)}`);
  if (changes.length > MAX_FIELDS) lines.push(`${indent}… and ${plural(changes.length - MAX_FIELDS, 'more field')}`);
  return lines;
}

/** The originals an adoption keeps, since an object that stays uses them: a warning each. */
export function keptLines(kept: readonly KeptOriginal[] | undefined, indent: string): string[] {
  return (kept ?? []).map((k) => `${indent}warning: ${k.message}`);
}

/**
 * Routes the group does not manage that take the requests of one of its routes (src/sync/shadowed.ts):
 * a warning each, naming the target, and its hint.
 */
export function shadowedLines(target: string, shadowed: readonly ShadowedRoute[] | undefined, indent: string): string[] {
  return (shadowed ?? []).flatMap((s) => [`${indent}warning: on target ${target}, ${s.message}`, `${indent}  hint: ${s.hint}`]);
}

export function renderConflicts(conflicts: readonly Conflict[], indent: string): string[] {
  const lines: string[] = [];
  const hints = new Set<string>();
  for (const c of conflicts) {
    lines.push(`${indent}in the way: ${c.message}`);
    if (!hints.has(c.hint)) {
      hints.add(c.hint);
      lines.push(`${indent}  hint: ${c.hint}`);
    }
  }
  return lines;
}

/** The error of a target: message, the failed request, the gateway's own words, the hint. */
export function renderError(error: SyncErrorData, indent: string, options: { hint?: boolean } = {}): string[] {
  const lines = [`${indent}error: ${error.message}`];
  if (error.request !== undefined) {
    const r = error.request;
    const answer = r.status === null ? 'no response' : String(r.status);
    lines.push(`${indent}request: ${r.method} ${r.path} → ${answer} after ${plural(r.attempts, 'attempt')}`);
  }
  if (error.gatewayMessage !== undefined && error.gatewayMessage !== '') lines.push(`${indent}APISIX said: ${error.gatewayMessage}`);
  if (options.hint !== false && error.hint !== undefined && error.hint !== '') lines.push(`${indent}hint: ${error.hint}`);
  return lines;
}

const DRIFT_WORD: Readonly<Record<ObjectDrift['state'], string>> = { missing: 'missing', changed: 'changed', extra: 'extra', retire: 'to retire (replaced by adoption)' };

function driftCounts(objects: readonly ObjectDrift[]): string {
  const n = (state: ObjectDrift['state']) => objects.filter((o) => o.state === state).length;
  return (['missing', 'changed', 'extra', 'retire'] as const)
    .filter((s) => n(s) > 0)
    .map((s) => `${n(s)} ${DRIFT_WORD[s]}`)
    .join(', ');
}

function targetHeadline(t: TargetDrift): string {
  switch (t.status) {
    case 'in-sync':
      return 'in sync';
    case 'drifted': {
      const parts = [driftCounts(t.objects), t.conflicts.length > 0 ? plural(t.conflicts.length, 'object') + ' in the way' : '']
        .filter((p) => p !== '')
        .join(', ');
      // A sync that was killed (or a second signal) left part of the group written.
      if (t.runs.state === 'mixed') return `mixed: a sync was stopped half-way, objects of two states; the next sync converges it (${parts})`;
      return `drifted: ${parts}`;
    }
    case 'unreachable':
      return 'unreachable';
    case 'failed':
      return 'not readable';
  }
}

function renderTargetDrift(t: TargetDrift): string[] {
  const lines: string[] = [];
  for (const c of t.canaries ?? []) lines.push(`    canary of ${c.service}: ${c.weight}%, as tagway rollout left it`);
  if (t.lastChecks) lines.push(`    last health checks: ${t.lastChecks.description || `${t.lastChecks.ok ? 'passed' : 'failed'} for ${shortDigest(t.lastChecks.digest)}`}`);
  if (t.status === 'drifted') {
    lines.push(`    runs ${describeRuns(t.runs)}`);
    for (const o of t.objects) {
      const adoption = o.state === 'retire' ? `  (replaced by ${o.replacedBy ?? '?'})` : o.takeover === true ? '  (taken over in place)' : '';
      lines.push(`    ${o.state.padEnd(7)}  ${objectName(o.kind, o.id)}${adoption}`);
      lines.push(...renderFieldChanges(o.kind, o.fields, 'live', '               '));
    }
    lines.push(...renderConflicts(t.conflicts, '    '));
  }
  // In sync or drifted alike: a route the group does not manage may take its routes' requests.
  lines.push(...shadowedLines(t.target, t.plan?.shadowed, '    '));
  if (t.error !== null) lines.push(...renderError(t.error, '    '));
  return lines;
}

/**
 * Per target: in sync; drifted, with the objects that differ (missing on the target, changed —
 * which fields, target value and snapshot value —, extra) and objects of other owners in the
 * way; unreachable or not readable, with the reason. Then one summary line.
 */
export function renderDrift(report: DriftReport): string {
  const inSync = report.targets.filter((t) => t.status === 'in-sync').length;
  const lines = [`${report.group}: live state against snapshot ${shortDigest(report.digest)}`];
  const heads = table(report.targets.map((t) => [t.target, t.kind, targetHeadline(t)]));
  report.targets.forEach((t, i) => {
    lines.push(heads[i] ?? '');
    lines.push(...renderTargetDrift(t));
  });
  const unreachable = report.targets.filter((t) => t.status === 'unreachable' || t.status === 'failed').length;
  const drifted = report.targets.filter((t) => t.status === 'drifted').length;
  const mixed = report.targets.filter((t) => t.status === 'drifted' && t.runs.state === 'mixed').length;
  const summary = report.inSync
    ? `${report.group}: ${report.targets.length === 1 ? 'the target is' : `all ${report.targets.length} targets are`} in sync`
    : `${report.group}: ${[`${inSync} in sync`, drifted > 0 ? `${drifted} drifted${mixed > 0 ? `, ${mixed} of them mixed` : ''}` : '', unreachable > 0 ? `${unreachable} not readable` : '']
        .filter((p) => p !== '')
        .join(', ')} (of ${plural(report.targets.length, 'target')})`;
  lines.push(summary);
  return `${lines.join('\n')}\n`;
}

function maskStep(step: PlanStep): PlanStep {
  const fields = kindNamed(step.kind).secretFields;
  switch (step.op) {
    case 'create':
      return { ...step, after: maskSecrets(step.after, fields) };
    case 'delete':
      return { ...step, before: maskSecrets(step.before, fields) };
    case 'update': {
      const pair = maskSecretPair(step.before, step.after, fields);
      return { ...step, before: pair.before ?? step.before, after: pair.after ?? step.after, changes: step.changes.map((c) => maskFieldChange(step.kind, c)) };
    }
  }
}

/** A plan with every object body and field value (its retirements' too) passed through the secret masker. */
export function maskPlan(plan: Plan): Plan {
  return { ...plan, steps: plan.steps.map(maskStep), ...(plan.retire !== undefined ? { retire: plan.retire.map(maskStep) } : {}) };
}

/**
 * The drift report for `--format json`: the same shape, with object bodies and field values of
 * the plans masked, so a report that ends up in a CI log carries no secret a gateway holds.
 */
export function driftJson(report: DriftReport): DriftReport {
  return {
    ...report,
    targets: report.targets.map((t) => ({
      ...t,
      objects: t.objects.map((o) => ({ ...o, fields: o.fields.map((c) => maskFieldChange(o.kind, c)) })),
      plan: t.plan === null ? null : maskPlan(t.plan),
    })),
  };
}
