/**
 * Time as the agent sees it. Everything that waits or stamps goes through a `Clock`, so tests run
 * reconciles back to back on a manual clock instead of waiting for intervals and backoffs.
 */
import { setTimeout as delay } from 'node:timers/promises';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Uniform in [0, 1): the jitter of backoffs. */
  random(): number;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    if (signal?.aborted === true) return;
    await delay(ms, undefined, signal === undefined ? {} : { signal }).catch(() => undefined);
  },
  random: Math.random,
};
