/**
 * How long a failing group waits before its next attempt. Pure.
 *
 * After `failures` consecutive failures (≥ 1) the ceiling is `min(max, base · 2^(failures-1))`
 * and the delay is uniform in [ceiling/2, ceiling) ("equal jitter"): agents of a fleet that
 * failed together spread out, and none retries sooner than half the ceiling. With `base` the
 * reconcile interval, the first failure is retried on the next reconcile.
 */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

export function backoffDelay(failures: number, policy: BackoffPolicy, random: () => number): number {
  if (failures <= 0) return 0;
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(failures - 1, 30));
  return Math.floor(ceiling / 2 + random() * (ceiling / 2));
}
