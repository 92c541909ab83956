import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Digest } from '../../core/canonical.js';
import type { ApisixConfig } from '../../model/apisix.js';
import { SyncError } from '../errors.js';
import { applyPlanToConfig, type Plan } from '../plan.js';
import { syncTarget } from '../sync.js';
import type { ApplyReport, LeaseClaim, LeaseRequest, LiveState, ReadBackEntry, Target, TargetLease } from '../targets/port.js';
import { FleetLease, type FleetLeaseOptions } from './fleet-lease.js';
import type { LeaseClock } from './wait.js';
import type { SyncSnapshot } from '../report.js';
import { emptyConfig } from '../../apisix/kinds/index.js';

const labels = { 'managed-by': 'tagway', 'tagway.group': 'staging' };

function snapshotOf(uri: string): SyncSnapshot {
  const apisix: ApisixConfig = {
    ...emptyConfig(), upstreams: [{ id: 'petstore', labels, nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }] }],
    services: [],
    routes: [{ id: 'petstore.list', labels, uri, upstream_id: 'petstore' }],
  };
  return { group: 'staging', apisix, digest: sha256Digest(canonicalJson(apisix)) };
}

const EMPTY: ApisixConfig = emptyConfig();

/** A gateway with others' objects, many more than a small plan changes (so it is read back object by object). */
const CROWDED: ApisixConfig = { ...emptyConfig(), upstreams: Array.from({ length: 40 }, (_, i) => ({ id: `other-${String(i).padStart(2, '0')}`, nodes: [] })) };

/** A lease that answers claims from a script (the last answer repeats), and records what it was asked. */
class ScriptedLease implements TargetLease {
  readonly calls: string[] = [];
  released = 0;
  constructor(
    readonly location: string,
    private readonly script: Array<LeaseClaim | Error>,
  ) {}

  async claim(request: LeaseRequest, renewal: boolean): Promise<LeaseClaim> {
    this.calls.push(renewal ? 'renew' : 'claim');
    const next = this.script.length > 1 ? this.script.shift() : this.script[0];
    if (next === undefined) throw new Error('no script');
    if (next instanceof Error) throw next;
    return next;
  }

  async release(): Promise<void> {
    this.released += 1;
  }
}

/** An in-memory gateway target. */
class MemoryTarget implements Target {
  readonly kind = 'apisix' as const;
  config: ApisixConfig = EMPTY;
  reads = 0;
  readBacks = 0;
  applies = 0;
  digest: string | null = null;
  reportedDigest?: () => Promise<string | null>;
  readonly lease?: TargetLease;
  constructor(
    readonly name: string,
    lease?: TargetLease,
  ) {
    if (lease !== undefined) this.lease = lease;
  }

  async read(): Promise<LiveState> {
    this.reads += 1;
    return { config: this.config, digest: null };
  }

  async apply(plan: Plan): Promise<ApplyReport> {
    this.applies += 1;
    this.config = applyPlanToConfig(this.config, plan);
    return { ok: true, writes: plan.steps.length };
  }

  async readBack(refs: readonly { kind: keyof ApisixConfig; id: string }[]): Promise<readonly ReadBackEntry[]> {
    this.readBacks += 1;
    return refs.map((r) => ({ ...r, object: this.config[r.kind].find((o) => o.id === r.id) ?? null }));
  }

  async close(): Promise<void> {}
}

const HELD: LeaseClaim = { state: 'held', tookOver: [] };
const busy = (holder: string): LeaseClaim => ({ state: 'queued', holder });

function manualClock(onSleep: (n: number) => void = () => {}): LeaseClock & { time: number } {
  let sleeps = 0;
  const clock = {
    time: 0,
    now: () => clock.time,
    random: () => 0,
    sleep: async (ms: number) => {
      clock.time += ms;
      onSleep(++sleeps);
    },
  };
  return clock;
}

function options(extra: Partial<FleetLeaseOptions> = {}): FleetLeaseOptions {
  return { holder: 'tagway sync --rev a', timeoutMs: 0, renewEveryMs: 3_600_000, clock: manualClock(), ...extra };
}

describe('FleetLease.acquire', () => {
  it('claims the targets in the order of where their leases live, whatever the fleet order', async () => {
    const order: string[] = [];
    const lease = (location: string) => {
      const l = new ScriptedLease(location, [HELD]);
      const claim = l.claim.bind(l);
      l.claim = async (request, renewal) => {
        order.push(location);
        return claim(request, renewal);
      };
      return l;
    };
    const fleet = await FleetLease.acquire('staging', [new MemoryTarget('eu-2', lease('http://b')), new MemoryTarget('eu-1', lease('http://a'))], options());
    expect(order).toEqual(['http://a', 'http://b']);
    expect(fleet.targets.map((t) => t.name)).toEqual(['eu-2', 'eu-1']);
    await fleet.release();
  });

  it('waits for a target another run holds, telling who, and notes it', async () => {
    const lease = new ScriptedLease('http://a', [busy('tagway sync --rev b'), busy('tagway sync --rev b'), HELD]);
    const waits: unknown[] = [];
    const clock = manualClock();
    const fleet = await FleetLease.acquire('staging', [new MemoryTarget('eu-1', lease)], options({ timeoutMs: 60_000, clock, onWait: (w) => waits.push(w) }));
    expect(waits).toEqual([{ target: 'eu-1', holder: 'tagway sync --rev b' }]);
    expect(clock.time).toBe(250);
    const snapshot = snapshotOf('/pets');
    const [report] = await fleet.prove(snapshot, [await syncTarget(snapshot, fleet.targets[0]!)]);
    expect(report?.lease).toEqual({ state: 'held', reason: null, waitedFor: 'tagway sync --rev b', checkedWhole: false });
    await fleet.release();
  });

  it('gives up at the deadline naming the run that holds the target, and gives back what it took', async () => {
    const first = new ScriptedLease('http://a', [HELD]);
    const second = new ScriptedLease('http://b', [busy('tagway sync --rev b by ci@runner, pid 7')]);
    const error = await FleetLease.acquire('staging', [new MemoryTarget('eu-1', first), new MemoryTarget('eu-2', second)], options({ timeoutMs: 1_000 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncError);
    expect((error as SyncError).data).toMatchObject({ code: 'locked', target: 'eu-2' });
    expect((error as SyncError).message).toContain('tagway sync --rev b by ci@runner, pid 7');
    expect((error as SyncError).message).toContain('nothing was written');
    expect([first.released, second.released]).toEqual([1, 1]);
  });
});

describe('FleetLease while the run goes on', () => {
  it('offers the targeted read-back only on targets whose lease it holds', async () => {
    const fleet = await FleetLease.acquire(
      'staging',
      [new MemoryTarget('held', new ScriptedLease('a', [HELD])), new MemoryTarget('refused', new ScriptedLease('b', [{ state: 'refused', error: { code: 'rejected', message: 'restricted key' } }]))],
      options(),
    );
    expect(fleet.targets.map((t) => t.readBack !== undefined)).toEqual([true, false]);
    await fleet.release();
  });

  it('renews before each apply, and writes nothing once the lease is lost', async () => {
    const lease = new ScriptedLease('a', [HELD, { state: 'lost', holder: 'tagway sync --rev b' }]);
    const target = new MemoryTarget('eu-1', lease);
    const fleet = await FleetLease.acquire('staging', [target], options());
    const report = await syncTarget(snapshotOf('/pets'), fleet.targets[0]!);
    expect(lease.calls).toEqual(['claim', 'renew']);
    expect(target.applies).toBe(0);
    expect(report).toMatchObject({ status: 'failed', writes: 0, error: { code: 'lease-lost' } });
    expect(report.error?.message).toContain('tagway sync --rev b');
    await fleet.release();
  });
  it('renews the leases it holds while the run goes on, and stops when the run ends', async () => {
    const lease = new ScriptedLease('a', [HELD]);
    const fleet = await FleetLease.acquire('staging', [new MemoryTarget('eu-1', lease)], options({ renewEveryMs: 5 }));
    for (let i = 0; i < 400 && lease.calls.length < 3; i += 1) await new Promise((r) => setTimeout(r, 5));
    expect(lease.calls.slice(0, 3)).toEqual(['claim', 'renew', 'renew']);
    await fleet.release();
    const calls = lease.calls.length;
    await new Promise((r) => setTimeout(r, 30));
    expect(lease.calls).toHaveLength(calls);
    expect(lease.released).toBe(1);
  });

  it('reports a target that did not answer its claim unreachable without trying it again', async () => {
    const unreachable = new SyncError({ code: 'unreachable', target: 'eu-1', message: 'target eu-1 is unreachable: PUT … failed 5 times' });
    const target = new MemoryTarget('eu-1', new ScriptedLease('a', [unreachable]));
    const fleet = await FleetLease.acquire('staging', [target], options());
    const report = await syncTarget(snapshotOf('/pets'), fleet.targets[0]!);
    expect(report).toMatchObject({ status: 'unreachable', error: { code: 'unreachable', phase: 'lease', message: `${unreachable.message} (during the lease claim)` } });
    expect(target.reads).toBe(0);
    await fleet.release();
  });
});

describe('FleetLease.prove', () => {
  it('keeps a report whose lease it still holds, without reading the target again', async () => {
    const target = new MemoryTarget('eu-1', new ScriptedLease('a', [HELD]));
    target.config = CROWDED;
    const fleet = await FleetLease.acquire('staging', [target], options());
    const snapshot = snapshotOf('/pets');
    const report = await syncTarget(snapshot, fleet.targets[0]!);
    const reads = target.reads;
    const [proven] = await fleet.prove(snapshot, [report]);
    expect(proven).toEqual({ ...report, lease: { state: 'held', reason: null, waitedFor: null, checkedWhole: false } });
    expect(target.reads).toBe(reads);
    expect(target.readBacks).toBe(1);
  });

  it('reads a target whose lease was lost whole, and fails it when another run changed it', async () => {
    const lease = new ScriptedLease('a', [HELD, HELD, { state: 'lost', holder: 'tagway sync --rev b' }]);
    const target = new MemoryTarget('eu-1', lease);
    const fleet = await FleetLease.acquire('staging', [target], options());
    const snapshot = snapshotOf('/pets');
    const report = await syncTarget(snapshot, fleet.targets[0]!);
    expect(report.status).toBe('applied');
    target.config = applyPlanToConfig(target.config, { ...report, group: 'staging', digest: '', conflicts: [], counts: { create: 0, update: 0, delete: 0, unchanged: 0 }, steps: [{ op: 'update', kind: 'routes', id: 'petstore.list', before: snapshot.apisix.routes[0]!, after: { ...snapshot.apisix.routes[0]!, uri: '/other' }, changes: [] }] });
    const [proven] = await fleet.prove(snapshot, [report]);
    expect(proven).toMatchObject({
      status: 'failed',
      runs: { state: 'previous' },
      error: { code: 'lease-lost', objects: [{ kind: 'routes', id: 'petstore.list' }] },
      lease: { state: 'unproven', checkedWhole: true },
    });
    expect(proven?.error?.message).toContain('taken over by tagway sync --rev b');
  });

  it('keeps a report whose target was read whole and still holds the snapshot', async () => {
    const target = new MemoryTarget('eu-1', new ScriptedLease('a', [{ state: 'held', tookOver: ['a run that died'] }]));
    target.config = CROWDED;
    const fleet = await FleetLease.acquire('staging', [target], options());
    const snapshot = snapshotOf('/pets');
    const report = await syncTarget(snapshot, fleet.targets[0]!);
    expect(target.readBacks).toBe(0); // verified by a whole read
    const [proven] = await fleet.prove(snapshot, [report]);
    expect(proven).toMatchObject({ status: 'applied', lease: { state: 'unproven', checkedWhole: true } });
    expect(proven?.lease?.reason).toContain('a run that died');
  });

  it('checks a target without a lease by the digest it reports, and reads it whole when that differs', async () => {
    const target = new MemoryTarget('edge-1');
    const snapshot = snapshotOf('/pets');
    target.reportedDigest = async () => snapshot.digest;
    const fleet = await FleetLease.acquire('staging', [target], options());
    const report = await syncTarget(snapshot, fleet.targets[0]!);
    const reads = target.reads;
    expect((await fleet.prove(snapshot, [report]))[0]).toMatchObject({ status: 'applied', lease: { state: 'none', checkedWhole: false } });
    expect(target.reads).toBe(reads);

    target.reportedDigest = async () => 'sha256:another';
    target.config = snapshotOf('/other').apisix;
    expect((await fleet.prove(snapshot, [report]))[0]).toMatchObject({ status: 'failed', error: { code: 'verify-failed' }, lease: { state: 'none', checkedWhole: true } });
  });

  it('counts the proven statuses of a rollout report', async () => {
    const target = new MemoryTarget('eu-1', new ScriptedLease('a', [HELD, HELD, { state: 'lost', holder: null }]));
    const fleet = await FleetLease.acquire('staging', [target], options());
    const snapshot = snapshotOf('/pets');
    const report = await syncTarget(snapshot, fleet.targets[0]!);
    target.config = EMPTY;
    const rollout = await fleet.proveRollout(snapshot, { group: 'staging', digest: snapshot.digest, ok: true, halted: null, preflight: { ok: true, failed: [] }, interrupted: null, targets: [report], counts: { 'in-sync': 0, applied: 1, failed: 0, skipped: 0, unreachable: 0, interrupted: 0 } });
    expect(rollout).toMatchObject({ ok: false, counts: { applied: 0, failed: 1 } });
  });
});

describe('FleetLease: what each history of a lease proves at the end', () => {
  const refused: LeaseClaim = { state: 'refused', error: { code: 'rejected', message: 'restricted key' } };
  const timedOut = () => new SyncError({ code: 'http-error', target: 'eu-1', message: 'PUT … answered 503' });
  // The claim, the renewal before the apply, and the renewal at the end.
  const cases: ReadonlyArray<{
    readonly name: string;
    readonly script: Array<LeaseClaim | Error>;
    readonly calls: readonly string[];
    readonly lease: { readonly state: string; readonly checkedWhole: boolean; readonly reason?: string };
  }> = [
    { name: 'held all along', script: [HELD], calls: ['claim', 'renew', 'renew'], lease: { state: 'held', checkedWhole: false } },
    {
      name: 'held, then a renewal without answer, then held again',
      script: [HELD, timedOut(), HELD],
      calls: ['claim', 'renew', 'renew'],
      lease: { state: 'held', checkedWhole: false },
    },
    {
      name: 'held, then a renewal refused',
      script: [HELD, HELD, refused],
      calls: ['claim', 'renew', 'renew'],
      lease: { state: 'unproven', checkedWhole: true, reason: 'the lease could not be confirmed (restricted key)' },
    },
    {
      name: 'a claim without answer: never renewed, read whole',
      script: [timedOut(), HELD],
      calls: ['claim'],
      lease: { state: 'unproven', checkedWhole: true, reason: 'the lease could not be confirmed (PUT … answered 503)' },
    },
    { name: 'refused at the claim: never renewed', script: [refused, HELD], calls: ['claim'], lease: { state: 'unproven', checkedWhole: true, reason: 'the target refused the lease (restricted key)' } },
    {
      name: 'taken over, then a renewal without answer',
      script: [{ state: 'held', tookOver: ['a run that died', 'another'] }, timedOut()],
      calls: ['claim', 'renew', 'renew'],
      lease: { state: 'unproven', checkedWhole: true, reason: 'it was taken over from a run whose lease had lapsed (a run that died; another)' },
    },
    {
      name: 'queued behind a run that then lost its lease',
      script: [{ state: 'lost', holder: 'tagway sync --rev b' }, HELD],
      calls: ['claim', 'claim', 'renew', 'renew'],
      lease: { state: 'held', checkedWhole: false },
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const lease = new ScriptedLease('a', [...c.script]);
      const target = new MemoryTarget('eu-1', lease);
      const fleet = await FleetLease.acquire('staging', [target], options({ timeoutMs: 10_000 }));
      const snapshot = snapshotOf('/pets');
      const report = await syncTarget(snapshot, fleet.targets[0]!);
      expect(report.status).toBe('applied');
      const reads = target.reads;
      const [proven] = await fleet.prove(snapshot, [report]);
      await fleet.release();
      expect(lease.calls).toEqual(c.calls);
      expect(proven).toMatchObject({ status: 'applied', lease: { state: c.lease.state, checkedWhole: c.lease.checkedWhole, reason: c.lease.reason ?? null } });
      expect(target.reads).toBe(reads + (c.lease.checkedWhole ? 1 : 0));
    });
  }

  it('does not renew a lease once it is lost', async () => {
    const lease = new ScriptedLease('a', [HELD, { state: 'lost', holder: 'tagway sync --rev b' }, HELD]);
    const fleet = await FleetLease.acquire('staging', [new MemoryTarget('eu-1', lease)], options());
    const snapshot = snapshotOf('/pets');
    const [proven] = await fleet.prove(snapshot, [await syncTarget(snapshot, fleet.targets[0]!)]);
    await fleet.release();
    expect(lease.calls).toEqual(['claim', 'renew']);
    expect(proven).toMatchObject({ status: 'failed', error: { code: 'lease-lost' }, lease: { state: 'unproven', reason: 'the lease lapsed and was taken over by tagway sync --rev b' } });
  });

  it('keeps the error of a failed report, without reading the target again', async () => {
    const target = new MemoryTarget('eu-1', new ScriptedLease('a', [{ state: 'held', tookOver: ['a run that died'] }]));
    target.apply = async () => ({ ok: false, writes: 0, error: { code: 'rejected', target: 'eu-1', message: 'the gateway refused the route' }, restore: { attempted: false, ok: true, failures: [] } });
    const fleet = await FleetLease.acquire('staging', [target], options());
    const snapshot = snapshotOf('/pets');
    const failed = await syncTarget(snapshot, fleet.targets[0]!);
    expect(failed.status).toBe('failed');
    const reads = target.reads;
    const [proven] = await fleet.prove(snapshot, [failed]);
    await fleet.release();
    expect(proven).toEqual({ ...failed, lease: { state: 'unproven', reason: 'it was taken over from a run whose lease had lapsed (a run that died)', waitedFor: null, checkedWhole: false } });
    expect(target.reads).toBe(reads);
  });

  it('gives back only the leases it claimed or tried to', async () => {
    const held = new ScriptedLease('http://a', [HELD]);
    const refusing = new ScriptedLease('http://b', [refused]);
    const busyOne = new ScriptedLease('http://c', [busy('tagway sync --rev b')]);
    const never = new ScriptedLease('http://d', [HELD]);
    const targets = [new MemoryTarget('eu-1', held), new MemoryTarget('eu-2', refusing), new MemoryTarget('eu-3', busyOne), new MemoryTarget('eu-4', never), new MemoryTarget('edge')];
    const error = await FleetLease.acquire('staging', targets, options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncError);
    expect([held.released, refusing.released, busyOne.released, never.released]).toEqual([1, 0, 1, 0]);
    expect(never.calls).toEqual([]);
  });
});

describe('the targets FleetLease gives back pass on what their target can do', () => {
  /** A target with the optional capabilities, each recording its calls. */
  class CapableTarget extends MemoryTarget {
    readonly writesWhole = true;
    readonly calls: string[] = [];
    async readReferrers() {
      this.calls.push(`referrers of ${this.name}`);
      return [];
    }
    async clearUnfinished(group: string) {
      this.calls.push(`clear ${group} on ${this.name}`);
    }
  }

  it.each([
    { name: 'a target that has them, under a lease', lease: true },
    { name: 'a target that has them, without a lease', lease: false },
  ])('$name: writes whole, referrers read and an unfinished run cleared on the target itself', async ({ lease }) => {
    const inner = new CapableTarget('eu-1', lease ? new ScriptedLease('http://a', [HELD]) : undefined);
    const fleet = await FleetLease.acquire('staging', [inner], options());
    const [wrapped] = fleet.targets;
    expect(wrapped).not.toBe(inner);
    expect(wrapped?.writesWhole).toBe(true);
    await wrapped?.readReferrers?.();
    await wrapped?.clearUnfinished?.('staging');
    expect(inner.calls).toEqual(['referrers of eu-1', 'clear staging on eu-1']);
    await fleet.release();
  });

  it('a target that has none of them: neither has the wrapped one', async () => {
    const fleet = await FleetLease.acquire('staging', [new MemoryTarget('eu-1', new ScriptedLease('http://a', [HELD]))], options());
    const [wrapped] = fleet.targets;
    expect([wrapped?.writesWhole, wrapped?.readReferrers, wrapped?.clearUnfinished]).toEqual([undefined, undefined, undefined]);
    await fleet.release();
  });
});
