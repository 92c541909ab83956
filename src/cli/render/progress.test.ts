import { describe, expect, it } from 'vitest';
import type { SyncEvent } from '../../sync/sync.js';
import { SyncProgress, type ProgressMode } from './progress.js';

/** A sync of two targets as the engine tells it, each event at a time in milliseconds. */
const EVENTS: readonly (readonly [number, SyncEvent])[] = [
  [0, { type: 'phase', target: 'eu-1', phase: 'preflight' }],
  [0, { type: 'phase', target: 'eu-2', phase: 'preflight' }],
  [40, { type: 'writes-started', target: 'eu-1' }],
  [40, { type: 'phase', target: 'eu-1', phase: 'apply' }],
  [40, { type: 'progress', target: 'eu-1', done: 0, total: 2000 }],
  [90, { type: 'progress', target: 'eu-1', done: 10, total: 2000 }],
  [600, { type: 'progress', target: 'eu-1', done: 400, total: 2000 }],
  [2040, { type: 'progress', target: 'eu-1', done: 1200, total: 2000 }],
  [3040, { type: 'progress', target: 'eu-1', done: 2000, total: 2000 }],
  [3100, { type: 'phase', target: 'eu-1', phase: 'verify' }],
  [3200, { type: 'writes-ended', target: 'eu-1' }],
  [3200, { type: 'phase', target: 'eu-1', phase: 'done' }],
];

function run(mode: ProgressMode, tickAt: readonly number[] = []): string {
  let now = 0;
  let out = '';
  const progress = new SyncProgress({ mode, write: (text) => (out += text), now: () => now });
  const ticks = [...tickAt];
  for (const [at, event] of EVENTS) {
    while (ticks.length > 0 && ticks[0]! <= at) {
      now = ticks.shift()!;
      progress.tick();
    }
    now = at;
    progress.onEvent(event);
  }
  for (const at of ticks) {
    now = at;
    progress.tick();
  }
  progress.finish();
  return out;
}

describe('SyncProgress', () => {
  it('off: prints nothing', () => {
    expect(run('off', [1000, 2000])).toBe('');
  });

  it('json: a line per phase, and the writes done at most once a second per target (and the last)', () => {
    const lines = run('json').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { event: 'phase', target: 'eu-1', phase: 'preflight' },
      { event: 'phase', target: 'eu-2', phase: 'preflight' },
      { event: 'phase', target: 'eu-1', phase: 'apply' },
      { event: 'progress', target: 'eu-1', phase: 'apply', done: 0, total: 2000 },
      { event: 'progress', target: 'eu-1', phase: 'apply', done: 1200, total: 2000 },
      { event: 'progress', target: 'eu-1', phase: 'apply', done: 2000, total: 2000 },
      { event: 'phase', target: 'eu-1', phase: 'verify' },
      { event: 'phase', target: 'eu-1', phase: 'done' },
    ]);
  });

  it('lines: nothing but what each tick prints, one line per target still working', () => {
    expect(run('lines')).toBe('');
    expect(run('lines', [2500, 3500])).toBe(
      ['tagway: eu-1  apply  1,200/2,000 writes  488/s', 'tagway: eu-2  preflight', 'tagway: eu-2  preflight', ''].join('\n'),
    );
  });

  it('live: redraws the block in place, at most every 100 ms, and erases it at the end', () => {
    const out = run('live');
    const frames = out.split('\x1b[2K').length - 1;
    // Events at 0, 40, 600, 2040, 3040, 3100, 3200 are 100 ms or more from the last frame (90 is not).
    expect(out).toContain('\x1b[2K  eu-1  apply  400/2,000 writes\n');
    expect(out).toContain('\x1b[2K  eu-1  apply  1,200/2,000 writes  600/s\n');
    expect(out).not.toContain('10/2,000');
    expect(frames).toBeGreaterThan(5);
    // The last thing written moves the cursor back to where the block began.
    expect(out.endsWith('\x1b[2K\n\x1b[2K\n\x1b[2A')).toBe(true);
  });
});
