/**
 * Fleet targets as written in `gateway-groups/<group>/group.yaml` (`targets:`), after schema
 * validation. Credentials are references (`env:NAME`), resolved only at sync time.
 */
export const TARGET_KINDS = ['apisix', 'apisix-standalone', 'file'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/**
 * Time limits of a gateway target's requests, in seconds (fractions allowed), as APISIX writes
 * an upstream's `timeout`. Each one left out keeps its default (src/sync/timeouts.ts).
 */
export interface TargetTimeoutsSpec {
  /** Opening a connection. Default 5. */
  readonly connect?: number;
  /** Waiting for the response headers. Default 10. */
  readonly headers?: number;
  /** Longest pause inside a response body. Default 10. */
  readonly body?: number;
  /** One request, all its attempts and the waits between them. Default 12. */
  readonly request?: number;
}

/** The keys of `timeouts:` (test/schema-types.test.ts checks them against the schema). */
export const TARGET_TIMEOUT_KEYS = ['connect', 'headers', 'body', 'request'] as const satisfies readonly (keyof TargetTimeoutsSpec)[];

export interface ApisixTargetSpec {
  readonly kind: 'apisix';
  readonly name: string;
  /** Base URL of the Admin API, e.g. `http://127.0.0.1:9180`. */
  readonly admin_url: string;
  /** `env:NAME` reference to the Admin API key. */
  readonly admin_key?: string;
  readonly timeouts?: TargetTimeoutsSpec;
}

export interface ApisixStandaloneTargetSpec {
  readonly kind: 'apisix-standalone';
  readonly name: string;
  readonly admin_url: string;
  readonly admin_key?: string;
  readonly timeouts?: TargetTimeoutsSpec;
}

export interface FileTargetSpec {
  readonly kind: 'file';
  readonly name: string;
  /** Path of the standalone `apisix.yaml`, relative to the repository root. */
  readonly path: string;
}

export type TargetSpec = ApisixTargetSpec | ApisixStandaloneTargetSpec | FileTargetSpec;

export interface RolloutSpec {
  /** Targets per step; a failed step halts the rollout. Default 1. */
  readonly batch_size: number;
}
