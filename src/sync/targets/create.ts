import type { Dispatcher } from 'undici';
import type { TargetSpec } from '../../model/target.js';
import { fleetScrubber, resolveTargetCredentials, type Env } from '../credentials.js';
import type { RetryPolicy, Runtime } from '../retry.js';
import { timeoutsOf } from '../timeouts.js';
import { ApisixStandaloneTarget } from './apisix-standalone/index.js';
import { ApisixTarget } from './apisix/index.js';
import { FileTarget } from './file/index.js';
import type { Target } from './port.js';

export interface TargetOptions {
  /** Where `env:NAME` references are looked up (the CLI passes `process.env`). */
  readonly env: Env;
  /**
   * The whole fleet, when `specs` are some of its targets: gateway texts are scrubbed of the keys
   * of all of them. Default: `specs`.
   */
  readonly fleet?: readonly TargetSpec[];
  /** Directory `file` target paths are relative to (the repository root). */
  readonly root: string;
  /** Connections per gateway, i.e. the most writes in flight. Default 16. */
  readonly concurrency?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly runtime?: Partial<Runtime>;
  /** Replaces the connection pool of a gateway target (tests pass `MockAgent` pools). */
  readonly dispatcher?: (spec: TargetSpec) => Dispatcher | undefined;
}

/**
 * Builds the targets of a fleet, in order. All credentials are resolved first, so a missing
 * variable is a `credentials` error before any target is contacted. Every gateway text a target
 * quotes in an error is scrubbed of every key of the fleet. Close them after use.
 */
export function createTargets(specs: readonly TargetSpec[], options: TargetOptions): Target[] {
  const credentials = resolveTargetCredentials(specs, options.env);
  const scrubber = fleetScrubber(options.fleet ?? specs, options.env);
  return specs.map((spec) => {
    if (spec.kind === 'file') return new FileTarget(spec, options.root);
    const dispatcher = options.dispatcher?.(spec);
    const client = {
      credential: credentials.get(spec.name) ?? null,
      scrubber,
      connections: options.concurrency ?? 16,
      ...(options.retry !== undefined ? { retry: options.retry } : {}),
      timeouts: timeoutsOf(spec.timeouts),
      ...(options.runtime !== undefined ? { runtime: options.runtime } : {}),
      ...(dispatcher !== undefined ? { dispatcher } : {}),
    };
    return spec.kind === 'apisix' ? new ApisixTarget(spec, client) : new ApisixStandaloneTarget(spec, client);
  });
}

/** Closes every target, whatever happens to the others. */
export async function closeTargets(targets: readonly Target[]): Promise<void> {
  await Promise.allSettled(targets.map((t) => t.close()));
}
