/**
 * `tagway rollout`: moves a service's progressive canary through its steps on every gateway of the
 * group, with the group's health checks after each step (docs/health-checks.md). Each step is a
 * sync of the group's snapshot with the canary's weight set to the step (one object per gateway:
 * the APISIX service, marked with the weight reached), so it has everything a sync has: the
 * preflight, the leases, batches, the undo log. A step whose checks fail sets the weight back to
 * 0 on every gateway and stops. The weight reached is runtime state (src/apisix/canary.ts): a
 * later sync keeps it, and a later rollout resumes from it.
 */
import { canaryPause, canarySteps, configAtWeight, fleetWeight, stepDigest } from '../apisix/canary.js';
import { UserError } from '../core/errors.js';
import type { ApisixObject } from '../model/apisix.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { ProbeRuntime } from '../sync/checks/probe.js';
import { SYSTEM_PROBE_RUNTIME } from '../sync/checks/probe.js';
import type { Env } from '../sync/credentials.js';
import { describeRun } from '../sync/lease/holder.js';
import { acquireLocalLock } from '../sync/lease/local-lock.js';
import { planSync } from '../sync/plan.js';
import type { RolloutReport, SyncSnapshot } from '../sync/report.js';
import { syncGroup } from '../sync/rollout.js';
import type { SyncEvent } from '../sync/sync.js';
import { closeTargets, createTargets } from '../sync/targets/create.js';
import { loadGroupSnapshot, withFleetErrors } from './group-snapshot.js';
import { resolveSecretReferences } from '../sync/secret-references.js';

export interface CanaryRolloutOptions {
  readonly cwd: string;
  readonly group: string;
  readonly service: string;
  readonly env: Env;
  /** Stop before a step when this many milliseconds have passed since the start; the weight reached stays. */
  readonly deadlineMs?: number;
  /** Stops after the step in flight (whose batch in flight is taken back, as a sync's). */
  readonly signal?: AbortSignal;
  /** Waits and clock of the probes and pauses (tests). */
  readonly probeRuntime?: ProbeRuntime;
  /** Told when a step starts and how it ended. */
  readonly onStep?: (step: CanaryStep) => void;
  /** Told when a target's writes start and end (see `SyncEvent`): a second signal names those being written. */
  readonly onEvent?: (event: SyncEvent) => void;
}

/** One step of a rollout: the weight it set, and the sync that set it (its checks included). */
export interface CanaryStep {
  readonly weight: number;
  readonly report: RolloutReport | null;
}

export type CanaryRolloutOutcome =
  | { readonly kind: 'findings'; readonly ok: false; readonly diagnostics: readonly Diagnostic[]; readonly sources: ReadonlyMap<string, string> }
  | {
      readonly kind: 'rolled-out';
      /**
       * - `complete`: every step passed; `weight` is the last step;
       * - `failed`: a step's checks (or its sync) failed; the weight was set back to 0 (`reset`);
       * - `deadline`, `stopped`: stopped before a step; `weight` (the last one reached) stays.
       */
      readonly result: 'complete' | 'failed' | 'deadline' | 'stopped';
      readonly ok: boolean;
      readonly group: string;
      readonly service: string;
      readonly from: number;
      readonly weight: number;
      readonly steps: readonly CanaryStep[];
      /** With `failed`: the sync that set the weight back to 0 everywhere. */
      readonly reset: RolloutReport | null;
      /** With `complete` at 100: the edit that makes the canary the primary, for the overlay file. */
      readonly promote: { readonly file: string; readonly text: string } | null;
    };

export async function runCanaryRollout(options: CanaryRolloutOptions): Promise<CanaryRolloutOutcome> {
  const loaded = await loadGroupSnapshot({ cwd: options.cwd, group: options.group, env: options.env });
  if (loaded.kind === 'findings') return { kind: 'findings', ok: false, diagnostics: loaded.diagnostics, sources: loaded.sources };
  const { fleet, root } = loaded;
  // As sync does: the tagway references (a consumer's credential, an SSL's key) resolved in
  // memory, so each step writes the values and the fleet is judged by the digest sync gave it.
  const snapshot = await withFleetErrors(async () => resolveSecretReferences(loaded.snapshot, { env: options.env, root }).snapshot);
  const service = snapshot.apisix.services.find((s) => s.id === options.service);
  const overlay = `gateway-groups/${options.group}/services/${options.service}.yaml`;
  if (service === undefined) {
    const known = snapshot.apisix.services.map((s) => s.id).join(', ');
    throw new UserError(`group ${options.group} runs no service ${options.service}`, `The services of the group: ${known || 'none'}.`);
  }
  const steps = canarySteps(service);
  if (steps === null) {
    throw new UserError(`service ${options.service} of group ${options.group} has no progressive canary`, `Add steps: (e.g. [5, 25, 50, 100]) to canary: in ${overlay}, and commit it.`);
  }
  if (fleet.targets.length === 0) throw new UserError(`group ${options.group} has no targets`, `Add a targets: list to ${fleet.file}.`);
  const runtime = options.probeRuntime ?? SYSTEM_PROBE_RUNTIME;
  const started = runtime.now();
  const targetOptions = { env: options.env, fleet: fleet.targets, root };
  const from = await withFleetErrors(() => reachedWeight(snapshot, service, fleet.targets, targetOptions));
  const atWeight = (weight: number): SyncSnapshot => ({ group: snapshot.group, digest: stepDigest(snapshot.digest, service.id, weight), apisix: configAtWeight(snapshot.apisix, service.id, weight) });
  // The routes of the service: what a metric check watches at each step.
  const routes = new Set(snapshot.apisix.routes.filter((r) => r.service_id === service.id).map((r) => r.id));
  const holder = describeRun({ command: `tagway rollout --group ${options.group} --service ${options.service}`, digest: snapshot.digest });
  const lock = await withFleetErrors(() => acquireLocalLock({ root, group: snapshot.group, holder, timeoutMs: 0 }));
  const done: CanaryStep[] = [];
  const base = { kind: 'rolled-out' as const, group: options.group, service: options.service, from };
  try {
    let weight = from;
    for (const step of steps.filter((s) => s > from)) {
      if (options.signal?.aborted === true) return { ...base, result: 'stopped', ok: false, weight, steps: done, reset: null, promote: null };
      if (options.deadlineMs !== undefined && runtime.now() - started > options.deadlineMs) return { ...base, result: 'deadline', ok: false, weight, steps: done, reset: null, promote: null };
      options.onStep?.({ weight: step, report: null });
      const report = await withFleetErrors(() =>
        syncGroup(atWeight(step), fleet.targets, {
          ...targetOptions,
          rollout: fleet.rollout,
          probes: fleet.probes,
          ...(fleet.metrics !== undefined ? { metrics: fleet.metrics } : {}),
          watchRoutes: routes,
          lease: { holder, timeoutMs: 0 },
          probeRuntime: runtime,
          ...(options.signal !== undefined ? { signal: options.signal } : {}),
          ...(options.onEvent !== undefined ? { onEvent: options.onEvent } : {}),
        }),
      );
      const outcome = { weight: step, report };
      done.push(outcome);
      options.onStep?.(outcome);
      if (!report.ok) {
        if (report.interrupted !== null) return { ...base, result: 'stopped', ok: false, weight, steps: done, reset: null, promote: null };
        // The failed batch is back at the previous weight; every gateway goes back to none.
        // Every gateway that can be reached goes back to 0%, whatever the others do.
        const reset = await withFleetErrors(() => syncGroup(atWeight(0), fleet.targets, { ...targetOptions, rollout: fleet.rollout, allowPartial: true, lease: { holder, timeoutMs: 0 } }));
        return { ...base, result: 'failed', ok: false, weight: reset.ok ? 0 : weight, steps: done, reset, promote: null };
      }
      weight = step;
      const pause = canaryPause(service);
      if (pause > 0 && step !== steps[steps.length - 1]) await runtime.sleep(pause * 1000, options.signal);
    }
    return { ...base, result: 'complete', ok: true, weight, steps: done, reset: null, promote: weight === 100 ? promoteEdit(snapshot, service, overlay) : null };
  } finally {
    lock.release();
  }
}

/**
 * The weight the fleet has reached: the lowest a rollout marked on the gateways (one that was
 * stopped part-way resumes from the lowest), or the snapshot's. The group must be in sync first:
 * a rollout moves a canary, it does not deploy.
 */
async function reachedWeight(snapshot: SyncSnapshot, service: ApisixObject, specs: Parameters<typeof createTargets>[0], options: Parameters<typeof createTargets>[1]): Promise<number> {
  const targets = createTargets(specs, options);
  try {
    const lives = await Promise.all(targets.map((t) => t.read()));
    const behind = targets.filter((_, i) => {
      const plan = planSync(snapshot, lives[i]!.config);
      return plan.steps.length > 0 || plan.conflicts.length > 0;
    });
    if (behind.length > 0) {
      throw new UserError(
        `${behind.map((t) => t.name).join(', ')} ${behind.length === 1 ? 'does' : 'do'} not run the group's snapshot`,
        `Sync the group first (tagway sync --group ${snapshot.group}); a rollout moves the canary of what the gateways run.`,
      );
    }
    return fleetWeight(service, lives.map((l) => l.config.services));
  } finally {
    await closeTargets(targets);
  }
}

/** The overlay edit that makes a canary at 100 the primary: its nodes as the upstream's, no canary. */
function promoteEdit(snapshot: SyncSnapshot, service: ApisixObject, file: string): { file: string; text: string } {
  const canary = snapshot.apisix.upstreams.find((u) => u.id === `${service.id}.canary`);
  const nodes = (canary?.nodes as { host: string; port?: number; weight?: number }[] | undefined) ?? [];
  const lines = ['upstream:', '  nodes:', ...nodes.flatMap((n) => [`    - host: ${n.host}`, ...(n.port !== undefined ? [`      port: ${n.port}`] : []), ...(n.weight !== undefined ? [`      weight: ${n.weight}`] : [])])];
  if (canary?.discovery_type !== undefined) lines.splice(1, lines.length - 1, `  # the canary's discovery: discovery_type ${String(canary.discovery_type)}, service_name ${String(canary.service_name)}`);
  return { file, text: `${lines.join('\n')}\n# and remove the canary: block\n` };
}
