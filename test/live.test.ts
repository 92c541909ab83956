/**
 * `status --live` and `diff --live`: drift of a group's fleet against its snapshot, with exit 1
 * on drift (for scheduled CI checks) and keys never printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLiveChecks } from '../src/app/live.js';
import { runSync } from '../src/app/sync.js';
import { startAdminServer, type AdminServer } from './support/apisix-admin-server.js';
import { runCli, type Run } from './support/cli-run.js';
import { makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';

const KEY = 'live-admin-key-51c0e7a9d2b34f86';

function tagway(args: readonly string[], cwd: string): Promise<Run> {
  return runCli(args, cwd, { TAGWAY_LIVE_KEY: KEY });
}

let server: AdminServer;
let repo: TempRepo;

beforeAll(async () => {
  server = await startAdminServer({ apiKey: KEY });
  repo = makeExampleRepo();
  const group = repo.read('gateway-groups/production/group.yaml').replace(
    /targets:\n[\s\S]*?rollout:/,
    `targets:\n  - name: eu-1\n    kind: apisix\n    admin_url: ${server.url}\n    admin_key: env:TAGWAY_LIVE_KEY\nrollout:`,
  );
  repo.write('gateway-groups/production/group.yaml', group);
  repo.commit('production: gateway eu-1');
  const outcome = await runSync({ cwd: repo.dir, group: 'production', env: { TAGWAY_LIVE_KEY: KEY } });
  expect(outcome.ok).toBe(true);
});

afterAll(async () => {
  await server.close();
  repo.cleanup();
});

describe('live drift', () => {
  it('in sync: status --live and diff --live exit 0', async () => {
    const live = await runLiveChecks({ cwd: repo.dir, groups: ['production'], env: { TAGWAY_LIVE_KEY: KEY } });
    expect(live.ok).toBe(true);
    const status = await tagway(['status', '--live', '--group', 'production'], repo.dir);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('in sync');
    const diff = await tagway(['diff', '--live', '--group', 'production'], repo.dir);
    expect(diff.code).toBe(0);
  });

  it('a manual change on the gateway is drift: which object, which field; exit 1', async () => {
    const route = server.objects('routes').get('petstore.pet')!;
    const { create_time: _c, update_time: _u, ...body } = route as Record<string, unknown>;
    const res = await fetch(`${server.url}/apisix/admin/routes/petstore.pet`, {
      method: 'PUT',
      headers: { 'X-API-KEY': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, methods: ['GET'] }),
    });
    expect(res.status).toBe(200);
    const status = await tagway(['status', '--live', '--group', 'production'], repo.dir);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('petstore.pet');
    expect(status.stdout).toContain('methods');
    const json = await tagway(['diff', '--live', '--group', 'production', '--format', 'json'], repo.dir);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.ok).toBe(false);
    const target = parsed.groups[0].targets[0];
    expect(target).toMatchObject({ target: 'eu-1', status: 'drifted', changes: { status: 'changed', counts: { added: 0, removed: 0, changed: 1, relabelled: 0 } } });
    expect(target.changes.services).toEqual([
      {
        service: 'petstore',
        version: { before: '1.0.0', after: '1.0.0' },
        objects: [expect.objectContaining({ kind: 'routes', id: 'petstore.pet', change: 'changed', fields: [{ path: '/methods', op: 'replace', before: ['GET'], after: ['GET', 'PUT', 'DELETE'], masked: false }] })],
      },
    ]);
    // A diff from the live state to the snapshot, not the drift report of status --live.
    const text = await tagway(['diff', '--live', '--group', 'production'], repo.dir);
    expect(text.code).toBe(1);
    expect(text.stdout).not.toBe(status.stdout);
    expect(text.stdout).toContain('eu-1 (apisix): 1 changed\n  petstore: 1.0.0 (same version)\n    ~ route petstore.pet\n');
    expect(text.stdout).toMatch(/\n {9}methods:\n {9} {2}- GET\n {8}\+ {2}- PUT\n {8}\+ {2}- DELETE\n/);
    expect(text.stdout).toContain('routing:');
    for (const out of [status.stdout, status.stderr, json.stdout, json.stderr, text.stdout, text.stderr]) expect(out).not.toContain(KEY);
  });

  it('an unreachable gateway is reported, exit 1', async () => {
    const other = makeExampleRepo();
    try {
      other.write(
        'gateway-groups/staging/group.yaml',
        other.read('gateway-groups/staging/group.yaml').replace(/targets:\n[\s\S]*?rollout:/, 'targets:\n  - name: gone\n    kind: apisix\n    admin_url: http://127.0.0.1:9\nrollout:'),
      );
      const status = await tagway(['status', '--live', '--group', 'staging', '--format', 'json'], other.dir);
      expect(status.code).toBe(1);
      expect(JSON.parse(status.stdout).live.groups[0].report.targets[0].status).toBe('unreachable');
    } finally {
      other.cleanup();
    }
  });
});
