import type { ApisixStandaloneTargetSpec } from '../../../model/target.js';
import type { Plan } from '../../plan.js';
import { AdminClient, type AdminClientOptions } from '../apisix/client.js';
import type { ApplyContext, ApplyReport, LiveState, Target } from '../port.js';
import { applyStandalonePlan } from './apply.js';
import { readStandaloneState } from './read.js';
import { referrersIn, type Referrer } from '../../referrers.js';

/** An `apisix-standalone` target: an instance in API-driven standalone mode, one PUT per apply. */
export class ApisixStandaloneTarget implements Target {
  readonly kind = 'apisix-standalone' as const;
  readonly name: string;
  readonly #client: AdminClient;

  constructor(spec: ApisixStandaloneTargetSpec, client: Omit<AdminClientOptions, 'target' | 'baseUrl'>) {
    this.name = spec.name;
    this.#client = new AdminClient({ ...client, target: spec.name, baseUrl: spec.admin_url });
  }

  async read(): Promise<LiveState> {
    const state = await readStandaloneState(this.#client);
    return { config: state.config, digest: state.digest };
  }

  /** From the whole configuration (`GET /apisix/admin/configs`), read again. */
  async readReferrers(): Promise<readonly Referrer[]> {
    return referrersIn((await readStandaloneState(this.#client)).raw);
  }

  apply(plan: Plan, ctx: ApplyContext): Promise<ApplyReport> {
    return applyStandalonePlan(this.#client, plan, ctx.signal);
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}
