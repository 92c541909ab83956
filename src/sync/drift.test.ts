/**
 * Cases of drift: what a read-only look at a target reports (its objects that differ, its status,
 * its last health checks, the canaries a rollout moved), over a target that returns a given state.
 */
import { describe, expect, it } from 'vitest';
import type { ApisixConfig, ApisixObject } from '../model/apisix.js';
import type { SnapshotAdoption } from '../model/snapshot.js';
import { emptyConfig } from '../apisix/kinds/index.js';
import { checkDriftTargets, checkTargetDrift, type TargetDrift } from './drift.js';
import { SyncError } from './errors.js';
import type { ChecksRecord, LiveState, Target } from './targets/port.js';
import type { SyncSnapshot } from './report.js';

const mine = { 'managed-by': 'tagway', 'tagway.group': 'staging' };
const theirs = { 'managed-by': 'tagway', 'tagway.group': 'prod' };
const obj = (id: string, extra: Record<string, unknown> = {}, labels: Record<string, string> | null = mine): ApisixObject => ({
  id,
  ...(labels ? { labels } : {}),
  ...extra,
});
const conf = (parts: Partial<ApisixConfig>): ApisixConfig => ({ ...emptyConfig(), ...parts });
const snap = (apisix: ApisixConfig, adopt?: SnapshotAdoption): SyncSnapshot => ({ group: 'staging', digest: 'sha256:d', apisix, ...(adopt ? { adopt } : {}) });

/** A target whose `read` returns `live`, or throws `live` when it is an error; it never writes. */
function target(name: string, live: LiveState | Error): Target {
  return {
    name,
    kind: 'apisix',
    read: () => (live instanceof Error ? Promise.reject(live) : Promise.resolve(live)),
    apply: () => Promise.reject(new Error('a drift check wrote')),
    close: () => Promise.resolve(),
  };
}
const liveOf = (config: ApisixConfig, checks?: ChecksRecord[]): LiveState => ({ config, digest: null, ...(checks ? { checks } : {}) });

/** The objects of a drift as `state kind/id`, with `takeover` and `replacedBy` when set. */
const objectsOf = (drift: TargetDrift) =>
  drift.objects.map((o) => `${o.state} ${o.kind}/${o.id}${o.takeover ? ' takeover' : ''}${o.replacedBy !== undefined ? ` for ${o.replacedBy}` : ''}`);

describe('checkTargetDrift: the objects that differ', () => {
  const cases: ReadonlyArray<{
    readonly name: string;
    readonly snapshot: SyncSnapshot;
    readonly live: ApisixConfig;
    readonly status: TargetDrift['status'];
    readonly objects: string[];
    readonly fields?: string[];
    readonly runs: 'snapshot' | 'previous';
  }> = [
    {
      name: 'the same objects: in sync, nothing listed',
      snapshot: snap(conf({ routes: [obj('a', { uri: '/a' })] })),
      live: conf({ routes: [obj('a', { uri: '/a' })] }),
      status: 'in-sync',
      objects: [],
      runs: 'snapshot',
    },
    {
      name: 'a missing, a changed and an extra object',
      snapshot: snap(conf({ routes: [obj('a', { uri: '/a' }), obj('b', { uri: '/b' })] })),
      live: conf({ routes: [obj('a', { uri: '/old' }), obj('c', { uri: '/c' })] }),
      status: 'drifted',
      objects: ['changed routes/a', 'missing routes/b', 'extra routes/c'],
      fields: ['/uri'],
      runs: 'previous',
    },
    {
      name: "another group's object beside the same objects: in sync",
      snapshot: snap(conf({ routes: [obj('a', { uri: '/a' })] })),
      live: conf({ routes: [obj('a', { uri: '/a' }), obj('z', { uri: '/z' }, theirs)] }),
      status: 'in-sync',
      objects: [],
      runs: 'snapshot',
    },
    {
      name: 'an object the adoption record takes over in place',
      snapshot: snap(conf({ routes: [obj('a', { uri: '/a' })] }), { routes: { a: 'a' } }),
      live: conf({ routes: [obj('a', { uri: '/a' }, null)] }),
      status: 'drifted',
      objects: ['changed routes/a takeover'],
      fields: ['/labels'],
      runs: 'previous',
    },
    {
      name: 'an original the adoption record replaces, still there beside its replacement',
      snapshot: snap(conf({ routes: [obj('web.home', { uri: '/' })] }), { routes: { '1000': 'web.home' } }),
      live: conf({ routes: [obj('1000', { uri: '/' }, null), obj('web.home', { uri: '/' })] }),
      status: 'drifted',
      objects: ['retire routes/1000 for web.home'],
      runs: 'snapshot',
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const drift = await checkTargetDrift(c.snapshot, target('eu-1', liveOf(c.live)));
      expect({ target: drift.target, kind: drift.kind, status: drift.status, error: drift.error, runs: drift.runs.state }).toEqual({
        target: 'eu-1',
        kind: 'apisix',
        status: c.status,
        error: null,
        runs: c.runs,
      });
      expect(objectsOf(drift)).toEqual(c.objects);
      expect(drift.objects.flatMap((o) => o.fields.map((f) => f.path))).toEqual(c.fields ?? []);
      expect(drift.plan?.steps.length).toBe(c.objects.filter((o) => !o.startsWith('retire')).length);
      expect(drift.conflicts).toEqual([]);
      expect('lastChecks' in drift || 'canaries' in drift).toBe(false);
    });
  }

  it('lists objects of other owners in the way as conflicts, and is drifted', async () => {
    const drift = await checkTargetDrift(snap(conf({ routes: [obj('a', { uri: '/a' })] })), target('eu-1', liveOf(conf({ routes: [obj('a', { uri: '/a' }, theirs)] }))));
    expect(drift.status).toBe('drifted');
    expect(drift.conflicts.map((c) => `${c.code} ${c.kind}/${c.id}`)).toEqual(['other-group routes/a']);
  });
});

describe('checkTargetDrift: a target that cannot be read', () => {
  const cases: ReadonlyArray<readonly [string, Error, TargetDrift['status'], string]> = [
    ['no answer', new SyncError({ code: 'unreachable', message: 'no answer' }), 'unreachable', 'unreachable'],
    ['a refused key', new SyncError({ code: 'auth', message: 'refused' }), 'failed', 'auth'],
    ['a bug', new TypeError('x is undefined'), 'failed', 'internal'],
  ];
  for (const [name, error, status, code] of cases) {
    it(`reports ${name} as ${status}, with nothing read`, async () => {
      const drift = await checkTargetDrift(snap(conf({ routes: [obj('a')] })), target('eu-1', error));
      expect(drift).toEqual({
        target: 'eu-1',
        kind: 'apisix',
        status,
        runs: { state: 'unknown', digest: null, services: [] },
        objects: [],
        conflicts: [],
        plan: null,
        error: expect.objectContaining({ code, target: 'eu-1' }),
      });
    });
  }
});

describe('checkTargetDrift: the last health checks', () => {
  const record = (group: string, ok: boolean): ChecksRecord => ({ group, digest: `sha256:${group}`, ok, description: `checks of ${group}` });
  const cases: ReadonlyArray<readonly [string, ChecksRecord[] | undefined, TargetDrift['lastChecks'] | undefined]> = [
    ['no record kept', undefined, undefined],
    ["only another group's record", [record('prod', true)], undefined],
    ["the group's record among others", [record('prod', true), record('staging', false)], { digest: 'sha256:staging', ok: false, description: 'checks of staging' }],
  ];
  for (const [name, checks, lastChecks] of cases) {
    it(`with ${name}`, async () => {
      const drift = await checkTargetDrift(snap(conf({})), target('eu-1', liveOf(conf({}), checks)));
      expect(drift.status).toBe('in-sync');
      expect(drift.lastChecks).toEqual(lastChecks);
      expect('lastChecks' in drift).toBe(lastChecks !== undefined);
    });
  }
});

describe('checkTargetDrift: canaries a rollout moved', () => {
  const canary = { 'tagway.canary-steps': '10,50', 'tagway.canary-id': 'c1' };
  const desired = obj('web', { name: 'web' }, { ...mine, ...canary });
  const moved = (labels: Record<string, string>) => obj('web', { name: 'web' }, { ...mine, ...canary, ...labels });
  const cases: ReadonlyArray<{ readonly name: string; readonly want: ApisixObject[]; readonly live: ApisixObject[]; readonly canaries?: { service: string; weight: number }[] }> = [
    { name: 'a canary at 50 %', want: [desired], live: [moved({ 'tagway.canary-weight': '50' })], canaries: [{ service: 'web', weight: 50 }] },
    { name: 'a canary at 0 %', want: [desired], live: [moved({ 'tagway.canary-weight': '0' })], canaries: [{ service: 'web', weight: 0 }] },
    { name: 'no weight marked', want: [desired], live: [moved({})] },
    { name: 'a weight that is no percentage', want: [desired], live: [moved({ 'tagway.canary-weight': '101' })] },
    { name: 'another canary than the snapshot has', want: [desired], live: [moved({ 'tagway.canary-weight': '50', 'tagway.canary-id': 'c0' })] },
    { name: 'a snapshot service without canary steps', want: [obj('web', { name: 'web' }, { ...mine, 'tagway.canary-id': 'c1' })], live: [moved({ 'tagway.canary-weight': '50' })] },
    { name: 'a service the snapshot does not have', want: [], live: [moved({ 'tagway.canary-weight': '50' })] },
    { name: "another group's service", want: [desired], live: [obj('web', { name: 'web' }, { ...theirs, ...canary, 'tagway.canary-weight': '50' })] },
  ];
  for (const c of cases) {
    it(`with ${c.name}`, async () => {
      const drift = await checkTargetDrift(snap(conf({ services: c.want })), target('eu-1', liveOf(conf({ services: c.live }))));
      expect(drift.error).toBeNull();
      expect(drift.canaries).toEqual(c.canaries);
      expect('canaries' in drift).toBe(c.canaries !== undefined);
    });
  }
});

describe('checkDriftTargets', () => {
  const want = snap(conf({ routes: [obj('a', { uri: '/a' })] }));
  const same = liveOf(conf({ routes: [obj('a', { uri: '/a' })] }));
  const cases: ReadonlyArray<{ readonly name: string; readonly lives: (LiveState | Error)[]; readonly parallel?: number; readonly inSync: boolean; readonly statuses: string[] }> = [
    { name: 'every target in sync', lives: [same, same, same], inSync: true, statuses: ['in-sync', 'in-sync', 'in-sync'] },
    { name: 'one target drifted', lives: [same, liveOf(conf({})), same], inSync: false, statuses: ['in-sync', 'drifted', 'in-sync'] },
    { name: 'one target unreadable, one at a time', lives: [same, same, new SyncError({ code: 'unreachable', message: 'no answer' })], parallel: 1, inSync: false, statuses: ['in-sync', 'in-sync', 'unreachable'] },
    { name: 'no target', lives: [], inSync: true, statuses: [] },
  ];
  for (const c of cases) {
    it(`reports ${c.name}, in fleet order`, async () => {
      const targets = c.lives.map((live, i) => target(`t${i}`, live));
      const report = await checkDriftTargets(want, targets, c.parallel !== undefined ? { parallel: c.parallel } : {});
      expect(report.group).toBe('staging');
      expect(report.digest).toBe('sha256:d');
      expect(report.inSync).toBe(c.inSync);
      expect(report.targets.map((t) => `${t.target} ${t.status}`)).toEqual(c.statuses.map((s, i) => `t${i} ${s}`));
    });
  }
});
