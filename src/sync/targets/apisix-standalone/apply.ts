import type { ApisixConfig } from '../../../model/apisix.js';
import { STANDALONE_LISTS, bodyOf } from '../../../apisix/kinds/index.js';
import { SyncError, errorData, interruptedError } from '../../errors.js';
import { sameJson } from '../../../apisix/normalize.js';
import { applyPlanToConfig, blockedError, ownedObjects, stepsBlockedIn, type Plan } from '../../plan.js';
import type { ApplyReport, RestoreReport } from '../port.js';
import type { AdminClient } from '../apisix/client.js';
import { CONFIGS_PATH, readStandaloneState, type StandaloneState } from './read.js';

const NOTHING_TO_RESTORE: RestoreReport = { attempted: false, ok: true, failures: [] };

/**
 * The body of `PUT /apisix/admin/configs` that turns `state` into `next`.
 *
 * APISIX replaces a resource type whose `<kind>_conf_version` in the body is higher than the stored
 * one, keeps the stored list when it is equal, rejects a lower one, and, when the body has no
 * version for a type, bumps it and takes the body's list, empty if absent
 * (`apisix/admin/standalone.lua` `update`). So every list and version read is sent back: types
 * tagway does not manage (consumers, ssls, ...) keep their version and stay as they are; of the
 * managed types (`STANDALONE_LISTS`), a changed one gets version + 1 and its whole list (other
 * owners' objects included, each as read), an unchanged one keeps its version.
 */
export function configsBody(state: StandaloneState, next: ApisixConfig): Record<string, unknown> {
  const body: Record<string, unknown> = { ...state.raw };
  for (const { key, kinds } of STANDALONE_LISTS) {
    const versionKey = `${key}_conf_version`;
    const current = state.raw[versionKey];
    const changed = kinds.some((kind) => !sameJson(state.config[kind.name], next[kind.name]));
    body[key] = kinds.flatMap((kind) => next[kind.name].map((obj) => state.asRead.get(obj) ?? bodyOf(kind, obj)));
    if (typeof current === 'number') body[versionKey] = changed ? current + 1 : current;
    else if (changed) body[versionKey] = 1;
  }
  return body;
}

/**
 * The error when the group's own objects on the instance changed between the read the plan was
 * made from and the read right before writing: another run of the group (or another writer) is
 * at work there. Standalone mode has no lease (docs/concurrent-runs.md), so this is how a racing
 * run is noticed before it is overwritten, or merged with.
 */
function changedMeanwhile(target: string, plan: Plan, digest: string | null): SyncError {
  return new SyncError({
    code: 'conflict',
    target,
    message:
      `target ${target}: the objects of group ${plan.group} changed since this run read them` +
      `${digest !== null ? ` (the instance now reports digest ${digest})` : ''}; nothing was written`,
    hint: 'another run of this group (or another writer) is changing the instance; sync again when it is done',
  });
}

/**
 * Applies a plan to a standalone instance in one atomic request. The configuration is read again
 * right before writing so the versions are current and objects of other owners that appeared since
 * the plan was made are kept (an unowned object now sitting at an id the plan writes is a conflict).
 * With `planned` (the configuration the plan was made from), a change to the group's own objects
 * since then stops the apply before the PUT. A failed PUT changed nothing, so there is nothing to
 * undo; the engine reads back to confirm.
 */
export async function applyStandalonePlan(client: AdminClient, plan: Plan, planned?: ApisixConfig, signal?: AbortSignal): Promise<ApplyReport> {
  if (signal?.aborted === true) {
    return { ok: false, writes: 0, error: interruptedError(client.target, signal, 0, 1), restore: NOTHING_TO_RESTORE };
  }
  let state: StandaloneState;
  let next: ApisixConfig;
  try {
    state = await readStandaloneState(client);
    if (planned !== undefined && !sameJson(ownedObjects(planned, plan.group), ownedObjects(state.config, plan.group))) {
      throw changedMeanwhile(client.target, plan, state.digest);
    }
    const blocked = stepsBlockedIn(state.config, plan);
    if (blocked.length > 0) throw blockedError(client.target, plan, blocked);
    next = applyPlanToConfig(state.config, plan);
  } catch (error) {
    return { ok: false, writes: 0, error: errorData(error, client.target), restore: NOTHING_TO_RESTORE };
  }

  try {
    const res = await client.request({
      method: 'PUT',
      path: CONFIGS_PATH,
      headers: { 'x-digest': plan.digest },
      body: configsBody(state, next),
    });
    if (res.status !== 204) return { ok: true, writes: 1 };
    // 204: the instance already reports this digest and ignored the body.
    const after = await readStandaloneState(client);
    if (sameJson(after.config, next)) return { ok: true, writes: 0 };
    throw new SyncError({
      code: 'stale-digest',
      target: client.target,
      message: `target ${client.target} reports digest ${plan.digest} already but holds other objects, so it ignored the update`,
      hint: 'another writer changed its configuration and kept the digest; compile a new snapshot (any change gives a new digest) or change the configuration back',
      request: { method: 'PUT', path: CONFIGS_PATH, status: 204, attempts: 1 },
    });
  } catch (error) {
    return { ok: false, writes: 0, error: errorData(error, client.target), restore: NOTHING_TO_RESTORE };
  }
}
