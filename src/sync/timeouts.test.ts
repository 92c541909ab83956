import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY } from './retry.js';
import { DEFAULT_TIMEOUTS, SYNC_FAILURE_BUDGET_MS, describeLimit, timeoutsOf } from './timeouts.js';

describe('request time limits', () => {
  it('fail a request to a gateway that never answers within the sync budget of 15 s, whatever the retry policy', () => {
    expect(SYNC_FAILURE_BUDGET_MS).toBe(15_000);
    expect(DEFAULT_TIMEOUTS).toEqual({ connectMs: 5_000, headersMs: 10_000, bodyMs: 10_000, requestMs: 12_000 });
    // A request (every attempt and wait) ends within requestMs; five attempts of 10 s no longer add up.
    expect(DEFAULT_TIMEOUTS.requestMs).toBeLessThanOrEqual(SYNC_FAILURE_BUDGET_MS);
    expect(DEFAULT_RETRY_POLICY.maxAttempts * DEFAULT_RETRY_POLICY.timeoutMs).toBeGreaterThan(SYNC_FAILURE_BUDGET_MS);
    // One attempt that waits out the headers limit leaves time for another.
    expect(DEFAULT_TIMEOUTS.headersMs).toBeLessThan(DEFAULT_TIMEOUTS.requestMs);
  });

  it("takes group.yaml's seconds over the defaults, one limit at a time", () => {
    expect(timeoutsOf(undefined)).toEqual(DEFAULT_TIMEOUTS);
    expect(timeoutsOf({ headers: 0.25, request: 2 })).toEqual({ ...DEFAULT_TIMEOUTS, headersMs: 250, requestMs: 2_000 });
  });

  it('names a limit in seconds or milliseconds', () => {
    expect([describeLimit(12_000), describeLimit(1_500), describeLimit(250), describeLimit(1_234)]).toEqual(['12 s', '1.5 s', '250 ms', '1234 ms']);
  });
});
