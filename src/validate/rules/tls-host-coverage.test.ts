import { describe, expect, it } from 'vitest';
import type { GroupEntry, CheckedRepo } from '../entries.js';
import type { RuleContext } from './rule.js';
import { tlsHostCoverage } from './tls-host-coverage.js';

/**
 * The rule reads a group's services only when the group has a server certificate: reading them
 * merges every service, which a compile whose records came from its cache never parses otherwise
 * (a warm compile of 1,000 services then read every file again, one git process each).
 */
describe('tls-host-coverage reads the services of the groups that terminate TLS only', () => {
  const cases = [
    { name: 'a group without SSL files', ssls: new Map(), reads: 0 },
    { name: 'a group with a client certificate only', ssls: new Map([['staging', new Map([['mtls', { name: 'mtls', spec: { type: 'client' } }]])]]), reads: 0 },
    { name: 'a group with a server certificate', ssls: new Map([['staging', new Map([['site', { name: 'site', spec: { snis: ['a.example.com'] } }]])]]), reads: 1 },
  ];
  it.each(cases)('$name', ({ ssls, reads }) => {
    let read = 0;
    const repo = { groupObjects: { ssl: ssls } } as unknown as CheckedRepo;
    const resolved = [
      {
        group: { group: 'staging' } as GroupEntry,
        get services() {
          read += 1;
          return [];
        },
      },
    ];
    const findings = [...tlsHostCoverage.check({ repo, resolved } as unknown as RuleContext)];
    expect({ findings, read }).toEqual({ findings: [], read: reads });
  });
});
