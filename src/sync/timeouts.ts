import type { TargetTimeoutsSpec } from '../model/target.js';

/**
 * Time limits of a gateway target's requests (`apisix`, `apisix-standalone`). Set per target in
 * group.yaml under `timeouts:` (seconds); every limit has a default (`DEFAULT_TIMEOUTS`).
 */
export interface RequestTimeouts {
  /** Opening a connection (TCP, and TLS for https). */
  readonly connectMs: number;
  /** From the end of the request to the end of the response headers. */
  readonly headersMs: number;
  /** Longest pause between two pieces of a response body. */
  readonly bodyMs: number;
  /**
   * One request from its first attempt to its last answer: every attempt and every wait between
   * attempts (backoff, `Retry-After`). Retries never stretch a request past it.
   */
  readonly requestMs: number;
}

/**
 * A gateway that accepts connections and never answers fails a request after `requestMs` (12 s):
 * the first attempt gives up when no headers came within `headersMs` (10 s), and the next one
 * gets what is left of the 12 s. A sync reads every target before its first write, so such a
 * gateway fails the sync in its preflight read within `SYNC_FAILURE_BUDGET_MS` (15 s), whatever
 * the retry policy.
 */
export const DEFAULT_TIMEOUTS: RequestTimeouts = {
  connectMs: 5_000,
  headersMs: 10_000,
  bodyMs: 10_000,
  requestMs: 12_000,
};

/** What a user feels at most before a sync against a gateway that never answers reports it. */
export const SYNC_FAILURE_BUDGET_MS = 15_000;

/** The limits of a target: group.yaml's `timeouts:` (seconds) over the defaults. */
export function timeoutsOf(spec: TargetTimeoutsSpec | undefined): RequestTimeouts {
  const ms = (seconds: number | undefined, fallback: number) => (seconds === undefined ? fallback : Math.round(seconds * 1000));
  return {
    connectMs: ms(spec?.connect, DEFAULT_TIMEOUTS.connectMs),
    headersMs: ms(spec?.headers, DEFAULT_TIMEOUTS.headersMs),
    bodyMs: ms(spec?.body, DEFAULT_TIMEOUTS.bodyMs),
    requestMs: ms(spec?.request, DEFAULT_TIMEOUTS.requestMs),
  };
}

/** `12 s`, `250 ms`: a limit as messages name it. */
export function describeLimit(ms: number): string {
  return ms >= 1000 && ms % 100 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
