import { describe, expect, it } from 'vitest';
import type { ImportOutcome } from '../../app/import.js';
import { renderImport } from './import.js';

const BASE: ImportOutcome = {
  root: '/repo',
  createdRepository: false,
  source: { format: 'apisix', origin: 'http://gw:9180' },
  notes: [],
  changes: [],
  findings: null,
  dryRun: false,
  written: [],
  unchanged: [],
  services: [],
  variables: [],
  unexpressed: [
    { kind: 'routes', id: 'r2', reason: 'its filter_func' },
    { kind: 'upstreams', id: '1', field: '/labels', reason: 'no labels' },
  ],
  ignored: [{ kind: 'routes', id: 'tw', reason: 'managed by tagway already' }],
  kept: [{ kind: 'services', id: '100', reason: 'route r2 stays' }],
  adoption: {},
  check: null,
  published: null,
  publishSkipped: null,
  next: [],
};

describe('renderImport', () => {
  const cases: { name: string; outcome: ImportOutcome; has: string[]; hasNot?: string[] }[] = [
    {
      name: 'from a live gateway: objects that stay, what they keep, fields written without, each in its own list',
      outcome: BASE,
      has: [
        'left out 1 object tagway manages already',
        'not imported (1 object): neither written nor taken over; the gateway keeps them as they are\n  routes r2: its filter_func',
        "kept on the gateway for them (1 object): written as tagway's own copies, not taken over\n  services 100: route r2 stays",
        'fields not imported (1): the objects were written without them\n  upstreams 1 /labels: no labels',
      ],
    },
    {
      name: 'from a file: what is not written is not in the group, nothing keeps it',
      outcome: { ...BASE, source: { format: 'standalone', origin: 'apisix.yaml' } },
      has: ["not imported (1 object): not written: the group's files do not hold them"],
      hasNot: ['the gateway keeps them'],
    },
    {
      name: 'a publish that did not happen says so and why',
      outcome: { ...BASE, publishSkipped: '--check found 2 differences between what was written and the source' },
      has: ['not published: --check found 2 differences between what was written and the source; nothing was committed or tagged'],
    },
  ];
  it.each(cases)('$name', ({ outcome, has, hasNot }) => {
    const text = renderImport(outcome);
    for (const h of has) expect(text).toContain(h);
    for (const h of hasNot ?? []) expect(text).not.toContain(h);
  });
});
