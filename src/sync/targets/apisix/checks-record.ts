/**
 * The record of the last health checks a rollout ran on an `apisix` target: an upstream
 * `tagway-lease.<group>.checks` (no nodes, referenced by nothing, so it routes no traffic) whose
 * labels say the snapshot checked and the verdict, and whose `desc` says what each check saw, in
 * short. `status --live` shows it per target; it is rewritten by every checked batch.
 *
 * Like the unfinished-run record (unfinished.ts) it belongs to no group (no `tagway.group`
 * label, an id tagway never emits) and is never configuration. Writing it is best effort: a
 * gateway that refuses it loses the record, not the rollout.
 */
import { LABEL_CHECKS, LABEL_CHECKS_DIGEST, LABEL_CHECKS_RESULT, LABEL_MANAGED_BY, LABEL_MANAGED_BY_VALUE, type ApisixObject } from '../../../model/apisix.js';
import { KIND, objectPath } from '../../../apisix/kinds/index.js';
import type { ChecksRecord } from '../port.js';
import type { AdminClient } from './client.js';

/** APISIX's longest `desc`. */
const MAX_DESC = 256;

export function checksRecordId(group: string): string {
  return `tagway-lease.${group}.checks`;
}

/** Writes (replaces) the record of `group`'s last checks on the gateway. Never throws. */
export async function writeChecksRecord(client: AdminClient, record: ChecksRecord): Promise<void> {
  const desc = record.description.length > MAX_DESC ? `${record.description.slice(0, MAX_DESC - 1)}…` : record.description;
  try {
    await client.request({
      method: 'PUT',
      path: objectPath(KIND.upstreams, checksRecordId(record.group)),
      body: {
        name: `tagway health checks of ${record.group}`,
        desc,
        labels: {
          [LABEL_MANAGED_BY]: LABEL_MANAGED_BY_VALUE,
          [LABEL_CHECKS]: record.group,
          [LABEL_CHECKS_DIGEST]: record.digest,
          [LABEL_CHECKS_RESULT]: record.ok ? 'passed' : 'failed',
        },
        type: 'roundrobin',
        nodes: {},
      },
    });
  } catch {
    // The record is a courtesy to `status`; the rollout's report has the checks in full.
  }
}

/** The checks records a read of the target's upstreams shows, by group. */
export function checksIn(upstreams: readonly ApisixObject[]): ChecksRecord[] {
  const out: ChecksRecord[] = [];
  for (const obj of upstreams) {
    const group = obj.labels?.[LABEL_CHECKS];
    const digest = obj.labels?.[LABEL_CHECKS_DIGEST];
    const result = obj.labels?.[LABEL_CHECKS_RESULT];
    if (group === undefined || obj.id !== checksRecordId(group) || digest === undefined || (result !== 'passed' && result !== 'failed')) continue;
    out.push({ group, digest, ok: result === 'passed', description: typeof obj.desc === 'string' ? obj.desc : '' });
  }
  return out;
}
