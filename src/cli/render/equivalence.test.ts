import { describe, expect, it } from 'vitest';
import type { ApisixConfig, ApisixKind } from '../../model/apisix.js';
import { checkEquivalence, type EquivalenceReport } from '../../import/equivalence.js';
import { differenceLine, equivalenceJson, renderEquivalence } from './equivalence.js';

const EMPTY: EquivalenceReport = { differences: [], notCompared: [], skipped: 0, skippedBy: {}, skippedFields: 0, compared: 3, comparedByKind: { consumers: 1, routes: 2 } };

describe('renderEquivalence', () => {
  const cases: { name: string; report: EquivalenceReport; expected: string }[] = [
    { name: 'equivalent: how many objects of each kind were compared', report: EMPTY, expected: 'compared 3 objects of the source (consumers 1, routes 2): 0 differences in 0 objects; 0 fields not compared (secret references)\n' },
    {
      name: 'a field that differs, one not compared, objects and a field left out, each by why',
      report: {
        differences: [{ kind: 'routes', sourceId: '12', compiledId: 'shop.list', field: '/priority', message: 'differs', source: '3', compiled: '4' }],
        notCompared: [{ kind: 'consumers', sourceId: 'ann', compiledId: 'ann', field: '/plugins/key-auth/key', reason: 'secret reference' }],
        skipped: 10,
        skippedBy: { 'not imported': 1, 'tagway manages already': 9 },
        skippedFields: 1,
        compared: 9,
        comparedByKind: { routes: 9 },
      },
      expected:
        'route 12 (compiled shop.list) /priority: differs (source 3, compiled 4)\n' +
        'compared 9 objects of the source (routes 9): 1 difference in 1 object; 1 field not compared (secret references); left out: 1 object not imported, 9 objects tagway manages already, 1 field not imported\n',
    },
    {
      name: 'objects one side has, counted once each',
      report: {
        ...EMPTY,
        differences: [
          { kind: 'routes', compiledId: 'shop.buy', field: '', message: 'the compiled route shop.buy has no counterpart in the source for PUT /buy on any host' },
          { kind: 'routes', sourceId: '2', field: '', message: 'no compiled route for POST /buy on any host' },
          { kind: 'consumers', sourceId: 'ann', compiledId: 'ann', field: '/desc', message: 'missing from the compiled side', source: '"x"' },
          { kind: 'consumers', sourceId: 'ann', compiledId: 'ann', field: '/labels', message: 'missing from the compiled side', source: '{"a":"b"}' },
        ],
      },
      expected:
        'route (compiled shop.buy): the compiled route shop.buy has no counterpart in the source for PUT /buy on any host\n' +
        'route 2: no compiled route for POST /buy on any host\n' +
        'consumer ann /desc: missing from the compiled side (source "x", compiled none)\n' +
        'consumer ann /labels: missing from the compiled side (source {"a":"b"}, compiled none)\n' +
        'compared 3 objects of the source (consumers 1, routes 2): 4 differences in 3 objects; 0 fields not compared (secret references)\n',
    },
  ];
  it.each(cases)('$name', ({ report, expected }) => {
    expect(renderEquivalence(report)).toBe(expected);
  });

  it('shows no secret, in text or in JSON', () => {
    const KEY = 'canary-render-key-4b5c6d7e8f90';
    const OTHER = 'canary-render-other-1a2b3c4d5e6f';
    const config = (consumers: Record<string, unknown>[]) =>
      Object.fromEntries((['consumer_groups', 'consumers', 'global_rules', 'plugin_configs', 'plugin_metadata', 'routes', 'secrets', 'services', 'ssls', 'stream_routes', 'upstreams'] as ApisixKind[]).map((k) => [k, k === 'consumers' ? consumers : []])) as unknown as ApisixConfig;
    const report = checkEquivalence(
      config([{ id: 'ann', username: 'ann', plugins: { 'key-auth': { key: KEY }, 'basic-auth': { username: 'ann', password: KEY } } }]),
      config([{ id: 'ann', username: 'ann', plugins: { 'key-auth': { key: 'env:ANN_KEY' }, 'basic-auth': { username: 'ann', password: OTHER } } }]),
      { resolveSecret: () => OTHER },
    );
    expect(report.differences).toHaveLength(2);
    const text = renderEquivalence(report) + JSON.stringify(equivalenceJson(report)) + report.differences.map(differenceLine).join('');
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(OTHER);
    expect(text).toContain('<masked>');
  });

  it('JSON says whether the two are equivalent and counts', () => {
    expect(equivalenceJson(EMPTY)).toEqual({ equivalent: true, differences: [], notCompared: [], counts: { differences: 0, objects: 0, notCompared: 0, skipped: 0, skippedBy: {}, skippedFields: 0, compared: 3, comparedByKind: { consumers: 1, routes: 2 } } });
  });
});
