/** Cases of the sync layer's error data: phases, stop reasons, and what anything thrown becomes. */
import { describe, expect, it } from 'vitest';
import { SyncError, abortReason, errorData, inPhase, interruptedError, type SyncErrorData, type SyncPhase } from './errors.js';

const base: SyncErrorData = { code: 'unreachable', target: 'eu-1', message: 'target eu-1: no answer' };

describe('inPhase', () => {
  const cases: ReadonlyArray<readonly [SyncPhase, string]> = [
    ['preflight', 'target eu-1: no answer (during the preflight read)'],
    ['read', 'target eu-1: no answer (during the read)'],
    ['apply', 'target eu-1: no answer (during apply)'],
    ['verify', 'target eu-1: no answer (during verify)'],
    ['restore', 'target eu-1: no answer (during restore)'],
    ['lease', 'target eu-1: no answer (during the lease claim)'],
  ];
  for (const [phase, message] of cases) {
    it(`records ${phase} and names it at the end of the message`, () => {
      expect(inPhase(base, phase)).toEqual({ ...base, phase, message });
    });
  }

  it('keeps the phase a failure already has, and its message', () => {
    const read = inPhase(base, 'read');
    expect(inPhase(read, 'apply')).toBe(read);
  });
});

describe('abortReason and interruptedError', () => {
  const cases: ReadonlyArray<readonly [string, unknown, string]> = [
    ['a signal name', 'SIGINT', 'SIGINT'],
    ['an empty reason', '', 'a stop request'],
    ['a reason that is no text', new Error('SIGTERM'), 'a stop request'],
  ];
  for (const [name, reason, words] of cases) {
    it(`words ${name} as ${JSON.stringify(words)}`, () => {
      const controller = new AbortController();
      controller.abort(reason);
      expect(abortReason(controller.signal)).toBe(words);
      expect(interruptedError('eu-1', controller.signal, 2, 5)).toEqual({
        code: 'interrupted',
        target: 'eu-1',
        message: `target eu-1: the sync was interrupted by ${words} after 2 of 5 writes; no further write was started`,
        hint: 'sync again to take the target to the snapshot',
      });
    });
  }
});

describe('errorData', () => {
  const internalHint = 'this is a bug in tagway; please report it with the command you ran';
  const noTarget: SyncErrorData = { code: 'auth', message: 'the gateway refused the key' };
  const cases: ReadonlyArray<{ readonly name: string; readonly thrown: unknown; readonly target?: string; readonly data: SyncErrorData }> = [
    { name: 'a SyncError with its target, given another', thrown: new SyncError(base), target: 'eu-2', data: base },
    { name: 'a SyncError without a target, given one', thrown: new SyncError(noTarget), target: 'eu-2', data: { ...noTarget, target: 'eu-2' } },
    { name: 'a SyncError without a target, given none', thrown: new SyncError(noTarget), data: noTarget },
    { name: 'an Error, with a target', thrown: new TypeError('x is undefined'), target: 'eu-1', data: { code: 'internal', message: 'internal error: x is undefined', hint: internalHint, target: 'eu-1' } },
    { name: 'a thrown text, without a target', thrown: 'boom', data: { code: 'internal', message: 'internal error: boom', hint: internalHint } },
  ];
  for (const c of cases) {
    it(`describes ${c.name}`, () => {
      expect(errorData(c.thrown, c.target)).toStrictEqual(c.data);
    });
  }
});

describe('SyncError', () => {
  it('carries its data, its code and a name, and serialises to its data alone', () => {
    const error = new SyncError(base);
    expect([error.name, error.message, error.code]).toEqual(['SyncError', base.message, 'unreachable']);
    expect(JSON.parse(JSON.stringify(error))).toEqual(base);
    expect(String(error)).toBe('SyncError: target eu-1: no answer');
  });
});
