import { describe, expect, it } from 'vitest';
import { renderVersionChange } from './versions.js';
import type { PointerMove } from '../../app/version-change.js';

const move = (group: string, from: PointerMove['from'], to: PointerMove['to']): PointerMove => ({ group, service: 'api', from, to, commit: 'c'.repeat(40), message: `point ${group}` });
const commit = (message: string) => ({ message, commit: 'd'.repeat(40), files: [] });

describe('renderVersionChange', () => {
  it.each([
    {
      name: 'a pin moved: from → to, then the command that takes the gateways there',
      moves: [move('staging', { pin: '1.0.0', version: '1.0.0' }, { pin: '1.1.0', version: '1.1.0' })],
      expected: ['staging: api 1.0.0 → 1.1.0', '  commit ddddddd point staging', 'next: tagway sync --group staging (or the agent, once it pulls this commit) to take the gateways there'],
    },
    {
      name: 'a pin that stays and gets its tag recorded is not shown as a move',
      moves: [move('staging', { pin: '1.0.0', version: '1.0.0' }, { pin: '1.0.0', version: '1.0.0' })],
      expected: ['staging: api 1.0.0 (its tag recorded)', '  commit ddddddd point staging', 'next: tagway sync --group staging (or the agent, once it pulls this commit) to take the gateways there'],
    },
    {
      name: 'several groups: one sync each, in name order',
      moves: [move('staging', null, { pin: '1.0.0', version: '1.0.0' }), move('prod', { pin: '^1.0', version: '1.0.0' }, { pin: '^1.0', version: '1.1.0' })],
      expected: [
        'staging: api (none) → 1.0.0',
        '  commit ddddddd point staging',
        'prod: api ^1.0 (1.0.0) → ^1.0 (1.1.0)',
        '  commit ddddddd point prod',
        'next: tagway sync --group prod; tagway sync --group staging (or the agent, once it pulls this commit) to take the gateways there',
      ],
    },
  ])('$name', ({ moves, expected }) => {
    const commits = [...new Set(moves.map((m) => m.message))].map(commit);
    expect(renderVersionChange({ dryRun: false, moves, commits }).split('\n')).toEqual(expected);
  });

  it('a dry run names no next step: nothing was written', () => {
    const moves = [move('staging', { pin: '1.0.0', version: '1.0.0' }, { pin: '1.1.0', version: '1.1.0' })];
    expect(renderVersionChange({ dryRun: true, moves, commits: [{ message: 'point staging', commit: null, files: [] }] })).not.toContain('next:');
  });
});
