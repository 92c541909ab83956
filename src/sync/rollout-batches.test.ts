/**
 * `rolloutTargets` over `file` targets in a temporary directory: batches, the window before each
 * write, stops before, between and during batches, and what the report says; `syncGroup` over
 * such targets: what it hands the rollout, and that it closes the targets it built.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { emptyConfig } from '../apisix/kinds/index.js';
import { canonicalJson, sha256Digest, sortKeys } from '../core/canonical.js';
import type { ApisixConfig } from '../model/apisix.js';
import type { TargetSpec } from '../model/target.js';
import type { ProbeResult } from './checks/probe.js';
import type { SyncSnapshot } from './report.js';
import { rolloutTargets, syncGroup, type RolloutChecks, type RolloutOptions, type SyncGroupOptions } from './rollout.js';
import type { SyncEvent } from './sync.js';
import { FileTarget } from './targets/file/index.js';
import type { ChecksRecord, Target } from './targets/port.js';

/** The targets `syncGroup` closed, by name, in order. */
const closed = vi.hoisted(() => [] as string[]);
vi.mock('./targets/create.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('./targets/create.js')>();
  return {
    ...original,
    closeTargets: async (targets: readonly Target[]) => {
      closed.push(...targets.map((t) => t.name));
      await original.closeTargets(targets);
    },
  };
});

function snapshotOf(version: string): SyncSnapshot {
  const l = { 'managed-by': 'tagway', 'tagway.group': 'staging', 'tagway.service': 'petstore', 'tagway.version': version };
  const apisix: ApisixConfig = sortKeys({
    ...emptyConfig(),
    upstreams: [{ id: 'petstore', labels: l, nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }], type: 'roundrobin' }],
    services: [{ id: 'petstore', labels: l, upstream_id: 'petstore' }],
    routes: [{ id: 'petstore.list', labels: l, service_id: 'petstore', uris: ['/pets'], methods: ['GET'] }],
  });
  return { group: 'staging', apisix, digest: sha256Digest(canonicalJson(apisix)) };
}

const v1 = snapshotOf('1.0.0');
let root: string;
let runs = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tagway-rollout-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
beforeEach(() => {
  closed.length = 0;
});

/** Fresh file targets (each its own empty file); `onRecord` is told of each checks record. */
function fleet(names: string[], onRecord?: (target: string, record: ChecksRecord) => void): Target[] {
  runs += 1;
  return names.map((name) => {
    const t = new FileTarget({ kind: 'file', name, path: `run-${runs}/${name}.yaml` }, root);
    if (onRecord === undefined) return t;
    return Object.assign(t, { recordChecks: async (r: ChecksRecord) => onRecord(name, r) });
  });
}

/** A target that cannot be read. */
function unreadable(name: string): Target {
  return { name, kind: 'file', read: async () => Promise.reject(new Error('disk on fire')), apply: async () => Promise.reject(new Error('never written')), close: async () => {} };
}

/** A target whose write fails (and changes nothing). */
function failing(name: string): Target {
  const [t] = fleet([name]) as [FileTarget];
  return Object.assign(t, {
    apply: async () => ({ ok: false as const, writes: 0, error: { code: 'io' as const, target: name, message: `target ${name}: the disk is full`, hint: 'free some space' }, restore: { attempted: false, ok: true, failures: [] } }),
  });
}

const pass: ProbeResult = { probe: 'list', ok: true, attempts: 1, request: 'GET h /', status: 200, latencyMs: 1, reason: null };

/** Checks that pass, and say which batches they checked and which targets each window before a write watched. */
function watching(hooks: { onRun?: () => void; beforeWrite?: boolean } = {}) {
  const checked: string[][] = [];
  const windows: string[][] = [];
  const checks: RolloutChecks = {
    snapshot: { group: v1.group, digest: v1.digest },
    restore: 'batch',
    run: async (batch) => {
      checked.push(batch.map((b) => b.target.name));
      hooks.onRun?.();
      return new Map(batch.map((b) => [b.target.name, [pass]]));
    },
    ...(hooks.beforeWrite === false ? {} : { beforeWrite: async (batch: readonly Target[]) => void windows.push(batch.map((t) => t.name)) }),
  };
  return { checks, checked, windows };
}

async function rollout(targets: Target[], options: RolloutOptions = {}) {
  const events: string[] = [];
  const report = await rolloutTargets(v1, targets, {
    ...options,
    onEvent: (e: SyncEvent) => {
      if (e.type === 'phase' && (e.phase === 'preflight' || e.phase === 'done')) events.push(`${e.target} ${e.phase}`);
      options.onEvent?.(e);
    },
  });
  return { report, events, statuses: report.targets.map((t) => `${t.target} ${t.status}`) };
}

describe('rolling out in batches', () => {
  it.each([
    [0, [['a'], ['b'], ['c']]],
    [1, [['a'], ['b'], ['c']]],
    [1.5, [['a'], ['b'], ['c']]],
    [2, [['a', 'b'], ['c']]],
    [5, [['a', 'b', 'c']]],
  ])('batch size %s checks the batches %j', async (batchSize, batches) => {
    const { checks, checked, windows } = watching();
    const { report } = await rollout(fleet(['a', 'b', 'c']), { batchSize, checks });
    expect(checked).toEqual(batches);
    expect(windows).toEqual(batches);
    expect(report).toMatchObject({ ok: true, halted: null, interrupted: null, counts: { applied: 3, 'in-sync': 0, failed: 0, skipped: 0, unreachable: 0, interrupted: 0 } });
  });

  it('tells each target its preflight, and each member when its batch is done', async () => {
    const { events } = await rollout(fleet(['a', 'b']), { batchSize: 2, parallel: 1 });
    expect(events).toEqual(['a preflight', 'b preflight', 'a done', 'b done']);
  });

  it('goes on past a batch while a signal that never aborts is given', async () => {
    const { report, statuses } = await rollout(fleet(['a', 'b']), { signal: new AbortController().signal, checks: watching().checks });
    expect([report.ok, report.interrupted, statuses]).toEqual([true, null, ['a applied', 'b applied']]);
  });

  it('watches the window before a write only on the targets the batch writes to, and none when it writes to none', async () => {
    const targets = fleet(['a', 'b', 'c']);
    await rollout(targets.slice(0, 1));
    const { checks, checked, windows } = watching();
    const { statuses } = await rollout(targets, { batchSize: 2, checks });
    expect(statuses).toEqual(['a in-sync', 'b applied', 'c applied']);
    expect([checked, windows]).toEqual([[['a', 'b'], ['c']], [['b'], ['c']]]);
    // Everything in sync: no window at all, and checks without a window before the write are fine.
    const again = watching();
    const { report } = await rollout(targets, { batchSize: 2, checks: again.checks });
    expect([again.windows, again.checked, report.counts['in-sync']]).toEqual([[], [['a', 'b'], ['c']], 3]);
    const none = watching({ beforeWrite: false });
    expect((await rollout(targets, { checks: none.checks })).report.ok).toBe(true);
  });

  it('halts at a failed batch: later targets skipped, the report not ok, every status counted', async () => {
    const targets = [...fleet(['a']), failing('b'), ...fleet(['c', 'd'])];
    const { report, statuses } = await rollout(targets, { batchSize: 1 });
    expect(statuses).toEqual(['a applied', 'b failed', 'c skipped', 'd skipped']);
    expect(report).toMatchObject({ ok: false, halted: { batch: 2, failed: ['b'] }, interrupted: null, preflight: { ok: true, failed: [] } });
    expect(report.counts).toEqual({ 'in-sync': 0, applied: 1, failed: 1, skipped: 2, unreachable: 0, interrupted: 0 });
  });

  it('names the targets that fail the preflight, and with allowPartial rolls out to the others', async () => {
    const targets = [...fleet(['a']), unreadable('b'), ...fleet(['c'])];
    const refused = await rollout(targets);
    expect(refused.statuses).toEqual(['a skipped', 'b failed', 'c skipped']);
    expect(refused.report).toMatchObject({ ok: false, preflight: { ok: false, failed: ['b'] }, halted: null, interrupted: null });
    const partial = await rollout(targets, { allowPartial: true });
    expect(partial.statuses).toEqual(['a applied', 'b failed', 'c applied']);
    expect(partial.report).toMatchObject({ ok: false, preflight: { ok: false, failed: ['b'] } });
  });
});

describe('stopping a rollout', () => {
  it('stopped before it starts: writes nothing, watches no window, and is interrupted before any batch', async () => {
    const stop = new AbortController();
    stop.abort('SIGINT');
    const { checks, windows } = watching();
    const { report, statuses } = await rollout(fleet(['a', 'b']), { signal: stop.signal, checks });
    expect([windows, statuses, report.ok, report.interrupted]).toEqual([[], ['a skipped', 'b skipped'], false, { by: 'SIGINT', batch: null }]);
  });

  it('stopped during the preflight: the targets not read yet are skipped', async () => {
    const stop = new AbortController();
    const { report, statuses } = await rollout(fleet(['a', 'b']), { signal: stop.signal, parallel: 1, onEvent: () => stop.abort('SIGTERM') });
    expect([statuses, report.interrupted, report.targets[1]!.runs.state]).toEqual([['a skipped', 'b skipped'], { by: 'SIGTERM', batch: null }, 'unknown']);
  });

  it('stopped during the window before a write: that batch is not written', async () => {
    const stop = new AbortController();
    const checks: RolloutChecks = { ...watching().checks, beforeWrite: async () => stop.abort('SIGINT') };
    const { report, statuses } = await rollout(fleet(['a', 'b']), { signal: stop.signal, checks });
    expect([statuses, report.ok, report.interrupted]).toEqual([['a skipped', 'b skipped'], false, { by: 'SIGINT', batch: null }]);
  });

  it('stopped after a batch passed its checks: no later batch starts', async () => {
    const stop = new AbortController();
    const { report, statuses } = await rollout(fleet(['a', 'b'], () => stop.abort('SIGINT')), { signal: stop.signal, checks: watching({ beforeWrite: false }).checks });
    expect([statuses, report.ok, report.halted, report.interrupted]).toEqual([['a applied', 'b skipped'], false, null, { by: 'SIGINT', batch: null }]);
  });

  it('stopped after the last batch: every target keeps the snapshot, but the run says it was stopped', async () => {
    const stop = new AbortController();
    const { report, statuses } = await rollout(fleet(['a']), { signal: stop.signal, checks: watching().checks, onEvent: (e) => void (e.type === 'phase' && e.phase === 'done' && stop.abort('SIGINT')) });
    // Stopped as its batch ended: it keeps what it was written, the batch is named, and no check runs.
    expect([statuses, report.interrupted, report.targets[0]!.checks]).toEqual([['a applied'], { by: 'SIGINT', batch: 1 }, undefined]);
    const late = new AbortController();
    const after = await rollout(fleet(['a'], () => late.abort('SIGINT')), { signal: late.signal, checks: watching().checks });
    expect([after.statuses, after.report.ok, after.report.interrupted]).toEqual([['a applied'], false, { by: 'SIGINT', batch: null }]);
  });

  it('stopped while a batch is checked: the batch is taken back as interrupted, a member in sync before stays so', async () => {
    const targets = fleet(['a', 'b', 'c']);
    await rollout(targets.slice(0, 1));
    const stop = new AbortController();
    const { checks, checked } = watching({ onRun: () => stop.abort('SIGINT') });
    const { report, statuses } = await rollout(targets, { batchSize: 2, signal: stop.signal, checks });
    expect(checked).toEqual([['a', 'b']]);
    expect(statuses).toEqual(['a in-sync', 'b interrupted', 'c skipped']);
    expect(report).toMatchObject({ ok: false, halted: null, interrupted: { by: 'SIGINT', batch: 1 } });
  });
});

/** Fresh `file` targets; `outside` names one whose path leaves the root (its preflight fails). */
function fileSpecs(names: string[], outside?: string): TargetSpec[] {
  runs += 1;
  return names.map((name) => ({ kind: 'file', name, path: name === outside ? '../outside.yaml' : `run-${runs}/${name}.yaml` }));
}

function sync(targets: TargetSpec[], extra: Partial<SyncGroupOptions> = {}) {
  const events: string[] = [];
  const options: SyncGroupOptions = {
    env: {},
    root,
    lease: { holder: 'test', timeoutMs: 0 },
    onEvent: (e: SyncEvent) => void (e.type === 'phase' && (e.phase === 'preflight' || e.phase === 'read' || e.phase === 'done') && events.push(`${e.target} ${e.phase}`)),
    ...extra,
  };
  return { events, report: syncGroup(v1, targets, options) };
}

describe('syncing a group', () => {
  it.each<[string, Partial<SyncGroupOptions>, string[]]>([
    // A later batch reads its targets again; the first is written from the preflight's reads.
    ['one target per batch by default', {}, ['a preflight', 'b preflight', 'a done', 'b read', 'b done']],
    ['batches of rollout.batch_size', { rollout: { batch_size: 2 } }, ['a preflight', 'b preflight', 'a done', 'b done']],
  ])('rolls out %s, and closes the targets', async (_name, extra, events) => {
    const run = sync(fileSpecs(['a', 'b']), { ...extra, concurrency: 2 });
    const report = await run.report;
    expect(report).toMatchObject({ ok: true, counts: { applied: 2 } });
    expect(run.events).toEqual(events);
    expect(closed).toEqual(['a', 'b']);
  });

  it('with allowPartial, writes to the targets that pass the preflight', async () => {
    const group = fileSpecs(['a', 'b'], 'a');
    expect((await sync(group).report).targets.map((t) => t.status)).toEqual(['failed', 'skipped']);
    expect((await sync(group, { allowPartial: true }).report).targets.map((t) => t.status)).toEqual(['failed', 'applied']);
  });

  it('stops when its signal aborts', async () => {
    const stop = new AbortController();
    stop.abort('SIGTERM');
    const report = await sync(fileSpecs(['a']), { signal: stop.signal }).report;
    expect([report.ok, report.interrupted, report.targets[0]!.status]).toEqual([false, { by: 'SIGTERM', batch: null }, 'skipped']);
    expect(closed).toEqual(['a']);
  });

  it('closes the targets when the rollout throws', async () => {
    await expect(
      sync(fileSpecs(['a', 'b']), {
        onEvent: () => {
          throw new Error('listener broke');
        },
      }).report,
    ).rejects.toThrow('listener broke');
    expect(closed).toEqual(['a', 'b']);
  });
});

describe('a preflight that fails outside its reads', () => {
  it('writes to no target when a listener throws while the targets are read', async () => {
    const targets = fleet(['a', 'b']);
    const written: string[] = [];
    for (const t of targets) {
      const apply = t.apply.bind(t);
      Object.assign(t, { apply: async (...args: Parameters<Target['apply']>) => (written.push(t.name), apply(...args)) });
    }
    const onEvent = (e: SyncEvent) => {
      if (e.type === 'phase' && e.phase === 'preflight' && e.target === 'b') throw new Error('listener broke');
    };
    await expect(rolloutTargets(v1, targets, { batchSize: 1, onEvent })).rejects.toThrow('listener broke');
    expect(written).toEqual([]);
  });
});
