import { describe, expect, it } from 'vitest';
import type { SyncedSnapshot } from '../../app/sync.js';
import { LISTED_SERVICES, renderSnapshotSource, touchedServices } from './sync.js';
import type { RolloutReport } from '../../sync/report.js';

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
