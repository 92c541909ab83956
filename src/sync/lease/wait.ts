/**
 * Waiting for a lock or lease another run holds: polls with a growing delay until a deadline.
 * Time comes from a `LeaseClock`, so tests decide what a wait costs.
 */
import { setTimeout as delay } from 'node:timers/promises';

export interface LeaseClock {
  /** Monotonic milliseconds (only differences are used). */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Uniform in [0, 1): the jitter of polls, so two waiters do not poll in step. */
  random(): number;
}

export const SYSTEM_LEASE_CLOCK: LeaseClock = {
  now: () => performance.now(),
  sleep: (ms) => delay(ms),
  random: Math.random,
};

/** One look at a lock: taken (with what taking it returned), or held by the run `holder` describes. */
export type Attempt<T> = { readonly kind: 'done'; readonly value: T } | { readonly kind: 'busy'; readonly holder: string };

const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 2_000;

/** The wait before poll `n` (1-based): 100 ms growing by half each time up to 2 s, plus up to a quarter of jitter. */
export function pollDelay(n: number, random: () => number): number {
  const base = Math.min(MAX_POLL_MS, FIRST_POLL_MS * 1.5 ** Math.max(0, n - 1));
  return Math.round(base * (1 + random() / 4));
}

/**
 * Calls `attempt` until it is `done` or `deadline` (of `clock`) has passed, sleeping `pollDelay`
 * between attempts (never past the deadline). `onBusy` hears each new holder once. Returns the
 * last attempt: `busy` means the deadline passed (at once when it already had).
 */
export async function retryUntil<T>(
  attempt: () => Promise<Attempt<T>>,
  options: { readonly deadline: number; readonly clock: LeaseClock; readonly onBusy?: (holder: string) => void },
): Promise<Attempt<T>> {
  let heard: string | null = null;
  for (let n = 1; ; n += 1) {
    const result = await attempt();
    if (result.kind === 'done') return result;
    if (result.holder !== heard) {
      heard = result.holder;
      options.onBusy?.(result.holder);
    }
    const left = options.deadline - options.clock.now();
    if (left <= 0) return result;
    await options.clock.sleep(Math.min(left, pollDelay(n, options.clock.random)));
  }
}

/** `90 s`, `2 min`: a wait for messages. */
export function describeWait(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds >= 120 && seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}
