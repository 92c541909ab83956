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
  /** Base URL of the gateway's data plane, where health checks send their probes (docs/health-checks.md). */
  readonly proxy_url?: string;
  /** The gateway's Prometheus endpoint (APISIX's `prometheus` plugin), for metric checks. */
  readonly metrics_url?: string;
  /** Probes of this gateway alone, besides the group's (`checks.probes` of group.yaml). */
  readonly checks?: { readonly probes?: readonly ProbeSpec[] };
}

export interface ApisixStandaloneTargetSpec {
  readonly kind: 'apisix-standalone';
  readonly name: string;
  readonly admin_url: string;
  readonly admin_key?: string;
  readonly timeouts?: TargetTimeoutsSpec;
  readonly proxy_url?: string;
  readonly metrics_url?: string;
  readonly checks?: { readonly probes?: readonly ProbeSpec[] };
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
  /**
   * What a batch whose health checks fail takes back: `batch` (default) restores the targets of
   * that batch; `all` also those of the batches before it (docs/health-checks.md).
   */
  readonly restore_on_check_failure?: 'batch' | 'all';
}

/**
 * One HTTP probe sent through each target's data plane (`proxy_url`) after its batch is written:
 * it passes after `successes` answers in a row that meet every expectation, and fails after
 * `failures` in a row that do not (or when `deadline` passes first).
 */
export interface ProbeSpec {
  readonly name: string;
  /** Default GET. */
  readonly method?: 'GET' | 'HEAD' | 'OPTIONS' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, starting with `/`. */
  readonly path: string;
  /** The Host header (a route's host); default the proxy_url's. */
  readonly host?: string;
  /** Request headers; a value may be an `env:NAME` reference, resolved at sync time and never shown. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Expected statuses: codes (`200`) and ranges (`"200-299"`). Default `["200-399"]`. */
  readonly status?: readonly (number | string)[];
  /** A regular expression the response body must match. */
  readonly body?: string;
  /** Longest time an answer may take, in milliseconds. */
  readonly latency_ms?: number;
  /** Answers in a row that pass it. Default 1. */
  readonly successes?: number;
  /** Answers in a row that fail it. Default 3 (a gateway may take a moment to load new configuration). */
  readonly failures?: number;
  /** Seconds between two requests. Default 1. */
  readonly interval?: number;
  /** Seconds one request may take. Default 5. */
  readonly timeout?: number;
  /** Seconds the probe may take in all before it fails. Default 60. */
  readonly deadline?: number;
}

/** `checks:` of a group.yaml. */
export interface ChecksSpec {
  readonly probes?: readonly ProbeSpec[];
  /** Also probe each route a target's plan creates or updates (src/sync/checks/derived.ts). Default false. */
  readonly probe_changed_routes?: boolean;
  readonly metrics?: MetricsCheckSpec;
}

/**
 * A check of what each gateway's Prometheus endpoint says about the routes a sync changed, over
 * `window` seconds after the write (src/sync/checks/metrics.ts).
 */
export interface MetricsCheckSpec {
  /** Seconds watched after the write, and before it. Default 30. */
  readonly window?: number;
  /** Highest share of 5xx answers in the window. Default 0.05. */
  readonly max_5xx_ratio?: number;
  /** Highest rise of that share over the window before the write. */
  readonly max_5xx_increase?: number;
  /** Highest 95th percentile of request latency, in milliseconds (a bucket bound). */
  readonly max_p95_ms?: number;
  /** Fewer requests in the window are not judged. Default 20. */
  readonly min_requests?: number;
  /** `changed` (default): the routes the target's plan created or updated; `all`: every route. */
  readonly routes?: 'changed' | 'all';
}

export const METRICS_CHECK_KEYS = ['window', 'max_5xx_ratio', 'max_5xx_increase', 'max_p95_ms', 'min_requests', 'routes'] as const satisfies readonly (keyof MetricsCheckSpec)[];

/** The keys of `checks:` and of a probe (test/schema-types.test.ts checks them against the schema). */
export const CHECKS_KEYS = ['probes', 'probe_changed_routes', 'metrics'] as const satisfies readonly (keyof ChecksSpec)[];
export const PROBE_KEYS = [
  'name', 'method', 'path', 'host', 'headers', 'status', 'body', 'latency_ms', 'successes', 'failures', 'interval', 'timeout', 'deadline',
] as const satisfies readonly (keyof ProbeSpec)[];
