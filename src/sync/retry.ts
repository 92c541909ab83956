import { setTimeout as delay } from 'node:timers/promises';
import { backoffDelay } from '../core/backoff.js';

/** How a request is retried. Every field has a default (`DEFAULT_RETRY_POLICY`). */
export interface RetryPolicy {
  /** Attempts per request, first one included. */
  readonly maxAttempts: number;
  /** Backoff cap before the first retry; doubles per attempt up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Longest `Retry-After` honoured; a longer one is waited for this long. */
  readonly maxRetryAfterMs: number;
  /**
   * One attempt (connect, headers and body) must finish within this. All attempts of a request
   * together stay within its time limit (`RequestTimeouts.requestMs`).
   */
  readonly timeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
  timeoutMs: 10_000,
};

/** The clock, timer and randomness requests use; tests inject fakes so retries take no time. */
export interface Runtime {
  readonly sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). */
  readonly random: () => number;
  /** Milliseconds since the epoch (for HTTP-date `Retry-After`). */
  readonly now: () => number;
}

export const SYSTEM_RUNTIME: Runtime = {
  sleep: async (ms) => {
    await delay(ms);
  },
  random: Math.random,
  now: Date.now,
};

/**
 * Delay before retry number `retry` (1 = first retry): `backoffDelay` with full jitter, uniform in
 * [0, min(maxDelay, base · 2^(retry-1))), so many clients retrying at once spread out. When the
 * server sent `Retry-After`, wait at least that long (capped at `maxRetryAfterMs`).
 */
export function retryDelay(
  retry: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs: number | null,
): number {
  const jitter = backoffDelay(retry, { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs, jitter: 'full' }, random);
  if (retryAfterMs === null) return jitter;
  return Math.max(Math.min(retryAfterMs, policy.maxRetryAfterMs), jitter);
}

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
 * Null when absent or unparsable; a date in the past is 0.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/** HTTP statuses worth another attempt: overload and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}
