import { describe, expect, it } from 'vitest';
import type { ApisixObject } from '../../../model/apisix.js';
import { SyncError } from '../../errors.js';
import type { AdminClient, AdminRequest } from './client.js';
import { checksIn, checksRecordId, writeChecksRecord } from './checks-record.js';

/** A client that records each request and answers 200, or throws `error`. */
function fakeClient(error?: Error): { client: AdminClient; requests: AdminRequest[] } {
  const requests: AdminRequest[] = [];
  const client = {
    request: async (req: AdminRequest) => {
      requests.push(req);
      if (error !== undefined) throw error;
      return { status: 200, headers: {}, body: {} };
    },
  } as unknown as AdminClient;
  return { client, requests };
}

describe('writeChecksRecord', () => {
  const cases: ReadonlyArray<{ readonly name: string; readonly ok: boolean; readonly description: string; readonly result: string; readonly desc: string }> = [
    { name: 'checks that passed', ok: true, description: 'eu-1: /health 200', result: 'passed', desc: 'eu-1: /health 200' },
    { name: 'checks that failed', ok: false, description: 'eu-1: /health 503', result: 'failed', desc: 'eu-1: /health 503' },
    { name: 'a description of the longest length kept', ok: true, description: 'd'.repeat(256), result: 'passed', desc: 'd'.repeat(256) },
    { name: 'a longer description, cut to 256 characters', ok: true, description: 'd'.repeat(257), result: 'passed', desc: `${'d'.repeat(255)}…` },
  ];
  for (const c of cases) {
    it(`writes the record of ${c.name}`, async () => {
      const { client, requests } = fakeClient();
      await writeChecksRecord(client, { group: 'staging', digest: 'sha256:ab', ok: c.ok, description: c.description });
      expect(requests).toEqual([
        {
          method: 'PUT',
          path: '/apisix/admin/upstreams/tagway-lease.staging.checks',
          body: {
            name: 'tagway health checks of staging',
            desc: c.desc,
            labels: { 'managed-by': 'tagway', 'tagway.checks': 'staging', 'tagway.checks-digest': 'sha256:ab', 'tagway.checks-result': c.result },
            type: 'roundrobin',
            nodes: {},
          },
        },
      ]);
    });
  }

  it('loses the record, without failing, when the gateway refuses it', async () => {
    const { client, requests } = fakeClient(new SyncError({ code: 'rejected', message: 'invalid labels' }));
    await expect(writeChecksRecord(client, { group: 'staging', digest: 'sha256:ab', ok: true, description: '' })).resolves.toBeUndefined();
    expect(requests).toHaveLength(1);
  });
});

describe('checksIn', () => {
  const record = (id: string, labels: Record<string, string> | undefined, desc?: unknown): ApisixObject => ({ id, ...(labels ? { labels } : {}), ...(desc === undefined ? {} : { desc }) }) as ApisixObject;
  const labels = (group: string, result: string, digest: string | null = 'sha256:1') => ({
    'tagway.checks': group,
    ...(digest === null ? {} : { 'tagway.checks-digest': digest }),
    'tagway.checks-result': result,
  });
  const cases: ReadonlyArray<{ readonly name: string; readonly upstreams: ApisixObject[]; readonly records: unknown[] }> = [
    { name: 'a passed record', upstreams: [record(checksRecordId('staging'), labels('staging', 'passed'), 'all 3 checks passed')], records: [{ group: 'staging', digest: 'sha256:1', ok: true, description: 'all 3 checks passed' }] },
    { name: 'a failed record without a description', upstreams: [record('tagway-lease.prod.checks', labels('prod', 'failed'))], records: [{ group: 'prod', digest: 'sha256:1', ok: false, description: '' }] },
    { name: 'a record whose description is no text', upstreams: [record('tagway-lease.prod.checks', labels('prod', 'passed'), 42)], records: [{ group: 'prod', digest: 'sha256:1', ok: true, description: '' }] },
    { name: 'records of two groups, in the order read', upstreams: [record('tagway-lease.b.checks', labels('b', 'failed')), record('tagway-lease.a.checks', labels('a', 'passed'))], records: [{ group: 'b', digest: 'sha256:1', ok: false, description: '' }, { group: 'a', digest: 'sha256:1', ok: true, description: '' }] },
    { name: 'an upstream without labels', upstreams: [record('tagway-lease.prod.checks', undefined)], records: [] },
    { name: 'a record at the id of another group', upstreams: [record('tagway-lease.prod.checks', labels('staging', 'passed'))], records: [] },
    { name: 'a record at an id that is not a record’s', upstreams: [record('petstore', labels('prod', 'passed'))], records: [] },
    { name: 'a record without a digest', upstreams: [record('tagway-lease.prod.checks', labels('prod', 'passed', null))], records: [] },
    { name: 'a record with another result', upstreams: [record('tagway-lease.prod.checks', labels('prod', 'skipped'))], records: [] },
    { name: 'a record without a result', upstreams: [record('tagway-lease.prod.checks', { 'tagway.checks': 'prod', 'tagway.checks-digest': 'sha256:1' })], records: [] },
  ];
  for (const c of cases) {
    it(`reads ${c.name}`, () => expect(checksIn(c.upstreams)).toEqual(c.records));
  }
});
