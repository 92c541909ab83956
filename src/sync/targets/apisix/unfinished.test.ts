import { describe, expect, it } from 'vitest';
import type { AdminClient, AdminRequest } from './client.js';
import { SyncError, type SyncErrorCode } from '../../errors.js';
import { clearUnfinished, markUnfinished, unfinishedIn } from './unfinished.js';

/** A client that records each request and answers with `answer` (a throw when it is an error). */
function fakeClient(answer: unknown = { status: 201, body: {} }): { client: AdminClient; requests: AdminRequest[] } {
  const requests: AdminRequest[] = [];
  const client = {
    request: async (req: AdminRequest) => {
      requests.push(req);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as AdminClient;
  return { client, requests };
}

const failure = (code: SyncErrorCode) => new SyncError({ code, message: `the gateway said ${code}` });

describe('markUnfinished', () => {
  it('writes an upstream with no nodes, labelled with the group and the digest, dated to the second', async () => {
    const { client, requests } = fakeClient();
    expect(await markUnfinished(client, 'staging', 'sha256:ab12', new Date('2026-03-04T05:06:07.890Z'))).toBe(true);
    expect(requests).toEqual([
      {
        method: 'PUT',
        path: '/apisix/admin/upstreams/tagway-lease.staging.unfinished',
        body: {
          name: 'tagway sync of staging, unfinished',
          desc: 'a sync of group staging to sha256:ab12 started 2026-03-04T05:06:07Z and has not finished',
          labels: { 'managed-by': 'tagway', 'tagway.unfinished': 'staging', 'tagway.unfinished-digest': 'sha256:ab12' },
          type: 'roundrobin',
          nodes: {},
        },
      },
    ]);
  });

  const refusals: ReadonlyArray<{ readonly thrown: Error; readonly outcome: 'written without a record' | 'fails' }> = [
    { thrown: failure('rejected'), outcome: 'written without a record' },
    { thrown: failure('auth'), outcome: 'written without a record' },
    { thrown: failure('unreachable'), outcome: 'fails' },
    { thrown: failure('http-error'), outcome: 'fails' },
    { thrown: Object.assign(new Error('socket hang up'), { code: 'rejected' }), outcome: 'fails' },
  ];
  for (const { thrown, outcome } of refusals) {
    const what = thrown instanceof SyncError ? `a ${thrown.code} answer` : `a ${thrown.constructor.name} (${thrown.message})`;
    it(`after ${what}: the sync ${outcome}`, async () => {
      const { client } = fakeClient(thrown);
      const marking = markUnfinished(client, 'staging', 'sha256:ab12', new Date(0));
      if (outcome === 'fails') await expect(marking).rejects.toBe(thrown);
      else expect(await marking).toBe(false);
    });
  }
});

describe('clearUnfinished', () => {
  it('deletes the record, a record already gone being fine', async () => {
    const { client, requests } = fakeClient({ status: 404, body: {} });
    await clearUnfinished(client, 'prod');
    expect(requests).toEqual([{ method: 'DELETE', path: '/apisix/admin/upstreams/tagway-lease.prod.unfinished', allow: [404] }]);
  });

  it('leaves the record behind, without failing, when the gateway does not answer', async () => {
    const { client } = fakeClient(failure('unreachable'));
    await expect(clearUnfinished(client, 'prod')).resolves.toBeUndefined();
  });
});

describe('unfinishedIn', () => {
  const record = (id: string | number, labels: Record<string, string> | undefined, desc?: unknown) => ({ id, ...(labels ? { labels } : {}), ...(desc === undefined ? {} : { desc }) });
  const cases: ReadonlyArray<{ readonly name: string; readonly upstreams: ReturnType<typeof record>[]; readonly runs: unknown[] }> = [
    {
      name: 'a record of its group, with digest and description',
      upstreams: [record('tagway-lease.staging.unfinished', { 'tagway.unfinished': 'staging', 'tagway.unfinished-digest': 'sha256:1' }, 'a sync that died')],
      runs: [{ group: 'staging', digest: 'sha256:1', description: 'a sync that died' }],
    },
    {
      name: 'a record without digest or description',
      upstreams: [record('tagway-lease.prod.unfinished', { 'tagway.unfinished': 'prod' }, 42)],
      runs: [{ group: 'prod', digest: null, description: null }],
    },
    {
      name: 'a label naming another group than the id (no record)',
      upstreams: [record('tagway-lease.prod.unfinished', { 'tagway.unfinished': 'staging' })],
      runs: [],
    },
    { name: 'an upstream without labels (no record)', upstreams: [record('tagway-lease.prod.unfinished', undefined)], runs: [] },
    { name: 'an ordinary upstream (no record)', upstreams: [record('u1', { 'managed-by': 'tagway' })], runs: [] },
    {
      name: 'two groups, in the order read',
      upstreams: [
        record('u1', {}),
        record('tagway-lease.b.unfinished', { 'tagway.unfinished': 'b' }),
        record('tagway-lease.a.unfinished', { 'tagway.unfinished': 'a' }),
      ],
      runs: [
        { group: 'b', digest: null, description: null },
        { group: 'a', digest: null, description: null },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(unfinishedIn(c.upstreams as never)).toEqual(c.runs);
    });
  }
});
