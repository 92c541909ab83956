/**
 * Cases of the planner's adoption rules (docs/adoption.md), each a table: objects taken over in
 * place, objects retired in a second stage, objects kept because something that stays uses them,
 * global rules retired early, and the undo of a plan that retired some.
 */
import { describe, expect, it } from 'vitest';
import type { ApisixConfig, ApisixObject } from '../model/apisix.js';
import type { SnapshotAdoption } from '../model/snapshot.js';
import { invertPlan, planSync, stepsBlockedIn, type Plan } from './plan.js';
import { emptyConfig } from '../apisix/kinds/index.js';

const mine = { 'managed-by': 'tagway', 'tagway.group': 'staging' };
const obj = (id: string, extra: Record<string, unknown> = {}, labels: Record<string, string> | null = mine): ApisixObject => ({ id, ...(labels ? { labels } : {}), ...extra });
const bare = (id: string, extra: Record<string, unknown> = {}): ApisixObject => obj(id, extra, null);
const conf = (parts: Partial<ApisixConfig>): ApisixConfig => ({ ...emptyConfig(), ...parts });
const plan = (apisix: ApisixConfig, live: ApisixConfig, adopt?: SnapshotAdoption): Plan =>
  planSync({ group: 'staging', digest: 'sha256:d', apisix, ...(adopt ? { adopt } : {}) }, live);
const named = (steps: readonly { op?: string; kind: string; id: string }[] | undefined) => (steps ?? []).map((s) => `${s.op ?? ''} ${s.kind}/${s.id}`.trim());

const node = { nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }], type: 'roundrobin' };

describe('planSync with an adoption record', () => {
  const cases: ReadonlyArray<{
    readonly name: string;
    readonly desired: ApisixConfig;
    readonly live: ApisixConfig;
    readonly adopt?: SnapshotAdoption;
    readonly steps: string[];
    readonly retire: string[];
    readonly kept: string[];
    readonly conflicts: string[];
    readonly takeover?: string[];
  }> = [
    {
      name: 'an unowned object at a needed id, not listed: a conflict, as without a record',
      desired: conf({ consumers: [obj('alice')] }),
      live: conf({ consumers: [bare('alice')] }),
      adopt: { consumers: { bob: 'alice' } },
      steps: [],
      retire: [],
      kept: [],
      conflicts: ['consumers/alice'],
    },
    {
      name: 'listed under its own id: updated in place (labels written), not a conflict',
      desired: conf({ consumers: [obj('alice')] }),
      live: conf({ consumers: [bare('alice')] }),
      adopt: { consumers: { alice: 'alice' } },
      steps: ['update consumers/alice'],
      retire: [],
      kept: [],
      conflicts: [],
      takeover: ['consumers/alice'],
    },
    {
      name: "listed under its own id but another group's: still a conflict",
      desired: conf({ consumers: [obj('alice')] }),
      live: conf({ consumers: [obj('alice', {}, { ...mine, 'tagway.group': 'prod' })] }),
      adopt: { consumers: { alice: 'alice' } },
      steps: [],
      retire: [],
      kept: [],
      conflicts: ['consumers/alice'],
    },
    {
      name: 'replaced under another id: the replacement first, the original retired in the second stage, in delete order',
      desired: conf({ upstreams: [obj('web', node)], services: [obj('web', { upstream_id: 'web' })], routes: [obj('web.home', { uri: '/', service_id: 'web' })] }),
      live: conf({ upstreams: [bare('u1', node)], services: [bare('s1', { upstream_id: 'u1' })], routes: [bare('1000', { uri: '/', service_id: 's1' })] }),
      adopt: { routes: { '1000': 'web.home' }, services: { s1: 'web' }, upstreams: { u1: 'web' } },
      steps: ['create upstreams/web', 'create services/web', 'create routes/web.home'],
      retire: ['delete routes/1000', 'delete services/s1', 'delete upstreams/u1'],
      kept: [],
      conflicts: [],
    },
    {
      name: 'listed but gone from the gateway: nothing to do (restartable)',
      desired: conf({ routes: [obj('web.home', { uri: '/' })] }),
      live: conf({ routes: [obj('web.home', { uri: '/' })] }),
      adopt: { routes: { '1000': 'web.home' } },
      steps: [],
      retire: [],
      kept: [],
      conflicts: [],
    },
    {
      name: 'an unlisted unowned object that uses a listed one: both kept, what the kept one uses too',
      desired: conf({ upstreams: [obj('web', node)], services: [obj('web', { upstream_id: 'web' })] }),
      live: conf({ upstreams: [bare('u1', node)], services: [bare('s1', { upstream_id: 'u1' })], routes: [bare('2000', { uri: '/x', service_id: 's1' })] }),
      adopt: { services: { s1: 'web' }, upstreams: { u1: 'web' } },
      steps: ['create upstreams/web', 'create services/web'],
      retire: [],
      kept: ['upstreams/u1', 'services/s1'],
      conflicts: [],
    },
    {
      name: 'unlisted unowned objects are left as they are',
      desired: conf({ routes: [obj('web.home', { uri: '/' })] }),
      live: conf({ routes: [bare('1000', { uri: '/' }), bare('1001', { uri: '/other' })] }),
      adopt: { routes: { '1000': 'web.home' } },
      steps: ['create routes/web.home'],
      retire: ['delete routes/1000'],
      kept: [],
      conflicts: [],
    },
    {
      name: 'a retired global rule holding a plugin its replacement holds goes right before it (early)',
      desired: conf({ upstreams: [obj('web', node)], global_rules: [{ id: 'tagway.staging.metrics', plugins: { prometheus: {} } }] }),
      live: conf({ global_rules: [bare('1', { plugins: { prometheus: {} } }), bare('2', { plugins: { 'real-ip': {} } })] }),
      adopt: { global_rules: { '1': 'tagway.staging.metrics', '2': 'tagway.staging.metrics' } },
      steps: ['create upstreams/web', 'delete global_rules/1', 'create global_rules/tagway.staging.metrics'],
      retire: ['delete global_rules/2'],
      kept: [],
      conflicts: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = plan(c.desired, c.live, c.adopt);
      expect(named(p.steps)).toEqual(c.steps);
      expect(named(p.retire)).toEqual(c.retire);
      expect(named(p.kept)).toEqual(c.kept);
      expect(named(p.conflicts)).toEqual(c.conflicts);
      expect(named(p.steps.filter((s) => s.op === 'update' && s.takeover === true).map((s) => ({ kind: s.kind, id: s.id })))).toEqual(c.takeover ?? []);
      const retired = c.retire.length + p.steps.filter((s) => s.op === 'delete' && s.retiredFor !== undefined).length;
      expect(p.counts.retire).toBe(retired > 0 ? retired : undefined);
      expect(p.counts.takeover).toBe(c.takeover !== undefined ? c.takeover.length : undefined);
    });
  }

  it('names both objects of a kept original', () => {
    const p = plan(
      conf({ upstreams: [obj('web', node)] }),
      conf({ upstreams: [bare('u1', node)], routes: [bare('2000', { uri: '/x', upstream_id: 'u1' })] }),
      { upstreams: { u1: 'web' } },
    );
    expect(p.kept).toEqual([
      {
        kind: 'upstreams',
        id: 'u1',
        replacedBy: 'web',
        referencedBy: { kind: 'routes', id: '2000' },
        message: 'upstream u1 is replaced by web but was kept on the gateway: route 2000, which stays, still uses it',
      },
    ]);
  });

  it('a plan without a record is as before: no retire, kept or adoption counts', () => {
    const p = plan(conf({ routes: [obj('web.home', { uri: '/' })] }), conf({ routes: [bare('1000', { uri: '/' })] }));
    expect(p).not.toHaveProperty('retire');
    expect(p).not.toHaveProperty('kept');
    expect(p.counts).toEqual({ create: 1, update: 0, delete: 0, unchanged: 0 });
  });

  it('a takeover is not a write blocked by the object it was planned against', () => {
    const live = conf({ consumers: [bare('alice')] });
    const p = plan(conf({ consumers: [obj('alice')] }), live, { consumers: { alice: 'alice' } });
    expect(stepsBlockedIn(live, p)).toEqual([]);
    expect(stepsBlockedIn(live, plan(conf({ consumers: [obj('alice')] }), conf({}), undefined))).toHaveLength(1);
  });

  it("the undo of an early retirement deletes the replacement before the original comes back", () => {
    const p = plan(
      conf({ global_rules: [{ id: 'tagway.staging.metrics', plugins: { prometheus: {} } }] }),
      conf({ global_rules: [bare('1', { plugins: { prometheus: {} } })] }),
      { global_rules: { '1': 'tagway.staging.metrics' } },
    );
    expect(named(invertPlan(p).steps)).toEqual(['delete global_rules/tagway.staging.metrics', 'create global_rules/1']);
    expect(invertPlan(p)).not.toHaveProperty('retire');
  });

  it('the undo of both stages brings the originals back before the replacements go', () => {
    const p = plan(
      conf({ upstreams: [obj('web', node)], routes: [obj('web.home', { uri: '/', upstream_id: 'web' })] }),
      conf({ upstreams: [bare('u1', node)], routes: [bare('1000', { uri: '/', upstream_id: 'u1' })] }),
      { routes: { '1000': 'web.home' }, upstreams: { u1: 'web' } },
    );
    const both = { ...p, steps: [...p.steps, ...(p.retire ?? [])] };
    expect(named(invertPlan(both).steps)).toEqual(['create upstreams/u1', 'create routes/1000', 'delete routes/web.home', 'delete upstreams/web']);
  });
});
