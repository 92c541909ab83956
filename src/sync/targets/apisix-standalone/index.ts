import type { ApisixConfig } from '../../../model/apisix.js';
import type { ApisixStandaloneTargetSpec } from '../../../model/target.js';
import type { Plan } from '../../plan.js';
import { AdminClient, type AdminClientOptions } from '../apisix/client.js';
import type { ApplyContext, ApplyReport, LiveState, Target } from '../port.js';
import { applyStandalonePlan } from './apply.js';
import { CONFIGS_PATH, readStandaloneState } from './read.js';
import { referrersIn, type Referrer } from '../../referrers.js';

/** An `apisix-standalone` target: an instance in API-driven standalone mode, one PUT per apply. */
export class ApisixStandaloneTarget implements Target {
  readonly kind = 'apisix-standalone' as const;
  /** One write of the whole configuration: retirements go with the steps (docs/adoption.md). */
  readonly writesWhole = true;
  readonly name: string;
  readonly #client: AdminClient;
  /** The configuration of the last `read`, which the plan given to `apply` was made from. */
  #lastRead: ApisixConfig | undefined;

  constructor(spec: ApisixStandaloneTargetSpec, client: Omit<AdminClientOptions, 'target' | 'baseUrl'>) {
    this.name = spec.name;
    this.#client = new AdminClient({ ...client, target: spec.name, baseUrl: spec.admin_url });
  }

  async read(): Promise<LiveState> {
    const state = await readStandaloneState(this.#client);
    this.#lastRead = state.config;
    return { config: state.config, digest: state.digest };
  }

  /** From the whole configuration (`GET /apisix/admin/configs`), read again. */
  async readReferrers(): Promise<readonly Referrer[]> {
    return referrersIn((await readStandaloneState(this.#client)).raw);
  }

  /** Stops before the PUT when the group's objects changed since the last `read` (see apply.ts). */
  async apply(plan: Plan, ctx: ApplyContext): Promise<ApplyReport> {
    const report = await applyStandalonePlan(this.#client, plan, this.#lastRead, ctx.signal);
    // One request writes every step.
    if (report.ok) ctx.onWrites?.(plan.steps.length);
    return report;
  }

  /** `HEAD /apisix/admin/configs`: the `X-Digest` of the last accepted PUT, without the body. */
  async reportedDigest(): Promise<string | null> {
    const res = await this.#client.request({ method: 'HEAD', path: CONFIGS_PATH });
    const digest = res.headers['x-digest'];
    return digest !== undefined && digest !== '' ? digest : null;
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}
