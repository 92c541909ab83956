import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Digest } from '../core/canonical.js';
import type { ApisixConfig, ApisixObject } from '../model/apisix.js';
import { SyncError } from './errors.js';
import type { Plan } from './plan.js';
import { READ_BACK_MAX_STEPS, READ_BACK_RATIO, readsBackWrittenOnly, syncTarget } from './sync.js';
import type { ApplyReport, LiveState, ReadBackContext, ReadBackEntry, Target } from './targets/port.js';
import type { ObjectRef } from '../model/apisix.js';
import type { SyncSnapshot } from './report.js';
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

/**
 * A target in memory that keeps every write the way a gateway does: a PUT stores the body under
 * its id, a DELETE removes the id; nothing of the plan's own model (no `applyPlanToConfig`).
 * `readBack` answers from it unless `answer` is set.
 */
class MemoryTarget implements Target {
  readonly name = 'mem';
  readonly kind = 'apisix' as const;
  readonly #store: Record<keyof ApisixConfig, Map<string, ApisixObject>>;
  reads = 0;
  readBacks: ObjectRef[][] = [];
  answer: ((refs: readonly ObjectRef[]) => Promise<ReadBackEntry[]>) | undefined;

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
    return { config: this.config, digest: null };
  }

  async apply(plan: Plan): Promise<ApplyReport> {
    for (const step of plan.steps) {
      const objects = this.#store[step.kind as keyof ApisixConfig];
      if (step.op === 'delete') objects.delete(step.id);
      else objects.set(step.id, step.after);
    }
    return { ok: true, writes: plan.steps.length };
  }

  async readBack(refs: readonly ObjectRef[], _ctx: ReadBackContext): Promise<readonly ReadBackEntry[]> {
    this.readBacks.push([...refs]);
    if (this.answer !== undefined) return this.answer(refs);
    return refs.map((r) => ({ ...r, object: this.#store[r.kind as keyof ApisixConfig].get(r.id) ?? null }));
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
    const plain: Target = { name: 'plain', kind: 'file', read: () => whole.read(), apply: (p) => whole.apply(p), close: () => whole.close() };
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
    expect(report).toMatchObject({ status: 'failed', writes: 2, error: { code: 'internal' } });
    expect(report.error?.message).toContain('routes/a');
  });
});
