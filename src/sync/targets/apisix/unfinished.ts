/**
 * The record of a run that is writing an `apisix` target: an upstream
 * `tagway-lease.<group>.unfinished` (with no nodes, referenced by nothing, so it routes no traffic)
 * written before a plan's first write and removed after its last write, or after an undo that
 * took every write back. A run that ends otherwise — killed (`kill -9`, a second signal, a lost CI
 * runner) or an undo that failed — leaves it, and every later read sees that the group's objects
 * on the target may come from two states: `status --live` says **mixed**, whatever changed (a
 * version, an overlay's nodes), until a sync completes. The Admin API writes objects one by one,
 * so this is the only way to tell a half-written target from one edited by hand; targets written
 * in one request (standalone, file) are never half-written.
 *
 * Its id starts with `tagway-lease.` like the run's leases: objects for coordinating runs, never
 * configuration (no `tagway.group` label, so no group owns it; three dot-separated parts, so never
 * an id tagway emits). It does not carry the `tagway.lease` label: the lease queue ignores it.
 */
import { LABEL_MANAGED_BY, LABEL_MANAGED_BY_VALUE, LABEL_UNFINISHED, LABEL_UNFINISHED_DIGEST, type ApisixObject } from '../../../model/apisix.js';
import type { UnfinishedRun } from '../port.js';
import { KIND, objectPath } from '../../../apisix/kinds/index.js';
import { SyncError } from '../../errors.js';
import type { AdminClient } from './client.js';

/** The record is an upstream, like a lease. */
const UPSTREAMS = KIND.upstreams;

export function unfinishedId(group: string): string {
  return `tagway-lease.${group}.unfinished`;
}

/** Writes the record before a plan's first write. A gateway that refuses it (4xx) is written without one. */
export async function markUnfinished(client: AdminClient, group: string, digest: string, now: Date): Promise<boolean> {
  try {
    await client.request({
      method: 'PUT',
      path: objectPath(UPSTREAMS, unfinishedId(group)),
      body: {
        name: `tagway sync of ${group}, unfinished`,
        desc: `a sync of group ${group} to ${digest} started ${now.toISOString().replace(/\.\d{3}Z$/, 'Z')} and has not finished`,
        labels: { [LABEL_MANAGED_BY]: LABEL_MANAGED_BY_VALUE, [LABEL_UNFINISHED]: group, [LABEL_UNFINISHED_DIGEST]: digest },
        type: 'roundrobin',
        nodes: {},
      },
    });
    return true;
  } catch (error) {
    if (error instanceof SyncError && (error.code === 'rejected' || error.code === 'auth')) return false;
    throw error;
  }
}

/** Removes the record once the run's writes are complete, or all taken back. */
export async function clearUnfinished(client: AdminClient, group: string): Promise<void> {
  try {
    await client.request({ method: 'DELETE', path: objectPath(UPSTREAMS, unfinishedId(group)), allow: [404] });
  } catch {
    // Left behind, it says "mixed" until the next sync that completes: a false alarm, never a lie.
  }
}

/** The unfinished runs a read of the target's upstreams shows, by group. */
export function unfinishedIn(upstreams: readonly ApisixObject[]): UnfinishedRun[] {
  const runs: UnfinishedRun[] = [];
  for (const obj of upstreams) {
    const group = obj.labels?.[LABEL_UNFINISHED];
    if (group === undefined || obj.id !== unfinishedId(group)) continue;
    runs.push({ group, digest: obj.labels?.[LABEL_UNFINISHED_DIGEST] ?? null, description: typeof obj.desc === 'string' ? obj.desc : null });
  }
  return runs;
}
