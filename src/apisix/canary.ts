/**
 * A progressive canary on its APISIX service: compile marks the service with the canary's steps
 * (`tagway.canary-steps`), and `tagway rollout` moves the weight of its `traffic-split` through
 * them, marking the weight it reached (`tagway.canary-weight`). That weight is runtime state
 * owned by the rollout: `adoptRuntimeState` gives the planner the snapshot's service at the
 * weight the gateway holds, so a sync, a drift check or `status --live` neither reports nor
 * undoes it — as long as the snapshot still has a progressive canary on that service.
 */
import { LABEL_CANARY_ID, LABEL_CANARY_PAUSE, LABEL_CANARY_STEPS, LABEL_CANARY_WEIGHT, type ApisixConfig, type ApisixObject } from '../model/apisix.js';

/** The steps of a progressive canary marked on an APISIX service, ascending; null when it has none. */
export function canarySteps(service: ApisixObject): number[] | null {
  const text = service.labels?.[LABEL_CANARY_STEPS];
  if (text === undefined) return null;
  const steps = text.split(',').map(Number);
  return steps.every((n) => Number.isInteger(n) && n >= 1 && n <= 100) ? steps : null;
}

/** Seconds a rollout waits at each step of the service's canary (`tagway.canary-pause`); 0 when unmarked. */
export function canaryPause(service: ApisixObject): number {
  const n = Number(service.labels?.[LABEL_CANARY_PAUSE] ?? 0);
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

/** The weight a rollout marked on a live service (0 to 100), or null. */
export function rolloutWeight(service: ApisixObject): number | null {
  const text = service.labels?.[LABEL_CANARY_WEIGHT];
  if (text === undefined || !/^(?:0|[1-9][0-9]?|100)$/.test(text)) return null;
  return Number(text);
}

/**
 * The service with its canary taking `weight` percent of the (matching) requests and the rollout's
 * mark; the service itself when it has no `traffic-split` with a canary upstream.
 */
export function withCanaryWeight(service: ApisixObject, weight: number): ApisixObject {
  const plugins = service.plugins as Record<string, unknown> | undefined;
  const split = plugins?.['traffic-split'] as { rules?: Record<string, unknown>[] } | undefined;
  const rule = split?.rules?.[0];
  const weighted = rule?.weighted_upstreams as { upstream_id?: string; weight?: number }[] | undefined;
  const canary = weighted?.find((w) => typeof w.upstream_id === 'string');
  if (plugins === undefined || split === undefined || rule === undefined || canary === undefined) return service;
  const rules = [{ ...rule, weighted_upstreams: [{ upstream_id: canary.upstream_id, weight }, { weight: 100 - weight }] }, ...(split.rules ?? []).slice(1)];
  return {
    ...service,
    labels: { ...service.labels, [LABEL_CANARY_WEIGHT]: String(weight) },
    plugins: { ...plugins, 'traffic-split': { ...split, rules } },
  };
}

/**
 * The snapshot's object as the gateway should hold it given the runtime state on `current`: for
 * an APISIX service with a progressive canary whose live object carries a rollout's weight, that
 * weight; otherwise (and for a rollout's step, which carries its own weight) `desired` itself.
 */
export function adoptRuntimeState(kind: string, desired: ApisixObject, current: ApisixObject): ApisixObject {
  // A rollout's own step carries its weight: it is what the gateway is to hold.
  if (kind !== 'services' || canarySteps(desired) === null || rolloutWeight(desired) !== null) return desired;
  // A weight reached by another canary (its nodes, steps or match changed in git) is not kept:
  // the new canary starts from its committed weight.
  if (!sameCanary(desired, current)) return desired;
  const weight = rolloutWeight(current);
  return weight === null ? desired : withCanaryWeight(desired, weight);
}

/** The canary's weight in the snapshot's service: where a sync puts it before any rollout. */
export function committedWeight(service: ApisixObject): number {
  const split = (service.plugins as Record<string, { rules?: { weighted_upstreams?: { upstream_id?: string; weight?: number }[] }[] }> | undefined)?.['traffic-split'];
  return split?.rules?.[0]?.weighted_upstreams?.find((w) => typeof w.upstream_id === 'string')?.weight ?? 0;
}

/**
 * The digest a rollout's step is written under: the snapshot's, with the service and the weight
 * (a standalone instance ignores a configuration under the digest it already holds).
 */
export function stepDigest(digest: string, id: string, weight: number): string {
  return `${digest}~canary:${id}@${weight}`;
}

/** The configuration with service `id`'s canary at `weight`, marked as a rollout's step. */
export function configAtWeight(config: ApisixConfig, id: string, weight: number): ApisixConfig {
  return { ...config, services: config.services.map((s) => (s.id === id ? withCanaryWeight(s, weight) : s)) };
}

/**
 * The weight a fleet has reached: the lowest a rollout marked on its gateways (`lives`: each
 * gateway's services), or the snapshot's where a gateway holds no mark. A rollout stopped part-way
 * resumes from the lowest.
 */
export function fleetWeight(service: ApisixObject, lives: readonly (readonly ApisixObject[])[]): number {
  const committed = committedWeight(service);
  return Math.min(...lives.map((services) => {
    const live = services.find((s) => s.id === service.id);
    return (live === undefined || !sameCanary(service, live) ? null : rolloutWeight(live)) ?? committed;
  }));
}

/** Whether a live service's rollout mark is for the snapshot service's canary (the same `tagway.canary-id`). */
export function sameCanary(desired: ApisixObject, live: ApisixObject): boolean {
  const id = desired.labels?.[LABEL_CANARY_ID];
  return id !== undefined && live.labels?.[LABEL_CANARY_ID] === id;
}
