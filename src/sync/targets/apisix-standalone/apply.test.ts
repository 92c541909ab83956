/**
 * Cases of applying a plan to a standalone instance: the read right before the PUT, what stops the
 * apply before it, and what a PUT the instance ignored (204) means. Then the target's own parts:
 * the steps it counts as written, the digest it reports, its referrers, its close.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApisixConfig, ApisixObject } from '../../../model/apisix.js';
import { emptyConfig } from '../../../apisix/kinds/index.js';
import { planSync, type Plan } from '../../plan.js';
import { syncTarget } from '../../sync.js';
import { startStandaloneServer, type StandaloneServer } from '../../../../test/support/apisix-standalone-server.js';
import { scriptedClient, type ScriptedAnswer } from '../../../../test/support/scripted-admin-client.js';
import { applyStandalonePlan } from './apply.js';
import { ApisixStandaloneTarget } from './index.js';

const mine = { 'managed-by': 'tagway', 'tagway.group': 'staging' };
const route = (id: string, uri: string, labels: Record<string, string> | null = mine): ApisixObject => ({ id, ...(labels ? { labels } : {}), uri });
const conf = (parts: Partial<ApisixConfig>): ApisixConfig => ({ ...emptyConfig(), ...parts });
const planFor = (desired: ApisixConfig, live: ApisixConfig): Plan => planSync({ group: 'staging', digest: 'sha256:new', apisix: desired }, live);

const GET = 'GET /apisix/admin/configs';
const PUT = 'PUT /apisix/admin/configs';
const NOTHING_TO_RESTORE = { attempted: false, ok: true, failures: [] };

describe('applyStandalonePlan', () => {
  const before = conf({ routes: [route('a', '/a')] });
  const after = conf({ routes: [route('a', '/a'), route('b', '/b')] });
  const plan = planFor(after, before);
  const beforeBody = { routes: [route('a', '/a')], routes_conf_version: 1 };
  const afterBody = { routes: [route('a', '/a'), route('b', '/b')], routes_conf_version: 2 };

  const cases: ReadonlyArray<{
    readonly name: string;
    readonly answers: ScriptedAnswer[];
    readonly planned?: ApisixConfig;
    readonly aborted?: true;
    readonly asked: string[];
    readonly report: unknown;
  }> = [
    {
      name: 'a PUT the instance takes: one write',
      answers: [{ status: 200, body: beforeBody }, { status: 202 }],
      planned: before,
      asked: [GET, PUT],
      report: { ok: true, writes: 1 },
    },
    {
      name: 'a PUT of a digest the instance already holds, with the objects: no write',
      answers: [{ status: 200, body: beforeBody }, { status: 204 }, { status: 200, body: afterBody }],
      asked: [GET, PUT, GET],
      report: { ok: true, writes: 0 },
    },
    {
      name: 'a PUT of a digest the instance already holds, with other objects: stale-digest',
      answers: [{ status: 200, body: beforeBody }, { status: 204 }, { status: 200, body: beforeBody }],
      asked: [GET, PUT, GET],
      report: {
        ok: false,
        writes: 0,
        error: {
          code: 'stale-digest',
          target: 'edge',
          message: 'target edge reports digest sha256:new already but holds other objects, so it ignored the update',
          hint: 'another writer changed its configuration and kept the digest; compile a new snapshot (any change gives a new digest) or change the configuration back',
          request: { method: 'PUT', path: '/apisix/admin/configs', status: 204, attempts: 1 },
        },
        restore: NOTHING_TO_RESTORE,
      },
    },
    {
      name: "the group's objects changed since the plan's read, the instance reporting a digest: no PUT",
      answers: [{ status: 200, body: { routes: [route('a', '/changed')] }, headers: { 'x-digest': 'sha256:other' } }],
      planned: before,
      asked: [GET],
      report: {
        ok: false,
        writes: 0,
        error: {
          code: 'conflict',
          target: 'edge',
          message: 'target edge: the objects of group staging changed since this run read them (the instance now reports digest sha256:other); nothing was written',
          hint: 'another run of this group (or another writer) is changing the instance; sync again when it is done',
        },
        restore: NOTHING_TO_RESTORE,
      },
    },
    {
      name: "the group's objects changed since the plan's read, no digest reported: no PUT",
      answers: [{ status: 200, body: {} }],
      planned: before,
      asked: [GET],
      report: {
        ok: false,
        writes: 0,
        error: expect.objectContaining({ code: 'conflict', message: 'target edge: the objects of group staging changed since this run read them; nothing was written' }),
        restore: NOTHING_TO_RESTORE,
      },
    },
    {
      name: "another owner's object now at an id the plan creates: no PUT",
      answers: [{ status: 200, body: { routes: [route('a', '/a'), route('b', '/theirs', null)] } }],
      asked: [GET],
      report: {
        ok: false,
        writes: 0,
        error: expect.objectContaining({ code: 'conflict', objects: [{ kind: 'routes', id: 'b' }] }),
        restore: NOTHING_TO_RESTORE,
      },
    },
    {
      name: 'a stop before it starts: no request at all',
      answers: [],
      aborted: true,
      asked: [],
      report: {
        ok: false,
        writes: 0,
        error: expect.objectContaining({ code: 'interrupted', target: 'edge', message: expect.stringContaining('after 0 of 1 writes') }),
        restore: NOTHING_TO_RESTORE,
      },
    },
  ];
  for (const c of cases) {
    it(`reports ${c.name}`, async () => {
      const client = scriptedClient(c.answers);
      const controller = new AbortController();
      if (c.aborted) controller.abort('SIGINT');
      expect(await applyStandalonePlan(client, plan, c.planned, controller.signal)).toEqual(c.report);
      expect(client.asked).toEqual(c.asked);
    });
  }
});

describe('ApisixStandaloneTarget', () => {
  const KEY = 'standalone-test-key';
  let server: StandaloneServer;
  beforeAll(async () => {
    server = await startStandaloneServer({ apiKey: KEY });
  });
  afterAll(async () => {
    await server.close();
  });
  const open = () =>
    new ApisixStandaloneTarget(
      { kind: 'apisix-standalone', name: 'edge', admin_url: server.url, admin_key: 'env:K' },
      { credential: { ref: 'env:K', value: KEY }, retry: { maxAttempts: 1 }, runtime: { sleep: async () => {}, random: () => 0 } },
    );

  it('reports no digest before the first write, then the one it wrote, and counts every step of a PUT', async () => {
    server.reset();
    const target = open();
    try {
      expect(await target.reportedDigest()).toBeNull();
      const live = await target.read();
      const plan = planFor(conf({ routes: [route('a', '/a'), route('b', '/b')] }), live.config);
      const counted: number[] = [];
      expect(await target.apply(plan, { concurrency: 1, onWrites: (n) => counted.push(n) })).toEqual({ ok: true, writes: 1 });
      expect(counted).toEqual([2]);
      expect(await target.reportedDigest()).toBe('sha256:new');
      expect(await target.readReferrers()).toEqual([]);
      // A plan made from an older read is stopped before its PUT, and counts nothing.
      const stale = planFor(conf({ routes: [route('a', '/other')] }), live.config);
      expect(await target.apply(stale, { concurrency: 1, onWrites: (n) => counted.push(n) })).toMatchObject({ ok: false, error: { code: 'conflict' } });
      expect(counted).toEqual([2]);
    } finally {
      await target.close();
    }
  });

  it('retires an original an adoption replaces in the same PUT as its replacement', async () => {
    server.reset();
    const target = open();
    try {
      const first = await target.read();
      await target.apply(planFor(conf({ routes: [route('1000', '/pets', null)] }), first.config), { concurrency: 1 });
      const writes = server.writes();
      const adopting = { group: 'staging', digest: 'sha256:adopt', apisix: conf({ routes: [route('web', '/pets')] }), adopt: { routes: { '1000': 'web' } } };
      expect(await syncTarget(adopting, target)).toMatchObject({ status: 'applied', writes: 1 });
      expect(server.writes() - writes).toBe(1);
      expect((await target.read()).config.routes.map((r) => r.id)).toEqual(['web']);
    } finally {
      await target.close();
    }
  });
});
