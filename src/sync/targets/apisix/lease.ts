/**
 * The lease of an `apisix` target (docs/concurrent-runs.md): each run creates its own lease
 * object and holds the lease while its object is the oldest live one of the group.
 *
 * The Admin API has no compare-and-swap, so one fixed lease object that each run overwrites and
 * reads back cannot decide between two runs (both may read their own write). Instead the order is
 * etcd's: every write gets the next revision of one global counter, and a key keeps the revision
 * it was created at (`createdIndex`) across updates (`apisix/core/etcd.lua` `kvs_to_node`). The
 * Admin API reads etcd itself on every request, a linearizable range read
 * (`apisix/admin/resource.lua` `get` → `core.etcd.get`), so a run that lists the group's leases
 * after writing its own sees every lease created before it: exactly one run finds its own object
 * first.
 *
 * - The object is an upstream with no nodes (`apisix/schema_def.lua` `upstream_schema`: `nodes`
 *   may be an empty object), which nothing references, so it routes no traffic; its `desc` says
 *   who holds it, its labels which group and for how long.
 * - It is written with `?ttl=<seconds>` (`resource.lua` `put` → etcd lease), so etcd removes the
 *   object of a run that died; every renewal writes it again with a fresh ttl.
 * - The group's leases are listed with `?label=tagway.lease` (`apisix/admin/v3_adapter.lua`
 *   `filter`: the label key is present) and no paging, so a large gateway is not paged through.
 *   The `name` filter is not used: it fails on objects without a name.
 * - Expiry is judged on the gateway's clock: APISIX stamps `update_time` on every write
 *   (`apisix/admin/utils.lua` `inject_timestamp`), so a lease whose `update_time` is more than its
 *   ttl before that of this run's own fresh write has lapsed, whatever the clients' clocks say.
 * - Its labels also name the host and process of its run: a run on the same host finds a lease
 *   whose process is gone (a second Ctrl-C, `kill -9`) abandoned at once instead of after its ttl.
 * - A PUT answers 201 when the key was new and 200 when it replaced one (`core/etcd.lua` `set`,
 *   `prev_kv`): a renewal answered 201 means the lease had vanished (expired, or removed by a run
 *   that found it expired), i.e. it was lost.
 */
import { LABEL_LEASE, LABEL_LEASE_HOST, LABEL_LEASE_PID, LABEL_LEASE_TTL, LABEL_MANAGED_BY, LABEL_MANAGED_BY_VALUE } from '../../../model/apisix.js';
import { processGone } from '../../lease/holder.js';
import { SyncError, errorData } from '../../errors.js';
import type { LeaseClaim, LeaseRequest, TargetLease } from '../port.js';
import { KIND, objectPath } from '../../../apisix/kinds/index.js';
import type { AdminClient } from './client.js';
import { listItems } from './read.js';

/** The kind of a lease object (an upstream, see above). */
const LEASE_KIND = KIND.upstreams;

/** Longest `desc` APISIX accepts (`schema_def.lua` `desc_def`). */
const DESC_MAX = 256;

/** The id of a run's lease object: three dot-separated parts, so never an id tagway emits. */
export function leaseId(group: string, token: string): string {
  return `tagway-lease.${group}.${token}`;
}

/** The upstream that stands for a run's lease. */
export function leaseBody(request: LeaseRequest): Record<string, unknown> {
  const holder = request.holder.length > DESC_MAX ? `${request.holder.slice(0, DESC_MAX - 1)}…` : request.holder;
  return {
    name: `tagway lease of ${request.group}`,
    desc: holder,
    labels: {
      [LABEL_MANAGED_BY]: LABEL_MANAGED_BY_VALUE,
      [LABEL_LEASE]: request.group,
      [LABEL_LEASE_TTL]: String(request.ttlSeconds),
      // Label values are `^\S+$` (`schema_def.lua` `labels_def`); a host name has no spaces.
      ...(/^\S{1,256}$/.test(request.process.host) ? { [LABEL_LEASE_HOST]: request.process.host, [LABEL_LEASE_PID]: String(request.process.pid) } : {}),
    },
    type: 'roundrobin',
    nodes: {},
  };
}

/** One lease object of the group as listed. */
interface ListedLease {
  readonly id: string;
  readonly createdIndex: number;
  /** Gateway time of its last write, epoch seconds; null when the gateway stamps none. */
  readonly updateTime: number | null;
  readonly ttlSeconds: number;
  readonly holder: string;
  /** The host and process of its run, when it says. */
  readonly process: { readonly host: string; readonly pid: number } | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberOf(value: unknown): number | null {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

/** Renewals that lost their lease delete the object they re-created; other failures are not the run's concern. */
async function removeQuietly(client: AdminClient, id: string): Promise<void> {
  try {
    await client.request({ method: 'DELETE', path: objectPath(LEASE_KIND, id), allow: [404] });
  } catch {
    // The object lapses by its ttl.
  }
}

export class AdminLease implements TargetLease {
  readonly location: string;
  readonly #client: AdminClient;

  constructor(client: AdminClient, location: string) {
    this.#client = client;
    this.location = location;
  }

  async claim(request: LeaseRequest, renewal: boolean): Promise<LeaseClaim> {
    const client = this.#client;
    const id = leaseId(request.group, request.token);
    let written;
    try {
      written = await client.request({
        method: 'PUT',
        path: `${objectPath(LEASE_KIND, id)}?ttl=${request.ttlSeconds}`,
        body: leaseBody(request),
      });
    } catch (error) {
      if (error instanceof SyncError && (error.code === 'rejected' || error.code === 'auth')) {
        return { state: 'refused', error: errorData(error, client.target) };
      }
      throw error;
    }
    const value = isRecord(written.body) ? written.body.value : undefined;
    const now = isRecord(value) ? numberOf(value.update_time) : null;
    const leases = await this.#list(request.group);
    if (leases === null) {
      await removeQuietly(client, id);
      return {
        state: 'refused',
        error: {
          code: 'rejected',
          target: client.target,
          message: `target ${client.target} lists objects without a creation index, so runs cannot be put in order on it`,
        },
      };
    }
    const own = leases.find((l) => l.id === id);

    if (renewal && (written.status === 201 || own === undefined)) {
      await removeQuietly(client, id);
      const first = leases.find((l) => l.id !== id);
      return { state: 'lost', holder: first?.holder ?? null };
    }
    if (own === undefined) {
      // Removed between the write and the list by a run that took it for expired: queue again.
      return { state: 'queued', holder: leases[0]?.holder ?? 'another run' };
    }

    const tookOver: string[] = [];
    for (const other of leases) {
      if (other.createdIndex >= own.createdIndex) break;
      // Lapsed: not renewed within its ttl by the gateway's clock, or its process (of this host) is gone.
      const lapsed =
        (now !== null && other.updateTime !== null && now - other.updateTime > other.ttlSeconds) ||
        (other.process !== null && processGone(other.process.host, other.process.pid));
      if (!lapsed) return renewal ? { state: 'lost', holder: other.holder } : { state: 'queued', holder: other.holder };
      await client.request({ method: 'DELETE', path: objectPath(LEASE_KIND, other.id), allow: [404] });
      tookOver.push(other.holder);
    }
    return { state: 'held', tookOver };
  }

  async release(request: LeaseRequest): Promise<void> {
    await this.#client.request({ method: 'DELETE', path: objectPath(LEASE_KIND, leaseId(request.group, request.token)), allow: [404] });
  }

  /** The group's lease objects, oldest first; null when the gateway keeps no creation order. */
  async #list(group: string): Promise<ListedLease[] | null> {
    const client = this.#client;
    const path = `/apisix/admin/${LEASE_KIND.admin.list}?label=${encodeURIComponent(LABEL_LEASE)}`;
    const res = await client.request({ method: 'GET', path });
    const leases: ListedLease[] = [];
    for (const item of listItems(client, path, res.body).items) {
      const value = isRecord(item) ? item.value : undefined;
      const labels = isRecord(value) && isRecord(value.labels) ? value.labels : undefined;
      if (!isRecord(item) || !isRecord(value) || labels?.[LABEL_LEASE] !== group) continue;
      const createdIndex = numberOf(item.createdIndex);
      if (createdIndex === null) return null;
      const id = value.id ?? (typeof item.key === 'string' ? item.key.split('/').pop() : undefined);
      leases.push({
        id: String(id),
        createdIndex,
        updateTime: numberOf(value.update_time),
        ttlSeconds: numberOf(labels[LABEL_LEASE_TTL]) ?? 60,
        holder: typeof value.desc === 'string' && value.desc !== '' ? value.desc : `a run of tagway (lease ${String(id)})`,
        process: typeof labels[LABEL_LEASE_HOST] === 'string' && numberOf(labels[LABEL_LEASE_PID]) !== null ? { host: labels[LABEL_LEASE_HOST], pid: numberOf(labels[LABEL_LEASE_PID])! } : null,
      });
    }
    return leases.sort((a, b) => a.createdIndex - b.createdIndex);
  }
}
