import { describe, expect, it } from 'vitest';
import type { ProbeResult } from './checks/probe.js';
import type { TargetReport } from './report.js';
import { checkBatch, type RolloutChecks } from './rollout.js';
import type { TargetSync, UndoCause } from './sync.js';
import type { ChecksRecord, Target } from './targets/port.js';

const SNAPSHOT = { group: 'staging', digest: 'sha256:0123456789abcdef0123456789abcdef' };

/** A target that keeps the records of its checks (or keeps none, like a file target). */
function target(name: string, records = true): Target & { records: ChecksRecord[] } {
  const records_: ChecksRecord[] = [];
  return {
    name,
    kind: 'apisix',
    records: records_,
    ...(records ? { recordChecks: async (r: ChecksRecord) => void records_.push(r) } : {}),
  } as unknown as Target & { records: ChecksRecord[] };
}

function report(name: string, status: TargetReport['status'] = 'applied'): TargetReport {
  return { target: name, kind: 'apisix', status, runs: { state: 'unknown', digest: null, services: [] }, plan: null, steps: [], conflicts: [], writes: 1, error: null, restore: null };
}

/**
 * A target's run: applied, with an undo that reports it failed with its cause, after `delay` turns
 * of the event loop (so undos can end in another order than they started); or in sync before the
 * run (nothing to undo).
 */
function run(name: string, undone: string[], options: { inSync?: boolean; delay?: number } = {}): TargetSync {
  if (options.inSync === true) return { report: report(name, 'in-sync'), undo: null };
  return {
    report: report(name),
    undo: async (cause?: UndoCause) => {
      for (let i = 0; i < (options.delay ?? 0); i += 1) await new Promise((resolve) => setImmediate(resolve));
      undone.push(name);
      return { ...report(name, 'failed'), error: cause?.error ?? null };
    },
  };
}

const pass = (probe: string): ProbeResult => ({ probe, ok: true, attempts: 1, request: 'GET h /', status: 200, latencyMs: 1, reason: null });
const fail = (probe: string, reason: string | null = 'status 500, expected 200'): ProbeResult => ({ probe, ok: false, attempts: 2, request: 'GET h /', status: 500, latencyMs: 1, reason });

function checks(results: Record<string, ProbeResult[]>, restore: 'batch' | 'all' = 'batch'): RolloutChecks {
  return { snapshot: SNAPSHOT, restore, run: async () => new Map(Object.entries(results)) };
}

/** Runs `checkBatch` over a batch (and earlier batches), and says what it returned and left behind. */
async function check(
  results: Record<string, ProbeResult[]>,
  batch: { target: Target & { records: ChecksRecord[] }; run: TargetSync }[],
  earlier: { target: Target & { records: ChecksRecord[] }; run: TargetSync }[] = [],
  restore: 'batch' | 'all' = 'batch',
) {
  const reports = new Map<Target, TargetReport>([...earlier, ...batch].map(({ target: t, run: r }) => [t, r.report]));
  // An earlier batch's target passed its checks then.
  for (const { target: t } of earlier) reports.set(t, { ...reports.get(t)!, checks: [pass('list')] });
  const outcome = await checkBatch(
    checks(results, restore),
    batch.map((b) => b.target),
    batch.map((b) => b.run),
    earlier,
    reports,
    undefined,
  );
  const of = (t: Target) => reports.get(t)!;
  return { outcome, of };
}

describe('checking a batch', () => {
  it('passes when every probe passes, records each target that was checked, and takes nothing back', async () => {
    const undone: string[] = [];
    const a = target('a');
    const b = target('b');
    const { outcome, of } = await check({ a: [pass('list'), pass('metrics')] }, [
      { target: a, run: run('a', undone) },
      { target: b, run: run('b', undone) },
    ]);
    expect(outcome).toBeNull();
    expect(undone).toEqual([]);
    expect([of(a).status, of(a).checks, of(b).checks]).toEqual(['applied', [pass('list'), pass('metrics')], []]);
    // b had nothing checked: no record, and no verdict.
    expect(b.records).toEqual([]);
    expect(a.records).toHaveLength(1);
    expect(a.records[0]!.ok).toBe(true);
    expect(a.records[0]!.description).toMatch(/^checks of sha256:0123456789ab passed at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: list ok; metrics ok$/);
  });

  it('fails a target whose probe fails, takes its batch back, and says why for each', async () => {
    const undone: string[] = [];
    const a = target('a');
    const b = target('b');
    const { outcome, of } = await check({ a: [pass('list'), fail('health'), fail('metrics', null)], b: [pass('list')] }, [
      { target: a, run: run('a', undone) },
      { target: b, run: run('b', undone) },
    ]);
    expect(outcome).toEqual({ failed: ['a'], restored: ['a', 'b'] });
    expect([of(a).status, of(b).status]).toEqual(['failed', 'failed']);
    expect(of(a).error).toEqual({
      code: 'checks-failed',
      target: 'a',
      message: 'target a: its health checks failed (health: status 500, expected 200; metrics: failed)',
      hint: 'see what the probes saw, fix the configuration and sync again (the targets taken back run what they ran before)',
    });
    expect(of(b).error?.message).toBe('target b: the health checks of a in its batch failed');
    // Each report keeps what its probes saw.
    expect(of(b).checks).toEqual([pass('list')]);
    expect(a.records.map((r) => [r.ok, r.description.replace(/ at \S+:/, ' at T:')])).toEqual([[false, 'checks of sha256:0123456789ab failed at T: list ok; health FAILED (status 500, expected 200); metrics FAILED (failed)']]);
    expect(b.records.map((r) => r.ok)).toEqual([true]);
  });

  it('fails a target in sync before the run that fails its checks, with nothing to take back', async () => {
    const undone: string[] = [];
    const a = target('a');
    const { outcome, of } = await check({ a: [fail('list')] }, [{ target: a, run: run('a', undone, { inSync: true }) }]);
    expect(outcome).toEqual({ failed: ['a'], restored: [] });
    expect([of(a).status, of(a).error?.code, undone]).toEqual(['failed', 'checks-failed', []]);
  });

  it('with restore: batch, leaves the earlier batches as they are', async () => {
    const undone: string[] = [];
    const e = target('e');
    const a = target('a');
    const { outcome, of } = await check({ a: [fail('list')] }, [{ target: a, run: run('a', undone) }], [{ target: e, run: run('e', undone) }]);
    expect(outcome).toEqual({ failed: ['a'], restored: ['a'] });
    expect([of(e).status, undone, e.records]).toEqual(['applied', ['a'], []]);
  });

  it('with restore: all, takes the earlier batches back too, each told why, in batch order whatever order the undos end in', async () => {
    const undone: string[] = [];
    const e1 = target('e1');
    const e2 = target('e2', false);
    const e3 = target('e3');
    const a = target('a');
    const b = target('b');
    const { outcome, of } = await check(
      { a: [pass('list')], b: [fail('list')] },
      [
        { target: a, run: run('a', undone, { delay: 4 }) },
        { target: b, run: run('b', undone, { delay: 3 }) },
      ],
      [
        { target: e1, run: run('e1', undone, { delay: 2 }) },
        { target: e2, run: run('e2', undone, { delay: 1 }) },
        // In sync before the run: nothing to take back, and it did not fail.
        { target: e3, run: run('e3', undone, { inSync: true }) },
      ],
      'all',
    );
    expect(undone).toEqual(['e2', 'e1', 'b', 'a']);
    expect(outcome).toEqual({ failed: ['b'], restored: ['a', 'b', 'e1', 'e2'] });
    expect(of(e1).error?.message).toBe('target e1: the health checks of b in a later batch failed, and restore_on_check_failure is all');
    // An earlier target keeps what its own checks saw.
    expect(of(e1).checks).toEqual([pass('list')]);
    expect([of(e3).status, of(e3).error]).toEqual(['in-sync', null]);
    // Its record now says it was taken back; a member's record keeps its own verdict.
    expect(e1.records.map((r) => [r.group, r.digest, r.ok, r.description.replace(/ at \S+:/, ' at T:')])).toEqual([
      ['staging', SNAPSHOT.digest, false, 'checks of sha256:0123456789ab passed, then taken back at T: the checks of b in a later batch failed'],
    ]);
    expect(b.records.map((r) => r.ok)).toEqual([false]);
    expect(a.records.map((r) => r.ok)).toEqual([true]);
    expect(e3.records).toEqual([]);
  });

  it('names every target whose checks failed', async () => {
    const undone: string[] = [];
    const [e, a, b, c] = [target('e'), target('a'), target('b'), target('c')];
    const { outcome, of } = await check(
      { a: [pass('list')], b: [fail('list')], c: [fail('list')] },
      [a, b, c].map((t) => ({ target: t, run: run(t.name, undone) })),
      [{ target: e, run: run('e', undone) }],
      'all',
    );
    expect(outcome).toEqual({ failed: ['b', 'c'], restored: ['a', 'b', 'c', 'e'] });
    expect([of(a).error?.message, of(e).error?.message]).toEqual([
      'target a: the health checks of b, c in its batch failed',
      'target e: the health checks of b, c in a later batch failed, and restore_on_check_failure is all',
    ]);
    expect(e.records.map((r) => r.description.replace(/ at \S+:/, ' at T:'))).toEqual(['checks of sha256:0123456789ab passed, then taken back at T: the checks of b, c in a later batch failed']);
  });
});
