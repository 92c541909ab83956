/**
 * A run's leases on the targets of its fleet (docs/concurrent-runs.md): taken before the first
 * target is read, renewed while the run goes on, checked before every apply and proven at the end,
 * released last.
 *
 * 1. **Acquire**: the targets with a lease (`Target.lease`) are claimed one after another in the
 *    order of their `location`, so two runs never each hold what the other waits for. A target
 *    held by another run is polled until `timeoutMs` has passed; then every lease taken is given
 *    back and a `locked` error names that run.
 * 2. **Run**: `targets` are the fleet's targets wrapped so that each `apply` first renews the
 *    lease (a lease found lost stops that target before any write), and so that a target whose
 *    lease is not held does not offer a targeted read-back: its verify reads it whole.
 * 3. **Prove** (`prove`): each target reported on the snapshot is proven to still hold it: a
 *    renewal that finds the lease held since it was taken, or, for a kind without a lease, the
 *    digest it reports. A target that cannot be proven so is read whole; when it no longer holds
 *    the snapshot, its report becomes `failed` (`lease-lost` or `verify-failed`).
 * 4. **Release**: every lease object of the run is removed, whatever happened.
 */
import { SyncError, errorData, inPhase, type SyncErrorData } from '../errors.js';
import type { Plan } from '../plan.js';
import type { Referrer } from '../referrers.js';
import { runBounded } from '../../core/bounded.js';
import { probeTarget } from '../sync.js';
import type { ApplyContext, ApplyReport, ChecksRecord, LeaseRequest, LiveState, ReadBackContext, ReadBackEntry, Target, TargetLease } from '../targets/port.js';
import { describeRun, newRunToken, thisProcess } from './holder.js';
import { SYSTEM_LEASE_CLOCK, describeWait, retryUntil, type LeaseClock } from './wait.js';
import type { ObjectRef } from '../../model/apisix.js';
import type { SyncSnapshot } from '../report.js';
import type { TargetStatus } from '../report.js';
import type { TargetReport } from '../report.js';
import type { RolloutReport } from '../report.js';
import type { LeaseNote } from '../report.js';

/** Seconds a lease outlives its last renewal: what a run that died (kill -9) blocks others for. */
export const DEFAULT_LEASE_TTL_SECONDS = 60;
/** How long a run waits for another run's lock or lease by default (`--lock-timeout`). */
export const DEFAULT_LOCK_TIMEOUT_MS = 120_000;
/** Targets proven (renewed or read) at once at the end of a run. */
const PROVE_PARALLEL = 8;

export interface FleetLeaseOptions {
  /** This run, for the runs that wait for it (`describeRun`). */
  readonly holder: string;
  /** How long to wait for another run's leases; 0 fails at once. */
  readonly timeoutMs: number;
  readonly ttlSeconds?: number;
  /** Renewals while the run goes on. Default a third of the ttl. */
  readonly renewEveryMs?: number;
  readonly clock?: LeaseClock;
  /** Called when a target is found held by another run, once per target and holder. */
  readonly onWait?: (wait: { readonly target: string; readonly holder: string }) => void;
}

/**
 * - `held`: claimed first, and every renewal since found it so;
 * - `took-over`: held after removing a lapsed lease of another run, which may still have been writing;
 * - `refused`: the target would not keep a lease;
 * - `lost`: a renewal found it gone or behind another run's;
 * - `unconfirmed`: a claim or renewal did not get an answer (a renewal that finds it held again restores `held`);
 * - `none`: the kind has no lease.
 */
type EntryState = 'held' | 'took-over' | 'refused' | 'lost' | 'unconfirmed' | 'none';

interface Entry {
  readonly target: Target;
  readonly lease: TargetLease | undefined;
  state: EntryState;
  /** Who took it over, whose lapsed lease was removed, or why it was refused or unconfirmed. */
  detail: string | null;
  waitedFor: string | null;
  /** A claim was answered there: renewals apply. */
  claimed: boolean;
  /** A claim was sent there: a lease object of this run may exist (release it). */
  attempted: boolean;
  /** The renewal in flight: another renewal waits for it instead of racing it. */
  renewal: Promise<void> | null;
  /** The target did not answer the claim after every retry: the run reports it unreachable without trying again. */
  unreachable: SyncErrorData | null;
}

const SUCCESS: ReadonlySet<TargetStatus> = new Set(['in-sync', 'applied']);
const NOTHING_TO_RESTORE = { attempted: false, ok: true, failures: [] } as const;

function unprovenReason(entry: Entry): string {
  switch (entry.state) {
    case 'took-over':
      return `it was taken over from a run whose lease had lapsed (${entry.detail ?? 'unknown'})`;
    case 'refused':
      return `the target refused the lease (${entry.detail ?? 'no reason given'})`;
    case 'lost':
      return entry.detail !== null ? `the lease lapsed and was taken over by ${entry.detail}` : 'the lease lapsed during the run';
    case 'unconfirmed':
      return `the lease could not be confirmed (${entry.detail ?? 'no answer'})`;
    default:
      return 'no lease';
  }
}

/** A target whose `apply` renews the run's lease first, and that offers a targeted read-back only while the lease is held. */
class LeasedTarget implements Target {
  readonly name: string;
  readonly kind: Target['kind'];
  readonly readBack?: (refs: readonly ObjectRef[], ctx: ReadBackContext) => Promise<readonly ReadBackEntry[]>;
  readonly readReferrers?: () => Promise<readonly Referrer[]>;
  readonly clearUnfinished?: (group: string) => Promise<void>;
  readonly recordChecks?: (record: ChecksRecord) => Promise<void>;
  readonly writesWhole?: boolean;
  readonly #entry: Entry;
  readonly #renew: () => Promise<void>;

  constructor(entry: Entry, renew: () => Promise<void>) {
    const inner = entry.target;
    this.name = inner.name;
    this.kind = inner.kind;
    if (inner.writesWhole === true) this.writesWhole = true;
    this.#entry = entry;
    this.#renew = renew;
    const readBack = inner.readBack;
    if (readBack !== undefined && (entry.state === 'held' || entry.state === 'none')) this.readBack = (refs, ctx) => readBack.call(inner, refs, ctx);
    const readReferrers = inner.readReferrers;
    if (readReferrers !== undefined) this.readReferrers = () => readReferrers.call(inner);
    const clear = inner.clearUnfinished;
    if (clear !== undefined) this.clearUnfinished = (group) => clear.call(inner, group);
    const recordChecks = inner.recordChecks;
    if (recordChecks !== undefined) this.recordChecks = (record) => recordChecks.call(inner, record);
  }

  read(): Promise<LiveState> {
    const unreachable = this.#entry.unreachable;
    if (unreachable !== null) return Promise.reject(new SyncError(unreachable));
    return this.#entry.target.read();
  }

  async apply(plan: Plan, ctx: ApplyContext): Promise<ApplyReport> {
    const entry = this.#entry;
    await this.#renew();
    if (entry.state === 'lost') {
      return {
        ok: false,
        writes: 0,
        error: {
          code: 'lease-lost',
          target: this.name,
          message: `target ${this.name}: ${unprovenReason(entry)} before this run wrote to it; nothing was written`,
          hint: 'the other run syncs the group now; sync again when it is done',
        },
        restore: NOTHING_TO_RESTORE,
      };
    }
    return entry.target.apply(plan, ctx);
  }

  /** The inner target is closed by whoever made it. */
  async close(): Promise<void> {}
}

export class FleetLease {
  readonly #entries: readonly Entry[];
  readonly #request: LeaseRequest;
  readonly #options: FleetLeaseOptions;
  readonly #clock: LeaseClock;
  #timer: NodeJS.Timeout | null = null;
  #renewing = false;
  #wrapped: readonly Target[] = [];

  private constructor(group: string, targets: readonly Target[], options: FleetLeaseOptions) {
    this.#options = options;
    this.#clock = options.clock ?? SYSTEM_LEASE_CLOCK;
    const me = thisProcess();
    this.#request = {
      group,
      token: newRunToken(),
      holder: options.holder,
      process: { host: me.host, pid: me.pid },
      ttlSeconds: options.ttlSeconds ?? DEFAULT_LEASE_TTL_SECONDS,
    };
    this.#entries = targets.map((target) => ({
      target,
      lease: target.lease,
      state: target.lease === undefined ? 'none' : 'unconfirmed',
      detail: null,
      waitedFor: null,
      claimed: false,
      attempted: false,
      renewal: null,
      unreachable: null,
    }));
  }

  /** The fleet's targets in the order given, wrapped (see the module comment). */
  get targets(): readonly Target[] {
    return this.#wrapped;
  }

  /**
   * Takes the run's lease on every target that has one (see the module comment). Throws a `locked`
   * SyncError, after giving back what it took, when another run keeps one past `timeoutMs`.
   */
  static async acquire(group: string, targets: readonly Target[], options: FleetLeaseOptions): Promise<FleetLease> {
    const fleet = new FleetLease(group, targets, options);
    try {
      await fleet.#acquire();
    } catch (error) {
      await fleet.release();
      throw error;
    }
    fleet.#wrapped = fleet.#entries.map((entry) => new LeasedTarget(entry, () => fleet.#renewLease(entry)));
    return fleet;
  }

  async #acquire(): Promise<void> {
    const deadline = this.#clock.now() + this.#options.timeoutMs;
    const ordered = this.#entries
      .filter((e) => e.lease !== undefined)
      .sort((a, b) => compare(a.lease?.location ?? '', b.lease?.location ?? '') || compare(a.target.name, b.target.name));
    // Leases already held are renewed while the run waits for the next.
    this.#startRenewals();
    for (const entry of ordered) {
      const lease = entry.lease as TargetLease;
      type Settled = { readonly state: 'held'; readonly tookOver: readonly string[] } | { readonly state: 'refused' | 'unconfirmed'; readonly error: SyncErrorData };
      const outcome = await retryUntil<Settled>(
        async () => {
          entry.attempted = true;
          try {
            const claim = await lease.claim(this.#request, false);
            entry.claimed = claim.state !== 'refused';
            if (claim.state === 'queued' || claim.state === 'lost') return { kind: 'busy', holder: claim.holder ?? 'another run' };
            return { kind: 'done', value: claim };
          } catch (error) {
            const data = errorData(error, entry.target.name);
            if (data.code === 'unreachable') entry.unreachable = inPhase(data, 'lease');
            return { kind: 'done', value: { state: 'unconfirmed', error: data } };
          }
        },
        {
          deadline,
          clock: this.#clock,
          onBusy: (holder) => {
            entry.waitedFor = holder;
            this.#options.onWait?.({ target: entry.target.name, holder });
          },
        },
      );
      if (outcome.kind === 'busy') throw this.#lockedError(entry, outcome.holder);
      const claim = outcome.value;
      if (claim.state === 'held') {
        entry.state = claim.tookOver.length > 0 ? 'took-over' : 'held';
        entry.detail = claim.tookOver.length > 0 ? claim.tookOver.join('; ') : null;
      } else {
        entry.state = claim.state;
        entry.detail = claim.error.message;
      }
    }
  }

  #lockedError(entry: Entry, holder: string): SyncError {
    const waited = this.#options.timeoutMs > 0 ? `; gave up after waiting ${describeWait(this.#options.timeoutMs)}` : '';
    return new SyncError({
      code: 'locked',
      target: entry.target.name,
      message: `target ${entry.target.name} is being synced by another run of group ${this.#request.group}: ${holder}${waited}; nothing was written`,
      hint:
        `wait for that run to finish, or allow a longer wait with --lock-timeout; the lease of a run that died lapses ` +
        `${this.#request.ttlSeconds} s after its last renewal`,
    });
  }

  /**
   * Renews the lease of `entry` (held, taken over, or unconfirmed after a claim) and records what
   * the renewal found. A renewal that finds the lease held proves it was held all along: a lease
   * is only taken over by removing it, and then its renewal finds it gone.
   */
  #renewLease(entry: Entry): Promise<void> {
    if (entry.lease === undefined || !entry.claimed || entry.state === 'lost' || entry.state === 'refused') return Promise.resolve();
    entry.renewal ??= this.#renew(entry, entry.lease).finally(() => {
      entry.renewal = null;
    });
    return entry.renewal;
  }

  async #renew(entry: Entry, lease: TargetLease): Promise<void> {
    try {
      const claim = await lease.claim(this.#request, true);
      if (claim.state === 'held') {
        if (entry.state === 'unconfirmed') {
          entry.state = 'held';
          entry.detail = null;
        }
      } else if (claim.state === 'refused') {
        entry.state = 'unconfirmed';
        entry.detail = claim.error.message;
      } else {
        entry.state = 'lost';
        entry.detail = claim.holder;
      }
    } catch (error) {
      if (entry.state !== 'took-over') {
        entry.state = 'unconfirmed';
        entry.detail = errorData(error, entry.target.name).message;
      }
    }
  }

  #startRenewals(): void {
    const every = this.#options.renewEveryMs ?? (this.#request.ttlSeconds * 1000) / 3;
    this.#timer = setInterval(() => {
      if (this.#renewing) return;
      this.#renewing = true;
      void Promise.allSettled(this.#entries.filter((e) => e.state === 'held' || e.state === 'took-over' || e.state === 'unconfirmed').map((e) => this.#renewLease(e))).finally(() => {
        this.#renewing = false;
      });
    }, every);
    this.#timer.unref();
  }

  #stopRenewals(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /**
   * The reports of a run, each target reported on the snapshot proven to still hold it (see the
   * module comment); the others get their lease note only. Stops the renewals.
   */
  async prove(snapshot: SyncSnapshot, reports: readonly TargetReport[]): Promise<TargetReport[]> {
    this.#stopRenewals();
    const byName = new Map(this.#entries.map((e) => [e.target.name, e]));
    const proven = [...reports];
    await runBounded(
      reports.map((report, index) => ({ report, index })),
      PROVE_PARALLEL,
      async ({ report, index }) => {
        const entry = byName.get(report.target);
        if (entry !== undefined) proven[index] = await this.#prove(snapshot, report, entry);
      },
    );
    return proven;
  }

  /** `prove` for a rollout report: statuses, counts and `ok` follow the proven reports. */
  async proveRollout(snapshot: SyncSnapshot, report: RolloutReport): Promise<RolloutReport> {
    const targets = await this.prove(snapshot, report.targets);
    const counts: Record<TargetStatus, number> = { ...report.counts };
    for (const status of Object.keys(counts) as TargetStatus[]) counts[status] = targets.filter((t) => t.status === status).length;
    return { ...report, ok: report.interrupted === null && targets.every((t) => SUCCESS.has(t.status)), targets, counts };
  }

  async #prove(snapshot: SyncSnapshot, report: TargetReport, entry: Entry): Promise<TargetReport> {
    const note = (checkedWhole: boolean): LeaseNote => ({
      state: entry.state === 'held' ? 'held' : entry.state === 'none' ? 'none' : 'unproven',
      reason: entry.state === 'held' || entry.state === 'none' ? null : unprovenReason(entry),
      waitedFor: entry.waitedFor,
      checkedWhole,
    });
    // Renewed for every report, so that the note says what became of the lease.
    await this.#renewLease(entry);
    if (!SUCCESS.has(report.status) || entry.state === 'held') return { ...report, lease: note(false) };
    if (entry.state === 'none') {
      const reported = entry.target.reportedDigest;
      if (reported === undefined) return { ...report, lease: note(false) };
      try {
        if ((await reported.call(entry.target)) === snapshot.digest) return { ...report, lease: note(false) };
      } catch {
        // Read whole below.
      }
    }

    const probe = await probeTarget(snapshot, entry.target);
    if (probe.runs.state === 'snapshot') return { ...report, lease: note(true) };
    const left = probe.plan === null ? [] : [...probe.plan.steps, ...probe.plan.conflicts].map((s) => ({ kind: s.kind, id: s.id }));
    const lost = entry.state === 'lost';
    const why = entry.state === 'none' ? 'it reports another digest now' : unprovenReason(entry);
    return {
      ...report,
      status: 'failed',
      runs: probe.runs,
      error: probe.error ?? {
        code: lost ? 'lease-lost' : 'verify-failed',
        target: report.target,
        message: `target ${report.target} no longer holds the snapshot at the end of the run: ${why}`,
        hint: 'another run or writer changed the target during this sync; see what it runs now with status --live, and sync again',
        objects: left,
      },
      lease: note(true),
    };
  }

  /** Stops the renewals and removes every lease object of the run. Never throws. */
  async release(): Promise<void> {
    this.#stopRenewals();
    await Promise.allSettled(
      this.#entries.filter((e) => e.attempted && e.state !== 'refused' && e.lease !== undefined).map((e) => (e.lease as TargetLease).release(this.#request)),
    );
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Runs `run` over the fleet's targets under the run's leases: acquired first (a `locked` error
 * when another run keeps one past the wait), the report proven at the end, the leases released
 * whatever happens. Without `options`: this process as the holder, `DEFAULT_LOCK_TIMEOUT_MS`.
 */
export async function withFleetLease(
  snapshot: SyncSnapshot,
  targets: readonly Target[],
  options: FleetLeaseOptions | undefined,
  run: (targets: readonly Target[]) => Promise<RolloutReport>,
): Promise<RolloutReport> {
  const lease = await FleetLease.acquire(
    snapshot.group,
    targets,
    options ?? { holder: describeRun({ command: `tagway sync of group ${snapshot.group}`, digest: snapshot.digest }), timeoutMs: DEFAULT_LOCK_TIMEOUT_MS },
  );
  try {
    return await lease.proveRollout(snapshot, await run(lease.targets));
  } finally {
    await lease.release();
  }
}
