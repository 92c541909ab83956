/**
 * Exponential backoff with jitter, the one rule for every wait after a failure: a gateway request
 * retried by the sync (full jitter, src/sync/retry.ts) and a group the agent retries (equal
 * jitter, src/agent/agent.ts). Pure: the randomness is passed in.
 *
 * After `failures` consecutive failures (≥ 1) the ceiling is `min(max, base · 2^(failures-1))`;
 * the delay is uniform in
 * - [0, ceiling) with `full` jitter: many clients retrying at once spread out the most;
 * - [ceiling/2, ceiling) with `equal` jitter: spread out, and never sooner than half the ceiling.
 * No failure yet: no wait.
 */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly jitter: 'full' | 'equal';
}

export function backoffDelay(failures: number, policy: BackoffPolicy, random: () => number): number {
  if (failures <= 0) return 0;
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(failures - 1, 30));
  return policy.jitter === 'full' ? Math.floor(random() * ceiling) : Math.floor(ceiling / 2 + random() * (ceiling / 2));
}
