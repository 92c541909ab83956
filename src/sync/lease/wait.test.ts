import { describe, expect, it } from 'vitest';
import { describeWait, pollDelay, retryUntil, type Attempt, type LeaseClock } from './wait.js';

describe('pollDelay', () => {
  const cases: ReadonlyArray<{ readonly n: number; readonly random: number; readonly ms: number }> = [
    { n: 1, random: 0, ms: 100 },
    { n: 2, random: 0, ms: 150 },
    { n: 3, random: 0, ms: 225 },
    { n: 8, random: 0, ms: 1709 },
    { n: 9, random: 0, ms: 2000 },
    { n: 40, random: 0, ms: 2000 },
    { n: 0, random: 0, ms: 100 },
    { n: 1, random: 0.5, ms: 113 },
    { n: 1, random: 0.999, ms: 125 },
    { n: 40, random: 0.999, ms: 2500 },
  ];
  for (const c of cases) {
    it(`waits ${c.ms} ms before poll ${c.n} with jitter ${c.random}`, () => {
      expect(pollDelay(c.n, () => c.random)).toBe(c.ms);
    });
  }
});

describe('describeWait', () => {
  const cases: ReadonlyArray<readonly [number, string]> = [
    [0, '0 s'],
    [499, '0 s'],
    [1_500, '2 s'],
    [60_000, '60 s'],
    [90_000, '90 s'],
    [119_000, '119 s'],
    [119_500, '2 min'],
    [120_000, '2 min'],
    [150_000, '150 s'],
    [180_000, '3 min'],
  ];
  for (const [ms, words] of cases) {
    it(`says ${ms} ms as ${words}`, () => expect(describeWait(ms)).toBe(words));
  }
});

describe('retryUntil', () => {
  /** A clock moved only by sleeps, starting at `start`. */
  function clock(start = 1_000): LeaseClock & { readonly sleeps: number[] } {
    let time = start;
    const sleeps: number[] = [];
    return {
      sleeps,
      now: () => time,
      random: () => 0,
      sleep: async (ms) => {
        sleeps.push(ms);
        time += ms;
      },
    };
  }
  const busy = (holder: string): Attempt<string> => ({ kind: 'busy', holder });
  const done: Attempt<string> = { kind: 'done', value: 'taken' };

  const cases: ReadonlyArray<{
    readonly name: string;
    readonly attempts: readonly Attempt<string>[];
    readonly waitMs: number;
    readonly result: Attempt<string>;
    readonly sleeps: readonly number[];
    readonly heard: readonly string[];
    readonly tries: number;
  }> = [
    { name: 'taken at once', attempts: [done], waitMs: 10_000, result: done, sleeps: [], heard: [], tries: 1 },
    { name: 'taken after two polls', attempts: [busy('a'), busy('a'), done], waitMs: 10_000, result: done, sleeps: [100, 150], heard: ['a'], tries: 3 },
    { name: 'a new holder heard once each', attempts: [busy('a'), busy('b'), busy('b'), busy('a'), done], waitMs: 10_000, result: done, sleeps: [100, 150, 225, 338], heard: ['a', 'b', 'a'], tries: 5 },
    { name: 'no wait allowed: one look', attempts: [busy('a'), done], waitMs: 0, result: busy('a'), sleeps: [], heard: ['a'], tries: 1 },
    { name: 'a deadline already passed: one look', attempts: [busy('a'), done], waitMs: -5, result: busy('a'), sleeps: [], heard: ['a'], tries: 1 },
    { name: 'the last sleep cut at the deadline', attempts: [busy('a'), busy('a'), busy('a'), done], waitMs: 200, result: busy('a'), sleeps: [100, 100], heard: ['a'], tries: 3 },
    { name: 'a sleep that ends exactly at the deadline, then one last look', attempts: [busy('a'), busy('b'), done], waitMs: 100, result: busy('b'), sleeps: [100], heard: ['a', 'b'], tries: 2 },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const time = clock();
      const queue = [...c.attempts];
      let tries = 0;
      const heard: string[] = [];
      const result = await retryUntil(
        async () => {
          tries += 1;
          return queue.shift() ?? done;
        },
        { deadline: time.now() + c.waitMs, clock: time, onBusy: (h) => heard.push(h) },
      );
      expect(result).toEqual(c.result);
      expect(time.sleeps).toEqual(c.sleeps);
      expect(heard).toEqual(c.heard);
      expect(tries).toBe(c.tries);
    });
  }

  it('polls without anyone listening', async () => {
    const time = clock();
    const queue = [busy('a'), done];
    expect(await retryUntil(async () => queue.shift() ?? done, { deadline: time.now() + 1_000, clock: time })).toEqual(done);
  });
});
