import { describe, expect, it } from 'vitest';
import type { SyncedSnapshot } from '../../app/sync.js';
import { LISTED_SERVICES, renderRollout, renderRolloutMarkdown, renderSnapshotSource, touchedServices } from './sync.js';
import type { RolloutReport, TargetReport } from '../../sync/report.js';

function snapshot(services: number): SyncedSnapshot {
  return {
    group: 'staging',
    digest: `sha256:${'ab'.repeat(32)}`,
    source: { kind: 'compiled', commit: null },
    services: Array.from({ length: services }, (_, i) => ({ name: `svc-${String(i).padStart(3, '0')}`, version: '1.0.0' })),
  };
}

describe('renderSnapshotSource', () => {
  const cases: { name: string; services: number; touched: string[]; expected: string }[] = [
    { name: 'no services', services: 0, touched: [], expected: '(no services)' },
    { name: 'a screenful lists every service', services: LISTED_SERVICES, touched: [], expected: '(svc-000 1.0.0, svc-001 1.0.0, ' },
    { name: 'more: counted, the written ones named', services: 500, touched: ['svc-007', 'svc-300'], expected: '(500 services; written: svc-007 1.0.0, svc-300 1.0.0; 498 untouched)' },
    { name: 'more, none written', services: 500, touched: [], expected: '(500 services; none written; 500 untouched)' },
    {
      name: 'many written: a screenful of them, and how many more',
      services: 500,
      touched: Array.from({ length: 40 }, (_, i) => `svc-${String(i).padStart(3, '0')}`),
      expected: `svc-011 1.0.0 and 28 more; 460 untouched)`,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const line = renderSnapshotSource(snapshot(c.services), new Set(c.touched));
      expect(line).toContain(c.expected);
      expect(line.split('\n')).toHaveLength(2);
      expect(line.length).toBeLessThan(600);
    });
  }
});

describe('renderSnapshotSource: config files a worktree compile took uncommitted', () => {
  const files = (n: number) => Array.from({ length: n }, (_, i) => `gateway-groups/staging/services/s${i}.yaml`);
  it.each([
    { name: 'none, or not listable: no note', uncommitted: [] as string[] | null, note: null },
    { name: 'not listable (a linked worktree): no note', uncommitted: null, note: null },
    { name: 'one', uncommitted: files(1), note: '  note: 1 config file differs from HEAD and is taken as it is: gateway-groups/staging/services/s0.yaml. Commit them' },
    { name: 'many: five named, the rest counted', uncommitted: files(7), note: '  note: 7 config files differ from HEAD and are taken as they are: gateway-groups/staging/services/s0.yaml, gateway-groups/staging/services/s1.yaml, gateway-groups/staging/services/s2.yaml, gateway-groups/staging/services/s3.yaml, gateway-groups/staging/services/s4.yaml and 2 more.' },
  ])('$name', ({ uncommitted, note }) => {
    const lines = renderSnapshotSource({ ...snapshot(2), source: { kind: 'compiled', commit: null, uncommitted } }).split('\n');
    expect(lines[0]).toBe('staging: snapshot sha256:abababababab compiled from the worktree (svc-000 1.0.0, svc-001 1.0.0)');
    if (note === null) expect(lines).toHaveLength(2);
    else expect(lines[1]!.startsWith(note)).toBe(true);
  });
});

describe('touchedServices', () => {
  it('names the service of every object a plan writes, by its id', () => {
    const step = (id: string) => ({ op: 'update' as const, kind: 'routes' as const, id });
    const report = { targets: [{ steps: [step('petstore.list'), step('petstore')] }, { steps: [step('orders.canary')] }], counts: {} } as unknown as RolloutReport;
    expect([...touchedServices(report)].sort()).toEqual(['orders', 'petstore']);
  });
});

describe('what a failed target says of its restore', () => {
  const failure = { request: { method: 'PUT', path: '/apisix/admin/routes/a.c', status: 503, attempts: 5 }, message: 'service unavailable' };
  const cases: { name: string; restore: NonNullable<TargetReport['restore']>; line: string }[] = [
    { name: 'undone and read back as before', restore: { attempted: true, ok: true, failures: [], verified: true }, line: 'restored: yes; the read-back matches the state before the run' },
    { name: 'undone, but read back otherwise', restore: { attempted: true, ok: true, failures: [], verified: false }, line: 'restored: NOT verified; every undo request succeeded, but the read-back differs from the state before the run' },
    { name: 'undone, but not read back', restore: { attempted: true, ok: true, failures: [], verified: false, unread: 'target eu-1: no answer' }, line: 'restored: NOT verified; every undo request succeeded, but the target could not be read back to check it: target eu-1: no answer' },
    { name: 'nothing to undo, and not read back', restore: { attempted: false, ok: true, failures: [], verified: false, unread: 'target eu-1: no answer' }, line: 'restored: nothing to undo (no write had changed the target); the target could not be read back to check it: target eu-1: no answer' },
    { name: 'an undo request failed, and not read back', restore: { attempted: true, ok: false, failures: [failure], verified: false, unread: 'target eu-1: no answer' }, line: 'restored: NO; 1 undo request failed:\n      PUT /apisix/admin/routes/a.c → 503: service unavailable\n      and the target could not be read back to check it: target eu-1: no answer' },
  ];
  it.each(cases)('$name', ({ restore, line }) => {
    const target: TargetReport = { target: 'eu-1', kind: 'apisix', status: 'failed', plan: null, steps: [], conflicts: [], writes: 2, runs: { state: 'unknown', digest: null, services: [] }, error: { code: 'http-error', target: 'eu-1', message: 'target eu-1: 503' }, restore };
    const report: RolloutReport = {
      group: 'production',
      digest: `sha256:${'a'.repeat(64)}`,
      ok: false,
      preflight: { ok: true, failed: [] },
      halted: { batch: 1, failed: ['eu-1'] },
      interrupted: null,
      counts: { 'in-sync': 0, applied: 0, failed: 1, skipped: 0, unreachable: 0, interrupted: 0 },
      targets: [target],
    };
    expect(renderRollout(report)).toContain(`\n    ${line}\n`);
  });
});

describe('the markdown summary of a sync', () => {
  const target = (name: string, extra: Partial<TargetReport> = {}): TargetReport => ({ target: name, kind: 'apisix', status: 'applied', plan: null, steps: [], conflicts: [], writes: 1, runs: { state: 'snapshot', digest: null, services: [] }, error: null, restore: null, ...extra });
  const report = (targets: TargetReport[]): RolloutReport => ({
    group: 'staging',
    digest: `sha256:${'a'.repeat(64)}`,
    ok: true,
    preflight: { ok: true, failed: [] },
    halted: null,
    interrupted: null,
    counts: { 'in-sync': 0, applied: targets.length, failed: 0, skipped: 0, unreachable: 0, interrupted: 0 },
    targets,
  });
  const shadowed = { route: 'petstore.list', priority: 0, by: '9', byPriority: 10, byGroup: null, hosts: null, methods: null, uris: ['/pets'], certainty: 'takes' as const, only: [], message: 'route 9 (priority 10) takes the requests of route petstore.list', hint: 'give route petstore.list a priority above 10' };
  const kept = { kind: 'upstreams' as const, id: '1', replacedBy: 'petstore', referencedBy: { kind: 'routes' as const, id: 'r9' }, message: 'upstream 1 stays: route r9 uses it' };

  it('lists the warnings of each target, as the text report does', () => {
    const md = renderRolloutMarkdown(report([target('eu-1', { shadowed: [shadowed] }), target('eu-2', { kept: [kept] })]));
    expect(md).toContain('\n#### Warnings\n\n- `eu-1`: route 9 (priority 10) takes the requests of route petstore.list. give route petstore.list a priority above 10\n- `eu-2`: upstream 1 stays: route r9 uses it\n');
  });

  it('has no warnings section without warnings', () => {
    expect(renderRolloutMarkdown(report([target('eu-1')]))).not.toContain('Warnings');
  });
});
