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

describe('touchedServices', () => {
  it('names the service of every object a plan writes, by its id', () => {
    const step = (id: string) => ({ op: 'update' as const, kind: 'routes' as const, id });
    const report = { targets: [{ steps: [step('petstore.list'), step('petstore')] }, { steps: [step('orders.canary')] }], counts: {} } as unknown as RolloutReport;
    expect([...touchedServices(report)].sort()).toEqual(['orders', 'petstore']);
  });
});
