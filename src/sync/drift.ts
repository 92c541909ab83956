import { LABEL_GROUP, type ApisixConfig, type ApisixKind } from '../model/apisix.js';
import { canarySteps, rolloutWeight, sameCanary } from '../apisix/canary.js';
import type { TargetKind, TargetSpec } from '../model/target.js';
import { SyncError, errorData, type SyncErrorData } from './errors.js';
import { resolveTargetCredentials } from './credentials.js';
import type { FieldChange } from '../apisix/normalize.js';
import { runBounded } from '../core/bounded.js';
import { closeTargets, createTargets, type TargetOptions } from './targets/create.js';
import type { Target } from './targets/port.js';
import type { Conflict, Plan } from './plan.js';
import { isDone, planTarget, runsOf } from './sync.js';
import type { SyncSnapshot } from './report.js';
import type { RunningConfig } from './report.js';

/**
 * - `in-sync`: the group's objects on the target equal the snapshot.
 * - `drifted`: they differ (see `objects`), or objects of other owners are in the way.
 * - `unreachable`: the target could not be reached.
 * - `failed`: the target answered but could not be read (authentication, unreadable state).
 */
export type DriftStatus = 'in-sync' | 'drifted' | 'unreachable' | 'failed';

/**
 * One object that differs: `missing` (in the snapshot, not on the target), `changed` (`fields`
 * from the target's value to the snapshot's), `extra` (the group's object on the target that the
 * snapshot no longer has), `retire` (a gateway object the group's adoption record replaces,
 * still there: docs/adoption.md). `takeover`: a `changed` object the group takes over in place.
 */
export interface ObjectDrift {
  readonly kind: ApisixKind;
  readonly id: string;
  readonly state: 'missing' | 'changed' | 'extra' | 'retire';
  readonly fields: readonly FieldChange[];
  readonly takeover?: true;
  /** With `retire`: the id of the snapshot's object that replaces it. */
  readonly replacedBy?: string;
}

export interface TargetDrift {
  readonly target: string;
  readonly kind: TargetKind;
  readonly status: DriftStatus;
  readonly runs: RunningConfig;
  readonly objects: readonly ObjectDrift[];
  readonly conflicts: readonly Conflict[];
  /** The plan a sync would apply (what `sync --dry-run` shows); null when unread. */
  readonly plan: Plan | null;
  readonly error: SyncErrorData | null;
  /** The group's last health checks on the target, as its record says (docs/health-checks.md); null when none is kept. */
  readonly lastChecks?: { readonly digest: string; readonly ok: boolean; readonly description: string } | null;
  /** Progressive canaries of the group a rollout has moved on the target: the service and the weight it reached. */
  readonly canaries?: readonly { readonly service: string; readonly weight: number }[];
}

export interface DriftReport {
  readonly group: string;
  readonly digest: string;
  /** Every target is `in-sync`. */
  readonly inSync: boolean;
  readonly targets: readonly TargetDrift[];
}

export interface DriftOptions {
  /** Targets read at once. Default 8. */
  readonly parallel?: number;
}

function driftOf(plan: Plan): ObjectDrift[] {
  return [...plan.steps, ...(plan.retire ?? [])].map((s): ObjectDrift => {
    if (s.op === 'delete' && s.retiredFor !== undefined) return { kind: s.kind, id: s.id, state: 'retire', fields: [], replacedBy: s.retiredFor };
    return {
      kind: s.kind,
      id: s.id,
      state: s.op === 'create' ? 'missing' : s.op === 'delete' ? 'extra' : 'changed',
      fields: s.op === 'update' ? s.changes : [],
      ...(s.op === 'update' && s.takeover === true ? { takeover: true as const } : {}),
    };
  });
}

/** A target that could not be read: the error, nothing known of what it runs. */
function unreadDrift(target: { readonly name: string; readonly kind: TargetDrift['kind'] }, error: unknown): TargetDrift {
  const data = errorData(error, target.name);
  return {
    target: target.name,
    kind: target.kind,
    status: data.code === 'unreachable' ? 'unreachable' : 'failed',
    runs: { state: 'unknown', digest: null, services: [] },
    objects: [],
    conflicts: [],
    plan: null,
    error: data,
  };
}

/** Reads one target and compares the group's objects with the snapshot. Read-only. */
export async function checkTargetDrift(snapshot: SyncSnapshot, target: Target): Promise<TargetDrift> {
  const base = { target: target.name, kind: target.kind };
  try {
    const { live, plan } = await planTarget(snapshot, target);
    // Originals an adoption replaces that are still there are drift too: the sync is not finished.
    const inSync = isDone(plan);
    const record = live.checks?.find((c) => c.group === snapshot.group);
    const canaries = rolloutCanaries(snapshot, live.config);
    return {
      ...base,
      ...(canaries.length > 0 ? { canaries } : {}),
      ...(record !== undefined ? { lastChecks: { digest: record.digest, ok: record.ok, description: record.description } } : {}),
      status: inSync ? 'in-sync' : 'drifted',
      runs: runsOf(snapshot, live, plan),
      objects: driftOf(plan),
      conflicts: plan.conflicts,
      plan,
      error: null,
    };
  } catch (error) {
    return unreadDrift(target, error);
  }
}

/** Drift of every target, in fleet order. Never writes. */
export async function checkDriftTargets(snapshot: SyncSnapshot, targets: readonly Target[], options: DriftOptions = {}): Promise<DriftReport> {
  const results: TargetDrift[] = new Array<TargetDrift>(targets.length);
  const indexed = targets.map((target, index) => ({ target, index }));
  await runBounded(indexed, options.parallel ?? 8, async ({ target, index }) => {
    results[index] = await checkTargetDrift(snapshot, target);
  });
  return {
    group: snapshot.group,
    digest: snapshot.digest,
    inSync: results.every((r) => r.status === 'in-sync'),
    targets: results,
  };
}

/**
 * `status --live` / `diff --live` / `sync --dry-run`: drift of a group's fleet from its specs.
 * Credentials are resolved first: a target whose key cannot be (its variable unset or empty, its
 * file unreadable) is reported as not read, with that error, and the others are read; nothing
 * is written either way.
 */
export async function checkDrift(
  snapshot: SyncSnapshot,
  specs: readonly TargetSpec[],
  options: TargetOptions & DriftOptions,
): Promise<DriftReport> {
  const refused = new Map<string, TargetDrift>();
  for (const spec of specs) {
    try {
      resolveTargetCredentials([spec], options.env);
    } catch (error) {
      if (!(error instanceof SyncError) || error.data.code !== 'credentials') throw error;
      refused.set(spec.name, unreadDrift({ name: spec.name, kind: spec.kind }, error));
    }
  }
  // The keys of the whole fleet still scrub what the gateways answer.
  const targets = createTargets(
    specs.filter((s) => !refused.has(s.name)),
    { ...options, fleet: options.fleet ?? specs },
  );
  try {
    const read = await checkDriftTargets(snapshot, targets, options);
    if (refused.size === 0) return read;
    const byName = new Map(read.targets.map((t) => [t.target, t]));
    const all = specs.map((s) => refused.get(s.name) ?? byName.get(s.name)!);
    return { ...read, inSync: all.every((t) => t.status === 'in-sync'), targets: all };
  } finally {
    await closeTargets(targets);
  }
}

/**
 * The group's services on the target whose progressive canary a rollout moved, with the weight it
 * reached: only where the snapshot still has that canary (another weight is drift, which the next
 * sync writes over).
 */
function rolloutCanaries(snapshot: SyncSnapshot, live: ApisixConfig): { service: string; weight: number }[] {
  const desired = new Map(snapshot.apisix.services.map((s) => [s.id, s]));
  const out: { service: string; weight: number }[] = [];
  for (const s of live.services) {
    const weight = rolloutWeight(s);
    const wanted = desired.get(s.id);
    if (weight === null || s.labels?.[LABEL_GROUP] !== snapshot.group || wanted === undefined || canarySteps(wanted) === null || !sameCanary(wanted, s)) continue;
    out.push({ service: s.id, weight });
  }
  return out;
}
