import type { ApisixTargetSpec } from '../../../model/target.js';
import type { Plan } from '../../plan.js';
import type { ApplyContext, ApplyReport, ChecksRecord, LiveState, ReadBackContext, ReadBackEntry, Target, TargetLease } from '../port.js';
import { applyApisixPlan } from './apply.js';
import { AdminClient, type AdminClientOptions } from './client.js';
import { AdminLease } from './lease.js';
import { clearUnfinished, unfinishedIn } from './unfinished.js';
import { checksIn, writeChecksRecord } from './checks-record.js';
import { readApisixConfig, readObjects, readReferrers } from './read.js';
import type { Referrer } from '../../referrers.js';
import type { ObjectRef } from '../../../model/apisix.js';

export { AdminClient } from './client.js';

/** An `apisix` target: one gateway's Admin API v3, object by object. */
export class ApisixTarget implements Target {
  readonly kind = 'apisix' as const;
  readonly name: string;
  /** A lease object per run on the gateway, ordered by etcd's creation index (see lease.ts). */
  readonly lease: TargetLease;
  readonly #client: AdminClient;

  constructor(spec: ApisixTargetSpec, client: Omit<AdminClientOptions, 'target' | 'baseUrl'>) {
    this.name = spec.name;
    this.#client = new AdminClient({ ...client, target: spec.name, baseUrl: spec.admin_url });
    this.lease = new AdminLease(this.#client, spec.admin_url.replace(/\/+$/, ''));
  }

  async read(): Promise<LiveState> {
    const config = await readApisixConfig(this.#client);
    return { config, digest: null, unfinished: unfinishedIn(config['upstreams']), checks: checksIn(config['upstreams']) };
  }

  apply(plan: Plan, ctx: ApplyContext): Promise<ApplyReport> {
    return applyApisixPlan(this.#client, plan, ctx);
  }

  clearUnfinished(group: string): Promise<void> {
    return clearUnfinished(this.#client, group);
  }

  recordChecks(record: ChecksRecord): Promise<void> {
    return writeChecksRecord(this.#client, record);
  }

  /** The other kinds' lists (`stream_routes`, `plugin_configs`, …), paged, reduced to their references. */
  readReferrers(): Promise<readonly Referrer[]> {
    return readReferrers(this.#client);
  }

  /** `GET /apisix/admin/<kind>/<id>` per object, `ctx.concurrency` at a time; 404 is absent. */
  readBack(refs: readonly ObjectRef[], ctx: ReadBackContext): Promise<readonly ReadBackEntry[]> {
    return readObjects(this.#client, refs, ctx.concurrency);
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}
