import { describe, expect, it } from 'vitest';
import { mapBounded, runBounded } from './bounded.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('runBounded', () => {
  it('never has more than `limit` items in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const done: number[] = [];
    await runBounded([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await tick();
      inFlight -= 1;
      done.push(n);
    });
    expect(peak).toBe(3);
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('starts nothing after a failure, lets running items finish, and returns the first failure', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const error = await runBounded([1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      await tick();
      if (n === 1) throw new Error('boom');
      finished.push(n);
    });
    expect((error as Error).message).toBe('boom');
    expect(started).toEqual([1, 2]);
    expect(finished).toEqual([2]);
  });

  it('starts nothing once the signal aborts, and lets running items finish', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const finished: number[] = [];
    const error = await runBounded(
      [1, 2, 3, 4, 5],
      2,
      async (n) => {
        started.push(n);
        if (n === 2) controller.abort();
        await tick();
        finished.push(n);
      },
      controller.signal,
    );
    expect(error).toBeUndefined();
    expect(started).toEqual([1, 2]);
    expect(finished).toEqual([1, 2]);
  });
});

describe('mapBounded', () => {
  it('keeps the input order whatever order the calls end in, with at most `limit` in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapBounded([30, 10, 20, 0, 5], 2, async (ms, index) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, ms));
      inFlight -= 1;
      return `${index}:${ms}`;
    });
    expect(results).toEqual(['0:30', '1:10', '2:20', '3:0', '4:5']);
    expect(peak).toBe(2);
  });

  it('throws the first failure after the calls in flight end, and starts no call after it', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const failure = await mapBounded([1, 2, 3, 4], 2, async (n) => {
      started.push(n);
      await tick();
      if (n === 1) throw new Error('first');
      finished.push(n);
      return n;
    }).catch((e: unknown) => e);
    expect((failure as Error).message).toBe('first');
    expect(started).toEqual([1, 2]);
    expect(finished).toEqual([2]);
  });
});
