import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Digest } from '../core/canonical.js';
import type { ApisixConfig, ApisixObject } from '../model/apisix.js';
import { SyncError, type SyncErrorData } from './errors.js';
import { planSync, type Plan, type PlanStep } from './plan.js';
import { READ_BACK_MAX_STEPS, READ_BACK_RATIO, blockedReport, planTarget, probeTarget, readsBackWrittenOnly, runTargetSync, runsOf, servicesIn, skippedReport, summarizeSteps, syncTarget, unreadReport, type SyncEvent } from './sync.js';
import type { ApplyContext, ApplyReport, LiveState, ReadBackContext, ReadBackEntry, Target, UnfinishedRun } from './targets/port.js';
import type { Referrer } from './referrers.js';
import type { ObjectRef } from '../model/apisix.js';
import type { StepSummary, SyncSnapshot } from './report.js';
import type { SnapshotAdoption } from '../model/snapshot.js';
import { configOf, emptyConfig, perKind } from '../apisix/kinds/index.js';

const GROUP = 'staging';
const labels = { 'managed-by': 'tagway', 'tagway.group': GROUP, 'tagway.service': 'petstore', 'tagway.version': '1.0.0' };

/** `n` routes tagway does not own, so the target holds many objects besides the group's. */
function foreign(n: number): ApisixObject[] {
  return Array.from({ length: n }, (_, i) => ({ id: `other.${String(i).padStart(3, '0')}`, uris: [`/other/${i}`] }));
}

function snapshotOf(routes: readonly string[]): SyncSnapshot {
  const apisix: ApisixConfig = {
    ...emptyConfig(),
    routes: routes.map((id) => ({ id, labels, uris: [`/${id}`] })),
  };
  return { group: GROUP, apisix, digest: sha256Digest(canonicalJson(apisix)) };
}

/** What a `MemoryTarget` does on its `call`-th apply (0-based): stop after `after` writes, failing with `error`. */
interface ApplyFailure {
  readonly after: number;
  readonly error: SyncErrorData;
  /** Whether the target undoes the writes it made before failing, as real targets do (default true). */
  readonly undo?: boolean;
}

/**
 * A target in memory that keeps every write the way a gateway does: a PUT stores the body under
 * its id, a DELETE removes the id; nothing of the plan's own model (no `applyPlanToConfig`).
 * `readBack` answers from it unless `answer` is set. Tells `ctx.onWrites` of each write, and
 * records the plans and contexts it was given; the hooks make it fail, drop or change writes.
 */
class MemoryTarget implements Target {
  readonly name = 'mem';
  readonly kind = 'apisix' as const;
  readonly #store: Record<keyof ApisixConfig, Map<string, ApisixObject>>;
  writesWhole = false;
  /** The digest its reads report. */
  digest: string | null = null;
  unfinished: UnfinishedRun[] | undefined;
  reads = 0;
  readBacks: ObjectRef[][] = [];
  plans: Plan[] = [];
  contexts: ApplyContext[] = [];
  cleared: string[] = [];
  referrerReads = 0;
  answer: ((refs: readonly ObjectRef[]) => Promise<ReadBackEntry[]>) | undefined;
  /** The `n`-th read (1-based) throws what this returns. */
  readFailure: ((n: number) => Error | undefined) | undefined;
  /** Called as the `call`-th apply starts (0-based); may throw, or make the apply fail. */
  onApply: ((plan: Plan, call: number) => ApplyFailure | undefined) | undefined;
  /** What the gateway keeps of a write instead of the planned one: `ignored`, or another body. */
  alter: ((step: PlanStep, call: number) => 'ignored' | ApisixObject | undefined) | undefined;

  constructor(config: ApisixConfig) {
    this.#store = perKind((kind) => new Map(config[kind.name].map((o) => [o.id, o])));
  }

  /** What the target holds, each kind by id. */
  get config(): ApisixConfig {
    const sorted = (m: Map<string, ApisixObject>) => [...m.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    return configOf((kind) => sorted(this.#store[kind.name]));
  }

  async read(): Promise<LiveState> {
    this.reads += 1;
    const failure = this.readFailure?.(this.reads);
    if (failure !== undefined) throw failure;
    return { config: this.config, digest: this.digest, ...(this.unfinished !== undefined ? { unfinished: this.unfinished } : {}) };
  }

  async apply(plan: Plan, ctx: ApplyContext): Promise<ApplyReport> {
    const call = this.plans.length;
    this.plans.push(plan);
    this.contexts.push(ctx);
    const failure = this.onApply?.(plan, call);
    const written: PlanStep[] = [];
    for (const step of plan.steps) {
      if (failure !== undefined && written.length === failure.after) {
        if (failure.undo !== false) for (const done of written.reverse()) this.#write(done.kind, done.id, done.op === 'create' ? null : done.before);
        return { ok: false, writes: failure.after, error: failure.error, restore: { attempted: true, ok: true, failures: [] } };
      }
      const kept = this.alter?.(step, call);
      if (kept !== 'ignored') this.#write(step.kind, step.id, kept ?? (step.op === 'delete' ? null : step.after));
      written.push(step);
      ctx.onWrites?.(1);
    }
    return { ok: true, writes: plan.steps.length };
  }

  /** Another writer's PUT. */
  put(kind: keyof ApisixConfig, obj: ApisixObject): void {
    this.#write(kind, obj.id, obj);
  }

  #write(kind: string, id: string, obj: ApisixObject | null): void {
    const objects = this.#store[kind as keyof ApisixConfig];
    if (obj === null) objects.delete(id);
    else objects.set(id, obj);
  }

  async readBack(refs: readonly ObjectRef[], _ctx: ReadBackContext): Promise<readonly ReadBackEntry[]> {
    this.readBacks.push([...refs]);
    if (this.answer !== undefined) return this.answer(refs);
    return refs.map((r) => ({ ...r, object: this.#store[r.kind as keyof ApisixConfig].get(r.id) ?? null }));
  }

  async readReferrers(): Promise<readonly Referrer[]> {
    this.referrerReads += 1;
    return [];
  }

  async clearUnfinished(group: string): Promise<void> {
    this.cleared.push(group);
  }

  async close(): Promise<void> {}
}

describe('readsBackWrittenOnly', () => {
  it('takes at most 256 steps, fewer than 1/8 of the objects read', () => {
    expect([READ_BACK_MAX_STEPS, READ_BACK_RATIO]).toEqual([256, 8]);
    expect(readsBackWrittenOnly(1, 50_000)).toBe(true);
    expect(readsBackWrittenOnly(256, 50_000)).toBe(true);
    expect(readsBackWrittenOnly(257, 50_000)).toBe(false);
    expect(readsBackWrittenOnly(12, 97)).toBe(true);
    expect(readsBackWrittenOnly(12, 96)).toBe(false);
    expect(readsBackWrittenOnly(1, 8)).toBe(false);
    expect(readsBackWrittenOnly(1, 0)).toBe(false);
  });
});

describe('syncTarget verify', () => {
  it('plans against the state read before, with the read-back objects in place', async () => {
    const target = new MemoryTarget({ ...emptyConfig(), routes: [...foreign(100), { id: 'old', labels, uris: ['/old'] }] });
    const report = await syncTarget(snapshotOf(['a', 'zz']), target);
    expect(report).toMatchObject({ status: 'applied', writes: 3, error: null });
    expect(target.reads).toBe(1);
    expect(target.readBacks).toEqual([
      [
        { kind: 'routes', id: 'a' },
        { kind: 'routes', id: 'zz' },
        { kind: 'routes', id: 'old' },
      ],
    ]);
    expect(target.config).toEqual({
      ...emptyConfig(),
      upstreams: [],
      services: [],
      routes: [{ id: 'a', labels, uris: ['/a'] }, ...foreign(100), { id: 'zz', labels, uris: ['/zz'] }],
    });
  });

  it('leaves the target holding the snapshot: created, updated and deleted objects, other owners untouched', async () => {
    const other = { 'managed-by': 'tagway', 'tagway.group': 'production', 'tagway.service': 'petstore' };
    const target = new MemoryTarget({
      ...emptyConfig(), upstreams: [{ id: 'petstore', labels, type: 'roundrobin', nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }] }],
      services: [{ id: 'petstore', labels, upstream_id: 'petstore' }],
      routes: [{ id: 'gone', labels, uris: ['/gone'], service_id: 'petstore' }, { id: 'keep', labels, uris: ['/old'], service_id: 'petstore' }, { id: 'theirs', labels: other, uris: ['/theirs'] }],
    });
    const apisix: ApisixConfig = {
      ...emptyConfig(), upstreams: [{ id: 'petstore', labels, type: 'roundrobin', nodes: [{ host: '10.0.0.2', port: 80, weight: 1 }] }],
      services: [{ id: 'petstore', labels, upstream_id: 'petstore' }],
      routes: [{ id: 'keep', labels, uris: ['/new'], service_id: 'petstore' }, { id: 'new', labels, uris: ['/added'], service_id: 'petstore' }],
    };
    const report = await syncTarget({ group: GROUP, apisix, digest: sha256Digest(canonicalJson(apisix)) }, target);
    expect(report).toMatchObject({ status: 'applied', writes: 4, error: null });
    expect(target.config).toEqual({
      ...emptyConfig(),
      upstreams: [{ id: 'petstore', labels, type: 'roundrobin', nodes: [{ host: '10.0.0.2', port: 80, weight: 1 }] }],
      services: [{ id: 'petstore', labels, upstream_id: 'petstore' }],
      routes: [
        { id: 'keep', labels, uris: ['/new'], service_id: 'petstore' },
        { id: 'new', labels, uris: ['/added'], service_id: 'petstore' },
        { id: 'theirs', labels: other, uris: ['/theirs'] },
      ],
    });
  });

  it('is verify-failed when a read-back object differs, and names it', async () => {
    const target = new MemoryTarget({ ...emptyConfig(), routes: foreign(100) });
    target.answer = async (refs) => refs.map((r) => ({ ...r, object: r.id === 'b' ? { id: 'b', labels, uris: ['/elsewhere'] } : { id: r.id, labels, uris: [`/${r.id}`] } }));
    const report = await syncTarget(snapshotOf(['a', 'b']), target);
    expect(report).toMatchObject({ status: 'failed', writes: 2, error: { code: 'verify-failed', objects: [{ kind: 'routes', id: 'b' }] } });
    expect(target.reads).toBe(1);
  });

  it('reads the whole target when the plan is not small, or when the target cannot read back', async () => {
    const large = new MemoryTarget({ ...emptyConfig(), routes: foreign(15) });
    expect(await syncTarget(snapshotOf(['a', 'b']), large)).toMatchObject({ status: 'applied' });
    expect([large.reads, large.readBacks.length]).toEqual([2, 0]);
    expect(large.config.routes).toEqual([{ id: 'a', labels, uris: ['/a'] }, { id: 'b', labels, uris: ['/b'] }, ...foreign(15)]);

    const whole = new MemoryTarget({ ...emptyConfig(), routes: foreign(100) });
    const plain: Target = { name: 'plain', kind: 'file', read: () => whole.read(), apply: (p, ctx) => whole.apply(p, ctx), close: () => whole.close() };
    expect(await syncTarget(snapshotOf(['a']), plain)).toMatchObject({ status: 'applied' });
    expect(whole.reads).toBe(2);
    expect(whole.config.routes).toEqual([{ id: 'a', labels, uris: ['/a'] }, ...foreign(100)]);
  });

  it('fails, without a whole read instead, when the read-back fails or leaves an object out', async () => {
    const failing = new MemoryTarget({ ...emptyConfig(), routes: foreign(100) });
    failing.answer = async () => {
      throw new SyncError({ code: 'unreachable', target: 'mem', message: 'target mem is unreachable' });
    };
    expect(await syncTarget(snapshotOf(['a']), failing)).toMatchObject({ status: 'failed', writes: 1, runs: { state: 'unknown' }, error: { code: 'unreachable' } });
    expect(failing.reads).toBe(1);

    const partial = new MemoryTarget({ ...emptyConfig(), routes: foreign(100) });
    partial.answer = async (refs) => refs.slice(1).map((r) => ({ ...r, object: { id: r.id, labels, uris: [`/${r.id}`] } }));
    const report = await syncTarget(snapshotOf(['a', 'b']), partial);
    expect(report).toMatchObject({ status: 'failed', writes: 2 });
    expect(report.error).toEqual({
      code: 'internal',
      target: 'mem',
      message: 'internal error: the read-back of target mem left out routes/a (during verify)',
      hint: 'this is a bug in tagway; please report it with the command you ran',
      phase: 'verify',
    });
  });
});

const mine = { 'managed-by': 'tagway', 'tagway.group': GROUP };
const snap = (apisix: ApisixConfig, adopt?: SnapshotAdoption): SyncSnapshot => ({ group: GROUP, apisix, digest: sha256Digest(canonicalJson(apisix)), ...(adopt !== undefined ? { adopt } : {}) });
const route = (id: string, extra: Record<string, unknown> = {}): ApisixObject => ({ id, labels, uris: [`/${id}`], ...extra });
const failure = (message: string): SyncErrorData => ({ code: 'rejected', target: 'mem', message, request: { method: 'PUT', path: '/apisix/admin/routes/b', status: 400, attempts: 1 } });

describe('servicesIn', () => {
  const withLabels = (id: string, l: Record<string, string> | undefined): ApisixObject => ({ id, ...(l !== undefined ? { labels: l } : {}) });
  const cases: ReadonlyArray<{ readonly name: string; readonly config: Partial<ApisixConfig>; readonly services: readonly string[] }> = [
    { name: 'an object without labels, or without a name or a version, names none', config: { routes: [withLabels('1', undefined), withLabels('2', { 'tagway.service': 'a' }), withLabels('3', { 'tagway.version': '1' })] }, services: [] },
    { name: 'a pair once, whatever the kinds holding it', config: { upstreams: [withLabels('u', { 'tagway.service': 'a', 'tagway.version': '1' })], routes: [withLabels('1', { 'tagway.service': 'a', 'tagway.version': '1' })] }, services: ['a@1'] },
    {
      name: 'by name, then version, in code-point order',
      config: { routes: [withLabels('1', { 'tagway.service': 'b', 'tagway.version': '1' }), withLabels('2', { 'tagway.service': 'a', 'tagway.version': '2' }), withLabels('3', { 'tagway.service': 'a', 'tagway.version': '10' }), withLabels('4', { 'tagway.service': 'B', 'tagway.version': '9' })] },
      services: ['B@9', 'a@10', 'a@2', 'b@1'],
    },
    { name: 'a name that is a prefix of another goes first', config: { routes: [withLabels('1', { 'tagway.service': 'ab', 'tagway.version': '1' }), withLabels('2', { 'tagway.service': 'a', 'tagway.version': '2' })] }, services: ['a@2', 'ab@1'] },
  ];
  it.each(cases)('$name', ({ config, services }) => {
    expect(servicesIn({ ...emptyConfig(), ...config }).map((s) => `${s.name}@${s.version}`)).toEqual(services);
  });

  it('sorts many pairs given in any order', () => {
    const names = Array.from({ length: 120 }, (_, i) => `svc${String((i * 47) % 120).padStart(3, '0')}`);
    const config: ApisixConfig = { ...emptyConfig(), routes: names.map((n, i) => withLabels(String(i), { 'tagway.service': n, 'tagway.version': '1' })) };
    expect(servicesIn(config).map((s) => s.name)).toEqual([...names].sort());
  });
});

describe('summarizeSteps', () => {
  const before = route('r', { uris: ['/old'] });
  const steps: ReadonlyArray<{ readonly name: string; readonly step: PlanStep; readonly summary: StepSummary }> = [
    { name: 'a create', step: { op: 'create', kind: 'routes', id: 'r', after: route('r') }, summary: { op: 'create', kind: 'routes', id: 'r' } },
    { name: 'an update: its fields', step: { op: 'update', kind: 'routes', id: 'r', before, after: route('r'), changes: [{ path: '/uris/0', op: 'replace', before: '/old', after: '/r' }] }, summary: { op: 'update', kind: 'routes', id: 'r', fields: ['/uris/0'] } },
    {
      name: 'an update that takes an object over',
      step: { op: 'update', kind: 'routes', id: 'r', before, after: route('r'), changes: [{ path: '/labels', op: 'add', after: labels }], takeover: true },
      summary: { op: 'update', kind: 'routes', id: 'r', fields: ['/labels'], adoption: 'takeover' },
    },
    { name: 'a delete', step: { op: 'delete', kind: 'routes', id: 'r', before }, summary: { op: 'delete', kind: 'routes', id: 'r' } },
    { name: 'a retirement', step: { op: 'delete', kind: 'routes', id: '1000', before, retiredFor: 'web.home' }, summary: { op: 'delete', kind: 'routes', id: '1000', adoption: 'retire', replacedBy: 'web.home' } },
  ];
  const planOf = (s: readonly PlanStep[], retire?: readonly PlanStep[]): Plan => ({ group: GROUP, digest: 'sha256:d', steps: s, conflicts: [], counts: { create: 0, update: 0, delete: 0, unchanged: 0 }, ...(retire ? { retire } : {}) });
  it.each(steps)('$name', ({ step, summary }) => {
    expect(summarizeSteps(planOf([step]))).toStrictEqual([summary]);
  });

  it('lists the retirements after the steps', () => {
    const [create, , , , retirement] = steps;
    expect(summarizeSteps(planOf([create!.step], [retirement!.step]))).toStrictEqual([create!.summary, retirement!.summary]);
  });
});

describe('syncTarget of an adoption (docs/adoption.md)', () => {
  /** An unowned route at `/`, replaced by the snapshot's `web.home`. */
  const original: ApisixObject = { id: '1000', uris: ['/'] };
  const home = route('web.home', { uris: ['/'] });
  const replace = snap({ ...emptyConfig(), routes: [home] }, { routes: { '1000': 'web.home' } });
  const retiredSummary: StepSummary = { op: 'delete', kind: 'routes', id: '1000', adoption: 'retire', replacedBy: 'web.home' };
  const runsSnapshot = { state: 'snapshot', digest: replace.digest, services: [{ name: 'petstore', version: '1.0.0' }] };
  const named = (p: Plan) => p.steps.map((s) => `${s.op} ${s.kind}/${s.id}`);

  it('retires the originals in a second apply, once the replacements are verified; the undo takes both stages back', async () => {
    const target = new MemoryTarget({ ...emptyConfig(), routes: [original] });
    const sync = await runTargetSync(replace, target);
    expect(sync.report).toEqual({
      target: 'mem',
      kind: 'apisix',
      plan: { create: 1, update: 0, delete: 0, unchanged: 0, retire: 1 },
      steps: [{ op: 'create', kind: 'routes', id: 'web.home' }, retiredSummary],
      conflicts: [],
      status: 'applied',
      runs: runsSnapshot,
      writes: 2,
      error: null,
      restore: null,
    });
    expect(target.plans.map(named)).toEqual([['create routes/web.home'], ['delete routes/1000']]);
    expect(target.plans[1]).toMatchObject({ group: GROUP, digest: replace.digest, conflicts: [], counts: { create: 0, update: 0, delete: 1, unchanged: 0, retire: 1 } });
    expect(target.config.routes).toEqual([home]);

    const undone = await sync.undo!();
    expect(target.plans.map(named)[2]).toEqual(['create routes/1000', 'delete routes/web.home']);
    expect(target.config.routes).toEqual([original]);
    expect(undone).toMatchObject({ status: 'interrupted', writes: 2, restore: { attempted: true, ok: true, failures: [], verified: true } });
  });

  it('counts the objects after the first stage to choose how the second is read back', async () => {
    // 15 objects, 1 step: read back. After it 16 objects, 2 retirements: 2 × 8 is not fewer, read whole.
    const target = new MemoryTarget({ ...emptyConfig(), routes: [original, { id: '1001', uris: ['/'] }, ...foreign(13)] });
    const report = await syncTarget(snap({ ...emptyConfig(), routes: [home] }, { routes: { '1000': 'web.home', '1001': 'web.home' } }), target);
    expect(report).toMatchObject({ status: 'applied', writes: 3 });
    expect(target.plans.map(named)).toEqual([['create routes/web.home'], ['delete routes/1000', 'delete routes/1001']]);
    expect([target.readBacks, target.reads]).toEqual([[[{ kind: 'routes', id: 'web.home' }]], 2]);
  });

  it('writes a target written in one piece (writesWhole) once, the retirements with the steps', async () => {
    const target = new MemoryTarget({ ...emptyConfig(), routes: [original] });
    target.writesWhole = true;
    const report = await syncTarget(replace, target);
    expect(report).toMatchObject({ status: 'applied', writes: 2, error: null, steps: [{ op: 'create', kind: 'routes', id: 'web.home' }, retiredSummary] });
    expect(target.plans.map(named)).toEqual([['create routes/web.home', 'delete routes/1000']]);
    expect(target.config.routes).toEqual([home]);
  });

  it('retires what an earlier sync left, when the replacements are there already', async () => {
    const target = new MemoryTarget({ ...emptyConfig(), routes: [original, home] });
    const report = await syncTarget(replace, target);
    expect(report).toMatchObject({ status: 'applied', writes: 1, runs: runsSnapshot, error: null, steps: [retiredSummary] });
    expect(target.config.routes).toEqual([home]);
  });

  it('is interrupted with no write when stopped before a second stage that is all there is to do', async () => {
    const target = new MemoryTarget({ ...emptyConfig(), routes: [original, home] });
    const stop = new AbortController();
    stop.abort('SIGTERM');
    const sync = await runTargetSync(replace, target, { signal: stop.signal });
    expect(sync.undo).toBeNull();
    expect(sync.report).toEqual({
      target: 'mem',
      kind: 'apisix',
      plan: { create: 0, update: 0, delete: 0, unchanged: 1, retire: 1 },
      steps: [retiredSummary],
      conflicts: [],
      status: 'interrupted',
      runs: runsSnapshot,
      writes: 0,
      error: { code: 'interrupted', target: 'mem', message: 'target mem: the sync was interrupted by SIGTERM after 0 of 1 writes; no further write was started', hint: 'sync again to take the target to the snapshot' },
      restore: null,
    });
    expect(target.plans).toEqual([]);
  });

  it('is applied, first stage only, when stopped between the stages; the undo takes the first stage back', async () => {
    const target = new MemoryTarget({ ...emptyConfig(), routes: [original] });
    const stop = new AbortController();
    target.onApply = () => {
      stop.abort('SIGINT');
      return undefined;
    };
    const sync = await runTargetSync(replace, target, { signal: stop.signal });
    expect(sync.report).toMatchObject({ status: 'applied', runs: runsSnapshot, writes: 1, error: null, restore: null });
    expect(target.plans.map(named)).toEqual([['create routes/web.home']]);
    const undone = await sync.undo!();
    expect(target.plans.map(named)[1]).toEqual(['delete routes/web.home']);
    expect(target.config.routes).toEqual([original]);
    expect(undone).toMatchObject({ status: 'interrupted', writes: 1, restore: { ok: true, verified: true } });
    expect(undone.error?.message).toBe('target mem: the sync was interrupted by SIGINT while its batch was being written; its 1 writes were taken back');
  });

  it('fails, running the snapshot, when retiring fails; the restore is verified by the target holding the snapshot again', async () => {
    const target = new MemoryTarget({ ...emptyConfig(), routes: [original] });
    target.onApply = (_plan, call) => (call === 1 ? { after: 0, error: failure('target mem refused a write') } : undefined);
    const sync = await runTargetSync(replace, target);
    expect(sync.undo).toBeNull();
    expect(sync.report).toMatchObject({ status: 'failed', runs: runsSnapshot, writes: 1, restore: { attempted: true, ok: true, failures: [], verified: true } });
    expect(sync.report.error).toEqual({
      ...failure(''),
      message: 'target mem refused a write (while retiring the objects the snapshot replaces; the replacements hold, and the next sync retires what is left) (during apply)',
      phase: 'apply',
    });
    expect(target.config.routes).toEqual([original, home]);
  });

  it('does not verify the restore of a failed second stage when the target cannot be read after it', async () => {
    const target = new MemoryTarget({ ...emptyConfig(), routes: [original] });
    target.onApply = (_plan, call) => (call === 1 ? { after: 0, error: failure('target mem refused a write') } : undefined);
    target.readFailure = (n) => (n === 3 ? new SyncError({ code: 'unreachable', target: 'mem', message: 'target mem is unreachable' }) : undefined);
    const report = await syncTarget(replace, target);
    expect(report).toMatchObject({ status: 'failed', runs: { state: 'unknown', digest: null, services: [] }, writes: 1, restore: { verified: false, unread: 'target mem is unreachable (during restore)' } });
  });

  it('does not verify the restore of a failed first stage when an original to retire was changed meanwhile', async () => {
    const target = new MemoryTarget({ ...emptyConfig(), routes: [original] });
    target.onApply = () => {
      target.put('routes', { id: '1000', uris: ['/elsewhere'] });
      return { after: 0, error: failure('target mem refused a write') };
    };
    const report = await syncTarget(replace, target);
    expect(report).toMatchObject({ status: 'failed', writes: 0, restore: { attempted: true, ok: true, verified: false } });
    expect(target.plans).toHaveLength(1);
  });

  it('is interrupted, the error as the target gave it, when stopped while retiring', async () => {
    const target = new MemoryTarget({ ...emptyConfig(), routes: [original] });
    const stopped: SyncErrorData = { code: 'interrupted', target: 'mem', message: 'target mem: stopped' };
    target.onApply = (_plan, call) => (call === 1 ? { after: 0, error: stopped } : undefined);
    const report = await syncTarget(replace, target);
    expect(report).toMatchObject({ status: 'interrupted', runs: runsSnapshot, writes: 1, restore: { verified: true } });
    expect(report.error).toEqual(stopped);
  });

  it('is verify-failed, naming each original still there, when a retirement did not hold', async () => {
    const target = new MemoryTarget({ ...emptyConfig(), routes: [original] });
    target.alter = (step, call) => (call === 1 && step.op === 'delete' ? 'ignored' : undefined);
    const sync = await runTargetSync(replace, target);
    expect(sync.undo).toBeNull();
    expect(sync.report).toMatchObject({ status: 'failed', runs: runsSnapshot, writes: 2, restore: null });
    expect(sync.report.error).toEqual({
      code: 'verify-failed',
      target: 'mem',
      message: 'target mem does not hold the snapshot after retiring the objects it replaces; still different: routes/1000',
      hint: 'another writer may have changed the gateway during the sync; sync again',
      objects: [{ kind: 'routes', id: '1000' }],
      phase: 'verify',
    });
  });

  it('fails in verify, running something unknown, when the target cannot be read after retiring', async () => {
    const target = new MemoryTarget({ ...emptyConfig(), routes: [original] });
    target.readFailure = (n) => (n === 3 ? new SyncError({ code: 'unreachable', target: 'mem', message: 'target mem is unreachable' }) : undefined);
    const report = await syncTarget(replace, target);
    expect(report).toMatchObject({ status: 'failed', runs: { state: 'unknown' }, writes: 2, restore: null });
    expect(report.error).toEqual({ code: 'unreachable', target: 'mem', message: 'target mem is unreachable (during verify)', phase: 'verify' });
  });

  const notBack: ReadonlyArray<{ readonly name: string; readonly live: readonly ApisixObject[]; readonly snapshot: SyncSnapshot; readonly id: string }> = [
    { name: 'a retired original', live: [original], snapshot: replace, id: '1000' },
    { name: 'an object taken over in place', live: [{ id: 'r1', uris: ['/r1'] }], snapshot: snap({ ...emptyConfig(), routes: [route('r1')] }, { routes: { r1: 'r1' } }), id: 'r1' },
  ];
  it.each(notBack)('does not verify an undo that leaves $name other than it was', async ({ live, snapshot, id }) => {
    const target = new MemoryTarget({ ...emptyConfig(), routes: [...live] });
    const sync = await runTargetSync(snapshot, target);
    expect(sync.report.status).toBe('applied');
    target.alter = (step, call) => (call === target.plans.length - 1 && step.id === id && step.op !== 'delete' ? { id, uris: ['/elsewhere'] } : undefined);
    const undone = await sync.undo!();
    expect(undone.restore).toEqual({ attempted: true, ok: true, failures: [], verified: false });
    expect(target.config.routes).toEqual([{ id, uris: ['/elsewhere'] }]);
  });

  it('reports the originals it keeps, and no `kept` when it keeps none', async () => {
    const node = { nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }], type: 'roundrobin' };
    const keeps = snap({ ...emptyConfig(), upstreams: [{ id: 'web', labels: mine, ...node }] }, { upstreams: { u1: 'web' } });
    const target = new MemoryTarget({ ...emptyConfig(), upstreams: [{ id: 'u1', ...node }], routes: [{ id: '2000', uris: ['/x'], upstream_id: 'u1' }] });
    const report = await syncTarget(keeps, target);
    expect(report.kept).toEqual((await planTarget(keeps, new MemoryTarget({ ...emptyConfig(), upstreams: [{ id: 'u1', ...node }], routes: [{ id: '2000', uris: ['/x'], upstream_id: 'u1' }] }))).plan.kept);
    expect(report.kept?.map((k) => `${k.kind}/${k.id}`)).toEqual(['upstreams/u1']);
    expect('kept' in (await syncTarget(replace, new MemoryTarget({ ...emptyConfig(), routes: [original] })))).toBe(false);
  });
});

describe('syncTarget events', () => {
  const started = { type: 'writes-started', target: 'mem' };
  const ended = { type: 'writes-ended', target: 'mem' };
  const phase = (p: string) => ({ type: 'phase', target: 'mem', phase: p });
  const progress = (done: number, total: number) => ({ type: 'progress', target: 'mem', done, total });

  it('tells the read, the writes and their progress, and the verify of a sync that applies; then of its undo', async () => {
    const target = new MemoryTarget(emptyConfig());
    const events: SyncEvent[] = [];
    const sync = await runTargetSync(snapshotOf(['a', 'b']), target, { onEvent: (e) => events.push(e) });
    expect(sync.report.status).toBe('applied');
    expect(events).toEqual([phase('read'), started, phase('apply'), progress(0, 2), progress(1, 2), progress(2, 2), phase('verify'), ended]);
    events.length = 0;
    await sync.undo!();
    expect(events).toEqual([started, phase('restore'), progress(0, 2), progress(1, 2), progress(2, 2), ended]);
  });

  it('tells the restore of a sync whose apply fails', async () => {
    const target = new MemoryTarget(emptyConfig());
    target.onApply = () => ({ after: 1, error: failure('target mem refused a write') });
    const events: SyncEvent[] = [];
    await syncTarget(snapshotOf(['a', 'b']), target, { onEvent: (e) => events.push(e) });
    expect(events).toEqual([phase('read'), started, phase('apply'), progress(0, 2), progress(1, 2), phase('restore'), ended]);
  });

  it('tells both stages of an adoption', async () => {
    const target = new MemoryTarget({ ...emptyConfig(), routes: [{ id: '1000', uris: ['/'] }] });
    const events: SyncEvent[] = [];
    await syncTarget(snap({ ...emptyConfig(), routes: [route('web.home', { uris: ['/'] })] }, { routes: { '1000': 'web.home' } }), target, { onEvent: (e) => events.push(e) });
    const stage = [started, phase('apply'), progress(0, 1), progress(1, 1), phase('verify'), ended];
    expect(events).toEqual([phase('read'), ...stage, ...stage]);
  });

  it('gives the target no progress callback and no signal it was not given', async () => {
    const target = new MemoryTarget(emptyConfig());
    await syncTarget(snapshotOf(['a']), target, { concurrency: 3 });
    expect(target.contexts).toEqual([{ concurrency: 3 }]);
    expect(Object.keys(target.contexts[0]!)).toEqual(['concurrency']);
  });
});

describe('what a target runs', () => {
  const live = (unfinished?: UnfinishedRun[]): LiveState => ({ config: { ...emptyConfig(), routes: [route('old')] }, digest: 'sha256:live', ...(unfinished ? { unfinished } : {}) });
  const snapshot = snapshotOf(['a']);
  const services = [{ name: 'petstore', version: '1.0.0' }];
  const cases: ReadonlyArray<{ readonly name: string; readonly live: LiveState; readonly runs: object }> = [
    { name: 'what it held, with no unfinished run', live: live(), runs: { state: 'previous', digest: 'sha256:live', services } },
    { name: "what it held, with only another group's unfinished run", live: live([{ group: 'production', digest: 'sha256:p', description: 'p' }]), runs: { state: 'previous', digest: 'sha256:live', services } },
    {
      name: 'mixed, with an unfinished run of the group',
      live: live([{ group: 'production', digest: 'sha256:p', description: 'p' }, { group: GROUP, digest: 'sha256:u', description: 'release 7' }]),
      runs: { state: 'mixed', digest: 'sha256:live', services, unfinished: { digest: 'sha256:u', description: 'release 7' } },
    },
  ];
  it.each(cases)('$name', ({ live: state, runs }) => {
    expect(runsOf(snapshot, state, planSync(snapshot, state.config))).toStrictEqual(runs);
  });

  const clearing: ReadonlyArray<{ readonly name: string; readonly unfinished: UnfinishedRun[] | undefined; readonly cleared: string[] }> = [
    { name: 'no record', unfinished: undefined, cleared: [] },
    { name: "another group's record", unfinished: [{ group: 'production', digest: null, description: null }], cleared: [] },
    { name: "the group's record", unfinished: [{ group: 'production', digest: null, description: null }, { group: GROUP, digest: null, description: null }], cleared: [GROUP] },
  ];
  it.each(clearing)('clears the unfinished-run record of a target in sync holding $name only when it is the group\'s', async ({ unfinished, cleared }) => {
    const target = new MemoryTarget(snapshotOf(['a']).apisix);
    target.unfinished = unfinished;
    expect(await syncTarget(snapshotOf(['a']), target)).toMatchObject({ status: 'in-sync', writes: 0 });
    expect(target.cleared).toEqual(cleared);
  });

  it('leaves the record of a target that cannot clear it', async () => {
    const held = new MemoryTarget(snapshotOf(['a']).apisix);
    held.unfinished = [{ group: GROUP, digest: null, description: null }];
    const plain: Target = { name: 'plain', kind: 'apisix', read: () => held.read(), apply: (p, ctx) => held.apply(p, ctx), close: () => held.close() };
    expect(await syncTarget(snapshotOf(['a']), plain)).toMatchObject({ status: 'in-sync', error: null });
  });

  it('reads no referrers, whether the plan deletes or not (no kind tagway does not write can use an upstream or a service)', async () => {
    const node = { nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }], type: 'roundrobin' };
    const target = new MemoryTarget({ ...emptyConfig(), upstreams: [{ id: 'gone', labels: mine, ...node }], services: [{ id: 'gone', labels: mine, upstream_id: 'gone' }] });
    const deletes = await planTarget(snapshotOf(['a']), target);
    expect(deletes.plan.steps.filter((s) => s.op === 'delete').map((s) => s.kind)).toEqual(['services', 'upstreams']);
    const creates = new MemoryTarget(emptyConfig());
    expect(await syncTarget(snapshotOf(['a']), creates)).toMatchObject({ status: 'applied' });
    expect([target.referrerReads, creates.referrerReads]).toEqual([0, 0]);
  });
});

describe('reports of targets not written', () => {
  const unreachable = () => new SyncError({ code: 'unreachable', target: 'mem', message: 'target mem is unreachable' });

  it('blocks a target with an object in the way, before any write', async () => {
    const target = new MemoryTarget({ ...emptyConfig(), routes: [{ id: 'a', uris: ['/a'] }] });
    const read = await planTarget(snapshotOf(['a']), target);
    const report = await syncTarget(snapshotOf(['a']), target);
    expect(report).toStrictEqual({
      target: 'mem',
      kind: 'apisix',
      plan: read.plan.counts,
      steps: [],
      conflicts: read.plan.conflicts,
      status: 'failed',
      runs: { state: 'previous', digest: null, services: [] },
      writes: 0,
      error: {
        code: 'conflict',
        target: 'mem',
        message: "target mem: 1 object(s) in the way are not this group's to change; nothing was written",
        hint: read.plan.conflicts[0]!.hint,
        objects: [{ kind: 'routes', id: 'a' }],
        phase: 'read',
      },
      restore: null,
    });
    expect(read.plan.conflicts.map((c) => c.code)).toEqual(['unowned']);
    expect(target.plans).toEqual([]);
    expect(blockedReport(snapshotOf(['a']), target, await planTarget(snapshotOf(['a']), new MemoryTarget(emptyConfig())), 'preflight').error?.hint).toBe('');
  });

  const unread: ReadonlyArray<{ readonly name: string; readonly error: unknown; readonly status: string; readonly data: SyncErrorData }> = [
    { name: 'unreachable', error: unreachable(), status: 'unreachable', data: { code: 'unreachable', target: 'mem', message: 'target mem is unreachable (during the read)', phase: 'read' } },
    {
      name: 'failed, for any other error',
      error: new Error('boom'),
      status: 'failed',
      data: { code: 'internal', target: 'mem', message: 'internal error: boom (during the read)', hint: 'this is a bug in tagway; please report it with the command you ran', phase: 'read' },
    },
  ];
  it.each(unread)('reports a target that cannot be read $name', async ({ error, status, data }) => {
    const target = new MemoryTarget(emptyConfig());
    target.readFailure = () => error as Error;
    const report = await syncTarget(snapshotOf(['a']), target);
    expect(report).toStrictEqual({ target: 'mem', kind: 'apisix', status, runs: { state: 'unknown', digest: null, services: [] }, plan: null, steps: [], conflicts: [], writes: 0, error: data, restore: null });
    expect(unreadReport(target, error, 'read')).toStrictEqual(report);
  });

  it('reports a skipped target as it was read, or as unknown when unread', async () => {
    const target = new MemoryTarget({ ...emptyConfig(), routes: [route('old')] });
    const read = await planTarget(snapshotOf(['a']), target);
    const skipped = { target: 'mem', kind: 'apisix', status: 'skipped', steps: [], conflicts: [], writes: 0, error: null, restore: null };
    expect(skippedReport(snapshotOf(['a']), target, null)).toStrictEqual({ ...skipped, runs: { state: 'unknown', digest: null, services: [] }, plan: null });
    expect(skippedReport(snapshotOf(['a']), target, read)).toStrictEqual({ ...skipped, runs: { state: 'previous', digest: null, services: [{ name: 'petstore', version: '1.0.0' }] }, plan: { create: 1, update: 0, delete: 1, unchanged: 0 } });
  });

  it('probes what a target runs, or why it could not', async () => {
    const target = new MemoryTarget(snapshotOf(['a']).apisix);
    expect(await probeTarget(snapshotOf(['a']), target)).toMatchObject({ runs: { state: 'snapshot' }, plan: { steps: [] }, error: null });
    target.readFailure = () => unreachable();
    expect(await probeTarget(snapshotOf(['a']), target)).toStrictEqual({ runs: { state: 'unknown', digest: null, services: [] }, plan: null, error: { code: 'unreachable', target: 'mem', message: 'target mem is unreachable' } });
  });
});

describe('syncTarget failures', () => {
  const previous = { state: 'previous', digest: null, services: [] };
  const unknown = { state: 'unknown', digest: null, services: [] };

  it('is verify-failed, listing each step and conflict still different', async () => {
    const target = new MemoryTarget({ ...emptyConfig(), routes: foreign(100) });
    const theirs = { ...labels, 'tagway.group': 'production' };
    target.answer = async (refs) => refs.map((r) => ({ ...r, object: r.id === 'a' ? { id: 'a', labels: theirs, uris: ['/a'] } : { id: r.id, labels, uris: ['/elsewhere'] } }));
    const report = await syncTarget(snapshotOf(['a', 'b', 'c']), target);
    expect(report).toMatchObject({ status: 'failed', writes: 3, runs: unknown, restore: null });
    expect(report.error).toEqual({
      code: 'verify-failed',
      target: 'mem',
      message: 'target mem does not hold the snapshot after applying it; still different: update routes/b, update routes/c, other-group routes/a',
      hint: 'another writer may have changed the gateway during the sync; sync again',
      objects: [{ kind: 'routes', id: 'b' }, { kind: 'routes', id: 'c' }, { kind: 'routes', id: 'a' }],
      phase: 'verify',
    });
  });

  it('is verify-failed, running what it held before, when the gateway kept none of the writes', async () => {
    const target = new MemoryTarget({ ...emptyConfig(), routes: [...foreign(100), route('m', { uris: ['/old'] })] });
    target.alter = () => 'ignored';
    const report = await syncTarget(snapshotOf(['a', 'm']), target);
    expect(target.readBacks).toHaveLength(1);
    expect(report).toMatchObject({ status: 'failed', writes: 2, runs: { state: 'previous', digest: null, services: [{ name: 'petstore', version: '1.0.0' }] } });
    expect(report.error?.message).toBe('target mem does not hold the snapshot after applying it; still different: create routes/a, update routes/m');
  });

  it('puts a read-back failure after a successful apply in the verify phase', async () => {
    const target = new MemoryTarget({ ...emptyConfig(), routes: foreign(100) });
    target.answer = async () => {
      throw new SyncError({ code: 'unreachable', target: 'mem', message: 'target mem is unreachable' });
    };
    const report = await syncTarget(snapshotOf(['a']), target);
    expect(report).toMatchObject({ status: 'failed', runs: unknown, restore: null });
    expect(report.error).toEqual({ code: 'unreachable', target: 'mem', message: 'target mem is unreachable (during verify)', phase: 'verify' });
  });

  const applyErrors: ReadonlyArray<{ readonly name: string; readonly fail: ApplyFailure | Error; readonly status: string; readonly writes: number; readonly error: SyncErrorData; readonly restore: object }> = [
    {
      name: 'a rejected write: failed, in the apply phase',
      fail: { after: 1, error: failure('target mem refused a write') },
      status: 'failed',
      writes: 1,
      error: { ...failure(''), message: 'target mem refused a write (during apply)', phase: 'apply' },
      restore: { attempted: true, ok: true, failures: [], verified: true },
    },
    {
      name: 'a stop: interrupted, the error as the target gave it',
      fail: { after: 1, error: { code: 'interrupted', target: 'mem', message: 'target mem: stopped' } },
      status: 'interrupted',
      writes: 1,
      error: { code: 'interrupted', target: 'mem', message: 'target mem: stopped' },
      restore: { attempted: true, ok: true, failures: [], verified: true },
    },
    {
      name: 'an apply that throws: failed, internal, nothing restored',
      fail: new Error('boom'),
      status: 'failed',
      writes: 0,
      error: { code: 'internal', target: 'mem', message: 'internal error: boom (during apply)', hint: 'this is a bug in tagway; please report it with the command you ran', phase: 'apply' },
      restore: { attempted: false, ok: false, failures: [], verified: true },
    },
  ];
  it.each(applyErrors)('reports $name', async ({ fail, status, writes, error, restore }) => {
    const target = new MemoryTarget(emptyConfig());
    target.onApply = () => {
      if (fail instanceof Error) throw fail;
      return fail;
    };
    const report = await syncTarget(snapshotOf(['a', 'b']), target);
    expect(report).toMatchObject({ status, writes, runs: previous });
    expect(report.error).toEqual(error);
    expect(report.restore).toEqual(restore);
    expect(target.config).toEqual(emptyConfig());
  });

  it('does not verify the restore when the target cannot be read after a failed apply', async () => {
    const target = new MemoryTarget(emptyConfig());
    target.onApply = () => ({ after: 1, error: failure('target mem refused a write') });
    target.readFailure = (n) => (n === 2 ? new Error('gone') : undefined);
    const report = await syncTarget(snapshotOf(['a', 'b']), target);
    expect(report).toMatchObject({ status: 'failed', runs: unknown, restore: { attempted: true, ok: true, verified: false, unread: 'internal error: gone (during restore)' } });
    expect(report.error?.phase).toBe('apply');
  });

  it('writes nothing when stopped before the apply', async () => {
    const target = new MemoryTarget(emptyConfig());
    const stop = new AbortController();
    stop.abort('SIGINT');
    const sync = await runTargetSync(snapshotOf(['a', 'b']), target, { signal: stop.signal });
    expect(sync.undo).toBeNull();
    expect(sync.report).toMatchObject({ status: 'interrupted', runs: previous, writes: 0, restore: null });
    expect(sync.report.error).toEqual({ code: 'interrupted', target: 'mem', message: 'target mem: the sync was interrupted by SIGINT after 0 of 2 writes; no further write was started', hint: 'sync again to take the target to the snapshot' });
    expect(target.plans).toEqual([]);
  });
});

describe('undo of an applied target', () => {
  const applied = async (target: MemoryTarget, options: Parameters<typeof runTargetSync>[2] = {}) => {
    const sync = await runTargetSync(snapshotOf(['a', 'b']), target, options);
    expect(sync.report.status).toBe('applied');
    return sync.undo!;
  };

  it('writes the undo under the digest the target reported before the run, else one of its own', async () => {
    const reported = new MemoryTarget(emptyConfig());
    reported.digest = 'sha256:before';
    await (await applied(reported))();
    expect(reported.plans.map((p) => p.digest)).toEqual([snapshotOf(['a', 'b']).digest, 'sha256:before']);
    const none = new MemoryTarget(emptyConfig());
    await (await applied(none))();
    expect(none.plans[1]?.digest).toBe(`${snapshotOf(['a', 'b']).digest}~undo`);
  });

  it("names what stopped the run: the signal's reason, or a stop request", async () => {
    const stop = new AbortController();
    const signalled = new MemoryTarget(emptyConfig());
    const undo = await applied(signalled, { signal: stop.signal });
    stop.abort('SIGTERM');
    const report = await undo();
    expect(report).toMatchObject({ status: 'interrupted', writes: 2, runs: { state: 'previous' }, restore: { attempted: true, ok: true, failures: [], verified: true } });
    expect(report.error).toEqual({
      code: 'interrupted',
      target: 'mem',
      message: 'target mem: the sync was interrupted by SIGTERM while its batch was being written; its 2 writes were taken back',
      hint: 'sync again to take the target to the snapshot',
    });
    expect(signalled.config).toEqual(emptyConfig());
    const plain = await (await applied(new MemoryTarget(emptyConfig())))();
    expect(plain.error?.message).toBe('target mem: the sync was interrupted by a stop request while its batch was being written; its 2 writes were taken back');
  });

  it('is failed with the cause it was given', async () => {
    const cause: SyncErrorData = { code: 'checks-failed', target: 'mem', message: 'target mem: 1 of 1 checks failed', phase: 'verify' };
    const report = await (await applied(new MemoryTarget(emptyConfig())))({ error: cause });
    expect(report).toMatchObject({ status: 'failed', restore: { ok: true, verified: true } });
    expect(report.error).toEqual({ ...cause, message: 'target mem: 1 of 1 checks failed; its 2 writes were taken back' });
  });

  const failures: ReadonlyArray<{ readonly name: string; readonly fail: ApplyFailure | Error; readonly failure: object }> = [
    { name: 'a write the gateway refuses', fail: { after: 1, error: failure('target mem refused a write'), undo: false }, failure: { request: failure('').request, message: 'target mem refused a write (during restore)' } },
    { name: 'an apply that throws', fail: new Error('boom'), failure: { request: { method: '?', path: '?', status: null, attempts: 0 }, message: 'internal error: boom (during restore)' } },
  ];
  it.each(failures)('reports a restore that fails on $name, not verified', async ({ fail, failure: failed }) => {
    const target = new MemoryTarget(emptyConfig());
    const undo = await applied(target);
    target.onApply = () => {
      if (fail instanceof Error) throw fail;
      return fail;
    };
    const report = await undo();
    expect(report.restore).toEqual({ attempted: true, ok: false, failures: [failed], verified: false });
    expect(report.error?.message).toBe('target mem: the sync was interrupted by a stop request while its batch was being written; taking back its 2 writes failed');
  });

  it('does not verify an undo when the target cannot be read after it', async () => {
    const target = new MemoryTarget(emptyConfig());
    const undo = await applied(target);
    target.readFailure = () => new Error('gone');
    const report = await undo();
    expect(report).toMatchObject({ runs: { state: 'unknown', digest: null, services: [] }, restore: { attempted: true, ok: true, failures: [], verified: false, unread: 'internal error: gone' } });
    expect(target.config).toEqual(emptyConfig());
  });
});

describe('syncTarget warnings', () => {
  it('reports the routes it does not manage that take its requests, and no `shadowed` when there are none', async () => {
    const other: ApisixObject = { id: '9', uris: ['/a'], priority: 10 };
    const target = new MemoryTarget({ ...emptyConfig(), routes: [other] });
    const report = await syncTarget(snapshotOf(['a']), target);
    expect(report.status).toBe('applied');
    expect(report.shadowed?.map((s) => `${s.route} <- ${s.by}: ${s.certainty}`)).toEqual(['a <- 9: takes']);
    expect('shadowed' in (await syncTarget(snapshotOf(['a']), new MemoryTarget(emptyConfig())))).toBe(false);
  });
});
